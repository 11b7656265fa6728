#include "searchcommand.h"

#include <QTimeZone>

#include "clicontext.h"
#include "search/messagejson.h"
#include "search/resultexport.h"
#include "search/searchservice.h"

#include <QFile>

#include <unistd.h>

#include <QHash>
#include <QJsonDocument>

namespace fdd::cli {

namespace {

Expected<int> intOption(const QCommandLineParser &parser, const QString &name, int fallback)
{
    if (!parser.isSet(name))
        return fallback;
    bool ok = false;
    const int v = parser.value(name).toInt(&ok);
    if (!ok)
        return Error::badInput(QStringLiteral("--%1 takes a whole number, not \"%2\".").arg(name, parser.value(name).left(40)));
    return v;
}

Expected<Snowflake> idOption(const QCommandLineParser &parser, const QString &name)
{
    if (!parser.isSet(name))
        return Snowflake(0);
    bool ok = false;
    const Snowflake v = parser.value(name).toULongLong(&ok);
    if (!ok || v == 0)
        return Error::badInput(QStringLiteral("--%1 takes a Discord id (digits), not \"%2\".").arg(name, parser.value(name).left(40)));
    return v;
}

Expected<SearchRequest> requestFrom(const QCommandLineParser &parser)
{
    SearchRequest r;
    int kinds = 0;
    if (parser.positionalArguments().size() == 2) { // search "QUERY"
        ++kinds;
        r.kind = SearchRequest::Kind::Query;
        r.text = parser.positionalArguments().at(1);
    }
    const struct { const char *option; SearchRequest::Kind kind; } termKinds[] = {
        {"substring", SearchRequest::Kind::Substring},
        {"fulltext", SearchRequest::Kind::FullText},
        {"all", SearchRequest::Kind::All},
    };
    for (const auto &k : termKinds) {
        if (parser.isSet(QLatin1String(k.option))) {
            ++kinds;
            r.kind = k.kind;
            r.text = parser.value(QLatin1String(k.option));
        }
    }
    if (parser.isSet(QStringLiteral("date"))) {
        const QStringList range = parser.value(QStringLiteral("date")).split(QStringLiteral(".."));
        Expected<QDate> start = SearchService::parseDate(range.first(), QStringLiteral("start date"));
        if (!start)
            return start.error();
        Expected<QDate> end = range.size() > 1 ? SearchService::parseDate(range.at(1), QStringLiteral("end date")) : start;
        if (!end)
            return end.error();
        if (range.size() > 2)
            return Error::badInput(QStringLiteral("--date takes one date or START..END, for example 2024-04-01..2024-04-30."));
        r.startDate = *start;
        r.endDate = *end;
        if (kinds == 0) {
            r.kind = SearchRequest::Kind::Date;
            ++kinds;
        }
    }
    if (kinds != 1)
        return Error::badInput(QStringLiteral("Give a search (\"from:alice has:image deploy\"), or one of --substring, --fulltext"
                                              " or --all with a term, or --date START..END."));
    if (parser.isSet(QStringLiteral("sort"))) {
        const QString sort = parser.value(QStringLiteral("sort")).trimmed().toLower();
        if (sort == QLatin1String("relevance"))
            r.sort = SearchRequest::Sort::Relevance;
        else if (sort == QLatin1String("oldest") && r.kind == SearchRequest::Kind::Query)
            r.sort = SearchRequest::Sort::Oldest;
        else if (sort != QLatin1String("newest"))
            return Error::badInput(QStringLiteral("--sort takes newest, oldest or relevance (oldest with a search), not \"%1\".")
                                       .arg(sort.left(40)));
    }

    Expected<int> page = intOption(parser, QStringLiteral("page"), 1);
    if (!page)
        return page.error();
    Expected<int> pageSize = intOption(parser, QStringLiteral("page-size"), SearchRequest::DefaultPageSize);
    if (!pageSize)
        return pageSize.error();
    Expected<Snowflake> channel = idOption(parser, QStringLiteral("channel"));
    if (!channel)
        return channel.error();
    Expected<Snowflake> author = idOption(parser, QStringLiteral("author"));
    if (!author)
        return author.error();
    // Dates are calendar days of this zone, and times are shown in it.
    r.zone = parser.isSet(QStringLiteral("tz")) ? parser.value(QStringLiteral("tz")).trimmed().toUtf8() : QTimeZone::systemTimeZoneId();
    r.page = *page;
    r.pageSize = *pageSize;
    r.channelId = *channel;
    r.authorId = *author;
    return SearchService::validate(r);
}

void printText(const SearchPage &page, const QHash<Snowflake, QString> &channelNames, bool paged, const QTimeZone &zone)
{
    QTextStream &o = out();
    for (const Message &m : page.messages) {
        const QString when = m.timestamp().toTimeZone(zone).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
        const QString channel = channelNames.value(m.channelId, QString::number(m.channelId));
        o << when << "  #" << channel << "  " << m.authorDisplayName() << "  [" << m.id << "]\n";
        const QStringList lines = m.content.split(QLatin1Char('\n'));
        for (const QString &line : lines)
            o << "    " << line << '\n';
    }
    if (page.totalCount == 0)
        o << "No messages found.\n";
    else if (paged)
        o << QStringLiteral("Page %1 of %2 · %3 message(s) · %4 ms%5\n")
                 .arg(page.page).arg(page.totalPages()).arg(page.totalCount).arg(page.elapsedMs)
                 .arg(page.cache == CacheStatus::Hit ? QStringLiteral(" · cached") : QString());
    else
        o << QStringLiteral("%1 message(s) · %2 ms\n").arg(page.totalCount).arg(page.elapsedMs);
    o.flush();
}

// search … --export FILE: every match (with --context N around each) into
// FILE, or standard output for "-"; a file appears only when complete.
int exportMatches(const QCommandLineParser &parser, const SearchService &service, const SearchRequest &request)
{
    const QString path = parser.value(QStringLiteral("export"));
    std::optional<ResultExport::Format> format;
    if (parser.isSet(QStringLiteral("format"))) {
        format = ResultExport::formatNamed(parser.value(QStringLiteral("format")));
        if (!format)
            return report(Error::badInput(QStringLiteral("--format takes csv, json, ndjson or markdown, not \"%1\".")
                                              .arg(parser.value(QStringLiteral("format")).left(40))));
    } else {
        format = ResultExport::formatOfFile(path);
        if (!format)
            return report(Error::badInput(QStringLiteral("Say which format with --format csv|json|ndjson|markdown (or name the file"
                                                         " .csv, .json, .ndjson or .md).")));
    }
    Expected<int> context = intOption(parser, QStringLiteral("context"), 0);
    if (!context)
        return report(context.error());
    ResultExport exporter(service, request, *format, *context);
    if (Expected<void> ok = exporter.validate(); !ok)
        return report(ok.error());
    exporter.setCountFirst(true);

    const bool toStdout = path == QLatin1String("-");
    const std::atomic_bool &interrupted = cancelOnSignals();
    const bool showProgress = isatty(STDERR_FILENO);
    const ResultExport::Progress progress = [&](qint64 written, qint64 total) {
        if (showProgress) {
            if (total < 0)
                err() << "\rFinding the matches…";
            else
                err() << QStringLiteral("\rExported %1 of %2 matches").arg(QLocale().toString(written), QLocale().toString(total));
            err().flush();
        }
        return !interrupted.load();
    };
    Expected<ResultExport::Summary> done = Error::internal(QStringLiteral("Standard output cannot be written."));
    if (toStdout) {
        QFile standardOutput;
        if (standardOutput.open(stdout, QIODevice::WriteOnly | QIODevice::Unbuffered)) { // a refused write shows at once
            done = exporter.runInto(standardOutput, QStringLiteral("Standard output"), progress);
            standardOutput.flush();
        }
    } else {
        done = exporter.runToFile(path, progress);
    }
    if (showProgress)
        err() << '\n';
    if (!done)
        return report(done.error());
    QString summary = QStringLiteral("Exported %1 match(es)").arg(done->matches);
    if (*context > 0)
        summary += QStringLiteral(" with %1 message(s) of context, in %2 conversation(s)")
                       .arg(done->messages - done->matches)
                       .arg(done->conversations);
    summary += toStdout ? QStringLiteral(".") : QStringLiteral(" to %1.").arg(path);
    (toStdout ? err() : out()) << summary << Qt::endl;
    return Ok;
}

} // namespace

int runSearch(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("search"), QStringLiteral("Search the archive."), QStringLiteral("search"));
    parser.addPositionalArgument(QStringLiteral("query"),
                                 QStringLiteral("What to find, in the search language: words (full text), \"exact text\", /regex/i,"
                                                " from: mentions: in: has: pinned: reaction: bot: edited: before: after: during:,"
                                                " OR, -, NOT and parentheses. Example: \"from:alice has:image deploy\"."),
                                 QStringLiteral("[query]"));
    parser.addOptions({
        {QStringLiteral("sort"), QStringLiteral("newest (default), oldest (with a query) or relevance (with words)."), QStringLiteral("order")},
        {QStringLiteral("substring"), QStringLiteral("Messages containing TERM, ignoring case."), QStringLiteral("term")},
        {QStringLiteral("fulltext"), QStringLiteral("Messages matching TERM as English words (stemmed: \"runs\" finds \"running\")."), QStringLiteral("term")},
        {QStringLiteral("all"), QStringLiteral("Every full-text match that also contains TERM, unpaged."), QStringLiteral("term")},
        {QStringLiteral("date"), QStringLiteral("Messages of a day or of START..END inclusive (YYYY-MM-DD); with a term, narrows it."), QStringLiteral("range")},
        {QStringLiteral("channel"), QStringLiteral("Only this channel."), QStringLiteral("id")},
        {QStringLiteral("author"), QStringLiteral("Only this author."), QStringLiteral("id")},
        {QStringLiteral("tz"), QStringLiteral("The time zone of the dates and of the times shown: an IANA name such as "
                                              "Europe/Berlin (default: the system's)."), QStringLiteral("zone")},
        {QStringLiteral("page"), QStringLiteral("Page to show, from 1 (default 1)."), QStringLiteral("n")},
        {QStringLiteral("page-size"), QStringLiteral("Messages a page, 1 to 100 (default 10)."), QStringLiteral("n")},
        {QStringLiteral("json"), QStringLiteral("Print the REST API's JSON instead of text.")},
        {QStringLiteral("export"), QStringLiteral("Write every match into FILE (\"-\": standard output) instead of a page;"
                                                  " the file appears only when complete."), QStringLiteral("file")},
        {QStringLiteral("format"), QStringLiteral("With --export: csv, json, ndjson or markdown (default: from the file's name)."),
         QStringLiteral("format")},
        {QStringLiteral("context"), QStringLiteral("With --export: also N messages before and after each match (0 to 20), merged"
                                                   " into conversations."), QStringLiteral("n")},
    });
    addDatabaseOption(parser);
    addCacheOption(parser);
    if (const int code = parseOrExit(parser, arguments,
                                     QStringLiteral("Searches the archive, newest messages first.")); code >= 0)
        return code;
    if (parser.positionalArguments().size() > 2) {
        err() << "Unexpected argument \"" << parser.positionalArguments().at(2)
              << "\": put the whole search in one pair of quotes, as search \"from:alice deploy\"." << Qt::endl;
        return BadInput;
    }

