#include "postgresstore.h"

#include "model/isotime.h"
#include "search/filtertest.h"
#include "sqlcommon.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QLoggingCategory>
#include <QSet>
#include <QSqlDriver>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <charconv>

// As the QPSQL driver declares it, so that its handle() can be unwrapped.
Q_DECLARE_OPAQUE_POINTER(PGconn *)
Q_DECLARE_METATYPE(PGconn *)

Q_LOGGING_CATEGORY(lcPostgres, "fdd.store.postgres")

namespace fdd {

namespace {

// Monthly partitions are made on demand by the importer, then `after` runs
// on the new one. The advisory lock serialises concurrent imports creating
// the same one.
QString partitionFunction(const QString &after)
{
    return QStringLiteral("CREATE OR REPLACE FUNCTION fdd_ensure_month_partition(day date) RETURNS void LANGUAGE plpgsql AS $fn$\n"
                          "DECLARE\n"
                          "  first date := date_trunc('month', day)::date;\n"
                          "  part text := 'discord_chats_p' || to_char(first, 'YYYYMM');\n"
                          "BEGIN\n"
                          "  IF to_regclass(part) IS NOT NULL THEN RETURN; END IF;\n"
                          "  PERFORM pg_advisory_xact_lock(hashtext('fdd_ensure_month_partition'));\n"
                          "  IF to_regclass(part) IS NOT NULL THEN RETURN; END IF;\n"
                          "  EXECUTE format('CREATE TABLE %I PARTITION OF discord_chats FOR VALUES FROM (%L) TO (%L)',\n"
                          "                 part, first, (first + interval '1 month')::date);\n")
         + after + QStringLiteral("END\n$fn$");
}

// The keys a message is counted under in tag_days, by schema 6 and since 7.
constexpr auto tagsOnly = "unnest(tags)";
constexpr auto tagsAndChannels = "unnest(tags || ARRAY['in:' || channel_id, 'in:*'])";

enum class TagDaysChange { Added, Changed, Removed };

// The trigger function that adds a statement's differences to tag_days (its
// transition tables fdd_new, fdd_old), each row counted under `keys`.
QString tagDaysFunction(const QString &create, const char *keys, TagDaysChange change)
{
    const auto function = [&create](const char *name, const QString &select) {
        return create + QStringLiteral(" FUNCTION %1() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN\n"
                                       "  INSERT INTO tag_days (tag, day, n)\n"
                                       "%2"
                                       "  RETURN NULL;\n"
                                       "END $fn$").arg(QLatin1String(name), select);
    };
    const QString k = QLatin1String(keys);
    switch (change) {
    case TagDaysChange::Added:
        return function("fdd_tag_days_added", QStringLiteral("    SELECT t, message_date, count(*) FROM fdd_new, %1 t GROUP BY 1, 2;\n").arg(k));
    case TagDaysChange::Changed:
        return function("fdd_tag_days_changed", QStringLiteral("    SELECT tag, day, sum(n) FROM (\n"
                                                               "      SELECT t AS tag, message_date AS day, 1 AS n FROM fdd_new, %1 t\n"
                                                               "      UNION ALL SELECT t, message_date, -1 FROM fdd_old, %1 t) c\n"
                                                               "    GROUP BY 1, 2 HAVING sum(n) <> 0;\n").arg(k));
    case TagDaysChange::Removed:
        return function("fdd_tag_days_removed", QStringLiteral("    SELECT t, message_date, -count(*) FROM fdd_old, %1 t GROUP BY 1, 2;\n").arg(k));
    }
    return {};
}

// The characters between a message's pieces (schema 8), as a regular
// expression's bracket: every ASCII character but letters and digits
// (pieceable() tests a term for the same ones).
constexpr auto pieceSeparators = R"(\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f)";

// Each migration is applied once, in order, in one transaction; the number of
// the last one applied is kept in schema_version.
const QList<QStringList> &migrations()
{
    static const QList<QStringList> all = {
        // 1: the archive
        {
            QStringLiteral("CREATE EXTENSION IF NOT EXISTS pg_trgm"),
            QStringLiteral("CREATE TABLE guilds ("
                           " guild_id bigint PRIMARY KEY,"
                           " name text NOT NULL DEFAULT '')"),
            QStringLiteral("CREATE TABLE channels ("
                           " channel_id bigint PRIMARY KEY,"
                           " guild_id bigint NOT NULL,"
                           " name text NOT NULL DEFAULT '',"
                           " category text NOT NULL DEFAULT '',"
                           " type text NOT NULL DEFAULT '',"
                           " topic text NOT NULL DEFAULT '',"
                           " last_message_id bigint NOT NULL DEFAULT 0,"
                           " message_count bigint NOT NULL DEFAULT 0,"
                           " updated_at timestamptz NOT NULL DEFAULT now())"),
            QStringLiteral("CREATE TABLE discord_chats ("
                           " message_id bigint NOT NULL,"
                           " channel_id bigint NOT NULL,"
                           " guild_id bigint NOT NULL,"
                           " author_id bigint NOT NULL,"
                           " author_name text NOT NULL,"
                           " \"timestamp\" timestamptz NOT NULL,"
                           " message_date date NOT NULL,"
                           " content text NOT NULL,"
                           " reply_to_id bigint,"
                           " attachment_count integer NOT NULL DEFAULT 0,"
                           " embed_count integer NOT NULL DEFAULT 0,"
                           " reaction_count integer NOT NULL DEFAULT 0,"
                           " edited_at timestamptz,"
                           " content_tsvector tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED,"
                           " PRIMARY KEY (message_id, message_date)"
                           ") PARTITION BY RANGE (message_date)"),
            QStringLiteral("CREATE TABLE discord_chats_default PARTITION OF discord_chats DEFAULT"),
            QStringLiteral("CREATE INDEX discord_chats_tsv_idx ON discord_chats USING gin (content_tsvector)"),
            QStringLiteral("CREATE INDEX discord_chats_trgm_idx ON discord_chats USING gin (content gin_trgm_ops)"),
            QStringLiteral("CREATE INDEX discord_chats_date_idx ON discord_chats (message_date)"),
            QStringLiteral("CREATE INDEX discord_chats_channel_ts_idx ON discord_chats (channel_id, \"timestamp\", message_id)"),
            partitionFunction({}),
        },
        // 2: the watch list
        {sql::createWatchesTable(QStringLiteral("bigint"))},
        // 3: the whole message. Defaults that are constants add the columns
        // without rewriting a large archive; a row of before has no detail
        // (NULL) until its file is imported again.
        {
            QStringLiteral("ALTER TABLE discord_chats"
                           " ADD COLUMN message_type text NOT NULL DEFAULT '',"
                           " ADD COLUMN is_pinned boolean NOT NULL DEFAULT false,"
                           " ADD COLUMN author_nickname text NOT NULL DEFAULT '',"
                           " ADD COLUMN detail jsonb,"
                           " ADD COLUMN tags text[] NOT NULL DEFAULT '{}'"),
            // has:, pinned, bot, mentions:, reaction: (Message::tags()).
            QStringLiteral("CREATE INDEX discord_chats_tags_idx ON discord_chats USING gin (tags)"),
            QStringLiteral("CREATE INDEX discord_chats_author_ts_idx ON discord_chats (author_id, \"timestamp\")"),
            // A thread keeps the channel it belongs to.
            QStringLiteral("ALTER TABLE channels ADD COLUMN parent_id bigint NOT NULL DEFAULT 0"),
            // No search reads inside `detail`: its statistics would only make
            // every ANALYZE detoast it (a third of the post-import ANALYZE).
            QStringLiteral("ALTER TABLE discord_chats ALTER COLUMN detail SET STATISTICS 0"),
            partitionFunction(QStringLiteral("  EXECUTE format('ALTER TABLE %I ALTER COLUMN detail SET STATISTICS 0', part);\n")),
        },
        // 4: searches at millions of messages. The text as ILIKE compares
        // it (lower(), in the database's locale), stored, so that the
        // trigram index's recheck is a plain LIKE instead of lowering every
        // candidate again (2.7x less per row, measured); the index moves
        // onto it. Rewrites the table once (~35 s per million messages).
        // lz4 where the server has it: the recheck of a long message
        // decompresses it, and pglz was 13% of a frequent term's search.
        {
            QStringLiteral("DO $do$ BEGIN\n"
                           "  ALTER TABLE discord_chats ADD COLUMN content_folded text COMPRESSION lz4\n"
                           "    GENERATED ALWAYS AS (lower(content)) STORED;\n"
                           "EXCEPTION WHEN feature_not_supported THEN\n"
                           "  ALTER TABLE discord_chats ADD COLUMN content_folded text\n"
                           "    GENERATED ALWAYS AS (lower(content)) STORED;\n"
                           "END $do$"),
            QStringLiteral("DROP INDEX IF EXISTS discord_chats_trgm_idx"),
            QStringLiteral("CREATE INDEX discord_chats_folded_trgm_idx ON discord_chats USING gin (content_folded gin_trgm_ops)"),
            // Newest first in the partitions' own order: a page is read off
            // the index and stops when full (sql::walk), and a day range is
            // counted from the index alone. Replaces the date index.
            QStringLiteral("CREATE INDEX discord_chats_day_order_idx ON discord_chats (message_date, \"timestamp\", message_id)"),
            QStringLiteral("DROP INDEX IF EXISTS discord_chats_date_idx"),
        },
        // 5: the search language's from:NAME, mentions:NAME and
        // reaction:CODE (Message::tags() since then), for the rows of
        // before, from their columns and their detail. Rewrites the table once.
        {
            QStringLiteral("UPDATE discord_chats d SET tags = ARRAY(SELECT DISTINCT t FROM unnest(d.tags || ARRAY("
                           " SELECT 'from:' || lower(x) FROM unnest(ARRAY[d.author_name, d.author_nickname]) x WHERE x <> ''"
                           " UNION SELECT 'mentions:' || lower(u->>k)"
                           "  FROM jsonb_array_elements(COALESCE(d.detail->'mentions', '[]')) u, unnest(ARRAY['name', 'nickname']) k"
                           "  WHERE COALESCE(u->>k, '') <> ''"
                           " UNION SELECT 'reaction:' || (r->'emoji'->>'code')"
                           "  FROM jsonb_array_elements(COALESCE(d.detail->'reactions', '[]')) r"
                           "  WHERE COALESCE(r->'emoji'->>'code', '') <> '')) t)"),
        },
        // 6: how many messages carry each tag on each (UTC) day, so that a
        // lone tag's exact total (has:image, from:NAME) is a sum over its
        // days instead of a visit to every match's row (GIN cannot count
        // without the heap: has:reaction, 80,000 matches, 190 ms). Kept by
        // triggers on every change of discord_chats, in its transaction; a
        // change adds rows of differences and updates none, so concurrent
        // imports never wait on each other's counts, and optimize() folds
        // the months an import touched into one row per tag and day.
        {
            QStringLiteral("CREATE TABLE tag_days (tag text NOT NULL, day date NOT NULL, n bigint NOT NULL)"),
            QStringLiteral("INSERT INTO tag_days (tag, day, n)"
                           " SELECT t, message_date, count(*) FROM discord_chats, unnest(tags) t GROUP BY 1, 2"),
            QStringLiteral("CREATE INDEX tag_days_tag_idx ON tag_days (tag, day)"),
            tagDaysFunction(QStringLiteral("CREATE"), tagsOnly, TagDaysChange::Added),
            tagDaysFunction(QStringLiteral("CREATE"), tagsOnly, TagDaysChange::Changed),
            tagDaysFunction(QStringLiteral("CREATE"), tagsOnly, TagDaysChange::Removed),
            QStringLiteral("CREATE FUNCTION fdd_tag_days_emptied() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN\n"
                           "  TRUNCATE tag_days;\n"
                           "  RETURN NULL;\n"
                           "END $fn$"),
            QStringLiteral("CREATE TRIGGER discord_chats_tag_days_ai AFTER INSERT ON discord_chats"
                           " REFERENCING NEW TABLE AS fdd_new FOR EACH STATEMENT EXECUTE FUNCTION fdd_tag_days_added()"),
            QStringLiteral("CREATE TRIGGER discord_chats_tag_days_au AFTER UPDATE ON discord_chats"
                           " REFERENCING OLD TABLE AS fdd_old NEW TABLE AS fdd_new FOR EACH STATEMENT EXECUTE FUNCTION fdd_tag_days_changed()"),
            QStringLiteral("CREATE TRIGGER discord_chats_tag_days_ad AFTER DELETE ON discord_chats"
                           " REFERENCING OLD TABLE AS fdd_old FOR EACH STATEMENT EXECUTE FUNCTION fdd_tag_days_removed()"),
            QStringLiteral("CREATE TRIGGER discord_chats_tag_days_at AFTER TRUNCATE ON discord_chats"
                           " FOR EACH STATEMENT EXECUTE FUNCTION fdd_tag_days_emptied()"),
        },
        // 7: tag_days also counts each channel's messages on each day, under
        // "in:ID", and every message, under "in:*" (no tag starts with
        // "in:"), so that in: and a date range are sums over days too
        // (DayCounter). A message is in one channel: the sum of its
        // channels' counts is exact.
        {
            QStringLiteral("INSERT INTO tag_days (tag, day, n)"
                           " SELECT k, message_date, count(*) FROM discord_chats, unnest(ARRAY['in:' || channel_id, 'in:*']) k"
                           " GROUP BY 1, 2"),
            tagDaysFunction(QStringLiteral("CREATE OR REPLACE"), tagsAndChannels, TagDaysChange::Added),
            tagDaysFunction(QStringLiteral("CREATE OR REPLACE"), tagsAndChannels, TagDaysChange::Changed),
            tagDaysFunction(QStringLiteral("CREATE OR REPLACE"), tagsAndChannels, TagDaysChange::Removed),
        },
        // 8: a substring's matches from the pieces of each message: its
        // folded text split at every ASCII character that is not a letter or
        // digit (non-ASCII letters and emoji stay in their piece). A term
        // with none of those characters occurs in the text only inside one
        // piece, so the messages holding a piece of the vocabulary that
        // contains it are exactly its matches (dialectFor). The trigram
        // index finds them too, but through the posting lists of every
        // trigram of the term and a recheck of each (`database` at 1M
        // messages: 84 ms to count, 23 through the pieces). A piece longer
        // than 200 characters is left out (a GIN key has a size limit) and
        // the message gets the piece chr(1) instead. Stored, so that the
        // index and the vocabulary's trigger split each text once; rewrites
        // the table once (~2.5 min per million messages with the indexes).
        {
            QStringLiteral(R"(CREATE FUNCTION fdd_words(folded text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $fn$
  SELECT CASE WHEN octet_length(folded) > 200 AND folded ~ '[^%1]{201}'
    THEN array_remove(regexp_split_to_array(regexp_replace(folded, '[^%1]{201,}', ' ', 'g'), '[%1]+'), '') || chr(1)
    ELSE array_remove(regexp_split_to_array(folded, '[%1]+'), '') END
$fn$)").arg(QLatin1String(pieceSeparators)),
            QStringLiteral("ALTER TABLE discord_chats ADD COLUMN content_words text[] GENERATED ALWAYS AS (fdd_words(lower(content))) STORED"),
            QStringLiteral("CREATE INDEX discord_chats_words_idx ON discord_chats USING gin (content_words)"),
            // Every piece of every message (more after a delete, and a piece
            // twice after two imports added it at once: neither changes
            // which messages a search finds). No unique key: concurrent
            // imports never wait on each other's new words.
            QStringLiteral("CREATE TABLE content_vocabulary (word text NOT NULL)"),
            QStringLiteral("INSERT INTO content_vocabulary (word) SELECT DISTINCT w FROM discord_chats, unnest(content_words) w"),
            QStringLiteral("CREATE INDEX content_vocabulary_word_idx ON content_vocabulary (word)"),
            QStringLiteral("CREATE INDEX content_vocabulary_trgm_idx ON content_vocabulary USING gin (word gin_trgm_ops)"),
            QStringLiteral("CREATE FUNCTION fdd_vocabulary_added() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN\n"
                           "  INSERT INTO content_vocabulary (word)\n"
                           "    SELECT n.w FROM (SELECT DISTINCT w FROM fdd_new, unnest(content_words) w) n\n"
                           "    WHERE NOT EXISTS (SELECT 1 FROM content_vocabulary v WHERE v.word = n.w);\n"
                           "  RETURN NULL;\n"
                           "END $fn$"),
            QStringLiteral("CREATE FUNCTION fdd_vocabulary_emptied() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN\n"
                           "  TRUNCATE content_vocabulary;\n"
                           "  RETURN NULL;\n"
                           "END $fn$"),
            QStringLiteral("CREATE TRIGGER discord_chats_vocabulary_ai AFTER INSERT ON discord_chats"
                           " REFERENCING NEW TABLE AS fdd_new FOR EACH STATEMENT EXECUTE FUNCTION fdd_vocabulary_added()"),
            QStringLiteral("CREATE TRIGGER discord_chats_vocabulary_au AFTER UPDATE ON discord_chats"
                           " REFERENCING NEW TABLE AS fdd_new FOR EACH STATEMENT EXECUTE FUNCTION fdd_vocabulary_added()"),
            QStringLiteral("CREATE TRIGGER discord_chats_vocabulary_at AFTER TRUNCATE ON discord_chats"
                           " FOR EACH STATEMENT EXECUTE FUNCTION fdd_vocabulary_emptied()"),
        },
    };
    return all;
}

constexpr auto selectColumns =
    "message_id, channel_id, guild_id, author_id, author_name,"
    " CAST(extract(epoch FROM \"timestamp\") * 1000 AS bigint), content, COALESCE(reply_to_id, 0),"
    " attachment_count, embed_count, reaction_count,"
    " COALESCE(CAST(extract(epoch FROM edited_at) * 1000 AS bigint), 0),"
    " message_type, is_pinned, author_nickname, detail::text";

constexpr auto newestFirst = " ORDER BY \"timestamp\" DESC, message_id DESC";
constexpr auto oldestFirst = " ORDER BY \"timestamp\", message_id";

// How the search language's leaves read PostgreSQL's columns and indexes.
const sql::QueryDialect &dialect()
{
    static const sql::QueryDialect d{
        [](const QStringList &words) {
            sql::Where w;
            w.add(QStringLiteral("content_tsvector @@ plainto_tsquery('english', ?)"), words.join(QLatin1Char(' ')));
            return w;
        },
        [](const QString &text) {
            sql::Where w;
            // ≡ content ILIKE ?: PostgreSQL's ILIKE lowers both sides with
            // lower() and then compares as LIKE does (UTF-8 databases).
            w.add(QStringLiteral("content_folded LIKE lower(?) ESCAPE '\\'"), sql::likePattern(text));
            return w;
        },
        [](const PortableRegex &regex, bool ignoreCase) {
            sql::Where w;
            // Ignoring case, on the folded text and its trigram index (a
            // portable expression has no letter escapes for lower() to change).
            w.add(ignoreCase ? QStringLiteral("content_folded ~ lower(?)") : QStringLiteral("content ~ ?"), regex.postgres());
            return w;
        },
        QStringLiteral("tags @> ARRAY[CAST(? AS text)]"),
        QStringLiteral("\"timestamp\""),
        [](const QDate &d) { return QVariant(d); },
        [](qint64 ms) { return QVariant(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)); },
        QString(), // its planner weighs a channel's share itself
        {},
        QString(),
    };
    return d;
}

// Whether each occurrence of `term` in a folded text lies inside one of its
// pieces (schema 8): no ASCII character in it but letters and digits (lower()
// makes none of them from another character). Shorter than 3 characters, it
// would be in too many pieces.
bool pieceable(const QString &term)
{
    if (term.size() < 3)
        return false;
    return std::all_of(term.begin(), term.end(), [](QChar c) {
        return c.unicode() >= 0x80 || (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9');
    });
}

// At most this many of the vocabulary's pieces for a term: each is a key
// looked up in every month's index (beyond, the term's trigrams cost less).
constexpr int maxPieces = 200;

// The substring terms of `r` that their pieces serve (dialectFor).
Expected<QSet<QString>> piecedTerms(const QSqlDatabase &db, const SearchRequest &r, const sql::Failure &fail)
{
    QSet<QString> terms;
    if (r.kind == SearchRequest::Kind::Substring || r.kind == SearchRequest::Kind::All)
        terms << r.text;
    const std::function<void(const Query &)> collect = [&](const Query &q) {
        if (q.kind == Query::Kind::Exact)
            terms << q.text;
        std::for_each(q.children.begin(), q.children.end(), collect);
    };
    if (r.kind == SearchRequest::Kind::Query)
        collect(r.query);
    QSet<QString> pieced;
    for (const QString &term : std::as_const(terms)) {
        if (!pieceable(term))
            continue;
        QSqlQuery *q = nullptr;
        QString why;
        if (!sql::run(db, QStringLiteral("SELECT count(*) FROM (SELECT 1 FROM content_vocabulary WHERE word LIKE lower(?) LIMIT %1) v")
                              .arg(maxPieces + 1),
                      {sql::likePattern(term)}, &q, &why)
            || !q->next())
            return fail(QStringLiteral("look up a term's words"), why);
        const qint64 pieces = q->value(0).toLongLong();
        q->finish();
        if (pieces <= maxPieces)
            pieced.insert(term);
    }
    return pieced;
}

// The dialect with the substring terms in `pieced` found through their
// pieces: a message holding a piece of the vocabulary that contains the term
// contains it (the piece is part of its folded text), and so does a message
// with a piece too long to be kept (chr(1)) whose text does. The bitmaps of
// both come from the pieces' index alone (and the trigrams', for the few of
// the second), and no other message is read (`game` at 1M messages, counted:
// 81-84 ms with its trigrams and a LIKE on each, 33-36 so).
// Not for a walk: it tests each row it reads, which LIKE does sooner.
sql::QueryDialect dialectFor(const QSet<QString> &pieced)
{
    sql::QueryDialect d = dialect();
    if (pieced.isEmpty())
        return d;
    d.exact = [plain = d.exact, pieced](const QString &text) {
        if (!pieced.contains(text))
            return plain(text);
        const QString pattern = sql::likePattern(text);
        sql::Where w;
        w.clauses << QStringLiteral("(content_words && ARRAY(SELECT word FROM content_vocabulary WHERE word LIKE lower(?))"
                                    " OR (content_words @> ARRAY[chr(1)] AND content_folded LIKE lower(?)))");
        w.binds << pattern << pattern;
        return w;
    };
    return d;
}

// dialectFor() the request's own pieced terms.
Expected<sql::QueryDialect> dialectFor(const QSqlDatabase &db, const SearchRequest &r, const sql::Failure &fail)
{
    const Expected<QSet<QString>> pieced = piecedTerms(db, r, fail);
    if (!pieced)
        return pieced.error();
    return dialectFor(*pieced);
}

// The exact number of messages a query's tree matches (sql::TotalCounter),
// summed from tag_days where the tree is one key on a range of UTC days (a
// tag, in: its channels, a date range alone, or one of those within dates)
// (has:reaction -from:user0 at 1M messages: 593 ms counted, ~40 as a sum and
// the 3,591 messages of both; from:user0 | from:user1 voroba 220 ms counted,
// the 44,598 messages of user0 read).
class DayCounter final : public sql::TotalCounter
{
public:
    DayCounter(const QSqlDatabase &db, const QTimeZone &zone, const QList<Channel> &channels, sql::Failure fail,
               const sql::QueryDialect &dialect)
        : TotalCounter(db, zone, channels, std::move(fail)), m_dialect(dialect)
    {
    }

private:
    const sql::QueryDialect &m_dialect;

    Expected<qint64> counted(const Query &q) override
    {
        return sql::count(m_db, QStringLiteral("discord_chats"), sql::compile(q, m_dialect, m_zone, m_channels), m_fail);
    }

    std::optional<Sum> sumOf(const Query &q) const override
    {
        if (q.kind == Query::Kind::And) {
            Sum out;
            for (const Query &c : q.children) {
                const std::optional<Sum> s = sumOf(c);
                if (!s || (!s->keys.isEmpty() && !out.keys.isEmpty())) // two keys: both at once is no sum
                    return std::nullopt;
                if (!s->keys.isEmpty())
                    out.keys = s->keys;
                if (s->from.isValid() && (!out.from.isValid() || s->from > out.from))
                    out.from = s->from;
                if (s->to.isValid() && (!out.to.isValid() || s->to < out.to))
                    out.to = s->to;
            }
            return out;
        }
        if (q.kind != Query::Kind::Filter)
            return std::nullopt;
        Sum s;
        if (const QString tag = sql::tagOf(q, m_zone); !tag.isEmpty()) {
            s.keys = {tag};
            return s;
        }
        const FilterTest t = FilterTest::of(q, m_zone, m_channels);
        switch (t.kind) {
        case FilterTest::Kind::Tag:         // negated
        case FilterTest::Kind::AuthorOrTag: // author_id = ID or the tag: two sets
            return std::nullopt;
        case FilterTest::Kind::Channels:
            for (const Snowflake c : t.channels)
                s.keys << QStringLiteral("in:%1").arg(c);
            if (s.keys.isEmpty()) // no such channel: a key no message is counted under
                s.keys << QStringLiteral("in:");
            return s;
        case FilterTest::Kind::Instants: {
            // Whole UTC days only: in another zone a day's ends fall inside UTC days.
            constexpr qint64 dayMs = 24 * 60 * 60 * 1000;
            if (t.fromMs % dayMs != 0 || (t.toMs != std::numeric_limits<qint64>::max() && t.toMs % dayMs != 0))
                return std::nullopt;
            s.from = t.fromDay;
            s.to = t.toDay;
            return s;
        }
        }
        return std::nullopt;
    }

    Expected<qint64> summed(const Sum &s) override
    {
        sql::Where w;
        if (s.keys.isEmpty())
            w.add(QStringLiteral("tag = ?"), QStringLiteral("in:*"));
        else if (s.keys.size() == 1)
            w.add(QStringLiteral("tag = ?"), s.keys.first());
        else // in: a channel and its threads; ids are digits, no quoting needed
            w.add(QStringLiteral("tag = ANY(CAST(? AS text[]))"), QStringLiteral("{%1}").arg(s.keys.join(QLatin1Char(','))));
        if (s.from.isValid())
            w.add(QStringLiteral("day >= ?"), s.from);
        if (s.to.isValid())
            w.add(QStringLiteral("day <= ?"), s.to);
        return sql::count(m_db, QStringLiteral("tag_days"), w, m_fail, QStringLiteral("COALESCE(sum(n), 0)"));
    }
};

// Newest (or oldest) first, or for a full-text search or a query with
// words by relevance (ts_rank), newest first among equals.
sql::SearchShape shapeFor(const SearchRequest &r)
{
    sql::SearchShape s{QStringLiteral("discord_chats"), QLatin1String(selectColumns),
                       {QStringLiteral("\"timestamp\" AS t, message_id AS id, message_date AS d"), {}},
                       sql::SearchShape::byTime(r),
                       // One primary-key probe per row of the page, always: as a
                       // plain join, a generic plan (which cannot know the page
                       // is small) hashed the whole table for it (500 ms).
                       QStringLiteral(" CROSS JOIN LATERAL (SELECT * FROM discord_chats x"
                                      " WHERE x.message_id = p.id AND x.message_date = p.d OFFSET 0) c")};
    if (r.sort == SearchRequest::Sort::Relevance
        && (r.kind == SearchRequest::Kind::FullText || r.kind == SearchRequest::Kind::Query)) {
        s.keys.sql += QStringLiteral(", ts_rank(content_tsvector, plainto_tsquery('english', ?)) AS r");
        s.keys.binds << (r.kind == SearchRequest::Kind::Query ? r.query.positiveWords().join(QLatin1Char(' ')) : r.text);
        s.order = QStringLiteral(" ORDER BY r DESC, t DESC, id DESC");
    }
    return s;
}

// While it lives and when active, the session runs `during` (a SET of a
// fixed text, never user text), and `after` once it ends.
class SessionSetting
{
public:
    SessionSetting(const QSqlDatabase &db, bool active, const QString &during, QString after)
        : m_db(db), m_active(active), m_after(std::move(after))
    {
        if (m_active)
            QSqlQuery(m_db).exec(during);
    }
    ~SessionSetting()
    {
        if (m_active)
            QSqlQuery(m_db).exec(m_after);
    }
    SessionSetting(const SessionSetting &) = delete;
    SessionSetting &operator=(const SessionSetting &) = delete;

    bool active() const { return m_active; }

private:
    QSqlDatabase m_db;
    bool m_active;
    QString m_after;
};

// While it lives, a request with a regular expression runs within
// PortableRegex::budgetMs() (the session's statement_timeout); check() turns
// the cancellation into its sentence.
class RegexBudget
{
public:
    RegexBudget(const QSqlDatabase &db, const SearchRequest &r)
        : m_timeout(db, r.kind == SearchRequest::Kind::Query && r.query.contains(Query::Kind::Regex),
                    QStringLiteral("SET statement_timeout = %1").arg(PortableRegex::budgetMs()), // a number
                    QStringLiteral("SET statement_timeout = 0"))
    {
    }

    template<typename T>
    Expected<T> check(Expected<T> result) const
    {
        if (!result && m_timeout.active() && result.error().message.contains(QLatin1String("statement timeout")))
            return PortableRegex::tooSlow();
        return result;
    }

private:
    SessionSetting m_timeout;
};

// While it lives, the session plans each statement for its values
// (force_custom_plan) when the request's rows are bounded by dates and by
// something else too. A generic plan cannot know a range's width: it guesses
// any at 0.5% of the archive and reads it through the day index, testing
// each row there (`during:2022-03 telaba` at 1M messages: 150 ms to find 68
// messages the word's index gives in 1; a frequent substring within two
// years 1.5 s instead of 0.16). Planned for its values, the range prunes the
// partitions before planning them, so it costs only its months; without
// dates the generic plan stays (planning every partition again added 6-15 ms
// to each search at 1M), and so it does for dates alone (the day index is
// their plan).
class PlanForValues
{
public:
    PlanForValues(const QSqlDatabase &db, const SearchRequest &r)
        : m_mode(db, needed(r), QStringLiteral("SET plan_cache_mode = force_custom_plan"),
                 QStringLiteral("SET plan_cache_mode = force_generic_plan"))
    {
    }

    static bool needed(const SearchRequest &r)
    {
        const bool query = r.kind == SearchRequest::Kind::Query;
        const bool dated = r.startDate.isValid() || r.endDate.isValid()
                           || (query && !sql::daysOf(r.query, r.timeZone(), dialect()).clauses.isEmpty());
        if (!dated)
            return false;
        if (r.channelId || r.authorId)
            return true;
        if (query)
            return !onlyDates(r.query);
        return r.kind != SearchRequest::Kind::Date;
    }

private:
    static bool onlyDates(const Query &q)
    {
        if (q.kind == Query::Kind::And)
            return std::all_of(q.children.begin(), q.children.end(), onlyDates);
        return q.kind == Query::Kind::Filter
               && (q.field == Query::Field::Before || q.field == Query::Field::After || q.field == Query::Field::During);
    }

    SessionSetting m_mode;
};

PGconn *nativeHandle(const QSqlDatabase &db)
{
    const QVariant v = db.driver()->handle();
    if (v.metaType() == QMetaType::fromType<PGconn *>())
        return *static_cast<PGconn *const *>(v.constData());
    return nullptr;
}

void appendText(std::string &out, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    for (const char c : utf8) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default: out.push_back(c);
        }
    }
}

