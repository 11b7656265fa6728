#include "dce/importer.h"
#include "elasticprocess.h"
#include "exportwriter.h"
#include "search/searchservice.h"
#include "store/elasticstore.h"
#include "store/reindexer.h"
#include "store/sqlitestore.h"
#include "testdatabase.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace fdd;

// What only the Elasticsearch store has: its address, its faults (429, a
// refused document, 500, a dead node), deep pages and reindexing. The
// conformance suite covers what every store shares.
class TestElasticStore : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::unique_ptr<test::ElasticProcess> m_es;
    std::unique_ptr<ElasticStore> m_store;
    QString m_bigExport;

    qint64 count()
    {
        SearchRequest r;
        r.kind = SearchRequest::Kind::Date;
        r.startDate = QDate(1970, 1, 1);
        r.endDate = QDate(2999, 1, 1);
        Expected<SearchPage> p = m_store->search(r);
        return p ? p->totalCount : -1;
    }

    static SearchRequest fullText(const QString &text)
    {
        SearchRequest r;
        r.kind = SearchRequest::Kind::FullText;
        r.text = text;
        return r;
    }

private slots:
    void initTestCase()
    {
        m_es = std::make_unique<test::ElasticProcess>(QStringLiteral("elastic"));
        QVERIFY(m_es->start());
        Expected<ElasticConfig> config = ElasticConfig::parse(m_es->url());
        QVERIFY(config);
        m_store = std::make_unique<ElasticStore>(*config);
        Expected<void> migrated = m_store->migrate();
        QVERIFY2(migrated, migrated ? "" : qPrintable(migrated.error().message));
        m_bigExport = test::writeExport(m_tmp.path(), QStringLiteral("big"), 3131313131313131311ull, 10050,
                                        QDateTime(QDate(2023, 3, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch());
    }

    void config_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("redacted");
        QTest::addColumn<int>("nodes");
        QTest::newRow("plain") << "http://localhost:9200" << true << "http://localhost:9200/discord_chats" << 1;
        QTest::newRow("default port") << "https://es.example.com/chats" << true << "https://es.example.com:9200/chats" << 1;
        QTest::newRow("nodes and user") << "http://elastic:s3cr%40t@a:9200,b:9201/idx" << true << "http://elastic@a:9200,b:9201/idx" << 2;
        QTest::newRow("no scheme") << "localhost:9200" << false << "" << 0;
        QTest::newRow("ftp") << "ftp://x/y" << false << "" << 0;
        QTest::newRow("bad index") << "http://x:9200/Bad Index" << false << "" << 0;
        QTest::newRow("no host") << "http:///idx" << false << "" << 0;
    }

    void config()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(QString, redacted);
        QFETCH(int, nodes);
        Expected<ElasticConfig> c = ElasticConfig::parse(text);
        QCOMPARE(bool(c), ok);
        if (!ok) {
            QVERIFY(c.error().message.startsWith(QStringLiteral("The Elasticsearch address must look like")));
            return;
        }
        QCOMPARE(c->redacted(), redacted);
        QCOMPARE(c->nodes.size(), nodes);
        QVERIFY(!c->redacted().contains(QStringLiteral("s3cr")));
        if (text.contains(QStringLiteral("s3cr")))
            QCOMPARE(c->password, QStringLiteral("s3cr@t"));
    }

    void retriesWhenTheClusterAsksToSlowDown()
    {
        QVERIFY(m_es->setFaults(R"({"bulk_429": 2})"));
        Importer importer(*m_store);
        const FileImport r = importer.importFile(test::fixture(QStringLiteral("dce/modern.json")));
        QVERIFY2(!r.error, r.error ? qPrintable(r.error->message) : "");
        QCOMPARE(r.inserted, 3);
        QCOMPARE(count(), 3);
    }

    void aRefusedDocumentFailsTheFileAndLeavesNothing()
    {
        // legacy.json's second message is refused; the first, created, is removed again.
        QVERIFY(m_es->setFaults(R"({"bulk_item_error": "665000000000000001"})"));
        Importer importer(*m_store);
        const FileImport r = importer.importFile(test::fixture(QStringLiteral("dce/legacy.json")));
        QVERIFY(m_es->setFaults(R"({"bulk_item_error": null})"));
        QVERIFY(r.error);
        QVERIFY2(r.error->message.contains(QStringLiteral("refused message 665000000000000001")), qPrintable(r.error->message));
        QCOMPARE(count(), 3); // only modern.json's three
        const FileImport again = importer.importFile(test::fixture(QStringLiteral("dce/legacy.json")));
        QVERIFY(!again.error);
        QCOMPARE(again.inserted, 2);
        QCOMPARE(count(), 5);
    }

    void aServerErrorIsASentence()
    {
        QVERIFY(m_es->setFaults(R"({"search_500": 1})"));
        Expected<SearchPage> failed = SearchService(std::shared_ptr<MessageStore>(m_store.get(), [](MessageStore *) {}))
                                          .search(fullText(QStringLiteral("runs")));
        QVERIFY(!failed);
        QCOMPARE(failed.error().kind, Error::Kind::Internal);
        QVERIFY2(failed.error().message.contains(QStringLiteral("all shards failed")), qPrintable(failed.error().message));
        QCOMPARE(count(), 5); // and the next one answers
    }

    void deadNodesAreSkippedAndNamed()
    {
        QTcpServer closed; // a port nobody listens on once closed
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 dead = closed.serverPort();
        closed.close();
        const QString live = m_es->url().section(QStringLiteral("://"), 1);
        Expected<ElasticConfig> both = ElasticConfig::parse(QStringLiteral("http://127.0.0.1:%1,%2").arg(dead).arg(live));
        QVERIFY(both);
        ElasticStore twoNodes(*both);
        QVERIFY(twoNodes.ping());
        Expected<ElasticConfig> none = ElasticConfig::parse(QStringLiteral("http://127.0.0.1:%1/x").arg(dead));
        QVERIFY(none);
        QElapsedTimer timer;
        timer.start();
        Expected<void> down = ElasticStore(*none).ping();
        QVERIFY(!down);
        QCOMPARE(down.error().kind, Error::Kind::Unavailable);
        QVERIFY2(down.error().message.contains(QStringLiteral("cannot be reached")), qPrintable(down.error().message));
        QVERIFY2(timer.elapsed() < 5000, "an unreachable cluster must be reported quickly");
    }

    void deepPagesPastTenThousand()
    {
        Importer importer(*m_store);
        const FileImport r = importer.importFile(m_bigExport);
        QVERIFY2(!r.error, r.error ? qPrintable(r.error->message) : "");
        QCOMPARE(r.inserted, 10050);
        SearchRequest request;
        request.kind = SearchRequest::Kind::Substring;
        request.text = QStringLiteral("numbered");
        request.pageSize = 50;
        request.page = 201; // offset 10,000: past from/size's window of 10,000
        Expected<SearchPage> page = m_store->search(request);
        QVERIFY2(page, page ? "" : qPrintable(page.error().message));
        QCOMPARE(page->totalCount, 10050);
        QCOMPARE(page->messages.size(), 50);
        // Newest first: message i has id 1300000000000000000 + i; pairs share a minute, larger id first.
        QCOMPARE(page->messages.first().id, 1300000000000000000ull + 49);
        QCOMPARE(page->messages.last().id, 1300000000000000000ull + 0);
        request.page = 200; // within the window: from/size
        Expected<SearchPage> before = m_store->search(request);
        QVERIFY(before);
        QCOMPARE(before->messages.first().id, 1300000000000000000ull + 99);
        QCOMPARE(before->messages.last().id, 1300000000000000000ull + 50);
    }

    void reindexFromSqlite()
    {
        SqliteStore sqlite(m_tmp.filePath(QStringLiteral("source.db")));
        QVERIFY(sqlite.migrate());
        Importer importer(sqlite);
        for (const char *name : {"modern.json", "thread.json", "direct-messages.json"})
            QVERIFY(!importer.importFile(test::fixture(QStringLiteral("dce/") + QLatin1String(name))).error);
        Expected<ElasticConfig> config = ElasticConfig::parse(m_es->url() + QStringLiteral("_copy"));
        QVERIFY(config);
        ElasticStore target(*config);
        QVERIFY(target.migrate());
        Reindexer reindexer(sqlite, target);
        Expected<Reindexer::Result> done = reindexer.run();
        QVERIFY2(done, done ? "" : qPrintable(done.error().message));
        QCOMPARE(done->inserted, 3 + 2 + 1);
        Expected<Reindexer::Result> again = Reindexer(sqlite, target).run();
        QVERIFY(again);
        QCOMPARE(again->inserted, 0);
        QCOMPARE(again->skipped, 6);
        // The same searches give the same messages.
        for (const auto &[kind, text] : QList<std::pair<SearchRequest::Kind, QString>>{
                 {SearchRequest::Kind::FullText, QStringLiteral("runs")}, {SearchRequest::Kind::Substring, QStringLiteral("the")}}) {
            SearchRequest r;
            r.kind = kind;
            r.text = text;
            r.pageSize = 100;
            Expected<SearchPage> a = sqlite.search(r);
            Expected<SearchPage> b = target.search(r);
            QVERIFY(a && b);
            QCOMPARE(b->totalCount, a->totalCount);
            for (qsizetype i = 0; i < a->messages.size(); ++i)
                QCOMPARE(b->messages.at(i), a->messages.at(i));
        }
        Expected<QList<Channel>> channels = target.channels();
        QVERIFY(channels);
        QCOMPARE(channels->size(), 3);
        (void)ElasticClient(*config).send("DELETE", config->index);
        (void)ElasticClient(*config).send("DELETE", config->index + QStringLiteral("_channels"));
    }
};

QTEST_GUILESS_MAIN(TestElasticStore)
#include "tst_elasticstore.moc"
