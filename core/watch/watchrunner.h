#pragma once

#include "dce/exportjob.h"
#include "model/watch.h"
#include "search/searchservice.h"

#include <QDateTime>
#include <QHash>

#include <atomic>
#include <functional>
#include <memory>

namespace fdd {

// What one pass over the watch list did.
struct WatchRunReport
{
    int ran = 0;        // watches attempted
    int failed = 0;     // of those, failed
    qint64 added = 0;   // messages stored
    bool cancelled = false;
};

// Runs the watch list's due updates one after another, each an incremental
// export (ExportJob with update) of the channel or server, and records each
// attempt in the store. A failure backs the watch off (watchtime::retryDelay);
// a token Discord refuses or an unreachable Discord fails every watch still
// due in that pass without asking Discord again. A channel another process is
// exporting is left to it (the store's channel lock) and looked at again a
// minute later. A cancelled pass records nothing for the watch it was in: the
// watch stays due, and what was imported of it stays (all or nothing per file).
// The cache generation moves once per pass, when anything was added.
// Blocking: run it off the GUI thread.
class WatchRunner
{
public:
    using Clock = std::function<QDateTime()>;

    WatchRunner(std::shared_ptr<SearchService> service, DceProgram program, QString token);

    // The time schedules are read against (default: the system clock). Tests
    // drive it; exports still ask Discord for what is new.
    void setClock(Clock clock) { m_clock = std::move(clock); }
    void setCancelFlag(const std::atomic_bool *cancel) { m_cancel = cancel; }
    void setTimeout(std::chrono::seconds timeout) { m_timeout = timeout; }
    void setProgressHandler(ExportJob::ProgressHandler handler) { m_progress = std::move(handler); }
    // Called as each watch's attempt is recorded, with its new state.
    void setWatchDoneHandler(std::function<void(const Watch &)> handler) { m_watchDone = std::move(handler); }
    void setToken(QString token) { m_token = std::move(token); }
    // Set: every watch run fails with this, without DiscordChatExporter
    // (no token to run it with, say); cleared by setting std::nullopt.
    void setFailure(std::optional<Error> failure) { m_failure = std::move(failure); }

    // Every due watch, once.
    Expected<WatchRunReport> runDue();
    // These watches now, due or not ("Update now").
    Expected<WatchRunReport> runNow(const QList<Snowflake> &ids);

    // When the earliest unpaused watch is due; 0 when none is.
    static qint64 nextDueMs(const QList<Watch> &watches);
    // A watch as its first run should find it: due at once.
    static Watch newWatch(Snowflake id, bool isGuild, qint64 intervalSeconds, qint64 nowMs);
    // A new watch named and typed from the archive: a server the archive
    // knows is watched as a server unless `isGuild` says otherwise; without
    // either, a channel. Checks the id and the interval.
    static Expected<Watch> prepare(MessageStore &store, Snowflake id, std::optional<bool> isGuild,
                                   qint64 intervalSeconds, bool includeThreads, qint64 nowMs);

private:
    Expected<WatchRunReport> runWatches(QList<Watch> watches);
    // One attempt; false when it was cancelled (nothing recorded).
    bool runOne(Watch &watch, WatchRunReport &report, std::optional<Error> &fatal);
    qint64 now() const { return m_clock().toMSecsSinceEpoch(); }

    std::shared_ptr<SearchService> m_service;
    DceProgram m_program;
    QString m_token;
    Clock m_clock = [] { return QDateTime::currentDateTimeUtc(); };
    const std::atomic_bool *m_cancel = nullptr;
    std::chrono::seconds m_timeout{3600};
    ExportJob::ProgressHandler m_progress;
    std::function<void(const Watch &)> m_watchDone;
    std::optional<Error> m_failure;
    QHash<Snowflake, qint64> m_leftUntil; // watches whose channels another process had, until when
};

} // namespace fdd