template<typename Int>
void appendInt(std::string &out, Int v)
{
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
}

} // namespace

// ---------------------------------------------------------------------------

class PostgresIngestSession final : public IngestSession
{
public:
    PostgresIngestSession(PostgresStore *store, QSqlDatabase db) : m_store(store), m_db(std::move(db)) {}

    ~PostgresIngestSession() override
    {
        if (m_open)
            rollback();
    }

    Expected<void> start()
    {
        if (!m_db.transaction())
            return m_store->failure(m_db, QStringLiteral("start a transaction"), m_db.lastError().text());
        m_open = true;
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("CREATE TEMP TABLE fdd_staging ("
                                   " message_id bigint, channel_id bigint, guild_id bigint, author_id bigint,"
                                   " author_name text, \"timestamp\" timestamptz, message_date date, content text,"
                                   " reply_to_id bigint, attachment_count integer, embed_count integer,"
                                   " reaction_count integer, edited_at timestamptz, message_type text,"
                                   " is_pinned boolean, author_nickname text, detail jsonb, tags text[]) ON COMMIT DROP")))
            return m_store->failure(m_db, QStringLiteral("create the staging table"), q.lastError().text());
        return {};
    }

    Expected<void> addChannel(const Guild &guild, const Channel &channel) override
    {
        m_guild = guild;
        m_channel = channel;
        m_haveChannel = true;
        return {};
    }

    // Messages go to the staging table in chunks, each then moved into the
    // archive by an INSERT that PostgreSQL runs while the next chunk is read
    // and formatted here: the reading overlaps the server's work.
    Expected<void> addMessages(const QList<Message> &messages) override
    {
        for (const Message &m : messages) {
            PostgresStore::appendCopyRow(m_buffer, m);
            ++m_buffered;
            m_lastMessageId = std::max(m_lastMessageId, m.id);
            const qint64 day = m.timestampMs >= 0 ? m.timestampMs / 86400000 : (m.timestampMs + 1) / 86400000 - 1;
            const QDate d = QDate(1970, 1, 1).addDays(day);
            m_months.insert(QDate(d.year(), d.month(), 1));
        }
        if (m_buffer.size() >= ChunkBytes)
            return sendChunk();
        return {};
    }

    Expected<IngestResult> commit() override
    {
        if (Expected<void> sent = sendChunk(); !sent)
            return sent.error();
        if (Expected<void> done = finishInsert(); !done)
            return done.error();
        IngestResult result = m_result;
        QSqlQuery q(m_db);
        if (m_haveChannel) {
            q.prepare(QStringLiteral("INSERT INTO guilds (guild_id, name) VALUES (?, ?)"
                                     " ON CONFLICT (guild_id) DO UPDATE SET name = EXCLUDED.name"));
            q.addBindValue(qint64(m_guild.id));
            q.addBindValue(sql::nonNull(m_guild.name));
            if (!q.exec())
                return m_store->failure(m_db, QStringLiteral("store the guild"), q.lastError().text());
            q.prepare(QStringLiteral(
                "INSERT INTO channels (channel_id, guild_id, name, category, type, topic, last_message_id, message_count, parent_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (channel_id) DO UPDATE SET guild_id = EXCLUDED.guild_id, name = EXCLUDED.name,"
                " category = EXCLUDED.category, type = EXCLUDED.type, topic = EXCLUDED.topic, parent_id = EXCLUDED.parent_id,"
                " last_message_id = GREATEST(channels.last_message_id, EXCLUDED.last_message_id),"
                " message_count = channels.message_count + EXCLUDED.message_count, updated_at = now()"));
            sql::bindChannel(q, m_guild, m_channel, m_lastMessageId, result.inserted);
            if (!q.exec())
                return m_store->failure(m_db, QStringLiteral("store the channel"), q.lastError().text());
        }
        q.finish();
        if (!m_db.commit())
            return m_store->failure(m_db, QStringLiteral("commit the import"), m_db.lastError().text());
        m_open = false;
        if (result.inserted > 0 || result.skipped > 0) // skipped rows may have been completed
            m_store->noteImported(m_months, result.inserted);
        return result;
    }

