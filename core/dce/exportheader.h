#pragma once

#include "model/channel.h"

#include <QDateTime>

namespace fdd {

// What a DiscordChatExporter export says about itself, ahead of its messages.
struct ExportHeader
{
    Guild guild;
    Channel channel;
    QDateTime exportedAt; // invalid in exports older than the field
};

// What reading a whole export found.
struct ReadSummary
{
    ExportHeader header;
    qint64 messageCount = 0;
    qint64 bytes = 0;
};

} // namespace fdd
