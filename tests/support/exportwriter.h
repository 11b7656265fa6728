#pragma once

#include "model/message.h"

#include <QString>
#include <QStringList>

namespace fdd::test {

// Writes a DiscordChatExporter export of `count` messages ("numbered message
// i", ids firstId + i, two a minute from startMs) into dir, as name.json;
// returns its path, or an empty string when it cannot be written.
QString writeExport(const QString &dir, const QString &name, Snowflake channel, int count, qint64 startMs,
                    Snowflake firstId = 1300000000000000000ull);

// Writes an export of one message of `contents` a second into channel
// (guild 4243, both named "letters"), ids from firstId, at `time` with the
// seconds as its %1 (e.g. "2023-04-04T04:04:%1+00:00"), as dir/name.json;
// returns its path, or an empty string when it cannot be written.
QString writeContents(const QString &dir, const QString &name, Snowflake channel, Snowflake firstId, const QString &time,
                      const QStringList &contents);

// Every message of an export as the reader gives it (what a store must give
// back); empty when it cannot be read.
QList<Message> readExport(const QString &path);

} // namespace fdd::test
