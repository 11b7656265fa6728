#include "dcereader.h"

#include "dcetime.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

#include <rapidjson/error/en.h>
#include <rapidjson/filereadstream.h>
#include <rapidjson/reader.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

Q_LOGGING_CATEGORY(lcDce, "fdd.dce", QtInfoMsg)

namespace fdd {

namespace {

// The SAX handler is a small state machine over the parts of the format it
// keeps; every other value (embeds, stickers, roles, interaction, …) is
// skipped, whatever it holds, so newer exports with more keys still read.
class Handler
{
public:
    Handler(const DceReader::BatchHandler &onBatch, const DceReader::Options &options,
            const std::function<qint64()> &tell)
        : m_onBatch(onBatch), m_options(options), m_tell(tell)
    {
        m_batch.reserve(options.batchSize);
    }

    // --- RapidJSON SAX interface ---
    bool Null() { return scalar(nullptr, 0, /*isNull=*/true); }
    bool Bool(bool) { return scalar(nullptr, 0, false); }
    bool Int(int) { return scalar(nullptr, 0, false); }
    bool Uint(unsigned) { return scalar(nullptr, 0, false); }
    bool Int64(int64_t) { return scalar(nullptr, 0, false); }
    bool Uint64(uint64_t) { return scalar(nullptr, 0, false); }
    bool Double(double) { return scalar(nullptr, 0, false); }
    // With kParseNumbersAsStringsFlag numbers arrive as text: ids written as
    // numbers stay exact.
    bool RawNumber(const char *s, rapidjson::SizeType n, bool) { return scalar(s, n, false); }
    bool String(const char *s, rapidjson::SizeType n, bool) { return scalar(s, n, false); }

    bool StartObject()
    {
        if (m_skipDepth > 0) {
            ++m_skipDepth;
            return true;
        }
        switch (state()) {
        case State::Start:
            m_stack.push_back(State::Top);
            return true;
        case State::Top:
            if (m_field == Field::Guild)
                return push(State::Guild);
            if (m_field == Field::Channel)
                return push(State::Channel);
            break;
        case State::Messages:
            if (m_header.channel.id == 0)
                return fail(QStringLiteral("its messages come before its channel"));
            m_message = Message{};
            m_message.channelId = m_header.channel.id;
            m_message.guildId = m_header.guild.id;
            m_seen = 0;
            return push(State::Message);
        case State::Message:
            if (m_field == Field::Author)
                return push(State::Author);
            if (m_field == Field::Reference)
                return push(State::Reference);
            break;
        case State::Count:
            ++*m_counter;
            break;
        default:
            break;
        }
        m_skipDepth = 1;
        return true;
    }

    bool EndObject(rapidjson::SizeType)
    {
        if (m_skipDepth > 0) {
            --m_skipDepth;
            return true;
        }
        const State ended = state();
        m_stack.pop_back();
        m_field = Field::Other;
        if (ended == State::Message)
            return finishMessage();
        return true;
    }

    bool StartArray()
    {
        if (m_skipDepth > 0) {
            ++m_skipDepth;
            return true;
        }
        if (state() == State::Top && m_field == Field::Messages) {
            m_sawMessages = true;
            return push(State::Messages);
        }
        if (state() == State::Message) {
            m_counter = m_field == Field::Attachments ? &m_message.attachmentCount
                      : m_field == Field::Embeds      ? &m_message.embedCount
                      : m_field == Field::Reactions   ? &m_message.reactionCount
                                                      : nullptr;
            if (m_counter)
                return push(State::Count);
        }
        if (state() == State::Count)
            ++*m_counter;
        if (state() == State::Start)
            return fail(QStringLiteral("it is a list, not an export object"));
        m_skipDepth = 1;
        return true;
    }

    bool EndArray(rapidjson::SizeType)
    {
        if (m_skipDepth > 0) {
            --m_skipDepth;
            return true;
        }
        m_stack.pop_back();
        m_field = Field::Other;
        return true;
    }

    bool Key(const char *s, rapidjson::SizeType n, bool)
    {
        if (m_skipDepth > 0)
            return true;
        const std::string_view k(s, n);
        m_field = Field::Other;
        switch (state()) {
        case State::Top:
            if (k == "guild") m_field = Field::Guild;
            else if (k == "channel") m_field = Field::Channel;
            else if (k == "messages") m_field = Field::Messages;
            else if (k == "exportedAt") m_field = Field::ExportedAt;
            break;
        case State::Guild:
            if (k == "id") m_field = Field::Id;
            else if (k == "name") m_field = Field::Name;
            break;
        case State::Channel:
            if (k == "id") m_field = Field::Id;
            else if (k == "name") m_field = Field::Name;
            else if (k == "type") m_field = Field::Type;
            else if (k == "category") m_field = Field::Category;
            else if (k == "topic") m_field = Field::Topic;
            break;
        case State::Message:
            if (k == "id") m_field = Field::Id;
            else if (k == "timestamp") m_field = Field::Timestamp;
            else if (k == "timestampEdited") m_field = Field::Edited;
            else if (k == "content") m_field = Field::Content;
            else if (k == "author") m_field = Field::Author;
            else if (k == "reference") m_field = Field::Reference;
            else if (k == "attachments") m_field = Field::Attachments;
            else if (k == "embeds") m_field = Field::Embeds;
            else if (k == "reactions") m_field = Field::Reactions;
            break;
        case State::Author:
            if (k == "id") m_field = Field::Id;
            else if (k == "name") m_field = Field::Name;
            break;
        case State::Reference:
            if (k == "messageId") m_field = Field::Id;
            break;
        default:
            break;
        }
        return true;
    }

