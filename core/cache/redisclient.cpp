#include "redisclient.h"

#include <QLoggingCategory>
#include <QUrl>

#include <hiredis/hiredis.h>

#include <cstdarg>

Q_LOGGING_CATEGORY(lcRedis, "fdd.cache.redis")

namespace fdd {

Expected<RedisUrl> RedisUrl::parse(const QString &text)
{
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != QLatin1String("redis") || url.host().isEmpty())
        return Error::badInput(QStringLiteral("The Redis address \"%1\" is not usable: write it as redis://host:port or redis://:password@host:port/db.")
                                   .arg(url.isValid() ? url.toDisplayString(QUrl::RemovePassword) : QStringLiteral("…")));
    RedisUrl out;
    out.host = url.host();
    out.port = url.port(6379);
    out.password = url.password();
    const QString path = url.path().mid(1);
    if (!path.isEmpty()) {
        bool ok = false;
        out.database = path.toInt(&ok);
        if (!ok || out.database < 0)
            return Error::badInput(QStringLiteral("The Redis database \"%1\" must be a number.").arg(path.left(20)));
    }
    return out;
}

QString RedisUrl::redacted() const
{
    return QStringLiteral("redis://%1:%2/%3").arg(host).arg(port).arg(database);
}

RedisClient::RedisClient(RedisUrl url, std::chrono::milliseconds timeout, std::chrono::milliseconds coolDown)
    : m_url(std::move(url)), m_timeout(timeout), m_coolDown(coolDown)
{
}

RedisClient::~RedisClient()
{
    QMutexLocker lock(&m_mutex);
    dropLocked();
}

qint64 RedisClient::failures() const
{
    QMutexLocker lock(&m_mutex);
    return m_failures;
}

void RedisClient::dropLocked()
{
    if (m_context)
        redisFree(m_context);
    m_context = nullptr;
}

bool RedisClient::connectLocked(QString &why)
{
    const timeval tv{long(m_timeout.count() / 1000), long((m_timeout.count() % 1000) * 1000)};
    m_context = redisConnectWithTimeout(m_url.host.toUtf8().constData(), m_url.port, tv);
    if (!m_context || m_context->err) {
        why = m_context ? QString::fromUtf8(m_context->errstr) : QStringLiteral("out of memory");
        dropLocked();
        return false;
    }
    redisSetTimeout(m_context, tv);
    const auto check = [&](redisReply *r) {
        const bool ok = r && r->type != REDIS_REPLY_ERROR;
        if (!ok)
            why = r ? QString::fromUtf8(r->str, qsizetype(r->len)) : QString::fromUtf8(m_context->errstr);
        if (r)
            freeReplyObject(r);
        return ok;
    };
    if (!m_url.password.isEmpty()) {
        const QByteArray pw = m_url.password.toUtf8();
        if (!check(static_cast<redisReply *>(redisCommand(m_context, "AUTH %b", pw.constData(), size_t(pw.size()))))) {
            dropLocked();
            return false;
        }
    }
    if (m_url.database != 0
        && !check(static_cast<redisReply *>(redisCommand(m_context, "SELECT %d", m_url.database)))) {
        dropLocked();
        return false;
    }
    return true;
}

