#pragma once

#include <QtGlobal>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fdd::test {

// A loopback port where nothing answers, for as long as this object lives.
// The port is bound but never listened on: a connection is refused at once,
// and no other socket — another test's server started in parallel — can
// take the port meanwhile (no SO_REUSEADDR here, so even Qt's listening
// sockets, which set it, are refused the bind). Asking for a free port and
// closing it again leaves a window in which someone else gets it.
class DeadPort
{
public:
    DeadPort()
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        Q_ASSERT(m_fd >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        socklen_t length = sizeof address;
        if (::bind(m_fd, reinterpret_cast<sockaddr *>(&address), length) == 0
            && ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&address), &length) == 0)
            m_port = ntohs(address.sin_port);
        Q_ASSERT(m_port != 0);
    }
    ~DeadPort() { ::close(m_fd); }
    DeadPort(const DeadPort &) = delete;
    DeadPort &operator=(const DeadPort &) = delete;

    quint16 port() const { return m_port; }

private:
    int m_fd = -1;
    quint16 m_port = 0;
};

} // namespace fdd::test
