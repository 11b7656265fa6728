#pragma once

#include "restserver.h"

#include <QThread>

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

namespace fdd {

// Several RestServers, each in a thread of its own with its own listening
// socket on the same address and port (SO_REUSEPORT): requests are served
// concurrently, each thread one at a time, with its own database connection.
class RestServerPool
{
public:
    // `stopping` is set by stop(); pass one to share it (with the watch
    // scheduler of `serve --watch`, say).
    RestServerPool(RestServer::Options options, int threads, std::shared_ptr<std::atomic_bool> stopping = {});
    // Stops (see stop()), waiting as long as it takes.
    ~RestServerPool();
    RestServerPool(const RestServerPool &) = delete;
    RestServerPool &operator=(const RestServerPool &) = delete;

    // Returns the port bound (port 0 picks one).
    Expected<quint16> listen(const QHostAddress &address, quint16 port);
    int size() const { return int(m_threads.size()); }

    // An orderly stop: no new connection is taken; the request each thread is
    // serving runs to its end (an export is cancelled, a streamed answer is
    // cut short with a 503, refresh-ahead is skipped) and the answers written
    // leave; then each server, and the database connections of its thread,
    // close in that thread, and the threads end. False when a thread was
    // still busy `deadline` after the call: it is left running, and the
    // caller can only end the process without destroying what it uses.
    bool stop(std::chrono::milliseconds deadline);

private:
    RestServer::Options m_options;
    int m_count;
    std::shared_ptr<std::atomic_bool> m_stopping = std::make_shared<std::atomic_bool>(false);
    std::vector<std::unique_ptr<QThread>> m_threads;
    std::vector<RestServer *> m_servers; // each lives, and is deleted, in its thread
};

} // namespace fdd
