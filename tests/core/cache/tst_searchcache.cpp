#include "cache/searchcache.h"
#include "dce/importer.h"
#include "search/searchservice.h"
#include "store/sqlitestore.h"
#include "redisprocess.h"
#include "testdatabase.h"

#include <QSemaphore>
#include <QTemporaryDir>
#include <QTest>
#include <QtConcurrent>

using namespace fdd;
using fdd::test::fixture;

namespace {

// A store whose searches wait at a gate the test opens, and are counted.
class GatedStore final : public MessageStore
{
public:
    explicit GatedStore(std::shared_ptr<MessageStore> inner) : m_inner(std::move(inner)) {}
    QSemaphore gate;
    std::atomic_int searches{0};

    QString name() const override { return m_inner->name(); }
    QString location() const override { return m_inner->location() + QStringLiteral("#gated"); }
    Expected<void> migrate() override { return m_inner->migrate(); }
    Expected<void> ping() override { return m_inner->ping(); }
    Expected<std::unique_ptr<IngestSession>> beginIngest() override { return m_inner->beginIngest(); }
    Expected<SearchPage> search(const SearchRequest &r) override
    {
        ++searches;
        gate.acquire();
        return m_inner->search(r);
    }
    Expected<qint64> scan(const SearchRequest &r, const std::function<bool(const Message &)> &v) override { return m_inner->scan(r, v); }
    Expected<QList<DayCount>> countByDay(const SearchRequest &r) override { return m_inner->countByDay(r); }
    Expected<MessageContext> context(Snowflake id, int b, int a) override { return m_inner->context(id, b, a); }
    Expected<QList<Channel>> channels() override { return m_inner->channels(); }
    Expected<QList<Guild>> guilds() override { return m_inner->guilds(); }
    Expected<QList<Author>> authors(int limit) override { return m_inner->authors(limit); }
    Expected<StoreStats> stats() override { return m_inner->stats(); }
    Expected<QList<Watch>> watches() override { return m_inner->watches(); }
    Expected<void> saveWatch(const Watch &w) override { return m_inner->saveWatch(w); }
    Expected<void> recordWatchRun(const Watch &w) override { return m_inner->recordWatchRun(w); }
    Expected<bool> removeWatch(Snowflake id) override { return m_inner->removeWatch(id); }
    Expected<std::unique_ptr<ChannelLock>> lockChannel(Snowflake c) override { return m_inner->lockChannel(c); }

private:
    std::shared_ptr<MessageStore> m_inner;
};

} // namespace

