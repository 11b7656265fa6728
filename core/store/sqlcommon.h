#pragma once

#include "model/channel.h"
#include "model/expected.h"
#include "model/searchpage.h"
#include "model/searchrequest.h"
#include "search/portableregex.h"
#include "store/messagestore.h"

#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QVariantList>

#include <functional>
#include <optional>

// What the two SQL stores (PostgreSQL, SQLite) share: row mapping, LIKE
// escaping, WHERE building and the count-then-page search. Their SQL dialects
// differ; their shapes do not.
namespace fdd::sql {

// Turns a failed step ("count matching messages") and the driver's text into
// the store's Error.
using Failure = std::function<Error(const QString &what, const QString &detail)>;

// Selected columns, in this order: message_id, channel_id, guild_id,
// author_id, author_name, timestamp ms, content, reply_to_id (0 for none),
// attachment_count, embed_count, reaction_count, edited ms (0 for never),
// message_type, is_pinned, author_nickname, detail (JSON text or NULL).
Message readMessage(const QSqlQuery &q);

// "%term%" with %, _ and \ escaped for LIKE … ESCAPE '\'.
QString likePattern(const QString &term);

// Qt binds a null QString as NULL; the archive keeps "unknown" as ''.
QString nonNull(const QString &s);

// A WHERE clause made of fixed fragments; every value is bound.
struct Where
{
    QStringList clauses;
    QVariantList binds;
    bool matchesNothing = false;

    void add(const QString &clause, const QVariant &value)
    {
        clauses << clause;
        binds << value;
    }
    // Both: these clauses and then `other`'s.
    Where operator+(const Where &other) const
    {
        return {clauses + other.clauses, binds + other.binds, matchesNothing || other.matchesNothing};
    }
    QString sql() const;
};

// The filters every search kind shares: dates (bound as `date(d)`; in a zone
// other than UTC, as instants of the `timestamp` column bound as
// `instant(ms)`), channel, author.
void addFilters(Where &where, const SearchRequest &r, const std::function<QVariant(const QDate &)> &date,
                const QString &timestamp, const std::function<QVariant(qint64)> &instant);

// How a store tests each leaf of the search language (Query): fixed
// fragments, every value bound.
struct QueryDialect
{
    std::function<Where(const QStringList &words)> words; // full text, every word
    std::function<Where(const QString &text)> exact;      // contains it, ignoring case
    std::function<Where(const PortableRegex &regex, bool ignoreCase)> regex;
    QString tag;       // a message has the one bound tag (Message::tags())
    QString timestamp; // the timestamp column, compared with instant()
    std::function<QVariant(const QDate &)> date;
    std::function<QVariant(qint64)> instant;
    // The channel column as in: tests it when its channels hold more than
    // half of the archive's messages; empty: `channel_id` always.
    QString mostChannels;
    // Tags tested in `probedTag`'s form instead of `tag`'s (none: all as `tag`).
    QSet<QString> probedTags;
    QString probedTag;
};

// Runs the connection's cached statement `sql` with `binds` (*out: the
// query, its first row not yet read); on failure forgets the statement and
// says why.
bool run(const QSqlDatabase &db, const QString &sql, const QVariantList &binds, QSqlQuery **out, QString *why);

// The whole tree as one clause. `channels`: the archive's, for in: (see
// FilterTest::needsChannels).
Where compile(const Query &query, const QueryDialect &dialect, const QTimeZone &zone, const QList<Channel> &channels);
// A Kind::Query request's tree as one clause, the archive's channels read
// when it has an in:.
Expected<Where> compile(const QSqlDatabase &db, const SearchRequest &request, const QueryDialect &dialect, const Failure &fail);

// What a request's text asks, as `dialect` tests it: its kind's test
// (full text, substring, or both for All), or a query's tree compiled.
Expected<Where> textOf(const QSqlDatabase &db, const SearchRequest &request, const QueryDialect &dialect, const Failure &fail);
// The filters every kind shares (addFilters), in `dialect`'s columns.
Where filtersOf(const SearchRequest &request, const QueryDialect &dialect);
// The UTC days every match of `query` lies in, as its date filters (alone
// or among the tree's top-level AND) say: `message_date` bounds, nothing
// when they say nothing. Already part of the compiled tree; given apart for
// a walk, whose rows are taken before the tree is tested.
Where daysOf(const Query &query, const QTimeZone &zone, const QueryDialect &dialect);
// Both: the whole WHERE of a request.
Expected<Where> whereOf(const QSqlDatabase &db, const SearchRequest &request, const QueryDialect &dialect, const Failure &fail);

// When a query asks for one tag and nothing else, with no filter of the
// request's own (has:image, pinned:true, reaction:…, and from:NAME when NAME
// is not an id: then it is the tag alone), that tag as `tag = ?` over a
// table of tags (PostgreSQL's tag_days, for its timeline; totals go through
// TotalCounter). nullopt for anything else, a negated tag too (pinned:false).
std::optional<Where> onlyTag(const SearchRequest &request, const Where &filters);
// The tag `query` is when it is one a message carries (has:image, from:NAME;
// not negated, not from:ID, which is also the author column), else empty.
QString tagOf(const Query &query, const QTimeZone &zone);

// An ORDER BY clause of fixed fragments and its bound values.
struct OrderBy
{
    QString sql;
    QVariantList binds;
};

// How a store's search is written: its table and columns, the columns a
// page is ordered by (named t and id, plus d and r where the store has them),
// the ORDER BY over those names, and how a page's keys find their rows.
struct SearchShape
{
    // " ORDER BY t DESC, id DESC", or oldest first for Sort::Oldest.
    static QString byTime(const SearchRequest &r);

