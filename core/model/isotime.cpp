#include "isotime.h"

#include <charconv>
#include <limits>

namespace fdd::isotime {

namespace {

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic
// Gregorian calendar, no time zone database involved.
constexpr qint64 daysFromCivil(qint64 y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const qint64 era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + qint64(doe) - 719468;
}

struct Civil { qint64 y; unsigned m; unsigned d; };

constexpr Civil civilFromDays(qint64 z)
{
    z += 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = unsigned(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 y = qint64(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
}

bool digits(std::string_view s, size_t pos, size_t count, int &out)
{
    if (pos + count > s.size())
        return false;
    int v = 0;
    for (size_t i = pos; i < pos + count; ++i) {
        const char c = s[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

constexpr bool isLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysInMonth(int y, int m)
{
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && isLeap(y) ? 29 : days[m - 1];
}

void append2(std::string &out, unsigned v)
{
    out.push_back(char('0' + v / 10));
    out.push_back(char('0' + v % 10));
}

} // namespace

std::optional<qint64> parseIsoMs(std::string_view s)
{
    int year, month, day, hour, minute, second;
    if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-'
        || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != ' ') || !digits(s, 11, 2, hour) || s[13] != ':'
        || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59
        || second > 60)
        return std::nullopt;

    size_t pos = 19;
    int millis = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int scale = 100;
        const size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            millis += (s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start)
            return std::nullopt;
    }

    int offsetMinutes = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        const int sign = s[pos] == '-' ? -1 : 1;
        int oh, om;
        if (!digits(s, pos + 1, 2, oh))
            return std::nullopt;
        pos += 3;
        if (pos < s.size() && s[pos] == ':')
            ++pos;
        if (!digits(s, pos, 2, om) || oh > 23 || om > 59)
            return std::nullopt;
        pos += 2;
        offsetMinutes = sign * (oh * 60 + om);
    } else {
        return std::nullopt; // a timestamp without an offset is ambiguous
    }
    if (pos != s.size())
        return std::nullopt;

    const qint64 days = daysFromCivil(year, unsigned(month), unsigned(day));
    const qint64 seconds = days * 86400 + hour * 3600 + minute * 60 + second - qint64(offsetMinutes) * 60;
    return seconds * 1000 + millis;
}

std::optional<Snowflake> parseSnowflake(std::string_view s)
{
    if (s.empty() || s.size() > 20)
        return std::nullopt;
    Snowflake value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size())
        return std::nullopt;
    if (value > Snowflake(std::numeric_limits<qint64>::max()))
        return std::nullopt;
    return value;
}

std::optional<Snowflake> parseSnowflake(const QString &text)
{
    const QByteArray latin1 = text.toLatin1(); // anything not Latin-1 becomes '?', which no id has
    return parseSnowflake(std::string_view(latin1.constData(), size_t(latin1.size())));
}

void appendIsoDate(std::string &out, qint64 ms)
{
    qint64 days = ms / 86400000;
    if (ms % 86400000 < 0)
        --days;
    const Civil c = civilFromDays(days);
    const unsigned y = unsigned(c.y);
    out.push_back(char('0' + y / 1000 % 10));
    out.push_back(char('0' + y / 100 % 10));
    append2(out, y % 100);
    out.push_back('-');
    append2(out, c.m);
    out.push_back('-');
    append2(out, c.d);
}

void appendIsoUtc(std::string &out, qint64 ms)
{
    appendIsoDate(out, ms);
    qint64 inDay = ms % 86400000;
    if (inDay < 0)
        inDay += 86400000;
    const unsigned secs = unsigned(inDay / 1000);
    const unsigned milli = unsigned(inDay % 1000);
    out.push_back(' ');
    append2(out, secs / 3600);
    out.push_back(':');
    append2(out, secs / 60 % 60);
    out.push_back(':');
    append2(out, secs % 60);
    out.push_back('.');
    out.push_back(char('0' + milli / 100));
    append2(out, milli % 100);
    out.append("+00");
}

} // namespace fdd::isotime