// The cache against a real redis-server that this suite starts, stops and
// restarts itself, on a free loopback port.
class TestSearchCache : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    test::RedisProcess m_redis;
    std::shared_ptr<SqliteStore> m_store;
    std::shared_ptr<RedisClient> m_client;
    std::unique_ptr<SearchService> m_service;

    bool startRedis() { return m_redis.start(); }
    void stopRedis() { m_redis.stop(); }

    SearchPage search(const QString &term)
    {
        SearchRequest r;
        r.kind = SearchRequest::Kind::FullText;
        r.text = term;
        Expected<SearchPage> p = m_service->search(r);
        return p ? *p : SearchPage{};
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(startRedis(), "redis-server did not start: install redis-server (scripts/test does)");

        m_store = std::make_shared<SqliteStore>(m_tmp.filePath(QStringLiteral("archive.db")));
        QVERIFY(m_store->migrate());
        QVERIFY(!Importer(*m_store).importFile(fixture(QStringLiteral("dce/modern.json"))).error);

        RedisUrl url;
        url.port = m_redis.port();
        // No cool-down: the recovery test must not wait for one.
        m_client = std::make_shared<RedisClient>(url, std::chrono::milliseconds(500), std::chrono::milliseconds(0));
        m_service = std::make_unique<SearchService>(m_store);
        m_service->setCache(std::make_shared<SearchCache>(m_client, *m_store));
    }

    void cleanupTestCase()
    {
        stopRedis();
    }

    void encodeRoundTrip()
    {
        SearchPage page;
        page.totalCount = 97;
        page.page = 3;
        page.pageSize = 10;
        Message m;
        m.id = 1232782017872138340ull;
        m.channelId = 2;
        m.guildId = 3;
        m.authorId = 4;
        m.authorName = QStringLiteral("ålice");
        m.timestampMs = 1714154591123;
        m.editedMs = 1714154600000;
        m.content = QStringLiteral("emoji \U0001F600\nline");
        m.replyToId = 5;
        m.attachmentCount = 1;
        m.embedCount = 2;
        m.reactionCount = 3;
        page.messages = {m, m};
        const std::optional<SearchPage> back = SearchCache::decode(SearchCache::encode(page));
        QVERIFY(back);
        QCOMPARE(back->totalCount, 97);
        QCOMPARE(back->page, 3);
        QCOMPARE(back->pageSize, 10);
        QCOMPARE(back->messages, page.messages);
        QVERIFY(!SearchCache::decode(QByteArrayLiteral("garbage")));
        QVERIFY(!SearchCache::decode(SearchCache::encode(page).left(40))); // truncated
    }

    void missThenHit()
    {
        const SearchPage first = search(QStringLiteral("runs"));
        QCOMPARE(first.cache, CacheStatus::Miss);
        QCOMPARE(first.totalCount, 1);
        const SearchPage second = search(QStringLiteral("runs"));
        QCOMPARE(second.cache, CacheStatus::Hit);
        QCOMPARE(second.messages, first.messages);
        QCOMPARE(second.totalCount, first.totalCount);
        // Another page is another key.
        SearchRequest r;
        r.kind = SearchRequest::Kind::FullText;
        r.text = QStringLiteral("runs");
        r.page = 2;
        QCOMPARE(m_service->search(r)->cache, CacheStatus::Miss);
    }

    // Right after an import every page is a miss at once: identical misses
    // run one query, the others wait for its page.
    void identicalMissesRunOneQuery()
    {
        auto gated = std::make_shared<GatedStore>(m_store);
        SearchService service(gated);
        service.setCache(std::make_shared<SearchCache>(m_client, *gated));
        service.dataChanged();
        SearchRequest r;
        r.kind = SearchRequest::Kind::FullText;
        r.text = QStringLiteral("park");
        QThreadPool pool;
        pool.setMaxThreadCount(8);
        QList<QFuture<Expected<SearchPage>>> answers;
        for (int i = 0; i < 8; ++i)
            answers.append(QtConcurrent::run(&pool, [&service, r] { return service.search(r); }));
        QTRY_COMPARE(gated->searches.load(), 1);         // one went to the store
        QTRY_COMPARE(service.waitingSearches(), 7);       // seven wait for it
        gated->gate.release(8);
        for (QFuture<Expected<SearchPage>> &a : answers) {
            const Expected<SearchPage> page = a.result();
            QVERIFY(page);
            QCOMPARE(page->totalCount, 1);
        }
        QCOMPARE(gated->searches.load(), 1);
    }

    void archivesDoNotShareEachOthersPages()
    {
        QCOMPARE(search(QStringLiteral("runs")).cache, CacheStatus::Hit);
        auto other = std::make_shared<SqliteStore>(m_tmp.filePath(QStringLiteral("other.db")));
        QVERIFY(other->migrate());
        SearchService otherService(other);
        otherService.setCache(std::make_shared<SearchCache>(m_client, *other));
        SearchRequest r;
        r.kind = SearchRequest::Kind::FullText;
        r.text = QStringLiteral("runs");
        const Expected<SearchPage> p = otherService.search(r);
        QVERIFY(p);
        QCOMPARE(p->cache, CacheStatus::Miss);
        QCOMPARE(p->totalCount, 0);
    }

    void emptyResultsAreCachedToo()
    {
        QCOMPARE(search(QStringLiteral("zzzqqq")).cache, CacheStatus::Miss);
        QCOMPARE(search(QStringLiteral("zzzqqq")).cache, CacheStatus::Hit);
    }

    void importInvalidates()
    {
        // The legacy export adds no "runs", but a "date line" message: a
        // cached empty page for it must not survive the import.
        QCOMPARE(search(QStringLiteral("date line")).totalCount, 0);
        QCOMPARE(search(QStringLiteral("date line")).cache, CacheStatus::Hit);
        QVERIFY(!Importer(*m_store).importFile(fixture(QStringLiteral("dce/legacy.json"))).error);
        m_service->dataChanged();
        // It was asked for, so the import computed it again, with the new message.
        const SearchPage after = search(QStringLiteral("date line"));
        QCOMPARE(after.cache, CacheStatus::Hit);
        QCOMPARE(after.totalCount, 1);
        // A page nobody asked for before the import is simply a miss.
        QCOMPARE(search(QStringLiteral("negative offsets")).cache, CacheStatus::Miss);
    }

    void redisOutageNeverFailsASearch()
    {
        stopRedis();
        const qint64 failuresBefore = m_client->failures();
        const SearchPage during = search(QStringLiteral("runs"));
        QCOMPARE(during.cache, CacheStatus::Off);
        QCOMPARE(during.totalCount, 1); // the store answered
        QVERIFY(m_client->failures() > failuresBefore);
        m_service->dataChanged(); // must not throw or hang either

        QVERIFY(startRedis()); // an empty Redis on the same port
        QCOMPARE(search(QStringLiteral("runs")).cache, CacheStatus::Miss);
        QCOMPARE(search(QStringLiteral("runs")).cache, CacheStatus::Hit);
    }

    void breakerRefusesDuringCoolDown()
    {
        RedisUrl url;
        url.port = m_redis.port();
        stopRedis();
        RedisClient client(url, std::chrono::milliseconds(200), std::chrono::hours(1));
        QVERIFY(!client.ping());
        QCOMPARE(client.failures(), 1);
        QVERIFY(startRedis());
        // Redis is back, but the breaker is open: refused without trying.
        const Expected<void> refused = client.ping();
        QVERIFY(!refused);
        QVERIFY2(refused.error().message.contains(QStringLiteral("retrying shortly")), qPrintable(refused.error().message));
        QCOMPARE(client.failures(), 2);
    }

    void urlParsing_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<int>("port");
        QTest::addColumn<int>("db");
        QTest::newRow("plain") << "redis://127.0.0.1" << true << 6379 << 0;
        QTest::newRow("port and db") << "redis://cache:6380/2" << true << 6380 << 2;
        QTest::newRow("password") << "redis://:s3cret@cache:6380" << true << 6380 << 0;
        QTest::newRow("wrong scheme") << "http://cache" << false << 0 << 0;
        QTest::newRow("db not a number") << "redis://cache/x" << false << 0 << 0;
        QTest::newRow("no host") << "redis://" << false << 0 << 0;
    }

    void urlParsing()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(int, port);
        QFETCH(int, db);
        const Expected<RedisUrl> url = RedisUrl::parse(text);
        QCOMPARE(url.ok(), valid);
        if (valid) {
            QCOMPARE(url->port, port);
            QCOMPARE(url->database, db);
            QVERIFY(!url->redacted().contains(QStringLiteral("s3cret")));
        }
    }
};

QTEST_GUILESS_MAIN(TestSearchCache)
#include "tst_searchcache.moc"
