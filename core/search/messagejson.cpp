#include "messagejson.h"

#include "model/isotime.h"

namespace fdd::messagejson {

QString isoTimestamp(qint64 ms)
{
    std::string s;
    isotime::appendIsoUtc(s, ms); // "YYYY-MM-DD HH:MM:SS.mmm+00"
    s[10] = 'T';
    s += ":00";
    return QString::fromLatin1(s.data(), qsizetype(s.size()));
}

namespace {

QString id(Snowflake s)
{
    return QString::number(s);
}

QJsonValue instant(qint64 ms)
{
    return ms ? QJsonValue(isoTimestamp(ms)) : QJsonValue();
}

QJsonObject user(const UserRef &u)
{
    return {{QStringLiteral("id"), id(u.id)},
            {QStringLiteral("name"), u.name},
            {QStringLiteral("nickname"), u.nickname},
            {QStringLiteral("display_name"), u.displayName()},
            {QStringLiteral("discriminator"), u.discriminator},
            {QStringLiteral("color"), u.color.isEmpty() ? QJsonValue() : QJsonValue(u.color)},
            {QStringLiteral("is_bot"), u.isBot},
            {QStringLiteral("avatar_url"), u.avatarUrl}};
}

template<typename T, typename F>
QJsonArray array(const QList<T> &items, F each)
{
    QJsonArray a;
    for (const T &item : items)
        a.append(each(item));
    return a;
}

QString kindName(Attachment::Kind k)
{
    switch (k) {
    case Attachment::Kind::Image: return QStringLiteral("image");
    case Attachment::Kind::Video: return QStringLiteral("video");
    case Attachment::Kind::Audio: return QStringLiteral("audio");
    case Attachment::Kind::Other: break;
    }
    return QStringLiteral("other");
}

QJsonObject attachment(const Attachment &a)
{
    return {{QStringLiteral("id"), id(a.id)},
            {QStringLiteral("url"), a.url},
            {QStringLiteral("file_name"), a.fileName},
            {QStringLiteral("size_bytes"), a.sizeBytes},
            {QStringLiteral("kind"), kindName(a.kind())}};
}

QJsonObject embed(const Embed &e)
{
    return {{QStringLiteral("title"), e.title},
            {QStringLiteral("url"), e.url},
            {QStringLiteral("description"), e.description},
            {QStringLiteral("kind"), e.kind},
            {QStringLiteral("color"), e.color},
            {QStringLiteral("timestamp"), instant(e.timestampMs)},
            {QStringLiteral("author_name"), e.authorName},
            {QStringLiteral("author_url"), e.authorUrl},
            {QStringLiteral("thumbnail_url"), e.thumbnailUrl},
            {QStringLiteral("image_url"), e.imageUrl},
            {QStringLiteral("video_url"), e.videoUrl},
            {QStringLiteral("footer_text"), e.footerText},
            {QStringLiteral("fields"), array(e.fields, [](const EmbedField &f) {
                 return QJsonObject{{QStringLiteral("name"), f.name}, {QStringLiteral("value"), f.value},
                                    {QStringLiteral("inline"), f.isInline}};
             })}};
}

QJsonObject sticker(const Sticker &st)
{
    return {{QStringLiteral("id"), id(st.id)}, {QStringLiteral("name"), st.name},
            {QStringLiteral("format"), st.format}, {QStringLiteral("source_url"), st.sourceUrl}};
}

QJsonObject reaction(const Reaction &r)
{
    return {{QStringLiteral("emoji"), QJsonObject{{QStringLiteral("id"), r.emoji.id ? QJsonValue(id(r.emoji.id)) : QJsonValue()},
                                                  {QStringLiteral("name"), r.emoji.name},
                                                  {QStringLiteral("code"), r.emoji.code},
                                                  {QStringLiteral("animated"), r.emoji.isAnimated},
                                                  {QStringLiteral("image_url"), r.emoji.imageUrl}}},
            {QStringLiteral("count"), r.count},
            {QStringLiteral("users"), array(r.users, user)}};
}

} // namespace

QJsonObject message(const Message &m)
{
    std::string date;
    isotime::appendIsoDate(date, m.timestampMs);
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
    // The whole message (API.md "Message"), after the original fields.
    o.insert(QStringLiteral("type"), m.type);
    o.insert(QStringLiteral("is_pinned"), m.isPinned);
    o.insert(QStringLiteral("edited_timestamp"), instant(m.editedMs));
    o.insert(QStringLiteral("call_ended_timestamp"), instant(m.callEndedMs));
    UserRef author{m.authorId, m.authorName, m.authorDiscriminator, m.authorNickname, m.authorColor, m.authorIsBot, m.authorAvatarUrl};
    o.insert(QStringLiteral("author"), user(author));
    o.insert(QStringLiteral("attachment_count"), m.attachmentCount);
    o.insert(QStringLiteral("embed_count"), m.embedCount);
    o.insert(QStringLiteral("reaction_count"), m.reactionCount);
    o.insert(QStringLiteral("attachments"), array(m.attachments, attachment));
    o.insert(QStringLiteral("embeds"), array(m.embeds, embed));
    o.insert(QStringLiteral("stickers"), array(m.stickers, sticker));
    o.insert(QStringLiteral("reactions"), array(m.reactions, reaction));
    o.insert(QStringLiteral("mentions"), array(m.mentions, user));
    if (m.replyToId || !m.referenceType.isEmpty())
        o.insert(QStringLiteral("reference"), QJsonObject{{QStringLiteral("message_id"), m.replyToId ? QJsonValue(id(m.replyToId)) : QJsonValue()},
                                                          {QStringLiteral("channel_id"), m.referenceChannelId ? QJsonValue(id(m.referenceChannelId)) : QJsonValue()},
                                                          {QStringLiteral("guild_id"), m.referenceGuildId ? QJsonValue(id(m.referenceGuildId)) : QJsonValue()},
                                                          {QStringLiteral("type"), m.referenceType}});
    if (m.interaction)
        o.insert(QStringLiteral("interaction"), QJsonObject{{QStringLiteral("id"), id(m.interaction->id)},
                                                            {QStringLiteral("name"), m.interaction->name},
                                                            {QStringLiteral("user"), user(m.interaction->user)}});
    if (m.forwarded)
        o.insert(QStringLiteral("forwarded"), QJsonObject{{QStringLiteral("timestamp"), instant(m.forwarded->timestampMs)},
                                                          {QStringLiteral("edited_timestamp"), instant(m.forwarded->editedMs)},
                                                          {QStringLiteral("content"), m.forwarded->content},
                                                          {QStringLiteral("attachments"), array(m.forwarded->attachments, attachment)},
                                                          {QStringLiteral("embeds"), array(m.forwarded->embeds, embed)},
                                                          {QStringLiteral("stickers"), array(m.forwarded->stickers, sticker)}});
    // False for a message archived before whole messages were kept: import
    // its file again to fill in the rest.
    o.insert(QStringLiteral("complete"), m.hasDetail);
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
