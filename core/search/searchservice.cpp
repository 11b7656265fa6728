#include "searchservice.h"

#include <QElapsedTimer>
#include <QRegularExpression>

namespace fdd {

SearchService::SearchService(std::shared_ptr<MessageStore> store) : m_store(std::move(store)) {}

Expected<QDate> SearchService::parseDate(const QString &text, const QString &what)
{
    static const QRegularExpression shape(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}$"));
    const QString t = text.trimmed();
    const QDate date = shape.match(t).hasMatch() ? QDate::fromString(t, Qt::ISODate) : QDate();
    if (!date.isValid())
        return Error::badInput(QStringLiteral("The %1 \"%2\" is not a date: write it as YYYY-MM-DD, for example 2024-04-26.")
                                   .arg(what, t.left(40)));
    return date;
}

Expected<SearchRequest> SearchService::validate(SearchRequest r)
{
    r.text = r.text.trimmed();
    if (r.kind == SearchRequest::Kind::Query) {
        if (r.text.contains(QChar(0)))
            return Error::badInput(QStringLiteral("The search contains a NUL character, which no message can hold: remove it."));
        Expected<Query> query = Query::parse(r.text);
        if (!query)
            return query.error();
        r.query = std::move(*query);
        r.text = r.query.canonical(); // one key for every way of typing it
        if (r.sort == SearchRequest::Sort::Relevance && r.query.positiveWords().isEmpty())
            r.sort = SearchRequest::Sort::Newest; // nothing to rank by
    } else if (r.kind != SearchRequest::Kind::Date) {
        if (r.text.isEmpty())
            return Error::badInput(QStringLiteral("The search term is empty: enter 1 to %1 characters.")
                                       .arg(SearchRequest::MaxTermLength));
        if (r.text.contains(QChar(0)))
            return Error::badInput(QStringLiteral("The search term contains a NUL character, which no message can hold: remove it."));
        const qsizetype length = r.text.toUcs4().size();
        if (length > SearchRequest::MaxTermLength)
            return Error::badInput(QStringLiteral("The search term is %1 characters long; the limit is %2.")
                                       .arg(length).arg(SearchRequest::MaxTermLength));
    } else if (!r.startDate.isValid() || !r.endDate.isValid()) {
        return Error::badInput(QStringLiteral("A date search needs both a start date and an end date (YYYY-MM-DD)."));
    }
    if (!r.isUtc() && !QTimeZone(r.zone).isValid())
        return Error::badInput(QStringLiteral("\"%1\" is not a time zone: give an IANA name such as Europe/Berlin or America/New_York.")
                                   .arg(QString::fromUtf8(r.zone.left(64))));
    if (r.isUtc())
        r.zone.clear(); // one spelling of UTC, for the cache
    if (r.startDate.isValid() && r.endDate.isValid() && r.startDate > r.endDate)
        return Error::badInput(QStringLiteral("The start date %1 is after the end date %2.")
                                   .arg(r.startDate.toString(Qt::ISODate), r.endDate.toString(Qt::ISODate)));
    if ((r.kind != SearchRequest::Kind::FullText || r.sort == SearchRequest::Sort::Oldest) && r.kind != SearchRequest::Kind::Query)
        r.sort = SearchRequest::Sort::Newest; // only full text has a rank, only a query another order
    if (r.kind != SearchRequest::Kind::All) {
        if (r.page < 1)
            return Error::badInput(QStringLiteral("The page must be 1 or more; %1 was asked for.").arg(r.page));
        if (r.pageSize < 1 || r.pageSize > SearchRequest::MaxPageSize)
            return Error::badInput(QStringLiteral("The page size must be between 1 and %1; %2 was asked for.")
                                       .arg(SearchRequest::MaxPageSize).arg(r.pageSize));
        // Past this, OFFSET overflows and no archive has that many pages.
        if (r.offset() > std::numeric_limits<int>::max())
            return Error::badInput(QStringLiteral("The page %1 is past the end of any archive.").arg(r.page));
    }
    return r;
}

Expected<SearchPage> SearchService::search(SearchRequest request) const
{
    Expected<SearchRequest> valid = validate(std::move(request));
    if (!valid)
        return valid.error();
    QElapsedTimer timer;
    timer.start();
    // "All" answers are unbounded; they are not worth a Redis value.
    const bool cacheable = m_cache && valid->kind != SearchRequest::Kind::All;
    SearchCache::Lookup lookup;
    if (cacheable) {
        lookup = m_cache->lookup(*valid);
        if (lookup.page) {
            lookup.page->cache = CacheStatus::Hit;
            lookup.page->elapsedMs = timer.elapsed();
            return *lookup.page;
        }
    }
    // Misses of the same page at the same moment (right after an import
    // made every cached page stale) run one query; the others wait for it.
    std::shared_ptr<Flight> flight;
    bool leader = true;
    // A page without its total is not what an exact asker may share.
    const QByteArray flightKey = valid->exactTotal ? lookup.key : lookup.key + QByteArrayLiteral("~uncounted");
    if (cacheable && lookup.status == CacheStatus::Miss) {
        QMutexLocker lock(&m_flightsMutex);
        flight = m_flights.value(flightKey);
        leader = !flight;
        if (leader) {
            flight = std::make_shared<Flight>();
            m_flights.insert(flightKey, flight);
        }
    }
    if (!leader) {
        std::unique_lock lock(flight->mutex);
        ++m_waiting;
        flight->done.wait(lock, [&] { return flight->result.has_value(); });
        --m_waiting;
        Expected<SearchPage> shared = *flight->result;
        if (shared)
            shared->elapsedMs = timer.elapsed();
        return shared;
    }
    Expected<SearchPage> page = m_store->search(*valid);
    if (page && cacheable && page->totalKnown()) // the cache answers exact askers too
        m_cache->store(lookup, *page, *valid);
    if (page) {
        page->cache = lookup.status;
        page->elapsedMs = timer.elapsed();
    }
    if (flight) {
        {
            const std::lock_guard lock(flight->mutex);
            flight->result = page;
        }
        flight->done.notify_all();
        QMutexLocker lock(&m_flightsMutex);
        m_flights.remove(flightKey);
    }
    return page;
}

Expected<qint64> SearchService::scan(SearchRequest request, const std::function<bool(const Message &)> &visit) const
{
    Expected<SearchRequest> valid = validate(std::move(request));
    if (!valid)
        return valid.error();
    return m_store->scan(*valid, visit);
}

void SearchService::dataChanged(const std::atomic_bool *stop) const
{
    (void)m_store->optimize(); // before the cache lets every search through to the new rows
    if (m_cache) {
        // The pages asked for lately are computed again first: after the
        // import, searches find them instead of all missing at once.
        // Redis down: nothing is cached either.
        (void)m_cache->invalidate([this, stop](const SearchRequest &r) -> Expected<SearchPage> {
            if (stop && stop->load())
                return Error::cancelled(QStringLiteral("Stopping."));
            Expected<SearchRequest> exact = validate(r); // a query's tree from its text
            if (!exact)
                return exact.error();
            exact->exactTotal = true; // what is cached is counted
            return m_store->search(*exact);
        });
    }
}

Expected<QList<DayCount>> SearchService::countByDay(SearchRequest request) const
{
    request.page = 1;
    Expected<SearchRequest> valid = validate(std::move(request));
    if (!valid)
        return valid.error();
    return m_store->countByDay(*valid);
}

Expected<MessageContext> SearchService::context(Snowflake messageId, int before, int after) const
{
    if (before < 0 || before > MaxContext || after < 0 || after > MaxContext)
        return Error::badInput(QStringLiteral("The context must be between 0 and %1 messages on each side.").arg(MaxContext));
    return m_store->context(messageId, before, after);
}

} // namespace fdd
