#pragma once

#include "model/expected.h"

#include <QHostAddress>

namespace fdd {

// A listening TCP socket with SO_REUSEPORT, so that several server threads,
// each with its own socket on the same address and port, share the
// connections: the kernel spreads them over the threads.
class ListeningSocket
{
public:
    // Port 0 picks a free port; open() again with the port actually bound
    // (port()) gives the sockets of the other threads.
    static Expected<ListeningSocket> open(const QHostAddress &address, quint16 port);

    ListeningSocket(ListeningSocket &&other) noexcept;
    ListeningSocket &operator=(ListeningSocket &&other) noexcept;
    ~ListeningSocket();

    quint16 port() const { return m_port; }
    // Gives up the descriptor, e.g. to QTcpServer::setSocketDescriptor().
    qintptr release();

private:
    ListeningSocket(int fd, quint16 port) : m_fd(fd), m_port(port) {}
    int m_fd = -1;
    quint16 m_port = 0;
};

} // namespace fdd
