#include "restserverpool.h"

#include "listeningsocket.h"

namespace fdd {

RestServerPool::RestServerPool(RestServer::Options options, int threads)
    : m_options(std::move(options)), m_count(std::max(1, threads))
{
}

RestServerPool::~RestServerPool()
{
    for (size_t i = 0; i < m_threads.size(); ++i) {
        QMetaObject::invokeMethod(m_servers[i], [server = m_servers[i]] { delete server; }, Qt::BlockingQueuedConnection);
        m_threads[i]->quit();
        m_threads[i]->wait();
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

} // namespace fdd
