#include "dce/dcereader.h"
#include "dce/importer.h"
#include "model/isotime.h"
#include "search/searchservice.h"
#include "store/elasticstore.h"
#include "store/postgresstore.h"
#include "store/sqlitestore.h"
#include "elasticprocess.h"
#include "exportwriter.h"
#include "testdatabase.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace fdd;
using fdd::test::fixture;
using fdd::test::readExport;

namespace {


QString isoDate(qint64 ms)
{
    std::string s;
    isotime::appendIsoDate(s, ms);
    return QString::fromStdString(s);
}

// Writes `messages` as schema 2 kept them (its columns only) through `db`.
bool insertAsSchema2(QSqlDatabase &db, const QString &table, const QList<Message> &messages, bool postgres)
{
    QSqlQuery q(db);
    for (const Message &m : messages) {
        if (postgres) {
            q.prepare(QStringLiteral("SELECT fdd_ensure_month_partition(CAST(? AS date))"));
            q.addBindValue(isoDate(m.timestampMs));
            if (!q.exec()) {
                qWarning() << q.lastError().text();
                return false;
            }
        }
        q.prepare(QStringLiteral("INSERT INTO %1 (message_id, channel_id, guild_id, author_id, author_name, %2, message_date,"
                                 " content, reply_to_id, attachment_count, embed_count, reaction_count, edited_at)"
                                 " VALUES (?, ?, ?, ?, ?, %3, ?, ?, ?, ?, ?, ?, %4)")
                      .arg(table, postgres ? QStringLiteral("\"timestamp\"") : QStringLiteral("ts"),
                           postgres ? QStringLiteral("to_timestamp(CAST(? AS bigint) / 1000.0)") : QStringLiteral("?"),
                           postgres ? QStringLiteral("to_timestamp(CAST(? AS bigint) / 1000.0)") : QStringLiteral("?")));
        q.addBindValue(qint64(m.id));
        q.addBindValue(qint64(m.channelId));
        q.addBindValue(qint64(m.guildId));
        q.addBindValue(qint64(m.authorId));
        q.addBindValue(m.authorName);
        q.addBindValue(m.timestampMs);
        q.addBindValue(isoDate(m.timestampMs));
        q.addBindValue(m.content.isNull() ? QStringLiteral("") : m.content);
        q.addBindValue(m.replyToId ? QVariant(qint64(m.replyToId)) : QVariant(QMetaType::fromType<qint64>()));
        q.addBindValue(m.attachmentCount);
        q.addBindValue(m.embedCount);
        q.addBindValue(m.reactionCount);
        q.addBindValue(m.editedMs ? QVariant(m.editedMs) : QVariant(QMetaType::fromType<qint64>()));
        if (!q.exec()) {
            qWarning() << q.lastError().text();
            return false;
        }
    }
    return true;
}

constexpr Snowflake channel = 2222222222222222226ull; // dce/v2.47-media.json

// A connection of its own (named `name`) to the test database, not yet open.
QSqlDatabase connectionTo(const test::TestDatabase &database, const QString &name)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
    db.setHostName(database.url().host);
    db.setPort(database.url().port);
    db.setUserName(database.url().user);
    db.setDatabaseName(database.url().database);
    return db;
}

// How many (tag, day, count) rows PostgreSQL's tag_days and the messages'
// own tags and channels disagree on, both ways (−1: not asked).
qint64 tagDayDifferences(const test::TestDatabase &database)
{
    qint64 v = -1;
    {
        QSqlDatabase db = connectionTo(database, QStringLiteral("tag_days"));
        QSqlQuery q(db);
        if (db.open()
            && q.exec(QStringLiteral(
                "WITH c AS (SELECT tag, day, sum(n) AS n FROM tag_days GROUP BY 1, 2 HAVING sum(n) <> 0),"
                " t AS (SELECT x AS tag, message_date AS day, count(*) AS n"
                "  FROM discord_chats, unnest(tags || ARRAY['in:' || channel_id, 'in:*']) x GROUP BY 1, 2)"
                " SELECT (SELECT count(*) FROM (SELECT * FROM c EXCEPT SELECT * FROM t) a)"
                " + (SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM c) b)"))
            && q.next())
            v = q.value(0).toLongLong();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("tag_days"));
    return v;
}

} // namespace

