#pragma once

#include "watchrunner.h"

#include <QThread>

#include <condition_variable>
#include <mutex>

namespace fdd {

// Keeps the watch list running in a thread of its own: a pass over what is
// due, then a wait until the next watch is due (at most a minute, so that
// watches added by another process are seen), or until woken. Used by
// `serve --watch` and by the desktop app.
class WatchScheduler
{
public:
    struct Options
    {
        std::shared_ptr<SearchService> service;
        DceProgram program;
        // Read before each pass, in the scheduler's thread.
        std::function<Expected<QString>()> token;
        std::chrono::seconds timeout{3600};
        // Set by stop(); may be shared with others that stop together (the
        // REST server's stopping flag).
        std::shared_ptr<std::atomic_bool> stopping = std::make_shared<std::atomic_bool>(false);
        // In the scheduler's thread: each watch's new state, and each pass's end.
        std::function<void(const Watch &)> watchDone;
        std::function<void(const WatchRunReport &)> passDone;
        ExportJob::ProgressHandler progress;
    };

    explicit WatchScheduler(Options options);
    // Stops, waiting for the running export to be cancelled.
    ~WatchScheduler();
    WatchScheduler(const WatchScheduler &) = delete;
    WatchScheduler &operator=(const WatchScheduler &) = delete;

    void start();
    // Look at the list again now (a watch was added or changed).
    void wake();
    // Run these watches at the next chance, due or not.
    void runNow(const QList<Snowflake> &ids);
    // Cancels what runs and ends the thread; false if it had not ended
    // within the deadline.
    bool stop(std::chrono::milliseconds deadline = std::chrono::milliseconds(30000));
    bool isPassRunning() const { return m_inPass.load(); }

private:
    void loop();

    Options m_options;
    std::unique_ptr<QThread> m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_woken = false;
    QList<Snowflake> m_requested;
    std::atomic_bool m_inPass{false};
};

} // namespace fdd
