#include "sqlitestore.h"

#include "model/isotime.h"
#include "search/filtertest.h"
#include "sqlcommon.h"

#include <QDir>
#include <QFileInfo>
#include <QLockFile>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSqlDriver>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlResult>
#include <QStandardPaths>
#include <QVariant>

#include <sqlite3.h>

#include <atomic>
#include <cmath>

Q_LOGGING_CATEGORY(lcSqlite, "fdd.store.sqlite")

namespace fdd {

namespace {

const QList<QStringList> &migrations()
{
    static const QList<QStringList> all = {
        // 1: the archive
        {
            QStringLiteral("CREATE TABLE guilds (guild_id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '')"),
            QStringLiteral("CREATE TABLE channels ("
                           " channel_id INTEGER PRIMARY KEY, guild_id INTEGER NOT NULL, name TEXT NOT NULL DEFAULT '',"
                           " category TEXT NOT NULL DEFAULT '', type TEXT NOT NULL DEFAULT '', topic TEXT NOT NULL DEFAULT '',"
                           " last_message_id INTEGER NOT NULL DEFAULT 0, message_count INTEGER NOT NULL DEFAULT 0,"
                           " updated_at INTEGER NOT NULL DEFAULT (unixepoch()))"),
            // message_id is the rowid: the FTS tables point at it directly.
            QStringLiteral("CREATE TABLE messages ("
                           " message_id INTEGER PRIMARY KEY, channel_id INTEGER NOT NULL, guild_id INTEGER NOT NULL,"
                           " author_id INTEGER NOT NULL, author_name TEXT NOT NULL,"
                           " ts INTEGER NOT NULL," // milliseconds since the epoch, UTC
                           " message_date TEXT NOT NULL," // YYYY-MM-DD, UTC
                           " content TEXT NOT NULL, reply_to_id INTEGER,"
                           " attachment_count INTEGER NOT NULL DEFAULT 0, embed_count INTEGER NOT NULL DEFAULT 0,"
                           " reaction_count INTEGER NOT NULL DEFAULT 0, edited_at INTEGER)"),
            QStringLiteral("CREATE INDEX messages_newest ON messages (ts DESC, message_id DESC)"),
            QStringLiteral("CREATE INDEX messages_date ON messages (message_date, ts, message_id)"),
            QStringLiteral("CREATE INDEX messages_channel_ts ON messages (channel_id, ts, message_id)"),
            QStringLiteral("CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages',"
                           " content_rowid='message_id', tokenize='porter unicode61 remove_diacritics 0')"),
            QStringLiteral("CREATE VIRTUAL TABLE messages_trgm USING fts5(content, content='messages',"
                           " content_rowid='message_id', tokenize='trigram')"),
            QStringLiteral("CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN"
                           " INSERT INTO messages_fts (rowid, content) VALUES (new.message_id, new.content);"
                           " INSERT INTO messages_trgm (rowid, content) VALUES (new.message_id, new.content);"
                           " END"),
            QStringLiteral("CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN"
                           " INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.message_id, old.content);"
                           " INSERT INTO messages_trgm (messages_trgm, rowid, content) VALUES ('delete', old.message_id, old.content);"
                           " END"),
            QStringLiteral("CREATE TRIGGER messages_au AFTER UPDATE OF content ON messages BEGIN"
                           " INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.message_id, old.content);"
                           " INSERT INTO messages_trgm (messages_trgm, rowid, content) VALUES ('delete', old.message_id, old.content);"
                           " INSERT INTO messages_fts (rowid, content) VALUES (new.message_id, new.content);"
                           " INSERT INTO messages_trgm (rowid, content) VALUES (new.message_id, new.content);"
                           " END"),
        },
        // 2: the watch list
        {sql::createWatchesTable(QStringLiteral("INTEGER"))},
        // 3: the whole message; a row of before has no detail (NULL) until
        // its file is imported again. The tags (Message::tags(): has:,
        // pinned, bot, mentions:, reaction:) in a table of their own, keyed
        // by tag: a filter on one reads only its messages.
        {
            QStringLiteral("ALTER TABLE messages ADD COLUMN message_type TEXT NOT NULL DEFAULT ''"),
            QStringLiteral("ALTER TABLE messages ADD COLUMN is_pinned INTEGER NOT NULL DEFAULT 0"),
            QStringLiteral("ALTER TABLE messages ADD COLUMN author_nickname TEXT NOT NULL DEFAULT ''"),
            QStringLiteral("ALTER TABLE messages ADD COLUMN detail TEXT"),
            QStringLiteral("CREATE TABLE message_tags (tag TEXT NOT NULL, message_id INTEGER NOT NULL,"
                           " PRIMARY KEY (tag, message_id)) WITHOUT ROWID"),
            QStringLiteral("CREATE INDEX messages_author_ts ON messages (author_id, ts)"),
            // A thread keeps the channel it belongs to.
            QStringLiteral("ALTER TABLE channels ADD COLUMN parent_id INTEGER NOT NULL DEFAULT 0"),
            QStringLiteral("CREATE TRIGGER messages_tags_ad AFTER DELETE ON messages BEGIN"
                           " DELETE FROM message_tags WHERE message_id = old.message_id; END"),
        },
        // 4: the search language's from:NAME, mentions:NAME and
        // reaction:CODE (Message::tags() since then), for the rows of
        // before, from their columns and their detail; fdd_lower() folds as
        // the tags do (SQLite's lower() folds ASCII only).
        {
            QStringLiteral("INSERT OR IGNORE INTO message_tags (tag, message_id)"
                           " SELECT 'from:' || fdd_lower(author_name), message_id FROM messages WHERE author_name <> ''"
                           " UNION ALL SELECT 'from:' || fdd_lower(author_nickname), message_id FROM messages WHERE author_nickname <> ''"),
            QStringLiteral("INSERT OR IGNORE INTO message_tags (tag, message_id)"
                           " SELECT 'mentions:' || fdd_lower(json_extract(u.value, '$.' || k.value)), m.message_id"
                           " FROM messages m, json_each(m.detail, '$.mentions') u, json_each('[\"name\",\"nickname\"]') k"
                           " WHERE json_valid(m.detail) AND COALESCE(json_extract(u.value, '$.' || k.value), '') <> ''"),
            QStringLiteral("INSERT OR IGNORE INTO message_tags (tag, message_id)"
                           " SELECT 'reaction:' || json_extract(r.value, '$.emoji.code'), m.message_id"
                           " FROM messages m, json_each(m.detail, '$.reactions') r"
                           " WHERE json_valid(m.detail) AND COALESCE(json_extract(r.value, '$.emoji.code'), '') <> ''"),
        },
    };
    return all;
}

constexpr auto selectColumns =
    "message_id, channel_id, guild_id, author_id, author_name, ts, content, COALESCE(reply_to_id, 0),"
    " attachment_count, embed_count, reaction_count, COALESCE(edited_at, 0),"
    " message_type, is_pinned, author_nickname, detail";

// An FTS5 string: the text in double quotes, inner quotes doubled. FTS5 reads
// everything inside as data, never as query syntax.
QString ftsString(const QString &text)
{
    QString s = text;
    s.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + s + QLatin1Char('"');
}

// The test of a substring, with Unicode case folding as the other stores
// have it (PostgreSQL's lower(), Elasticsearch's case-insensitive wildcard);
// SQLite's own LIKE folds ASCII letters only.
// - 3 characters or more: the trigram index decides alone. Its tokens are
//   every 3 consecutive characters, folded, so a phrase of the term's
//   trigrams is exactly "contains it, folded"; no row is read to check.
// - Shorter: LIKE (which folds ASCII) once for each way of writing the
//   term's other letters in either case, as Elasticsearch builds its
//   case-insensitive wildcard: "éa" is '%éa%' OR '%Éa%'.
sql::Where substringTest(const QString &text)
{
    sql::Where w;
    const QList<uint> characters = text.toUcs4();
    if (characters.size() >= 3) {
        w.add(QStringLiteral("message_id IN (SELECT rowid FROM messages_trgm WHERE messages_trgm MATCH ?)"),
              ftsString(text));
        return w;
    }
    QStringList spellings{QString()};
    for (const uint c : characters) {
        QList<uint> cases{c};
        if (c > 0x7f)
            for (const uint other : {QChar::toLower(c), QChar::toUpper(c), QChar::toTitleCase(c)})
                if (!cases.contains(other))
                    cases << other;
        QStringList longer;
        for (const QString &start : std::as_const(spellings))
            for (const uint other : std::as_const(cases))
                longer << start + QString::fromUcs4(reinterpret_cast<const char32_t *>(&other), 1);
        spellings = longer;
    }
    QStringList likes;
    for (const QString &spelling : std::as_const(spellings)) {
        likes << QStringLiteral("content LIKE ? ESCAPE '\\'");
        w.binds << sql::likePattern(spelling);
    }
    w.clauses << (likes.size() == 1 ? likes.first() : QLatin1Char('(') + likes.join(QStringLiteral(" OR ")) + QLatin1Char(')'));
    return w;
}

// How the search language's leaves read SQLite's columns and indexes.
const sql::QueryDialect &dialect()
{
    static const sql::QueryDialect d{
        [](const QStringList &words) {
            const QString query = SqliteStore::fullTextQuery(words.join(QLatin1Char(' ')));
            sql::Where w;
            w.matchesNothing = query.isEmpty(); // stop words only, as PostgreSQL's and Elasticsearch's
            w.add(QStringLiteral("message_id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)"), query);
            return w;
        },
        substringTest,
        [](const PortableRegex &regex, bool ignoreCase) {
            sql::Where w;
            w.add(QStringLiteral("fdd_regexp(?, content)"), regex.pcre(ignoreCase));
            return w;
        },
        QStringLiteral("message_id IN (SELECT message_id FROM message_tags WHERE tag = ?)"),
        QStringLiteral("ts"),
        [](const QDate &d) { return QVariant(d.toString(Qt::ISODate)); },
        [](qint64 ms) { return QVariant(ms); },
        QString(),
        {},
        QString(),
    };
    return d;
}

// The same leaves, a tag tested as one probe of message_tags' key for the
// row at hand instead of as the list of every message with it: what a page
// wanted before its count needs, walking the newest messages until it has
// one.
const sql::QueryDialect &probeDialect()
{
    static const sql::QueryDialect d = [] {
        sql::QueryDialect probe = dialect();
        probe.tag = QStringLiteral("EXISTS (SELECT 1 FROM message_tags g WHERE g.tag = ? AND g.message_id = messages.message_id)");
        return probe;
    }();
    return d;
}

// The same, words as a list each walked message is looked up in (`+`: not
// as the rows to read and sort, which SQLite's planner otherwise takes
// them for): for words with so many matches that sorting them costs more
// than the walk's budget. from:user3 runs at 1M (33,159 matches of the
// word): page 1 in 20 ms instead of 92; has:image from:user1 horoba (rare)
// stays sorted, 1.3 ms, where walking it costs the budget (50).
const sql::QueryDialect &walkedWordsDialect()
{
    static const sql::QueryDialect d = [] {
        sql::QueryDialect probe = probeDialect();
        probe.words = [words = probe.words](const QStringList &list) {
            sql::Where w = words(list);
            for (QString &clause : w.clauses)
                if (clause.startsWith(QLatin1String("message_id IN (")))
                    clause.prepend(QLatin1Char('+'));
            return w;
        };
        return probe;
    }();
    return d;
}

std::atomic<int> walkedWordsMinimum{SqliteStore::defaultWalkedWordsMinimum};

// Whether `rows` (one bound value) has at least `minimum` rows, read up to
// that many only.
Expected<bool> atLeast(const QSqlDatabase &db, const QString &rows, const QVariant &value, qint64 minimum, const QString &what,
                       const sql::Failure &fail)
{
    QSqlQuery *q = nullptr;
    QString why;
    if (!sql::run(db, QStringLiteral("SELECT count(*) FROM (%1 LIMIT ?)").arg(rows), {value, minimum}, &q, &why) || !q->next())
        return fail(what, why);
    const bool reached = q->value(0).toLongLong() >= minimum;
    q->finish();
    return reached;
}

// The dialect of a query's page before its count: whether the words it must
// have are that frequent, from their index (counted up to the minimum only).
Expected<const sql::QueryDialect *> pageFirstDialect(const QSqlDatabase &db, const Query &query, const sql::Failure &fail)
{
    const QString match = SqliteStore::fullTextQuery(query.positiveWords().join(QLatin1Char(' ')));
    const int minimum = walkedWordsMinimum.load(std::memory_order_relaxed);
    if (match.isEmpty())
        return &probeDialect();
    if (minimum == 0)
        return &walkedWordsDialect();
    const Expected<bool> frequent = atLeast(db, QStringLiteral("SELECT 1 FROM messages_fts WHERE messages_fts MATCH ?"), match,
                                            minimum, QStringLiteral("count a text's matches"), fail);
    if (!frequent)
        return frequent.error();
    return *frequent ? &walkedWordsDialect() : &probeDialect();
}

std::atomic<qint64> probedTagMinimum{-1};

// How many messages carry `tag`, from message_tags' key.
Expected<qint64> taggedMessages(const QSqlDatabase &db, const QString &tag, const sql::Failure &fail)
{
    sql::Where w;
    w.add(QStringLiteral("tag = ?"), tag);
    return sql::count(db, QStringLiteral("message_tags"), w, fail);
}

// `tags` with how many messages carry each, the fewest first.
Expected<std::vector<std::pair<qint64, QString>>> bySize(const QSqlDatabase &db, const QStringList &tags, const sql::Failure &fail)
{
    std::vector<std::pair<qint64, QString>> sized;
    for (const QString &tag : tags) {
        const Expected<qint64> n = taggedMessages(db, tag, fail);
        if (!n)
            return n.error();
        sized.emplace_back(*n, tag);
    }
    std::sort(sized.begin(), sized.end());
    return sized;
}

// For a statement that gathers every match (a count, the counted search, the
// timeline): `in:` channels that hold most of the archive are tested on each
// match of the rest of the tree ("+channel_id" is no index to the planner),
// which otherwise read the channel whole to probe a word's matches (`in:`
// the only channel and a word at 1M messages, counted: 351 ms, 45 tested on
// the word's matches). A lone in: keeps its index, all it has (counted 41 ms,
// 75 without), and so does the walk, which reads it in time order.
//
// And a tag beside a word or a text in the query's top-level AND, on at least
// a fiftieth of the archive's messages, is tested as a probe of
// message_tags' key for each match of the text, not as the list of every
// message with it, which was built whole first (has:reaction celaba at 1M:
// 80,163 tagged, 1,768 matches of the word, counted in 112-157 ms, 9-18
// probed); a smaller tag's list is still the cheaper side to start from
// (from:user3 runs: 11,921 tagged, 33,159 matches: 33-36 ms, 58-88 probed).
// Tags together without text: the smallest list, the others probed
// (has:image from:user1: 50,002 and 18,473 tagged, 967 of both).
Expected<sql::QueryDialect> gatherDialect(const QSqlDatabase &db, const Query &query, const QTimeZone &zone, const sql::Failure &fail)
{
    static const sql::QueryDialect gather = [] {
        sql::QueryDialect d = dialect();
        d.mostChannels = QStringLiteral("+channel_id");
        d.probedTag = probeDialect().tag;
        return d;
    }();
    if (query.kind == Query::Kind::Filter)
        return dialect();
    sql::QueryDialect d = gather;
    if (query.kind != Query::Kind::And)
        return d;
    const auto isText = [](const Query &c) { return c.kind == Query::Kind::Words || c.kind == Query::Kind::Exact; };
    if (std::none_of(query.children.begin(), query.children.end(), isText)) {
        QStringList tags; // tags together: every list but the smallest probed
        for (const Query &c : query.children) {
            if (const QString tag = sql::tagOf(c, zone); !tag.isEmpty())
                tags << tag;
        }
        const Expected<std::vector<std::pair<qint64, QString>>> sized = bySize(db, tags, fail);
        if (!sized)
            return sized.error();
        for (size_t i = 1; i < sized->size(); ++i)
            d.probedTags.insert(sized->at(i).second);
        return d;
    }
    qint64 minimum = probedTagMinimum.load(std::memory_order_relaxed);
    if (minimum < 0) { // a fiftieth of the archive, at least 10,000 messages
        const Expected<qint64> archived = sql::archivedMessages(db, fail);
        if (!archived)
            return archived.error();
        minimum = std::max<qint64>(10000, *archived / 50);
    }
    for (const Query &c : query.children) {
        const QString tag = sql::tagOf(c, zone);
        if (tag.isEmpty())
            continue;
        const Expected<bool> large = atLeast(db, QStringLiteral("SELECT 1 FROM message_tags WHERE tag = ?"), tag, minimum,
                                             QStringLiteral("count a tag's messages"), fail);
        if (!large)
            return large.error();
        if (*large)
            d.probedTags.insert(tag);
    }
    return d;
}

Expected<sql::QueryDialect> gatherDialect(const QSqlDatabase &db, const SearchRequest &r, const sql::Failure &fail)
{
    if (r.kind != SearchRequest::Kind::Query)
        return dialect();
    return gatherDialect(db, r.query, r.timeZone(), fail);
}

// A query's exact total (sql::TotalCounter) where its tags are the sums:
// message_tags' key counts a lone tag (has:image, 50,000 matches: 52 ms
// counted from the messages, 2 from the key), and tags alone together are a
// join of their lists in that key, the smallest list first, instead of each
// list built whole to test the messages against (has:image has:reaction,
// 3,981 of both); the rest is counted from the messages as the gathering
// statements test them (gatherDialect). Every tagged message is in
// message_tags (tags come with their message and leave with it).
class TagCounter final : public sql::TotalCounter
{
public:
    using TotalCounter::TotalCounter;

private:
    bool sumsAll() const override { return false; } // counting every message is a scan