private:
    static constexpr std::size_t ChunkBytes = 8u << 20;

    QString libpqError(PGresult *res) const
    {
        const QString e = QString::fromUtf8(res ? PQresultErrorMessage(res) : PQerrorMessage(m_conn)).trimmed();
        return e.isEmpty() ? QString::fromUtf8(PQerrorMessage(m_conn)).trimmed() : e;
    }

    // The buffered rows into the (empty) staging table, and the INSERT that
    // moves them on sent without waiting for it.
    Expected<void> sendChunk()
    {
        if (m_buffered == 0)
            return {};
        if (Expected<void> done = finishInsert(); !done)
            return done;
        m_conn = nativeHandle(m_db);
        if (!m_conn)
            return Error::internal(QStringLiteral("The PostgreSQL driver does not expose its connection for COPY."));
        // Partitions for every month of the chunk, before its rows arrive.
        // (The query is gone before the INSERT is sent: Qt's driver reads
        // and drops whatever results are pending when a query ends.)
        {
            QSqlQuery q(m_db);
            if (!q.prepare(QStringLiteral("SELECT fdd_ensure_month_partition(?)")))
                return m_store->failure(m_db, QStringLiteral("prepare partitions"), q.lastError().text());
            for (const QDate &month : std::as_const(m_months)) {
                if (m_partitions.contains(month))
                    continue;
                q.addBindValue(month);
                if (!q.exec())
                    return m_store->failure(m_db, QStringLiteral("create a monthly partition"), q.lastError().text());
                m_partitions.insert(month);
            }
        }
        PGresult *res = PQexec(m_conn, QStringLiteral("COPY fdd_staging (%1) FROM STDIN").arg(PostgresStore::copyColumns()).toUtf8().constData());
        const bool copying = PQresultStatus(res) == PGRES_COPY_IN;
        QString error = copying ? QString() : libpqError(res);
        PQclear(res);
        if (!copying)
            return m_store->failure(m_db, QStringLiteral("start copying messages"), error);
        m_copying = true;
        if (PQputCopyData(m_conn, m_buffer.data(), int(m_buffer.size())) != 1 || PQputCopyEnd(m_conn, nullptr) != 1)
            return m_store->failure(m_db, QStringLiteral("send messages"), libpqError(nullptr));
        m_copying = false;
        while ((res = PQgetResult(m_conn))) {
            if (PQresultStatus(res) != PGRES_COMMAND_OK)
                error = libpqError(res);
            PQclear(res);
        }
        if (!error.isEmpty())
            return m_store->failure(m_db, QStringLiteral("copy messages"), error);
        m_buffer.clear();
        m_staged = m_buffered;
        m_buffered = 0;
        const QByteArray insert = QStringLiteral("INSERT INTO discord_chats (%1) SELECT %1 FROM fdd_staging ON CONFLICT DO NOTHING")
                                      .arg(PostgresStore::copyColumns()).toUtf8();
        if (PQsendQuery(m_conn, insert.constData()) != 1)
            return m_store->failure(m_db, QStringLiteral("store messages"), libpqError(nullptr));
        m_inserting = true;
        return {};
    }

    // Waits for the INSERT in flight, completes the older rows of its chunk
    // and empties the staging table.
    Expected<void> finishInsert()
    {
        if (!m_inserting)
            return {};
        m_inserting = false;
        QString error;
        qint64 inserted = 0;
        while (PGresult *res = PQgetResult(m_conn)) {
            if (PQresultStatus(res) == PGRES_COMMAND_OK)
                inserted = QByteArray(PQcmdTuples(res)).toLongLong();
            else
                error = libpqError(res);
            PQclear(res);
        }
        if (!error.isEmpty())
            return m_store->failure(m_db, QStringLiteral("store messages"), error);
        m_result.inserted += inserted;
        m_result.skipped += m_staged - inserted;
        QSqlQuery q(m_db);
        // A message archived before schema 3 gains what it lacked; any
        // other one already there is left as it is. (Not in the INSERT's
        // ON CONFLICT: a file holding a message twice would make it
        // update a row it inserted itself, which PostgreSQL refuses.)
        if (inserted < m_staged
            && !q.exec(QStringLiteral(
                "UPDATE discord_chats AS d SET message_type = s.message_type, is_pinned = s.is_pinned,"
                " author_nickname = s.author_nickname, detail = s.detail, tags = s.tags,"
                " attachment_count = s.attachment_count, embed_count = s.embed_count, reaction_count = s.reaction_count"
                " FROM fdd_staging AS s"
                " WHERE d.message_id = s.message_id AND d.message_date = s.message_date"
                " AND d.detail IS NULL AND s.detail IS NOT NULL")))
            return m_store->failure(m_db, QStringLiteral("complete older messages"), q.lastError().text());
        if (!q.exec(QStringLiteral("TRUNCATE fdd_staging")))
            return m_store->failure(m_db, QStringLiteral("empty the staging table"), q.lastError().text());
        m_staged = 0;
        return {};
    }

    void rollback()
    {
        if (m_copying) {
            PQputCopyEnd(m_conn, "import abandoned");
            m_copying = false;
        }
        if (m_inserting) { // stop the INSERT in flight rather than wait for it
            if (PGcancel *cancel = PQgetCancel(m_conn)) {
                char why[256];
                PQcancel(cancel, why, int(sizeof why));
                PQfreeCancel(cancel);
            }
            m_inserting = false;
        }
        if (m_conn)
            while (PGresult *res = PQgetResult(m_conn))
                PQclear(res);
        m_db.rollback();
        m_open = false;
    }

    PostgresStore *m_store;
    QSqlDatabase m_db;
    PGconn *m_conn = nullptr;
    bool m_open = false;
    bool m_copying = false;
    bool m_haveChannel = false;
    Guild m_guild;
    Channel m_channel;
    Snowflake m_lastMessageId = 0;
    QSet<QDate> m_months;     // the first day of each month of the file so far
    QSet<QDate> m_partitions; // the months whose partition is known to exist
    std::string m_buffer;     // COPY text of the rows not yet staged
    qint64 m_buffered = 0;    // rows in m_buffer
    qint64 m_staged = 0;      // rows of the chunk the INSERT in flight moves
    bool m_inserting = false; // an INSERT was sent and its answer not read
    IngestResult m_result;
};

