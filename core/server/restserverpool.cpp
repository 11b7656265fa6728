#include "restserverpool.h"

#include "listeningsocket.h"
#include "store/connectionpool.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcPool, "fdd.rest.pool")

namespace fdd {

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
    Expected<ListeningSocket> first = ListeningSocket::open(address, port);
    if (!first)
        return first.error();
    const quint16 bound = first->port();
    for (int i = 0; i < m_count; ++i) {
        Expected<ListeningSocket> socket = i == 0 ? std::move(first) : ListeningSocket::open(address, bound);
        if (!socket)
            return socket.error();
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
        const qintptr descriptor = socket->release();
        bool ok = false;
        QMetaObject::invokeMethod(server, [server, descriptor, &ok] { ok = server->listenOn(descriptor); },
                                  Qt::BlockingQueuedConnection);
        m_threads.push_back(std::move(thread));
        m_servers.push_back(server);
        if (!ok)
            return Error::unavailable(QStringLiteral("Cannot serve on %1:%2.").arg(address.toString()).arg(bound));
    }
    return bound;
}

bool RestServerPool::stop(std::chrono::milliseconds deadline)
{
    m_stopping->store(true);
    const QDeadlineTimer until(deadline);
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