    std::optional<Sum> sumOf(const Query &q) const override
    {
        const QString tag = sql::tagOf(q, m_zone);
        if (tag.isEmpty())
            return std::nullopt;
        return Sum{{tag}, {}, {}};
    }

    Expected<qint64> summed(const Sum &s) override { return taggedMessages(m_db, s.keys.first(), m_fail); }

    Expected<qint64> counted(const Query &q) override
    {
        QStringList tags;
        if (q.kind == Query::Kind::And) {
            for (const Query &c : q.children)
                tags << sql::tagOf(c, m_zone);
        }
        if (!tags.isEmpty() && !tags.contains(QString())) { // tags alone: their lists joined
            const Expected<std::vector<std::pair<qint64, QString>>> sized = bySize(m_db, tags, m_fail);
            if (!sized)
                return sized.error();
            QString sql = QStringLiteral("SELECT count(*) FROM message_tags t0");
            QVariantList binds;
            for (size_t i = 1; i < sized->size(); ++i) {
                sql += QStringLiteral(" JOIN message_tags t%1 ON t%1.tag = ? AND t%1.message_id = t0.message_id").arg(i);
                binds << sized->at(i).second;
            }
            sql += QStringLiteral(" WHERE t0.tag = ?");
            binds << sized->front().second;
            QSqlQuery *query = nullptr;
            QString why;
            if (!sql::run(m_db, sql, binds, &query, &why) || !query->next())
                return m_fail(QStringLiteral("count matching messages"), why);
            const qint64 total = query->value(0).toLongLong();
            query->finish();
            return total;
        }
        const Expected<sql::QueryDialect> gather = gatherDialect(m_db, q, m_zone, m_fail);
        if (!gather)
            return gather.error();
        return sql::count(m_db, QStringLiteral("messages"), sql::compile(q, *gather, m_zone, m_channels), m_fail);
    }
};

// Newest (or oldest) first, or for a full-text search or a query with words
// by relevance (FTS5's bm25, lower is better; 0 for a match without them),
// newest first among equals.
sql::SearchShape shapeFor(const SearchRequest &r)
{
    sql::SearchShape s{QStringLiteral("messages"), QLatin1String(selectColumns), {QStringLiteral("ts AS t, message_id AS id"), {}},
                       sql::SearchShape::byTime(r), QStringLiteral(" JOIN messages c ON c.message_id = p.id")};
    if (r.sort == SearchRequest::Sort::Relevance
        && (r.kind == SearchRequest::Kind::FullText || r.kind == SearchRequest::Kind::Query)) {
        s.keys.sql += QStringLiteral(", COALESCE((SELECT bm25(messages_fts) FROM messages_fts WHERE messages_fts MATCH ?"
                                     " AND messages_fts.rowid = messages.message_id), 0) AS r");
        s.keys.binds << SqliteStore::fullTextQuery(r.kind == SearchRequest::Kind::Query ? r.query.positiveWords().join(QLatin1Char(' '))
                                                                                       : r.text);
        s.order = QStringLiteral(" ORDER BY r, t DESC, id DESC");
    }
    return s;
}

// The search language's regular expressions: fdd_regexp(pattern, text),
// the pattern compiled once per statement (SQLite keeps it as the
// argument's auxiliary data).
// fdd_lower(text): lower case as Message::tags() writes it (QString::toLower).
void lowerFunction(sqlite3_context *context, int, sqlite3_value **argv)
{
    const auto *text = static_cast<const char16_t *>(sqlite3_value_text16(argv[0]));
    const QString lower = QString::fromUtf16(text, sqlite3_value_bytes16(argv[0]) / 2).toLower();
    sqlite3_result_text16(context, lower.utf16(), int(lower.size() * 2), SQLITE_TRANSIENT);
}

void regexpFunction(sqlite3_context *context, int, sqlite3_value **argv)
{
    auto *regex = static_cast<QRegularExpression *>(sqlite3_get_auxdata(context, 0));
    if (!regex) {
        const auto *pattern = static_cast<const char16_t *>(sqlite3_value_text16(argv[0]));
        regex = new QRegularExpression(QString::fromUtf16(pattern, sqlite3_value_bytes16(argv[0]) / 2),
                                       QRegularExpression::UseUnicodePropertiesOption);
        if (!regex->isValid()) {
            delete regex;
            sqlite3_result_error(context, "invalid regular expression", -1);
            return;
        }
        sqlite3_set_auxdata(context, 0, regex, [](void *p) { delete static_cast<QRegularExpression *>(p); });
        regex = static_cast<QRegularExpression *>(sqlite3_get_auxdata(context, 0));
        if (!regex) {
            sqlite3_result_error_nomem(context);
            return;
        }
    }
    const auto *text = static_cast<const char16_t *>(sqlite3_value_text16(argv[1]));
    const QStringView view(text, sqlite3_value_bytes16(argv[1]) / 2);
    sqlite3_result_int(context, regex->match(view).hasMatch() ? 1 : 0);
}

// A search with a regular expression stops at its budget: the statement
// running on this thread's connection is interrupted past the deadline
// (SQLite asks every progressSteps of its steps).
constexpr int progressSteps = 4000;
thread_local qint64 regexDeadlineMs = 0;

int progressHandler(void *)
{
    return regexDeadlineMs != 0 && QDateTime::currentMSecsSinceEpoch() > regexDeadlineMs ? 1 : 0;
}

// While it lives, a request with a regular expression runs within
// PortableRegex::budgetMs(); check() turns the interruption into its sentence.
class RegexBudget
{
public:
    explicit RegexBudget(const SearchRequest &r)
        : m_active(r.kind == SearchRequest::Kind::Query && r.query.contains(Query::Kind::Regex))
    {
        if (m_active)
            regexDeadlineMs = QDateTime::currentMSecsSinceEpoch() + PortableRegex::budgetMs();
    }
    ~RegexBudget()
    {
        if (m_active)
            regexDeadlineMs = 0;
    }
    RegexBudget(const RegexBudget &) = delete;
    RegexBudget &operator=(const RegexBudget &) = delete;

