#pragma once

#include "model/channel.h"
#include "model/expected.h"
#include "model/searchpage.h"
#include "model/searchrequest.h"
#include "model/watch.h"

#include <QList>
#include <QString>

#include <functional>
#include <memory>

namespace fdd {

struct IngestResult
{
    qint64 inserted = 0;
    qint64 skipped = 0; // already in the store
};

// Matches on one day (UTC), for the timeline.
struct DayCount
{
    QDate day;
    qint64 count = 0;
    friend bool operator==(const DayCount &, const DayCount &) = default;
};

// Someone who wrote in the archive, for completing from: (the names as the
// newest-sorting of their messages has them: max()).
struct Author
{
    Snowflake id = 0;
    QString name;
    QString nickname;
    qint64 messages = 0;
    friend bool operator==(const Author &, const Author &) = default;
};

struct StoreStats
{
    qint64 messages = 0;
    qint64 channels = 0;
    qint64 guilds = 0;
    qint64 oldestMs = 0;
    qint64 newestMs = 0;
};

// One all-or-nothing import, usually one export file. Destroying it without
// commit() rolls everything back.
class IngestSession
{
public:
    virtual ~IngestSession() = default;
    virtual Expected<void> addChannel(const Guild &guild, const Channel &channel) = 0;
    virtual Expected<void> addMessages(const QList<Message> &messages) = 0;
    virtual Expected<IngestResult> commit() = 0;
};

// Held while one channel is exported; released when destroyed.
class ChannelLock
{
public:
    virtual ~ChannelLock() = default;
};

// Where messages live. Every implementation passes the same conformance suite.
// Methods may be called from any thread; each thread gets its own connection.
class MessageStore
{
public:
    virtual ~MessageStore() = default;

    virtual QString name() const = 0;       // "postgres", "sqlite", "es"
    virtual QString location() const = 0;  // where, without secrets, for messages to the user

    virtual Expected<void> migrate() = 0;
    // A cheap round trip: is the store there?
    virtual Expected<void> ping() = 0;
    virtual Expected<std::unique_ptr<IngestSession>> beginIngest() = 0;
    virtual Expected<SearchPage> search(const SearchRequest &request) = 0;
    // Every match of the request, newest first (oldest first when the
    // request's sort is Oldest; relevance is not a scan's), one at a time and unpaged,
    // without holding them all; `visit` returning false stops early.
    // Returns how many were visited.
    virtual Expected<qint64> scan(const SearchRequest &request, const std::function<bool(const Message &)> &visit) = 0;
    // How many messages match the request on each day, oldest day first
    // (days without matches left out); paging is ignored.
    virtual Expected<QList<DayCount>> countByDay(const SearchRequest &request) = 0;
    virtual Expected<MessageContext> context(Snowflake messageId, int before, int after) = 0;
    virtual Expected<QList<Channel>> channels() = 0;
    virtual Expected<QList<Guild>> guilds() = 0;
    // The `limit` authors with the most messages, most first (equal counts
    // by id as text); each with the greatest of its names and nicknames.
    virtual Expected<QList<Author>> authors(int limit) = 0;
    virtual Expected<StoreStats> stats() = 0;

    // The watch list (channels and servers exported on a schedule), in id order.
    virtual Expected<QList<Watch>> watches() = 0;
    // Adds a watch or changes what the user chooses of one (kind, name,
    // interval, threads, paused, next run); its run state is kept.
    virtual Expected<void> saveWatch(const Watch &watch) = 0;
    // Records an attempt: next run and the run state only, and only if the
    // watch is still there (another process may have removed it).
    virtual Expected<void> recordWatchRun(const Watch &watch) = 0;
    // False when there was no such watch.
    virtual Expected<bool> removeWatch(Snowflake id) = 0;
    // The export lock of a channel, shared by every process using this
    // archive: null when another holds it. Released with the returned object,
    // or when the process holding it dies.
    virtual Expected<std::unique_ptr<ChannelLock>> lockChannel(Snowflake channel) = 0;
    // After an import, before searches see it: bring the planner's statistics
    // and visibility information up to date, so that the first searches over
    // new messages are as fast as later ones (measured: a cache stampede over
    // 100,000 fresh PostgreSQL rows took 4.3 s per request without it, 0.3 s with).
    virtual Expected<void> optimize() { return {}; }
};

} // namespace fdd
