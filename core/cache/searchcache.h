#pragma once

#include "model/searchpage.h"
#include "model/searchrequest.h"
#include "redisclient.h"
#include "store/messagestore.h"

#include <functional>
#include <memory>

namespace fdd {

// Search results in Redis under fdd:v1:<generation>:<store>:<kind>:<hash>,
// where <store> names the archive itself (kind and a hash of its location), so
// archives sharing one Redis never see each other's pages. An import bumps
// the archive's generation, so no stale page outlives new data and nothing
// needs deleting: old keys expire by their TTL. A Redis failure never
// fails a search: the lookup reports CacheStatus::Off and the store answers.
class SearchCache
{
public:
    struct Options
    {
        int ttlSeconds = 3600;     // the original FastDiscordDB's
        int emptyTtlSeconds = 60;  // "no messages" pages go stale sooner
    };

    struct Lookup
    {
        CacheStatus status = CacheStatus::Off;
        std::optional<SearchPage> page; // on a hit
        QByteArray key;                 // where a miss should be stored
        QByteArray generation;          // of that key
    };

    SearchCache(std::shared_ptr<RedisClient> redis, const MessageStore &store, Options options);
    SearchCache(std::shared_ptr<RedisClient> redis, const MessageStore &store)
        : SearchCache(std::move(redis), store, Options{})
    {
    }

    Lookup lookup(const SearchRequest &request) const;
    // Stores a missed page, and remembers its request as one this generation
    // was asked for (refreshed ahead by invalidate()).
    void store(const Lookup &lookup, const SearchPage &page, const SearchRequest &request) const;
    void store(const Lookup &lookup, const SearchPage &page) const;
    // Makes every cached page stale; called after each import. With
    // `compute`, the pages the current generation was asked for (up to 200)
    // are first computed again for the next generation, so the searches that
    // follow an import find them instead of all missing at once.
    using Compute = std::function<Expected<SearchPage>(const SearchRequest &)>;
    Expected<qint64> invalidate(const Compute &compute = {}) const;

    static QByteArray encodeRequest(const SearchRequest &request);
    static std::optional<SearchRequest> decodeRequest(const QByteArray &bytes);

    const std::shared_ptr<RedisClient> &redis() const { return m_redis; }

    static QByteArray encode(const SearchPage &page);
    static std::optional<SearchPage> decode(const QByteArray &bytes);
    static QByteArray requestHash(const SearchRequest &request);

private:
    std::shared_ptr<RedisClient> m_redis;
    QByteArray m_store;         // "<kind>-<hash of location>"
    QByteArray m_generationKey; // fdd:v1:generation:<store>
    QByteArray suffixFor(const SearchRequest &request) const;
    QByteArray recentKey(const QByteArray &generation) const;

    Options m_options;
};

} // namespace fdd
