#pragma once

#include "model/searchpage.h"
#include "model/searchrequest.h"
#include "redisclient.h"
#include "store/messagestore.h"

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
    };

    SearchCache(std::shared_ptr<RedisClient> redis, const MessageStore &store, Options options);
    SearchCache(std::shared_ptr<RedisClient> redis, const MessageStore &store)
        : SearchCache(std::move(redis), store, Options{})
    {
    }

    Lookup lookup(const SearchRequest &request) const;
    void store(const Lookup &lookup, const SearchPage &page) const;
    // Makes every cached page stale; called after each import.
    Expected<qint64> invalidate() const;

    const std::shared_ptr<RedisClient> &redis() const { return m_redis; }

    static QByteArray encode(const SearchPage &page);
    static std::optional<SearchPage> decode(const QByteArray &bytes);
    static QByteArray requestHash(const SearchRequest &request);

private:
    std::shared_ptr<RedisClient> m_redis;
    QByteArray m_store;         // "<kind>-<hash of location>"
    QByteArray m_generationKey; // fdd:v1:generation:<store>
    Options m_options;
};

} // namespace fdd