    template<typename T>
    Expected<T> check(Expected<T> result) const
    {
        if (!result && m_active && QDateTime::currentMSecsSinceEpoch() > regexDeadlineMs)
            return PortableRegex::tooSlow();
        return result;
    }

private:
    bool m_active;
};

sqlite3 *nativeHandle(const QSqlDatabase &db)
{
    const QVariant v = db.driver()->handle();
    if (v.isValid() && qstrcmp(v.typeName(), "sqlite3*") == 0)
        return *static_cast<sqlite3 *const *>(v.constData());
    return nullptr;
}

// The messages in a request's time order, over the table's own columns.
QString timeOrder(const SearchRequest &r)
{
    return r.sort == SearchRequest::Sort::Oldest ? QStringLiteral(" ORDER BY ts, message_id") : QStringLiteral(" ORDER BY ts DESC, message_id DESC");
}

std::atomic<int> pageFirstSteps{SqliteStore::defaultPageFirstSteps};

int interruptAtOnce(void *fired)
{
    *static_cast<bool *>(fired) = true;
    return 1;
}

// A query's page wanted before its count, as the window asks: SQLite's plan
// for the page alone (the newest messages walked with each row's tests, or
// an index's range for a channel or dates), stopped after pageFirstSteps of
// SQLite's steps: ~12 a message walked with a tag probe, so ~33,000
// messages, ~10 ms here; a count of steps, not of time, gives the same
// answer on any machine. Stopped, or past the last page (whose total it
// cannot tell): std::nullopt, and the counted search answers. A page short
// of full is the last: its total is known.
std::optional<Expected<SearchPage>> pageFirst(const QSqlDatabase &db, const SearchRequest &r, const sql::Where &where,
                                              const sql::Failure &fail, int steps)
{
    sqlite3 *handle = nativeHandle(db);
    if (!handle || where.matchesNothing)
        return std::nullopt;
    const QString sql = QStringLiteral("SELECT %1 FROM (SELECT ts AS t, message_id AS id FROM messages%2%3 LIMIT ? OFFSET ?) p"
                                       " JOIN messages c ON c.message_id = p.id%4")
                            .arg(QLatin1String(selectColumns), where.sql(), timeOrder(r), sql::SearchShape::byTime(r));
    bool fired = false;
    sqlite3_progress_handler(handle, steps, interruptAtOnce, &fired);
    const auto restore = qScopeGuard([handle] { sqlite3_progress_handler(handle, progressSteps, progressHandler, nullptr); });
    SearchPage page;
    page.page = r.page;
    page.pageSize = r.pageSize;
    QSqlQuery *q = nullptr;
    QString why;
    bool ok = sql::run(db, sql, where.binds + QVariantList{r.pageSize, r.offset()}, &q, &why);
    if (ok) {
        while (q->next())
            page.messages.append(sql::readMessage(*q));
        ok = !q->lastError().isValid();
        why = q->lastError().text();
        q->finish();
        // SQLite counts the steps to the handler on from the statement's
        // steps of all its runs (it stays cached): from zero for the next.
        if (const QVariant stmt = q->result()->handle(); stmt.isValid() && qstrcmp(stmt.typeName(), "sqlite3_stmt*") == 0)
            sqlite3_stmt_status(*static_cast<sqlite3_stmt *const *>(stmt.constData()), SQLITE_STMTSTATUS_VM_STEP, 1);
    }
    if (fired)
        return std::nullopt;
    if (!ok)
        return Expected<SearchPage>(fail(QStringLiteral("search messages"), why));
    if (page.messages.size() == r.pageSize)
        page.totalCount = -1;
    else if (!page.messages.isEmpty() || r.offset() == 0)
        page.totalCount = r.offset() + page.messages.size();
    else
        return std::nullopt;
    return Expected<SearchPage>(std::move(page));
}

// A text's matches as its FTS5 index holds them (their rowids: message ids),
// when the text is all a request asks and the page is in time order: its
// total is then the index's own count, and no match's row need be read
// but the page's (textPage).
struct IndexMatches
{
    QString table; // messages_fts or messages_trgm
    QString match; // its MATCH string

