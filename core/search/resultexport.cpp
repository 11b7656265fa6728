#include "resultexport.h"

#include "search/messagejson.h"
#include "store/connectionpool.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QSaveFile>
#include <QThread>

#include <condition_variable>
#include <deque>
#include <mutex>

namespace fdd {

namespace {

constexpr qsizetype PieceBytes = 64 * 1024;

QByteArray csvField(const QString &s)
{
    QByteArray utf8 = s.toUtf8();
    if (!utf8.contains(',') && !utf8.contains('"') && !utf8.contains('\n') && !utf8.contains('\r'))
        return utf8;
    utf8.replace('"', "\"\"");
    return '"' + utf8 + '"';
}

// Markdown's punctuation in a name or a channel, escaped so that it shows as written.
QString markdownEscaped(const QString &s)
{
    QString out;
    out.reserve(s.size());
    for (const QChar c : s) {
        if (QStringView(u"\\`*_[]<>|~").contains(c))
            out += QLatin1Char('\\');
        out += c == QLatin1Char('\n') || c == QLatin1Char('\r') ? QLatin1Char(' ') : c;
    }
    return out;
}

} // namespace

// Writes one format into pieces for the sink.
class ExportWriter
{
public:
    ExportWriter(ResultExport::Format format, const ResultExport::Sink &sink, const SearchRequest &request, int context,
                 QHash<Snowflake, QString> channelNames)
        : m_format(format), m_sink(sink), m_request(request), m_context(context), m_zone(request.timeZone()),
          m_channelNames(std::move(channelNames))
    {
    }

    bool failed() const { return m_failed; }
    const ResultExport::Summary &summary() const { return m_summary; }

    void begin()
    {
        const QString exportedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
        switch (m_format) {
        case ResultExport::Format::Csv:
            add("conversation,match,message_id,timestamp,channel_id,channel,author_id,author,content,attachments,reply_to,link\r\n");
            break;
        case ResultExport::Format::Json:
            add("{\"query\":" + jsonString(m_request.text) + ",\"context\":" + QByteArray::number(m_context) + ",\"exported_at\":"
                + jsonString(exportedAt) + (m_context > 0 ? ",\"conversations\":[" : ",\"messages\":["));
            break;
        case ResultExport::Format::Ndjson:
            break;
        case ResultExport::Format::Markdown:
            add("# Search results\n\n");
            add(QStringLiteral("Query: %1 · exported %2").arg(markdownEscaped(m_request.text), exportedAt).toUtf8());
            if (m_context > 0)
                add(QStringLiteral(" · %1 message(s) of context before and after each match").arg(m_context).toUtf8());
            add("\n\n");
            break;
        }
    }

    void conversationStart(Snowflake channel)
    {
        ++m_summary.conversations;
        m_firstInConversation = true;
        switch (m_format) {
        case ResultExport::Format::Json:
            add(QByteArray(m_summary.conversations > 1 ? ",\n" : "\n") + "{\"channel_id\":\"" + QByteArray::number(channel)
                + "\",\"channel\":" + jsonString(m_channelNames.value(channel)) + ",\"messages\":[");
            break;
        case ResultExport::Format::Markdown:
            add(QStringLiteral("## #%1 · conversation %2\n\n")
                    .arg(markdownEscaped(channelName(channel)))
                    .arg(m_summary.conversations)
                    .toUtf8());
            break;
        default:
            break;
        }
    }

    void conversationEnd()
    {
        switch (m_format) {
        case ResultExport::Format::Json:
            add("]}");
            break;
        case ResultExport::Format::Markdown:
            add("---\n\n");
            break;
        default:
            break;
        }
    }

