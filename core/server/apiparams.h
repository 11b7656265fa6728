#pragma once

#include "model/expected.h"
#include "model/searchrequest.h"

#include <QUrlQuery>

namespace fdd::api {

// A request's query read as application/x-www-form-urlencoded, as HTML forms,
// Python's urlencode and the browser's URLSearchParams write it: "+" is a
// space, and a literal plus arrives as %2B.
QUrlQuery formQuery(const QUrl &url);

// No parameter may hold a NUL character: no store can keep one in text, and
// PostgreSQL's driver would cut the statement short at it. A 400 sentence
// naming the parameter.
Expected<void> refuseNul(const QUrlQuery &query);

// The query parameters of API.md turned into a validated SearchRequest:
// search_term (or keyword), start_date, end_date, page, page_size (or size);
// for Kind::Query, q and sort (newest, oldest, relevance).
// Every error is a 400 sentence naming the parameter.
Expected<SearchRequest> searchRequest(const QUrlQuery &query, SearchRequest::Kind kind,
                                      const QString &termName = QStringLiteral("search_term"));

// before=N, after=N of a message's context: 0..20.
Expected<int> sideSize(const QUrlQuery &query, const QString &name, int fallback);

// context=N for context-search: 0..20, default 0.
Expected<int> contextSize(const QUrlQuery &query);

} // namespace fdd::api