    QString table;   // "discord_chats"
    QString columns; // as readMessage() reads them, unqualified
    OrderBy keys;    // "\"timestamp\" AS t, message_id AS id, …" and the values its expressions bind
    QString order;   // " ORDER BY t DESC, id DESC" (names of `keys` only)
    QString join;    // " JOIN … c ON c.message_id = p.id …": a page's keys `p` find their rows `c`
};

// One page in `shape.order` and the exact total, in one statement that reads
// the matches once: their keys are gathered (one index scan with its
// recheck), counted and ordered, and only the page's rows are then read
// whole. Kind::All: every row, unpaged. Statements are prepared once per
// connection (ConnectionPool::statement).
Expected<SearchPage> search(const QSqlDatabase &db, const SearchShape &shape, const Where &where,
                            const SearchRequest &request, const Failure &fail);

// How many messages match `where`, and nothing else: no key of theirs is
// kept, so the store may count from an index alone (a day range, a channel).
// `aggregate`: what is summed up instead, over a table of counts.
Expected<qint64> count(const QSqlDatabase &db, const QString &table, const Where &where, const Failure &fail,
                       const QString &aggregate = QStringLiteral("count(*)"));

// A page without its total (SearchRequest::exactTotal false): the newest
// `rows` messages that pass `filters` are read in `walkOrder` (an index
// order, so that the read stops early) and `hit` is tested on each; when the
// page fills, it is answered with totalCount −1. nullopt when it did not fill
// (a rare term, or near its end): the caller searches exactly instead.
// Measured: a term in 1.8% of 1M messages, 1.5 ms instead of 60.
struct Walk
{
    QString keys;   // as SearchShape::keys, over the table's own columns
    QString order;  // " ORDER BY message_date DESC, …": the same order as SearchShape::order
    Where hit;      // the text's test: its clauses, as one expression, and their values
    qint64 rows = 20000;
    qint64 maxEnd = 1000; // pages ending past this many matches are searched exactly
};
std::optional<Expected<SearchPage>> walk(const QSqlDatabase &db, const SearchShape &shape, const Walk &walk,
                                         const Where &filters, const SearchRequest &request, const Failure &fail);

// How many messages the archive holds, from the channels' counts (no
// message is read).
Expected<qint64> archivedMessages(const QSqlDatabase &db, const Failure &fail);

// The walk runs only over archives of at least this many messages (the
// channels' counts, asked first): in a smaller one a term that does not fill
// a page reads all its rows and then is searched exactly anyway, which costs
// more than counting at once (20,000 messages: 9-31 ms against 0.9 in
// PostgreSQL, measured). Default 500,000, about where the two cost the same;
// tests set 0 to walk every archive.
qint64 walkMinimumArchive();
void setWalkMinimumArchive(qint64 messages);
// Whether the archive holds at least walkMinimumArchive() messages.
Expected<bool> largeEnoughToWalk(const QSqlDatabase &db, const Failure &fail);

// Every row of selectFrom + where + orderBy, one at a time (forward only).
Expected<qint64> scan(const QSqlDatabase &db, const QString &selectFrom, const QString &orderBy, const Where &where,
                      const std::function<bool(const Message &)> &visit, const Failure &fail);

// What a row's day is: message_date (UTC, when sql is empty), or an
// expression of fixed fragments with bound values (a date, or a number of
// days since 1970-01-01).
struct DayExpression
{
    QString sql;
    QVariantList binds;
};

// SELECT <day>, count(*) … GROUP BY <day>, oldest first; `aggregate`: what
// is summed up instead, over a table of counts (days it makes 0 are left out).
Expected<QList<DayCount>> countByDay(const QSqlDatabase &db, const QString &table, const Where &where, const Failure &fail,
                                     const DayExpression &day = {}, const QString &aggregate = QStringLiteral("count(*)"));

// Runs a prepared neighbour query (bound values already added) and returns
// its messages oldest first.
Expected<QList<Message>> neighbours(QSqlQuery &q, bool older, const Failure &fail);

Expected<QList<Channel>> channels(const QSqlDatabase &db, const Failure &fail);
Expected<QList<Guild>> guilds(const QSqlDatabase &db, const Failure &fail);
Expected<QList<Author>> authors(const QSqlDatabase &db, const QString &table, int limit, const Failure &fail);

// Binds the values of the channel upsert both stores write: channel_id,
// guild_id, name, category, type, topic, last_message_id, message_count, parent_id.
void bindChannel(QSqlQuery &q, const Guild &guild, const Channel &channel, Snowflake lastMessageId, qint64 inserted);

// The watch list, in the same SQL for both stores (table `watches`, integer
// flags and millisecond times).
Expected<QList<Watch>> watches(const QSqlDatabase &db, const Failure &fail);
Expected<void> saveWatch(const QSqlDatabase &db, const Watch &watch, const Failure &fail);
Expected<void> recordWatchRun(const QSqlDatabase &db, const Watch &watch, const Failure &fail);
Expected<bool> removeWatch(const QSqlDatabase &db, Snowflake id, const Failure &fail);
// The DDL of that table: `bigint` is the integer type's name in the dialect.
QString createWatchesTable(const QString &bigint);

// The exact number of messages a query's tree matches, from the sums a
// store keeps where the tree is one (sumOf, summed: a tag's count, and in
// PostgreSQL a channel's or a day range's), and otherwise counted (counted),
// with identities that leave only the parts beside a sum and their
// intersections with it to count, never the sum's own messages:
// A -X is |A| - |A X| and A | X is |A| + |X| - |A X|
// for a sum A and any X, and -X is all - |X| where every message is a sum.
class TotalCounter
{
public:
    // `channels`: the archive's, for in: (see FilterTest::needsChannels).
    TotalCounter(const QSqlDatabase &db, const QTimeZone &zone, const QList<Channel> &channels, Failure fail)
        : m_db(db), m_zone(zone), m_channels(channels), m_fail(std::move(fail))
    {
    }
    virtual ~TotalCounter() = default;
    Expected<qint64> count(const Query &query);

protected:
    const QSqlDatabase &m_db;
    QTimeZone m_zone;
    const QList<Channel> &m_channels;
    Failure m_fail;

    // The messages under any of `keys` (none: every message) on the days
    // [from, to] (null: open).
    struct Sum
    {
        QStringList keys;
        QDate from, to;
    };
    virtual std::optional<Sum> sumOf(const Query &query) const = 0;
    virtual Expected<qint64> summed(const Sum &sum) = 0;
    virtual Expected<qint64> counted(const Query &query) = 0;
    // Whether Sum{} (every message) is one.
    virtual bool sumsAll() const { return true; }
};

} // namespace fdd::sql