    // The index's own test, over `table`.
    sql::Where test() const
    {
        sql::Where w;
        w.add(table + QStringLiteral(" MATCH ?"), match);
        return w;
    }
};

std::optional<IndexMatches> indexMatchesOf(const SearchRequest &r)
{
    if (r.sort == SearchRequest::Sort::Relevance || r.startDate.isValid() || r.endDate.isValid() || r.channelId
        || r.authorId)
        return std::nullopt;
    // The search language's words or quoted text alone are the same tests.
    const bool query = r.kind == SearchRequest::Kind::Query;
    const QString exact = query && r.query.kind == Query::Kind::Exact ? r.query.text
                          : r.kind == SearchRequest::Kind::Substring  ? r.text
                                                                      : QString();
    if (exact.toUcs4().size() >= 3) // as substringTest reads it
        return IndexMatches{QStringLiteral("messages_trgm"), ftsString(exact)};
    const QString words = query && r.query.kind == Query::Kind::Words ? r.query.words.join(QLatin1Char(' '))
                          : r.kind == SearchRequest::Kind::FullText   ? r.text
                                                                      : QString();
    if (const QString match = SqliteStore::fullTextQuery(words); !match.isEmpty())
        return IndexMatches{QStringLiteral("messages_fts"), match};
    return std::nullopt;
}

std::atomic<SqliteStore::TextPagePath> textPagePath{SqliteStore::TextPagePath::Chosen};

// A page of a text and its exact total in one statement that reads the
// text's index once: the matches' ids are gathered and counted, and the page
// is walked from the end of the time order it is nearer (the covering index
// of the messages' time, each message tested against the ids: 0.2 µs a
// message here), or found by reading every match's time and sorting them
// (3 µs a match), as sql::search does. A walk meets the k matches it needs
// after about k × archive / n messages, so it is chosen when n² × 4 ≥ k ×
// archive (3.5 times the cost where the two meet, for a text rarer at that
// end of the archive): at 1M messages, page 1 of 10 is walked from 1,581
// matches, the last page likewise from the oldest. The other sides' LIMIT is
// 0, and SQLite then does not start them. Measured at 1M, "server" (17,109
// matches): full text 55 ms → 13, substring 70-92 → 15. Every row says the
// total; a page past the last has no row, and the index counts again.
Expected<SearchPage> textPage(const QSqlDatabase &db, const SearchRequest &r, const IndexMatches &matches,
                              const sql::SearchShape &shape, const sql::Failure &fail)
{
    const Expected<qint64> archived = sql::archivedMessages(db, fail);
    if (!archived)
        return archived.error();
    const qint64 offset = r.offset(), size = r.pageSize, need = offset + size;
    const QString reverse = r.sort == SearchRequest::Sort::Oldest ? QStringLiteral(" ORDER BY t DESC, id DESC")
                                                                  : QStringLiteral(" ORDER BY t, id");
    const QString sql = QStringLiteral(
                            "WITH h(id) AS MATERIALIZED (SELECT rowid FROM %1%6), n(n) AS MATERIALIZED (SELECT count(*) FROM h),"
                            " w(w) AS MATERIALIZED (SELECT CASE WHEN ? > 0 THEN ?"
                            " WHEN ? <= n - ? THEN (CASE WHEN n * n * 4 >= ? THEN 1 ELSE 3 END)"
                            " ELSE (CASE WHEN n * n * 4 >= (n - ?) * ? THEN 2 ELSE 3 END) END FROM n)"
                            " SELECT %2, (SELECT n FROM n) FROM ("
                            "SELECT * FROM (SELECT ts AS t, message_id AS id FROM messages WHERE +message_id IN h%3"
                            " LIMIT (SELECT CASE WHEN w = 1 THEN ? ELSE 0 END FROM w) OFFSET ?)"
                            " UNION ALL "
                            "SELECT * FROM (SELECT ts AS t, message_id AS id FROM messages WHERE +message_id IN h%5"
                            " LIMIT (SELECT CASE WHEN w = 2 THEN max(0, min(?, n - ?)) ELSE 0 END FROM n, w)"
                            " OFFSET (SELECT max(0, n - ? - ?) FROM n))"
                            " UNION ALL "
                            "SELECT * FROM (SELECT ts AS t, message_id AS id FROM messages WHERE message_id IN h%3"
                            " LIMIT (SELECT CASE WHEN w = 3 THEN ? ELSE 0 END FROM w) OFFSET ?)"
                            ") p%4%3")
                            .arg(matches.table, shape.columns, shape.order, shape.join, reverse, matches.test().sql());
    const int path = int(textPagePath.load(std::memory_order_relaxed));
    QSqlQuery *q = nullptr;
    QString why;
    if (!sql::run(db, sql,
                  {matches.match, path, path, need, offset, need * *archived, offset, *archived, size, offset, size,
                   offset, offset, size, size, offset},
                  &q, &why))
        return fail(QStringLiteral("search messages"), why);
    SearchPage page;
    page.page = r.page;
    page.pageSize = r.pageSize;
    while (q->next()) {
        page.messages.append(sql::readMessage(*q));
        page.totalCount = q->value(16).toLongLong();
    }
    q->finish();
    if (page.messages.isEmpty() && offset > 0) { // past the last page: no row carried the total
        const Expected<qint64> total = sql::count(db, matches.table, matches.test(), fail);
        if (!total)
            return total.error();
        page.totalCount = *total;
    }
    return page;
}

} // namespace

// ---------------------------------------------------------------------------

class SqliteIngestSession final : public IngestSession
{
public:
    SqliteIngestSession(SqliteStore *store, QSqlDatabase db)
        : m_store(store), m_db(std::move(db)), m_insert(m_db), m_complete(m_db), m_tag(m_db)
    {
    }

