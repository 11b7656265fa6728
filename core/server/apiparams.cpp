#include "apiparams.h"

#include "search/searchservice.h"

namespace fdd::api {

namespace {

QString value(const QUrlQuery &q, const QString &name)
{
    return q.queryItemValue(name, QUrl::FullyDecoded);
}

Expected<int> intParam(const QUrlQuery &q, const QString &name, int fallback)
{
    if (!q.hasQueryItem(name))
        return fallback;
    const QString text = value(q, name);
    bool ok = false;
    const int v = text.toInt(&ok);
    if (!ok)
        return Error::badInput(QStringLiteral("%1 must be a whole number, not \"%2\".").arg(name, text.left(20)));
    return v;
}

} // namespace

QUrlQuery formQuery(const QUrl &url)
{
    // Encoded, a "+" is one the client wrote as such: a space. Its own %2B
    // stays encoded until the value is decoded.
    QString query = url.query(QUrl::FullyEncoded);
    query.replace(QLatin1Char('+'), QLatin1String("%20"));
    return QUrlQuery(query);
}

Expected<void> refuseNul(const QUrlQuery &query)
{
    const QChar nul(0);
    for (const auto &[name, text] : query.queryItems(QUrl::FullyDecoded))
        if (name.contains(nul) || text.contains(nul))
            return Error::badInput(QStringLiteral("The parameter ") + (name.contains(nul) ? QStringLiteral("name") : name.left(40))
                                   + QStringLiteral(" contains a NUL character (%00), which no message can hold: remove it."));
    return {};
}

Expected<SearchRequest> searchRequest(const QUrlQuery &query, SearchRequest::Kind kind, const QString &termName)
{
    SearchRequest r;
    r.kind = kind;
    if (kind == SearchRequest::Kind::Date) {
        if (!query.hasQueryItem(QStringLiteral("start_date")) || !query.hasQueryItem(QStringLiteral("end_date")))
            return Error::badInput(QStringLiteral("start_date and end_date are required (YYYY-MM-DD)."));
        Expected<QDate> start = SearchService::parseDate(value(query, QStringLiteral("start_date")), QStringLiteral("start_date"));
        if (!start)
            return start.error();
        Expected<QDate> end = SearchService::parseDate(value(query, QStringLiteral("end_date")), QStringLiteral("end_date"));
        if (!end)
            return end.error();
        r.startDate = *start;
        r.endDate = *end;
    } else if (kind == SearchRequest::Kind::Query) {
        if (!query.hasQueryItem(QStringLiteral("q")))
            return Error::badInput(QStringLiteral("q is required: a search such as from:alice has:image deploy (see the README's search language)."));
        r.text = value(query, QStringLiteral("q"));
        const QString sort = value(query, QStringLiteral("sort")).trimmed().toLower();
        if (sort == QLatin1String("oldest"))
            r.sort = SearchRequest::Sort::Oldest;
        else if (sort == QLatin1String("relevance"))
            r.sort = SearchRequest::Sort::Relevance;
        else if (!sort.isEmpty() && sort != QLatin1String("newest"))
            return Error::badInput(QStringLiteral("sort must be newest, oldest or relevance, not \"%1\".").arg(sort.left(20)));
    } else {
        if (!query.hasQueryItem(termName))
            return Error::badInput(QStringLiteral("%1 is required: 1 to %2 characters.").arg(termName).arg(SearchRequest::MaxTermLength));
        r.text = value(query, termName);
    }
    Expected<int> page = intParam(query, QStringLiteral("page"), 1);
    if (!page)
        return page.error();
    const QString sizeName = query.hasQueryItem(QStringLiteral("page_size")) ? QStringLiteral("page_size") : QStringLiteral("size");
    Expected<int> size = intParam(query, sizeName, SearchRequest::DefaultPageSize);
    if (!size)
        return size.error();
    r.page = *page;
    r.pageSize = *size;
    // tz: the IANA zone whose calendar days the dates are (default UTC, as the original API).
    if (query.hasQueryItem(QStringLiteral("tz"))) {
        const QString zone = value(query, QStringLiteral("tz")).trimmed();
        if (zone.size() > 64)
            return Error::badInput(QStringLiteral("tz is %1 characters long: an IANA time zone name has at most 64.").arg(zone.size()));
        r.zone = zone.toUtf8();
    }
    return SearchService::validate(r);
}

Expected<int> sideSize(const QUrlQuery &query, const QString &name, int fallback)
{
    Expected<int> n = intParam(query, name, fallback);
    if (n && (*n < 0 || *n > SearchService::MaxContext))
        return Error::badInput(QStringLiteral("%1 must be between 0 and %2.").arg(name).arg(SearchService::MaxContext));
    return n;
}

Expected<int> contextSize(const QUrlQuery &query)
{
    Expected<int> n = intParam(query, QStringLiteral("context"), 0);
    if (!n)
        return n;
    if (*n < 0 || *n > SearchService::MaxContext)
        return Error::badInput(QStringLiteral("context must be between 0 and %1.").arg(SearchService::MaxContext));
    return n;
}

} // namespace fdd::api
