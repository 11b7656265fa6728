#include "elasticstore.h"

#include "search/filtertest.h"
#include "search/portableregex.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QSysInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMap>
#include <QSet>
#include <QThread>

Q_LOGGING_CATEGORY(lcElastic, "fdd.store.elastic")

namespace fdd {

namespace {

using Object = QJsonObject;
using Array = QJsonArray;

QString id(Snowflake s)
{
    return QString::number(s);
}

Snowflake snowflake(const QJsonValue &v)
{
    return v.toString().toULongLong();
}

QJsonObject document(const Message &m)
{
    return {{QStringLiteral("message_id"), id(m.id)},
            {QStringLiteral("channel_id"), id(m.channelId)},
            {QStringLiteral("guild_id"), id(m.guildId)},
            {QStringLiteral("author_id"), id(m.authorId)},
            {QStringLiteral("author_name"), m.authorName},
            {QStringLiteral("timestamp"), m.timestampMs},
            {QStringLiteral("message_date"), m.date().toString(Qt::ISODate)},
            {QStringLiteral("content"), m.content},
            {QStringLiteral("reply_to_id"), id(m.replyToId)},
            {QStringLiteral("attachment_count"), m.attachmentCount},
            {QStringLiteral("embed_count"), m.embedCount},
            {QStringLiteral("reaction_count"), m.reactionCount},
            {QStringLiteral("edited_ms"), m.editedMs},
            {QStringLiteral("message_type"), m.type},
            {QStringLiteral("is_pinned"), m.isPinned},
            {QStringLiteral("author_nickname"), m.authorNickname},
            {QStringLiteral("tags"), QJsonArray::fromStringList(m.tags())},
            // Kept as it is, not indexed (the mapping disables it).
            {QStringLiteral("detail"), m.hasDetail ? QJsonValue(QJsonDocument::fromJson(m.detailJson()).object()) : QJsonValue()}};
}

Message fromDocument(const QJsonObject &d)
{
    Message m;
    m.id = snowflake(d.value(QStringLiteral("message_id")));
    m.channelId = snowflake(d.value(QStringLiteral("channel_id")));
    m.guildId = snowflake(d.value(QStringLiteral("guild_id")));
    m.authorId = snowflake(d.value(QStringLiteral("author_id")));
    m.authorName = d.value(QStringLiteral("author_name")).toString();
    m.timestampMs = qint64(d.value(QStringLiteral("timestamp")).toDouble());
    m.content = d.value(QStringLiteral("content")).toString();
    m.replyToId = snowflake(d.value(QStringLiteral("reply_to_id")));
    m.attachmentCount = d.value(QStringLiteral("attachment_count")).toInt();
    m.embedCount = d.value(QStringLiteral("embed_count")).toInt();
    m.reactionCount = d.value(QStringLiteral("reaction_count")).toInt();
    m.editedMs = qint64(d.value(QStringLiteral("edited_ms")).toDouble());
    m.type = d.value(QStringLiteral("message_type")).toString();
    m.isPinned = d.value(QStringLiteral("is_pinned")).toBool();
    m.authorNickname = d.value(QStringLiteral("author_nickname")).toString();
    if (const QJsonValue detail = d.value(QStringLiteral("detail")); detail.isObject())
        m.setDetailJson(QJsonDocument(detail.toObject()).toJson(QJsonDocument::Compact));
    return m;
}

QList<Message> messagesOf(const QJsonObject &answer)
{
    QList<Message> out;
    for (const QJsonValue &hit : answer.value(QStringLiteral("hits")).toObject().value(QStringLiteral("hits")).toArray())
        out.append(fromDocument(hit.toObject().value(QStringLiteral("_source")).toObject()));
    return out;
}

qint64 totalOf(const QJsonObject &answer)
{
    return qint64(answer.value(QStringLiteral("hits")).toObject().value(QStringLiteral("total")).toObject()
                      .value(QStringLiteral("value")).toDouble());
}

// "*text*" for the wildcard field, the user's * ? and \ taken literally.
QString wildcardContaining(const QString &text)
{
    QString escaped;
    for (const QChar c : text) {
        if (c == QLatin1Char('*') || c == QLatin1Char('?') || c == QLatin1Char('\\'))
            escaped += QLatin1Char('\\');
        escaped += c;
    }
    return QLatin1Char('*') + escaped + QLatin1Char('*');
}

Array newestFirst()
{
    return {Object{{QStringLiteral("timestamp"), QStringLiteral("desc")}},
            Object{{QStringLiteral("message_id"), QStringLiteral("desc")}}};
}

Object term(const char *field, const QString &value)
{
    return {{QStringLiteral("term"), Object{{QLatin1String(field), value}}}};
}

Object metric(const char *what, const QString &field)
{
    return {{QLatin1String(what), Object{{QStringLiteral("field"), field}}}};
}

} // namespace

// ---------------------------------------------------------------------------

class ElasticIngestSession final : public IngestSession
{
public:
    explicit ElasticIngestSession(ElasticStore *store) : m_store(store) {}

    ~ElasticIngestSession() override
    {
        if (!m_committed && !m_created.isEmpty())
            rollback();
    }

    Expected<void> addChannel(const Guild &guild, const Channel &channel) override
    {
        m_guild = guild;
        m_channel = channel;
        return {};
    }

    Expected<void> addMessages(const QList<Message> &messages) override
    {
        const QByteArray action = "{\"index\":{\"_id\":\"";
        for (const Message &m : messages) {
            m_bulk += action + QByteArray::number(m.id) + "\"}}\n";
            m_bulk += QJsonDocument(document(m)).toJson(QJsonDocument::Compact) + '\n';
            m_lastMessageId = std::max(m_lastMessageId, m.id);
            if (m.channelId != 0 && m_channel.id == 0)
                m_channel.id = m.channelId;
        }
        if (m_bulk.size() >= ElasticStore::BulkBytes)
            return flush();
        return {};
    }

