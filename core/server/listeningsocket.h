#pragma once

#include "model/expected.h"

#include <QHostAddress>

namespace fdd {

// A listening TCP socket, opened with a sentence for each way it can fail
// (the port taken, the address not this machine's, no permission).
class ListeningSocket
{
public:
    // Port 0 picks a free port; port() says which.
    static Expected<ListeningSocket> open(const QHostAddress &address, quint16 port);

    ListeningSocket(ListeningSocket &&other) noexcept;
    ListeningSocket &operator=(ListeningSocket &&other) noexcept;
    ~ListeningSocket();

    quint16 port() const { return m_port; }
    qintptr descriptor() const { return m_fd; }
    // Gives up the descriptor, e.g. to QTcpServer::setSocketDescriptor().
    qintptr release();

private:
    ListeningSocket(int fd, quint16 port) : m_fd(fd), m_port(port) {}
    int m_fd = -1;
    quint16 m_port = 0;
};

} // namespace fdd
