#include "dceworld.h"
#include "exportwriter.h"
#include "postgresprocess.h"
#include "redisprocess.h"
#include "serveprocess.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

// Many cycles of the real `serve` under mixed load, stopped with SIGTERM while
// PostgreSQL and Redis stop before, during and at the moment of the stop. The
// exit is always clean (0, "Stopped."), no answer is a 500, and nothing an
// export wrote is lost or doubled. scripts/test runs it in the plain build and
// again under AddressSanitizer and ThreadSanitizer, whose reports fail the
// server's exit code.
class TestServeStress : public QObject
{
    Q_OBJECT

    static constexpr fdd::Snowflake guild = 500100200300400500;
    static constexpr fdd::Snowflake channel = 500100200300400501;
    static constexpr int seeded = 3000;
    static constexpr int firstExport = 40;
    static constexpr int perCycle = 5;

    enum class Outage { None, BeforeLoad, DuringLoad, AtStop };

    fdd::test::PostgresProcess m_pg;
    fdd::test::RedisProcess m_redis;
    fdd::test::DceWorld m_world;
    QTemporaryDir m_files;
    QDateTime m_start = QDateTime::currentDateTimeUtc().addDays(-2);
    int m_cycles = 0;       // cycles run: each added perCycle messages to "Discord"
    qint64 m_exported = 0;  // messages the export answers said they inserted

    // Mixed traffic: every search endpoint, deep pages, context, stop-word
    // terms (PostgreSQL NOTICEs), the streamed /search/all, health, and one
    // export from the DCE stand-in; `inFlight` requests at a time.
    struct Load
    {
        QNetworkAccessManager nam;
        int port = 0;
        int inFlight = 12;
        int running = 0;
        int next = 0;
        int answered = 0;
        bool stopped = false;
        QMap<int, int> statuses; // HTTP status (0: no answer) → how many
        QHash<QNetworkReply *, QString> open; // requests not answered yet → path
        QStringList unexpected;  // what a 5xx other than 503 said
        int exportStatus = -1;
        qint64 exportInserted = 0;

