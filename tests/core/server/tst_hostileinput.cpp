#include "dce/importer.h"
#include "server/restserverpool.h"
#include "store/elasticstore.h"
#include "store/postgresstore.h"
#include "store/sqlitestore.h"
#include "deadport.h"
#include "elasticprocess.h"
#include "logcapture.h"
#include "testdatabase.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QScopeGuard>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <list>

using namespace fdd;

namespace {

struct Raw
{
    int status = 0;
    QByteArray body;
};

const QByteArray apiKey = "k3y-that-must-never-leak-0123456789";
} // namespace

// Every endpoint, sent what an attacker or a broken client sends: always a
// 4xx with a sentence (or a 200 for values that are merely odd), never a 500,
// never a crash, and the server and the archive are fine afterwards. CTest runs
// it once per store (FDD_STORE=sqlite, postgres, es); with es, the /api/chats/
// endpoints are served by Elasticsearch too.
class TestHostileInput : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::unique_ptr<test::TestDatabase> m_db;
    std::unique_ptr<test::ElasticProcess> m_elastic;
    std::shared_ptr<MessageStore> m_store;
    // What no answer may reveal: where the servers run, who connects, files.
    QStringList m_internals;
    // Its own threads: the test talks to it with blocking sockets.
    std::unique_ptr<RestServerPool> m_server;
    quint16 m_port = 0;
    qint64 m_messages = 0;

    // Raw HTTP, so that nothing on the way "fixes" the request.
    Raw send(const QByteArray &request)
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        if (!socket.waitForConnected(5000))
            return {};
        socket.write(request);
        // One answer: its headers, then Content-Length bytes (QHttpServer 6.4
        // keeps the connection open even after "Connection: close").
        QByteArray answer;
        const auto complete = [&answer] {
            const qsizetype end = answer.indexOf("\r\n\r\n");
            if (end < 0)
                return false;
            const QByteArray headers = answer.left(end).toLower();
            const qsizetype at = headers.indexOf("content-length:");
            const qint64 length = at < 0 ? 0 : headers.mid(at + 15, headers.indexOf("\r\n", at) - at - 15).trimmed().toLongLong();
            return answer.size() >= end + 4 + length;
        };
        while (!complete() && socket.state() == QAbstractSocket::ConnectedState && socket.waitForReadyRead(10000))
            answer += socket.readAll();
        Raw r;
        const QList<QByteArray> statusLine = answer.left(answer.indexOf("\r\n")).split(' ');
        r.status = statusLine.value(1).toInt();
        r.body = answer.mid(answer.indexOf("\r\n\r\n") + 4);
        return r;
    }

    Raw get(const QByteArray &target, const QByteArray &extraHeaders = {})
    {
        return send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: " + apiKey + "\r\n" + extraHeaders
                    + "Connection: close\r\n\r\n");
    }

    qint64 archived()
    {
        Expected<StoreStats> s = m_store->stats();
        return s ? s->messages : -1;
    }

