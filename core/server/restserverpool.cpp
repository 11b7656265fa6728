#include "restserverpool.h"

#include "listeningsocket.h"
#include "store/connectionpool.h"

#include <QLoggingCategory>
#include <QTcpServer>

#include <unistd.h>

Q_LOGGING_CATEGORY(lcPool, "fdd.rest.pool")

namespace fdd {

// The listening socket, in a thread of its own: accepting is never stuck
// behind a request being served.
class RestServerPool::Acceptor : public QTcpServer
{
public:
    explicit Acceptor(RestServerPool *pool) : m_pool(pool) {}

protected:
    void incomingConnection(qintptr descriptor) override { m_pool->handOver(descriptor); }

private:
    RestServerPool *m_pool;
};

RestServerPool::RestServerPool(RestServer::Options options, int threads, std::shared_ptr<std::atomic_bool> stopping)
    : m_options(std::move(options)), m_count(std::max(1, threads))
{
    if (stopping)
        m_stopping = std::move(stopping);
    m_options.stopping = m_stopping;
}

RestServerPool::~RestServerPool()
{
    if (!stop(std::chrono::seconds(30))) {
        qCWarning(lcPool) << "a request is still running 30 s after the stop; waiting for it";
        for (const std::unique_ptr<QThread> &thread : m_threads)
            thread->wait();
    }
}

Expected<quint16> RestServerPool::listen(const QHostAddress &address, quint16 port)
{
    Expected<ListeningSocket> socket = ListeningSocket::open(address, port);
    if (!socket)
        return socket.error();
    const quint16 bound = socket->port();
    for (int i = 0; i < m_count; ++i) {
        auto thread = std::make_unique<QThread>();
        thread->setObjectName(QStringLiteral("rest-%1").arg(i));
        auto *server = new RestServer(m_options);
        server->moveToThread(thread.get());
        // Emitted in the thread as it ends, while it still runs its own
        // objects: the server and this thread's connections close there.
        QObject::connect(thread.get(), &QThread::finished, [server] {
            delete server;
            ConnectionPool::closeThreadConnections();
        });
        thread->start();
        bool ok = false;
        QMetaObject::invokeMethod(server, [server, &socket, &ok] { ok = server->serveFrom(socket->descriptor()); },
                                  Qt::BlockingQueuedConnection);
        m_threads.push_back(std::move(thread));
        m_servers.push_back(server);
        if (!ok)
            return Error::unavailable(QStringLiteral("Cannot serve on %1:%2.").arg(address.toString()).arg(bound));
    }
    m_acceptThread = std::make_unique<QThread>();
    m_acceptThread->setObjectName(QStringLiteral("rest-accept"));
    m_acceptor = new Acceptor(this);
    m_acceptor->moveToThread(m_acceptThread.get());
    QObject::connect(m_acceptThread.get(), &QThread::finished, m_acceptor, [acceptor = m_acceptor] { delete acceptor; },
                     Qt::DirectConnection);
    m_acceptThread->start();
    const qintptr descriptor = socket->release();
    bool ok = false;
    QMetaObject::invokeMethod(m_acceptor, [this, descriptor, &ok] { ok = m_acceptor->setSocketDescriptor(descriptor); },
                              Qt::BlockingQueuedConnection);
    if (!ok) {
        ::close(int(descriptor));
        return Error::unavailable(QStringLiteral("Cannot serve on %1:%2.").arg(address.toString()).arg(bound));
    }
    return bound;
}

QList<int> RestServerPool::connections() const
{
    QList<int> open;
    for (const RestServer *server : m_servers)
        open.append(server->connections());
    return open;
}

// In the accepting thread.
void RestServerPool::handOver(qintptr descriptor)
{
    RestServer *least = m_servers.front();
    for (RestServer *server : m_servers) {
        if (server->connections() < least->connections())
            least = server;
    }
    least->connectionHandedOver();
    QMetaObject::invokeMethod(least, [least, descriptor] { least->adopt(descriptor); }, Qt::QueuedConnection);
}

bool RestServerPool::stop(std::chrono::milliseconds deadline)
{
    m_stopping->store(true);
    const QDeadlineTimer until(deadline);
    if (m_acceptThread && !m_acceptThread->isFinished()) {
        // No connection is taken any more; those accepted are already
        // queued to their servers, ahead of the drain below.
        QMetaObject::invokeMethod(m_acceptor, [this] { m_acceptor->close(); }, Qt::BlockingQueuedConnection);
        m_acceptThread->quit();
        m_acceptThread->wait();
    }
    for (size_t i = 0; i < m_threads.size(); ++i) {
        if (m_threads[i]->isFinished())
            continue;
        // Queued: it runs once the thread's current request is answered.
        RestServer *server = m_servers[i];
        QMetaObject::invokeMethod(server, [server, until] {
            server->drain(until, [] { QThread::currentThread()->quit(); });
        }, Qt::QueuedConnection);
    }
    bool stopped = true;
    for (const std::unique_ptr<QThread> &thread : m_threads) {
        // The drain gives up at the deadline; a little more lets a thread
        // that was draining close its connections.
        if (!thread->wait(QDeadlineTimer(until.remainingTimeAsDuration() + std::chrono::seconds(2))))
            stopped = false;
    }
    return stopped;
}

} // namespace fdd