// The share of the archive's messages that hold each element PostgreSQL's
// statistics find common in an array or tsvector column (its most common
// elements over the whole table: 1,000 at the default statistics target,
// the least of them in ~0.2% of the messages of the benchmark's archive),
// to tell a frequent text from a rare one before it is searched (search()).
// An estimate: which path a search takes, never what it finds. Read again
// after this store's optimize() (which gathers them anew) or five minutes.
class CommonElements
{
public:
    explicit CommonElements(QString column) : m_column(std::move(column)) {}

    // Of the elements containing `part` (a piece of content_words holding
    // a substring), summed: a message may hold several, so at most that.
    Expected<double> containing(const QSqlDatabase &db, const QString &part, const sql::Failure &fail)
    {
        const QMutexLocker lock(&m_lock);
        if (const Expected<void> read = readIfStale(db, fail); !read)
            return read.error();
        const QString folded = part.toLower(); // as lower() would, but for an estimate
        double share = 0;
        for (auto it = m_shares.cbegin(); it != m_shares.cend(); ++it)
            if (it.key().contains(folded))
                share += it.value();
        return std::min(share, 1.0);
    }

    // Of the rarest of `elements` (the lexemes a text's words must all
    // have), so at least that; none, or one not common, is 0.
    Expected<double> ofAll(const QSqlDatabase &db, const QStringList &elements, const sql::Failure &fail)
    {
        const QMutexLocker lock(&m_lock);
        if (const Expected<void> read = readIfStale(db, fail); !read)
            return read.error();
        double share = elements.isEmpty() ? 0.0 : 1.0;
        for (const QString &element : elements)
            share = std::min(share, m_shares.value(element, 0.0));
        return share;
    }

