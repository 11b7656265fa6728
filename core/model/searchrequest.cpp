#include "searchrequest.h"

#include <limits>

namespace fdd {

QString SearchRequest::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Substring: return QStringLiteral("substring");
    case Kind::FullText: return QStringLiteral("fulltext");
    case Kind::Date: return QStringLiteral("date");
    case Kind::All: return QStringLiteral("all");
    case Kind::Query: return QStringLiteral("query");
    }
    return {};
}

std::pair<qint64, qint64> SearchRequest::instantRange() const
{
    const QTimeZone z = timeZone();
    const qint64 from = startDate.isValid() ? startDate.startOfDay(z).toMSecsSinceEpoch() : 0;
    const qint64 to = endDate.isValid() ? endDate.addDays(1).startOfDay(z).toMSecsSinceEpoch()
                                        : std::numeric_limits<qint64>::max();
    return {from, to};
}

QList<std::pair<qint64, qint64>> SearchRequest::offsets(const QTimeZone &zone, qint64 fromMs, qint64 toMs)
{
    const QDateTime from = QDateTime::fromMSecsSinceEpoch(fromMs, Qt::UTC);
    QList<std::pair<qint64, qint64>> out{{fromMs, qint64(zone.offsetFromUtc(from)) * 1000}};
    for (const QTimeZone::OffsetData &t : zone.transitions(from, QDateTime::fromMSecsSinceEpoch(toMs, Qt::UTC))) {
        const qint64 at = t.atUtc.toMSecsSinceEpoch();
        const qint64 offset = qint64(t.offsetFromUtc) * 1000;
        if (at > fromMs && offset != out.constLast().second)
            out.append({at, offset});
    }
    return out;
}

} // namespace fdd
