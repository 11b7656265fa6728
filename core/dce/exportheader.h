#pragma once

#include "model/channel.h"

#include <QDateTime>

#include <optional>

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
    // Read with salvage, of a file that ends part-way: where it breaks (the
    // messages before it are all in messageCount).
    std::optional<qint64> brokenAt;
};

// A file whose writer stopped part-way (DiscordChatExporter killed, a full
// disk): it ends inside the messages, after `completeMessages` whole ones.
struct CutOff
{
    qint64 offset = 0;
    qint64 completeMessages = 0;
};

} // namespace fdd