    void message(const Message &m, bool match)
    {
        ++m_summary.messages;
        if (match)
            ++m_summary.matches;
        switch (m_format) {
        case ResultExport::Format::Csv: {
            QStringList files;
            for (const Attachment &a : m.attachments)
                files << a.url;
            QByteArray row;
            row += m_context > 0 ? QByteArray::number(m_summary.conversations) : QByteArray();
            row += ',';
            row += match ? "true" : "false";
            row += ',' + QByteArray::number(m.id) + ',' + timestamp(m.timestampMs).toUtf8() + ',' + QByteArray::number(m.channelId)
                   + ',' + csvField(channelName(m.channelId)) + ',' + QByteArray::number(m.authorId) + ','
                   + csvField(m.authorDisplayName()) + ',' + csvField(m.content) + ',' + csvField(files.join(QLatin1Char(' '))) + ','
                   + (m.replyToId ? QByteArray::number(m.replyToId) : QByteArray()) + ',' + m.discordUrl().toUtf8() + "\r\n";
            add(row);
            break;
        }
        case ResultExport::Format::Json:
        case ResultExport::Format::Ndjson: {
            QJsonObject o = messagejson::message(m);
            o.insert(QStringLiteral("channel"), m_channelNames.value(m.channelId));
            if (m_context > 0) {
                o.insert(QStringLiteral("match"), match);
                o.insert(QStringLiteral("conversation"), m_summary.conversations);
            }
            const QByteArray line = QJsonDocument(o).toJson(QJsonDocument::Compact);
            if (m_format == ResultExport::Format::Ndjson) {
                add(line + '\n');
            } else {
                const bool first = m_context > 0 ? m_firstInConversation : m_summary.messages == 1;
                add((first ? QByteArray("\n") : QByteArray(",\n")) + line);
            }
            break;
        }
        case ResultExport::Format::Markdown: {
            QString head = QStringLiteral("**%1**").arg(markdownEscaped(m.authorDisplayName()));
            if (m_context == 0)
                head += QStringLiteral(" in #%1").arg(markdownEscaped(channelName(m.channelId)));
            head += QStringLiteral(" · [%1](%2)").arg(timestamp(m.timestampMs, true), m.discordUrl());
            if (match && m_context > 0)
                head += QStringLiteral(" · **match**");
            QString body;
            const QStringList lines = m.content.isEmpty() ? QStringList() : m.content.split(QLatin1Char('\n'));
            for (const QString &line : lines)
                body += QStringLiteral("> %1\n").arg(line);
            for (const Attachment &a : m.attachments)
                body += QStringLiteral("> 📎 [%1](%2)\n").arg(markdownEscaped(a.fileName), a.url);
            if (body.isEmpty())
                body = QStringLiteral("> *(no text)*\n");
            add((head + QLatin1Char('\n') + body + QLatin1Char('\n')).toUtf8());
            break;
        }
        }
        m_firstInConversation = false;
    }

    void end()
    {
        switch (m_format) {
        case ResultExport::Format::Json:
            add("\n],\"match_count\":" + QByteArray::number(m_summary.matches)
                + (m_context > 0 ? ",\"conversation_count\":" + QByteArray::number(m_summary.conversations) : QByteArray()) + "}\n");
            break;
        case ResultExport::Format::Markdown:
            add(QStringLiteral("*%1 match(es)").arg(m_summary.matches).toUtf8()
                + (m_context > 0 ? QStringLiteral(" in %1 conversation(s)").arg(m_summary.conversations).toUtf8() : QByteArray())
                + ".*\n");
            break;
        default:
            break;
        }
        flush();
    }

    void flush()
    {
        if (m_buffer.isEmpty() || m_failed)
            return;
        m_summary.bytes += m_buffer.size();
        if (!m_sink(m_buffer))
            m_failed = true;
        m_buffer.clear();
    }

private:
    void add(const QByteArray &bytes)
    {
        m_buffer += bytes;
        if (m_buffer.size() >= PieceBytes)
            flush();
    }

    static QByteArray jsonString(const QString &s)
    {
        // A one-element array, written compactly, less its brackets.
        const QByteArray a = QJsonDocument(QJsonArray{s}).toJson(QJsonDocument::Compact);
        return a.mid(1, a.size() - 2);
    }

    QString channelName(Snowflake channel) const
    {
        const QString name = m_channelNames.value(channel);
        return name.isEmpty() ? QString::number(channel) : name;
    }

    QString timestamp(qint64 ms, bool readable = false) const
    {
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(ms, m_zone);
        if (!readable)
            return at.toString(Qt::ISODateWithMs);
        return at.toString(QStringLiteral("yyyy-MM-dd HH:mm")) + QLatin1Char(' ')
               + (m_request.isUtc() ? QStringLiteral("UTC") : QString::fromUtf8(m_request.zone));
    }

