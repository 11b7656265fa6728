#include "dceworld.h"
#include "elasticprocess.h"
#include "exportwriter.h"
#include "serveprocess.h"
#include "testdatabase.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QRegularExpression>
#include <QTest>

#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using fdd::test::fixture;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

} // namespace

// Runs the real fastdiscorddb-server binary, as a user at a shell would.
class TestCli : public QObject
{
    Q_OBJECT

    std::unique_ptr<fdd::test::TestDatabase> m_db;

    QTemporaryDir m_home; // the default archive goes here, never into the real home

    Run run(const QStringList &args, const QString &databaseUrl = QString())
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("FDD_DATABASE_URL"));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.path());
        if (!databaseUrl.isEmpty())
            env.insert(QStringLiteral("FDD_DATABASE_URL"), databaseUrl);
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(FDD_SERVER_BINARY), args);
        Run r;
        if (!p.waitForFinished(120000)) {
            p.kill();
            p.waitForFinished();
            return r;
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

    // Starts `serve` on a free loopback port over the test database; returns
    // the port, 0 when it did not come up (`said` tells why).
    int startServe(QProcess &server, QByteArray &said, const QList<std::pair<QString, QString>> &environment = {})
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.path());
        for (const auto &[name, value] : environment)
            env.insert(name, value);
        server.setProcessEnvironment(env);
        server.start(QStringLiteral(FDD_SERVER_BINARY), {QStringLiteral("serve"), QStringLiteral("--listen=127.0.0.1:0"),
                                                         QStringLiteral("--database"), m_db->urlString()});
        return server.waitForStarted() ? fdd::test::waitForListening(server, said) : 0;
    }

