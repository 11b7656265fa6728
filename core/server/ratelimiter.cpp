#include "ratelimiter.h"

#include <QDateTime>

namespace fdd {

RateLimiter::RateLimiter(std::shared_ptr<RedisClient> redis, int limit, int windowSeconds, QByteArray prefix)
    : m_redis(std::move(redis)), m_limit(limit), m_window(std::max(1, windowSeconds)), m_prefix(std::move(prefix))
{
}

RateLimiter::Decision RateLimiter::admit(const QByteArray &client) const
{
    if (!enabled())
        return {};
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const qint64 window = now / m_window;
    const QByteArray key = m_prefix + client + ':' + QByteArray::number(window);
    Expected<qint64> count = m_redis->incr(key);
    if (!count)
        return {};
    if (*count == 1)
        (void)m_redis->expire(key, m_window + 1);
    if (*count <= m_limit)
        return {};
    return {false, int((window + 1) * m_window - now)};
}

} // namespace fdd
