#pragma once

#include "restserver.h"

#include <QThread>

#include <memory>
#include <vector>

namespace fdd {

// Several RestServers, each in a thread of its own with its own listening
// socket on the same address and port (SO_REUSEPORT): requests are served
// concurrently, each thread one at a time, with its own database connection.
class RestServerPool
{
public:
    RestServerPool(RestServer::Options options, int threads);
    ~RestServerPool();
    RestServerPool(const RestServerPool &) = delete;
    RestServerPool &operator=(const RestServerPool &) = delete;

    // Returns the port bound (port 0 picks one).
    Expected<quint16> listen(const QHostAddress &address, quint16 port);
    int size() const { return int(m_threads.size()); }

private:
    RestServer::Options m_options;
    int m_count;
    std::vector<std::unique_ptr<QThread>> m_threads;
    std::vector<RestServer *> m_servers; // each lives, and is deleted, in its thread
};

} // namespace fdd