    ~SqliteIngestSession() override
    {
        if (m_open) {
            finishStatements();
            m_db.rollback();
        }
    }

    Expected<void> start()
    {
        if (!m_db.transaction())
            return m_store->failure(QStringLiteral("start a transaction"), m_db.lastError().text());
        m_open = true;
        if (!m_insert.prepare(QStringLiteral(
                "INSERT INTO messages (message_id, channel_id, guild_id, author_id, author_name, ts, message_date,"
                " content, reply_to_id, attachment_count, embed_count, reaction_count, edited_at,"
                " message_type, is_pinned, author_nickname, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING"))
            // A message archived before schema 3 gains what it lacked; any
            // other one already there is left as it is.
            || !m_complete.prepare(QStringLiteral(
                "UPDATE messages SET message_type = ?, is_pinned = ?, author_nickname = ?, detail = ?,"
                " attachment_count = ?, embed_count = ?, reaction_count = ?"
                " WHERE message_id = ? AND detail IS NULL"))
            || !m_tag.prepare(QStringLiteral("INSERT OR IGNORE INTO message_tags (tag, message_id) VALUES (?, ?)")))
            // The driver's words of whichever statement failed.
            return m_store->failure(QStringLiteral("prepare the import"),
                                    (m_insert.lastError().isValid() ? m_insert : m_complete.lastError().isValid() ? m_complete : m_tag)
                                        .lastError().text());
        return {};
    }

    Expected<void> addChannel(const Guild &guild, const Channel &channel) override
    {
        m_guild = guild;
        m_channel = channel;
        m_haveChannel = true;
        return {};
    }

