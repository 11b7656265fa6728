#pragma once

#include "model/searchpage.h"

#include <QJsonArray>
#include <QJsonObject>

namespace fdd {

// The JSON shapes of API.md, shared by the REST server and the CLI's --json.
// Ids are strings: snowflakes exceed 2^53 and JavaScript would round them.
namespace messagejson {

QJsonObject message(const Message &m);
QJsonArray messages(const QList<Message> &list);
QJsonObject page(const SearchPage &page);
QString isoTimestamp(qint64 ms); // "2024-04-26T18:03:11.123+00:00"

} // namespace messagejson
} // namespace fdd
