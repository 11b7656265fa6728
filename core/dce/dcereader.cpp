#include "dcereader.h"

#include "model/isotime.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

#include "model/jsonfields.h"

#include <rapidjson/document.h>
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

// The SAX handler is a small state machine over the export's outer parts
// (guild, channel, the messages array); every other top-level value is
// skipped, whatever it holds, so newer exports with more keys still read.
// Each message's events are handed to a DOM of its own as they stream past
// (RapidJSON's Document is a SAX handler too), and the message read from
// there: memory stays bounded by the largest message, and a message's fields
// can be read in any order.
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
    bool Null() { return m_capture ? m_doc.Null() : scalar(nullptr, 0, /*isNull=*/true); }
    bool Bool(bool b) { return m_capture ? m_doc.Bool(b) : scalar(nullptr, 0, false); }
    bool Int(int) { return scalar(nullptr, 0, false); }
    bool Uint(unsigned) { return scalar(nullptr, 0, false); }
    bool Int64(int64_t) { return scalar(nullptr, 0, false); }
    bool Uint64(uint64_t) { return scalar(nullptr, 0, false); }
    bool Double(double) { return scalar(nullptr, 0, false); }
    // With kParseNumbersAsStringsFlag numbers arrive as text: ids written as
    // numbers stay exact.
    bool RawNumber(const char *s, rapidjson::SizeType n, bool)
    {
        return m_capture ? m_doc.RawNumber(s, n, true) : scalar(s, n, false);
    }
    bool String(const char *s, rapidjson::SizeType n, bool)
    {
        return m_capture ? m_doc.String(s, n, true) : scalar(s, n, false);
    }

    bool StartObject()
    {
        if (m_capture) {
            ++m_capture;
            return m_doc.StartObject();
        }
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
            m_capture = 1;
            m_doc.SetNull();
            m_doc.GetAllocator().Clear(); // what the last message used, before this one
            return m_doc.StartObject();
        default:
            break;
        }
        m_skipDepth = 1;
        return true;
    }

    bool EndObject(rapidjson::SizeType n)
    {
        if (m_capture) {
            if (!m_doc.EndObject(n))
                return false;
            return --m_capture > 0 || finishMessage();
        }
        if (m_skipDepth > 0) {
            --m_skipDepth;
            return true;
        }
        const State ended = state();
        m_stack.pop_back();
        m_field = Field::Other;
        // DCE names a thread's channel as its "category" (the format came before threads).
        if (ended == State::Channel && m_header.channel.type.contains(QLatin1String("Thread")))
            m_header.channel.parentId = m_categoryId;
        return true;
    }

    bool StartArray()
    {
        if (m_capture)
            return m_doc.StartArray();
        if (m_skipDepth > 0) {
            ++m_skipDepth;
            return true;
        }
        if (state() == State::Top && m_field == Field::Messages) {
            m_sawMessages = true;
            return push(State::Messages);
        }
        if (state() == State::Start)
            return fail(QStringLiteral("it is a list, not an export object"));
        m_skipDepth = 1;
        return true;
    }

    bool EndArray(rapidjson::SizeType n)
    {
        if (m_capture)
            return m_doc.EndArray(n);
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
        if (m_capture)
            return m_doc.Key(s, n, true);
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
            else if (k == "categoryId") m_field = Field::CategoryId;
            else if (k == "topic") m_field = Field::Topic;
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
    // Inside the messages array, between or inside messages: where a cut-off file ends.
    bool inMessages() const { return m_capture > 0 || state() == State::Messages; }
    // Makes the messages read so far the whole read (salvage).
    void dropPartialMessage()
    {
        m_capture = 0;
        m_error.reset();
    }
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
    enum class State { Start, Top, Guild, Channel, Messages };
    enum class Field { Other, Guild, Channel, Messages, ExportedAt, Id, Name, Type, Category, CategoryId, Topic };

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
        const auto v = s ? isotime::parseSnowflake(std::string_view(s, n)) : std::nullopt;
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
        const auto v = s ? isotime::parseIsoMs(std::string_view(s, n)) : std::nullopt;
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
                if (const auto ms = isotime::parseIsoMs(std::string_view(s, n)))
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
            else if (f == Field::CategoryId) m_categoryId = isotime::parseSnowflake(std::string_view(s, n)).value_or(0);
            return true;
        case State::Messages:
            return fail(QStringLiteral("an entry of \"messages\" is not a message object"));
        }
        return true;
    }

    // --- one message, from its DOM ---

    bool snowflakeField(const json::Value &o, const char *key, Snowflake &out, const char *what)
    {
        const json::Value *v = json::find(o, key);
        if (!v || v->IsNull())
            return true;
        // An empty id is how DCE writes "none" (a standard emoji's, say).
        if (v->IsString() && v->GetStringLength() == 0)
            return true;
        return snowflake(v->IsString() ? v->GetString() : nullptr, v->IsString() ? v->GetStringLength() : 0, false, out, what);
    }

    bool timestampField(const json::Value &o, const char *key, qint64 &out)
    {
        const json::Value *v = json::find(o, key);
        if (!v || v->IsNull())
            return true;
        return timestamp(v->IsString() ? v->GetString() : nullptr, v->IsString() ? v->GetStringLength() : 0, false, out);
    }

    static QString textField(const json::Value &o, const char *key)
    {
        QString t = json::string(o, key);
        // PostgreSQL text cannot hold NUL; no reader of a chat needs it.
        t.remove(QChar(u'\0'));
        return t;
    }

    bool user(const json::Value &o, UserRef &u)
    {
        u.name = textField(o, "name");
        u.discriminator = textField(o, "discriminator");
        u.nickname = textField(o, "nickname");
        u.color = textField(o, "color");
        u.isBot = json::flag(o, "isBot");
        u.avatarUrl = textField(o, "avatarUrl");
        return snowflakeField(o, "id", u.id, "user id");
    }

    bool users(const json::Value &o, const char *key, QList<UserRef> &out)
    {
        bool ok = true;
        json::forEachObject(o, key, [&](const json::Value &v) {
            UserRef u;
            ok = ok && user(v, u);
            out.append(std::move(u));
        });
        return ok;
    }

    bool attachments(const json::Value &o, QList<Attachment> &out)
    {
        bool ok = true;
        json::forEachObject(o, "attachments", [&](const json::Value &v) {
            Attachment a;
            ok = ok && snowflakeField(v, "id", a.id, "attachment id");
            a.url = textField(v, "url");
            a.fileName = textField(v, "fileName");
            a.sizeBytes = json::integer<qint64>(v, "fileSizeBytes");
            out.append(std::move(a));
        });
        return ok;
    }

    static QString urlOf(const json::Value &o, const char *key)
    {
        const json::Value *v = json::object(o, key);
        return v ? textField(*v, "url") : QString();
    }

    bool embeds(const json::Value &o, QList<Embed> &out)
    {
        bool ok = true;
        json::forEachObject(o, "embeds", [&](const json::Value &v) {
            Embed e;
            e.title = textField(v, "title");
            e.url = textField(v, "url");
            e.description = textField(v, "description");
            e.kind = textField(v, json::find(v, "kind") ? "kind" : "type");
            e.color = textField(v, "color");
            ok = ok && timestampField(v, "timestamp", e.timestampMs);
            if (const json::Value *author = json::object(v, "author")) {
                e.authorName = textField(*author, "name");
                e.authorUrl = textField(*author, "url");
            }
            e.thumbnailUrl = urlOf(v, "thumbnail");
            e.imageUrl = urlOf(v, "image");
            if (e.imageUrl.isEmpty()) // DCE 2.40+: several images, the first as Discord shows it
                json::forEachObject(v, "images", [&](const json::Value &image) {
                    if (e.imageUrl.isEmpty())
                        e.imageUrl = textField(image, "url");
                });
            e.videoUrl = urlOf(v, "video");
            if (const json::Value *footer = json::object(v, "footer"))
                e.footerText = textField(*footer, "text");
            json::forEachObject(v, "fields", [&](const json::Value &f) {
                e.fields.append({textField(f, "name"), textField(f, "value"), json::flag(f, "isInline")});
            });
            out.append(std::move(e));
        });
        return ok;
    }

    bool stickers(const json::Value &o, QList<Sticker> &out)
    {
        bool ok = true;
        json::forEachObject(o, "stickers", [&](const json::Value &v) {
            Sticker st;
            ok = ok && snowflakeField(v, "id", st.id, "sticker id");
            st.name = textField(v, "name");
            st.format = textField(v, "format");
            st.sourceUrl = textField(v, "sourceUrl");
            out.append(std::move(st));
        });
        return ok;
    }

    bool reactions(const json::Value &o, QList<Reaction> &out)
    {
        bool ok = true;
        json::forEachObject(o, "reactions", [&](const json::Value &v) {
            Reaction r;
            if (const json::Value *e = json::object(v, "emoji")) {
                ok = ok && snowflakeField(*e, "id", r.emoji.id, "emoji id");
                r.emoji.name = textField(*e, "name");
                r.emoji.code = textField(*e, "code");
                r.emoji.isAnimated = json::flag(*e, "isAnimated");
                r.emoji.imageUrl = textField(*e, "imageUrl");
            }
            r.count = json::integer<int>(v, "count");
            ok = ok && users(v, "users", r.users);
            out.append(std::move(r));
        });
        return ok;
    }

    bool readMessage(const json::Value &o, Message &m)
    {
        m.channelId = m_header.channel.id;
        m.guildId = m_header.guild.id;
        m.hasDetail = true;
        if (!json::find(o, "id"))
            return fail(QStringLiteral("message %1 has no id").arg(m_count + 1));
        if (!snowflakeField(o, "id", m.id, "message id"))
            return false;
        const json::Value *ts = json::find(o, "timestamp");
        if (!ts || ts->IsNull())
            return fail(QStringLiteral("message %1 has no timestamp").arg(m.id));
        if (!timestampField(o, "timestamp", m.timestampMs) || !timestampField(o, "timestampEdited", m.editedMs)
            || !timestampField(o, "callEndedTimestamp", m.callEndedMs))
            return false;
        m.type = textField(o, "type");
        m.isPinned = json::flag(o, "isPinned");
        m.content = textField(o, "content");
        const json::Value *author = json::object(o, "author");
        const json::Value *authorId = author ? json::find(*author, "id") : nullptr;
        if (!authorId || authorId->IsNull())
            return fail(QStringLiteral("message %1 has no author").arg(m.id));
        UserRef a;
        if (!user(*author, a))
            return false;
        m.authorId = a.id;
        m.authorName = a.name;
        m.authorNickname = a.nickname;
        m.authorDiscriminator = a.discriminator;
        m.authorColor = a.color;
        m.authorIsBot = a.isBot;
        m.authorAvatarUrl = a.avatarUrl;
        if (!attachments(o, m.attachments) || !embeds(o, m.embeds) || !stickers(o, m.stickers)
            || !reactions(o, m.reactions) || !users(o, "mentions", m.mentions))
            return false;
        m.attachmentCount = int(m.attachments.size());
        m.embedCount = int(m.embeds.size());
        m.reactionCount = int(m.reactions.size());
        if (const json::Value *ref = json::object(o, "reference")) {
            m.referenceType = textField(*ref, "type");
            if (!snowflakeField(*ref, "messageId", m.replyToId, "reply's message id")
                || !snowflakeField(*ref, "channelId", m.referenceChannelId, "reply's channel id")
                || !snowflakeField(*ref, "guildId", m.referenceGuildId, "reply's guild id"))
                return false;
        }
        if (const json::Value *i = json::object(o, "interaction")) {
            Interaction in;
            in.name = textField(*i, "name");
            if (!snowflakeField(*i, "id", in.id, "interaction id"))
                return false;
            if (const json::Value *u = json::object(*i, "user"); u && !user(*u, in.user))
                return false;
            m.interaction = std::move(in);
        }
        if (const json::Value *f = json::object(o, "forwardedMessage")) {
            ForwardedMessage fw;
            fw.content = textField(*f, "content");
            if (!timestampField(*f, "timestamp", fw.timestampMs) || !timestampField(*f, "timestampEdited", fw.editedMs)
                || !attachments(*f, fw.attachments) || !embeds(*f, fw.embeds) || !stickers(*f, fw.stickers))
                return false;
            m.forwarded = std::move(fw);
        }
        return true;
    }

    bool finishMessage()
    {
        // The message's value, built on the document's stack by the events
        // above, becomes the document.
        auto nothingMore = [](rapidjson::Document &) { return true; };
        m_doc.Populate(nothingMore);
        Message m;
        if (!readMessage(m_doc, m))
            return false;
        ++m_count;
        m_batch.append(std::move(m));
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
    Snowflake m_categoryId = 0;
    int m_capture = 0; // the depth of objects inside the message being built; 0 outside messages
    rapidjson::Document m_doc;
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
    // The writer stopped part-way: the input ends inside the messages.
    const bool cutOff = parsed.IsError() && !handler.error() && handler.inMessages() && handler.header().channel.id != 0
                     && stream.Peek() == '\0' && qint64(parsed.Offset()) >= total;
    if (cutOff && options.salvage) {
        handler.dropPartialMessage();
        if (!handler.flush())
            return *handler.error();
        ReadSummary summary;
        summary.header = handler.header();
        summary.messageCount = handler.messageCount();
        summary.bytes = total;
        summary.brokenAt = qint64(parsed.Offset());
        qCInfo(lcDce) << "salvaged" << summary.messageCount << "messages of" << shown << "which breaks at byte" << total;
        return summary;
    }
    if (cutOff && options.cutOff)
        *options.cutOff = CutOff{qint64(parsed.Offset()), handler.messageCount()};
    if (parsed.IsError()) {
        const QString why = parsed.Code() == rapidjson::kParseErrorDocumentEmpty
                              ? QStringLiteral("the file is empty")
                              : QStringLiteral("not valid JSON: %1")
                                    .arg(QString::fromUtf8(rapidjson::GetParseError_En(parsed.Code())));
        if (cutOff)
            return Error::badInput(located(why, qint64(parsed.Offset()))
                                   + QStringLiteral(" It ends part-way, after %1 complete message(s): importing it with salvage "
                                                    "(import --salvage) keeps those.").arg(handler.messageCount()));
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