Expected<RedisClient::Reply> RedisClient::command(const char *format, ...)
{
    QMutexLocker lock(&m_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (now < m_openUntil) {
        ++m_failures;
        return Error::unavailable(QStringLiteral("Redis at %1 is unavailable (retrying shortly).").arg(m_url.redacted()));
    }
    const auto trip = [&](const QString &why) {
        ++m_failures;
        dropLocked();
        m_openUntil = std::chrono::steady_clock::now() + m_coolDown;
        qCWarning(lcRedis).noquote() << "Redis at" << m_url.redacted() << "failed:" << why;
        return Error::unavailable(QStringLiteral("Redis at %1 is unavailable: %2").arg(m_url.redacted(), why));
    };
    QString why;
    if (!m_context && !connectLocked(why))
        return trip(why);

    va_list args;
    va_start(args, format);
    auto *reply = static_cast<redisReply *>(redisvCommand(m_context, format, args));
    va_end(args);
    if (!reply)
        return trip(QString::fromUtf8(m_context->errstr));
    Reply owned(reply, freeReplyObject);
    if (reply->type == REDIS_REPLY_ERROR)
        return Error::internal(QStringLiteral("Redis refused a command: %1").arg(QString::fromUtf8(reply->str, qsizetype(reply->len))));
    return owned;
}

Expected<std::optional<QByteArray>> RedisClient::get(const QByteArray &key)
{
    Expected<Reply> r = command("GET %b", key.constData(), size_t(key.size()));
    if (!r)
        return r.error();
    if ((*r)->type == REDIS_REPLY_NIL)
        return std::optional<QByteArray>();
    return std::optional<QByteArray>(QByteArray((*r)->str, qsizetype((*r)->len)));
}

Expected<RedisClient::Versioned> RedisClient::getVersioned(const QByteArray &generationKey, const QByteArray &prefix,
                                                           const QByteArray &suffix)
{
    // Server-side, so that a cached page costs one round trip, not two.
    static const QByteArray script = QByteArrayLiteral(
        "local g = redis.call('GET', KEYS[1]) or '0' "
        "return {g, redis.call('GET', ARGV[1] .. g .. ARGV[2])}");
    Expected<Reply> r = command("EVAL %b 1 %b %b %b", script.constData(), size_t(script.size()),
                                generationKey.constData(), size_t(generationKey.size()), prefix.constData(),
                                size_t(prefix.size()), suffix.constData(), size_t(suffix.size()));
    if (!r)
        return r.error();
    const redisReply *reply = r->get();
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 || reply->element[0]->type != REDIS_REPLY_STRING)
        return Error::internal(QStringLiteral("Redis answered the cache lookup in an unexpected shape."));
    Versioned out;
    out.generation = QByteArray(reply->element[0]->str, qsizetype(reply->element[0]->len));
    if (reply->element[1]->type == REDIS_REPLY_STRING)
        out.value = QByteArray(reply->element[1]->str, qsizetype(reply->element[1]->len));
    return out;
}

Expected<void> RedisClient::setEx(const QByteArray &key, const QByteArray &value, int ttlSeconds)
{
    Expected<Reply> r = command("SET %b %b EX %d", key.constData(), size_t(key.size()), value.constData(),
                                size_t(value.size()), ttlSeconds);
    if (!r)
        return r.error();
    return {};
}

Expected<qint64> RedisClient::incr(const QByteArray &key)
{
    Expected<Reply> r = command("INCR %b", key.constData(), size_t(key.size()));
    if (!r)
        return r.error();
    return qint64((*r)->integer);
}

Expected<void> RedisClient::addToSet(const QByteArray &key, const QByteArray &member, int ttlSeconds)
{
    Expected<Reply> r = command("SADD %b %b", key.constData(), size_t(key.size()), member.constData(), size_t(member.size()));
    if (!r)
        return r.error();
    return expire(key, ttlSeconds);
}

Expected<QList<QByteArray>> RedisClient::setMembers(const QByteArray &key, int count)
{
    Expected<Reply> r = command("SRANDMEMBER %b %d", key.constData(), size_t(key.size()), count);
    if (!r)
        return r.error();
    QList<QByteArray> members;
    if ((*r)->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < (*r)->elements; ++i)
            members.append(QByteArray((*r)->element[i]->str, qsizetype((*r)->element[i]->len)));
    return members;
}

Expected<void> RedisClient::expire(const QByteArray &key, int seconds)
{
    Expected<Reply> r = command("EXPIRE %b %d", key.constData(), size_t(key.size()), seconds);
    if (!r)
        return r.error();
    return {};
}

Expected<void> RedisClient::ping()
{
    Expected<Reply> r = command("PING");
    if (!r)
        return r.error();
    return {};
}

} // namespace fdd