    void forget()
    {
        const QMutexLocker lock(&m_lock);
        m_stale = true;
    }

private:
    Expected<void> readIfStale(const QSqlDatabase &db, const sql::Failure &fail)
    {
        if (!m_stale && !m_read.hasExpired())
            return {};
        QSqlQuery *q = nullptr;
        QString why;
        // The frequencies go on past the elements (their minimum, their
        // maximum and the share of NULLs): unnest() pads the elements.
        if (!sql::run(db,
                      QStringLiteral("SELECT e.element, e.share FROM pg_stats s,"
                                     " unnest(CAST(CAST(s.most_common_elems AS text) AS text[]), s.most_common_elem_freqs) e (element, share)"
                                     " WHERE s.schemaname = current_schema() AND s.tablename = 'discord_chats'"
                                     " AND s.attname = ? AND s.inherited AND e.element IS NOT NULL"),
                      {m_column}, &q, &why))
            return fail(QStringLiteral("read the statistics of the messages' words"), why);
        m_shares.clear();
        while (q->next())
            m_shares.insert(q->value(0).toString(), q->value(1).toDouble());
        q->finish();
        m_stale = false;
        m_read.setRemainingTime(std::chrono::minutes(5));
        return {};
    }

    const QString m_column;
    QMutex m_lock;
    QHash<QString, double> m_shares;
    QDeadlineTimer m_read;
    bool m_stale = true;
};

// ---------------------------------------------------------------------------

PostgresStore::PostgresStore(const DatabaseUrl &url)
    : m_url(url)
    , m_pool(QStringLiteral("QPSQL"), [url](QSqlDatabase &db) {
        db.setHostName(url.host);
        db.setPort(url.port);
        db.setUserName(url.user);
        db.setPassword(url.password);
        db.setDatabaseName(url.database);
        QString options = url.options;
        if (!options.contains(QLatin1String("connect_timeout")))
            options += (options.isEmpty() ? QString() : QStringLiteral(";")) + QStringLiteral("connect_timeout=5");
        db.setConnectOptions(options);
    }, [](QSqlDatabase &db) -> Expected<void> {
        // Searches are prepared once per connection (ConnectionPool::
        // statement) and planned once: planning over two years of monthly
        // partitions cost more than running a rare term's search. The
        // partitions a date range needs are still chosen at run time.
        // No JIT: a generic plan's cost over millions of rows passes
        // jit_above_cost and compiling took 150 ms of a 2 ms search.
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("SET plan_cache_mode = force_generic_plan")) || !q.exec(QStringLiteral("SET jit = off")))
            return Error::unavailable(q.lastError().text());
        return {};
    })
    , m_commonPieces(std::make_unique<CommonElements>(QStringLiteral("content_words")))
    , m_commonLexemes(std::make_unique<CommonElements>(QStringLiteral("content_tsvector")))
{
}