    // --- results ---
    const ExportHeader &header() const { return m_header; }
    qint64 messageCount() const { return m_count; }
    bool sawMessages() const { return m_sawMessages; }
    const std::optional<Error> &error() const { return m_error; }

    bool flush()
    {
        if (m_batch.isEmpty())
            return true;
        Expected<void> r = m_onBatch(m_header, m_batch);
        m_batch.clear();
        if (!r) {
            m_error = r.error();
            return false;
        }
        if (m_options.progress)
            m_options.progress(m_tell(), -1);
        return true;
    }

private:
    enum class State { Start, Top, Guild, Channel, Messages, Message, Author, Reference, Count };
    enum class Field {
        Other, Guild, Channel, Messages, ExportedAt, Id, Name, Type, Category, Topic, Timestamp, Edited,
        Content, Author, Reference, Attachments, Embeds, Reactions
    };
    enum Seen : unsigned { SeenId = 1, SeenTimestamp = 2, SeenAuthor = 4 };

    State state() const { return m_stack.empty() ? State::Start : m_stack.back(); }
    bool push(State s)
    {
        m_stack.push_back(s);
        m_field = Field::Other;
        return true;
    }

    bool fail(const QString &why)
    {
        m_error = Error::badInput(why);
        return false;
    }

    static QString text(const char *s, rapidjson::SizeType n) { return QString::fromUtf8(s, qsizetype(n)); }

    bool snowflake(const char *s, rapidjson::SizeType n, bool isNull, Snowflake &out, const char *what)
    {
        if (isNull)
            return true;
        const auto v = s ? dcetime::parseSnowflake(std::string_view(s, n)) : std::nullopt;
        if (!v)
            return fail(QStringLiteral("%1 \"%2\" is not a Discord id")
                            .arg(QLatin1String(what), s ? text(s, n).left(40) : QStringLiteral("?")));
        out = *v;
        return true;
    }

    bool timestamp(const char *s, rapidjson::SizeType n, bool isNull, qint64 &out)
    {
        if (isNull)
            return true;
        const auto v = s ? dcetime::parseIsoMs(std::string_view(s, n)) : std::nullopt;
        if (!v)
            return fail(QStringLiteral("timestamp \"%1\" is not an ISO 8601 date and time with an offset")
                            .arg(s ? text(s, n).left(40) : QStringLiteral("?")));
        out = *v;
        return true;
    }

    bool scalar(const char *s, rapidjson::SizeType n, bool isNull)
    {
        if (m_skipDepth > 0)
            return true;
        const Field f = m_field;
        m_field = Field::Other;
        switch (state()) {
        case State::Start:
            return fail(QStringLiteral("it is not an export object"));
        case State::Top:
            if (f == Field::ExportedAt && s) {
                if (const auto ms = dcetime::parseIsoMs(std::string_view(s, n)))
                    m_header.exportedAt = QDateTime::fromMSecsSinceEpoch(*ms, Qt::UTC);
            }
            return true;
        case State::Guild:
            if (f == Field::Id)
                return snowflake(s, n, isNull, m_header.guild.id, "guild id");
            if (f == Field::Name && s)
                m_header.guild.name = text(s, n);
            return true;
        case State::Channel:
            if (f == Field::Id)
                return snowflake(s, n, isNull, m_header.channel.id, "channel id");
            if (!s)
                return true;
            if (f == Field::Name) m_header.channel.name = text(s, n);
            else if (f == Field::Type) m_header.channel.type = text(s, n);
            else if (f == Field::Category) m_header.channel.category = text(s, n);
            else if (f == Field::Topic) m_header.channel.topic = text(s, n);
            return true;
        case State::Message:
            switch (f) {
            case Field::Id:
                m_seen |= SeenId;
                return snowflake(s, n, isNull, m_message.id, "message id");
            case Field::Timestamp:
                m_seen |= isNull ? 0u : unsigned(SeenTimestamp);
                return timestamp(s, n, isNull, m_message.timestampMs);
            case Field::Edited:
                return timestamp(s, n, isNull, m_message.editedMs);
            case Field::Content:
                if (s) {
                    m_message.content = text(s, n);
                    // PostgreSQL text cannot hold NUL; no reader of a chat needs it.
                    m_message.content.remove(QChar(u'\0'));
                }
                return true;
            default:
                return true;
            }
        case State::Author:
            if (f == Field::Id) {
                m_seen |= isNull ? 0u : unsigned(SeenAuthor);
                return snowflake(s, n, isNull, m_message.authorId, "author id");
            }
            if (f == Field::Name && s)
                m_message.authorName = text(s, n);
            return true;
        case State::Reference:
            if (f == Field::Id)
                return snowflake(s, n, isNull, m_message.replyToId, "reply's message id");
            return true;
        case State::Count:
            ++*m_counter;
            return true;
        case State::Messages:
            return fail(QStringLiteral("an entry of \"messages\" is not a message object"));
        }
        return true;
    }

