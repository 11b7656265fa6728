#include "filtertest.h"

#include <QDateTime>

#include <algorithm>

namespace fdd {

namespace {

QString without(const QString &value, QChar prefix)
{
    return value.startsWith(prefix) && value.size() > 1 ? value.mid(1) : value;
}

Snowflake idOf(const QString &value)
{
    bool ok = false;
    const Snowflake id = value.toULongLong(&ok);
    return ok ? id : 0;
}

// The span of `value` (YYYY, YYYY-MM or YYYY-MM-DD): its first day and the day after it.
std::pair<QDate, QDate> span(const QString &value)
{
    if (value.size() == 4) {
        const QDate first(value.toInt(), 1, 1);
        return {first, first.addYears(1)};
    }
    if (value.size() == 7) {
        const QDate first = QDate::fromString(value + QStringLiteral("-01"), Qt::ISODate);
        return {first, first.addMonths(1)};
    }
    const QDate day = QDate::fromString(value, Qt::ISODate);
    return {day, day.addDays(1)};
}

} // namespace

FilterTest FilterTest::of(const Query &filter, const QTimeZone &zone, const QList<Channel> &channels)
{
    FilterTest t;
    const QString &v = filter.text;
    switch (filter.field) {
    case Query::Field::From: {
        const QString name = without(v, u'@');
        t.kind = Kind::AuthorOrTag;
        t.authorId = idOf(name);
        t.tag = QStringLiteral("from:") + name;
        return t;
    }
    case Query::Field::Mentions:
        t.tag = QStringLiteral("mentions:") + without(v, u'@');
        return t;
    case Query::Field::Has:
        t.tag = v == QLatin1String("pin") ? QStringLiteral("pinned") : QStringLiteral("has:") + v;
        return t;
    case Query::Field::Pinned:
    case Query::Field::Bot:
    case Query::Field::Edited:
        t.tag = Query::fieldName(filter.field);
        t.negated = v == QLatin1String("false");
        return t;
    case Query::Field::Reaction:
        t.tag = QStringLiteral("reaction:") + v;
        return t;
    case Query::Field::In: {
        t.kind = Kind::Channels;
        const QString name = without(v, u'#');
        const Snowflake id = idOf(name);
        for (const Channel &c : channels)
            if ((id && c.id == id) || c.name.toLower() == name)
                t.channels << c.id;
        for (const Channel &c : channels) // their threads
            if (c.parentId && t.channels.contains(c.parentId) && !t.channels.contains(c.id))
                t.channels << c.id;
        std::sort(t.channels.begin(), t.channels.end());
        return t;
    }
    case Query::Field::Before:
    case Query::Field::After:
    case Query::Field::During: {
        t.kind = Kind::Instants;
        const auto [first, next] = span(v);
        const auto startOf = [&zone](const QDate &d) { return d.startOfDay(zone).toMSecsSinceEpoch(); };
        if (filter.field != Query::Field::Before)
            t.fromMs = startOf(filter.field == Query::Field::After ? next : first);
        if (filter.field != Query::Field::After)
            t.toMs = startOf(filter.field == Query::Field::Before ? first : next);
        if (t.fromMs != 0)
            t.fromDay = QDateTime::fromMSecsSinceEpoch(t.fromMs, Qt::UTC).date();
        if (t.toMs != std::numeric_limits<qint64>::max())
            t.toDay = QDateTime::fromMSecsSinceEpoch(t.toMs - 1, Qt::UTC).date();
        return t;
    }
    }
    return t;
}

bool FilterTest::needsChannels(const Query &query)
{
    if (query.kind == Query::Kind::Filter)
        return query.field == Query::Field::In;
    return std::any_of(query.children.begin(), query.children.end(), needsChannels);
}

} // namespace fdd
