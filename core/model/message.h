#pragma once

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>

namespace fdd {

// Discord snowflakes are unsigned 64-bit integers; they never pass through double.
using Snowflake = quint64;

// A user as a message names them: its author, a mention, a reacting user,
// the user of an interaction.
struct UserRef
{
    Snowflake id = 0;
    QString name;          // the account name
    QString discriminator; // "0000" for the new unique names
    QString nickname;      // the name shown in the server (display name)
    QString color;         // "#1ABC9C", or empty: the role colour
    bool isBot = false;
    QString avatarUrl;     // a CDN url, or a path relative to the export (--media)

    QString displayName() const { return nickname.isEmpty() ? name : nickname; }
    friend bool operator==(const UserRef &, const UserRef &) = default;
};

struct Attachment
{
    enum class Kind { Other, Image, Video, Audio };

    Snowflake id = 0;
    QString url; // a CDN url, or a path relative to the export (--media)
    QString fileName;
    qint64 sizeBytes = 0;

    // From the file name: .png .jpg .jpeg .gif .webp; .mp4 .webm .mov;
    // .mp3 .ogg .wav .flac .m4a .opus.
    static Kind kindOf(const QString &fileName);
    Kind kind() const { return kindOf(fileName); }
    friend bool operator==(const Attachment &, const Attachment &) = default;
};

struct EmbedField
{
    QString name;
    QString value;
    bool isInline = false;
    friend bool operator==(const EmbedField &, const EmbedField &) = default;
};

struct Embed
{
    QString title;
    QString url;
    QString description;
    QString kind; // Discord's embed type (rich, image, video, link…) where the export names it
    QString color;
    qint64 timestampMs = 0;
    QString authorName;
    QString authorUrl;
    QString thumbnailUrl;
    QString imageUrl;
    QString videoUrl;
    QString footerText;
    QList<EmbedField> fields;
    friend bool operator==(const Embed &, const Embed &) = default;
};

struct Sticker
{
    Snowflake id = 0;
    QString name;
    QString format; // Png, Apng, Lottie, Gif
    QString sourceUrl;
    friend bool operator==(const Sticker &, const Sticker &) = default;
};

struct Emoji
{
    Snowflake id = 0; // 0 for a standard (Unicode) emoji
    QString name;     // the character for a standard emoji, the custom emoji's name otherwise
    QString code;     // "thumbsup"
    bool isAnimated = false;
    QString imageUrl;
    friend bool operator==(const Emoji &, const Emoji &) = default;
};

struct Reaction
{
    Emoji emoji;
    int count = 0;
    QList<UserRef> users; // where the export lists them (DCE 2.39+)
    friend bool operator==(const Reaction &, const Reaction &) = default;
};

struct Interaction
{
    Snowflake id = 0;
    QString name; // the command: "roll"
    UserRef user;
    friend bool operator==(const Interaction &, const Interaction &) = default;
};

// A message forwarded into this one (Discord's forwards, DCE 2.44+).
struct ForwardedMessage
{
    qint64 timestampMs = 0;
    qint64 editedMs = 0;
    QString content;
    QList<Attachment> attachments;
    QList<Embed> embeds;
    QList<Sticker> stickers;
    friend bool operator==(const ForwardedMessage &, const ForwardedMessage &) = default;
};

// A Discord message as DiscordChatExporter writes it. The first fields are
// the original archive's columns; the rest (author details, attachments,
// embeds, reactions, …) are kept whole since schema 3. An archive row written
// before then has them empty (hasDetail false) until its file is imported again.
struct Message
{
    Snowflake id = 0;
    Snowflake channelId = 0;
    Snowflake guildId = 0;   // 0 for direct messages, as DiscordChatExporter writes it
    Snowflake authorId = 0;
    QString authorName;
    qint64 timestampMs = 0;  // milliseconds since the epoch, UTC
    qint64 editedMs = 0;     // 0 when never edited
    QString content;
    Snowflake replyToId = 0; // the referenced message (reply, forward, pin notice); 0 for none
    int attachmentCount = 0;
    int embedCount = 0;
    int reactionCount = 0;   // distinct emoji

    // --- the whole message ---
    QString type;           // Default, Reply, ThreadCreated, ChannelPinnedMessage, GuildMemberJoin, Call, …
    bool isPinned = false;
    qint64 callEndedMs = 0;
    QString authorNickname;
    QString authorDiscriminator;
    QString authorColor;
    bool authorIsBot = false;
    QString authorAvatarUrl;
    QList<Attachment> attachments;
    QList<Embed> embeds;
    QList<Sticker> stickers;
    QList<Reaction> reactions;
    QList<UserRef> mentions;
    QString referenceType;  // Default (a reply), Forward, …; empty when the export does not say
    Snowflake referenceChannelId = 0;
    Snowflake referenceGuildId = 0;
    std::optional<Interaction> interaction;
    std::optional<ForwardedMessage> forwarded;
    bool hasDetail = false; // false for a row an older archive kept without the fields above

    QDateTime timestamp() const { return QDateTime::fromMSecsSinceEpoch(timestampMs, Qt::UTC); }
    QDate date() const { return timestamp().date(); }
    QString authorDisplayName() const { return authorNickname.isEmpty() ? authorName : authorNickname; }
    // Answers another message (a reply, not a forward or a pin notice).
    bool isReply() const;
    // A system notification (a join, a pin, a call, a thread created…): shown as a muted line.
    bool isSystem() const;
    // Where Discord shows it: https://discord.com/channels/<guild or @me>/<channel>/<message>.
    QString discordUrl() const;
    bool hasLink() const; // the text holds an http(s):// url

    // The filterable facts of the message, as index keys (one GIN / keyword /
    // side-table index backs them in every store):
    //   has:file has:image has:video has:sound has:embed has:sticker
    //   has:reaction has:reply has:link pinned bot edited
    //   mentions:<user id>  mentions:<name or nickname, lower case>
    //   reaction:<emoji name>  reaction:<emoji code>  reaction:<custom emoji id>
    //   from:<author name or nickname, lower case>
    QStringList tags() const;

    // Everything past the original columns, as compact JSON (the stores keep
    // it so; an empty string for a message without detail) and back.
    QByteArray detailJson() const;
    // Fills the detail fields from detailJson()'s output; false if it is not
    // such JSON (the fields are then left empty).
    bool setDetailJson(const QByteArray &json);

    friend bool operator==(const Message &, const Message &) = default;
};

} // namespace fdd

Q_DECLARE_METATYPE(fdd::Message)
