#pragma once

#include "model/watch.h"

#include <QJsonObject>

namespace fdd {

// A watch as the REST API and `watch list --json` show it: ids as strings,
// times in ISO 8601 UTC (null for never), and its state in one word:
// "paused", "failing", "overdue", "due" or "ok".
QJsonObject watchJson(const Watch &watch, qint64 nowMs);
QString watchState(const Watch &watch, qint64 nowMs);

} // namespace fdd
