#include "searchcache.h"

#include <QCryptographicHash>
#include <QDataStream>
#include <QIODevice>

namespace fdd {

namespace {
constexpr quint32 formatVersion = 2; // 2: the whole message (type, pin, nickname, detail)
} // namespace

SearchCache::SearchCache(std::shared_ptr<RedisClient> redis, const MessageStore &store, Options options)
    : m_redis(std::move(redis))
    , m_store(store.name().toUtf8() + '-'
              + QCryptographicHash::hash(store.location().toUtf8(), QCryptographicHash::Sha256).toHex().left(12))
    , m_generationKey(QByteArrayLiteral("fdd:v1:generation:") + m_store)
    , m_options(options)
{
}

QByteArray SearchCache::requestHash(const SearchRequest &r)
{
    QByteArray bytes;
    QDataStream s(&bytes, QIODevice::WriteOnly);
    s << int(r.kind) << r.text << r.startDate << r.endDate << quint64(r.channelId) << quint64(r.authorId) << r.page
      << r.pageSize << int(r.sort);
    if (!r.zone.isEmpty()) // UTC keeps the keys of before
        s << r.zone;
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex().left(40);
}

QByteArray SearchCache::suffixFor(const SearchRequest &request) const
{
    return ':' + m_store + ':' + SearchRequest::kindName(request.kind).toUtf8() + ':' + requestHash(request);
}

QByteArray SearchCache::recentKey(const QByteArray &generation) const
{
    return QByteArrayLiteral("fdd:v1:") + generation + ':' + m_store + QByteArrayLiteral(":asked");
}

QByteArray SearchCache::encodeRequest(const SearchRequest &r)
{
    QByteArray bytes;
    QDataStream s(&bytes, QIODevice::WriteOnly);
    s << quint8(2) << int(r.kind) << r.text << r.startDate << r.endDate << quint64(r.channelId) << quint64(r.authorId)
      << r.page << r.pageSize << int(r.sort) << r.zone;
    return bytes;
}

std::optional<SearchRequest> SearchCache::decodeRequest(const QByteArray &bytes)
{
    QDataStream s(bytes);
    quint8 version = 0;
    int kind = 0, sort = 0;
    quint64 channel = 0, author = 0;
    SearchRequest r;
    s >> version >> kind >> r.text >> r.startDate >> r.endDate >> channel >> author >> r.page >> r.pageSize >> sort;
    if (version == 2)
        s >> r.zone;
    if (s.status() != QDataStream::Ok || (version != 1 && version != 2) || kind < 0 || kind > int(SearchRequest::Kind::Query)
        || sort < 0 || sort > int(SearchRequest::Sort::Oldest))
        return std::nullopt;
    r.kind = SearchRequest::Kind(kind);
    r.sort = SearchRequest::Sort(sort);
    r.channelId = channel;
    r.authorId = author;
    return r;
}

SearchCache::Lookup SearchCache::lookup(const SearchRequest &request) const
{
    const QByteArray suffix = suffixFor(request);
    Expected<RedisClient::Versioned> cached = m_redis->getVersioned(m_generationKey, QByteArrayLiteral("fdd:v1:"), suffix);
    if (!cached)
        return {}; // Off: the store answers
    Lookup out;
    out.status = CacheStatus::Miss;
    out.key = QByteArrayLiteral("fdd:v1:") + cached->generation + suffix;
    out.generation = cached->generation;
    if (cached->value) {
        out.page = decode(*cached->value);
        if (out.page)
            out.status = CacheStatus::Hit;
    }
    return out;
}

void SearchCache::store(const Lookup &lookup, const SearchPage &page) const
{
    if (lookup.status != CacheStatus::Miss)
        return;
    const int ttl = page.totalCount == 0 ? m_options.emptyTtlSeconds : m_options.ttlSeconds;
    (void)m_redis->setEx(lookup.key, encode(page), ttl); // a failed write only costs a later miss
}

void SearchCache::store(const Lookup &lookup, const SearchPage &page, const SearchRequest &request) const
{
    store(lookup, page);
    if (lookup.status == CacheStatus::Miss)
        (void)m_redis->addToSet(recentKey(lookup.generation), encodeRequest(request), m_options.ttlSeconds);
}

Expected<qint64> SearchCache::invalidate(const Compute &compute) const
{
    if (compute) {
        Expected<std::optional<QByteArray>> current = m_redis->get(m_generationKey);
        if (!current)
            return current.error();
        const QByteArray generation = current->value_or(QByteArrayLiteral("0"));
        const QByteArray next = QByteArray::number(generation.toLongLong() + 1);
        Expected<QList<QByteArray>> asked = m_redis->setMembers(recentKey(generation), 200);
        for (const QByteArray &bytes : asked ? *asked : QList<QByteArray>()) {
            const std::optional<SearchRequest> request = decodeRequest(bytes);
            if (!request)
                continue;
            Expected<SearchPage> page = compute(*request);
            if (!page)
                continue;
            page->cache = CacheStatus::Off;
            const int ttl = page->totalCount == 0 ? m_options.emptyTtlSeconds : m_options.ttlSeconds;
            // Nobody reads the next generation's keys before the INCR below.
            (void)m_redis->setEx(QByteArrayLiteral("fdd:v1:") + next + suffixFor(*request), encode(*page), ttl);
            (void)m_redis->addToSet(recentKey(next), bytes, m_options.ttlSeconds);
        }
    }
    return m_redis->incr(m_generationKey);
}

QByteArray SearchCache::encode(const SearchPage &page)
{
    QByteArray bytes;
    QDataStream s(&bytes, QIODevice::WriteOnly);
    s.setVersion(QDataStream::Qt_6_4);
    s << formatVersion << page.totalCount << page.page << page.pageSize << qint64(page.messages.size());
    for (const Message &m : page.messages)
        s << quint64(m.id) << quint64(m.channelId) << quint64(m.guildId) << quint64(m.authorId) << m.authorName
          << m.timestampMs << m.editedMs << m.content << quint64(m.replyToId) << m.attachmentCount << m.embedCount
          << m.reactionCount << m.type << m.isPinned << m.authorNickname << m.detailJson();
    return bytes;
}

std::optional<SearchPage> SearchCache::decode(const QByteArray &bytes)
{
    QDataStream s(bytes);
    s.setVersion(QDataStream::Qt_6_4);
    quint32 version = 0;
    qint64 count = 0;
    SearchPage page;
    s >> version >> page.totalCount >> page.page >> page.pageSize >> count;
    if (s.status() != QDataStream::Ok || version != formatVersion || count < 0 || count > 100000)
        return std::nullopt;
    page.messages.reserve(count);
    for (qint64 i = 0; i < count; ++i) {
        Message m;
        quint64 id, channel, guild, author, reply;
        s >> id >> channel >> guild >> author >> m.authorName >> m.timestampMs >> m.editedMs >> m.content >> reply
            >> m.attachmentCount >> m.embedCount >> m.reactionCount >> m.type >> m.isPinned >> m.authorNickname;
        QByteArray detail;
        s >> detail;
        m.setDetailJson(detail);
        m.id = id;
        m.channelId = channel;
        m.guildId = guild;
        m.authorId = author;
        m.replyToId = reply;
        page.messages.append(std::move(m));
    }
    if (s.status() != QDataStream::Ok)
        return std::nullopt;
    return page;
}

} // namespace fdd