PostgresStore::~PostgresStore() = default;

int PostgresStore::schemaVersion()
{
    return int(migrations().size());
}

QString PostgresStore::copyColumns()
{
    return QStringLiteral("message_id, channel_id, guild_id, author_id, author_name, \"timestamp\", message_date,"
                          " content, reply_to_id, attachment_count, embed_count, reaction_count, edited_at,"
                          " message_type, is_pinned, author_nickname, detail, tags");
}

void PostgresStore::appendCopyRow(std::string &out, const Message &m)
{
    appendInt(out, qint64(m.id));
    out.push_back('\t');
    appendInt(out, qint64(m.channelId));
    out.push_back('\t');
    appendInt(out, qint64(m.guildId));
    out.push_back('\t');
    appendInt(out, qint64(m.authorId));
    out.push_back('\t');
    appendText(out, m.authorName);
    out.push_back('\t');
    isotime::appendIsoUtc(out, m.timestampMs);
    out.push_back('\t');
    isotime::appendIsoDate(out, m.timestampMs);
    out.push_back('\t');
    appendText(out, m.content);
    out.push_back('\t');
    if (m.replyToId)
        appendInt(out, qint64(m.replyToId));
    else
        out += "\\N";
    out.push_back('\t');
    appendInt(out, m.attachmentCount);
    out.push_back('\t');
    appendInt(out, m.embedCount);
    out.push_back('\t');
    appendInt(out, m.reactionCount);
    out.push_back('\t');
    if (m.editedMs)
        isotime::appendIsoUtc(out, m.editedMs);
    else
        out += "\\N";
    out.push_back('\t');
    appendText(out, m.type);
    out += m.isPinned ? "\tt\t" : "\tf\t";
    appendText(out, m.authorNickname);
    out.push_back('\t');
    if (m.hasDetail)
        appendText(out, QString::fromUtf8(m.detailJson()));
    else
        out += "\\N";
    out.push_back('\t');
    // An array literal: {"a","b"}, each element quoted with \ and " escaped.
    QString tags = QStringLiteral("{");
    for (const QString &tag : m.tags()) {
        if (tags.size() > 1)
            tags += QLatin1Char(',');
        QString quoted = tag;
        quoted.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('"'), QStringLiteral("\\\""));
        tags += QLatin1Char('"') + quoted + QLatin1Char('"');
    }
    tags += QLatin1Char('}');
    appendText(out, tags);
    out.push_back('\n');
}

Expected<QSqlDatabase> PostgresStore::database()
{
    Expected<QSqlDatabase> db = m_pool.database();
    if (db) {
        // A connection that broke (a server restart, a network cut) is
        // replaced here, once no query of it is alive any more.
        PGconn *conn = nativeHandle(*db);
        if (!conn || PQstatus(conn) == CONNECTION_BAD) {
            *db = QSqlDatabase();
            m_pool.discard();
            db = m_pool.database();
        }
    }
    if (!db)
        return Error::unavailable(QStringLiteral("PostgreSQL at %1 cannot be reached: %2 Check that the server is running and the address is right.")
                                      .arg(m_url.redacted(), db.error().message));
    return db;
}

Error PostgresStore::failure(const QSqlDatabase &db, const QString &what, const QString &detail)
{
    // A connection the server is closing (a restart, a shutdown) is not yet
    // marked bad by libpq when the statement fails: the server's "terminating
    // connection" (SQLSTATE 57P01-57P03), a connection exception (class 08)
    // and libpq's own words for a closed socket say it too.
    static const QRegularExpression lostWords(QStringLiteral(
        "\\((08[0-9A-Z]{3}|57P0[1-3])\\)|server closed the connection unexpectedly|no connection to the server"
        "|terminating connection"));
    PGconn *conn = nativeHandle(db);
    const bool lost = !conn || PQstatus(conn) == CONNECTION_BAD || lostWords.match(detail).hasMatch();
    qCWarning(lcPostgres).noquote() << "could not" << what << "at" << m_url.redacted() << ":" << detail.trimmed();
    if (lost) {
        return Error::unavailable(QStringLiteral("The connection to PostgreSQL at %1 was lost while trying to %2. Check that the server is running, then try again.")
                                      .arg(m_url.redacted(), what));
    }
    return Error::internal(QStringLiteral("PostgreSQL could not %1: %2").arg(what, detail.trimmed()));
}

std::function<Error(const QString &, const QString &)> PostgresStore::failureFor(const QSqlDatabase &db)
{
    return [this, db](const QString &what, const QString &detail) { return failure(db, what, detail); };
}

Expected<void> PostgresStore::migrate()
{
    return migrateTo(schemaVersion());
}

Expected<void> PostgresStore::migrateTo(int target)
{
    Q_ASSERT(target >= 1 && target <= schemaVersion());
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    if (!db->transaction())
        return failure(*db, QStringLiteral("start a transaction"), db->lastError().text());
    const auto fail = [&](const QString &what) {
        const Error e = failure(*db, what, q.lastError().text());
        q.finish();
        db->rollback();
        return e;
    };
    if (!q.exec(QStringLiteral("SET LOCAL client_min_messages = warning")) // no "already exists" notices
        || !q.exec(QStringLiteral("SELECT pg_advisory_xact_lock(hashtext('fdd_migrate'))"))
        || !q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_version ("
                                  " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"))
        || !q.exec(QStringLiteral("SELECT COALESCE(max(version), 0) FROM schema_version")) || !q.next())
        return fail(QStringLiteral("read the schema version"));
    const int current = q.value(0).toInt();
    if (current > schemaVersion()) {
        q.finish();
        db->rollback();
        return Error::badInput(QStringLiteral("The database at %1 has schema version %2, newer than this program's %3: upgrade FastDiscordDB.")
                                   .arg(m_url.redacted()).arg(current).arg(schemaVersion()));
    }
    for (int version = current + 1; version <= target; ++version) {
        for (const QString &statement : migrations().at(version - 1)) {
            if (!q.exec(statement))
                return fail(QStringLiteral("apply migration %1").arg(version));
        }
        q.prepare(QStringLiteral("INSERT INTO schema_version (version) VALUES (?)"));
        q.addBindValue(version);
        if (!q.exec())
            return fail(QStringLiteral("record migration %1").arg(version));
        qCInfo(lcPostgres) << "applied migration" << version;
    }
    q.finish();
    if (!db->commit())
        return failure(*db, QStringLiteral("commit the migrations"), db->lastError().text());
    return {};
}

Expected<void> PostgresStore::ping()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    if (!q.exec(QStringLiteral("SELECT 1")))
        return failure(*db, QStringLiteral("answer a ping"), q.lastError().text());
    return {};
}

Expected<std::unique_ptr<IngestSession>> PostgresStore::beginIngest()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    auto session = std::make_unique<PostgresIngestSession>(this, *db);
    Expected<void> started = session->start();
    if (!started)
        return started.error();
    return std::unique_ptr<IngestSession>(std::move(session));
}

namespace {
Expected<std::optional<double>> known(const Expected<double> &share)
{
    if (!share)
        return share.error();
    return std::optional(*share);
}
} // namespace

Expected<std::optional<double>> PostgresStore::commonShare(const QSqlDatabase &db, const SearchRequest &request,
                                                           const QSet<QString> &pieced)
{
    if (request.kind == SearchRequest::Kind::Substring && pieced.contains(request.text))
        return known(m_commonPieces->containing(db, request.text, failureFor(db)));
    if (request.kind != SearchRequest::Kind::FullText)
        return std::optional<double>();
    // The lexemes plainto_tsquery() makes of the words, as to_tsvector()
    // makes them of a text (the same parser and dictionary).
    QSqlQuery *q = nullptr;
    QString why;
    if (!sql::run(db, QStringLiteral("SELECT lexeme FROM unnest(to_tsvector('english', ?))"), {request.text}, &q, &why))
        return failureFor(db)(QStringLiteral("look up a text's words"), why);
    QStringList lexemes;
    while (q->next())
        lexemes << q->value(0).toString();
    q->finish();
    return known(m_commonLexemes->ofAll(db, lexemes, failureFor(db)));
}

