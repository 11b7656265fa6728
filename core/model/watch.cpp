#include "watch.h"

#include <QRegularExpression>

#include <algorithm>

namespace fdd::watchtime {

std::chrono::seconds retryDelay(int failures, qint64 intervalSeconds)
{
    constexpr qint64 first = 5 * 60;
    const qint64 ceiling = std::max<qint64>(intervalSeconds, 6 * 3600);
    qint64 delay = first;
    for (int i = 1; i < failures && delay < ceiling; ++i)
        delay *= 2;
    return std::chrono::seconds(std::min(delay, ceiling));
}

Expected<qint64> parseInterval(const QString &input, const QString &name)
{
    static const QRegularExpression part(QStringLiteral("^\\s*([0-9]{1,9})\\s*([smhdw]?)\\s*"));
    const QString text = input.trimmed().toLower();
    qint64 total = 0;
    qsizetype at = 0;
    while (at < text.size()) {
        const QRegularExpressionMatch m = part.match(QStringView(text).mid(at));
        if (!m.hasMatch())
            break;
        const qint64 n = m.captured(1).toLongLong();
        const QString unit = m.captured(2);
        const qint64 scale = unit == QLatin1String("m") ? 60
                             : unit == QLatin1String("h") ? 3600
                             : unit == QLatin1String("d") ? 86400
                             : unit == QLatin1String("w") ? 7 * 86400
                                                          : 1;
        total += n * scale;
        at += m.capturedLength(0);
        if (total > Watch::maximumIntervalSeconds)
            break;
    }
    if (text.isEmpty() || at < text.size())
        return Error::badInput(QStringLiteral("%1 takes a duration such as 15m, 6h, 1d or 2w (or a number of seconds).").arg(name));
    if (total < Watch::minimumIntervalSeconds || total > Watch::maximumIntervalSeconds)
        return Error::badInput(QStringLiteral("%1 must be between 1 minute and 366 days.").arg(name));
    return total;
}

QString formatInterval(qint64 seconds)
{
    struct Unit { qint64 size; char letter; };
    static constexpr Unit units[] = {{7 * 86400, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    QStringList parts;
    for (const Unit &u : units) {
        if (seconds >= u.size) {
            parts << QString::number(seconds / u.size) + QLatin1Char(u.letter);
            seconds %= u.size;
        }
    }
    return parts.isEmpty() ? QStringLiteral("0s") : parts.join(QLatin1Char(' '));
}

} // namespace fdd::watchtime