    ResultExport::Format m_format;
    const ResultExport::Sink &m_sink;
    const SearchRequest &m_request;
    int m_context;
    QTimeZone m_zone;
    QHash<Snowflake, QString> m_channelNames;
    QByteArray m_buffer;
    ResultExport::Summary m_summary;
    bool m_failed = false;
    bool m_firstInConversation = false;
};

std::optional<ResultExport::Format> ResultExport::formatNamed(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == QLatin1String("csv"))
        return Format::Csv;
    if (n == QLatin1String("json"))
        return Format::Json;
    if (n == QLatin1String("ndjson") || n == QLatin1String("jsonl"))
        return Format::Ndjson;
    if (n == QLatin1String("markdown") || n == QLatin1String("md"))
        return Format::Markdown;
    return std::nullopt;
}

QString ResultExport::formatName(Format format)
{
    switch (format) {
    case Format::Csv: return QStringLiteral("csv");
    case Format::Json: return QStringLiteral("json");
    case Format::Ndjson: return QStringLiteral("ndjson");
    case Format::Markdown: return QStringLiteral("markdown");
    }
    return {};
}

QByteArray ResultExport::mimeType(Format format)
{
    switch (format) {
    case Format::Csv: return QByteArrayLiteral("text/csv; charset=utf-8");
    case Format::Json: return QByteArrayLiteral("application/json; charset=utf-8");
    case Format::Ndjson: return QByteArrayLiteral("application/x-ndjson; charset=utf-8");
    case Format::Markdown: return QByteArrayLiteral("text/markdown; charset=utf-8");
    }
    return {};
}

QString ResultExport::fileSuffix(Format format)
{
    return format == Format::Markdown ? QStringLiteral("md") : formatName(format);
}

std::optional<ResultExport::Format> ResultExport::formatOfFile(const QString &fileName)
{
    const QString suffix = QFileInfo(fileName).suffix();
    return suffix.isEmpty() ? std::nullopt : formatNamed(suffix);
}

ResultExport::ResultExport(const SearchService &service, SearchRequest request, Format format, int context)
    : m_service(service), m_request(std::move(request)), m_format(format), m_context(context)
{
}

Expected<void> ResultExport::validate()
{
    if (m_validated)
        return {};
    if (m_context < 0 || m_context > SearchService::MaxContext)
        return Error::badInput(QStringLiteral("The context must be 0 to %1 messages before and after each match, not %2.")
                                   .arg(SearchService::MaxContext)
                                   .arg(m_context));
    Expected<SearchRequest> valid = SearchService::validate(m_request);
    if (!valid)
        return valid.error();
    m_request = std::move(*valid);
    if (m_context > 0 || m_request.sort == SearchRequest::Sort::Relevance)
        m_request.sort = SearchRequest::Sort::Newest; // a scan is in time order; with context, by channel then oldest first
    m_validated = true;
    return {};
}

Expected<ResultExport::Summary> ResultExport::run(const Sink &sink, const Progress &progress)
{
    if (Expected<void> ok = validate(); !ok)
        return ok.error();
    QHash<Snowflake, QString> names;
    Expected<QList<Channel>> channels = m_service.store().channels();
    if (!channels)
        return channels.error();
    for (const Channel &c : std::as_const(*channels))
        names.insert(c.id, c.name);
    ExportWriter writer(m_format, sink, m_request, m_context, names);
    writer.begin();
    Expected<Summary> done = m_context > 0 ? runWithContext(writer, progress) : runFlat(writer, progress);
    if (!done)
        return done;
    writer.end();
    if (writer.failed())
        return Error::cancelled(QStringLiteral("The export stopped: it could not be written."));
    return writer.summary();
}

Expected<ResultExport::Summary> ResultExport::runInto(QIODevice &device, const QString &name, const Progress &progress)
{
    QString writeError;
    Expected<Summary> done = run(
        [&](const QByteArray &piece) {
            if (device.write(piece) == piece.size())
                return true;
            writeError = device.errorString();
            return false;
        },
        progress);
    if (!writeError.isEmpty())
        return Error::internal(QStringLiteral("%1 could not be written: %2.").arg(name, writeError));
    return done;
}