private slots:
    void initTestCase()
    {
        m_db = std::make_unique<fdd::test::TestDatabase>(QStringLiteral("cli"));
        QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    }

    void helpAndVersion()
    {
        const Run help = run({QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains(QStringLiteral("import FILE|DIR")));
        QVERIFY(help.out.contains(QStringLiteral("search")));
        const Run importHelp = run({QStringLiteral("import"), QStringLiteral("--help")});
        QCOMPARE(importHelp.exitCode, 0);
        QVERIFY2(importHelp.out.contains(QStringLiteral("--database")), qPrintable(importHelp.out));
        const Run version = run({QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.startsWith(QStringLiteral("fastdiscorddb-server ")));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no command") << QStringList{} << "No command given.";
        QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")} << "Unknown command \"frobnicate\".";
        QTest::newRow("unknown option") << QStringList{QStringLiteral("search"), QStringLiteral("--bogus")} << "Unknown option 'bogus'";
        QTest::newRow("import nothing") << QStringList{QStringLiteral("import")} << "Name at least one export file";
        QTest::newRow("import missing file") << QStringList{QStringLiteral("import"), QStringLiteral("/no/such.json")}
                                             << "/no/such.json does not exist.";
        QTest::newRow("search without kind") << QStringList{QStringLiteral("search")} << "Give a search (\"from:alice has:image deploy\"), or one of --substring";
        QTest::newRow("search two kinds") << QStringList{QStringLiteral("search"), QStringLiteral("--substring=a"), QStringLiteral("--fulltext=b")}
                                          << "Give a search";
        QTest::newRow("query and a kind") << QStringList{QStringLiteral("search"), QStringLiteral("runs"), QStringLiteral("--fulltext=b")}
                                          << "Give a search";
        QTest::newRow("query in pieces") << QStringList{QStringLiteral("search"), QStringLiteral("from:alice"), QStringLiteral("runs")}
                                         << "Unexpected argument \"runs\": put the whole search in one pair of quotes";
        QTest::newRow("query that does not parse") << QStringList{QStringLiteral("search"), QStringLiteral("runs from:")}
                                                   << "A value is missing after from: at column 11.";
        QTest::newRow("query with a letter escape") << QStringList{QStringLiteral("search"), QStringLiteral("/\\w+/")}
                                                    << "\\w is not understood by every store";
        QTest::newRow("sort unknown") << QStringList{QStringLiteral("search"), QStringLiteral("runs"), QStringLiteral("--sort=best")}
                                      << "--sort takes newest, oldest or relevance";
        QTest::newRow("term too long") << QStringList{QStringLiteral("search"), QStringLiteral("--substring"), QString(101, u'a')}
                                       << "The search term is 101 characters long; the limit is 100.";
        QTest::newRow("bad date") << QStringList{QStringLiteral("search"), QStringLiteral("--date"), QStringLiteral("2024-02-30")}
                                  << "The start date \"2024-02-30\" is not a date";
        QTest::newRow("reversed dates") << QStringList{QStringLiteral("search"), QStringLiteral("--date"), QStringLiteral("2024-05-01..2024-04-01")}
                                        << "The start date 2024-05-01 is after the end date 2024-04-01.";
        QTest::newRow("page size") << QStringList{QStringLiteral("search"), QStringLiteral("--fulltext=x"), QStringLiteral("--page-size=101")}
                                   << "The page size must be between 1 and 100; 101 was asked for.";
        QTest::newRow("page not a number") << QStringList{QStringLiteral("search"), QStringLiteral("--fulltext=x"), QStringLiteral("--page=two")}
                                           << "--page takes a whole number";
        QTest::newRow("export without a format") << QStringList{QStringLiteral("search"), QStringLiteral("runs"), QStringLiteral("--export=found")}
                                                 << "Say which format with --format csv|json|ndjson|markdown";
        QTest::newRow("export in an unknown format") << QStringList{QStringLiteral("search"), QStringLiteral("runs"), QStringLiteral("--export=f.csv"),
                                                                    QStringLiteral("--format=xml")}
                                                     << "--format takes csv, json, ndjson or markdown, not \"xml\".";
        QTest::newRow("export with too much context") << QStringList{QStringLiteral("search"), QStringLiteral("runs"), QStringLiteral("--export=-"),
                                                                     QStringLiteral("--format=csv"), QStringLiteral("--context=21")}
                                                      << "The context must be 0 to 20 messages";
        QTest::newRow("context without export") << QStringList{QStringLiteral("search"), QStringLiteral("runs"), QStringLiteral("--context=2")}
                                                << "--context goes with --export FILE.";
        QTest::newRow("serve off loopback without a key") << QStringList{QStringLiteral("serve"), QStringLiteral("--listen=0.0.0.0:1")}
                                                          << "makes the archive reachable from other machines";
        QTest::newRow("serve bad listen") << QStringList{QStringLiteral("serve"), QStringLiteral("--listen=localhost")}
                                          << "--listen takes HOST:PORT";
        QTest::newRow("bad database url") << QStringList{QStringLiteral("search"), QStringLiteral("--fulltext=x"), QStringLiteral("--database=mysql://x/y")}
                                          << "the scheme must be postgresql";
    }

    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Run r = run(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }

    void importFolderThenAgain()
    {
        const Run first = run({QStringLiteral("import"), fixture(QStringLiteral("dce"))}, m_db->urlString());
        QVERIFY2(first.exitCode == 0, qPrintable(first.err));
        QVERIFY2(first.err.contains(QStringLiteral("6 file(s): 15 inserted, 0 skipped, 0 failed")), qPrintable(first.err));
        QVERIFY2(first.err.contains(QStringLiteral("modern.json: 3 inserted, 0 skipped (#general)")), qPrintable(first.err));
        // An export made with --media: its files are kept in the archive's media folder.
        QVERIFY2(first.err.contains(QStringLiteral("v2.47-media.json: 7 inserted, 0 skipped (#show-and-tell), 8 media file(s) kept")),
                 qPrintable(first.err));

        const Run again = run({QStringLiteral("import"), fixture(QStringLiteral("dce/modern.json"))}, m_db->urlString());
        QCOMPARE(again.exitCode, 0);
        QVERIFY2(again.err.contains(QStringLiteral("1 file(s): 0 inserted, 3 skipped, 0 failed")), qPrintable(again.err));
    }

    // An export cut off part-way: refused with a hint, imported up to its
    // last whole message with --salvage; the whole file later adds the rest.
    void importSalvagesACutOffFile()
    {
        QTemporaryDir dir;
        const QString full = fdd::test::writeExport(dir.path(), QStringLiteral("whole"), 2525252525252525251ull, 200,
                                               QDateTime(QDate(2022, 3, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch());
        QFile in(full);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray bytes = in.readAll();
        const QString cut = dir.filePath(QStringLiteral("cut.json"));
        QFile out(cut);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(bytes.left(bytes.size() * 6 / 10));
        out.close();

        const Run refused = run({QStringLiteral("import"), cut}, m_db->urlString());
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains(QStringLiteral("import --salvage")), qPrintable(refused.err));
        const Run salvaged = run({QStringLiteral("import"), QStringLiteral("--salvage"), cut}, m_db->urlString());
        QVERIFY2(salvaged.exitCode == 0, qPrintable(salvaged.err));
        QVERIFY2(salvaged.err.contains(QStringLiteral("salvaged: the file breaks at byte %1").arg(bytes.size() * 6 / 10)),
                 qPrintable(salvaged.err));
        static const QRegularExpression inserted(QStringLiteral("cut.json: (\\d+) inserted"));
        const int kept = inserted.match(salvaged.err).captured(1).toInt();
        QVERIFY2(kept > 100 && kept < 130, qPrintable(salvaged.err));
        const Run rest = run({QStringLiteral("import"), full}, m_db->urlString());
        QVERIFY2(rest.err.contains(QStringLiteral("%1 inserted, %2 skipped").arg(200 - kept).arg(kept)), qPrintable(rest.err));
    }

    void importBadFileFailsClearly()
    {
        const QString bad = fixture(QStringLiteral("dce-bad/truncated.json"));
        const Run r = run({QStringLiteral("import"), bad, fixture(QStringLiteral("dce/thread.json"))}, m_db->urlString());
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(bad + QStringLiteral(": not valid JSON")), qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("(at byte 1500)")), qPrintable(r.err));
        // The good file after it is still imported (already there: skipped).
        QVERIFY2(r.err.contains(QStringLiteral("2 file(s): 0 inserted, 2 skipped, 1 failed")), qPrintable(r.err));
    }

    void searchJson()
    {
        const Run r = run({QStringLiteral("search"), QStringLiteral("--fulltext"), QStringLiteral("runs"), QStringLiteral("--json")},
                          m_db->urlString());
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject body = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(body.value(QStringLiteral("total_count")).toInt(), 1);
        QCOMPARE(body.value(QStringLiteral("page")).toInt(), 1);
        QCOMPARE(body.value(QStringLiteral("page_size")).toInt(), 10);
        QCOMPARE(body.value(QStringLiteral("total_pages")).toInt(), 1);
        const QJsonObject m = body.value(QStringLiteral("messages")).toArray().first().toObject();
        QCOMPARE(m.value(QStringLiteral("message_id")), QJsonValue(QStringLiteral("1232782017872138340")));
        QCOMPARE(m.value(QStringLiteral("timestamp")), QJsonValue(QStringLiteral("2024-04-26T18:03:11.123+00:00")));
        QCOMPARE(m.value(QStringLiteral("message_date")), QJsonValue(QStringLiteral("2024-04-26")));
        QCOMPARE(m.value(QStringLiteral("author_name")), QJsonValue(QStringLiteral("alice")));
        // The whole message, beside the original fields.
        QCOMPARE(m.value(QStringLiteral("type")), QJsonValue(QStringLiteral("Default")));
        QCOMPARE(m.value(QStringLiteral("complete")), QJsonValue(true));
        const QJsonObject author = m.value(QStringLiteral("author")).toObject();
        QCOMPARE(author.value(QStringLiteral("id")), QJsonValue(QStringLiteral("4444444444444444444")));
        QCOMPARE(author.value(QStringLiteral("display_name")), QJsonValue(QStringLiteral("Alice")));
        QCOMPARE(author.value(QStringLiteral("color")), QJsonValue(QStringLiteral("#1ABC9C")));
        const QJsonArray attachments = m.value(QStringLiteral("attachments")).toArray();
        QCOMPARE(attachments.size(), 2);
        QCOMPARE(attachments.first().toObject().value(QStringLiteral("file_name")), QJsonValue(QStringLiteral("a.png")));
        QCOMPARE(attachments.first().toObject().value(QStringLiteral("size_bytes")), QJsonValue(1024));
        QCOMPARE(attachments.first().toObject().value(QStringLiteral("kind")), QJsonValue(QStringLiteral("image")));
        const QJsonObject reaction = m.value(QStringLiteral("reactions")).toArray().first().toObject();
        QCOMPARE(reaction.value(QStringLiteral("count")), QJsonValue(3));
        QCOMPARE(reaction.value(QStringLiteral("emoji")).toObject().value(QStringLiteral("name")), QJsonValue(QStringLiteral("👍")));
        QCOMPARE(reaction.value(QStringLiteral("emoji")).toObject().value(QStringLiteral("id")), QJsonValue(QJsonValue::Null));

        const Run none = run({QStringLiteral("search"), QStringLiteral("--substring=zzzqqq"), QStringLiteral("--json")}, m_db->urlString());
        QCOMPARE(none.exitCode, 0);
        const QJsonObject empty = QJsonDocument::fromJson(none.out.toUtf8()).object();
        QCOMPARE(empty.value(QStringLiteral("detail")).toString(), QStringLiteral("No messages found"));
        QCOMPARE(empty.value(QStringLiteral("total_count")).toInt(), 0);
    }

    void searchText()
    {
        const Run r = run({QStringLiteral("search"), QStringLiteral("--date"), QStringLiteral("2024-04-26"),
                           QStringLiteral("--page-size"), QStringLiteral("2")},
                          m_db->urlString());
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QStringLiteral("2024-04-26 21:00  #bob  Bob  [1232800000000000000]")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("Page 1 of 2 · 3 message(s)")), qPrintable(r.out));
        const Run none = run({QStringLiteral("search"), QStringLiteral("--substring=zzzqqq")}, m_db->urlString());
        QVERIFY(none.out.contains(QStringLiteral("No messages found.")));
    }

    // The search language as the one argument, in text and as JSON.
    void searchQuery()
    {
        const Run r = run({QStringLiteral("search"), QStringLiteral("from:ALICE (runs OR has:reaction) -in:show-and-tell"), QStringLiteral("--json")},
                          m_db->urlString());
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject body = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(body.value(QStringLiteral("total_count")).toInt(), 1);
        QCOMPARE(body.value(QStringLiteral("messages")).toArray().first().toObject().value(QStringLiteral("message_id")),
                 QJsonValue(QStringLiteral("1232782017872138340")));
        const Run text = run({QStringLiteral("search"), QStringLiteral("in:general"), QStringLiteral("--sort=oldest"), QStringLiteral("--page-size=1")},
                             m_db->urlString());
        QVERIFY2(text.exitCode == 0, qPrintable(text.err));
        QVERIFY2(text.out.contains(QStringLiteral("[1232782017872138340]")), qPrintable(text.out)); // the oldest of #general
        QVERIFY2(text.out.contains(QStringLiteral("Page 1 of ")), qPrintable(text.out));
    }

    // search --export: the file appears whole, or not at all.
    void searchExport()
    {
        const QString path = m_home.filePath(QStringLiteral("found.ndjson"));
        const Run r = run({QStringLiteral("search"), QStringLiteral("in:general"), QStringLiteral("--export"), path, QStringLiteral("--context=1")},
                          m_db->urlString());
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QStringLiteral(" to %1.").arg(path)), qPrintable(r.out));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        int lines = 0, matches = 0;
        for (const QByteArray &line : file.readAll().split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            QVERIFY2(o.contains(QStringLiteral("message_id")) && o.contains(QStringLiteral("conversation")), line.constData());
            ++lines;
            matches += o.value(QStringLiteral("match")).toBool();
        }
        QVERIFY(lines >= matches && matches > 0);
        QVERIFY2(r.out.startsWith(QStringLiteral("Exported %1 match(es)").arg(matches)), qPrintable(r.out));

        // To standard output, as CSV; a query that does not parse leaves no file.
        const Run csv = run({QStringLiteral("search"), QStringLiteral("in:general"), QStringLiteral("--export=-"), QStringLiteral("--format=csv")},
                            m_db->urlString());
        QVERIFY2(csv.exitCode == 0, qPrintable(csv.err));
        QVERIFY(csv.out.startsWith(QStringLiteral("conversation,match,message_id,")));
        QCOMPARE(csv.out.count(QStringLiteral("\r\n")) - 1, matches);
        const QString refused = m_home.filePath(QStringLiteral("refused.csv"));
        QCOMPARE(run({QStringLiteral("search"), QStringLiteral("from:"), QStringLiteral("--export"), refused}, m_db->urlString()).exitCode, 2);
        QVERIFY(!QFile::exists(refused));
    }

    void defaultsToTheEmbeddedArchive()
    {
        const Run r = run({QStringLiteral("import"), fixture(QStringLiteral("dce/modern.json"))});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("1 file(s): 3 inserted, 0 skipped, 0 failed")), qPrintable(r.err));
        QVERIFY(QFile::exists(m_home.filePath(QStringLiteral("FastDiscordDB/fastdiscorddb/archive.db"))));
        const Run found = run({QStringLiteral("search"), QStringLiteral("--fulltext=runs"), QStringLiteral("--json")});
        QCOMPARE(found.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(found.out.toUtf8()).object().value(QStringLiteral("total_count")).toInt(), 1);
    }

    void searchUsesTheRedisCache()
    {
        const QString redis = qEnvironmentVariable("FDD_TEST_REDIS_URL");
        QVERIFY2(!redis.isEmpty(), "FDD_TEST_REDIS_URL is not set: run the suite through scripts/test");
        const QStringList search{QStringLiteral("search"), QStringLiteral("--substring=park"), QStringLiteral("--redis"), redis};
        const Run first = run(search, m_db->urlString());
        QVERIFY2(first.exitCode == 0, qPrintable(first.err));
        const Run second = run(search, m_db->urlString());
        QVERIFY2(second.out.contains(QStringLiteral("· cached")), qPrintable(second.out));
        const QStringList ramen{QStringLiteral("search"), QStringLiteral("--substring=ramen"), QStringLiteral("--redis"), redis};
        const Run none = run(ramen, m_db->urlString()); // an empty page, cached
        QVERIFY2(!none.out.contains(QStringLiteral("ramen place")), qPrintable(none.out));
        // An import that adds messages makes every cached page stale: the
        // next answer has the new message (computed again by the import).
        const Run imported = run({QStringLiteral("import"), fixture(QStringLiteral("../../resources/sample/sample-export.json")),
                                  QStringLiteral("--redis"), redis}, m_db->urlString());
        QVERIFY2(imported.exitCode == 0, qPrintable(imported.err));
        const Run third = run(ramen, m_db->urlString());
        QVERIFY2(third.out.contains(QStringLiteral("ramen place")), qPrintable(third.out));

        const Run badUrl = run({QStringLiteral("search"), QStringLiteral("--substring=park"), QStringLiteral("--redis=http://x")},
                               m_db->urlString());
        QCOMPARE(badUrl.exitCode, 2);
        QVERIFY2(badUrl.err.contains(QStringLiteral("The Redis address")), qPrintable(badUrl.err));
    }

    // Under systemd (Type=notify) the server says READY=1 once it listens and
    // STOPPING=1 on SIGTERM, on the socket NOTIFY_SOCKET names: played here by
    // a datagram socket of the test's own.
    void serveTellsSystemd()
    {
        QTemporaryDir tmp;
        const QByteArray path = QFile::encodeName(tmp.filePath(QStringLiteral("notify")));
        const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        QVERIFY(fd >= 0);
        const auto closeSocket = qScopeGuard([fd] { ::close(fd); });
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        QVERIFY(size_t(path.size()) < sizeof(address.sun_path));
        std::memcpy(address.sun_path, path.constData(), size_t(path.size()));
        QCOMPARE(::bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof(address)), 0);
        const auto receive = [fd]() -> QByteArray {
            pollfd ready{fd, POLLIN, 0};
            if (::poll(&ready, 1, 20000) != 1)
                return {};
            char buffer[512];
            const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
            return n > 0 ? QByteArray(buffer, n) : QByteArray();
        };

        QProcess server;
        QByteArray said;
        const int port = startServe(server, said, {{QStringLiteral("NOTIFY_SOCKET"), QString::fromLocal8Bit(path)}});
        QVERIFY2(port != 0, said.constData());
        const QByteArray ready = receive();
        QVERIFY2(ready.contains("READY=1"), ready.constData());
        QVERIFY2(ready.contains("STATUS=Serving on 127.0.0.1:" + QByteArray::number(port)), ready.constData());
        server.terminate();
        QCOMPARE(receive(), QByteArray("STOPPING=1"));
        QVERIFY(server.waitForFinished(30000));
        QCOMPARE(server.exitCode(), 0);
    }

    void serveAnswersAndStopsOnSigterm()
    {
        QProcess server;
        QByteArray said;
        const int port = startServe(server, said);
        QVERIFY2(port != 0, said.constData());
        QNetworkAccessManager nam;
        QNetworkReply *reply = nam.get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/api/chats/search?search_term=park").arg(port))));
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(QJsonDocument::fromJson(reply->readAll()).object().value(QStringLiteral("total_count")).toInt(), 1);
        delete reply;
        server.terminate(); // SIGTERM
        QVERIFY(server.waitForFinished(10000));
        QCOMPARE(server.exitStatus(), QProcess::NormalExit);
        QCOMPARE(server.exitCode(), 0);
        const QByteArray log = said + server.readAllStandardError();
        QVERIFY2(log.contains("Stopping."), log.constData());
        QVERIFY2(log.contains("GET /api/chats/search 200"), log.constData()); // the access log line
        QVERIFY2(!log.contains("search_term"), log.constData());            // never the query
    }

    void exportThenUpdate()
    {
        constexpr fdd::Snowflake channel = 400100200300400501;
        fdd::test::DceWorld world;
        world.addGuild(400100200300400500, QStringLiteral("Sailors"));
        world.addChannel(400100200300400500, channel, QStringLiteral("harbour"));
        world.addMessages(channel, 12, QDateTime::currentDateTimeUtc().addSecs(-60), std::chrono::minutes(60),
                          QStringLiteral("tide tables"));
        world.apply();
        const QString dce = QStringLiteral("--dce=") + fdd::test::DceWorld::program().program;
        const QString id = QString::number(channel);

        // No token anywhere, and no terminal to ask on.
        qunsetenv("DISCORD_TOKEN");
        Run r = run({QStringLiteral("export"), id, dce}, m_db->urlString());
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("No Discord token")), qPrintable(r.err));

        qputenv("DISCORD_TOKEN", fdd::test::DceWorld::token);
        r = run({QStringLiteral("export"), id, dce}, m_db->urlString());
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("exported #harbour: 12 new, 0 already archived")), qPrintable(r.err));
        // A day later: two new messages, and only they are exported.
        world.addMessages(channel, 2, QDateTime::currentDateTimeUtc().addSecs(3600), std::chrono::minutes(10),
                          QStringLiteral("storm warning"));
        world.apply();
        r = run({QStringLiteral("export"), id, QStringLiteral("--update"), dce}, m_db->urlString());
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("exported #harbour: 2 new, 0 already archived")), qPrintable(r.err));
        const Run found = run({QStringLiteral("search"), QStringLiteral("--substring=storm"), QStringLiteral("--json")},
                              m_db->urlString());
        QCOMPARE(QJsonDocument::fromJson(found.out.toUtf8()).object().value(QStringLiteral("total_count")).toInt(), 2);

        const Run listed = run({QStringLiteral("export"), QStringLiteral("--list-channels=400100200300400500"), dce});
        QCOMPARE(listed.exitCode, 0);
        QCOMPARE(listed.out, id + QStringLiteral("\tText Channels / harbour\n"));
        const Run badId = run({QStringLiteral("export"), QStringLiteral("harbour"), dce});
        QCOMPARE(badId.exitCode, 2);
        QVERIFY(badId.err.contains(QStringLiteral("is not a channel id")));
        const Run es = run({QStringLiteral("export"), id, QStringLiteral("--store=es"), dce});
        QCOMPARE(es.exitCode, 2);
        QVERIFY(es.err.contains(QStringLiteral("--elastic")));
        for (const Run &any : {r, found, listed, badId, es})
            QVERIFY(!(any.out + any.err).contains(QLatin1String(fdd::test::DceWorld::token)));
        qunsetenv("DISCORD_TOKEN");
    }

    void reindexIntoElasticsearch()
    {
        fdd::test::ElasticProcess es(QStringLiteral("cli"));
        QVERIFY(es.start());
        QVERIFY(run({QStringLiteral("import"), fixture(QStringLiteral("dce"))}, m_db->urlString()).exitCode == 0);
        const QString elastic = QStringLiteral("--elastic=") + es.url();
        const Run copied = run({QStringLiteral("reindex"), QStringLiteral("--from=postgres"), QStringLiteral("--to=es"), elastic},
                               m_db->urlString());
        QVERIFY2(copied.exitCode == 0, qPrintable(copied.err));
        QVERIFY2(copied.err.contains(QStringLiteral("new messages")), qPrintable(copied.err));
        for (const QString &search : {QStringLiteral("--fulltext=runs"), QStringLiteral("--substring=the")}) {
            const Run fromPostgres = run({QStringLiteral("search"), search, QStringLiteral("--json")}, m_db->urlString());
            const Run fromElastic = run({QStringLiteral("search"), search, QStringLiteral("--json"), QStringLiteral("--store=es"), elastic});
            QCOMPARE(fromElastic.exitCode, 0);
            const QJsonObject a = QJsonDocument::fromJson(fromPostgres.out.toUtf8()).object();
            const QJsonObject b = QJsonDocument::fromJson(fromElastic.out.toUtf8()).object();
            QCOMPARE(b.value(QStringLiteral("total_count")), a.value(QStringLiteral("total_count")));
            QCOMPARE(b.value(QStringLiteral("messages")), a.value(QStringLiteral("messages")));
        }
        const Run wrongFrom = run({QStringLiteral("reindex"), QStringLiteral("--from=sqlite"), QStringLiteral("--to=es"), elastic},
                                  m_db->urlString());
        QCOMPARE(wrongFrom.exitCode, 2);
        const Run noCluster = run({QStringLiteral("search"), QStringLiteral("--fulltext=runs"), QStringLiteral("--store=es")});
        QCOMPARE(noCluster.exitCode, 2);
        QVERIFY(noCluster.err.contains(QStringLiteral("--elastic")));
    }

    // The embedded archive where it cannot be written, and on a full disk
    // (a file-size limit makes every write past it fail, as ENOSPC would):
    // a sentence, and what was archived before is all still there.
    void watchCommand()
    {
        QTemporaryDir tmp;
        const QString archive = QStringLiteral("--database=sqlite://") + tmp.filePath(QStringLiteral("archive.db"));
        QCOMPARE(run({QStringLiteral("import"), fixture(QStringLiteral("dce/modern.json")), archive}).exitCode, 0);
        const Run empty = run({QStringLiteral("watch"), QStringLiteral("list"), archive});
        QCOMPARE(empty.exitCode, 0);
        QVERIFY2(empty.err.contains(QStringLiteral("Nothing is watched")), qPrintable(empty.err));

        // A server the archive knows is watched as a server; a channel by its name.
        const Run server = run({QStringLiteral("watch"), QStringLiteral("add"), QStringLiteral("1111111111111111111"),
                                QStringLiteral("--every"), QStringLiteral("6h"), archive});
        QVERIFY2(server.exitCode == 0, qPrintable(server.err));
        QVERIFY2(server.err.contains(QStringLiteral("Watching server Test Guild (1111111111111111111) every 6h")), qPrintable(server.err));
        const Run channel = run({QStringLiteral("watch"), QStringLiteral("add"), QStringLiteral("2222222222222222222"),
                                 QStringLiteral("--threads"), archive});
        QVERIFY2(channel.err.contains(QStringLiteral("channel #general")), qPrintable(channel.err));
        QVERIFY2(channel.err.contains(QStringLiteral("threads included")), qPrintable(channel.err));
        QCOMPARE(run({QStringLiteral("watch"), QStringLiteral("pause"), QStringLiteral("1111111111111111111"), archive}).exitCode, 0);

        const Run listed = run({QStringLiteral("watch"), QStringLiteral("list"), QStringLiteral("--json"), archive});
        QCOMPARE(listed.exitCode, 0);
        const QJsonArray all = QJsonDocument::fromJson(listed.out.toUtf8()).array();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.at(0).toObject().value(QStringLiteral("kind")).toString(), QStringLiteral("server"));
        QCOMPARE(all.at(0).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("paused"));
        QCOMPARE(all.at(1).toObject().value(QStringLiteral("include_threads")).toBool(), true);
        QCOMPARE(all.at(1).toObject().value(QStringLiteral("every")).toString(), QStringLiteral("1h"));
        const Run table = run({QStringLiteral("watch"), QStringLiteral("list"), archive});
        QVERIFY2(table.out.contains(QStringLiteral("#general")) && table.out.contains(QStringLiteral("paused")), qPrintable(table.out));

        // Mistakes get a sentence and exit 2.
        for (const QStringList &bad : {QStringList{QStringLiteral("add"), QStringLiteral("12"), QStringLiteral("--every"), QStringLiteral("5 parsecs")},
                                       QStringList{QStringLiteral("add"), QStringLiteral("general")},
                                       QStringList{QStringLiteral("remove"), QStringLiteral("42")},
                                       QStringList{QStringLiteral("frobnicate")}}) {
            const Run refused = run(QStringList{QStringLiteral("watch")} + bad + QStringList{archive});
            QVERIFY2(refused.exitCode == 2, qPrintable(bad.join(QLatin1Char(' ')) + QLatin1String(": ") + refused.err));
            QVERIFY2(!refused.err.trimmed().isEmpty() && !refused.err.contains(QStringLiteral("Usage")), qPrintable(refused.err));
        }
        QCOMPARE(run({QStringLiteral("watch"), QStringLiteral("remove"), QStringLiteral("1111111111111111111"), archive}).exitCode, 0);

        // `watch run` without a token: the due watch fails with the reason, which the list shows.
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("DISCORD_TOKEN"));
        env.remove(QStringLiteral("CREDENTIALS_DIRECTORY"));
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("unix:path=/nonexistent"));
        env.insert(QStringLiteral("FDD_DCE"), QStringLiteral("/bin/true"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(FDD_SERVER_BINARY), {QStringLiteral("watch"), QStringLiteral("run"), archive});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QStringLiteral("No Discord token")));
        const QJsonArray after = QJsonDocument::fromJson(run({QStringLiteral("watch"), QStringLiteral("list"), QStringLiteral("--json"), archive}).out.toUtf8()).array();
        QCOMPARE(after.at(0).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("failing"));
        QVERIFY(after.at(0).toObject().value(QStringLiteral("last_error")).toString().startsWith(QStringLiteral("No Discord token")));
    }

    void embeddedArchiveFaults()
    {
        QTemporaryDir tmp;
        const Run readOnly = run({QStringLiteral("import"), fixture(QStringLiteral("dce/modern.json")),
                                  QStringLiteral("--database=sqlite:///proc/fastdiscorddb/archive.db")});
        QVERIFY2(readOnly.exitCode == 2 || readOnly.exitCode == 3, qPrintable(readOnly.err));
        QVERIFY2(readOnly.err.contains(QStringLiteral("/proc/fastdiscorddb")), qPrintable(readOnly.err));

        const QString archive = QStringLiteral("--database=sqlite://") + tmp.filePath(QStringLiteral("archive.db"));
        QCOMPARE(run({QStringLiteral("import"), fixture(QStringLiteral("dce/modern.json")), archive}).exitCode, 0);
        const QString big = fdd::test::writeExport(tmp.path(), QStringLiteral("big"), 5151515151515151511ull, 20000,
                                                   QDateTime(QDate(2021, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch());
        QProcess limited;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("FDD_DATABASE_URL"));
        limited.setProcessEnvironment(env);
        // SIGXFSZ ignored, so a write past the limit fails with EFBIG instead of killing the process.
        limited.start(QStringLiteral("/bin/bash"), {QStringLiteral("-c"), QStringLiteral("trap '' XFSZ; ulimit -f 256; exec \"$0\" \"$@\""),
                                                    QStringLiteral(FDD_SERVER_BINARY), QStringLiteral("import"), big, archive});
        QVERIFY(limited.waitForFinished(60000));
        const QString err = QString::fromUtf8(limited.readAllStandardError());
        QCOMPARE(limited.exitStatus(), QProcess::NormalExit);
        QVERIFY2(limited.exitCode() != 0, qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("big.json")), qPrintable(err));
        // Nothing of the big file, all of what came before.
        const Run before = run({QStringLiteral("search"), QStringLiteral("--date=2000-01-01..2100-01-01"), QStringLiteral("--json"), archive});
        QCOMPARE(QJsonDocument::fromJson(before.out.toUtf8()).object().value(QStringLiteral("total_count")).toInt(), 3);
        // With room again, the file imports whole.
        const Run retried = run({QStringLiteral("import"), big, archive});
        QVERIFY2(retried.exitCode == 0, qPrintable(retried.err));
        QVERIFY2(retried.err.contains(QStringLiteral("20,000 inserted")) || retried.err.contains(QStringLiteral("20000 inserted")), qPrintable(retried.err));
    }

    // The archive's disk full while the API exports into it: the client is
    // told the export could not run, never where the archive lives; nothing
    // half-written stays; with room again the same export stores it whole.
    void serveOnAFullDiskRevealsNothing()
    {
        QTemporaryDir tmp;
        const QString path = tmp.filePath(QStringLiteral("archive.db"));
        const QString archive = QStringLiteral("sqlite://") + path;
        QCOMPARE(run({QStringLiteral("import"), fixture(QStringLiteral("dce/modern.json")), QStringLiteral("--database=") + archive}).exitCode, 0);
        constexpr fdd::Snowflake channel = 400100200300400601;
        fdd::test::DceWorld world;
        world.addGuild(400100200300400600, QStringLiteral("Archivists"));
        world.addChannel(400100200300400600, channel, QStringLiteral("shelves"));
        world.addMessages(channel, 300, QDateTime::currentDateTimeUtc().addSecs(-60), std::chrono::minutes(1),
                          QStringLiteral("a long line about shelving and indexing the collection, again and again"));
        world.apply();
        // The server may write 32 KB a file (its WAL index needs exactly that);
        // DiscordChatExporter, started by it, lifts the soft limit again.
        QFile dce(tmp.filePath(QStringLiteral("dce")));
        QVERIFY(dce.open(QIODevice::WriteOnly));
        dce.write("#!/bin/bash\nulimit -S -f unlimited\nexec \"" + QFile::encodeName(fdd::test::DceWorld::program().program) + "\" \"$@\"\n");
        dce.close();
        dce.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

        QProcess server;
        server.start(QStringLiteral("/bin/bash"), {QStringLiteral("-c"), QStringLiteral("trap '' XFSZ; ulimit -S -f 64; exec \"$0\" \"$@\""),
                                                   QStringLiteral(FDD_SERVER_BINARY), QStringLiteral("serve"), QStringLiteral("--listen=127.0.0.1:0"),
                                                   QStringLiteral("--database"), archive, QStringLiteral("--dce"), dce.fileName()});
        QVERIFY(server.waitForStarted());
        QByteArray said;
        const int port = fdd::test::waitForListening(server, said);
        QVERIFY2(port != 0, said.constData());
        QNetworkAccessManager nam;
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/api/chats/export/%2").arg(port).arg(channel)));
        request.setRawHeader("X-Token", fdd::test::DceWorld::token);
        QNetworkReply *reply = nam.post(request, QByteArray());
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->readAll();
        delete reply;
        server.terminate();
        QVERIFY(server.waitForFinished(30000));
        said += server.readAllStandardError();
        QVERIFY2(status == 503, body.constData());
        const QString detail = QJsonDocument::fromJson(body).object().value(QStringLiteral("detail")).toString();
        QVERIFY2(detail.contains(QStringLiteral("request id")), qPrintable(detail));
        QVERIFY2(!body.contains(QFile::encodeName(tmp.path())) && !body.contains("archive.db") && !body.contains("sqlite"),
                 body.constData());
        QVERIFY2(said.contains("disk"), said.constData()); // the operator's log says why
        QCOMPARE(server.exitCode(), 0);

        const QStringList count{QStringLiteral("search"), QStringLiteral("--substring=shelving"), QStringLiteral("--json"),
                                QStringLiteral("--database=") + archive};
        QCOMPARE(QJsonDocument::fromJson(run(count).out.toUtf8()).object().value(QStringLiteral("total_count")).toInt(), 0);
        qputenv("DISCORD_TOKEN", fdd::test::DceWorld::token);
        const Run retried = run({QStringLiteral("export"), QString::number(channel), QStringLiteral("--dce"), dce.fileName(),
                                 QStringLiteral("--database=") + archive});
        qunsetenv("DISCORD_TOKEN");
        QVERIFY2(retried.exitCode == 0, qPrintable(retried.err));
        QCOMPARE(QJsonDocument::fromJson(run(count).out.toUtf8()).object().value(QStringLiteral("total_count")).toInt(), 300);
    }

    void unreachableDatabase()
    {
        const Run r = run({QStringLiteral("search"), QStringLiteral("--substring=x"),
                           QStringLiteral("--database=postgresql://nobody@127.0.0.1:1/none")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains(QStringLiteral("PostgreSQL at postgresql://nobody@127.0.0.1:1/none cannot be reached")),
                 qPrintable(r.err));
    }

    void passwordNeverPrinted()
    {
        const Run r = run({QStringLiteral("search"), QStringLiteral("--substring=x"),
                           QStringLiteral("--database=postgresql://nobody:s3cr3tpw@127.0.0.1:1/none")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY(!r.err.contains(QStringLiteral("s3cr3tpw")));
        QVERIFY(!r.out.contains(QStringLiteral("s3cr3tpw")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