private slots:
    // No SQL, no engine's own words, no host, port, user, database or path.
    void checkNothingInternal(const QByteArray &body)
    {
        const QString text = QString::fromUtf8(body);
        for (const char *internal : {"FROM messages", "messages_fts", "discord_chats", "sqlite", "syntax error", "QSQL",
                                     "ORDER BY", "ERROR:", "127.0.0.1", "localhost", "postgresql://", "fdd@", "http://"})
            QVERIFY2(!text.contains(QLatin1String(internal), Qt::CaseInsensitive), qPrintable(text.left(400)));
        for (const QString &internal : std::as_const(m_internals))
            QVERIFY2(!text.contains(internal, Qt::CaseInsensitive), qPrintable(text.left(400)));
    }

    // A server over `service` (and `elastic` for /api/es/) in threads of its own.
    std::unique_ptr<RestServerPool> serve(std::shared_ptr<SearchService> service, std::shared_ptr<SearchService> elastic,
                                          std::shared_ptr<RedisClient> redis, quint16 &port)
    {
        RestServer::Options o;
        o.service = std::move(service);
        o.elastic = std::move(elastic);
        o.redis = std::move(redis);
        o.apiKey = apiKey;
        auto pool = std::make_unique<RestServerPool>(o, 2);
        const Expected<quint16> bound = pool->listen(QHostAddress::LocalHost, 0);
        port = bound ? *bound : 0;
        return pool;
    }

    void initTestCase()
    {
        test::LogCapture::install();
        const QString kind = qEnvironmentVariable("FDD_STORE", QStringLiteral("sqlite"));
        m_internals << m_tmp.path();
        if (kind == QLatin1String("postgres")) {
            m_db = std::make_unique<test::TestDatabase>(QStringLiteral("hostile"));
            QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
            m_store = std::make_shared<PostgresStore>(m_db->url());
            m_internals << m_db->url().database << QStringLiteral(":%1").arg(m_db->url().port);
        } else if (kind == QLatin1String("sqlite")) {
            m_store = std::make_shared<SqliteStore>(m_tmp.filePath(QStringLiteral("archive.db")));
        } else if (kind == QLatin1String("es")) {
            m_elastic = std::make_unique<test::ElasticProcess>(QStringLiteral("hostile"));
            QVERIFY2(m_elastic->start(), "the Elasticsearch stand-in did not start");
            Expected<ElasticConfig> config = ElasticConfig::parse(m_elastic->url());
            QVERIFY(config);
            m_store = std::make_shared<ElasticStore>(*config);
            m_internals << QUrl(m_elastic->url()).host() + QLatin1Char(':') + QString::number(QUrl(m_elastic->url()).port());
        } else {
            QFAIL(qPrintable(QStringLiteral("FDD_STORE=%1 is not a store").arg(kind)));
        }
        QVERIFY(m_store->migrate());
        Importer importer(*m_store);
        for (const char *name : {"modern.json", "legacy.json", "thread.json", "direct-messages.json"})
            QVERIFY(!importer.importFile(test::fixture(QStringLiteral("dce/") + QLatin1String(name))).error);
        m_messages = archived();
        auto service = std::make_shared<SearchService>(m_store);
        m_server = serve(service, m_elastic ? service : nullptr, nullptr, m_port);
        QVERIFY(m_port != 0);
    }

    void parameters_data()
    {
        QTest::addColumn<QByteArray>("target");
        const QByteArray huge(20000, 'a');
        const QList<QByteArray> endpoints{"/api/chats/search", "/api/chats/context-search", "/api/chats/search/all",
                                          "/api/chats/search/by-date", "/api/es/chats/search", "/api/es/chats/search/by-date"};
        const QList<QByteArray> values{
            "", "%00", "%FF%FE%FD", "%C3%28", "%ED%A0%80", "%F4%90%80%80",          // empty, NUL, invalid UTF-8
            huge, "%25" + QByteArray(3000, 'A'),                                     // oversized
            "'%20OR%201=1;%20DROP%20TABLE%20messages;--", "%27)%20UNION%20SELECT%20*%20FROM%20channels--",
            "%5C", "%25%25%25", "_%25_",                                            // LIKE metacharacters
            "%7B%22query%22:%7B%22match_all%22:%7B%7D%7D%7D", "*:*", "content:*%20OR%20*", "%22%7D%7D,%7B%22x",
            "-1", "0", "99999999999999999999", "1e9", "0x10", "NaN", "2024-13-45", "2024-02-30", "9999-99-99",
            "%E2%80%AE", "%F0%9F%98%80"};
        const QList<QByteArray> params{"search_term", "keyword", "start_date", "end_date", "page", "page_size", "size", "context"};
        int row = 0;
        for (const QByteArray &endpoint : endpoints)
            for (const QByteArray &param : params)
                for (const QByteArray &value : values) {
                    // The other required parameters present and sane, so this one is what is tested.
                    QByteArray target = endpoint + "?";
                    for (const QByteArray &other : {QByteArray("search_term=park"), QByteArray("keyword=park"),
                                                    QByteArray("start_date=2020-01-01"), QByteArray("end_date=2030-01-01")})
                        if (!other.startsWith(param + '='))
                            target += other + '&';
                    target += param + '=' + value;
                    QTest::addRow("%d %s %s=%s", row++, endpoint.constData(), param.constData(), value.left(24).constData())
                        << target;
                }
        // Missing everything, repeated parameters, broken query syntax.
        for (const QByteArray &endpoint : endpoints) {
            QTest::addRow("%d %s bare", row++, endpoint.constData()) << endpoint;
            QTest::addRow("%d %s repeated", row++, endpoint.constData())
                << endpoint + "?search_term=a&search_term=b&page=1&page=2&start_date=2020-01-01&end_date=2030-01-01";
            QTest::addRow("%d %s junk", row++, endpoint.constData()) << endpoint + "?&&==&%&=%3D&search_term";
        }
        QTest::addRow("%d export bad id", row++) << QByteArray("/api/chats/export/%FF");
        QTest::addRow("%d path traversal", row++) << QByteArray("/api/../../etc/passwd");
        QTest::addRow("%d encoded traversal", row++) << QByteArray("/api/chats/%2e%2e/%2e%2e/etc/passwd");
    }

    void parameters()
    {
        QFETCH(QByteArray, target);
        const Raw r = get(target);
        QVERIFY2(r.status != 0, "no answer: the server may have crashed");
        QVERIFY2(r.status < 500 || r.status == 503, qPrintable(QStringLiteral("%1 answered %2: %3").arg(QString::fromLatin1(target.left(200))).arg(r.status).arg(QString::fromUtf8(r.body.left(300)))));
        const QJsonObject body = QJsonDocument::fromJson(r.body).object();
        if (r.status >= 400) {
            const QString detail = body.value(QStringLiteral("detail")).toString();
            QVERIFY2(detail.size() > 10 && detail.endsWith(QLatin1Char('.')), qPrintable(detail));
            // The value may be quoted back; the server's own SQL and errors never are.
            checkNothingInternal(detail.toUtf8());
        }
        if (target.contains("%00"))
            QCOMPARE(r.status, 400); // no store can hold a NUL, and PostgreSQL's driver would cut the statement there
        QVERIFY(!r.body.contains(apiKey));
    }

    void malformedRequests_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::newRow("garbage") << QByteArray("GARBAGE\r\n\r\n");
        QTest::newRow("no version") << QByteArray("GET /api/health\r\n\r\n");
        QTest::newRow("unknown method") << QByteArray("BREW /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QTest::newRow("huge URL") << "GET /api/chats/search?search_term=" + QByteArray(200000, 'x') + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        QTest::newRow("huge header") << "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(1 << 20, 'y') + "\r\nConnection: close\r\n\r\n";
        QTest::newRow("many headers") << "GET /api/health HTTP/1.1\r\nHost: x\r\n" + QByteArray("X-A: b\r\n").repeated(5000) + "Connection: close\r\n\r\n";
        static const char nul[] = "GET /api/he\0alth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        QTest::newRow("NUL in path") << QByteArray(nul, sizeof nul - 1);
        QTest::newRow("lying length") << QByteArray("POST /api/chats/export/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\nConnection: close\r\n\r\nabc");
        QTest::newRow("chunked garbage") << QByteArray("POST /api/chats/export/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZZ\r\n");
        QTest::newRow("huge token") << "POST /api/chats/export/123 HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + apiKey + "\r\nX-Token: " + QByteArray(100000, 't') + "\r\nConnection: close\r\n\r\n";
        QTest::newRow("wrong key") << QByteArray("GET /api/chats/search?search_term=park HTTP/1.1\r\nHost: x\r\nX-Api-Key: ' OR '1'='1\r\nConnection: close\r\n\r\n");
    }

    void malformedRequests()
    {
        QFETCH(QByteArray, request);
        const Raw r = send(request);
        QVERIFY2(r.status == 0 || r.status < 500 || r.status == 503, qPrintable(QString::number(r.status)));
        // Whatever that was, the server still answers.
        QCOMPARE(get("/api/health").status, 200);
    }

    void theArchiveIsUntouched()
    {
        QCOMPARE(archived(), m_messages);
        const Raw r = get("/api/chats/search?search_term=running");
        QCOMPARE(r.status, 200);
        QCOMPARE(QJsonDocument::fromJson(r.body).object().value(QStringLiteral("total_count")).toInt(), 1);
    }

    // Everything behind the server down at once: the archive's server (or its
    // file), Elasticsearch and Redis. Clients learn which part is unavailable
    // and a request id; the log has the why under that id.
    void outagesRevealNothing()
    {
        // Ports held shut for the whole test: a port probed free and closed
        // again can be taken by a server of a suite running in parallel.
        std::list<test::DeadPort> deadPorts;
        const auto freePort = [&deadPorts] { return deadPorts.emplace_back().port(); };
        std::shared_ptr<MessageStore> down;
        if (m_db) {
            DatabaseUrl url = m_db->url();
            url.port = freePort();
            m_internals << QStringLiteral(":%1").arg(url.port);
            down = std::make_shared<PostgresStore>(url);
        } else if (m_elastic) {
            const quint16 port = freePort();
            m_internals << QStringLiteral(":%1").arg(port);
            Expected<ElasticConfig> config = ElasticConfig::parse(QStringLiteral("http://127.0.0.1:%1/gone").arg(port));
            QVERIFY(config);
            down = std::make_shared<ElasticStore>(*config);
        } else {
            // The archive's folder is a file: the file cannot be opened.
            QFile blocker(m_tmp.filePath(QStringLiteral("not-a-folder")));
            QVERIFY(blocker.open(QIODevice::WriteOnly));
            down = std::make_shared<SqliteStore>(blocker.fileName() + QStringLiteral("/archive.db"));
        }
        const quint16 esPort = freePort();
        Expected<ElasticConfig> esConfig = ElasticConfig::parse(QStringLiteral("http://127.0.0.1:%1/gone").arg(esPort));
        QVERIFY(esConfig);
        RedisUrl redisUrl;
        redisUrl.port = freePort();
        m_internals << QStringLiteral(":%1").arg(esPort) << QStringLiteral(":%1").arg(redisUrl.port);
        auto redis = std::make_shared<RedisClient>(redisUrl);
        auto service = std::make_shared<SearchService>(down);
        service->setCache(std::make_shared<SearchCache>(redis, *down));
        quint16 port = 0;
        auto server = serve(service, std::make_shared<SearchService>(std::make_shared<ElasticStore>(*esConfig)), redis, port);
        QVERIFY(port != 0);
        std::swap(port, m_port);
        const auto restore = qScopeGuard([&] { std::swap(port, m_port); });

        const QList<QByteArray> targets{"/api/chats/search?search_term=park",
                                        "/api/chats/context-search?search_term=park&context=2",
                                        "/api/chats/search/all?search_term=park",
                                        "/api/chats/search/by-date?start_date=2020-01-01&end_date=2030-01-01",
                                        "/api/es/chats/search?keyword=park",
                                        "/api/es/chats/search/by-date?start_date=2020-01-01&end_date=2030-01-01"};
        for (const QByteArray &target : targets) {
            const Raw r = get(target);
            QVERIFY2(r.status == 503, qPrintable(QStringLiteral("%1: %2 %3").arg(QString::fromLatin1(target)).arg(r.status).arg(QString::fromUtf8(r.body))));
            const QJsonObject body = QJsonDocument::fromJson(r.body).object();
            const QString detail = body.value(QStringLiteral("detail")).toString();
            QVERIFY2(detail.contains(QLatin1String("unavailable right now")) && detail.endsWith(QLatin1Char('.')), qPrintable(detail));
            checkNothingInternal(r.body);
            // The operator finds the reason in the log under the id the client quotes.
            const QString id = body.value(QStringLiteral("request_id")).toString();
            QVERIFY(!id.isEmpty() && detail.contains(id));
            const QString logged = test::LogCapture::lineContaining(id);
            QVERIFY2(logged.contains(QLatin1String("unavailable:")), qPrintable(logged));
        }
        const Raw exported = send("POST /api/chats/export/123 HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + apiKey
                                  + "\r\nX-Token: t0ken\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        QCOMPARE(exported.status, 503);
        checkNothingInternal(exported.body);

        // Health says what is down; why (hosts, ports) only to the key's holder.
        const Raw anonymous = send("GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QCOMPARE(anonymous.status, 503);
        const QJsonObject health = QJsonDocument::fromJson(anonymous.body).object();
        QJsonObject withoutName = health; // the kind of store ("sqlite") is no secret
        withoutName.remove(QStringLiteral("store"));
        checkNothingInternal(QJsonDocument(withoutName).toJson());
        QVERIFY(!health.value(QStringLiteral("store")).toObject().contains(QStringLiteral("detail")));
        for (const char *part : {"store", "cache", "elasticsearch"})
            QCOMPARE(health.value(QLatin1String(part)).toObject().value(QStringLiteral("status")).toString(), QStringLiteral("unavailable"));
        const QJsonObject keyed = QJsonDocument::fromJson(get("/api/health").body).object();
        QVERIFY(!keyed.value(QStringLiteral("cache")).toObject().value(QStringLiteral("detail")).toString().isEmpty());
    }

    void keysAreNeverLogged()
    {
        QVERIFY(!test::LogCapture::lines().isEmpty());
        const QString leak = test::LogCapture::lineContaining(QString::fromLatin1(apiKey));
        QVERIFY2(leak.isEmpty(), qPrintable(leak));
    }
};

QTEST_GUILESS_MAIN(TestHostileInput)
#include "tst_hostileinput.moc"
