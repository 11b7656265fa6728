#pragma once

#include "cache/searchcache.h"
#include "model/expected.h"
#include "model/searchpage.h"
#include "model/searchrequest.h"
#include "store/messagestore.h"

#include <QHash>
#include <QMutex>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <memory>
#include <optional>

namespace fdd {

// The one way into searching: validates and normalises a request, then asks
// the store. The GUI, the CLI and the REST server all come through here.
class SearchService
{
public:
    explicit SearchService(std::shared_ptr<MessageStore> store);

    MessageStore &store() const { return *m_store; }

    // Optional: pages are looked up in and written to Redis.
    void setCache(std::shared_ptr<SearchCache> cache) { m_cache = std::move(cache); }
    const std::shared_ptr<SearchCache> &cache() const { return m_cache; }
    // After new data lands: no cached page may be served from before it.
    // While `stop` is set, the pages asked for lately are not computed again
    // (they then simply miss).
    void dataChanged(const std::atomic_bool *stop = nullptr) const;

    Expected<SearchPage> search(SearchRequest request) const;
    // Every match, newest first, one message at a time (not cached).
    Expected<qint64> scan(SearchRequest request, const std::function<bool(const Message &)> &visit) const;
    Expected<MessageContext> context(Snowflake messageId, int before, int after) const;
    // Matches per day of a request, for the timeline (not cached).
    Expected<QList<DayCount>> countByDay(SearchRequest request) const;

    // Trims the term and checks every limit of API.md; the sentence says what to fix.
    static Expected<SearchRequest> validate(SearchRequest request);
    // "YYYY-MM-DD", or a sentence naming what was given and what is expected.
    static Expected<QDate> parseDate(const QString &text, const QString &what);

    static constexpr int MaxContext = 20;

    // Searches waiting for an identical one already running (tests, diagnostics).
    int waitingSearches() const { return m_waiting.load(); }

private:
    // std::mutex and std::condition_variable rather than QMutex and
    // QWaitCondition: QWaitCondition unlocks the mutex inside QtCore, where
    // ThreadSanitizer cannot see it (Debian's Qt is not built for it), and it
    // would report every wait as a double lock.
    struct Flight
    {
        std::mutex mutex;
        std::condition_variable done;
        std::optional<Expected<SearchPage>> result;
    };

    std::shared_ptr<MessageStore> m_store;
    std::shared_ptr<SearchCache> m_cache;
    mutable QMutex m_flightsMutex;
    mutable QHash<QByteArray, std::shared_ptr<Flight>> m_flights; // pages being fetched, by cache key
    mutable std::atomic_int m_waiting{0};
};

} // namespace fdd
