#pragma once

#include <QDate>
#include <QDateTime>
#include <QMetaType>
#include <QString>

#include <cstdint>

namespace fdd {

// Discord snowflakes are unsigned 64-bit integers; they never pass through double.
using Snowflake = quint64;

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
    Snowflake replyToId = 0; // 0 when not a reply
    int attachmentCount = 0;
    int embedCount = 0;
    int reactionCount = 0;

    QDateTime timestamp() const { return QDateTime::fromMSecsSinceEpoch(timestampMs, Qt::UTC); }
    QDate date() const { return timestamp().date(); }

    friend bool operator==(const Message &, const Message &) = default;
};

} // namespace fdd

Q_DECLARE_METATYPE(fdd::Message)
