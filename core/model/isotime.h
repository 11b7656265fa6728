#pragma once

#include "model/message.h"

#include <QString>

#include <optional>
#include <string_view>

namespace fdd::isotime {

// Parses the ISO 8601 timestamps DiscordChatExporter writes
// ("2024-04-26T18:03:11.123+00:00", "2020-09-19T20:39:06.7100000+03:00",
// "2024-04-26T18:03:11Z") into milliseconds since the epoch, UTC.
// Fractions past milliseconds are truncated.
std::optional<qint64> parseIsoMs(std::string_view text);

// Parses a snowflake written as decimal digits; nothing else is accepted.
// Ids above 2^63-1 are refused: Discord's will not reach it before 2084, and
// every store keeps them as signed 64-bit integers.
std::optional<Snowflake> parseSnowflake(std::string_view text);
// The same, for ids users type (command lines, forms, URLs).
std::optional<Snowflake> parseSnowflake(const QString &text);

// Appends "YYYY-MM-DD HH:MM:SS.mmm+00" for a UTC millisecond timestamp.
void appendIsoUtc(std::string &out, qint64 ms);
// Appends "YYYY-MM-DD" of a UTC millisecond timestamp.
void appendIsoDate(std::string &out, qint64 ms);

} // namespace fdd::isotime
