#pragma once

#include "model/message.h"

#include <QString>

namespace fdd::test {

// Writes a DiscordChatExporter export of `count` messages ("numbered message
// i", ids 1300000000000000000 + i, two a minute from startMs) into dir, as
// name.json; returns its path, or an empty string when it cannot be written.
QString writeExport(const QString &dir, const QString &name, Snowflake channel, int count, qint64 startMs);

// Every message of an export as the reader gives it (what a store must give
// back); empty when it cannot be read.
QList<Message> readExport(const QString &path);

} // namespace fdd::test