Expected<SearchPage> PostgresStore::search(const SearchRequest &request)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    const PlanForValues plan(*db, request);
    const sql::SearchShape shape = shapeFor(request);
    const Expected<QSet<QString>> pieced = piecedTerms(*db, request, failureFor(*db));
    if (!pieced)
        return pieced.error();
    const sql::QueryDialect pieces = dialectFor(*pieced);
    const Expected<sql::Where> text = sql::textOf(*db, request, pieces, failureFor(*db));
    if (!text)
        return text.error();
    const sql::Where filters = sql::filtersOf(request, dialect());
    const bool newest = request.sort == SearchRequest::Sort::Newest;
    // A query's tree is tested on each row of the walk as any text is (a
    // tag is one array test); a regular expression is not, within its budget.
    const bool walkable = request.kind == SearchRequest::Kind::Substring || request.kind == SearchRequest::Kind::FullText
                          || (request.kind == SearchRequest::Kind::Query && !request.query.contains(Query::Kind::Regex));
    // A query's page with its total comes from a short walk and the total
    // from a count of its own, when the walk fills the page: the count keeps
    // no key, sorts nothing, and reads a channel's or a day range's index
    // alone (`in:` a 1M-message channel 119 ms instead of 662, `after:` half
    // a year 34 instead of 120, measured). A walk that does not fill (a rare
    // filter, whose counted search is cheap) gives up after `exactWalkRows`.
    // A substring or words too, when PostgreSQL's statistics say they are
    // common enough for the walk to fill the page in half its rows: the
    // total then costs the count's heap visits without the counted search
    // gathering and sorting every match (at 1M, `server` in 17,109 messages
    // 52 ms counted, 35 + 2 apart; words' p99 over the term mix 77-81 ms
    // → 60-61). A rare one is searched counted: a walk that does not fill
    // only adds to it (2,000 rows 6-9 ms, a rare substring's search 7-10).
    std::optional<double> share; // of the messages holding the text, where the statistics tell
    if (newest && walkable) {
        const Expected<std::optional<double>> common = commonShare(*db, request, *pieced);
        if (!common)
            return common.error();
        share = *common;
    }
    const double needed = double(request.offset() + request.pageSize); // matches, for the page to fill
    const auto metIn = [&](qint64 rows) { return *share * double(rows); }; // a walk's expected matches
    const bool countApart = request.exactTotal
                            && (request.kind == SearchRequest::Kind::Query || (share && metIn(exactWalkRows) >= 2 * needed));
    if (newest && walkable && (!request.exactTotal || countApart)) {
        // The walk tests each row it reads: LIKE, not the pieces (dialectFor).
        const Expected<sql::Where> walkedText = pieced->isEmpty() ? text : sql::textOf(*db, request, dialect(), failureFor(*db));
        if (!walkedText)
            return walkedText.error();
        sql::Walk walk{QStringLiteral("\"timestamp\" AS t, message_id AS id, message_date AS d"),
                       QStringLiteral(" ORDER BY message_date DESC, \"timestamp\" DESC, message_id DESC"), *walkedText};
        // Words and queries give up as soon, with or without their total:
        // what they do not find in the newest 2,000 messages, their GIN
        // indexes find faster than walking on (the window's page of a query
        // with words at 1M p50 34-42 ms walking 20,000, 15 walking 2,000;
        // full text 21-24 → 12-13). A substring walks on: its trigram
        // search costs more than the walk (p50 12.5 → 20 with 2,000).
        if (countApart || request.kind != SearchRequest::Kind::Substring)
            walk.rows = exactWalkRows;
        // A query's date filters bound the rows walked, not only the rows
        // kept: during:2022-03 walks March's newest instead of the archive's
        // (where no match is), and its total is a sum (DayCounter). The
        // generic plan guesses a bound range at 0.5% of the archive (5,000
        // rows at 1M): a walk longer than that is planned as a parallel sort
        // of the range (54 ms), a shorter one as the index read backwards (2 ms).
        const sql::Where days = request.kind == SearchRequest::Kind::Query
                                    ? sql::daysOf(request.query, request.timeZone(), dialect())
                                    : sql::Where{};
        if (!days.clauses.isEmpty())
            walk.rows = std::min(walk.rows, exactWalkRows);
        const sql::Where walked = filters + days;
        // Not a walk the statistics say would meet less than half the page:
        // its counted search is as cheap as the text is rare, and brings the
        // total at once (at 1M, the window's page of the term mix before
        // its count, p50 / p99: substrings 9.4-12.5 / 40-48 ms → 2.5-3.2 /
        // 18-21, words 7.9-10.8 / 15.5-17.5 → 2.3-3.5 / 7.1-9.4).
        const bool hopeless = share && metIn(walk.rows) < needed / 2;
        if (std::optional<Expected<SearchPage>> page =
                hopeless ? std::nullopt : sql::walk(*db, shape, walk, walked, request, failureFor(*db))) {
            if (!*page || !countApart)
                return *page;
            // The query's filters from their days' counts where they can be
            // (DayCounter: has:reaction 190 ms → 1, in: a 1M-message channel
            // 416 → 3); a filter of the request's own is not one of them.
            Expected<qint64> total = qint64(0);
            if (request.kind == SearchRequest::Kind::Query && filters.clauses.isEmpty() && !filters.matchesNothing) {
                Expected<QList<Channel>> all = FilterTest::needsChannels(request.query) ? sql::channels(*db, failureFor(*db))
                                                                                          : QList<Channel>{};
                if (!all)
                    return all.error();
                total = DayCounter(*db, request.timeZone(), *all, failureFor(*db), pieces).count(request.query);
            } else {
                total = sql::count(*db, shape.table, *text + filters, failureFor(*db));
            }
            if (!total)
                return total.error();
            (*page)->totalCount = *total;
            return *page;
        }
    }
    const RegexBudget budget(*db, request);
    return budget.check(sql::search(*db, shape, *text + filters, request, failureFor(*db)));
}

Expected<qint64> PostgresStore::scan(const SearchRequest &request, const std::function<bool(const Message &)> &visit)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    const Expected<sql::QueryDialect> pieces = dialectFor(*db, request, failureFor(*db));
    if (!pieces)
        return pieces.error();
    const Expected<sql::Where> where = sql::whereOf(*db, request, *pieces, failureFor(*db));
    if (!where)
        return where.error();
    const PlanForValues plan(*db, request);
    return sql::scan(*db, QStringLiteral("SELECT %1 FROM discord_chats").arg(QLatin1String(selectColumns)),
                     QLatin1String(request.sort == SearchRequest::Sort::Oldest ? oldestFirst : newestFirst),
                     *where, visit, failureFor(*db));
}

Expected<QList<DayCount>> PostgresStore::countByDay(const SearchRequest &request)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    sql::DayExpression day;
    if (!request.isUtc()) // PostgreSQL knows the IANA zones
        day = {QStringLiteral("CAST(\"timestamp\" AT TIME ZONE CAST(? AS text) AS date)"), {QString::fromUtf8(request.zone)}};
    // A lone tag's days in UTC are tag_days' own (the window's count of
    // has:image at 10M messages without a row read).
    if (request.isUtc()) {
        if (const std::optional<sql::Where> tag = sql::onlyTag(request, sql::filtersOf(request, dialect()))) {
            return sql::countByDay(*db, QStringLiteral("tag_days"), *tag, failureFor(*db), {QStringLiteral("day"), {}},
                                   QStringLiteral("sum(n)"));
        }
    }
    const Expected<sql::QueryDialect> pieces = dialectFor(*db, request, failureFor(*db));
    if (!pieces)
        return pieces.error();
    const Expected<sql::Where> where = sql::whereOf(*db, request, *pieces, failureFor(*db));
    if (!where)
        return where.error();
    const PlanForValues plan(*db, request);
    const RegexBudget budget(*db, request);
    return budget.check(sql::countByDay(*db, QStringLiteral("discord_chats"), *where, failureFor(*db), day));
}

void PostgresStore::noteImported(const QSet<QDate> &months, qint64 rows)
{
    const QMutexLocker lock(&m_importedLock);
    m_importedMonths.unite(months);
    m_importedRows += rows;
}

// VACUUM skips pages already all-visible, so its cost follows the new rows;
// ANALYZE of the partitioned table does not: it samples every partition
// again (5.5 s at 1M messages, for a watch run that added five). So the
// statistics of the months the imports since the last call touched are
// brought up to date (and their visibility map, which a day range's count
// reads), and the whole table's own only when those imports were a tenth of
// it or more. Without a record of them (another program imported), all of it.
Expected<void> PostgresStore::optimize()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    const auto reread = qScopeGuard([this] { // the statistics it gathers
        m_commonPieces->forget();
        m_commonLexemes->forget();
    });
    QSet<QDate> months;
    qint64 rows = 0;
    {
        const QMutexLocker lock(&m_importedLock);
        months.swap(m_importedMonths);
        std::swap(rows, m_importedRows);
    }
    const auto failed = [&](const Error &error) {
        const QMutexLocker lock(&m_importedLock); // tried again by the next call
        m_importedMonths.unite(months);
        m_importedRows += rows;
        return error;
    };
    const auto failedQuery = [&](const QSqlQuery &q) {
        return failed(failureFor(*db)(QStringLiteral("update the statistics after the import"), q.lastError().text()));
    };
    QSqlQuery q(*db);
    if (!q.exec(QStringLiteral("ANALYZE channels")))
        return failedQuery(q);
    const Expected<qint64> archived = sql::archivedMessages(*db, failureFor(*db));
    if (!archived)
        return failed(archived.error());
    // The tag counts' rows of differences folded into one per tag and day
    // (none where they sum to nothing), over the months imported into or all
    // of them, in one statement; a tag and day already in one row stays.
    QSqlQuery fold(*db);
    const auto folded = [&](const QString &where, const QVariantList &binds) {
        fold.prepare(QStringLiteral("WITH gone AS (DELETE FROM tag_days WHERE (tag, day) IN ("
                                    "  SELECT tag, day FROM tag_days%1 GROUP BY 1, 2 HAVING count(*) > 1 OR sum(n) = 0)"
                                    " RETURNING tag, day, n)"
                                    " INSERT INTO tag_days (tag, day, n) SELECT tag, day, sum(n) FROM gone"
                                    " GROUP BY 1, 2 HAVING sum(n) <> 0").arg(where));
        for (const QVariant &v : binds)
            fold.addBindValue(v);
        return fold.exec();
    };
    if (months.isEmpty() || rows * 10 >= *archived) {
        if (!folded({}, {}))
            return failedQuery(fold);
        if (!q.exec(QStringLiteral("VACUUM (ANALYZE) discord_chats")) || !q.exec(QStringLiteral("VACUUM (ANALYZE) tag_days")))
            return failedQuery(q);
        return {};
    }
    for (const QDate &month : std::as_const(months)) {
        if (!folded(QStringLiteral(" WHERE day >= ? AND day < ?"), {month, month.addMonths(1)}))
            return failedQuery(fold);
    }
    if (!q.exec(QStringLiteral("VACUUM (ANALYZE) tag_days")))
        return failedQuery(q);
    QSqlQuery name(*db);
    name.prepare(QStringLiteral("SELECT quote_ident(relname) FROM pg_class WHERE oid = to_regclass(?)"));
    for (const QDate &month : std::as_const(months)) {
        name.addBindValue(QStringLiteral("discord_chats_p%1").arg(month.toString(QStringLiteral("yyyyMM"))));
        if (!name.exec())
            return failedQuery(name);
        if (!name.next())
            continue; // its rows went to the default partition (none should)
        const QString partition = name.value(0).toString(); // quoted by PostgreSQL, from its catalog
        name.finish();
        if (!q.exec(QStringLiteral("VACUUM (ANALYZE) ") + partition))
            return failedQuery(q);
    }
    return {};
}