// An archive written by the previous schema (2: messages without their
// attachments, embeds, reactions…) is upgraded in place by migrate(), keeps
// every message, and gains the whole messages when their file is imported
// again, without a duplicate. PostgreSQL and SQLite.
class TestUpgrade : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QList<Message> m_expected;

    // After the upgrade: the old rows are all there, marked incomplete; an
    // import completes them.
    void checkUpgradeThenImport(MessageStore &store)
    {
        SearchService service(std::shared_ptr<MessageStore>(&store, [](MessageStore *) {}));
        SearchRequest r;
        r.kind = SearchRequest::Kind::Date;
        r.startDate = QDate(2024, 1, 1);
        r.endDate = QDate(2024, 12, 31);
        r.channelId = channel;
        r.pageSize = 50;
        Expected<SearchPage> before = service.search(r);
        QVERIFY2(before, before ? "" : qPrintable(before.error().message));
        QCOMPARE(before->totalCount, m_expected.size());
        for (const Message &m : std::as_const(before->messages)) {
            QVERIFY(!m.hasDetail);
            QVERIFY(m.attachments.isEmpty() && m.type.isEmpty());
        }
        // The old rows' text is found as a new row's is (PostgreSQL: through
        // the pieces and vocabulary the upgrade gave them).
        static const QRegularExpression word(QStringLiteral("[A-Za-z]{4,}"));
        QString term;
        for (const Message &m : std::as_const(m_expected)) {
            if (const QRegularExpressionMatch found = word.match(m.content); found.hasMatch() && term.isEmpty())
                term = found.captured().mid(1);
        }
        QVERIFY(!term.isEmpty());
        SearchRequest text = r;
        text.kind = SearchRequest::Kind::Substring;
        text.text = term;
        text.startDate = {};
        text.endDate = {};
        const qint64 containing = std::count_if(m_expected.begin(), m_expected.end(), [&](const Message &m) {
            return m.content.contains(term, Qt::CaseInsensitive);
        });
        QVERIFY(containing > 0);
        const Expected<SearchPage> found = service.search(text);
        QVERIFY2(found, found ? "" : qPrintable(found.error().message));
        QCOMPARE(found->totalCount, containing);
        Importer importer(store);
        importer.setMediaLibrary(nullptr); // the urls as the file has them, as m_expected
        const FileImport imported = importer.importFile(fixture(QStringLiteral("dce/v2.47-media.json")));
        QVERIFY2(!imported.error, imported.error ? qPrintable(imported.error->message) : "");
        QCOMPARE(imported.inserted, 0);
        QCOMPARE(imported.skipped, m_expected.size());
        Expected<SearchPage> after = service.search(r);
        QVERIFY(after);
        QCOMPARE(after->totalCount, m_expected.size());
        QList<Message> stored = after->messages;
        std::reverse(stored.begin(), stored.end());
        for (qsizetype i = 0; i < m_expected.size(); ++i)
            QCOMPARE(stored.at(i), m_expected.at(i));
    }

    // An archive of the schema before the search language's name tags:
    // the whole messages imported, then those tags taken away as that
    // version never wrote them (`strip`, in the store's SQL); migrate()
    // gives them back, from the columns and the detail.
    void checkNameTagsAfterUpgrade(MessageStore &store, const QString &strip, QSqlDatabase db)
    {
        Importer importer(store);
        importer.setMediaLibrary(nullptr);
        const FileImport imported = importer.importFile(fixture(QStringLiteral("dce/v2.47-media.json")));
        QVERIFY2(!imported.error, imported.error ? qPrintable(imported.error->message) : "");
        QSqlQuery q(db);
        QVERIFY2(q.exec(strip), qPrintable(q.lastError().text()));
        SearchService service(std::shared_ptr<MessageStore>(&store, [](MessageStore *) {}));
        const auto count = [&service](const QString &query) {
            SearchRequest r;
            r.kind = SearchRequest::Kind::Query;
            r.text = query;
            const Expected<SearchPage> p = service.search(r);
            return p ? p->totalCount : -1;
        };
        QCOMPARE(count(QStringLiteral("from:alice")), 0); // as that version left them
        const Expected<void> migrated = store.migrate();
        QVERIFY2(migrated, migrated ? "" : qPrintable(migrated.error().message));
        QCOMPARE(count(QStringLiteral("from:alice")), 3);
        QCOMPARE(count(QStringLiteral("from:\"ALICE W.\"")), 3);
        QCOMPARE(count(QStringLiteral("from:bob")), 3);
        QCOMPARE(count(QStringLiteral("mentions:bob")), 1);
        QCOMPARE(count(QStringLiteral("mentions:\"alice w.\"")), 1);
        QCOMPARE(count(QStringLiteral("reaction:fire")), 1);
        QCOMPARE(count(QStringLiteral("mentions:7777777777777777777")), 1); // the tags of before stay
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_expected = readExport(fixture(QStringLiteral("dce/v2.47-media.json")));
        QCOMPARE(m_expected.size(), 7);
    }

    void postgres()
    {
        test::TestDatabase database(QStringLiteral("upgrade"));
        QVERIFY2(database.isValid(), qPrintable(database.error()));
        {
            PostgresStore old(database.url());
            QVERIFY(old.migrateTo(2));
            QSqlDatabase db = connectionTo(database, QStringLiteral("upgrade"));
            QVERIFY(db.open());
            QVERIFY(insertAsSchema2(db, QStringLiteral("discord_chats"), m_expected, true));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("upgrade"));
        PostgresStore store(database.url());
        const Expected<void> migrated = store.migrate();
        QVERIFY2(migrated, migrated ? "" : qPrintable(migrated.error().message));
        checkUpgradeThenImport(store);
        // The older messages' completion (an update) counted their tags too.
        QCOMPARE(tagDayDifferences(database), 0);
    }

    void sqlite()
    {
        const QString path = m_tmp.filePath(QStringLiteral("old.db"));
        {
            SqliteStore old(path);
            QVERIFY(old.migrateTo(2));
        }
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("upgrade"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QVERIFY(insertAsSchema2(db, QStringLiteral("messages"), m_expected, false));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("upgrade"));
        SqliteStore store(path);
        const Expected<void> migrated = store.migrate();
        QVERIFY2(migrated, migrated ? "" : qPrintable(migrated.error().message));
        checkUpgradeThenImport(store);
    }

    void postgresNameTags()
    {
        test::TestDatabase database(QStringLiteral("upgrade_tags"));
        QVERIFY2(database.isValid(), qPrintable(database.error()));
        PostgresStore store(database.url());
        QVERIFY(store.migrateTo(4));
        QSqlDatabase db = connectionTo(database, QStringLiteral("upgrade_tags"));
        QVERIFY(db.open());
        checkNameTagsAfterUpgrade(store,
                                  QStringLiteral("UPDATE discord_chats SET tags = ARRAY(SELECT t FROM unnest(tags) t"
                                                 " WHERE t NOT LIKE 'from:%' AND t <> 'reaction:fire'"
                                                 " AND (t NOT LIKE 'mentions:%' OR t ~ '^mentions:[0-9]+$'))"),
                                  db);
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("upgrade_tags"));
        // Schema 6 counted the tags schema 5 gave them.
        QCOMPARE(tagDayDifferences(database), 0);
    }

    void sqliteNameTags()
    {
        const QString path = m_tmp.filePath(QStringLiteral("tags.db"));
        SqliteStore store(path);
        QVERIFY(store.migrateTo(3));
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("upgrade_tags"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        checkNameTagsAfterUpgrade(store,
                                  QStringLiteral("DELETE FROM message_tags WHERE tag LIKE 'from:%' OR tag = 'reaction:fire'"
                                                 " OR (tag LIKE 'mentions:%' AND tag GLOB 'mentions:*[^0-9]*')"),
                                  db);
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("upgrade_tags"));
    }
};

QTEST_GUILESS_MAIN(TestUpgrade)
#include "tst_upgrade.moc"
