#pragma once

#include "message.h"

#include <QString>

namespace fdd {

struct Guild
{
    Snowflake id = 0;
    QString name;

    friend bool operator==(const Guild &, const Guild &) = default;
};

struct Channel
{
    Snowflake id = 0;
    Snowflake guildId = 0;
    QString name;
    QString category;
    QString type;   // DiscordChatExporter's channel type, e.g. "GuildTextChat"
    QString topic;
    Snowflake lastMessageId = 0; // newest message archived; drives incremental export
    qint64 messageCount = 0;     // filled by MessageStore::channels()
    Snowflake parentId = 0;      // a thread's channel (DCE's channel list, or an export's categoryId for a thread)

    friend bool operator==(const Channel &, const Channel &) = default;
};

} // namespace fdd
