#include "message.h"

#include "jsonfields.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>


namespace fdd {

namespace {

// --- detail JSON: written with RapidJSON's Writer, read with its DOM; ids as
// strings (no double in between), empty values left out. ---

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using Value = rapidjson::Value;

void key(Writer &w, const char *k)
{
    w.Key(k);
}

void str(Writer &w, const char *k, const QString &v)
{
    if (v.isEmpty())
        return;
    const QByteArray utf8 = v.toUtf8();
    w.Key(k);
    w.String(utf8.constData(), rapidjson::SizeType(utf8.size()));
}

void snowflake(Writer &w, const char *k, Snowflake v)
{
    if (v == 0)
        return;
    const std::string s = std::to_string(v);
    w.Key(k);
    w.String(s.data(), rapidjson::SizeType(s.size()));
}

void num(Writer &w, const char *k, qint64 v)
{
    if (v == 0)
        return;
    w.Key(k);
    w.Int64(v);
}

void flag(Writer &w, const char *k, bool v)
{
    if (!v)
        return;
    w.Key(k);
    w.Bool(true);
}

void user(Writer &w, const UserRef &u)
{
    w.StartObject();
    snowflake(w, "id", u.id);
    str(w, "name", u.name);
    str(w, "discriminator", u.discriminator);
    str(w, "nickname", u.nickname);
    str(w, "color", u.color);
    flag(w, "isBot", u.isBot);
    str(w, "avatarUrl", u.avatarUrl);
    w.EndObject();
}

template<typename T, typename F>
void list(Writer &w, const char *k, const QList<T> &items, F each)
{
    if (items.isEmpty())
        return;
    w.Key(k);
    w.StartArray();
    for (const T &item : items)
        each(w, item);
    w.EndArray();
}

void attachment(Writer &w, const Attachment &a)
{
    w.StartObject();
    snowflake(w, "id", a.id);
    str(w, "url", a.url);
    str(w, "fileName", a.fileName);
    num(w, "size", a.sizeBytes);
    w.EndObject();
}

void embed(Writer &w, const Embed &e)
{
    w.StartObject();
    str(w, "title", e.title);
    str(w, "url", e.url);
    str(w, "description", e.description);
    str(w, "kind", e.kind);
    str(w, "color", e.color);
    num(w, "timestamp", e.timestampMs);
    str(w, "authorName", e.authorName);
    str(w, "authorUrl", e.authorUrl);
    str(w, "thumbnailUrl", e.thumbnailUrl);
    str(w, "imageUrl", e.imageUrl);
    str(w, "videoUrl", e.videoUrl);
    str(w, "footerText", e.footerText);
    list(w, "fields", e.fields, [](Writer &w, const EmbedField &f) {
        w.StartObject();
        str(w, "name", f.name);
        str(w, "value", f.value);
        flag(w, "isInline", f.isInline);
        w.EndObject();
    });
    w.EndObject();
}

void sticker(Writer &w, const Sticker &s)
{
    w.StartObject();
    snowflake(w, "id", s.id);
    str(w, "name", s.name);
    str(w, "format", s.format);
    str(w, "sourceUrl", s.sourceUrl);
    w.EndObject();
}

void emoji(Writer &w, const Emoji &e)
{
    w.StartObject();
    snowflake(w, "id", e.id);
    str(w, "name", e.name);
    str(w, "code", e.code);
    flag(w, "isAnimated", e.isAnimated);
    str(w, "imageUrl", e.imageUrl);
    w.EndObject();
}

// --- reading it back ---

using json::flag;
using json::string;

Snowflake toId(const Value &o, const char *k)
{
    return json::integer<Snowflake>(o, k);
}

qint64 toNum(const Value &o, const char *k)
{
    return json::integer<qint64>(o, k);
}

template<typename T, typename F>
QList<T> toList(const Value &o, const char *k, F each)
{
    QList<T> out;
    json::forEachObject(o, k, [&](const Value &v) { out.append(each(v)); });
    return out;
}

UserRef toUser(const Value &o)
{
    UserRef u;
    u.id = toId(o, "id");
    u.name = string(o, "name");
    u.discriminator = string(o, "discriminator");
    u.nickname = string(o, "nickname");
    u.color = string(o, "color");
    u.isBot = flag(o, "isBot");
    u.avatarUrl = string(o, "avatarUrl");
    return u;
}

Attachment toAttachment(const Value &o)
{
    return {toId(o, "id"), string(o, "url"), string(o, "fileName"), toNum(o, "size")};
}

Embed toEmbed(const Value &o)
{
    Embed e;
    e.title = string(o, "title");
    e.url = string(o, "url");
    e.description = string(o, "description");
    e.kind = string(o, "kind");
    e.color = string(o, "color");
    e.timestampMs = toNum(o, "timestamp");
    e.authorName = string(o, "authorName");
    e.authorUrl = string(o, "authorUrl");
    e.thumbnailUrl = string(o, "thumbnailUrl");
    e.imageUrl = string(o, "imageUrl");
    e.videoUrl = string(o, "videoUrl");
    e.footerText = string(o, "footerText");
    e.fields = toList<EmbedField>(o, "fields", [](const Value &f) {
        return EmbedField{string(f, "name"), string(f, "value"), flag(f, "isInline")};
    });
    return e;
}

Sticker toSticker(const Value &o)
{
    return {toId(o, "id"), string(o, "name"), string(o, "format"), string(o, "sourceUrl")};
}

Emoji toEmoji(const Value &o)
{
    return {toId(o, "id"), string(o, "name"), string(o, "code"), flag(o, "isAnimated"), string(o, "imageUrl")};
}

bool endsWithAny(const QString &name, std::initializer_list<const char *> suffixes)
{
    for (const char *s : suffixes)
        if (name.endsWith(QLatin1String(s), Qt::CaseInsensitive))
            return true;
    return false;
}

} // namespace

Attachment::Kind Attachment::kindOf(const QString &fileName)
{
    if (endsWithAny(fileName, {".png", ".jpg", ".jpeg", ".gif", ".webp"}))
        return Kind::Image;
    if (endsWithAny(fileName, {".mp4", ".webm", ".mov"}))
        return Kind::Video;
    if (endsWithAny(fileName, {".mp3", ".ogg", ".wav", ".flac", ".m4a", ".opus"}))
        return Kind::Audio;
    return Kind::Other;
}

bool Message::isReply() const
{
    if (replyToId == 0)
        return false;
    // DCE names the type; an export that does not is read as a reply when it
    // refers to a message, unless the reference says it is a forward.
    if (!type.isEmpty())
        return type == QLatin1String("Reply");
    return referenceType.isEmpty() || referenceType == QLatin1String("Default");
}

QString Message::discordUrl() const
{
    return QStringLiteral("https://discord.com/channels/%1/%2/%3")
        .arg(guildId == 0 ? QStringLiteral("@me") : QString::number(guildId))
        .arg(channelId)
        .arg(id);
}

bool Message::isSystem() const
{
    static const QStringList ordinary{QStringLiteral("Default"), QStringLiteral("Reply"),
                                      QStringLiteral("ChatInputCommand"), QStringLiteral("ContextMenuCommand"),
                                      QStringLiteral("ApplicationCommand")};
    return !type.isEmpty() && !ordinary.contains(type);
}

bool Message::hasLink() const
{
    return content.contains(QLatin1String("http://"), Qt::CaseInsensitive)
        || content.contains(QLatin1String("https://"), Qt::CaseInsensitive);
}

QStringList Message::tags() const
{
    QStringList t;
    const auto has = [&](const char *what) { t << QLatin1String("has:") + QLatin1String(what); };
    if (!attachments.isEmpty() || attachmentCount > 0)
        has("file");
    bool image = false, video = false, sound = false;
    for (const Attachment &a : attachments) {
        const Attachment::Kind k = a.kind();
        image |= k == Attachment::Kind::Image;
        video |= k == Attachment::Kind::Video;
        sound |= k == Attachment::Kind::Audio;
    }
    if (image)
        has("image");
    if (video)
        has("video");
    if (sound)
        has("sound");
    if (!embeds.isEmpty() || embedCount > 0)
        has("embed");
    if (!stickers.isEmpty())
        has("sticker");
    if (!reactions.isEmpty() || reactionCount > 0)
        has("reaction");
    if (isReply())
        has("reply");
    if (hasLink())
        has("link");
    if (isPinned)
        t << QStringLiteral("pinned");
    if (authorIsBot)
        t << QStringLiteral("bot");
    if (editedMs != 0)
        t << QStringLiteral("edited");
    for (const UserRef &u : mentions) {
        const QString tag = QStringLiteral("mentions:") + QString::number(u.id);
        if (u.id != 0 && !t.contains(tag))
            t << tag;
    }
    const auto add = [&t](const QString &prefix, const QString &value) {
        const QString tag = prefix + value;
        if (!value.isEmpty() && !t.contains(tag))
            t << tag;
    };
    for (const UserRef &u : mentions) {
        add(QStringLiteral("mentions:"), u.name.toLower());
        add(QStringLiteral("mentions:"), u.nickname.toLower());
    }
    for (const Reaction &r : reactions) {
        add(QStringLiteral("reaction:"), r.emoji.name);
        add(QStringLiteral("reaction:"), r.emoji.code);
        add(QStringLiteral("reaction:"), r.emoji.id ? QString::number(r.emoji.id) : QString());
    }
    // from:NAME, ignoring case (from:ID reads the author's id itself).
    add(QStringLiteral("from:"), authorName.toLower());
    add(QStringLiteral("from:"), authorNickname.toLower());
    return t;
}

QByteArray Message::detailJson() const
{
    if (!hasDetail)
        return {};
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    key(w, "v");
    w.Int(1);
    str(w, "discriminator", authorDiscriminator);
    str(w, "color", authorColor);
    flag(w, "isBot", authorIsBot);
    str(w, "avatarUrl", authorAvatarUrl);
    num(w, "callEnded", callEndedMs);
    list(w, "attachments", attachments, attachment);
    list(w, "embeds", embeds, embed);
    list(w, "stickers", stickers, sticker);
    list(w, "reactions", reactions, [](Writer &w, const Reaction &r) {
        w.StartObject();
        key(w, "emoji");
        emoji(w, r.emoji);
        num(w, "count", r.count);
        list(w, "users", r.users, user);
        w.EndObject();
    });
    list(w, "mentions", mentions, user);
    if (!referenceType.isEmpty() || referenceChannelId || referenceGuildId) {
        key(w, "reference");
        w.StartObject();
        str(w, "type", referenceType);
        snowflake(w, "channelId", referenceChannelId);
        snowflake(w, "guildId", referenceGuildId);
        w.EndObject();
    }
    if (interaction) {
        key(w, "interaction");
        w.StartObject();
        snowflake(w, "id", interaction->id);
        str(w, "name", interaction->name);
        key(w, "user");
        user(w, interaction->user);
        w.EndObject();
    }
    if (forwarded) {
        key(w, "forwarded");
        w.StartObject();
        num(w, "timestamp", forwarded->timestampMs);
        num(w, "edited", forwarded->editedMs);
        str(w, "content", forwarded->content);
        list(w, "attachments", forwarded->attachments, attachment);
        list(w, "embeds", forwarded->embeds, embed);
        list(w, "stickers", forwarded->stickers, sticker);
        w.EndObject();
    }
    w.EndObject();
    return QByteArray(buffer.GetString(), qsizetype(buffer.GetSize()));
}

bool Message::setDetailJson(const QByteArray &json)
{
    if (json.isEmpty())
        return false;
    rapidjson::Document d;
    d.Parse<rapidjson::kParseNumbersAsStringsFlag>(json.constData(), size_t(json.size()));
    if (d.HasParseError() || !d.IsObject())
        return false;
    hasDetail = true;
    authorDiscriminator = string(d, "discriminator");
    authorColor = string(d, "color");
    authorIsBot = flag(d, "isBot");
    authorAvatarUrl = string(d, "avatarUrl");
    callEndedMs = toNum(d, "callEnded");
    attachments = toList<Attachment>(d, "attachments", toAttachment);
    embeds = toList<Embed>(d, "embeds", toEmbed);
    stickers = toList<Sticker>(d, "stickers", toSticker);
    reactions = toList<Reaction>(d, "reactions", [](const Value &r) {
        Reaction out;
        if (const Value *e = json::object(r, "emoji"))
            out.emoji = toEmoji(*e);
        out.count = int(toNum(r, "count"));
        out.users = toList<UserRef>(r, "users", toUser);
        return out;
    });
    mentions = toList<UserRef>(d, "mentions", toUser);
    referenceType.clear();
    referenceChannelId = referenceGuildId = 0;
    if (const Value *ref = json::object(d, "reference")) {
        referenceType = string(*ref, "type");
        referenceChannelId = toId(*ref, "channelId");
        referenceGuildId = toId(*ref, "guildId");
    }
    interaction.reset();
    if (const Value *i = json::object(d, "interaction")) {
        Interaction out;
        out.id = toId(*i, "id");
        out.name = string(*i, "name");
        if (const Value *u = json::object(*i, "user"))
            out.user = toUser(*u);
        interaction = out;
    }
    forwarded.reset();
    if (const Value *f = json::object(d, "forwarded")) {
        ForwardedMessage out;
        out.timestampMs = toNum(*f, "timestamp");
        out.editedMs = toNum(*f, "edited");
        out.content = string(*f, "content");
        out.attachments = toList<Attachment>(*f, "attachments", toAttachment);
        out.embeds = toList<Embed>(*f, "embeds", toEmbed);
        out.stickers = toList<Sticker>(*f, "stickers", toSticker);
        forwarded = out;
    }
    return true;
}

} // namespace fdd
