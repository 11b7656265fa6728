#pragma once

#include "message.h"

#include <QDate>
#include <QString>

namespace fdd {

struct SearchRequest
{
    enum class Kind {
        Substring, // case-insensitive substring of the content
        FullText,  // English-stemmed full text (plainto_tsquery semantics)
        Date,      // message date within [startDate, endDate], inclusive
        All,       // full-text matches that also contain the term, unpaged
    };

    // Relevance applies to full-text searches; every other kind is newest first.
    enum class Sort { Newest, Relevance };

    static constexpr int MaxTermLength = 100;
    static constexpr int MaxPageSize = 100;
    static constexpr int DefaultPageSize = 10;

    Kind kind = Kind::Substring;
    QString text;
    QDate startDate;
    QDate endDate;
    Snowflake channelId = 0; // 0: every channel
    Snowflake authorId = 0;  // 0: every author
    int page = 1;
    int pageSize = DefaultPageSize;
    Sort sort = Sort::Newest;

    qint64 offset() const { return qint64(page - 1) * pageSize; }

    static QString kindName(Kind kind);

    friend bool operator==(const SearchRequest &, const SearchRequest &) = default;
};

} // namespace fdd