    Expected<void> addMessages(const QList<Message> &messages) override
    {
        std::string date;
        for (const Message &m : messages) {
            date.clear();
            isotime::appendIsoDate(date, m.timestampMs);
            m_insert.bindValue(0, qint64(m.id));
            m_insert.bindValue(1, qint64(m.channelId));
            m_insert.bindValue(2, qint64(m.guildId));
            m_insert.bindValue(3, qint64(m.authorId));
            m_insert.bindValue(4, sql::nonNull(m.authorName));
            m_insert.bindValue(5, m.timestampMs);
            m_insert.bindValue(6, QString::fromLatin1(date.data(), qsizetype(date.size())));
            m_insert.bindValue(7, sql::nonNull(m.content));
            m_insert.bindValue(8, m.replyToId ? QVariant(qint64(m.replyToId)) : QVariant(QMetaType::fromType<qint64>()));
            m_insert.bindValue(9, m.attachmentCount);
            m_insert.bindValue(10, m.embedCount);
            m_insert.bindValue(11, m.reactionCount);
            m_insert.bindValue(12, m.editedMs ? QVariant(m.editedMs) : QVariant(QMetaType::fromType<qint64>()));
            m_insert.bindValue(13, sql::nonNull(m.type));
            m_insert.bindValue(14, m.isPinned ? 1 : 0);
            m_insert.bindValue(15, sql::nonNull(m.authorNickname));
            const QVariant detail = m.hasDetail ? QVariant(QString::fromUtf8(m.detailJson())) : QVariant(QMetaType::fromType<QString>());
            m_insert.bindValue(16, detail);
            if (!m_insert.exec())
                return m_store->failure(QStringLiteral("store messages"), m_insert.lastError().text());
            bool written = m_insert.numRowsAffected() > 0;
            if (written) {
                ++m_result.inserted;
            } else {
                ++m_result.skipped;
                if (m.hasDetail) {
                    m_complete.bindValue(0, sql::nonNull(m.type));
                    m_complete.bindValue(1, m.isPinned ? 1 : 0);
                    m_complete.bindValue(2, sql::nonNull(m.authorNickname));
                    m_complete.bindValue(3, detail);
                    m_complete.bindValue(4, m.attachmentCount);
                    m_complete.bindValue(5, m.embedCount);
                    m_complete.bindValue(6, m.reactionCount);
                    m_complete.bindValue(7, qint64(m.id));
                    if (!m_complete.exec())
                        return m_store->failure(QStringLiteral("complete older messages"), m_complete.lastError().text());
                    written = m_complete.numRowsAffected() > 0;
                }
            }
            if (written) {
                for (const QString &tag : m.tags()) {
                    m_tag.bindValue(0, tag);
                    m_tag.bindValue(1, qint64(m.id));
                    if (!m_tag.exec())
                        return m_store->failure(QStringLiteral("store messages"), m_tag.lastError().text());
                }
            }
            m_lastMessageId = std::max(m_lastMessageId, m.id);
        }
        return {};
    }

    Expected<IngestResult> commit() override
    {
        finishStatements();
        if (m_haveChannel) {
            QSqlQuery q(m_db);
            q.prepare(QStringLiteral("INSERT INTO guilds (guild_id, name) VALUES (?, ?)"
                                     " ON CONFLICT (guild_id) DO UPDATE SET name = excluded.name"));
            q.addBindValue(qint64(m_guild.id));
            q.addBindValue(sql::nonNull(m_guild.name));
            if (!q.exec())
                return m_store->failure(QStringLiteral("store the guild"), q.lastError().text());
            q.prepare(QStringLiteral(
                "INSERT INTO channels (channel_id, guild_id, name, category, type, topic, last_message_id, message_count, parent_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (channel_id) DO UPDATE SET guild_id = excluded.guild_id, name = excluded.name,"
                " category = excluded.category, type = excluded.type, topic = excluded.topic, parent_id = excluded.parent_id,"
                " last_message_id = max(channels.last_message_id, excluded.last_message_id),"
                " message_count = channels.message_count + excluded.message_count, updated_at = unixepoch()"));
            sql::bindChannel(q, m_guild, m_channel, m_lastMessageId, m_result.inserted);
            if (!q.exec())
                return m_store->failure(QStringLiteral("store the channel"), q.lastError().text());
        }
        if (!m_db.commit())
            return m_store->failure(QStringLiteral("commit the import"), m_db.lastError().text());
        m_open = false;
        return m_result;
    }

private:
    void finishStatements()
    {
        m_insert.finish();
        m_complete.finish();
        m_tag.finish();
    }

    SqliteStore *m_store;
    QSqlDatabase m_db;
    QSqlQuery m_insert;
    QSqlQuery m_complete;
    QSqlQuery m_tag;
    bool m_open = false;
    bool m_haveChannel = false;
    Guild m_guild;
    Channel m_channel;
    Snowflake m_lastMessageId = 0;
    IngestResult m_result;
};

// ---------------------------------------------------------------------------

SqliteStore::SqliteStore(QString path)
    : m_path(std::move(path))
    , m_pool(
          QStringLiteral("QSQLITE"),
          [this](QSqlDatabase &db) {
              db.setDatabaseName(m_path);
              db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
          },
          [](QSqlDatabase &db) -> Expected<void> {
              QSqlQuery q(db);
              // Reads through a memory map (shared by every connection, no
              // copy into SQLite's cache) and a 32 MiB page cache per
              // connection instead of 2 MiB: a frequent term's search over
              // 1M messages went from 39 to 27 ms.
              for (const char *pragma : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                                         "PRAGMA foreign_keys = ON", "PRAGMA temp_store = MEMORY",
                                         "PRAGMA cache_size = -32768", "PRAGMA mmap_size = 2147418112"}) {
                  if (!q.exec(QLatin1String(pragma)))
                      return Error::unavailable(q.lastError().text());
              }
              sqlite3 *handle = nativeHandle(db);
              if (!handle
                  || sqlite3_create_function_v2(handle, "fdd_regexp", 2, SQLITE_UTF16 | SQLITE_DETERMINISTIC, nullptr,
                                                regexpFunction, nullptr, nullptr, nullptr)
                         != SQLITE_OK
                  || sqlite3_create_function_v2(handle, "fdd_lower", 1, SQLITE_UTF16 | SQLITE_DETERMINISTIC, nullptr,
                                                lowerFunction, nullptr, nullptr, nullptr)
                         != SQLITE_OK)
                  return Error::unavailable(QStringLiteral("SQLite did not take the search functions."));
              sqlite3_progress_handler(handle, progressSteps, progressHandler, nullptr);
              return {};
          })
{
}

SqliteStore::~SqliteStore() = default;

QString SqliteStore::defaultPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("archive.db"));
}

int SqliteStore::schemaVersion()
{
    return int(migrations().size());
}

QString SqliteStore::fullTextQuery(const QString &term)
{
    // PostgreSQL's english.stop list: plainto_tsquery drops these words.
    static const QSet<QString> stopWords = [] {
        const char *const words[] = {
            "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours", "yourself",
            "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself",
            "they", "them", "their", "theirs", "themselves", "what", "which", "who", "whom", "this", "that",
            "these", "those", "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had",
            "having", "do", "does", "did", "doing", "a", "an", "the", "and", "but", "if", "or", "because", "as",
            "until", "while", "of", "at", "by", "for", "with", "about", "against", "between", "into", "through",
            "during", "before", "after", "above", "below", "to", "from", "up", "down", "in", "out", "on", "off",
            "over", "under", "again", "further", "then", "once", "here", "there", "when", "where", "why", "how",
            "all", "any", "both", "each", "few", "more", "most", "other", "some", "such", "no", "nor", "not",
            "only", "own", "same", "so", "than", "too", "very", "s", "t", "can", "will", "just", "don",
            "should", "now"};
        QSet<QString> set;
        for (const char *w : words)
            set.insert(QLatin1String(w));
        return set;
    }();
    static const QRegularExpression word(QStringLiteral("[\\p{L}\\p{N}]+"));
    QStringList parts;
    for (auto it = word.globalMatch(term); it.hasNext();) {
        const QString w = it.next().captured().toLower();
        if (!stopWords.contains(w))
            parts << ftsString(w);
    }
    return parts.join(QLatin1Char(' ')); // FTS5: adjacent strings must all match
}