Expected<ResultExport::Summary> ResultExport::runToFile(const QString &path, const Progress &progress)
{
    if (Expected<void> ok = validate(); !ok)
        return ok.error(); // refused: not even an empty file
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error::badInput(QStringLiteral("%1 cannot be written: %2.").arg(path, file.errorString()));
    Expected<Summary> done = runInto(file, path, progress);
    if (!done) {
        file.cancelWriting();
        return done;
    }
    if (!file.commit())
        return Error::internal(QStringLiteral("%1 could not be written: %2.").arg(path, file.errorString()));
    return done;
}

namespace {

// Calls progress at once, then at most every 100 ms (and at the end).
class Throttle
{
public:
    explicit Throttle(const ResultExport::Progress &progress) : m_progress(progress) {}
    bool operator()(qint64 written, qint64 total, bool now = false)
    {
        if (!m_progress || (!now && m_clock.isValid() && m_clock.elapsed() < 100))
            return true;
        m_clock.start();
        return m_progress(written, total);
    }

private:
    const ResultExport::Progress &m_progress;
    QElapsedTimer m_clock;
};

Error stoppedByTheUser()
{
    return Error::cancelled(QStringLiteral("The export was cancelled."));
}

} // namespace

Expected<ResultExport::Summary> ResultExport::runFlat(ExportWriter &writer, const Progress &progress)
{
    qint64 total = -1;
    if (m_countFirst && progress) {
        SearchRequest count = m_request;
        count.pageSize = 1;
        count.exactTotal = true;
        Expected<SearchPage> page = m_service.store().search(count);
        if (!page)
            return page.error();
        total = page->totalCount;
    }
    Throttle throttle(progress);
    bool cancelled = false;
    Expected<qint64> scanned = m_service.store().scan(m_request, [&](const Message &m) {
        writer.message(m, true);
        if (writer.failed())
            return false;
        if (!throttle(writer.summary().matches, total)) {
            cancelled = true;
            return false;
        }
        return true;
    });
    if (!scanned)
        return scanned.error();
    if (cancelled)
        return stoppedByTheUser();
    throttle(writer.summary().matches, writer.summary().matches, true);
    return writer.summary();
}

namespace {

// The matches of one channel after another, read by a thread of their own
// (a store connection is busy while it scans), handed over a few at a time.
class MatchQueue
{
public:
    struct Item
    {
        enum class Kind { Channel, Match, End, Failed } kind;
        Message message;
        Snowflake channel = 0;
        Error error{};
    };

    // False once the reader stopped.
    bool push(Item item)
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return m_items.size() < Capacity || m_stopped; });
        if (m_stopped)
            return false;
        m_items.push_back(std::move(item));
        m_changed.notify_all();
        return true;
    }

    Item pop()
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return !m_items.empty(); });
        Item item = std::move(m_items.front());
        m_items.pop_front();
        m_changed.notify_all();
        return item;
    }

    void stop()
    {
        const std::lock_guard lock(m_mutex);
        m_stopped = true;
        m_changed.notify_all();
    }

private:
    static constexpr size_t Capacity = 512;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Item> m_items;
    bool m_stopped = false;
};

} // namespace

