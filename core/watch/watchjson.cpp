#include "watchjson.h"

#include <QDateTime>

namespace fdd {

namespace {

QJsonValue instant(qint64 ms)
{
    if (ms <= 0)
        return QJsonValue::Null;
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

} // namespace

QString watchState(const Watch &w, qint64 nowMs)
{
    if (w.paused)
        return QStringLiteral("paused");
    if (w.isFailing())
        return QStringLiteral("failing");
    if (w.isOverdue(nowMs))
        return QStringLiteral("overdue");
    if (w.isDue(nowMs))
        return QStringLiteral("due");
    return QStringLiteral("ok");
}

QJsonObject watchJson(const Watch &w, qint64 nowMs)
{
    return {{QStringLiteral("id"), QString::number(w.id)},
            {QStringLiteral("kind"), w.isGuild ? QStringLiteral("server") : QStringLiteral("channel")},
            {QStringLiteral("name"), w.name},
            {QStringLiteral("every_seconds"), w.intervalSeconds},
            {QStringLiteral("every"), watchtime::formatInterval(w.intervalSeconds)},
            {QStringLiteral("include_threads"), w.includeThreads},
            {QStringLiteral("paused"), w.paused},
            {QStringLiteral("state"), watchState(w, nowMs)},
            {QStringLiteral("next_run"), w.paused ? QJsonValue(QJsonValue::Null) : instant(std::max<qint64>(w.nextRunMs, 1))},
            {QStringLiteral("last_run"), instant(w.lastRunMs)},
            {QStringLiteral("last_success"), instant(w.lastSuccessMs)},
            {QStringLiteral("last_added"), w.lastAdded},
            {QStringLiteral("last_error"), w.lastError.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(w.lastError)},
            {QStringLiteral("failures"), w.failures}};
}

} // namespace fdd
