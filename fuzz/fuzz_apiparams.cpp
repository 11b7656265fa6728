// libFuzzer target: the REST API's query strings and the other text users
// type (dates, export windows, DiscordChatExporter's output). Every input
// gets a value or an error sentence.
#include "dce/dceoutputparser.h"
#include "dce/exportjob.h"
#include "search/searchservice.h"
#include "server/apiparams.h"

#include <QUrlQuery>

#include <cstdint>

namespace {

template<typename T>
void check(const fdd::Expected<T> &r)
{
    if (!r && r.error().message.isEmpty())
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const QString text = QString::fromUtf8(bytes);
    const QUrlQuery query(text);
    using Kind = fdd::SearchRequest::Kind;
    for (Kind kind : {Kind::Substring, Kind::FullText, Kind::Date, Kind::All, Kind::Query}) {
        check(fdd::api::searchRequest(query, kind));
        check(fdd::api::searchRequest(query, kind, QStringLiteral("keyword")));
    }
    check(fdd::api::contextSize(query));
    check(fdd::api::sideSize(query, QStringLiteral("before"), 5));
    check(fdd::SearchService::parseDate(text, QStringLiteral("date")));
    check(fdd::parseExportDate(text, QStringLiteral("after")));
    fdd::DceOutputParser parser([](const QString &, int percent) {
        if (percent < 0 || percent > 100)
            __builtin_trap();
    });
    parser.feed(bytes);
    parser.finish();
    return 0;
}
