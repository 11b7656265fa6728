#include "dce/importer.h"
#include "server/restserver.h"
#include "server/restserverpool.h"
#include "server/listeningsocket.h"
#include "store/sqlitestore.h"
#include "dceworld.h"
#include "elasticprocess.h"
#include "store/elasticstore.h"
#include "redisprocess.h"
#include "testdatabase.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <numeric>

using namespace fdd;
using fdd::test::fixture;

namespace {

struct Answer
{
    int status = 0;
    QJsonObject body;
    QByteArray raw;
    QByteArray cache;
    QByteArray processTime;
    QByteArray contentType;
};

RestServer::Options options(std::shared_ptr<SearchService> service, std::shared_ptr<RedisClient> redis,
                            QByteArray apiKey = {})
{
    RestServer::Options o;
    o.service = std::move(service);
    o.redis = std::move(redis);
    o.apiKey = std::move(apiKey);
    return o;
}

} // namespace

// The REST API over HTTP, in process, against the SQLite store (the store
// conformance suite covers the stores themselves) and the test Redis.
class TestRestServer : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::shared_ptr<SqliteStore> m_store;
    std::shared_ptr<SearchService> m_service;
    std::unique_ptr<RestServer> m_server;
    std::unique_ptr<RestServer> m_keyed;
    std::unique_ptr<RestServer> m_limited;
    quint16 m_port = 0;
    quint16 m_keyedPort = 0;
    quint16 m_limitedPort = 0;
    QByteArray m_retryAfter;
    QNetworkAccessManager m_nam;

    Answer answer(QNetworkReply *reply)
    {
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        Answer a;
        a.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        a.raw = reply->readAll();
        a.body = QJsonDocument::fromJson(a.raw).object();
        a.cache = reply->rawHeader("X-Cache");
        a.processTime = reply->rawHeader("X-Process-Time");
        a.contentType = reply->rawHeader("Content-Type");
        m_retryAfter = reply->rawHeader("Retry-After");
        reply->deleteLater();
        return a;
    }

    Answer get(const QString &pathAndQuery, quint16 port = 0, const QByteArray &apiKey = {})
    {
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port ? port : m_port).arg(pathAndQuery)));
        if (!apiKey.isNull())
            request.setRawHeader("X-Api-Key", apiKey);
        return answer(m_nam.get(request));
    }

    Answer post(const QString &pathAndQuery, quint16 port, const QByteArray &token)
    {
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(pathAndQuery)));
        if (!token.isNull())
            request.setRawHeader("X-Token", token);
        return answer(m_nam.post(request, QByteArray()));
    }

    Answer send(const QByteArray &verb, const QString &path, const QByteArray &body, quint16 port, const QByteArray &apiKey = {})
    {
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path)));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        if (!apiKey.isNull())
            request.setRawHeader("X-Api-Key", apiKey);
        return answer(m_nam.sendCustomRequest(request, verb, body));
    }

