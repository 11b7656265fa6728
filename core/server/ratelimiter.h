#pragma once

#include "cache/redisclient.h"

#include <QByteArray>

#include <memory>

namespace fdd {

// A fixed-window request limit per client, counted in Redis so that every
// server sharing the Redis shares the count. Without Redis (or while it is
// down) requests are allowed: a cache outage must not take the API down.
class RateLimiter
{
public:
    struct Decision
    {
        bool allowed = true;
        int retryAfterSeconds = 0;
    };

    RateLimiter(std::shared_ptr<RedisClient> redis, int limit, int windowSeconds, QByteArray prefix = "fdd:v1:rate:");

    // Counts one request of `client` (an address) and says whether it may go on.
    Decision admit(const QByteArray &client) const;
    bool enabled() const { return m_redis && m_limit > 0; }

private:
    std::shared_ptr<RedisClient> m_redis;
    int m_limit;
    int m_window;
    QByteArray m_prefix;
};

} // namespace fdd
