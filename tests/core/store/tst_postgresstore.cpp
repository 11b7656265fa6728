#include "dce/importer.h"
#include "search/searchservice.h"
#include "store/postgresstore.h"
#include "store/sqlcommon.h"
#include "exportwriter.h"
#include "testdatabase.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
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

    // This thread's connection of the store's pool: the session its
    // statements are prepared and counted in.
    QSqlDatabase storeSession() const
    {
        for (const QString &name : QSqlDatabase::connectionNames()) {
            const QSqlDatabase db = QSqlDatabase::database(name, false);
            if (name.startsWith(QLatin1String("fdd-")) && db.isOpen() && db.databaseName() == m_db->url().database)
                return db;
        }
        return {};
    }

    // Imports one message of `contents` a second into `channel`, ids from
    // `firstId`, at `time` with its seconds (%1) from 00.
    void importMessages(Snowflake channel, Snowflake firstId, const QString &time, const QStringList &contents)
    {
        QTemporaryDir tmp;
        const QString path = test::writeContents(tmp.path(), QStringLiteral("messages"), channel, firstId, time, contents);
        QVERIFY(!path.isEmpty());
        const FileImport imported = Importer(*m_store).importFile(path);
        QVERIFY2(!imported.error, imported.error ? qPrintable(imported.error->message) : "");
        QCOMPARE(imported.inserted, contents.size());
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
        QTest::newRow("trigram GIN on the folded text") << "discord_chats_folded_trgm_idx";
        QTest::newRow("date, timestamp, id btree (newest first, day ranges)") << "discord_chats_day_order_idx";
        QTest::newRow("channel, timestamp btree") << "discord_chats_channel_ts_idx";
        QTest::newRow("tag counts by tag and day") << "tag_days_tag_idx";
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

    // `detail` is never filtered on: ANALYZE leaves it alone, in partitions
    // made after the migration too.
    void detailHasNoStatistics()
    {
        QCOMPARE(scalar(QStringLiteral("SELECT attstattarget FROM pg_attribute WHERE attrelid = 'discord_chats_p202404'::regclass"
                                       " AND attname = 'detail'")),
                 0);
        QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM pg_attribute a JOIN pg_inherits i ON i.inhrelid = a.attrelid"
                                       " WHERE i.inhparent = 'discord_chats'::regclass AND a.attname = 'detail' AND a.attstattarget <> 0")),
                 0);
    }

    // A file larger than a chunk (8 MB of rows) goes in several, each
    // INSERT overlapping the reading of the next: every message once, and a
    // second import of it skips them all.
    void importsInChunks()
    {
        QTemporaryDir dir;
        constexpr Snowflake channel = 2727272727272727271ull;
        const QString path = test::writeExport(dir.path(), QStringLiteral("chunks"), channel, 60000,
                                               QDateTime(QDate(2023, 6, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch());
        QVERIFY(!path.isEmpty());
        const FileImport first = Importer(*m_store).importFile(path);
        QVERIFY2(!first.error, first.error ? qPrintable(first.error->message) : "");
        QCOMPARE(first.inserted, 60000);
        QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM discord_chats WHERE channel_id = %1").arg(channel)), 60000);
        const FileImport again = Importer(*m_store).importFile(path);
        QCOMPARE(again.inserted, 0);
        QCOMPARE(again.skipped, 60000);
        QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM discord_chats WHERE channel_id = %1").arg(channel)), 60000);
    }

    // After an import only the months it touched are analysed again (the
    // whole partitioned table's ANALYZE samples every partition: 5.5 s at
    // 1M messages for any import); after one of a tenth of the archive or
    // more, or one this store did not see, all of it.
    void statisticsFollowTheImportedMonths()
    {
        const auto analysed = [this](const char *month) {
            return scalar(QStringLiteral("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'discord_chats_%1'")
                              .arg(QLatin1String(month)));
        };
        QVERIFY(m_store->optimize()); // nothing recorded: everything
        const qint64 june = analysed("p202306"), february = analysed("p202102");
        QVERIFY(june >= 1);
        QCOMPARE(february, -1); // not made yet
        importMessages(2828282828282828281ull, 1700000000000000000ull, QStringLiteral("2021-02-02T02:02:%1+00:00"),
                       {QStringLiteral("one"), QStringLiteral("two"), QStringLiteral("three")});
        QVERIFY(m_store->optimize());
        QCOMPARE(analysed("p202102"), 1);
        QCOMPARE(analysed("p202306"), june); // 60,000 messages not sampled again for 3
        QVERIFY(m_store->optimize()); // and once more: nothing recorded, all of it
        QCOMPARE(analysed("p202306"), june + 1);
    }

    // tag_days counts each tag's messages by day, and each channel's and
    // all of them, through every change of discord_chats: an import, one
    // imported again (skipped), the tags an older message gains, a message
    // moved to another channel, a message deleted; optimize() folds each tag and
    // day into one row. What it holds is compared with the tags themselves.
    void tagCountsFollowEveryChange()
    {
        // Rows of (tag, day, count) in one and not in the other, both ways.
        const QString differences = QStringLiteral(
            "WITH c AS (SELECT tag, day, sum(n) AS n FROM tag_days GROUP BY 1, 2 HAVING sum(n) <> 0),"
            " t AS (SELECT x AS tag, message_date AS day, count(*) AS n"
            "  FROM discord_chats, unnest(tags || ARRAY['in:' || channel_id, 'in:*']) x GROUP BY 1, 2)"
            " SELECT (SELECT count(*) FROM (SELECT * FROM c EXCEPT SELECT * FROM t) a)"
            " + (SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM c) b)");
        const QString tagged = QStringLiteral("SELECT count(*) FROM discord_chats, unnest(tags)");
        QVERIFY(scalar(tagged) > 0);
        QCOMPARE(scalar(differences), 0);

        const QString media = fixture(QStringLiteral("dce/v2.47-media.json"));
        FileImport r = Importer(*m_store).importFile(media);
        QVERIFY2(!r.error, r.error ? qPrintable(r.error->message) : "");
        QVERIFY(r.inserted > 0);
        const qint64 withMedia = scalar(tagged);
        QCOMPARE(scalar(differences), 0);
        r = Importer(*m_store).importFile(media); // all of it there already
        QVERIFY2(!r.error, r.error ? qPrintable(r.error->message) : "");
        QCOMPARE(r.inserted, 0);
        QCOMPARE(scalar(tagged), withMedia);
        QCOMPARE(scalar(differences), 0);

        // An update (as an older message's completion is) and a deletion,
        // in the media file's channel only.
        const auto changed = [this](const QString &statement) {
            return scalar(QStringLiteral("WITH c AS (%1 AND channel_id = 2222222222222222226 RETURNING 1) SELECT count(*) FROM c")
                              .arg(statement));
        };
        QVERIFY(changed(QStringLiteral("UPDATE discord_chats SET tags = tags || ARRAY['pinned', 'has:sticker']"
                                       " WHERE NOT tags @> ARRAY['pinned']")) > 0);
        QCOMPARE(scalar(differences), 0);
        QVERIFY(changed(QStringLiteral("UPDATE discord_chats SET tags = '{}' WHERE tags @> ARRAY['has:reaction']")) > 0);
        QCOMPARE(scalar(differences), 0);
        // A message moved to another channel (its days' counts move with it).
        QVERIFY(changed(QStringLiteral("UPDATE discord_chats SET channel_id = 2222222222222222299 WHERE tags = '{}'")) > 0);
        QCOMPARE(scalar(differences), 0);
        QVERIFY(changed(QStringLiteral("DELETE FROM discord_chats WHERE tags @> ARRAY['has:sticker']")) > 0);
        QCOMPARE(scalar(differences), 0);
        QVERIFY(scalar(QStringLiteral("SELECT count(*) FROM (SELECT tag, day FROM tag_days GROUP BY 1, 2 HAVING count(*) > 1) x")) > 0);

        QVERIFY(m_store->optimize());
        QCOMPARE(scalar(differences), 0);
        QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM (SELECT tag, day FROM tag_days GROUP BY 1, 2 HAVING count(*) > 1) x")), 0);
        QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM tag_days WHERE n = 0")), 0);
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

    // Qt's PostgreSQL driver writes bound values into the statement text
    // (EXECUTE qpsqlpstmt_N ('…')), escaped by libpq. Whatever a value holds,
    // it must stay one value: each is archived as a message, then searched for
    // as a substring (exactly that message) and as full text (no error), and
    // the table is whole afterwards.
    void boundValuesKeepTheirMeaning_data()
    {
        QTest::addColumn<QString>("value");
        QTest::newRow("quote") << QStringLiteral("it's");
        QTest::newRow("doubled quotes") << QStringLiteral("''");
        QTest::newRow("backslash") << QStringLiteral("a\\b");
        QTest::newRow("backslash quote") << QStringLiteral("\\'");
        QTest::newRow("E string") << QStringLiteral("E'\\x41' || '");
        QTest::newRow("dollar quoting") << QStringLiteral("$$ $1 $body$ x");
        QTest::newRow("statement end") << QStringLiteral("'; DROP TABLE discord_chats; --");
        QTest::newRow("tautology") << QStringLiteral("%' OR '1'='1");
        QTest::newRow("function call") << QStringLiteral("'||pg_sleep(5)||'");
        QTest::newRow("placeholders") << QStringLiteral("? :name %s $2");
        QTest::newRow("comment") << QStringLiteral("/* x */ -- y");
        QTest::newRow("non-ASCII") << QStringLiteral("\u00e9t\u00e9 \U0001F600 \u202Eevil");
        QTest::newRow("100 quotes and backslashes") << QStringLiteral("'\\").repeated(50);
    }

    void boundValuesKeepTheirMeaning()
    {
        QFETCH(QString, value);
        static Snowflake nextId = 1500000000000000000ull;
        const Snowflake id = ++nextId;
        constexpr Snowflake channel = 4242424242424242421ull;
        const QJsonObject message{{QStringLiteral("id"), QString::number(id)},
                                  {QStringLiteral("type"), QStringLiteral("Default")},
                                  {QStringLiteral("timestamp"), QStringLiteral("2023-03-03T03:03:03+00:00")},
                                  {QStringLiteral("content"), QStringLiteral("<<") + value + QStringLiteral(">>")},
                                  {QStringLiteral("author"), QJsonObject{{QStringLiteral("id"), QStringLiteral("42")},
                                                                         {QStringLiteral("name"), value.left(32)}}}};
        const QJsonObject root{{QStringLiteral("guild"), QJsonObject{{QStringLiteral("id"), QStringLiteral("4242")},
                                                                      {QStringLiteral("name"), value}}},
                               {QStringLiteral("channel"), QJsonObject{{QStringLiteral("id"), QString::number(channel)},
                                                                        {QStringLiteral("type"), QStringLiteral("GuildTextChat")},
                                                                        {QStringLiteral("name"), value}}},
                               {QStringLiteral("messages"), QJsonArray{message}}};
        QTemporaryDir tmp;
        QFile file(tmp.filePath(QStringLiteral("hostile.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QJsonDocument(root).toJson());
        file.close();
        const qint64 rows = scalar(QStringLiteral("SELECT count(*) FROM discord_chats"));
        const FileImport imported = Importer(*m_store).importFile(file.fileName());
        QVERIFY2(!imported.error, imported.error ? qPrintable(imported.error->message) : "");
        QCOMPARE(imported.inserted, 1);

        SearchService service(m_store);
        SearchRequest r;
        r.kind = SearchRequest::Kind::Substring;
        r.text = value;
        Expected<SearchPage> page = service.search(r);
        QVERIFY2(page, page ? "" : qPrintable(page.error().message));
        QCOMPARE(page->totalCount, 1);
        QCOMPARE(page->messages.first().id, id);
        QCOMPARE(page->messages.first().content, QStringLiteral("<<") + value + QStringLiteral(">>"));
        QCOMPARE(page->messages.first().authorName, value.left(32));
        r.text = QStringLiteral("<<") + value.left(90) + QStringLiteral(">>").left(value.size() > 90 ? 0 : 2);
        page = service.search(r);
        QVERIFY2(page && page->totalCount == 1, page ? "" : qPrintable(page.error().message));
        r.kind = SearchRequest::Kind::FullText;
        r.text = value;
        page = service.search(r);
        QVERIFY2(page, page ? "" : qPrintable(page.error().message));
        r.kind = SearchRequest::Kind::All;
        QVERIFY(service.scan(r, [](const Message &) { return true; }));
        QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM discord_chats")), rows + 1);
    }

    // Substring search compares the stored lower(content) with LIKE instead
    // of content with ILIKE (schema 4), or finds a term without ASCII
    // punctuation through the pieces of the text (schema 8): the same
    // matches, whatever the letters, as PostgreSQL's own ILIKE finds them in
    // the same database. For the pieces: a term at a piece's ends, inside
    // one, across punctuation (no match), beside non-ASCII letters and emoji,
    // in a piece too long to be kept (of ASCII, of CJK), and after the
    // Kelvin sign, which lower() makes an ASCII k.
    void substringMatchesWhatIlikeMatches_data()
    {
        QTest::addColumn<QString>("term");
        for (const char *term : {"ÉCOLE", "école", "straße", "STRASSE", "İstanbul", "istanbul", "ΣΊΣΥΦΟΣ", "σίσυφος",
                                 "ǅemal", "ǆemal", "ПРИВЕТ", "привет", "ﬁle", "FILE", "µ", "Μ", "ÅNGSTRÖM", "k", "K", "e\\_%",
                                 "kelvin", "KELVIN", "elvi", "bar", "quux", "qux", "obar", "bazqux", "fé👍o", "café", "needle",
                                 "xxxx", "東京", "本語日", "hello", "LLO", "c12", "3de", "nothing-here"})
            QTest::newRow(term) << QString::fromUtf8(term);
    }

    void substringMatchesWhatIlikeMatches()
    {
        QFETCH(QString, term);
        constexpr Snowflake channel = 4242424242424242499ull;
        if (scalar(QStringLiteral("SELECT count(*) FROM discord_chats WHERE channel_id = %1").arg(channel)) == 0) {
            const QStringList contents{
                QStringLiteral("Une École à Paris"), QStringLiteral("die Straße und die STRASSE"), QStringLiteral("İSTANBUL, Istanbul"),
                QStringLiteral("Σίσυφος ΣΊΣΥΦΟΣ σίσυφοσ"), QStringLiteral("ǅemal Ǆemal ǆemal"), QStringLiteral("Привет ПРИВЕТ"),
                QStringLiteral("a ﬁle, a FILE"), QStringLiteral("µ and Μ and μ"), QStringLiteral("Ångström ÅNGSTRÖM"),
                QStringLiteral("Kelvin kelvin"), QStringLiteral("e\\_% literally"),
                QStringLiteral("foo.bar,baz-qux_quux"), QStringLiteral("un café👍ok"), QStringLiteral("HeLLo WoRLD abc123def"),
                QStringLiteral("%1needle%2 and needle").arg(QString(250, u'x'), QString(10, u'y')),
                QStringLiteral("%1needles").arg(QString(300, u'x')),
                QStringLiteral("日本語").repeated(40) + QStringLiteral("東京") + QStringLiteral("日本語").repeated(40)};
            importMessages(channel, 1600000000000000000ull, QStringLiteral("2023-04-04T04:04:%1+00:00"), contents);
        }
        SearchRequest r;
        r.kind = SearchRequest::Kind::Substring;
        r.text = term;
        r.channelId = channel;
        Expected<SearchPage> page = SearchService(m_store).search(r);
        QVERIFY2(page, page ? "" : qPrintable(page.error().message));
        // And as the window asks for the page, walking a large archive.
        const qint64 minimum = sql::walkMinimumArchive();
        const auto restore = qScopeGuard([minimum] { sql::setWalkMinimumArchive(minimum); });
        sql::setWalkMinimumArchive(0);
        r.exactTotal = false;
        r.pageSize = 1;
        const Expected<SearchPage> walked = SearchService(m_store).search(r);
        QVERIFY2(walked, walked ? "" : qPrintable(walked.error().message));
        QString literal = sql::likePattern(term);
        literal.replace(QLatin1Char('\''), QStringLiteral("''"));
        const qint64 ilike = scalar(QStringLiteral("SELECT count(*) FROM discord_chats WHERE channel_id = %1"
                                                   " AND content ILIKE E'%2' ESCAPE '\\'")
                                        .arg(channel)
                                        .arg(literal.replace(QLatin1Char('\\'), QStringLiteral("\\\\"))));
        QVERIFY(ilike >= 0);
        QCOMPARE(page->totalCount, ilike);
        QCOMPARE(page->messages.size(), ilike);
        QCOMPARE(walked->messages.size(), std::min<qint64>(ilike, 1));
    }

    // A substring whose pieces, or words whose lexemes, PostgreSQL's
    // statistics find common enough for the walk to fill the page have
    // their page walked and their total counted apart (in a large archive);
    // rare ones are searched counted. Either way, page after page, the rows
    // and total of the counted search, and the same first page as the
    // window asks for it. A page of 3 is walked where the statistics say
    // the walk's first 1,000 rows hold it: pages 1 to 4 of a term in 1.3%
    // of the messages (zebrafish, and ebrafi inside it), none of one in
    // 0.2% (quokkaish, beside the ~90,000 messages of the tests before) or
    // in none (quokkarare, newer than the statistics).
    void frequentTextIsCountedApart_data()
    {
        QTest::addColumn<SearchRequest::Kind>("kind");
        QTest::addColumn<QString>("term");
        for (const char *term : {"zebrafish", "ebrafi", "quokkaish", "quokkarare"})
            QTest::addRow("substring %s", term) << SearchRequest::Kind::Substring << QString::fromLatin1(term);
        for (const char *term : {"zebrafish", "zebrafishes", "zebrafish quokkaish", "quokkaish", "quokkarare"})
            QTest::addRow("full text %s", term) << SearchRequest::Kind::FullText << QString::fromLatin1(term);
    }

    void frequentTextIsCountedApart()
    {
        QFETCH(SearchRequest::Kind, kind);
        QFETCH(QString, term);
        constexpr Snowflake channel = 4343434343434343499ull;
        if (scalar(QStringLiteral("SELECT count(*) FROM discord_chats WHERE channel_id = %1").arg(channel)) == 0) {
            for (int minute = 10; minute < 30; ++minute) { // 1,200 of the archive's ~90,000: 1.3%
                QStringList contents;
                for (int i = 0; i < 60; ++i)
                    contents << QStringLiteral("zebrafish no. %1%2").arg(minute).arg(i) + (i % 7 ? QString() : QStringLiteral(", quokkaish"));
                importMessages(channel, 1900000000000000000ull + Snowflake(minute) * 100,
                               QStringLiteral("2025-05-05T05:%1:").arg(minute) + QStringLiteral("%1+00:00"), contents);
            }
            QCOMPARE(scalar(QStringLiteral("ANALYZE discord_chats")), -1); // no row: done
            QVERIFY(m_store->optimize());                                   // which also has the store read them again
            importMessages(channel, 1900000000000009000ull, QStringLiteral("2025-05-06T06:06:%1+00:00"),
                           {QStringLiteral("a quokkarare zebrafish")}); // after the statistics
        }
        // How many times this thread's session ran a statement holding `sql`.
        const auto runs = [this](const QString &sql) {
            QSqlQuery q(storeSession());
            q.prepare(QStringLiteral("SELECT COALESCE(sum(generic_plans + custom_plans), 0) FROM pg_prepared_statements"
                                     " WHERE strpos(statement, ?) > 0"));
            q.addBindValue(sql);
            return q.exec() && q.next() ? q.value(0).toLongLong() : -1;
        };
        const QString counting = kind == SearchRequest::Kind::Substring ? QStringLiteral("(content_words &&")
                                                                        : QStringLiteral("content_tsvector @@");
        const auto countsApart = [&] { return runs(QStringLiteral(" AS SELECT count(*) FROM discord_chats WHERE ") + counting); };
        const auto walks = [&] { return runs(QStringLiteral(" AS hit FROM discord_chats")); };
        SearchService service(m_store);
        const qint64 minimum = sql::walkMinimumArchive();
        const auto restore = qScopeGuard([minimum] { sql::setWalkMinimumArchive(minimum); });
        SearchRequest r;
        r.kind = kind;
        r.text = term;
        r.pageSize = 3;
        const auto ids = [](const SearchPage &p) {
            QList<qint64> out;
            for (const Message &m : p.messages)
                out << qint64(m.id);
            return out;
        };
        // Each page's ids, then its total; and how many of the pages with
        // rows were counted apart (a page past the last is counted alone,
        // either way).
        const auto pages = [&](qint64 walkFrom) {
            sql::setWalkMinimumArchive(walkFrom);
            QList<qint64> seen;
            qint64 apart = 0;
            for (r.page = 1; r.page <= 4; ++r.page) {
                const qint64 before = countsApart();
                const Expected<SearchPage> p = service.search(r);
                if (!p)
                    return std::pair(QList<qint64>{-2}, apart);
                seen << ids(*p) << p->totalCount;
                if (!p->messages.isEmpty())
                    apart += countsApart() - before;
            }
            return std::pair(seen, apart);
        };
        const auto [counted, countedApart] = pages(std::numeric_limits<qint64>::max());
        QCOMPARE(countedApart, 0);
        const auto [walked, walkedApart] = pages(0);
        QCOMPARE(walked, counted);
        QVERIFY(counted.size() > 4); // some ids beside the 4 totals
        const double inThousand =
            1000.0 * double(counted.last()) / double(scalar(QStringLiteral("SELECT count(*) FROM discord_chats")));
        if (term == QLatin1String("zebrafish"))
            QVERIFY(inThousand >= 2 * r.pageSize);
        if (term == QLatin1String("quokkarare"))
            QVERIFY(inThousand < r.pageSize);
        if (inThousand >= 2 * r.pageSize)
            QVERIFY(walkedApart >= 2);
        else if (inThousand < r.pageSize)
            QCOMPARE(walkedApart, 0);
        // As the window asks, the page before the count: walked where it is
        // common, and where the statistics know no such text, counted at
        // once (a walk would meet none of it), total and all.
        r.exactTotal = false;
        r.page = 1;
        const qint64 walksBefore = walks();
        const Expected<SearchPage> first = service.search(r);
        QVERIFY2(first, first ? "" : qPrintable(first.error().message));
        const QList<qint64> firstIds = ids(*first);
        QCOMPARE(firstIds, counted.mid(0, firstIds.size()));
        if (term == QLatin1String("zebrafish"))
            QCOMPARE(walks(), walksBefore + 1);
        if (term == QLatin1String("quokkarare")) {
            QCOMPARE(walks(), walksBefore);
            QCOMPARE(first->totalCount, counted.last());
        }
    }

    // A search bounded by dates and by something else is planned for its
    // values (a generic plan guesses any range at 0.5% of the archive and
    // reads it through the day index: a rare word in a month 150 ms at 1M
    // instead of 15); dates alone, and searches without dates, keep their
    // generic plans, and the session is back to them after each search.
    // (The timeline and the export take the same guard; their statements
    // are not kept prepared, so their plans are not counted here.)
    void datedSearchesArePlannedForTheirValues()
    {
        SearchService service(m_store);
        const qint64 minimum = sql::walkMinimumArchive();
        const auto restore = qScopeGuard([minimum] { sql::setWalkMinimumArchive(minimum); });
        sql::setWalkMinimumArchive(0); // the window's walk too, as in a large archive
        const auto run = [&](SearchRequest::Kind kind, const QString &text, QDate from = {}, QDate to = {}) {
            SearchRequest r;
            r.kind = kind;
            r.text = text;
            r.startDate = from;
            r.endDate = to;
            for (const bool exact : {true, false}) { // the counted search, and the window's walk
                r.exactTotal = exact;
                for (int i = 0; i < 2; ++i) { // a plan is cached from the second run on
                    const Expected<SearchPage> p = service.search(r);
                    QVERIFY2(p, p ? "" : qPrintable(p.error().message));
                    QVERIFY(!p->messages.isEmpty());
                }
            }
        };
        run(SearchRequest::Kind::Query, QStringLiteral("during:2024-04 runners"));
        run(SearchRequest::Kind::Substring, QStringLiteral("runners"), QDate(2024, 4, 1), QDate(2024, 4, 30));
        run(SearchRequest::Kind::Query, QStringLiteral("runners"));
        run(SearchRequest::Kind::Query, QStringLiteral("during:2024-04"));
        run(SearchRequest::Kind::Date, QString(), QDate(2024, 4, 1), QDate(2024, 4, 30));
        const QSqlDatabase session = storeSession();
        QVERIFY(session.isValid());
        QSqlQuery q(session);
        QVERIFY(q.exec(QStringLiteral("SHOW plan_cache_mode")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("force_generic_plan"));
        QVERIFY(q.exec(QStringLiteral("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")));
        int dated = 0, undated = 0;
        while (q.next()) {
            const QString sql = q.value(0).toString();
            const bool hasDates = sql.contains(QLatin1String("message_date >="));
            const bool hasText = sql.contains(QLatin1String("content_tsvector @@")) || sql.contains(QLatin1String("content_folded LIKE"));
            if (!sql.contains(QLatin1String("FROM discord_chats WHERE")) || !(hasDates || hasText))
                continue; // not a search of these
            const qint64 generic = q.value(1).toLongLong(), custom = q.value(2).toLongLong();
            if (hasDates && hasText) {
                ++dated;
                QVERIFY2(custom > 0 && generic == 0, qPrintable(sql));
            } else {
                ++undated;
                QVERIFY2(generic > 0 && custom == 0, qPrintable(sql));
            }
        }
        QVERIFY(dated >= 3); // the counted searches and the walks
        QVERIFY(undated >= 3);
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
