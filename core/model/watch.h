#pragma once

#include "expected.h"
#include "message.h"

#include <QString>

#include <chrono>

namespace fdd {

// A channel or a whole server (guild) kept current by scheduled exports.
// Times are milliseconds since the epoch, UTC; 0 means never.
struct Watch
{
    // What the user chooses.
    Snowflake id = 0;          // the channel's or the server's id
    bool isGuild = false;      // a server: its channels, new ones included
    QString name;              // "#general" or the server's name, once known
    qint64 intervalSeconds = defaultIntervalSeconds;
    bool includeThreads = false;
    bool paused = false;
    qint64 nextRunMs = 0;      // due when this has passed

    // What the runs left.
    qint64 lastRunMs = 0;      // the end of the last attempt
    qint64 lastSuccessMs = 0;  // the end of the last attempt that stored anything it was asked to
    qint64 lastAdded = 0;      // messages the last successful run added
    QString lastError;         // the last attempt's failure as a sentence; empty when it worked
    int failures = 0;          // attempts that failed in a row

    static constexpr qint64 defaultIntervalSeconds = 3600;
    static constexpr qint64 minimumIntervalSeconds = 60;
    static constexpr qint64 maximumIntervalSeconds = 366 * 86400;

    bool isDue(qint64 nowMs) const { return !paused && nextRunMs <= nowMs; }
    // Failing: the last attempt failed. Overdue: a run should have happened
    // more than one interval ago (the runner is not running, or is stuck).
    bool isFailing() const { return failures > 0; }
    bool isOverdue(qint64 nowMs) const { return !paused && nextRunMs + intervalSeconds * 1000 < nowMs; }

    friend bool operator==(const Watch &, const Watch &) = default;
};

namespace watchtime {

// How long to wait after the n-th failure in a row (n >= 1): 5 minutes,
// doubling, never more than the interval or six hours, whichever is longer.
std::chrono::seconds retryDelay(int failures, qint64 intervalSeconds);

// "90s", "15m", "6h", "1d", "2w", or a plain number of seconds; the interval
// must lie within Watch's bounds. `name` is for the error sentence.
Expected<qint64> parseInterval(const QString &text, const QString &name);

// "15m", "6h", "1d 12h": the interval as parseInterval reads it.
QString formatInterval(qint64 seconds);

} // namespace watchtime

} // namespace fdd