Expected<QSqlDatabase> SqliteStore::database()
{
    Expected<QSqlDatabase> db = m_pool.database();
    if (!db)
        return Error::unavailable(QStringLiteral("The archive file %1 cannot be opened: %2 Check that its folder exists and is writable.")
                                      .arg(QDir::toNativeSeparators(m_path), db.error().message));
    return db;
}

Error SqliteStore::failure(const QString &what, const QString &detail) const
{
    qCWarning(lcSqlite).noquote() << "could not" << what << "in" << m_path << ":" << detail.trimmed();
    const QString d = detail.toLower();
    if (d.contains(QLatin1String("disk is full")) || d.contains(QLatin1String("disk i/o error"))
        || d.contains(QLatin1String("too large")) || d.contains(QLatin1String("readonly"))
        || d.contains(QLatin1String("read-only")) || d.contains(QLatin1String("unable to open")))
        return Error::unavailable(QStringLiteral("The archive file %1 could not %2: %3. Free some disk space or check the folder's permissions.")
                                      .arg(QDir::toNativeSeparators(m_path), what, detail.trimmed()));
    if (d.contains(QLatin1String("locked")) || d.contains(QLatin1String("busy")))
        return Error::unavailable(QStringLiteral("The archive file %1 is busy with another import; try again when it is done.")
                                      .arg(QDir::toNativeSeparators(m_path)));
    return Error::internal(QStringLiteral("SQLite could not %1: %2").arg(what, detail.trimmed()));
}

std::function<Error(const QString &, const QString &)> SqliteStore::failureFn() const
{
    return [this](const QString &what, const QString &detail) { return failure(what, detail); };
}

Expected<void> SqliteStore::migrate()
{
    return migrateTo(schemaVersion());
}

Expected<void> SqliteStore::migrateTo(int target)
{
    Q_ASSERT(target >= 1 && target <= schemaVersion());
    const QFileInfo info(m_path);
    if (!QDir().mkpath(info.absolutePath()))
        return Error::unavailable(QStringLiteral("The folder %1 for the archive cannot be created.")
                                      .arg(QDir::toNativeSeparators(info.absolutePath())));
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    // BEGIN IMMEDIATE: two processes migrating at once take turns.
    if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return failure(QStringLiteral("start the migration"), q.lastError().text());
    const auto fail = [&](const QString &what) {
        const Error e = failure(what, q.lastError().text());
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    };
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next())
        return fail(QStringLiteral("read the schema version"));
    const int current = q.value(0).toInt();
    if (current > schemaVersion()) {
        q.exec(QStringLiteral("ROLLBACK"));
        return Error::badInput(QStringLiteral("The archive %1 has schema version %2, newer than this program's %3: upgrade FastDiscordDB.")
                                   .arg(QDir::toNativeSeparators(m_path)).arg(current).arg(schemaVersion()));
    }
    for (int version = current + 1; version <= target; ++version) {
        for (const QString &statement : migrations().at(version - 1)) {
            if (!q.exec(statement))
                return fail(QStringLiteral("apply migration %1").arg(version));
        }
        // PRAGMA takes no bound values; the version is our own integer.
        if (!q.exec(QStringLiteral("PRAGMA user_version = %1").arg(version)))
            return fail(QStringLiteral("record migration %1").arg(version));
        qCInfo(lcSqlite) << "applied migration" << version;
    }
    if (!q.exec(QStringLiteral("COMMIT")))
        return fail(QStringLiteral("commit the migrations"));
    return {};
}

Expected<void> SqliteStore::ping()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    if (!q.exec(QStringLiteral("SELECT 1")))
        return failure(QStringLiteral("answer a ping"), q.lastError().text());
    return {};
}

Expected<std::unique_ptr<IngestSession>> SqliteStore::beginIngest()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    auto session = std::make_unique<SqliteIngestSession>(this, *db);
    if (Expected<void> started = session->start(); !started)
        return started.error();
    return std::unique_ptr<IngestSession>(std::move(session));
}

Expected<SearchPage> SqliteStore::search(const SearchRequest &request)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    if (const std::optional<IndexMatches> matches = indexMatchesOf(request))
        return textPage(*db, request, *matches, shapeFor(request), failureFn());
    const sql::Where filters = sql::filtersOf(request, dialect());
    // A query by time (a regular expression keeps its own budget, relevance
    // its own order), over an archive as large as the walk's: its page first,
    // as the window asks it; asked with its total, the total is then counted
    // on its own, which keeps no key and sorts nothing (`in:` a 1M-message
    // channel, `after:` half a year: an index's range counted), within a
    // smaller budget since the counted search is what a rare filter needs.
    if (request.kind == SearchRequest::Kind::Query && request.sort != SearchRequest::Sort::Relevance
        && !request.query.contains(Query::Kind::Regex)) {
        const Expected<bool> large = sql::largeEnoughToWalk(*db, failureFn());
        if (!large)
            return large.error();
        if (*large) {
            const Expected<const sql::QueryDialect *> probe = pageFirstDialect(*db, request.query, failureFn());
            if (!probe)
                return probe.error();
            const Expected<sql::Where> probed = sql::textOf(*db, request, **probe, failureFn());
            if (!probed)
                return probed.error();
            int steps = pageFirstSteps.load(std::memory_order_relaxed);
            if (request.exactTotal)
                steps = std::min(steps, exactPageFirstSteps);
            std::optional<Expected<SearchPage>> page = pageFirst(*db, request, *probed + filters, failureFn(), steps);
            if (page && *page && request.exactTotal && !(*page)->totalKnown()) {
                Expected<qint64> total = qint64(0);
                if (filters.clauses.isEmpty() && !filters.matchesNothing) { // the query's tags as sums
                    Expected<QList<Channel>> all = FilterTest::needsChannels(request.query) ? sql::channels(*db, failureFn())
                                                                                              : QList<Channel>{};
                    if (!all)
                        return all.error();
                    total = TagCounter(*db, request.timeZone(), *all, failureFn()).count(request.query);
                } else {
                    const Expected<sql::QueryDialect> gather = gatherDialect(*db, request, failureFn());
                    if (!gather)
                        return gather.error();
                    const Expected<sql::Where> counted = sql::textOf(*db, request, *gather, failureFn());
                    if (!counted)
                        return counted.error();
                    total = sql::count(*db, QStringLiteral("messages"), *counted + filters, failureFn());
                }
                if (!total)
                    return total.error();
                (*page)->totalCount = *total;
            }
            if (page)
                return *page;
        }
    }
    const sql::SearchShape shape = shapeFor(request);
    const Expected<sql::QueryDialect> gather = gatherDialect(*db, request, failureFn());
    if (!gather)
        return gather.error();
    const Expected<sql::Where> text = sql::textOf(*db, request, *gather, failureFn());
    if (!text)
        return text.error();
    if (!request.exactTotal && request.kind == SearchRequest::Kind::Substring) {
        const sql::Walk walk{QStringLiteral("ts AS t, message_id AS id"), QStringLiteral(" ORDER BY ts DESC, message_id DESC"), *text};
        if (std::optional<Expected<SearchPage>> page = sql::walk(*db, shape, walk, filters, request, failureFn()))
            return *page;
    }
    const RegexBudget budget(request);
    return budget.check(sql::search(*db, shape, *text + filters, request, failureFn()));
}

void SqliteStore::setTextPagePath(TextPagePath path)
{
    textPagePath.store(path, std::memory_order_relaxed);
}