private slots:
    void initTestCase()
    {
        m_store = std::make_shared<SqliteStore>(m_tmp.filePath(QStringLiteral("archive.db")));
        QVERIFY(m_store->migrate());
        for (const char *name : {"modern.json", "legacy.json", "thread.json", "direct-messages.json"})
            QVERIFY(!Importer(*m_store).importFile(fixture(QStringLiteral("dce/") + QLatin1String(name))).error);

        const QString redis = qEnvironmentVariable("FDD_TEST_REDIS_URL");
        QVERIFY2(!redis.isEmpty(), "FDD_TEST_REDIS_URL is not set: run the suite through scripts/test");
        Expected<RedisUrl> url = RedisUrl::parse(redis);
        QVERIFY(url);
        auto client = std::make_shared<RedisClient>(*url);
        m_service = std::make_shared<SearchService>(m_store);
        m_service->setCache(std::make_shared<SearchCache>(client, *m_store));
        m_service->dataChanged();

        m_server = std::make_unique<RestServer>(options(m_service, client));
        m_port = m_server->listen(QHostAddress::LocalHost, 0);
        QVERIFY(m_port != 0);
        m_keyed = std::make_unique<RestServer>(options(m_service, client, QByteArrayLiteral("s3cret-key")));
        m_keyedPort = m_keyed->listen(QHostAddress::LocalHost, 0);
        QVERIFY(m_keyedPort != 0);
        RestServer::Options limited = options(m_service, client);
        limited.rateLimit = 3;
        limited.rateWindowSeconds = 3600; // the window cannot roll over during the test
        limited.rateKeyPrefix = "fdd:test:rate:" + QByteArray::number(QCoreApplication::applicationPid()) + ':';
        m_limited = std::make_unique<RestServer>(limited);
        m_limitedPort = m_limited->listen(QHostAddress::LocalHost, 0);
        QVERIFY(m_limitedPort != 0);
    }

    void substringSearch()
    {
        const Answer a = get(QStringLiteral("/api/chats/search?search_term=RUNNING&page_size=5"));
        QCOMPARE(a.status, 200);
        QCOMPARE(a.contentType, QByteArrayLiteral("application/json; charset=utf-8"));
        QVERIFY(!a.processTime.isEmpty());
        QCOMPARE(a.body.value(QStringLiteral("total_count")).toInt(), 1);
        QCOMPARE(a.body.value(QStringLiteral("count")).toInt(), 1);
        QCOMPARE(a.body.value(QStringLiteral("page")).toInt(), 1);
        QCOMPARE(a.body.value(QStringLiteral("page_size")).toInt(), 5);
        QCOMPARE(a.body.value(QStringLiteral("total_pages")).toInt(), 1);
        const QJsonObject m = a.body.value(QStringLiteral("messages")).toArray().first().toObject();
        QCOMPARE(m.value(QStringLiteral("message_id")), QJsonValue(QStringLiteral("1232782017872138340")));
        QCOMPARE(m.value(QStringLiteral("guild_id")), QJsonValue(QStringLiteral("1111111111111111111")));
        QCOMPARE(m.value(QStringLiteral("timestamp")), QJsonValue(QStringLiteral("2024-04-26T18:03:11.123+00:00")));
        QVERIFY(a.raw.contains("\"message_id\":\"1232782017872138340\"")); // a string in the wire text too
    }

    void cacheMissThenHit()
    {
        const QString path = QStringLiteral("/api/chats/search?search_term=park&size=3");
        QCOMPARE(get(path).cache, QByteArrayLiteral("miss"));
        const Answer hit = get(path);
        QCOMPARE(hit.cache, QByteArrayLiteral("hit"));
        QCOMPARE(hit.body.value(QStringLiteral("page_size")).toInt(), 3); // size is page_size's alias
        // New data: pages asked for are computed again ahead of the next
        // answer; pages never asked for come from the store.
        QVERIFY(!Importer(*m_store).importFile(fixture(QStringLiteral("dce/empty-channel.json"))).error);
        m_service->dataChanged();
        QCOMPARE(get(path).cache, QByteArrayLiteral("hit"));
        QCOMPARE(get(QStringLiteral("/api/chats/search?search_term=park&size=4")).cache, QByteArrayLiteral("miss"));
    }

    void noMatchIsNotAnError()
    {
        const Answer a = get(QStringLiteral("/api/chats/search?search_term=zzzqqq"));
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(QStringLiteral("detail")).toString(), QStringLiteral("No messages found"));
        QCOMPARE(a.body.value(QStringLiteral("total_count")).toInt(), 0);
        QCOMPARE(a.body.value(QStringLiteral("messages")).toArray().size(), 0);
    }

    void badInput_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("detail");
        QTest::newRow("missing term") << "/api/chats/search" << "search_term is required";
        QTest::newRow("empty term") << "/api/chats/search?search_term=" << "The search term is empty";
        QTest::newRow("101 characters") << QStringLiteral("/api/chats/search?search_term=") + QString(101, u'a')
                                        << "The search term is 101 characters long; the limit is 100.";
        QTest::newRow("page 0") << "/api/chats/search?search_term=a&page=0" << "The page must be 1 or more";
        QTest::newRow("page not a number") << "/api/chats/search?search_term=a&page=x" << "page must be a whole number";
        QTest::newRow("page_size 101") << "/api/chats/search?search_term=a&page_size=101" << "between 1 and 100; 101";
        QTest::newRow("size 0") << "/api/chats/search?search_term=a&size=0" << "between 1 and 100; 0";
        QTest::newRow("no dates") << "/api/chats/search/by-date" << "start_date and end_date are required";
        QTest::newRow("bad date") << "/api/chats/search/by-date?start_date=2024-02-30&end_date=2024-03-01"
                                  << "The start_date \"2024-02-30\" is not a date";
        QTest::newRow("reversed dates") << "/api/chats/search/by-date?start_date=2024-05-01&end_date=2024-04-01"
                                        << "The start date 2024-05-01 is after the end date 2024-04-01.";
        QTest::newRow("unknown tz") << "/api/chats/search/by-date?start_date=2024-04-26&end_date=2024-04-26&tz=Mars/Base"
                                    << "\"Mars/Base\" is not a time zone";
        QTest::newRow("context 21") << "/api/chats/context-search?search_term=a&context=21" << "context must be between 0 and 20";
        QTest::newRow("all without term") << "/api/chats/search/all" << "search_term is required";
        // No store can hold a NUL; PostgreSQL's driver would cut its statement at one.
        QTest::newRow("NUL term") << "/api/chats/search?search_term=%00" << "search_term contains a NUL character (%00)";
        QTest::newRow("NUL after a word") << "/api/chats/context-search?search_term=pie%00" << "search_term contains a NUL";
        QTest::newRow("NUL in all") << "/api/chats/search/all?search_term=pie%00" << "search_term contains a NUL";
        QTest::newRow("NUL in a date") << "/api/chats/search/by-date?start_date=2024-01-01%00&end_date=2024-02-01"
                                       << "start_date contains a NUL";
        QTest::newRow("NUL in a name") << "/api/chats/search?search_term=a&pa%00ge=1" << "The parameter name contains a NUL";
        QTest::newRow("search without q") << "/api/search" << "q is required";
        QTest::newRow("search that does not parse") << "/api/search?q=runs+from%3A" << "A value is missing after from: at column 11.";
        QTest::newRow("search with a letter escape") << "/api/search?q=%2F%5Cd%2F" << "\\d is not understood by every store";
        QTest::newRow("search sort unknown") << "/api/search?q=runs&sort=best" << "sort must be newest, oldest or relevance";
        QTest::newRow("export format unknown") << "/api/search/export?q=runs&format=xml" << "format must be csv, json, ndjson or markdown, not \"xml\".";
        QTest::newRow("export context too wide") << "/api/search/export?q=runs&context=21" << "context must be between 0 and 20";
        QTest::newRow("export of a query that does not parse") << "/api/search/export?q=runs+from%3A" << "A value is missing after from: at column 11.";
        QTest::newRow("export without q") << "/api/search/export?format=csv" << "q is required";
        QTest::newRow("search NUL") << "/api/search?q=runs%00" << "q contains a NUL";
        QTest::newRow("search too long") << QStringLiteral("/api/search?q=") + QString(1001, u'a') << "the limit is 1000";
        QTest::newRow("timeline without q") << "/api/search/timeline" << "q is required";
        QTest::newRow("context of a word") << "/api/messages/abc/context" << "must be a Discord id";
        QTest::newRow("context too wide") << "/api/messages/1232782100000000000/context?before=21" << "before must be between 0 and 20";
    }

    // Query strings are application/x-www-form-urlencoded: HTML forms,
    // Python's urlencode and requests, and URLSearchParams send a space as
    // "+", and a plus as %2B.
    void formEncoding_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("total");
        QTest::newRow("plus is a space") << QByteArray("/api/chats/search?search_term=through+the+park") << 1;
        QTest::newRow("%20 is a space") << QByteArray("/api/chats/search?search_term=through%20the%20park") << 1;
        QTest::newRow("both spellings") << QByteArray("/api/chats/search?search_term=through+the%20park") << 1;
        QTest::newRow("%2B is a plus") << QByteArray("/api/chats/search?search_term=through%2Bthe") << 0;
        QTest::newRow("percent and plus") << QByteArray("/api/chats/search?search_term=100%25+agree") << 1;
        QTest::newRow("full text") << QByteArray("/api/chats/context-search?search_term=runners+park") << 1;
        QTest::newRow("plus in a parameter name") << QByteArray("/api/chats/search?search+term=x&search_term=runners+were") << 1;
        QTest::newRow("plus around a number") << QByteArray("/api/chats/search/by-date?start_date=2024-04-26+&end_date=+2024-04-26&page_size=+2") << 3;
    }

    void formEncoding()
    {
        QFETCH(QByteArray, target);
        QFETCH(int, total);
        // fromEncoded: the bytes are sent as written, "+" and %2B alike.
        const QUrl url = QUrl::fromEncoded("http://127.0.0.1:" + QByteArray::number(m_port) + target);
        QCOMPARE(url.toEncoded(), "http://127.0.0.1:" + QByteArray::number(m_port) + target);
        const Answer a = answer(m_nam.get(QNetworkRequest(url)));
        QVERIFY2(a.status == 200, a.raw.constData());
        const QJsonObject body = a.body;
        QCOMPARE(body.value(QStringLiteral("total_count")).toInt(), total);
    }

    void formEncodingInAll()
    {
        // /search/all is unpaged: "count", not "total_count".
        const Answer a = get(QStringLiteral("/api/chats/search/all?search_term=running+through"));
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(QStringLiteral("count")).toInt(), 1);
        QCOMPARE(get(QStringLiteral("/api/chats/search/all?search_term=running%2Bthrough")).body.value(QStringLiteral("count")).toInt(), 0);
    }

    void badInput()
    {
        QFETCH(QString, path);
        QFETCH(QString, detail);
        const Answer a = get(path);
        QCOMPARE(a.status, 400);
        QVERIFY2(a.body.value(QStringLiteral("detail")).toString().contains(detail), a.raw.constData());
        QVERIFY(!a.processTime.isEmpty());
    }

    void byDate()
    {
        const Answer a = get(QStringLiteral("/api/chats/search/by-date?start_date=2024-04-26&end_date=2024-04-26&page_size=2"));
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(QStringLiteral("total_count")).toInt(), 3);
        QCOMPARE(a.body.value(QStringLiteral("total_pages")).toInt(), 2);
        QCOMPARE(a.body.value(QStringLiteral("messages")).toArray().first().toObject().value(QStringLiteral("message_id")).toString(),
                 QStringLiteral("1232800000000000000"));
    }

    // tz: the dates are that zone's calendar days (Tokyo is 9 hours ahead:
    // the evening of the 26th in UTC is the morning of the 27th there).
    void byDateInAZone()
    {
        const Answer utc = get(QStringLiteral("/api/chats/search/by-date?start_date=2024-04-27&end_date=2024-04-27"));
        QCOMPARE(utc.body.value(QStringLiteral("total_count")).toInt(), 0);
        const Answer tokyo = get(QStringLiteral("/api/chats/search/by-date?start_date=2024-04-27&end_date=2024-04-27&tz=Asia/Tokyo"));
        QCOMPARE(tokyo.status, 200);
        QCOMPARE(tokyo.body.value(QStringLiteral("total_count")).toInt(), 3);
        const Answer before = get(QStringLiteral("/api/chats/search/by-date?start_date=2024-04-26&end_date=2024-04-26&tz=Asia%2FTokyo"));
        QCOMPARE(before.body.value(QStringLiteral("total_count")).toInt(), 0);
    }

    void all()
    {
        const Answer a = get(QStringLiteral("/api/chats/search/all?search_term=running"));
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(QStringLiteral("count")).toInt(), 1);
        QCOMPARE(a.body.value(QStringLiteral("messages")).toArray().size(), 1);
        QVERIFY(!a.body.contains(QStringLiteral("page")));
    }

    void contextSearch()
    {
        const Answer a = get(QStringLiteral("/api/chats/context-search?search_term=agree&context=1"));
        QCOMPARE(a.status, 200);
        const QJsonObject m = a.body.value(QStringLiteral("messages")).toArray().first().toObject();
        QCOMPARE(m.value(QStringLiteral("message_id")).toString(), QStringLiteral("1232782100000000000"));
        QCOMPARE(m.value(QStringLiteral("before")).toArray().first().toObject().value(QStringLiteral("message_id")).toString(),
                 QStringLiteral("1232782017872138340"));
        QCOMPARE(m.value(QStringLiteral("after")).toArray().first().toObject().value(QStringLiteral("message_id")).toString(),
                 QStringLiteral("1232790000000000000"));
        const Answer plain = get(QStringLiteral("/api/chats/context-search?search_term=agree"));
        QVERIFY(!plain.body.value(QStringLiteral("messages")).toArray().first().toObject().contains(QStringLiteral("before")));
    }

    // The search language over REST, as clients send it: "+" for spaces,
    // %2B for a plus, the whole query in q.
    void searchLanguage()
    {
        const Answer a = get(QStringLiteral("/api/search?q=FROM%3Aalice+(runs+OR+has%3Areaction)+-in%3Aold-times&page_size=5"));
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(QStringLiteral("query")).toString(), QStringLiteral("from:alice (runs OR has:reaction) -in:old-times"));
        QCOMPARE(a.body.value(QStringLiteral("total_count")).toInt(), 1);
        QCOMPARE(a.body.value(QStringLiteral("page_size")).toInt(), 5);
        QCOMPARE(a.body.value(QStringLiteral("messages")).toArray().first().toObject().value(QStringLiteral("message_id")).toString(),
                 QStringLiteral("1232782017872138340"));
        // The same search typed another way is the same cached page.
        const QString other = QStringLiteral("/api/search?q=from%3AALICE+((runs)+%7C+has%3AREACTION)+NOT+in%3Aold-times&page_size=5");
        QCOMPARE(get(other).cache, QByteArrayLiteral("hit"));

        const Answer oldest = get(QStringLiteral("/api/search?q=in%3Ageneral&sort=oldest&page_size=1"));
        QCOMPARE(oldest.status, 200);
        QCOMPARE(oldest.body.value(QStringLiteral("total_count")).toInt(), 5); // the channel and its thread
        QCOMPARE(oldest.body.value(QStringLiteral("messages")).toArray().first().toObject().value(QStringLiteral("message_id")).toString(),
                 QStringLiteral("1232782017872138340"));
        const Answer none = get(QStringLiteral("/api/search?q=%22zzzqqq%22"));
        QCOMPARE(none.status, 200);
        QCOMPARE(none.body.value(QStringLiteral("detail")).toString(), QStringLiteral("No messages found"));
        const Answer regex = get(QStringLiteral("/api/search?q=%2F100%25+agree%2F"));
        QCOMPARE(regex.body.value(QStringLiteral("total_count")).toInt(), 1);
    }

    void searchTimeline()
    {
        const Answer a = get(QStringLiteral("/api/search/timeline?q=in%3Ageneral"));
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(QStringLiteral("total_count")).toInt(), 5);
        QCOMPARE(a.body.value(QStringLiteral("tz")).toString(), QStringLiteral("UTC"));
        const QJsonArray days = a.body.value(QStringLiteral("days")).toArray();
        QCOMPARE(days.size(), 3);
        QCOMPARE(days.first().toObject().value(QStringLiteral("date")).toString(), QStringLiteral("2024-04-26"));
        QCOMPARE(days.first().toObject().value(QStringLiteral("count")).toInt(), 2);
        // The same messages on Tokyo's days.
        const Answer tokyo = get(QStringLiteral("/api/search/timeline?q=in%3Ageneral&tz=Asia%2FTokyo"));
        QCOMPARE(tokyo.body.value(QStringLiteral("days")).toArray().first().toObject().value(QStringLiteral("date")).toString(),
                 QStringLiteral("2024-04-27"));
    }

    // Every match as a file, streamed; with context, in conversations.
    void searchExport()
    {
        const Answer json = get(QStringLiteral("/api/search/export?q=in%3Ageneral"));
        QCOMPARE(json.status, 200);
        QCOMPARE(json.contentType, QByteArrayLiteral("application/json; charset=utf-8"));
        QCOMPARE(json.body.value(QStringLiteral("match_count")).toInt(), 5);
        QCOMPARE(json.body.value(QStringLiteral("messages")).toArray().size(), 5);
        QCOMPARE(json.body.value(QStringLiteral("query")).toString(), QStringLiteral("in:general"));

        const Answer ndjson = get(QStringLiteral("/api/search/export?q=in%3Ageneral+-runs&format=ndjson&context=1&tz=Asia%2FTokyo"));
        QCOMPARE(ndjson.status, 200);
        QCOMPARE(ndjson.contentType, QByteArrayLiteral("application/x-ndjson; charset=utf-8"));
        int matches = 0, lines = 0;
        for (const QByteArray &line : ndjson.raw.split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            QVERIFY2(o.value(QStringLiteral("conversation")).toInt() >= 1, line.constData());
            matches += o.value(QStringLiteral("match")).toBool();
            ++lines;
        }
        QCOMPARE(matches, get(QStringLiteral("/api/search?q=in%3Ageneral+-runs")).body.value(QStringLiteral("total_count")).toInt());
        QVERIFY(lines >= matches);

        const Answer csv = get(QStringLiteral("/api/search/export?q=in%3Ageneral&format=csv"));
        QCOMPARE(csv.contentType, QByteArrayLiteral("text/csv; charset=utf-8"));
        QVERIFY(csv.raw.startsWith("conversation,match,message_id,timestamp,"));
        QCOMPARE(csv.raw.count("\r\n"), 6);
        const Answer md = get(QStringLiteral("/api/search/export?q=in%3Ageneral&format=markdown"));
        QVERIFY2(md.raw.startsWith("# Search results\n") && md.raw.contains("*5 match(es).*"), md.raw.constData());
        const Answer none = get(QStringLiteral("/api/search/export?q=%22no+such+words+anywhere%22&format=json&context=3"));
        QCOMPARE(none.status, 200);
        QCOMPARE(none.body.value(QStringLiteral("conversations")).toArray().size(), 0);
    }

    void messageContext()
    {
        const Answer a = get(QStringLiteral("/api/messages/1232782100000000000/context?before=1&after=1"));
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(QStringLiteral("message")).toObject().value(QStringLiteral("message_id")).toString(),
                 QStringLiteral("1232782100000000000"));
        QCOMPARE(a.body.value(QStringLiteral("before")).toArray().size(), 1);
        QCOMPARE(a.body.value(QStringLiteral("after")).toArray().first().toObject().value(QStringLiteral("message_id")).toString(),
                 QStringLiteral("1232790000000000000"));
        QCOMPARE(get(QStringLiteral("/api/messages/1232782100000000000/context")).body.value(QStringLiteral("before")).toArray().size(), 1);
        QCOMPARE(get(QStringLiteral("/api/messages/99/context")).status, 404);
    }

    void elasticsearchNotConfigured()
    {
        const Answer a = get(QStringLiteral("/api/es/chats/search?keyword=x"));
        QCOMPARE(a.status, 503);
        QCOMPARE(a.body.value(QStringLiteral("detail")).toString(), QStringLiteral("Elasticsearch is not configured."));
        QCOMPARE(a.cache, QByteArrayLiteral("off"));
    }

    void health()
    {
        const Answer a = get(QStringLiteral("/api/health"));
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(a.body.value(QStringLiteral("store")).toObject().value(QStringLiteral("name")).toString(), QStringLiteral("sqlite"));
        QCOMPARE(a.body.value(QStringLiteral("cache")).toObject().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
    }

    // /docs: a page that loads the OpenAPI document and can send requests,
    // open without the API key (it holds no data), as FastAPI's was.
    void docsPage()
    {
        for (const quint16 port : {m_port, m_keyedPort}) {
            const Answer a = get(QStringLiteral("/docs"), port);
            QCOMPARE(a.status, 200);
            QCOMPARE(a.contentType, QByteArray("text/html; charset=utf-8"));
            QVERIFY(a.raw.startsWith("<!DOCTYPE html>"));
            QVERIFY(a.raw.contains("fetch(\"/api/openapi.json\")"));
            QVERIFY(a.raw.contains("X-Api-Key"));
        }
    }

    void watchListOverRest()
    {
        // Behind the API key.
        QCOMPARE(send("POST", QStringLiteral("/api/watches"), R"({"id":"123"})", m_keyedPort).status, 401);
        QCOMPARE(get(QStringLiteral("/api/watches"), m_keyedPort).status, 401);

        Answer added = send("POST", QStringLiteral("/api/watches"),
                            R"({"id":"9223372036854775000","every":"6h","include_threads":true})", m_port);
        QVERIFY2(added.status == 201, added.raw.constData());
        QCOMPARE(added.body.value(QStringLiteral("id")).toString(), QStringLiteral("9223372036854775000"));
        QCOMPARE(added.body.value(QStringLiteral("kind")).toString(), QStringLiteral("channel"));
        QCOMPARE(added.body.value(QStringLiteral("every_seconds")).toInt(), 6 * 3600);
        QCOMPARE(added.body.value(QStringLiteral("state")).toString(), QStringLiteral("due"));
        for (const QByteArray &bad : {QByteArrayLiteral("not json"), QByteArrayLiteral(R"({"id":12})"),
                                      QByteArrayLiteral(R"({"id":"12","every":"5 parsecs"})"),
                                      QByteArrayLiteral(R"({"id":"12","kind":"galaxy"})")}) {
            const Answer refused = send("POST", QStringLiteral("/api/watches"), bad, m_port);
            QVERIFY2(refused.status == 400, bad.constData());
            QVERIFY(!refused.body.value(QStringLiteral("detail")).toString().isEmpty());
        }

        Answer listed = get(QStringLiteral("/api/watches"));
        QCOMPARE(listed.status, 200);
        QCOMPARE(listed.body.value(QStringLiteral("watches")).toArray().size(), 1);
        QCOMPARE(listed.body.value(QStringLiteral("scheduler")).toString(), QStringLiteral("off"));

        const Answer run = send("POST", QStringLiteral("/api/watches/9223372036854775000/run"), {}, m_port);
        QVERIFY2(run.status == 202, run.raw.constData());
        QVERIFY(run.body.value(QStringLiteral("detail")).toString().contains(QStringLiteral("watch run")));
        QCOMPARE(send("POST", QStringLiteral("/api/watches/99/run"), {}, m_port).status, 404);

        // A failing watch shows in the health answer.
        Expected<QList<Watch>> all = m_store->watches();
        QVERIFY(all && all->size() == 1);
        Watch failing = all->first();
        failing.failures = 2;
        failing.lastError = QStringLiteral("Discord refused the token: it is invalid or has expired.");
        QVERIFY(m_store->recordWatchRun(failing));
        const QJsonObject health = get(QStringLiteral("/api/health")).body.value(QStringLiteral("watches")).toObject();
        QCOMPARE(health.value(QStringLiteral("status")).toString(), QStringLiteral("failing"));
        QCOMPARE(health.value(QStringLiteral("failing")).toInt(), 1);
        QCOMPARE(health.value(QStringLiteral("problems")).toArray().first().toObject().value(QStringLiteral("last_error")).toString(),
                 failing.lastError);

        QCOMPARE(send("DELETE", QStringLiteral("/api/watches/9223372036854775000"), {}, m_port).status, 200);
        QCOMPARE(send("DELETE", QStringLiteral("/api/watches/9223372036854775000"), {}, m_port).status, 404);
        QCOMPARE(send("DELETE", QStringLiteral("/api/watches/abc"), {}, m_port).status, 400);
        QVERIFY(m_store->watches()->isEmpty());
    }

    void openapiDescribesEveryRoute()
    {
        const Answer a = get(QStringLiteral("/api/openapi.json"));
        QCOMPARE(a.status, 200);
        QVERIFY(a.body.value(QStringLiteral("openapi")).toString().startsWith(QStringLiteral("3.")));
        const QJsonObject paths = a.body.value(QStringLiteral("paths")).toObject();
        for (const QString &route : RestServer::routes()) {
            QVERIFY2(paths.contains(route), qPrintable(route));
            const QJsonObject item = paths.value(route).toObject();
            QVERIFY2(!item.isEmpty(), qPrintable(route));
            // Every operation answers some success.
            for (const QJsonValue &op : item) {
                const QStringList codes = op.toObject().value(QStringLiteral("responses")).toObject().keys();
                QVERIFY2(std::any_of(codes.cbegin(), codes.cend(), [](const QString &c) { return c.startsWith(QLatin1Char('2')); }),
                         qPrintable(route));
            }
        }
        QCOMPARE(paths.size(), RestServer::routes().size());
        // Every $ref points at a schema that exists.
        const QJsonObject schemas = a.body.value(QStringLiteral("components")).toObject().value(QStringLiteral("schemas")).toObject();
        const QString text = QString::fromUtf8(a.raw);
        static const QRegularExpression refs(QStringLiteral("#/components/schemas/(\\w+)"));
        for (auto it = refs.globalMatch(text); it.hasNext();) {
            const QString name = it.next().captured(1);
            QVERIFY2(schemas.contains(name), qPrintable(name));
        }
    }

    void unknownPath()
    {
        const Answer a = get(QStringLiteral("/api/nothing"));
        QCOMPARE(a.status, 404);
        QVERIFY(a.body.value(QStringLiteral("detail")).toString().contains(QStringLiteral("openapi")));
    }

    void rateLimit()
    {
        for (int i = 0; i < 3; ++i)
            QCOMPARE(get(QStringLiteral("/api/chats/search?search_term=park"), m_limitedPort).status, 200);
        const Answer limited = get(QStringLiteral("/api/chats/search?search_term=park"), m_limitedPort);
        QCOMPARE(limited.status, 429);
        QVERIFY2(limited.body.value(QStringLiteral("detail")).toString().startsWith(QStringLiteral("Too many requests")), limited.raw.constData());
        const int retry = m_retryAfter.toInt();
        QVERIFY2(retry >= 1 && retry <= 3600, m_retryAfter.constData());
        // Another server's clients are not counted here.
        QCOMPARE(get(QStringLiteral("/api/chats/search?search_term=park")).status, 200);
    }

    void survivesRedisGoingAway()
    {
        test::RedisProcess redis;
        QVERIFY(redis.start());
        RedisUrl url;
        url.port = redis.port();
        // No cool-down, so the test need not wait for the breaker to close.
        auto client = std::make_shared<RedisClient>(url, std::chrono::milliseconds(250), std::chrono::milliseconds(0));
        auto service = std::make_shared<SearchService>(m_store);
        service->setCache(std::make_shared<SearchCache>(client, *m_store));
        RestServer::Options o = options(service, client);
        o.rateLimit = 1000;
        RestServer server(o);
        const quint16 port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port != 0);
        const QString path = QStringLiteral("/api/chats/search?search_term=park");

        QCOMPARE(get(path, port).cache, QByteArrayLiteral("miss"));
        QCOMPARE(get(path, port).cache, QByteArrayLiteral("hit"));
        redis.stop();
        for (int i = 0; i < 3; ++i) {
            const Answer a = get(path, port);
            QCOMPARE(a.status, 200);
            QCOMPARE(a.cache, QByteArrayLiteral("off"));
            QCOMPARE(a.body.value(QStringLiteral("total_count")).toInt(), 1);
        }
        QCOMPARE(get(QStringLiteral("/api/health"), port).body.value(QStringLiteral("cache")).toObject()
                     .value(QStringLiteral("status")).toString(), QStringLiteral("unavailable"));
        QVERIFY(redis.start()); // empty again
        QCOMPARE(get(path, port).cache, QByteArrayLiteral("miss"));
        QCOMPARE(get(path, port).cache, QByteArrayLiteral("hit"));
    }

    void clientsLeavingEarlyAndHugeHeaders()
    {
        // Clients that send a request and vanish before the answer.
        for (int i = 0; i < 50; ++i) {
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, m_port);
            QVERIFY(socket.waitForConnected());
            socket.write("GET /api/chats/search?search_term=park HTTP/1.1\r\nHost: x\r\n\r\n");
            QVERIFY(socket.waitForBytesWritten());
            socket.abort();
        }
        // A 1 MB header: the parser refuses it; nothing crashes.
        {
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, m_port);
            QVERIFY(socket.waitForConnected());
            socket.write("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(1 << 20, 'a') + "\r\n\r\n");
            socket.waitForBytesWritten();
            // Either an error status or a closed connection; never a 200.
            if (socket.waitForReadyRead(5000))
                QVERIFY(!socket.readAll().startsWith("HTTP/1.1 200"));
        }
        QCOMPARE(get(QStringLiteral("/api/health")).status, 200); // still serving
    }

    void poolServesConcurrently()
    {
        RestServerPool pool(options(m_service, {}), 3);
        const Expected<quint16> port = pool.listen(QHostAddress::LocalHost, 0);
        QVERIFY2(port, port ? "" : qPrintable(port.error().message));
        QCOMPARE(pool.size(), 3);
        // Many requests in flight at once, over several connections.
        QList<QNetworkReply *> replies;
        for (int i = 0; i < 30; ++i)
            replies.append(m_nam.get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/api/chats/search?search_term=park").arg(*port)))));
        int done = 0;
        QEventLoop loop;
        for (QNetworkReply *r : replies)
            connect(r, &QNetworkReply::finished, &loop, [&] {
                if (++done == replies.size())
                    loop.quit();
            });
        loop.exec();
        for (QNetworkReply *r : replies) {
            QCOMPARE(r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
            QCOMPARE(QJsonDocument::fromJson(r->readAll()).object().value(QStringLiteral("total_count")).toInt(), 1);
            r->deleteLater();
        }
        // A second pool cannot take a port in use by another program, nor
        // this pool's.
        QVERIFY(!ListeningSocket::open(QHostAddress::LocalHost, m_port));
        const Expected<ListeningSocket> again = ListeningSocket::open(QHostAddress::LocalHost, *port);
        QVERIFY(!again);
        QVERIFY(again.error().message.contains(QStringLiteral("bind")));
    }

    void poolSpreadsConnectionsEvenly()
    {
        RestServerPool pool(options(m_service, {}), 4);
        const Expected<quint16> port = pool.listen(QHostAddress::LocalHost, 0);
        QVERIFY2(port, port ? "" : qPrintable(port.error().message));
        // Kept open, as keep-alive clients keep them: each server gets as
        // many as the others, whatever the order they arrive in.
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 12; ++i) {
            sockets.push_back(std::make_unique<QTcpSocket>());
            sockets.back()->connectToHost(QHostAddress::LocalHost, *port);
            QVERIFY(sockets.back()->waitForConnected(5000));
        }
        QTRY_COMPARE(pool.connections(), (QList<int>{3, 3, 3, 3}));
        // Each one is served, over and over on the same connection.
        for (const std::unique_ptr<QTcpSocket> &socket : sockets) {
            for (int round = 0; round < 2; ++round) {
                socket->write("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n");
                QByteArray answer;
                while (!answer.contains("\r\n\r\n") && socket->waitForReadyRead(5000))
                    answer += socket->readAll();
                QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
                // The rest of the body, so that the next answer starts clean.
                const int length = answer.mid(answer.indexOf("Content-Length:") + 15, 10).trimmed().split('\r').first().toInt();
                while (answer.size() - (answer.indexOf("\r\n\r\n") + 4) < length && socket->waitForReadyRead(5000))
                    answer += socket->readAll();
            }
        }
        // Closed ones are counted out, and the next come to the emptiest.
        for (int i = 0; i < 6; ++i)
            sockets[i]->disconnectFromHost();
        const auto open = [&pool] {
            const QList<int> each = pool.connections();
            return std::accumulate(each.cbegin(), each.cend(), 0);
        };
        QTRY_COMPARE(open(), 6);
        const QList<int> before = pool.connections();
        const int emptiest = int(std::min_element(before.cbegin(), before.cend()) - before.cbegin());
        QTcpSocket next;
        next.connectToHost(QHostAddress::LocalHost, *port);
        QVERIFY(next.waitForConnected(5000));
        QTRY_COMPARE(pool.connections().at(emptiest), before.at(emptiest) + 1);
    }

    void exportEndpoint()
    {
        constexpr Snowflake channel = 300100200300400501;
        test::DceWorld world;
        world.addGuild(300100200300400500, QStringLiteral("Climbers"));
        world.addChannel(300100200300400500, channel, QStringLiteral("crags"));
        world.addMessages(channel, 12, QDateTime::currentDateTimeUtc().addSecs(-60), std::chrono::minutes(60),
                          QStringLiteral("bouldering at dawn"));
        world.apply();
        RestServer::Options o = options(m_service, m_service->cache()->redis());
        o.dce = test::DceWorld::program();
        RestServer server(o);
        const quint16 port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port != 0);
        const QString path = QStringLiteral("/api/chats/export/%1").arg(channel);
        const QByteArray token(test::DceWorld::token);

        Answer a = post(path, port, {});
        QCOMPARE(a.status, 400);
        QCOMPARE(a.body, (QJsonObject{{QStringLiteral("detail"), QStringLiteral("Missing Discord token.")}}));
        QCOMPARE(post(QStringLiteral("/api/chats/export/general"), port, token).status, 400);
        a = post(path + QStringLiteral("?after=last-week"), port, token);
        QCOMPARE(a.status, 400);
        QVERIFY(a.body.value(QStringLiteral("detail")).toString().startsWith(QStringLiteral("after must be")));
        a = post(path, port, "wrong-token");
        QCOMPARE(a.status, 400);
        QVERIFY(a.body.value(QStringLiteral("detail")).toString().contains(QStringLiteral("refused the token")));
        QCOMPARE(post(QStringLiteral("/api/chats/export/42"), port, token).status, 404);

        // A search before the export is cached; the export must make it stale.
        const QString search = QStringLiteral("/api/chats/search?search_term=bouldering");
        QCOMPARE(get(search, port).body.value(QStringLiteral("total_count")).toInt(), 0);
        QCOMPARE(get(search, port).cache, QByteArray("hit"));

        a = post(path, port, token);
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(QStringLiteral("status")).toString(), QStringLiteral("success"));
        const QJsonObject data = a.body.value(QStringLiteral("data")).toObject();
        QCOMPARE(data.value(QStringLiteral("message")).toString(), QStringLiteral("Successfully inserted 12 messages into the database."));
        QCOMPARE(data.value(QStringLiteral("inserted")).toInt(), 12);
        QCOMPARE(data.value(QStringLiteral("skipped")).toInt(), 0);
        QVERIFY(a.body.value(QStringLiteral("process_time")).toString().endsWith(QStringLiteral(" seconds")));
        // The empty page cached before the export was computed again by it.
        const Answer found = get(search, port);
        QCOMPARE(found.body.value(QStringLiteral("total_count")).toInt(), 12);

        // Again: nothing new, everything skipped.
        a = post(path + QStringLiteral("?after=2020-01-01&before=2099-01-01"), port, token);
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(QStringLiteral("data")).toObject().value(QStringLiteral("inserted")).toInt(), 0);
        QCOMPARE(a.body.value(QStringLiteral("data")).toObject().value(QStringLiteral("skipped")).toInt(), 12);

        // Elasticsearch's export waits for Elasticsearch; no DCE: 503 with why.
        QCOMPARE(post(QStringLiteral("/api/es/chats/export/%1").arg(channel), port, token).status, 503);
        a = post(path, m_port, token);
        QCOMPARE(a.status, 503);
        QVERIFY(a.body.value(QStringLiteral("detail")).toString().contains(QStringLiteral("DiscordChatExporter")));
    }

    void elasticsearchEndpoints()
    {
        test::ElasticProcess es(QStringLiteral("rest"));
        QVERIFY(es.start());
        Expected<ElasticConfig> config = ElasticConfig::parse(es.url());
        QVERIFY(config);
        auto store = std::make_shared<ElasticStore>(*config);
        QVERIFY(store->migrate());
        Importer importer(*store);
        QVERIFY(!importer.importFile(fixture(QStringLiteral("dce/modern.json"))).error);
        RestServer::Options o = options(m_service, {});
        o.elastic = std::make_shared<SearchService>(store);
        RestServer server(o);
        const quint16 port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port != 0);

        Answer a = get(QStringLiteral("/api/es/chats/search?keyword=runs"), port);
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(QStringLiteral("total")).toInt(), 1);
        QCOMPARE(a.body.value(QStringLiteral("total_count")).toInt(), 1);
        QCOMPARE(a.body.value(QStringLiteral("data")), a.body.value(QStringLiteral("messages")));
        QVERIFY(a.body.value(QStringLiteral("data")).toArray().first().toObject().value(QStringLiteral("message_id")).isString());
        a = get(QStringLiteral("/api/es/chats/search/by-date?start_date=2024-04-26&end_date=2024-04-26"), port);
        QVERIFY2(a.status == 200, a.raw.constData());
        QCOMPARE(a.body.value(QStringLiteral("total")).toInt(), 2);
        QCOMPARE(get(QStringLiteral("/api/es/chats/search"), port).status, 400);
        QCOMPARE(get(QStringLiteral("/api/es/chats/search?keyword=zzzqqq"), port).body.value(QStringLiteral("detail")).toString(),
                 QStringLiteral("No messages found"));
        a = get(QStringLiteral("/api/health"), port);
        QCOMPARE(a.body.value(QStringLiteral("elasticsearch")).toObject().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));

        // Exporting into Elasticsearch.
        constexpr Snowflake channel = 600100200300400501;
        test::DceWorld world;
        world.addGuild(600100200300400500, QStringLiteral("Astronomers"));
        world.addChannel(600100200300400500, channel, QStringLiteral("telescopes"));
        world.addMessages(channel, 4, QDateTime::currentDateTimeUtc().addSecs(-60), std::chrono::minutes(15),
                          QStringLiteral("saturn rings tonight"));
        world.apply();
        RestServer::Options withDce = o;
        withDce.dce = test::DceWorld::program();
        RestServer exporter(withDce);
        const quint16 exportPort = exporter.listen(QHostAddress::LocalHost, 0);
        a = post(QStringLiteral("/api/es/chats/export/%1").arg(channel), exportPort, test::DceWorld::token);
        QVERIFY2(a.status == 200, a.raw.constData());
        QCOMPARE(a.body.value(QStringLiteral("data")).toObject().value(QStringLiteral("inserted")).toInt(), 4);
        QCOMPARE(get(QStringLiteral("/api/es/chats/search?keyword=saturn"), exportPort).body.value(QStringLiteral("total")).toInt(), 4);
        // ... and not into the SQL store.
        QCOMPARE(get(QStringLiteral("/api/chats/search?search_term=saturn"), exportPort).body.value(QStringLiteral("total_count")).toInt(), 0);
    }

    void apiKey_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<int>("status");
        QTest::newRow("missing") << QByteArray() << 401;
        QTest::newRow("wrong") << QByteArrayLiteral("s3cret-kez") << 401;
        QTest::newRow("prefix") << QByteArrayLiteral("s3cret") << 401;
        QTest::newRow("right") << QByteArrayLiteral("s3cret-key") << 200;
    }

    void apiKey()
    {
        QFETCH(QByteArray, key);
        QFETCH(int, status);
        const Answer a = get(QStringLiteral("/api/chats/search?search_term=park"), m_keyedPort, key);
        QCOMPARE(a.status, status);
        if (status == 401)
            QCOMPARE(a.body.value(QStringLiteral("detail")).toString(), QStringLiteral("A valid X-Api-Key header is required."));
    }
};

QTEST_GUILESS_MAIN(TestRestServer)
#include "tst_restserver.moc"