    bool finishMessage()
    {
        if (!(m_seen & SeenId))
            return fail(QStringLiteral("message %1 has no id").arg(m_count + 1));
        if (!(m_seen & SeenTimestamp))
            return fail(QStringLiteral("message %1 has no timestamp").arg(m_message.id));
        if (!(m_seen & SeenAuthor))
            return fail(QStringLiteral("message %1 has no author").arg(m_message.id));
        ++m_count;
        m_batch.append(std::move(m_message));
        if (m_batch.size() >= m_options.batchSize)
            return cancelled() ? false : flush();
        return !cancelled();
    }

    bool cancelled()
    {
        if (m_options.cancel && m_options.cancel->load(std::memory_order_relaxed)) {
            m_error = Error::cancelled(QStringLiteral("the import was cancelled"));
            return true;
        }
        return false;
    }

    const DceReader::BatchHandler &m_onBatch;
    const DceReader::Options &m_options;
    const std::function<qint64()> &m_tell;
    std::vector<State> m_stack;
    int m_skipDepth = 0;
    Field m_field = Field::Other;
    ExportHeader m_header;
    Message m_message;
    unsigned m_seen = 0;
    int *m_counter = nullptr;
    QList<Message> m_batch;
    qint64 m_count = 0;
    bool m_sawMessages = false;
    std::optional<Error> m_error;
};

struct FileCloser
{
    void operator()(std::FILE *f) const { std::fclose(f); }
};

} // namespace

Expected<ReadSummary> DceReader::read(const QString &path, const BatchHandler &onBatch, const Options &options)
{
    const QString shown = QDir::toNativeSeparators(path);
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(QFile::encodeName(path).constData(), "rb"));
    if (!file)
        return Error::badInput(QStringLiteral("%1 cannot be opened: %2").arg(shown, QString::fromLocal8Bit(std::strerror(errno))));
    const qint64 total = QFileInfo(path).size();

    std::vector<char> buffer(256 * 1024);
    rapidjson::FileReadStream stream(file.get(), buffer.data(), buffer.size());
    const std::function<qint64()> tell = [&stream] { return qint64(stream.Tell()); };
    Options withTotal = options;
    if (options.progress)
        withTotal.progress = [&](qint64 done, qint64) { options.progress(done, total); };

    Handler handler(onBatch, withTotal, tell);
    rapidjson::Reader reader;
    constexpr unsigned flags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag
                             | rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag;
    const rapidjson::ParseResult parsed = reader.Parse<flags>(stream, handler);

    const auto located = [&](const QString &why, qint64 offset) {
        return QStringLiteral("%1: %2 (at byte %3).").arg(shown, why).arg(offset);
    };
    if (handler.error()) {
        Error e = *handler.error();
        if (e.kind == Error::Kind::BadInput)
            e.message = located(QStringLiteral("not a valid DiscordChatExporter export: %1").arg(e.message),
                                qint64(parsed.Offset()));
        else if (e.kind == Error::Kind::Cancelled)
            e.message = QStringLiteral("%1: %2.").arg(shown, e.message);
        return e;
    }
    if (parsed.IsError()) {
        const QString why = parsed.Code() == rapidjson::kParseErrorDocumentEmpty
                              ? QStringLiteral("the file is empty")
                              : QStringLiteral("not valid JSON: %1")
                                    .arg(QString::fromUtf8(rapidjson::GetParseError_En(parsed.Code())));
        return Error::badInput(located(why, qint64(parsed.Offset())));
    }
    // Nothing but white space may follow the export object.
    while (stream.Peek() == ' ' || stream.Peek() == '\n' || stream.Peek() == '\r' || stream.Peek() == '\t')
        stream.Take();
    if (stream.Peek() != '\0')
        return Error::badInput(located(QStringLiteral("unexpected data after the export"), qint64(stream.Tell())));
    if (handler.header().channel.id == 0 || !handler.sawMessages())
        return Error::badInput(QStringLiteral("%1: not a DiscordChatExporter export: it has no %2.")
                                   .arg(shown, handler.header().channel.id == 0 ? QStringLiteral("\"channel\"")
                                                                                : QStringLiteral("\"messages\"")));
    if (!handler.flush())
        return *handler.error();

    ReadSummary summary;
    summary.header = handler.header();
    summary.messageCount = handler.messageCount();
    summary.bytes = qint64(stream.Tell());
    qCDebug(lcDce) << "read" << shown << summary.messageCount << "messages";
    return summary;
}

} // namespace fdd