    Expected<IngestResult> commit() override
    {
        if (Expected<void> flushed = flush(); !flushed)
            return flushed.error();
        const ElasticClient &es = m_store->client();
        const QString index = es.config().index;
        if (Expected<QJsonObject> r = es.call("POST", index + QStringLiteral("/_refresh"), {}, QStringLiteral("refresh the index")); !r)
            return r.error();
        if (m_channel.id != 0) {
            // The channel's newest archived message only ever moves forward.
            const QString path = m_store->channelsIndex() + QStringLiteral("/_doc/") + id(m_channel.id);
            Snowflake last = m_lastMessageId;
            if (Expected<ElasticClient::Reply> existing = es.send("GET", path); existing && existing->status == 200)
                last = std::max(last, snowflake(existing->json().value(QStringLiteral("_source")).toObject()
                                                    .value(QStringLiteral("last_message_id"))));
            const QJsonObject doc{{QStringLiteral("channel_id"), id(m_channel.id)},
                                  {QStringLiteral("guild_id"), id(m_guild.id)},
                                  {QStringLiteral("guild_name"), m_guild.name},
                                  {QStringLiteral("name"), m_channel.name},
                                  {QStringLiteral("category"), m_channel.category},
                                  {QStringLiteral("type"), m_channel.type},
                                  {QStringLiteral("parent_id"), id(m_channel.parentId)},
                                  {QStringLiteral("topic"), m_channel.topic},
                                  {QStringLiteral("last_message_id"), id(last)}};
            if (Expected<QJsonObject> r = es.call("PUT", path + QStringLiteral("?refresh=true"), doc,
                                                  QStringLiteral("record the channel"));
                !r)
                return r.error();
        }
        m_committed = true;
        return m_result;
    }

private:
    Expected<void> flush()
    {
        if (m_bulk.isEmpty())
            return {};
        const ElasticClient &es = m_store->client();
        QByteArray pending = std::exchange(m_bulk, {});
        // Items Elasticsearch refuses with 429 go again, with backoff.
        for (int attempt = 0; !pending.isEmpty(); ++attempt) {
            Expected<ElasticClient::Reply> reply = es.send("POST", es.config().index + QStringLiteral("/_bulk"), pending,
                                                           QByteArrayLiteral("application/x-ndjson"));
            if (!reply)
                return reply.error();
            if (reply->status / 100 != 2)
                return Error::unavailable(QStringLiteral("Elasticsearch refused the batch of messages (%1).").arg(reply->reason()));
            const QList<QByteArray> lines = pending.split('\n');
            QByteArray again;
            const QJsonArray items = reply->json().value(QStringLiteral("items")).toArray();
            for (qsizetype i = 0; i < items.size(); ++i) {
                const QJsonObject item = items.at(i).toObject().value(QStringLiteral("index")).toObject();
                const int status = item.value(QStringLiteral("status")).toInt();
                const QString result = item.value(QStringLiteral("result")).toString();
                if (result == QLatin1String("created")) {
                    ++m_result.inserted;
                    m_created.append(item.value(QStringLiteral("_id")).toString());
                } else if (result == QLatin1String("updated")) {
                    ++m_result.skipped;
                } else if (status == 429 && attempt < 5) {
                    again += lines.value(2 * i) + '\n' + lines.value(2 * i + 1) + '\n';
                } else {
                    const QJsonObject error = item.value(QStringLiteral("error")).toObject();
                    return Error::badInput(QStringLiteral("Elasticsearch refused message %1: %2 (%3).")
                                               .arg(item.value(QStringLiteral("_id")).toString(),
                                                    error.value(QStringLiteral("reason")).toString(),
                                                    error.value(QStringLiteral("type")).toString()));
                }
            }
            pending = again;
            if (!pending.isEmpty())
                QThread::msleep(200 << (2 * attempt));
        }
        return {};
    }

    void rollback()
    {
        const ElasticClient &es = m_store->client();
        QByteArray deletes;
        for (const QString &doc : std::as_const(m_created))
            deletes += "{\"delete\":{\"_id\":\"" + doc.toLatin1() + "\"}}\n";
        Expected<ElasticClient::Reply> r = es.send("POST", es.config().index + QStringLiteral("/_bulk?refresh=true"), deletes,
                                                   QByteArrayLiteral("application/x-ndjson"));
        if (!r || r->status / 100 != 2)
            qCWarning(lcElastic).noquote() << "could not remove" << m_created.size()
                                           << "messages of a failed import; importing the file again completes it";
    }

