#include "dce/importer.h"
#include "store/postgresstore.h"
#include "exportwriter.h"
#include "testdatabase.h"

#include <QTemporaryDir>

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>

using namespace fdd;
using fdd::test::fixture;

// What only the PostgreSQL store has: its schema, partitions and connection
// handling. What every store must do is in tst_storeconformance.
class TestPostgresStore : public QObject
{
    Q_OBJECT

    std::unique_ptr<test::TestDatabase> m_db;
    std::shared_ptr<PostgresStore> m_store;

    qint64 scalar(const QString &sql)
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("check"));
        db.setHostName(m_db->url().host);
        db.setPort(m_db->url().port);
        db.setUserName(m_db->url().user);
        db.setDatabaseName(m_db->url().database);
        qint64 v = -1;
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql) && q.next())
                v = q.value(0).toLongLong();
        }
        db = {};
        QSqlDatabase::removeDatabase(QStringLiteral("check"));
        return v;
    }

private slots:
    void initTestCase()
    {
        m_db = std::make_unique<test::TestDatabase>(QStringLiteral("pgstore"));
        QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
        m_store = std::make_shared<PostgresStore>(m_db->url());
        Expected<void> migrated = m_store->migrate();
        QVERIFY2(migrated, migrated ? "" : qPrintable(migrated.error().message));
        QVERIFY2(m_store->migrate(), "a second migrate() must be a no-op");
        QCOMPARE(scalar(QStringLiteral("SELECT max(version) FROM schema_version")), PostgresStore::schemaVersion());
        for (const char *name : {"modern.json", "legacy.json", "thread.json"}) {
            const FileImport r = Importer(*m_store).importFile(fixture(QStringLiteral("dce/") + QLatin1String(name)));
            QVERIFY2(!r.error, r.error ? qPrintable(r.error->message) : name);
        }
    }

    void schemaHasTheIndexes_data()
    {
        QTest::addColumn<QString>("index");
        QTest::newRow("tsvector GIN") << "discord_chats_tsv_idx";
        QTest::newRow("trigram GIN") << "discord_chats_trgm_idx";
        QTest::newRow("date btree") << "discord_chats_date_idx";
        QTest::newRow("channel, timestamp btree") << "discord_chats_channel_ts_idx";
    }

    void schemaHasTheIndexes()
    {
        QFETCH(QString, index);
        QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM pg_indexes WHERE indexname = '%1'").arg(index)), 1);
    }

    void partitionsAreMonthly()
    {
        for (const char *month : {"p202001", "p202404", "p202405"})
            QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                                           " WHERE c.relname = 'discord_chats_%1'").arg(QLatin1String(month))),
                     1);
        QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM discord_chats_default")), 0);
        QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM discord_chats_p202404")), 2);
        // A negative offset moved this message into the next UTC day.
        QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM discord_chats WHERE message_date = '2020-01-06'")), 1);
    }

    void generatedTsvector()
    {
        QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM discord_chats WHERE content_tsvector @@ to_tsquery('english', 'run')")), 1);
    }

    // The server drops the import's connection part-way (as a restart does):
    // the file fails with a sentence and stores nothing; importing it again
    // stores every message once.
    void connectionLostMidImport()
    {
        QTemporaryDir tmp;
        constexpr Snowflake channel = 4141414141414141411ull;
        const QString path = test::writeExport(tmp.path(), QStringLiteral("restart"), channel, 30000,
                                               QDateTime(QDate(2022, 5, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch());
        const QString inChannel = QStringLiteral("SELECT count(*) FROM discord_chats WHERE channel_id = %1").arg(channel);
        Importer importer(*m_store);
        importer.setBatchSize(1000);
        bool killed = false;
        importer.setProgressHandler([&](const Importer::Progress &p) {
            if (!killed && p.bytesDone * 3 > p.bytesTotal) {
                killed = true;
                QCOMPARE(scalar(QStringLiteral("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")),
                         1);
            }
        });
        const FileImport failed = importer.importFile(path);
        QVERIFY(killed);
        QVERIFY(failed.error);
        QVERIFY2(failed.error->message.contains(QStringLiteral("PostgreSQL")), qPrintable(failed.error->message));
        QVERIFY2(!failed.error->message.contains(QStringLiteral("INSERT")), qPrintable(failed.error->message));
        QCOMPARE(scalar(inChannel), 0);

        importer.setProgressHandler({});
        const FileImport again = importer.importFile(path);
        QVERIFY2(!again.error, again.error ? qPrintable(again.error->message) : "");
        QCOMPARE(again.inserted, 30000);
        QCOMPARE(scalar(inChannel), 30000);
        QCOMPARE(scalar(QStringLiteral("SELECT count(DISTINCT message_id) FROM discord_chats WHERE channel_id = %1").arg(channel)), 30000);
    }

    void unreachableServerIsASentence()
    {
        DatabaseUrl url = m_db->url();
        url.port = 1; // nothing listens there
        PostgresStore store(url);
        const Expected<void> r = store.migrate();
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Unavailable);
        QVERIFY2(r.error().message.startsWith(QStringLiteral("PostgreSQL at postgresql://")), qPrintable(r.error().message));
        QVERIFY2(r.error().message.contains(QStringLiteral("cannot be reached")), qPrintable(r.error().message));
    }
};

QTEST_GUILESS_MAIN(TestPostgresStore)
#include "tst_postgresstore.moc"
