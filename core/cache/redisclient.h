#pragma once

#include "model/expected.h"

#include <QByteArray>
#include <QMutex>
#include <QString>

#include <chrono>
#include <optional>

struct redisContext;
struct redisReply;

namespace fdd {

// redis://[:password@]host[:port][/db]
struct RedisUrl
{
    QString host = QStringLiteral("127.0.0.1");
    int port = 6379;
    QString password;
    int database = 0;

    static Expected<RedisUrl> parse(const QString &text);
    QString redacted() const;
};

// A small synchronous Redis client over hiredis, safe to share between
// threads. Every call has a short timeout, and a circuit breaker: after a
// failure, calls fail at once for a cool-down period instead of each paying
// the timeout; the next call after it reconnects.
class RedisClient
{
public:
    explicit RedisClient(RedisUrl url,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(250),
                         std::chrono::milliseconds coolDown = std::chrono::milliseconds(2000));
    ~RedisClient();
    RedisClient(const RedisClient &) = delete;
    RedisClient &operator=(const RedisClient &) = delete;

    Expected<std::optional<QByteArray>> get(const QByteArray &key);
    // In one round trip: the integer at generationKey (0 when unset) and the
    // value at prefix + generation + suffix, if any.
    struct Versioned
    {
        QByteArray generation;
        std::optional<QByteArray> value;
    };
    Expected<Versioned> getVersioned(const QByteArray &generationKey, const QByteArray &prefix, const QByteArray &suffix);
    Expected<void> setEx(const QByteArray &key, const QByteArray &value, int ttlSeconds);
    Expected<qint64> incr(const QByteArray &key);
    Expected<void> expire(const QByteArray &key, int seconds);
    // SADD then EXPIRE: a set that lives as long as the pages it lists.
    Expected<void> addToSet(const QByteArray &key, const QByteArray &member, int ttlSeconds);
    // Up to `count` members of a set (SRANDMEMBER).
    Expected<QList<QByteArray>> setMembers(const QByteArray &key, int count);
    Expected<void> ping();

    const RedisUrl &url() const { return m_url; }
    // How many calls failed or were refused by the breaker since start.
    qint64 failures() const;

private:
    using Reply = std::unique_ptr<redisReply, void (*)(void *)>;
    // Runs one command; the breaker and reconnection live here.
    Expected<Reply> command(const char *format, ...);
    bool connectLocked(QString &why);
    void dropLocked();

    RedisUrl m_url;
    std::chrono::milliseconds m_timeout;
    std::chrono::milliseconds m_coolDown;
    mutable QMutex m_mutex;
    redisContext *m_context = nullptr;
    std::chrono::steady_clock::time_point m_openUntil{};
    qint64 m_failures = 0;
};

} // namespace fdd