void SqliteStore::setWalkedWordsMinimum(int matches)
{
    walkedWordsMinimum.store(matches, std::memory_order_relaxed);
}

void SqliteStore::setPageFirstSteps(int steps)
{
    pageFirstSteps.store(steps, std::memory_order_relaxed);
}

qint64 SqliteStore::probedTagMinimum()
{
    return fdd::probedTagMinimum.load(std::memory_order_relaxed);
}

void SqliteStore::setProbedTagMinimum(qint64 messages)
{
    fdd::probedTagMinimum.store(messages, std::memory_order_relaxed);
}

Expected<qint64> SqliteStore::scan(const SearchRequest &request, const std::function<bool(const Message &)> &visit)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    const Expected<sql::Where> where = sql::whereOf(*db, request, dialect(), failureFn());
    if (!where)
        return where.error();
    return sql::scan(*db, QStringLiteral("SELECT %1 FROM messages").arg(QLatin1String(selectColumns)),
                     timeOrder(request),
                     *where, visit, failureFn());
}

Expected<QList<DayCount>> SqliteStore::countByDay(const SearchRequest &request)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    sql::DayExpression day;
    if (!request.isUtc()) {
        // SQLite knows no zones: the day is (ts + the zone's offset at ts) /
        // one day, the offsets as a CASE over their changes from Discord's
        // first year to a year from now (bound values, a fixed fragment each).
        const qint64 from = QDateTime(QDate(2015, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
        const qint64 to = QDateTime::currentDateTimeUtc().addYears(1).toMSecsSinceEpoch();
        const QList<std::pair<qint64, qint64>> offsets = SearchRequest::offsets(request.timeZone(), from, to);
        QString cases = offsets.size() > 1 ? QStringLiteral("CASE") : QString();
        for (qsizetype i = 1; i < offsets.size(); ++i) {
            cases += QStringLiteral(" WHEN ts < ? THEN ?");
            day.binds << offsets.at(i).first << offsets.at(i - 1).second;
        }
        cases += offsets.size() > 1 ? QStringLiteral(" ELSE ? END") : QStringLiteral("?");
        day.binds << offsets.constLast().second;
        day.sql = QStringLiteral("CAST((ts + ") + cases + QStringLiteral(") / 86400000 AS INTEGER)");
    }
    const Expected<sql::QueryDialect> gather = gatherDialect(*db, request, failureFn());
    if (!gather)
        return gather.error();
    const Expected<sql::Where> where = sql::whereOf(*db, request, *gather, failureFn());
    if (!where)
        return where.error();
    const RegexBudget budget(request);
    return budget.check(sql::countByDay(*db, QStringLiteral("messages"), *where, failureFn(), day));
}

Expected<void> SqliteStore::optimize()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    if (!q.exec(QStringLiteral("PRAGMA optimize")))
        return failure(QStringLiteral("update the statistics after the import"), q.lastError().text());
    return {};
}

Expected<MessageContext> SqliteStore::context(Snowflake messageId, int before, int after)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM messages WHERE message_id = ?").arg(QLatin1String(selectColumns)));
    q.addBindValue(qint64(messageId));
    if (!q.exec())
        return failure(QStringLiteral("find the message"), q.lastError().text());
    if (!q.next())
        return Error::notFound(QStringLiteral("Message %1 is not in the archive.").arg(messageId));
    MessageContext ctx;
    ctx.message = sql::readMessage(q);

    const auto neighbours = [&](bool older, int limit, QList<Message> &out) -> Expected<void> {
        if (limit <= 0)
            return {};
        q.prepare(QStringLiteral("SELECT %1 FROM messages WHERE channel_id = ? AND (ts, message_id) %2 (?, ?)"
                                 " ORDER BY ts %3, message_id %3 LIMIT ?")
                      .arg(QLatin1String(selectColumns), older ? QStringLiteral("<") : QStringLiteral(">"),
                           older ? QStringLiteral("DESC") : QStringLiteral("ASC")));
        q.addBindValue(qint64(ctx.message.channelId));
        q.addBindValue(ctx.message.timestampMs);
        q.addBindValue(qint64(ctx.message.id));
        q.addBindValue(limit);
        Expected<QList<Message>> found = sql::neighbours(q, older, failureFn());
        if (!found)
            return found.error();
        out = *found;
        return {};
    };
    if (Expected<void> r = neighbours(true, before, ctx.before); !r)
        return r.error();
    if (Expected<void> r = neighbours(false, after, ctx.after); !r)
        return r.error();
    return ctx;
}

Expected<QList<Channel>> SqliteStore::channels()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::channels(*db, failureFn());
}

Expected<QList<Author>> SqliteStore::authors(int limit)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::authors(*db, QStringLiteral("messages"), limit, failureFn());
}

Expected<QList<Guild>> SqliteStore::guilds()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::guilds(*db, failureFn());
}

Expected<QList<Watch>> SqliteStore::watches()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::watches(*db, failureFn());
}

Expected<void> SqliteStore::saveWatch(const Watch &watch)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::saveWatch(*db, watch, failureFn());
}

Expected<void> SqliteStore::recordWatchRun(const Watch &watch)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::recordWatchRun(*db, watch, failureFn());
}

Expected<bool> SqliteStore::removeWatch(Snowflake id)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::removeWatch(*db, id, failureFn());
}

namespace {

// A lock file beside the archive: the processes sharing an SQLite archive
// share its folder. QLockFile holds the owner's pid and host, so the lock of
// a process that died is taken over.
class SqliteChannelLock final : public ChannelLock
{
public:
    explicit SqliteChannelLock(const QString &path) : m_file(path) { m_file.setStaleLockTime(0); }
    QLockFile m_file;
};

} // namespace

Expected<std::unique_ptr<ChannelLock>> SqliteStore::lockChannel(Snowflake channel)
{
    const QString folder = m_path + QStringLiteral(".locks");
    if (!QDir().mkpath(folder))
        return Error::unavailable(QStringLiteral("The folder %1 for the archive's export locks cannot be created.")
                                      .arg(QDir::toNativeSeparators(folder)));
    auto lock = std::make_unique<SqliteChannelLock>(QDir(folder).filePath(QStringLiteral("channel-%1.lock").arg(channel)));
    if (lock->m_file.tryLock(0))
        return std::unique_ptr<ChannelLock>(std::move(lock));
    if (lock->m_file.error() == QLockFile::LockFailedError)
        return std::unique_ptr<ChannelLock>();
    return Error::unavailable(QStringLiteral("The export lock of channel %1 cannot be written in %2. Check the folder's permissions.")
                                  .arg(channel)
                                  .arg(QDir::toNativeSeparators(folder)));
}

Expected<StoreStats> SqliteStore::stats()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT (SELECT COALESCE(sum(message_count), 0) FROM channels),"
                               " (SELECT count(*) FROM channels), (SELECT count(*) FROM guilds),"
                               " COALESCE((SELECT min(ts) FROM messages), 0), COALESCE((SELECT max(ts) FROM messages), 0)"))
        || !q.next())
        return failure(QStringLiteral("read statistics"), q.lastError().text());
    StoreStats s;
    s.messages = q.value(0).toLongLong();
    s.channels = q.value(1).toLongLong();
    s.guilds = q.value(2).toLongLong();
    s.oldestMs = q.value(3).toLongLong();
    s.newestMs = q.value(4).toLongLong();
    return s;
}

} // namespace fdd