Expected<ResultExport::Summary> ResultExport::runWithContext(ExportWriter &writer, const Progress &progress)
{
    MessageStore &store = m_service.store();
    Throttle throttle(progress);

    // First the channels that have matches (and how many there are), in one
    // scan: memory by channel, not by match.
    QHash<Snowflake, qint64> perChannel;
    qint64 total = 0;
    bool cancelled = false;
    Expected<qint64> counted = store.scan(m_request, [&](const Message &m) {
        ++perChannel[m.channelId];
        ++total;
        if (!throttle(0, -1)) {
            cancelled = true;
            return false;
        }
        return true;
    });
    if (!counted)
        return counted.error();
    if (cancelled)
        return stoppedByTheUser();
    QList<Snowflake> order;
    Expected<QList<Channel>> channels = store.channels();
    if (!channels)
        return channels.error();
    for (const Channel &c : std::as_const(*channels))
        if (perChannel.contains(c.id))
            order << c.id;
    for (auto it = perChannel.cbegin(); it != perChannel.cend(); ++it)
        if (!order.contains(it.key()))
            order << it.key(); // a channel the list does not name
    if (!throttle(0, total, true))
        return stoppedByTheUser();

    MatchQueue queue;
    SearchRequest oldest = m_request;
    oldest.sort = SearchRequest::Sort::Oldest;
    QThread *reader = QThread::create([&queue, &store, oldest, order]() mutable {
        using Kind = MatchQueue::Item::Kind;
        for (const Snowflake channel : std::as_const(order)) {
            if (!queue.push({Kind::Channel, {}, channel}))
                break;
            oldest.channelId = channel;
            bool stopped = false;
            Expected<qint64> n = store.scan(oldest, [&](const Message &m) {
                stopped = !queue.push({Kind::Match, m});
                return !stopped;
            });
            if (!n) {
                queue.push({Kind::Failed, {}, 0, n.error()});
                ConnectionPool::closeThreadConnections();
                return;
            }
            if (stopped)
                break;
        }
        queue.push({Kind::End, {}});
        ConnectionPool::closeThreadConnections();
    });
    reader->start();
    const auto finish = [&](Expected<Summary> result) {
        queue.stop();
        reader->wait();
        delete reader;
        return result;
    };

    const int n = m_context;
    // The messages after the last match, fetched but not yet written, in
    // conversation order; the first `afterLeft` are its context.
    std::deque<Message> ahead;
    bool aheadComplete = false; // holds the rest of the channel
    int afterLeft = 0;
    bool open = false;
    const auto writeAhead = [&](qsizetype count) {
        for (; count > 0 && !ahead.empty(); --count) {
            writer.message(ahead.front(), false);
            ahead.pop_front();
        }
    };
    const auto closeConversation = [&] {
        if (!open)
            return;
        writeAhead(afterLeft);
        writer.conversationEnd();
        open = false;
        ahead.clear();
        afterLeft = 0;
    };
    const auto fetchAfter = [&](Snowflake id, int before) -> Expected<MessageContext> {
        Expected<MessageContext> c = store.context(id, before, Lookahead);
        if (c) {
            ahead.assign(c->after.cbegin(), c->after.cend());
            aheadComplete = c->after.size() < Lookahead;
        }
        return c;
    };

    Snowflake channel = 0;
    for (;;) {
        MatchQueue::Item item = queue.pop();
        using Kind = MatchQueue::Item::Kind;
        if (item.kind == Kind::Failed)
            return finish(item.error);
        if (item.kind == Kind::End || item.kind == Kind::Channel) {
            closeConversation();
            if (item.kind == Kind::End)
                break;
            channel = item.channel;
            continue;
        }
        const Message &m = item.message;
        const auto at = std::find_if(ahead.cbegin(), ahead.cend(), [&m](const Message &a) { return a.id == m.id; });
        if (open && at != ahead.cend()) {
            // In the conversation's lookahead: the messages between are
            // context of the last match or of this one; if neither reaches
            // them all, a new conversation begins.
            const qsizetype between = at - ahead.cbegin();
            if (between <= afterLeft + n) {
                writeAhead(between);
            } else {
                writeAhead(afterLeft);
                writer.conversationEnd();
                ahead.erase(ahead.begin(), ahead.begin() + (between - afterLeft - n));
                writer.conversationStart(channel);
                writeAhead(n);
            }
            ahead.pop_front(); // m itself
            writer.message(m, true);
            afterLeft = n;
            // Keep enough ahead that a match past it cannot touch this context.
            if (!aheadComplete && qsizetype(ahead.size()) <= 2 * n)
                if (Expected<MessageContext> c = fetchAfter(m.id, 0); !c)
                    return finish(c.error());
        } else {
            closeConversation();
            Expected<MessageContext> c = fetchAfter(m.id, n);
            if (!c)
                return finish(c.error());
            writer.conversationStart(channel);
            for (const Message &b : std::as_const(c->before))
                writer.message(b, false);
            writer.message(m, true);
            afterLeft = n;
            open = true;
        }
        if (writer.failed())
            return finish(writer.summary());
        if (!throttle(writer.summary().matches, total))
            return finish(stoppedByTheUser());
    }
    throttle(writer.summary().matches, total, true);
    return finish(writer.summary());
}

} // namespace fdd