Expected<MessageContext> PostgresStore::context(Snowflake messageId, int before, int after)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM discord_chats WHERE message_id = ?").arg(QLatin1String(selectColumns)));
    q.addBindValue(qint64(messageId));
    if (!q.exec())
        return failure(*db, QStringLiteral("find the message"), q.lastError().text());
    if (!q.next())
        return Error::notFound(QStringLiteral("Message %1 is not in the archive.").arg(messageId));
    MessageContext ctx;
    ctx.message = sql::readMessage(q);

    const auto neighbours = [&](bool older, int limit, QList<Message> &out) -> Expected<void> {
        if (limit <= 0)
            return {};
        // The message's own values written in (not read back in a CTE): the
        // planner then prunes the partitions by message_date and reads the
        // (channel_id, timestamp, message_id) index in order, stopping at
        // the limit, instead of sorting every earlier message of the channel.
        q.prepare(QStringLiteral("SELECT %1 FROM discord_chats WHERE channel_id = ? AND message_date %2 CAST(? AS date)"
                                 " AND \"timestamp\" %2 CAST(? AS timestamptz)"
                                 " AND (\"timestamp\", message_id) %3 (CAST(? AS timestamptz), CAST(? AS bigint))"
                                 " ORDER BY \"timestamp\" %4, message_id %4 LIMIT ?")
                      .arg(QLatin1String(selectColumns), older ? QStringLiteral("<=") : QStringLiteral(">="),
                           older ? QStringLiteral("<") : QStringLiteral(">"),
                           older ? QStringLiteral("DESC") : QStringLiteral("ASC")));
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(ctx.message.timestampMs, Qt::UTC);
        q.addBindValue(qint64(ctx.message.channelId));
        q.addBindValue(ctx.message.date());
        q.addBindValue(at);
        q.addBindValue(at);
        q.addBindValue(qint64(ctx.message.id));
        q.addBindValue(limit);
        Expected<QList<Message>> found = sql::neighbours(q, older, failureFor(*db));
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

Expected<QList<Channel>> PostgresStore::channels()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::channels(*db, failureFor(*db));
}

Expected<QList<Watch>> PostgresStore::watches()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::watches(*db, failureFor(*db));
}

Expected<void> PostgresStore::saveWatch(const Watch &watch)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::saveWatch(*db, watch, failureFor(*db));
}

Expected<void> PostgresStore::recordWatchRun(const Watch &watch)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::recordWatchRun(*db, watch, failureFor(*db));
}

Expected<bool> PostgresStore::removeWatch(Snowflake id)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::removeWatch(*db, id, failureFor(*db));
}

namespace {

// A libpq connection of its own to the store's database (QPSQL's connect
// options are "key=value;key=value").
PGconn *connectDirectly(const DatabaseUrl &url)
{
    QList<QByteArray> keys{"host", "port", "user", "password", "dbname", "connect_timeout"};
    QList<QByteArray> values{url.host.toUtf8(), QByteArray::number(url.port), url.user.toUtf8(), url.password.toUtf8(),
                             url.database.toUtf8(), "5"};
    for (const QString &option : url.options.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        const qsizetype eq = option.indexOf(QLatin1Char('='));
        if (eq <= 0)
            continue;
        const QByteArray key = option.left(eq).trimmed().toUtf8();
        const QByteArray value = option.mid(eq + 1).trimmed().toUtf8();
        if (const qsizetype at = keys.indexOf(key); at >= 0)
            values[at] = value;
        else
            keys << key, values << value;
    }
    std::vector<const char *> k, v;
    for (qsizetype i = 0; i < keys.size(); ++i) {
        if (values.at(i).isEmpty())
            continue;
        k.push_back(keys.at(i).constData());
        v.push_back(values.at(i).constData());
    }
    k.push_back(nullptr);
    v.push_back(nullptr);
    return PQconnectdbParams(k.data(), v.data(), 0);
}

// A session-level advisory lock keyed on the channel id, on a connection of its own: the server releases it
// when the connection closes, so a process that dies leaves no lock behind. Released, it is unlocked before
// the connection closes: PQfinish does not wait for the server's backend to end, so a lock left to the
// closing could still be held when the next export of the channel asks for it.
class PostgresChannelLock final : public ChannelLock
{
public:
    ~PostgresChannelLock() override
    {
        if (!m_conn)
            return;
        if (m_taken) {
            const char *values[] = {m_key.constData()};
            PQclear(PQexecParams(m_conn, "SELECT pg_advisory_unlock($1::bigint)", 1, nullptr, values, nullptr,
                                 nullptr, 0));
        }
        PQfinish(m_conn);
    }
    PGconn *m_conn = nullptr;
    QByteArray m_key;
    bool m_taken = false;
};

} // namespace

Expected<std::unique_ptr<ChannelLock>> PostgresStore::lockChannel(Snowflake channel)
{
    auto lock = std::make_unique<PostgresChannelLock>();
    lock->m_conn = connectDirectly(m_url);
    if (PQstatus(lock->m_conn) != CONNECTION_OK)
        return Error::unavailable(QStringLiteral("PostgreSQL at %1 cannot be reached to lock channel %2 for its export: %3")
                                      .arg(m_url.redacted())
                                      .arg(channel)
                                      .arg(QString::fromUtf8(PQerrorMessage(lock->m_conn)).trimmed()));
    const QByteArray key = QByteArray::number(qint64(channel));
    const char *values[] = {key.constData()};
    PGresult *r = PQexecParams(lock->m_conn, "SELECT pg_try_advisory_lock($1::bigint)", 1, nullptr, values, nullptr,
                               nullptr, 0);
    const bool ran = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    const bool taken = ran && PQgetvalue(r, 0, 0)[0] == 't';
    const QString problem = QString::fromUtf8(PQresultErrorMessage(r)).trimmed();
    PQclear(r);
    if (!ran)
        return Error::unavailable(QStringLiteral("PostgreSQL at %1 could not lock channel %2 for its export: %3")
                                      .arg(m_url.redacted())
                                      .arg(channel)
                                      .arg(problem));
    if (!taken)
        return std::unique_ptr<ChannelLock>();
    lock->m_key = key;
    lock->m_taken = true;
    return std::unique_ptr<ChannelLock>(std::move(lock));
}

Expected<QList<Author>> PostgresStore::authors(int limit)
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::authors(*db, QStringLiteral("discord_chats"), limit, failureFor(*db));
}

Expected<QList<Guild>> PostgresStore::guilds()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    return sql::guilds(*db, failureFor(*db));
}

Expected<StoreStats> PostgresStore::stats()
{
    Expected<QSqlDatabase> db = database();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral(
            "SELECT (SELECT COALESCE(sum(message_count), 0) FROM channels), (SELECT count(*) FROM channels),"
            " (SELECT count(*) FROM guilds),"
            // Through the date index: min("timestamp") alone would read every row.
            " COALESCE(CAST(extract(epoch FROM (SELECT min(\"timestamp\") FROM discord_chats"
            "   WHERE message_date = (SELECT min(message_date) FROM discord_chats))) * 1000 AS bigint), 0),"
            " COALESCE(CAST(extract(epoch FROM (SELECT max(\"timestamp\") FROM discord_chats"
            "   WHERE message_date = (SELECT max(message_date) FROM discord_chats))) * 1000 AS bigint), 0)"))
        || !q.next())
        return failure(*db, QStringLiteral("read statistics"), q.lastError().text());
    StoreStats s;
    s.messages = q.value(0).toLongLong();
    s.channels = q.value(1).toLongLong();
    s.guilds = q.value(2).toLongLong();
    s.oldestMs = q.value(3).toLongLong();
    s.newestMs = q.value(4).toLongLong();
    return s;
}

} // namespace fdd
