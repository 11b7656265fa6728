#include "messagejson.h"

#include "dce/dcetime.h"

namespace fdd::messagejson {

QString isoTimestamp(qint64 ms)
{
    std::string s;
    dcetime::appendIsoUtc(s, ms); // "YYYY-MM-DD HH:MM:SS.mmm+00"
    s[10] = 'T';
    s += ":00";
    return QString::fromLatin1(s.data(), qsizetype(s.size()));
}

QJsonObject message(const Message &m)
{
    std::string date;
    dcetime::appendIsoDate(date, m.timestampMs);
    QJsonObject o{
        {QStringLiteral("message_id"), QString::number(m.id)},
        {QStringLiteral("channel_id"), QString::number(m.channelId)},
        {QStringLiteral("guild_id"), QString::number(m.guildId)},
        {QStringLiteral("author_id"), QString::number(m.authorId)},
        {QStringLiteral("author_name"), m.authorName},
        {QStringLiteral("timestamp"), isoTimestamp(m.timestampMs)},
        {QStringLiteral("message_date"), QString::fromLatin1(date.data(), qsizetype(date.size()))},
        {QStringLiteral("content"), m.content},
    };
    if (m.replyToId)
        o.insert(QStringLiteral("reply_to_id"), QString::number(m.replyToId));
    return o;
}

QJsonArray messages(const QList<Message> &list)
{
    QJsonArray a;
    for (const Message &m : list)
        a.append(message(m));
    return a;
}

QJsonObject page(const SearchPage &p)
{
    return {
        {QStringLiteral("messages"), messages(p.messages)},
        {QStringLiteral("count"), qint64(p.messages.size())},
        {QStringLiteral("total_count"), p.totalCount},
        {QStringLiteral("page"), p.page},
        {QStringLiteral("page_size"), p.pageSize},
        {QStringLiteral("total_pages"), p.totalPages()},
    };
}

} // namespace fdd::messagejson
