#pragma once

#include "message.h"
#include "search/query.h"

#include <QByteArray>
#include <QDate>
#include <QList>
#include <QString>
#include <QTimeZone>

#include <utility>

namespace fdd {

struct SearchRequest
{
    enum class Kind {
        Substring, // case-insensitive substring of the content
        FullText,  // English-stemmed full text (plainto_tsquery semantics)
        Date,      // message date within [startDate, endDate], inclusive
        All,       // full-text matches that also contain the term, unpaged
        Query,     // the search language (Query); `text` as typed, then canonical
    };

    // Relevance applies to full-text searches and to queries with words;
    // Oldest to queries; every other kind is newest first.
    enum class Sort { Newest, Relevance, Oldest };

    static constexpr int MaxTermLength = 100;
    static constexpr int MaxPageSize = 100;
    static constexpr int DefaultPageSize = 10;

    Kind kind = Kind::Substring;
    QString text;
    fdd::Query query; // Kind::Query: the tree of `text` (SearchService::validate parses it)
    QDate startDate; // calendar days in `zone`
    QDate endDate;
    // The IANA zone whose calendar days the dates (and a timeline's days)
    // are; empty: UTC, as the original API.
    QByteArray zone;
    Snowflake channelId = 0; // 0: every channel
    Snowflake authorId = 0;  // 0: every author
    int page = 1;
    int pageSize = DefaultPageSize;
    Sort sort = Sort::Newest;
    // False: the page may come before the matches are counted (totalCount
    // −1), where counting them all would take far longer than finding the
    // page (a frequent term over millions of messages). The window counts
    // them with the timeline; the REST API and the CLI always ask for the
    // exact total.
    bool exactTotal = true;

    qint64 offset() const { return qint64(page - 1) * pageSize; }

    static QString kindName(Kind kind);

    bool isUtc() const { return zone.isEmpty() || zone == "UTC" || zone == "Etc/UTC"; }
    QTimeZone timeZone() const { return isUtc() ? QTimeZone::utc() : QTimeZone(zone); }
    // [from, to) in milliseconds since the epoch, UTC: the dates' days in the
    // zone (an open end is 0 / max).
    std::pair<qint64, qint64> instantRange() const;
    // The zone's offsets from UTC over [fromMs, toMs): each (start, offset ms)
    // holds from its start to the next one's. One entry for a zone without
    // changes, two or so a year for one with summer time.
    static QList<std::pair<qint64, qint64>> offsets(const QTimeZone &zone, qint64 fromMs, qint64 toMs);

    friend bool operator==(const SearchRequest &, const SearchRequest &) = default;
};

} // namespace fdd
