#include "listeningsocket.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fdd {

Expected<ListeningSocket> ListeningSocket::open(const QHostAddress &address, quint16 port)
{
    const bool v6 = address.protocol() == QAbstractSocket::IPv6Protocol;
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto fail = [&](const char *what) {
        const QString why = QString::fromLocal8Bit(std::strerror(errno));
        if (fd >= 0)
            ::close(fd);
        return Error::unavailable(QStringLiteral("Cannot listen on %1:%2 (%3: %4).")
                                      .arg(address.toString()).arg(port).arg(QLatin1String(what), why));
    };
    if (fd < 0)
        return fail("socket");
    const int one = 1;
    // SO_REUSEADDR: a restart binds again at once over the last run's
    // connections in TIME_WAIT; a port someone listens on stays refused.
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
        return fail("setsockopt");

    sockaddr_storage storage{};
    socklen_t length;
    if (v6) {
        auto *a = reinterpret_cast<sockaddr_in6 *>(&storage);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        const Q_IPV6ADDR ip = address.toIPv6Address();
        std::memcpy(&a->sin6_addr, &ip, sizeof ip);
        length = sizeof *a;
    } else {
        auto *a = reinterpret_cast<sockaddr_in *>(&storage);
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        a->sin_addr.s_addr = htonl(address.toIPv4Address());
        length = sizeof *a;
    }
    if (::bind(fd, reinterpret_cast<sockaddr *>(&storage), length) != 0)
        return fail("bind");
    if (::listen(fd, SOMAXCONN) != 0)
        return fail("listen");
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&storage), &length) != 0)
        return fail("getsockname");
    const quint16 bound = v6 ? ntohs(reinterpret_cast<sockaddr_in6 *>(&storage)->sin6_port)
                             : ntohs(reinterpret_cast<sockaddr_in *>(&storage)->sin_port);
    return ListeningSocket(fd, bound);
}

ListeningSocket::ListeningSocket(ListeningSocket &&other) noexcept : m_fd(other.m_fd), m_port(other.m_port)
{
    other.m_fd = -1;
}

ListeningSocket &ListeningSocket::operator=(ListeningSocket &&other) noexcept
{
    std::swap(m_fd, other.m_fd);
    std::swap(m_port, other.m_port);
    return *this;
}

ListeningSocket::~ListeningSocket()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

qintptr ListeningSocket::release()
{
    const int fd = m_fd;
    m_fd = -1;
    return fd;
}

} // namespace fdd