    Expected<SearchRequest> request = requestFrom(parser);
    if (!request)
        return report(request.error());
    Expected<std::shared_ptr<SearchService>> service = serviceFrom(parser);
    if (!service)
        return report(service.error());
    if (parser.isSet(QStringLiteral("export")))
        return exportMatches(parser, **service, *request);
    for (const char *option : {"format", "context"})
        if (parser.isSet(QLatin1String(option)))
            return report(Error::badInput(QStringLiteral("--%1 goes with --export FILE.").arg(QLatin1String(option))));
    Expected<SearchPage> page = (*service)->search(*request);
    if (!page)
        return report(page.error());

    if (parser.isSet(QStringLiteral("json"))) {
        QJsonObject body;
        if (request->kind == SearchRequest::Kind::All) {
            body = {{QStringLiteral("messages"), messagejson::messages(page->messages)},
                    {QStringLiteral("count"), qint64(page->messages.size())}};
        } else {
            body = messagejson::page(*page);
        }
        if (page->totalCount == 0)
            body.insert(QStringLiteral("detail"), QStringLiteral("No messages found"));
        out() << QJsonDocument(body).toJson(QJsonDocument::Indented);
        out().flush();
        return Ok;
    }
    QHash<Snowflake, QString> names;
    if (Expected<QList<Channel>> channels = (*service)->store().channels()) {
        for (const Channel &c : std::as_const(*channels))
            names.insert(c.id, c.name);
    }
    printText(*page, names, request->kind != SearchRequest::Kind::All, request->timeZone());
    return Ok;
}

} // namespace fdd::cli