    ElasticStore *m_store;
    Guild m_guild;
    Channel m_channel;
    QByteArray m_bulk;
    QStringList m_created;
    Snowflake m_lastMessageId = 0;
    IngestResult m_result;
    bool m_committed = false;
};

// ---------------------------------------------------------------------------

ElasticStore::ElasticStore(ElasticConfig config) : m_client(std::move(config)) {}

QJsonObject ElasticStore::mapping()
{
    const Object keyword{{QStringLiteral("type"), QStringLiteral("keyword")}};
    const Object integer{{QStringLiteral("type"), QStringLiteral("integer")}};
    return {
        {QStringLiteral("settings"),
         Object{{QStringLiteral("analysis"),
                 Object{{QStringLiteral("analyzer"),
                         Object{{QStringLiteral("english_content"),
                                 Object{{QStringLiteral("type"), QStringLiteral("english")}}}}}}}}},
        {QStringLiteral("mappings"),
         Object{{QStringLiteral("properties"),
                 Object{{QStringLiteral("message_id"), keyword},
                        {QStringLiteral("channel_id"), keyword},
                        {QStringLiteral("guild_id"), keyword},
                        {QStringLiteral("author_id"), keyword},
                        {QStringLiteral("author_name"),
                         Object{{QStringLiteral("type"), QStringLiteral("keyword")},
                                {QStringLiteral("fields"), Object{{QStringLiteral("text"), Object{{QStringLiteral("type"), QStringLiteral("text")}}}}}}},
                        {QStringLiteral("timestamp"), Object{{QStringLiteral("type"), QStringLiteral("date")},
                                                             {QStringLiteral("format"), QStringLiteral("epoch_millis")}}},
                        {QStringLiteral("message_date"), Object{{QStringLiteral("type"), QStringLiteral("date")},
                                                                {QStringLiteral("format"), QStringLiteral("yyyy-MM-dd")}}},
                        // English full text; the wildcard sub-field answers substring searches.
                        {QStringLiteral("content"),
                         Object{{QStringLiteral("type"), QStringLiteral("text")},
                                {QStringLiteral("analyzer"), QStringLiteral("english_content")},
                                {QStringLiteral("fields"), Object{{QStringLiteral("wildcard"), Object{{QStringLiteral("type"), QStringLiteral("wildcard")}}}}}}},
                        {QStringLiteral("reply_to_id"), keyword},
                        {QStringLiteral("attachment_count"), integer},
                        {QStringLiteral("embed_count"), integer},
                        {QStringLiteral("reaction_count"), integer},
                        {QStringLiteral("edited_ms"), Object{{QStringLiteral("type"), QStringLiteral("long")}}},
                        {QStringLiteral("message_type"), keyword},
                        {QStringLiteral("is_pinned"), Object{{QStringLiteral("type"), QStringLiteral("boolean")}}},
                        {QStringLiteral("author_nickname"), keyword},
                        // has:, pinned, bot, mentions:, reaction: (Message::tags()).
                        {QStringLiteral("tags"), keyword},
                        {QStringLiteral("detail"), Object{{QStringLiteral("type"), QStringLiteral("object")},
                                                          {QStringLiteral("enabled"), false}}}}}}},
        {QStringLiteral("aliases"), Object{{QStringLiteral("chats-all"), Object{}}}},
    };
}

Expected<void> ElasticStore::migrate()
{
    const QString channelsMapping = QStringLiteral(R"({"mappings":{"properties":{"channel_id":{"type":"keyword"},)"
                                                   R"("guild_id":{"type":"keyword"},"last_message_id":{"type":"keyword"}}}})");
    const QList<std::pair<QString, QByteArray>> wanted{
        {m_client.config().index, QJsonDocument(mapping()).toJson(QJsonDocument::Compact)},
        {channelsIndex(), channelsMapping.toUtf8()},
        {watchesIndex(), QByteArrayLiteral(R"({"mappings":{"properties":{"watch_id":{"type":"keyword"}}}})")},
        {locksIndex(), QByteArrayLiteral(R"({"mappings":{"properties":{"host":{"type":"keyword"}}}})")}};
    for (const auto &[index, body] : wanted) {
        Expected<ElasticClient::Reply> exists = m_client.send("HEAD", index);
        if (!exists)
            return exists.error();
        if (exists->status == 200) {
            // An index made by an older version gains the fields added since
            // (adding fields to a mapping is allowed; changing one is not).
            if (index == m_client.config().index) {
                const QJsonObject properties{{QStringLiteral("properties"), mapping().value(QStringLiteral("mappings"))
                                                                                .toObject().value(QStringLiteral("properties"))}};
                if (Expected<QJsonObject> r = m_client.call("PUT", index + QStringLiteral("/_mapping"), properties,
                                                            QStringLiteral("add the new fields to the index %1").arg(index));
                    !r)
                    return r.error();
            }
            continue;
        }
        Expected<ElasticClient::Reply> created = m_client.send("PUT", index, body);
        if (!created)
            return created.error();
        if (created->status / 100 != 2 && !created->reason().startsWith(QLatin1String("resource_already_exists_exception")))
            return Error::unavailable(QStringLiteral("Elasticsearch could not create the index %1 (%2).").arg(index, created->reason()));
    }
    return {};
}

Expected<void> ElasticStore::ping()
{
    Expected<QJsonObject> health = m_client.call("GET", QStringLiteral("_cluster/health"), {}, QStringLiteral("report its health"));
    if (!health)
        return health.error();
    if (health->value(QStringLiteral("status")).toString() == QLatin1String("red"))
        return Error::unavailable(QStringLiteral("The Elasticsearch cluster at %1 is red: some data is unavailable.").arg(location()));
    return {};
}

Expected<std::unique_ptr<IngestSession>> ElasticStore::beginIngest()
{
    return std::unique_ptr<IngestSession>(std::make_unique<ElasticIngestSession>(this));
}

namespace {

Object boolOf(const QString &occur, const Array &clauses)
{
    Object b{{occur, clauses}};
    if (occur == QLatin1String("should"))
        b.insert(QStringLiteral("minimum_should_match"), 1);
    return {{QStringLiteral("bool"), b}};
}

Object wordsMatch(const QString &words)
{
    return {{QStringLiteral("match"), Object{{QStringLiteral("content"), Object{{QStringLiteral("query"), words},
                                                                             {QStringLiteral("operator"), QStringLiteral("and")}}}}}};
}

Object containing(const QString &text)
{
    return {{QStringLiteral("wildcard"), Object{{QStringLiteral("content.wildcard"),
                                                 Object{{QStringLiteral("value"), wildcardContaining(text)},
                                                        {QStringLiteral("case_insensitive"), true}}}}}};
}

Object filterQuery(const FilterTest &t)
{
    switch (t.kind) {
    case FilterTest::Kind::Tag:
        return t.negated ? boolOf(QStringLiteral("must_not"), {term("tags", t.tag)}) : term("tags", t.tag);
    case FilterTest::Kind::AuthorOrTag:
        if (!t.authorId)
            return term("tags", t.tag);
        return boolOf(QStringLiteral("should"), {term("author_id", id(t.authorId)), term("tags", t.tag)});
    case FilterTest::Kind::Channels: {
        if (t.channels.isEmpty())
            return {{QStringLiteral("match_none"), Object{}}};
        Array ids;
        for (const Snowflake c : t.channels)
            ids.append(id(c));
        return {{QStringLiteral("terms"), Object{{QStringLiteral("channel_id"), ids}}}};
    }
    case FilterTest::Kind::Instants: {
        Object range;
        if (t.fromDay.isValid())
            range.insert(QStringLiteral("gte"), t.fromMs);
        if (t.toDay.isValid())
            range.insert(QStringLiteral("lt"), t.toMs);
        return {{QStringLiteral("range"), Object{{QStringLiteral("timestamp"), range}}}};
    }
    }
    return {};
}

// The search language's tree as one query: user text only in JSON strings.
Object compiled(const Query &q, const QTimeZone &zone, const QList<Channel> &channels)
{
    switch (q.kind) {
    case Query::Kind::Words:
        return wordsMatch(q.words.join(QLatin1Char(' ')));
    case Query::Kind::Exact:
        return containing(q.text);
    case Query::Kind::Regex: {
        const Expected<PortableRegex> regex = PortableRegex::parse(q.text); // the parser checked it
        if (!regex)
            return {{QStringLiteral("match_none"), Object{}}};
        return {{QStringLiteral("regexp"), Object{{QStringLiteral("content.wildcard"),
                                                   Object{{QStringLiteral("value"), regex->lucene()},
                                                          {QStringLiteral("flags"), QStringLiteral("NONE")},
                                                          {QStringLiteral("case_insensitive"), q.ignoreCase}}}}}};
    }
    case Query::Kind::Filter:
        return filterQuery(FilterTest::of(q, zone, channels));
    case Query::Kind::Not:
        return boolOf(QStringLiteral("must_not"), {compiled(q.children.first(), zone, channels)});
    case Query::Kind::And:
    case Query::Kind::Or: {
        Array parts;
        for (const Query &c : q.children)
            parts.append(compiled(c, zone, channels));
        return boolOf(q.kind == Query::Kind::And ? QStringLiteral("must") : QStringLiteral("should"), parts);
    }
    }
    return {};
}

bool hasRegex(const SearchRequest &r)
{
    return r.kind == SearchRequest::Kind::Query && r.query.contains(Query::Kind::Regex);
}

// A search with a regular expression stops at the budget (Elasticsearch's
// own search timeout) and says so.
void budget(Object &body, const SearchRequest &r)
{
    if (hasRegex(r))
        body.insert(QStringLiteral("timeout"), QStringLiteral("%1ms").arg(PortableRegex::budgetMs()));
}

Expected<QJsonObject> withinBudget(Expected<QJsonObject> answer)
{
    if (answer && answer->value(QStringLiteral("timed_out")).toBool())
        return PortableRegex::tooSlow();
    return answer;
}

Array timeOrder(const SearchRequest &r)
{
    if (r.sort != SearchRequest::Sort::Oldest)
        return newestFirst();
    return {Object{{QStringLiteral("timestamp"), QStringLiteral("asc")}},
            Object{{QStringLiteral("message_id"), QStringLiteral("asc")}}};
}

} // namespace

Expected<QJsonObject> ElasticStore::queryFor(const SearchRequest &r)
{
    Array must;
    Array filter;
    if (r.kind == SearchRequest::Kind::Query) {
        QList<Channel> all;
        if (FilterTest::needsChannels(r.query)) {
            Expected<QList<Channel>> listed = channels();
            if (!listed)
                return listed.error();
            all = std::move(*listed);
        }
        must.append(compiled(r.query, r.timeZone(), all));
    }
    if (r.kind == SearchRequest::Kind::FullText || r.kind == SearchRequest::Kind::All)
        must.append(wordsMatch(r.text));
    if (r.kind == SearchRequest::Kind::Substring || r.kind == SearchRequest::Kind::All)
        filter.append(containing(r.text));
    if (!r.isUtc() && (r.startDate.isValid() || r.endDate.isValid())) {
        // The zone's days, as instants.
        const auto [from, to] = r.instantRange();
        Object range;
        if (r.startDate.isValid())
            range.insert(QStringLiteral("gte"), from);
        if (r.endDate.isValid())
            range.insert(QStringLiteral("lt"), to);
        filter.append(Object{{QStringLiteral("range"), Object{{QStringLiteral("timestamp"), range}}}});
    } else if (r.startDate.isValid() || r.endDate.isValid()) {
        Object range{{QStringLiteral("format"), QStringLiteral("yyyy-MM-dd")}};
        if (r.startDate.isValid())
            range.insert(QStringLiteral("gte"), r.startDate.toString(Qt::ISODate));
        if (r.endDate.isValid())
            range.insert(QStringLiteral("lte"), r.endDate.toString(Qt::ISODate));
        filter.append(Object{{QStringLiteral("range"), Object{{QStringLiteral("message_date"), range}}}});
    }
    if (r.channelId != 0)
        filter.append(term("channel_id", id(r.channelId)));
    if (r.authorId != 0)
        filter.append(term("author_id", id(r.authorId)));
    return Object{{QStringLiteral("bool"), Object{{QStringLiteral("must"), must}, {QStringLiteral("filter"), filter}}}};
}

Expected<QJsonObject> ElasticStore::searchBody(const QJsonObject &body, const QString &what) const
{
    return m_client.call("POST", m_client.config().index + QStringLiteral("/_search"), body, what);
}

Expected<SearchPage> ElasticStore::search(const SearchRequest &request)
{
    const bool paged = request.kind != SearchRequest::Kind::All;
    if (!paged) {
        SearchPage page;
        Expected<qint64> n = scan(request, [&page](const Message &m) {
            page.messages.append(m);
            return true;
        });
        if (!n)
            return n.error();
        page.totalCount = *n;
        page.pageSize = int(*n);
        return page;
    }
    const bool relevance = request.sort == SearchRequest::Sort::Relevance
                           && (request.kind == SearchRequest::Kind::FullText || request.kind == SearchRequest::Kind::Query);
    Array sort = timeOrder(request);
    if (relevance)
        sort.prepend(Object{{QStringLiteral("_score"), QStringLiteral("desc")}});
    const Expected<QJsonObject> compiledQuery = queryFor(request);
    if (!compiledQuery)
        return compiledQuery.error();
    const QJsonObject &query = *compiledQuery;
    SearchPage page;
    page.page = request.page;
    page.pageSize = request.pageSize;
    Object body{{QStringLiteral("query"), query}, {QStringLiteral("sort"), sort},
                {QStringLiteral("track_total_hits"), true}, {QStringLiteral("size"), request.pageSize}};
    budget(body, request);
    const qint64 offset = request.offset();
    constexpr qint64 window = 10000; // index.max_result_window
    if (offset + request.pageSize <= window) {
        body.insert(QStringLiteral("from"), offset);
    } else {
        // Deep pages: walk to the offset with search_after, sort values only.
        QJsonArray after;
        for (qint64 skipped = 0; skipped < offset;) {
            const qint64 step = std::min(window, offset - skipped);
            Object walk{{QStringLiteral("query"), query}, {QStringLiteral("sort"), sort}, {QStringLiteral("size"), step},
                        {QStringLiteral("_source"), false}, {QStringLiteral("track_total_hits"), false}};
            if (!after.isEmpty())
                walk.insert(QStringLiteral("search_after"), after);
            Expected<QJsonObject> r = searchBody(walk, QStringLiteral("page through the matches"));
            if (!r)
                return r.error();
            const QJsonArray hits = r->value(QStringLiteral("hits")).toObject().value(QStringLiteral("hits")).toArray();
            if (hits.isEmpty())
                break;
            after = hits.last().toObject().value(QStringLiteral("sort")).toArray();
            skipped += hits.size();
        }
        if (!after.isEmpty())
            body.insert(QStringLiteral("search_after"), after);
    }
    Expected<QJsonObject> answer = withinBudget(searchBody(body, QStringLiteral("search the messages")));
    if (!answer)
        return answer.error();
    page.totalCount = totalOf(*answer);
    if (offset < page.totalCount)
        page.messages = messagesOf(*answer);
    return page;
}

Expected<qint64> ElasticStore::scan(const SearchRequest &request, const std::function<bool(const Message &)> &visit)
{
    const Expected<QJsonObject> query = queryFor(request);
    if (!query)
        return query.error();
    QJsonArray after;
    qint64 visited = 0;
    for (;;) {
        Object body{{QStringLiteral("query"), *query}, {QStringLiteral("sort"), timeOrder(request)},
                    {QStringLiteral("size"), 1000}, {QStringLiteral("track_total_hits"), false}};
        if (!after.isEmpty())
            body.insert(QStringLiteral("search_after"), after);
        Expected<QJsonObject> r = searchBody(body, QStringLiteral("read the matches"));
        if (!r)
            return r.error();
        const QJsonArray hits = r->value(QStringLiteral("hits")).toObject().value(QStringLiteral("hits")).toArray();
        for (const QJsonValue &hit : hits) {
            ++visited;
            if (!visit(fromDocument(hit.toObject().value(QStringLiteral("_source")).toObject())))
                return visited;
        }
        if (hits.size() < 1000)
            return visited;
        after = hits.last().toObject().value(QStringLiteral("sort")).toArray();
    }
}

Expected<QList<DayCount>> ElasticStore::countByDay(const SearchRequest &request)
{
    // UTC days from message_date; another zone's from the timestamp, which
    // Elasticsearch buckets in that zone itself.
    Object histogram{{QStringLiteral("field"), request.isUtc() ? QStringLiteral("message_date") : QStringLiteral("timestamp")},
                     {QStringLiteral("calendar_interval"), QStringLiteral("day")},
                     {QStringLiteral("min_doc_count"), 1},
                     {QStringLiteral("format"), QStringLiteral("yyyy-MM-dd")}};
    if (!request.isUtc())
        histogram.insert(QStringLiteral("time_zone"), QString::fromUtf8(request.zone));
    const Expected<QJsonObject> query = queryFor(request);
    if (!query)
        return query.error();
    Object body{{QStringLiteral("query"), *query},
                {QStringLiteral("size"), 0},
                {QStringLiteral("aggs"),
                 Object{{QStringLiteral("days"),
                         Object{{QStringLiteral("date_histogram"), histogram}}}}}};
    budget(body, request);
    Expected<QJsonObject> r = withinBudget(searchBody(body, QStringLiteral("count matches by day")));
    if (!r)
        return r.error();
    QList<DayCount> days;
    const QJsonArray buckets = r->value(QStringLiteral("aggregations")).toObject().value(QStringLiteral("days")).toObject()
                                   .value(QStringLiteral("buckets")).toArray();
    for (const QJsonValue &b : buckets)
        days.append(DayCount{QDate::fromString(b.toObject().value(QStringLiteral("key_as_string")).toString(), Qt::ISODate),
                             qint64(b.toObject().value(QStringLiteral("doc_count")).toDouble())});
    return days;
}

Expected<MessageContext> ElasticStore::context(Snowflake messageId, int before, int after)
{
    Expected<ElasticClient::Reply> doc = m_client.send("GET", m_client.config().index + QStringLiteral("/_doc/") + id(messageId));
    if (!doc)
        return doc.error();
    if (doc->status == 404)
        return Error::notFound(QStringLiteral("Message %1 is not in the archive.").arg(messageId));
    if (doc->status / 100 != 2)
        return Error::internal(QStringLiteral("Elasticsearch could not read message %1 (%2).").arg(messageId).arg(doc->reason()));
    MessageContext c;
    c.message = fromDocument(doc->json().value(QStringLiteral("_source")).toObject());
    const auto side = [&](bool older, int count) -> Expected<QList<Message>> {
        if (count <= 0)
            return QList<Message>();
        // The neighbours in (timestamp, id) order, strictly before or after
        // the message: search_after from its own sort values.
        const QString order = older ? QStringLiteral("desc") : QStringLiteral("asc");
        const Object body{
            {QStringLiteral("query"), Object{{QStringLiteral("bool"), Object{{QStringLiteral("filter"), Array{term("channel_id", id(c.message.channelId))}}}}}},
            {QStringLiteral("sort"), Array{Object{{QStringLiteral("timestamp"), order}}, Object{{QStringLiteral("message_id"), order}}}},
            {QStringLiteral("search_after"), Array{c.message.timestampMs, id(messageId)}},
            {QStringLiteral("size"), count}};
        Expected<QJsonObject> r = searchBody(body, QStringLiteral("read the conversation"));
        if (!r)
            return r.error();
        QList<Message> messages = messagesOf(*r);
        if (older)
            std::reverse(messages.begin(), messages.end());
        return messages;
    };
    Expected<QList<Message>> earlier = side(true, before);
    if (!earlier)
        return earlier.error();
    Expected<QList<Message>> later = side(false, after);
    if (!later)
        return later.error();
    c.before = *earlier;
    c.after = *later;
    return c;
}

Expected<QList<Channel>> ElasticStore::channels()
{
    Expected<QJsonObject> docs = m_client.call("POST", channelsIndex() + QStringLiteral("/_search"),
                                               Object{{QStringLiteral("size"), 10000}}, QStringLiteral("list the channels"));
    if (!docs)
        return docs.error();
    const Object counts{{QStringLiteral("size"), 0},
                        {QStringLiteral("aggs"), Object{{QStringLiteral("channels"),
                                                         Object{{QStringLiteral("terms"), Object{{QStringLiteral("field"), QStringLiteral("channel_id")},
                                                                                                 {QStringLiteral("size"), 10000}}}}}}}};
    Expected<QJsonObject> agg = searchBody(counts, QStringLiteral("count the messages of each channel"));
    if (!agg)
        return agg.error();
    QHash<QString, qint64> perChannel;
    for (const QJsonValue &b : agg->value(QStringLiteral("aggregations")).toObject().value(QStringLiteral("channels")).toObject()
                                   .value(QStringLiteral("buckets")).toArray())
        perChannel.insert(b.toObject().value(QStringLiteral("key")).toString(), qint64(b.toObject().value(QStringLiteral("doc_count")).toDouble()));
    QList<Channel> out;
    for (const QJsonValue &hit : docs->value(QStringLiteral("hits")).toObject().value(QStringLiteral("hits")).toArray()) {
        const QJsonObject d = hit.toObject().value(QStringLiteral("_source")).toObject();
        Channel c;
        c.id = snowflake(d.value(QStringLiteral("channel_id")));
        c.guildId = snowflake(d.value(QStringLiteral("guild_id")));
        c.name = d.value(QStringLiteral("name")).toString();
        c.category = d.value(QStringLiteral("category")).toString();
        c.type = d.value(QStringLiteral("type")).toString();
        c.parentId = snowflake(d.value(QStringLiteral("parent_id")));
        c.topic = d.value(QStringLiteral("topic")).toString();
        c.lastMessageId = snowflake(d.value(QStringLiteral("last_message_id")));
        c.messageCount = perChannel.value(d.value(QStringLiteral("channel_id")).toString());
        out.append(c);
    }
    std::sort(out.begin(), out.end(), [](const Channel &a, const Channel &b) {
        return std::tie(a.guildId, a.name, a.id) < std::tie(b.guildId, b.name, b.id);
    });
    return out;
}

Expected<QList<Guild>> ElasticStore::guilds()
{
    Expected<QJsonObject> docs = m_client.call("POST", channelsIndex() + QStringLiteral("/_search"),
                                               Object{{QStringLiteral("size"), 10000}}, QStringLiteral("list the servers"));
    if (!docs)
        return docs.error();
    QMap<Snowflake, QString> byId;
    for (const QJsonValue &hit : docs->value(QStringLiteral("hits")).toObject().value(QStringLiteral("hits")).toArray()) {
        const QJsonObject d = hit.toObject().value(QStringLiteral("_source")).toObject();
        byId.insert(snowflake(d.value(QStringLiteral("guild_id"))), d.value(QStringLiteral("guild_name")).toString());
    }
    QList<Guild> out;
    for (auto it = byId.cbegin(); it != byId.cend(); ++it)
        out.append(Guild{it.key(), it.value()});
    return out;
}

Expected<QList<Author>> ElasticStore::authors(int limit)
{
    // The greatest name: the first of the names ordered backwards, as max().
    const auto greatest = [](const char *field) {
        return Object{{QStringLiteral("terms"), Object{{QStringLiteral("field"), QLatin1String(field)}, {QStringLiteral("size"), 1},
                                                       {QStringLiteral("order"), Object{{QStringLiteral("_key"), QStringLiteral("desc")}}}}}};
    };
    const Object body{
        {QStringLiteral("size"), 0},
        {QStringLiteral("aggs"),
         Object{{QStringLiteral("authors"),
                 Object{{QStringLiteral("terms"),
                         Object{{QStringLiteral("field"), QStringLiteral("author_id")}, {QStringLiteral("size"), limit},
                                {QStringLiteral("order"), Array{Object{{QStringLiteral("_count"), QStringLiteral("desc")}},
                                                                Object{{QStringLiteral("_key"), QStringLiteral("asc")}}}}}},
                        {QStringLiteral("aggs"), Object{{QStringLiteral("name"), greatest("author_name")},
                                                        {QStringLiteral("nickname"), greatest("author_nickname")}}}}}}}};
    Expected<QJsonObject> r = searchBody(body, QStringLiteral("list the authors"));
    if (!r)
        return r.error();
    const auto first = [](const QJsonObject &bucket, const char *name) {
        return bucket.value(QLatin1String(name)).toObject().value(QStringLiteral("buckets")).toArray().first().toObject()
            .value(QStringLiteral("key")).toString();
    };
    QList<Author> out;
    for (const QJsonValue &b : r->value(QStringLiteral("aggregations")).toObject().value(QStringLiteral("authors")).toObject()
                                   .value(QStringLiteral("buckets")).toArray()) {
        const QJsonObject bucket = b.toObject();
        out.append(Author{snowflake(bucket.value(QStringLiteral("key"))), first(bucket, "name"), first(bucket, "nickname"),
                          qint64(bucket.value(QStringLiteral("doc_count")).toDouble())});
    }
    return out;
}

Expected<StoreStats> ElasticStore::stats()
{
    const Object body{{QStringLiteral("size"), 0},
                      {QStringLiteral("track_total_hits"), true},
                      {QStringLiteral("aggs"), Object{{QStringLiteral("oldest"), metric("min", QStringLiteral("timestamp"))},
                                                      {QStringLiteral("newest"), metric("max", QStringLiteral("timestamp"))}}}};
    Expected<QJsonObject> r = searchBody(body, QStringLiteral("count the messages"));
    if (!r)
        return r.error();
    Expected<QList<Channel>> known = channels();
    if (!known)
        return known.error();
    StoreStats s;
    s.messages = totalOf(*r);
    s.channels = known->size();
    QSet<Snowflake> guildIds;
    for (const Channel &c : *known)
        guildIds.insert(c.guildId);
    s.guilds = guildIds.size();
    const QJsonObject aggs = r->value(QStringLiteral("aggregations")).toObject();
    s.oldestMs = qint64(aggs.value(QStringLiteral("oldest")).toObject().value(QStringLiteral("value")).toDouble());
    s.newestMs = qint64(aggs.value(QStringLiteral("newest")).toObject().value(QStringLiteral("value")).toDouble());
    return s;
}

namespace {

QJsonObject watchSettings(const Watch &w)
{
    return {{QStringLiteral("watch_id"), id(w.id)},
            {QStringLiteral("is_guild"), w.isGuild},
            {QStringLiteral("name"), w.name},
            {QStringLiteral("interval_s"), w.intervalSeconds},
            {QStringLiteral("include_threads"), w.includeThreads},
            {QStringLiteral("paused"), w.paused},
            {QStringLiteral("next_run_ms"), w.nextRunMs}};
}

QJsonObject watchRun(const Watch &w)
{
    QJsonObject run{{QStringLiteral("next_run_ms"), w.nextRunMs},
                    {QStringLiteral("last_run_ms"), w.lastRunMs},
                    {QStringLiteral("last_success_ms"), w.lastSuccessMs},
                    {QStringLiteral("last_added"), w.lastAdded},
                    {QStringLiteral("last_error"), w.lastError},
                    {QStringLiteral("failures"), w.failures}};
    if (!w.name.isEmpty())
        run.insert(QStringLiteral("name"), w.name);
    return run;
}

qint64 longOf(const QJsonObject &d, const char *key)
{
    return qint64(d.value(QLatin1String(key)).toDouble());
}

} // namespace

Expected<QList<Watch>> ElasticStore::watches()
{
    Expected<QJsonObject> docs = m_client.call("POST", watchesIndex() + QStringLiteral("/_search"),
                                               Object{{QStringLiteral("size"), 10000}}, QStringLiteral("list the watched channels"));
    if (!docs)
        return docs.error();
    QList<Watch> out;
    for (const QJsonValue &hit : docs->value(QStringLiteral("hits")).toObject().value(QStringLiteral("hits")).toArray()) {
        const QJsonObject d = hit.toObject().value(QStringLiteral("_source")).toObject();
        Watch w;
        w.id = snowflake(d.value(QStringLiteral("watch_id")));
        w.isGuild = d.value(QStringLiteral("is_guild")).toBool();
        w.name = d.value(QStringLiteral("name")).toString();
        w.intervalSeconds = longOf(d, "interval_s");
        w.includeThreads = d.value(QStringLiteral("include_threads")).toBool();
        w.paused = d.value(QStringLiteral("paused")).toBool();
        w.nextRunMs = longOf(d, "next_run_ms");
        w.lastRunMs = longOf(d, "last_run_ms");
        w.lastSuccessMs = longOf(d, "last_success_ms");
        w.lastAdded = longOf(d, "last_added");
        w.lastError = d.value(QStringLiteral("last_error")).toString();
        w.failures = int(longOf(d, "failures"));
        out.append(w);
    }
    std::sort(out.begin(), out.end(), [](const Watch &a, const Watch &b) { return a.id < b.id; });
    return out;
}

Expected<void> ElasticStore::saveWatch(const Watch &watch)
{
    QJsonObject upsert = watchSettings(watch);
    const QJsonObject run = watchRun(Watch{});
    for (auto it = run.begin(); it != run.end(); ++it)
        if (it.key() != QLatin1String("next_run_ms"))
            upsert.insert(it.key(), it.value());
    const QJsonObject body{{QStringLiteral("doc"), watchSettings(watch)}, {QStringLiteral("upsert"), upsert}};
    Expected<QJsonObject> r = m_client.call("POST", watchesIndex() + QStringLiteral("/_update/") + id(watch.id) + QStringLiteral("?refresh=true"),
                                            body, QStringLiteral("save the watch of %1").arg(watch.id));
    if (!r)
        return r.error();
    return {};
}

Expected<void> ElasticStore::recordWatchRun(const Watch &watch)
{
    const QByteArray body = QJsonDocument(Object{{QStringLiteral("doc"), watchRun(watch)}}).toJson(QJsonDocument::Compact);
    Expected<ElasticClient::Reply> r = m_client.send("POST", watchesIndex() + QStringLiteral("/_update/") + id(watch.id) + QStringLiteral("?refresh=true"), body);
    if (!r)
        return r.error();
    if (r->status == 404 || r->status / 100 == 2)
        return {}; // 404: removed meanwhile, and stays removed
    return Error::unavailable(QStringLiteral("Elasticsearch could not record the run of watch %1 (%2).").arg(watch.id).arg(r->reason()));
}

Expected<bool> ElasticStore::removeWatch(Snowflake watch)
{
    Expected<ElasticClient::Reply> r = m_client.send("DELETE", watchesIndex() + QStringLiteral("/_doc/") + id(watch) + QStringLiteral("?refresh=true"));
    if (!r)
        return r.error();
    if (r->status == 404)
        return false;
    if (r->status / 100 != 2)
        return Error::unavailable(QStringLiteral("Elasticsearch could not remove the watch of %1 (%2).").arg(watch).arg(r->reason()));
    return true;
}

namespace {

class ElasticChannelLock final : public ChannelLock
{
public:
    ElasticChannelLock(const ElasticClient &client, QString path, QString version)
        : m_client(client), m_path(std::move(path)), m_version(std::move(version))
    {
    }
    ~ElasticChannelLock() override
    {
        // Only our own version of the lock: one taken over after our lease
        // ran out is not ours to remove.
        (void)m_client.send("DELETE", m_path + QStringLiteral("?refresh=true&") + m_version);
    }

private:
    const ElasticClient &m_client;
    QString m_path;
    QString m_version;
};

// "if_seq_no=N&if_primary_term=M" of a document a reply describes.
QString versionOf(const QJsonObject &reply)
{
    return QStringLiteral("if_seq_no=%1&if_primary_term=%2")
        .arg(qint64(reply.value(QStringLiteral("_seq_no")).toDouble()))
        .arg(qint64(reply.value(QStringLiteral("_primary_term")).toDouble()));
}

bool processIsGone(qint64 pid)
{
    return pid > 0 && !QFileInfo::exists(QStringLiteral("/proc/%1").arg(pid));
}

} // namespace

Expected<std::unique_ptr<ChannelLock>> ElasticStore::lockChannel(Snowflake channel)
{
    const QString path = locksIndex() + QStringLiteral("/_doc/") + id(channel);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QString host = QSysInfo::machineHostName();
    const QByteArray mine = QJsonDocument(Object{{QStringLiteral("host"), host},
                                                 {QStringLiteral("pid"), QCoreApplication::applicationPid()},
                                                 {QStringLiteral("expires_ms"), now + LockLeaseMs}})
                                .toJson(QJsonDocument::Compact);
    const auto taken = [&](const ElasticClient::Reply &r) -> Expected<std::unique_ptr<ChannelLock>> {
        if (r.status == 409)
            return std::unique_ptr<ChannelLock>();
        if (r.status / 100 != 2)
            return Error::unavailable(QStringLiteral("Elasticsearch could not lock channel %1 for its export (%2).").arg(channel).arg(r.reason()));
        return std::unique_ptr<ChannelLock>(std::make_unique<ElasticChannelLock>(m_client, path, versionOf(r.json())));
    };
    Expected<ElasticClient::Reply> created = m_client.send("PUT", locksIndex() + QStringLiteral("/_create/") + id(channel) + QStringLiteral("?refresh=true"), mine);
    if (!created)
        return created.error();
    if (created->status != 409)
        return taken(*created);
    // Held: take it over only from a holder that is gone.
    Expected<ElasticClient::Reply> held = m_client.send("GET", path);
    if (!held)
        return held.error();
    if (held->status == 404) // released in between: busy this time, free the next
        return std::unique_ptr<ChannelLock>();
    const QJsonObject doc = held->json();
    const QJsonObject holder = doc.value(QStringLiteral("_source")).toObject();
    const bool expired = longOf(holder, "expires_ms") < now;
    const bool deadHere = holder.value(QStringLiteral("host")).toString() == host && processIsGone(longOf(holder, "pid"));
    if (!expired && !deadHere)
        return std::unique_ptr<ChannelLock>();
    Expected<ElasticClient::Reply> over = m_client.send("PUT", path + QStringLiteral("?refresh=true&") + versionOf(doc), mine);
    if (!over)
        return over.error();
    return taken(*over);
}

} // namespace fdd
