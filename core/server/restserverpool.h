#pragma once

#include "restserver.h"

#include <QThread>

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

namespace fdd {

// Several RestServers, each in a thread of its own with its own database
// connection, serving the connections of one listening socket: requests are
// served concurrently, each thread one at a time. A thread of the pool's own
// accepts the connections and gives each to the server with the fewest open
// ones, so that no server queues more clients than another. (With a socket
// per server, SO_REUSEPORT, the kernel hashed 64 connections over 4 threads
// unevenly; the clients of the busiest waited past 2 s while another idled.)
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
    // Each server's open connections, in the order of the threads.
    QList<int> connections() const;

    // An orderly stop: no new connection is taken; the request each thread is
    // serving runs to its end (an export is cancelled, a streamed answer is
    // cut short with a 503, refresh-ahead is skipped) and the answers written
    // leave; then each server, and the database connections of its thread,
    // close in that thread, and the threads end. False when a thread was
    // still busy `deadline` after the call: it is left running, and the
    // caller can only end the process without destroying what it uses.
    bool stop(std::chrono::milliseconds deadline);

private:
    class Acceptor;
    void handOver(qintptr descriptor);

    RestServer::Options m_options;
    int m_count;
    std::unique_ptr<QThread> m_acceptThread;
    Acceptor *m_acceptor = nullptr; // lives, and is deleted, in m_acceptThread
    std::shared_ptr<std::atomic_bool> m_stopping = std::make_shared<std::atomic_bool>(false);
    std::vector<std::unique_ptr<QThread>> m_threads;
    std::vector<RestServer *> m_servers; // each lives, and is deleted, in its thread
};

} // namespace fdd