        void start()
        {
            for (int i = 0; i < inFlight; ++i)
                send();
        }
        void send()
        {
            if (stopped)
                return;
            static const QStringList paths{
                QStringLiteral("/api/chats/search?search_term=numbered"),
                QStringLiteral("/api/chats/search?search_term=message+1&page=3&page_size=25"),
                QStringLiteral("/api/chats/search?search_term=7&page=20"),
                QStringLiteral("/api/chats/context-search?search_term=numbered+messages&context=3"),
                QStringLiteral("/api/chats/context-search?search_term=the+and"),
                QStringLiteral("/api/chats/search/all?search_term=message+29"),
                QStringLiteral("/api/chats/search/by-date?start_date=2020-01-01&end_date=2099-12-31&page=7"),
                QStringLiteral("/api/health"),
            };
            const QString path = paths.at(next++ % paths.size());
            ++running;
            QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path)));
            // A reply Qt keeps open after the server has gone (seen once in
            // CI under ASan) ends here instead of hanging the test; it counts
            // as "no answer", which every outage row allows.
            request.setTransferTimeout(30000);
            QNetworkReply *reply = nam.get(request);
            open.insert(reply, path);
            QObject::connect(reply, &QNetworkReply::finished, reply, [this, reply] {
                const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                record(status, reply->readAll());
                open.remove(reply);
                reply->deleteLater();
                --running;
                ++answered;
                send();
            });
        }
        void exportOnce()
        {
            QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/api/chats/export/%2").arg(port).arg(channel)));
            request.setRawHeader("X-Token", fdd::test::DceWorld::token);
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
            request.setTransferTimeout(120000);
            ++running;
            QNetworkReply *reply = nam.post(request, QByteArray());
            open.insert(reply, QStringLiteral("export"));
            QObject::connect(reply, &QNetworkReply::finished, reply, [this, reply] {
                open.remove(reply);
                exportStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                const QByteArray body = reply->readAll();
                record(exportStatus, body);
                if (exportStatus == 200)
                    exportInserted = QJsonDocument::fromJson(body).object().value(QStringLiteral("data")).toObject()
                                         .value(QStringLiteral("inserted")).toInteger();
                reply->deleteLater();
                --running;
            });
        }
        void record(int status, const QByteArray &body)
        {
            ++statuses[status];
            if (status >= 500 && status != 503)
                unexpected.append(QStringLiteral("%1 %2").arg(status).arg(QString::fromUtf8(body.left(300))));
        }
    };

    bool ensureUp()
    {
        if (!m_pg.isRunning() && !m_pg.start()) {
            qWarning().noquote() << m_pg.error();
            return false;
        }
        return m_redis.isRunning() || m_redis.start();
    }

    QStringList serveArguments() const
    {
        return {QStringLiteral("serve"), QStringLiteral("--listen=127.0.0.1:0"), QStringLiteral("--database"), m_pg.url(),
                QStringLiteral("--redis"), m_redis.url() + QStringLiteral("/1"), QStringLiteral("--rate-limit=0"),
                QStringLiteral("--threads=4"), QStringLiteral("--stop-timeout=30"), QStringLiteral("--dce"),
                fdd::test::DceWorld::program().program};
    }

    // Starts `serve`; returns its port, 0 when it did not come up.
    static int startServer(QProcess &server, const QStringList &arguments, QByteArray &said)
    {
        server.start(QStringLiteral(FDD_SERVER_BINARY), arguments);
        return server.waitForStarted() ? fdd::test::waitForListening(server, said) : 0;
    }

    // Runs the event loop until `load` has `count` more answers.
    static bool answersGrow(const Load &load, int count)
    {
        const int target = load.answered + count;
        return QTest::qWaitFor([&] { return load.answered >= target; }, 120000);
    }

    void stopOutside(bool wait)
    {
        m_pg.beginStop();
        m_redis.stop();
        if (wait)
            m_pg.waitStopped();
    }

    // What the archive holds that matches a substring, asked of the CLI with
    // no cache in between.
    int countInArchive(const QString &term)
    {
        QProcess search;
        search.start(QStringLiteral(FDD_SERVER_BINARY), {QStringLiteral("search"), QStringLiteral("--substring"), term,
                                                         QStringLiteral("--json"), QStringLiteral("--database"), m_pg.url()});
        if (!search.waitForFinished(120000) || search.exitCode() != 0)
            return -1;
        return QJsonDocument::fromJson(search.readAllStandardOutput()).object().value(QStringLiteral("total_count")).toInt();
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_pg.init(), qPrintable(m_pg.error()));
        QVERIFY(m_redis.start());
        const QString file = fdd::test::writeExport(m_files.path(), QStringLiteral("numbers"), 500100200300400999, seeded,
                                                    QDateTime(QDate(2024, 3, 1), QTime(9, 0), Qt::UTC).toMSecsSinceEpoch());
        QProcess import;
        import.start(QStringLiteral(FDD_SERVER_BINARY), {QStringLiteral("import"), QStringLiteral("--database"), m_pg.url(), file});
        QVERIFY(import.waitForFinished(120000));
        QVERIFY2(import.exitCode() == 0, import.readAllStandardError().constData());
        m_world.addGuild(guild, QStringLiteral("Lighthouse keepers"));
        m_world.addChannel(guild, channel, QStringLiteral("harbour"));
        m_world.addMessages(channel, firstExport, m_start, std::chrono::minutes(1), QStringLiteral("harbour lights"));
    }

    void stopUnderLoad_data()
    {
        QTest::addColumn<Outage>("outage");
        const int cycles = qEnvironmentVariableIsSet("FDD_STRESS_CYCLES") ? qEnvironmentVariableIntValue("FDD_STRESS_CYCLES") : 24;
        for (int i = 0; i < cycles; ++i) {
            static const std::pair<const char *, Outage> kinds[] = {
                {"servers up", Outage::None},
                {"PostgreSQL and Redis stopped before the load", Outage::BeforeLoad},
                {"PostgreSQL and Redis stopped during the load", Outage::DuringLoad},
                {"PostgreSQL and Redis stopped with the SIGTERM", Outage::AtStop},
            };
            const auto &[name, outage] = kinds[i % 4];
            QTest::addRow("%d %s", i + 1, name) << outage;
        }
    }

    void stopUnderLoad()
    {
        QFETCH(Outage, outage);
        QVERIFY(ensureUp());
        // New messages in "Discord" for this cycle's export, which DCE writes
        // slowly, so that the SIGTERM often lands in the middle of it.
        ++m_cycles;
        m_world.addMessages(channel, perCycle, m_start.addSecs(m_cycles * 600), std::chrono::minutes(1),
                            QStringLiteral("harbour lights, cycle %1").arg(m_cycles));
        m_world.apply();
        qputenv("FAKE_DCE_FAIL", "slow");
        qputenv("FAKE_DCE_DELAY_MS", "20");

        QProcess server;
        QByteArray said;
        Load load;
        load.port = startServer(server, serveArguments(), said);
        QVERIFY2(load.port > 0, said.constData());
        if (outage == Outage::BeforeLoad)
            stopOutside(true);
        load.exportOnce();
        load.start();
        // The stop lands at a different moment of the export each cycle.
        const int answers = 40 + (m_cycles * 53) % 240;
        QVERIFY(answersGrow(load, answers / 2));
        if (outage == Outage::DuringLoad)
            stopOutside(true);
        QVERIFY(answersGrow(load, answers / 2));
        ::kill(pid_t(server.processId()), SIGTERM);
        if (outage == Outage::AtStop)
            stopOutside(false);

        QVERIFY2(QTest::qWaitFor([&] { return server.state() == QProcess::NotRunning; }, 90000), "serve did not stop");
        load.stopped = true;
        if (!QTest::qWaitFor([&] { return load.running == 0; }, 150000))
            QFAIL(qPrintable(QStringLiteral("%1 requests still open after the server stopped: %2")
                                 .arg(load.running).arg(QStringList(load.open.values()).join(QStringLiteral(", ")))));
        said += server.readAllStandardError();
        m_pg.waitStopped();
        const QByteArray tail = said.right(3000);
        QCOMPARE(server.exitStatus(), QProcess::NormalExit);
        QVERIFY2(server.exitCode() == 0, tail.constData());
        QVERIFY2(said.contains("Stopped."), tail.constData());
        QVERIFY2(!said.contains("Sanitizer"), tail.constData());
        QVERIFY2(load.unexpected.isEmpty(), qPrintable(load.unexpected.join(QLatin1Char('\n'))));
        if (outage == Outage::None)
            QVERIFY2(load.statuses.value(200) >= 40, qPrintable(QStringLiteral("200 answers: %1").arg(load.statuses.value(200))));
        if (load.exportStatus == 200)
            m_exported += load.exportInserted;
    }

    // After every stop: the seeded messages are all there, and one more
    // export brings exactly what the cancelled ones did not, nothing twice.
    void nothingLost()
    {
        QVERIFY(ensureUp());
        qunsetenv("FAKE_DCE_FAIL");
        QCOMPARE(countInArchive(QStringLiteral("numbered message")), seeded);
        const int before = countInArchive(QStringLiteral("harbour lights"));
        QCOMPARE(before, int(m_exported));

        QProcess server;
        QByteArray said;
        Load load;
        load.port = startServer(server, serveArguments(), said);
        QVERIFY2(load.port > 0, said.constData());
        load.exportOnce();
        QVERIFY(QTest::qWaitFor([&] { return load.running == 0; }, 120000));
        QCOMPARE(load.exportStatus, 200);
        const int total = firstExport + perCycle * m_cycles;
        QCOMPARE(int(load.exportInserted), total - before);
        ::kill(pid_t(server.processId()), SIGTERM);
        QVERIFY(server.waitForFinished(60000));
        QCOMPARE(server.exitCode(), 0);
        QCOMPARE(countInArchive(QStringLiteral("harbour lights")), total);
    }
};

QTEST_GUILESS_MAIN(TestServeStress)
#include "tst_servestress.moc"
