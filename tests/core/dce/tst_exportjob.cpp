#include "dce/dceprocess.h"
#include "dce/exportjob.h"
#include "media/medialibrary.h"
#include "dceworld.h"
#include "logcapture.h"
#include "store/sqlitestore.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QScopeGuard>
#include <QTest>

#include <unistd.h>

using namespace fdd;
using fdd::test::DceWorld;

namespace {

constexpr Snowflake guildId = 900100200300400500;
constexpr Snowflake generalId = 100100200300400501;
constexpr Snowflake lockedId = 100100200300400502;
constexpr Snowflake randomId = 100100200300400503;

// The children of this process right now, as /proc shows them: pid, command line, environment.
struct Child
{
    QByteArray cmdline;
    QByteArray environ;
};

QList<Child> childProcesses()
{
    QList<Child> result;
    const QByteArray self = QByteArray::number(::getpid());
    for (const QString &pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.value(1) != self)
            continue;
        Child c;
        QFile cmd(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (cmd.open(QIODevice::ReadOnly))
            c.cmdline = cmd.readAll();
        QFile env(QStringLiteral("/proc/%1/environ").arg(pid));
        if (env.open(QIODevice::ReadOnly))
            c.environ = env.readAll();
        result.append(c);
    }
    return result;
}

QString why(const ChannelExport &r)
{
    return r.error ? r.error->message : QStringLiteral("no error");
}

} // namespace

// The DiscordChatExporter driver and the export job, against the DCE
// stand-in and a real (embedded SQLite) store.
class TestExportJob : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::unique_ptr<DceWorld> m_world;
    std::unique_ptr<SqliteStore> m_store;
    QDateTime m_now;
    int m_storeNumber = 0;

    qint64 archived()
    {
        Expected<StoreStats> s = m_store->stats();
        return s ? s->messages : -1;
    }
    // Export folders left behind in TMPDIR.
    int leftovers()
    {
        const QStringList left = QDir(m_tmp.filePath(QStringLiteral("tmp"))).entryList({QStringLiteral("fastdiscorddb-export-*")}, QDir::AllEntries | QDir::NoDotAndDotDot);
        if (!left.isEmpty())
            qWarning() << "left in TMPDIR:" << left;
        return int(left.size());
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QDir().mkpath(m_tmp.filePath(QStringLiteral("tmp")));
        qputenv("TMPDIR", m_tmp.filePath(QStringLiteral("tmp")).toLocal8Bit());
        test::LogCapture::install();
    }

    void init()
    {
        m_now = QDateTime::currentDateTimeUtc();
        m_world = std::make_unique<DceWorld>();
        m_world->addGuild(guildId, QStringLiteral("Hikers"));
        m_world->addChannel(guildId, generalId, QStringLiteral("general"));
        m_world->addChannel(guildId, lockedId, QStringLiteral("staff"), true);
        m_world->addChannel(guildId, randomId, QStringLiteral("random"));
        // Ten days of messages, one every 6 hours: 28 in the last 7 days.
        m_world->addMessages(generalId, 40, m_now.addSecs(-60), std::chrono::minutes(360));
        m_world->addMessages(randomId, 3, m_now.addSecs(-120), std::chrono::minutes(60), QStringLiteral("random chatter"));
        m_world->apply();
        m_store = std::make_unique<SqliteStore>(m_tmp.filePath(QStringLiteral("archive-%1.db").arg(++m_storeNumber)));
        QVERIFY(m_store->migrate());
    }

    void outputParser()
    {
        QList<QPair<QString, int>> seen;
        DceOutputParser parser([&](const QString &label, int percent) { seen.append({label, percent}); });
        // The fallback renderer's lines, cut at arbitrary places, then live
        // bars with ANSI colours and carriage returns.
        parser.feed("Exporting 2 channel(s)...\nText Channels / gen");
        parser.feed("eral 2: 0%\nText Channels / general 2: 25%\r\n");
        parser.feed("\x1b[34mVoice / room 5\x1b[0m \x1b[32m━━━━━━━━━╸\x1b[0m━━━━━━   57%\r");
        parser.feed("Voice / room 5 ━━━━━━━━━━━━━━━━ 100%");
        parser.finish();
        parser.feed("Successfully exported 2 channel(s).\n");
        const QList<QPair<QString, int>> expected{{QStringLiteral("Text Channels / general 2"), 0},
                                                  {QStringLiteral("Text Channels / general 2"), 25},
                                                  {QStringLiteral("Voice / room 5"), 57},
                                                  {QStringLiteral("Voice / room 5"), 100}};
        QCOMPARE(seen, expected);
        QCOMPARE(parser.lines().first(), QStringLiteral("Exporting 2 channel(s)..."));
        QCOMPARE(parser.lines().last(), QStringLiteral("Successfully exported 2 channel(s)."));
    }

    void explain_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("words");
        QTest::newRow("bad token") << "Authentication token is invalid." << int(Error::Kind::BadInput) << "refused the token";
        QTest::newRow("forbidden") << "Failed to export 1 channel(s):\nText / staff: Request to 'channels/1/messages' failed: forbidden.\nExport failed."
                                   << int(Error::Kind::BadInput) << "no access to channel 1";
        QTest::newRow("unknown channel") << "Request to 'channels/1' failed: not found." << int(Error::Kind::NotFound) << "no channel 1";
        QTest::newRow("network") << "Unhandled exception: System.Net.Http.HttpRequestException: Name or service not known (discord.com:443)"
                                 << int(Error::Kind::Unavailable) << "could not reach Discord";
        QTest::newRow("anything else") << "Exporting 1 channel(s)...\nSomething odd happened.\nText / a: 25%"
                                       << int(Error::Kind::Internal) << "exit code 3): Something odd happened.";
    }

    void explain()
    {
        QFETCH(QString, output);
        QFETCH(int, kind);
        QFETCH(QString, words);
        const Error e = DceProcess::explain(output.split(QLatin1Char('\n')), 3, QStringLiteral("channel 1"));
        QCOMPARE(int(e.kind), kind);
        QVERIFY2(e.message.contains(words), qPrintable(e.message));
    }

    void locate()
    {
        QTemporaryDir bin;
        const QByteArray path = qgetenv("PATH");
        qputenv("PATH", bin.path().toLocal8Bit()); // no DCE, no dotnet
        Expected<DceProgram> none = DceProgram::locate();
        QVERIFY(!none);
        QVERIFY2(none.error().message.contains(QStringLiteral("was not found")), qPrintable(none.error().message));
        Expected<DceProgram> missing = DceProgram::locate(bin.filePath(QStringLiteral("nope")));
        QVERIFY(!missing);
        QVERIFY(missing.error().message.contains(QStringLiteral("no such file")));
        QFile dll(bin.filePath(QStringLiteral("DiscordChatExporter.Cli.dll")));
        QVERIFY(dll.open(QIODevice::WriteOnly));
        dll.close();
        Expected<DceProgram> noDotnet = DceProgram::locate(dll.fileName());
        QVERIFY(!noDotnet);
        QVERIFY2(noDotnet.error().message.contains(QStringLiteral("\"dotnet\" is not on PATH")), qPrintable(noDotnet.error().message));
        // A dotnet on PATH runs the DLL.
        QVERIFY(QFile::link(QStringLiteral("/bin/true"), bin.filePath(QStringLiteral("dotnet"))));
        Expected<DceProgram> viaDotnet = DceProgram::locate({}, dll.fileName());
        QVERIFY(viaDotnet);
        QCOMPARE(viaDotnet->leadingArguments, QStringList{dll.fileName()});
        // DiscordChatExporter.Cli on PATH comes before the configured DLL.
        QVERIFY(QFile::link(QStringLiteral(FDD_FAKE_DCE), bin.filePath(QStringLiteral("DiscordChatExporter.Cli"))));
        Expected<DceProgram> onPath = DceProgram::locate({}, dll.fileName());
        QVERIFY(onPath);
        QCOMPARE(onPath->program, bin.filePath(QStringLiteral("DiscordChatExporter.Cli")));
        qputenv("PATH", path);
    }

    void listsGuildsAndChannels()
    {
        DceProcess dce(DceWorld::program(), QLatin1String(DceWorld::token));
        Expected<QList<Guild>> guilds = dce.guilds();
        QVERIFY2(guilds, guilds ? "" : qPrintable(guilds.error().message));
        QCOMPARE(guilds->size(), 2);
        QCOMPARE(guilds->at(1), (Guild{guildId, QStringLiteral("Hikers")}));
        Expected<QList<Channel>> channels = dce.channels(guildId);
        QVERIFY(channels);
        QCOMPARE(channels->size(), 3);
        QCOMPARE(channels->at(0).id, generalId);
        QCOMPARE(channels->at(0).name, QStringLiteral("general"));
        QCOMPARE(channels->at(0).category, QStringLiteral("Text Channels"));
        Expected<QList<Channel>> unknown = dce.channels(42);
        QVERIFY(!unknown);
        QCOMPARE(unknown.error().kind, Error::Kind::NotFound);
    }

    void exportsTheLastSevenDaysByDefault()
    {
        ExportJob job(DceWorld::program(), QLatin1String(DceWorld::token), *m_store);
        QList<int> percents;
        job.setProgressHandler([&](const ExportJob::Progress &p) {
            if (p.phase == ExportJob::Progress::Phase::Exporting)
                percents.append(p.percent);
        });
        ExportPlan plan;
        plan.channels = {generalId};
        const QList<ChannelExport> results = job.run(plan);
        QCOMPARE(results.size(), 1);
        QVERIFY2(!results[0].error, qPrintable(why(results[0])));
        QCOMPARE(results[0].inserted, 28);
        QCOMPARE(results[0].name, QStringLiteral("#general"));
        QCOMPARE(archived(), 28);
        QVERIFY(percents.size() >= 3);
        QVERIFY(percents.last() >= 95); // DCE's renderer prints no line at 100 %
        QVERIFY(std::is_sorted(percents.begin(), percents.end()));
        // DCE got the window as a date, the JSON format and a file; never the token.
        const QStringList args = m_world->runs().constLast();
        QCOMPARE(args.mid(0, 5), (QStringList{QStringLiteral("export"), QStringLiteral("-c"), QString::number(generalId),
                                              QStringLiteral("-f"), QStringLiteral("Json")}));
        const QDateTime after = QDateTime::fromString(args.value(args.indexOf(QStringLiteral("--after")) + 1), Qt::ISODate);
        QVERIFY(qAbs(after.secsTo(m_now.addDays(-7))) < 60);
        QVERIFY(!args.join(QLatin1Char(' ')).contains(QLatin1String(DceWorld::token)));
        QCOMPARE(leftovers(), 0);
    }

    void updateExportsOnlyWhatIsNew()
    {
        ExportJob job(DceWorld::program(), QLatin1String(DceWorld::token), *m_store);
        ExportPlan plan;
        plan.channels = {generalId};
        plan.after = m_now.addDays(-30);
        QCOMPARE(job.run(plan).first().inserted, 40);
        // A day later, five new messages.
        const QList<Snowflake> fresh = m_world->addMessages(generalId, 5, m_now.addSecs(3600 * 5), std::chrono::minutes(60),
                                                            QStringLiteral("tomorrow's news"));
        m_world->apply();
        ExportPlan update;
        update.channels = {generalId};
        update.update = true;
        const QList<ChannelExport> results = job.run(update);
        QVERIFY(!results[0].error);
        QCOMPARE(results[0].inserted, 5);
        QCOMPARE(results[0].skipped, 0);
        QCOMPARE(archived(), 45);
        // --after was the newest archived message before the update.
        Expected<QList<Channel>> channels = m_store->channels();
        QVERIFY(channels);
        QCOMPARE(channels->first().lastMessageId, fresh.first());
        const QStringList args = m_world->runs().constLast();
        const Snowflake after = args.value(args.indexOf(QStringLiteral("--after")) + 1).toULongLong();
        QVERIFY(after != 0 && after < fresh.last());
    }

    // "Download images and files": DCE fetches them (--media, reusing what an
    // earlier export fetched), the import keeps them in the archive's media
    // folder and the messages point there.
    void downloadsMediaIntoTheArchive()
    {
        const QString downloads = m_tmp.filePath(QStringLiteral("downloads-%1.log").arg(m_storeNumber));
        qputenv("FAKE_DCE_DOWNLOADS", downloads.toLocal8Bit());
        const auto cleanup = qScopeGuard([] { qunsetenv("FAKE_DCE_DOWNLOADS"); });
        ExportJob job(DceWorld::program(), QLatin1String(DceWorld::token), *m_store);
        ExportPlan plan;
        plan.channels = {generalId};
        plan.after = m_now.addDays(-30);
        plan.downloadMedia = true;
        plan.mediaCache = m_tmp.filePath(QStringLiteral("dce-media-%1").arg(m_storeNumber));
        const QList<ChannelExport> first = job.run(plan);
        QVERIFY2(!first[0].error, qPrintable(why(first[0])));
        QCOMPARE(first[0].inserted, 40);
        const QStringList args = m_world->runs().constLast();
        QVERIFY(args.contains(QStringLiteral("--media")) && args.contains(QStringLiteral("--reuse-media")));
        QCOMPARE(args.value(args.indexOf(QStringLiteral("--media-dir")) + 1), plan.mediaCache);

        const MediaLibrary media(MediaLibrary::defaultRoot(*m_store));
        SearchRequest all;
        all.kind = SearchRequest::Kind::Date;
        all.startDate = QDate(1970, 1, 1);
        all.endDate = QDate(2999, 1, 1);
        int withPicture = 0;
        QVERIFY(m_store->scan(all, [&](const Message &m) {
            if (!MediaLibrary::isReference(m.authorAvatarUrl) || media.pathOf(m.authorAvatarUrl).isEmpty())
                return false;
            for (const Attachment &a : m.attachments) {
                if (media.pathOf(a.url).isEmpty())
                    return false;
                ++withPicture;
            }
            return true;
        }));
        QVERIFY(withPicture > 0);
        QFile log(downloads);
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QByteArray avatar = "https://cdn.discordapp.com/embed/avatars/0.png\n";
        QCOMPARE(log.readAll().count(avatar), 1);
        log.close();

        // The next update downloads only what is new: the avatar is reused.
        m_world->addMessages(generalId, 5, m_now.addSecs(3600 * 5), std::chrono::minutes(60), QStringLiteral("more"));
        m_world->apply();
        plan.after.reset();
        plan.update = true;
        QCOMPARE(job.run(plan).first().inserted, 5);
        QVERIFY(log.open(QIODevice::ReadOnly));
        QCOMPARE(log.readAll().count(avatar), 1);
    }

    void oneForbiddenChannelDoesNotStopTheOthers()
    {
        ExportJob job(DceWorld::program(), QLatin1String(DceWorld::token), *m_store);
        ExportPlan plan;
        plan.channels = {lockedId, randomId};
        QList<Snowflake> done;
        job.setItemDoneHandler([&](const ChannelExport &r) { done.append(r.id); });
        const QList<ChannelExport> results = job.run(plan);
        QCOMPARE(results.size(), 2);
        QVERIFY(results[0].error);
        QCOMPARE(results[0].error->kind, Error::Kind::BadInput);
        QVERIFY(results[0].error->message.contains(QStringLiteral("no access")));
        QVERIFY(!results[1].error);
        QCOMPARE(results[1].inserted, 3);
        QCOMPARE(done, (QList<Snowflake>{lockedId, randomId}));
    }

    void badTokenStopsEverythingAndStoresNothing()
    {
        ExportJob job(DceWorld::program(), QStringLiteral("not-the-token"), *m_store);
        ExportPlan plan;
        plan.channels = {generalId, randomId};
        const QList<ChannelExport> results = job.run(plan);
        QCOMPARE(results.size(), 2);
        for (const ChannelExport &r : results) {
            QVERIFY(r.error);
            QVERIFY(r.error->message.startsWith(QStringLiteral("Discord refused the token")));
        }
        QCOMPARE(m_world->runs().size(), 1); // the second channel was not tried
        QCOMPARE(archived(), 0);
    }

    void crashMidWriteImportsNothing()
    {
        qputenv("FAKE_DCE_FAIL", "crash-partial");
        ExportJob job(DceWorld::program(), QLatin1String(DceWorld::token), *m_store);
        ExportPlan plan;
        plan.channels = {generalId};
        const QList<ChannelExport> results = job.run(plan);
        QVERIFY(results[0].error);
        QCOMPARE(results[0].error->kind, Error::Kind::Internal);
        QVERIFY2(results[0].error && results[0].error->message.contains(QStringLiteral("stopped unexpectedly")), qPrintable(why(results[0])));
        QCOMPARE(archived(), 0);
        QCOMPARE(leftovers(), 0);
        // Run again once DCE behaves: everything arrives, once.
        qunsetenv("FAKE_DCE_FAIL");
        QCOMPARE(job.run(plan).first().inserted, 28);
        QCOMPARE(archived(), 28);
    }

    void networkFailureIsExplained()
    {
        qputenv("FAKE_DCE_FAIL", "network");
        ExportJob job(DceWorld::program(), QLatin1String(DceWorld::token), *m_store);
        ExportPlan plan;
        plan.channels = {generalId};
        const QList<ChannelExport> results = job.run(plan);
        QVERIFY(results[0].error);
        QCOMPARE(results[0].error->kind, Error::Kind::Unavailable);
        QVERIFY(results[0].error->message.contains(QStringLiteral("could not reach Discord")));
    }

    void cancelKillsDceAndImportsNothing()
    {
        qputenv("FAKE_DCE_FAIL", "slow");
        qputenv("FAKE_DCE_DELAY_MS", "50");
        std::atomic_bool cancel{false};
        ExportJob job(DceWorld::program(), QLatin1String(DceWorld::token), *m_store);
        job.setCancelFlag(&cancel);
        bool tokenOnACommandLine = false;
        bool tokenInEnvironment = false;
        job.setProgressHandler([&](const ExportJob::Progress &p) {
            // DCE is running now: look at it from outside, as `ps` would.
            for (const Child &c : childProcesses()) {
                tokenOnACommandLine |= c.cmdline.contains(DceWorld::token);
                tokenInEnvironment |= c.environ.contains(QByteArray("DISCORD_TOKEN=") + DceWorld::token);
            }
            if (p.percent >= 25)
                cancel = true;
        });
        ExportPlan plan;
        plan.channels = {generalId, randomId};
        const QList<ChannelExport> results = job.run(plan);
        QCOMPARE(results.size(), 2);
        QVERIFY(results[0].error);
        QCOMPARE(results[0].error->kind, Error::Kind::Cancelled);
        QVERIFY(results[1].error);
        QCOMPARE(archived(), 0);
        QCOMPARE(leftovers(), 0);
        QCOMPARE(childProcesses().size(), 0); // DCE was killed and reaped
        QVERIFY(!tokenOnACommandLine);
        QVERIFY(tokenInEnvironment);
    }

    void timeLimitStopsDce()
    {
        qputenv("FAKE_DCE_FAIL", "slow");
        qputenv("FAKE_DCE_DELAY_MS", "500");
        ExportJob job(DceWorld::program(), QLatin1String(DceWorld::token), *m_store);
        ExportPlan plan;
        plan.channels = {generalId};
        plan.timeout = std::chrono::seconds(1);
        const QList<ChannelExport> results = job.run(plan);
        QVERIFY(results[0].error);
        QVERIFY2(results[0].error && results[0].error->message.contains(QStringLiteral("within 1 s")), qPrintable(why(results[0])));
        QCOMPARE(archived(), 0);
        QCOMPARE(leftovers(), 0);
    }

    void keepsTheExportWhenAsked()
    {
        ExportJob job(DceWorld::program(), QLatin1String(DceWorld::token), *m_store);
        ExportPlan plan;
        plan.channels = {randomId};
        plan.keepFolder = m_tmp.filePath(QStringLiteral("kept"));
        const QList<ChannelExport> results = job.run(plan);
        QVERIFY(!results[0].error);
        QVERIFY(QFile::exists(results[0].keptFile));
        QVERIFY(results[0].keptFile.startsWith(plan.keepFolder));
        QCOMPARE(leftovers(), 0);
    }

    void exportsAWholeServer()
    {
        ExportJob job(DceWorld::program(), QLatin1String(DceWorld::token), *m_store);
        ExportPlan plan;
        plan.guilds = {guildId};
        const QList<ChannelExport> results = job.run(plan);
        // exportguild: the readable channels arrive (DCE reports the
        // forbidden one and goes on), one file each.
        QCOMPARE(m_world->runs().constLast().first(), QStringLiteral("exportguild"));
        qint64 inserted = 0;
        for (const ChannelExport &r : results) {
            QVERIFY2(!r.error, qPrintable(why(r)));
            inserted += r.inserted;
        }
        QCOMPARE(results.size(), 2);
        QCOMPARE(inserted, 28 + 3);
        // An update of the server lists its channels and goes channel by channel.
        ExportPlan update;
        update.guilds = {guildId};
        update.update = true;
        const QList<ChannelExport> again = job.run(update);
        QCOMPARE(again.size(), 3);
        QCOMPARE(m_world->runs().at(m_world->runs().size() - 4).first(), QStringLiteral("channels"));
        for (const ChannelExport &r : again) {
            QCOMPARE(bool(r.error), r.id == lockedId); // staff: forbidden
            QCOMPARE(r.inserted, 0);
        }
    }

    void badPlansAreRefused_data()
    {
        QTest::addColumn<int>("which");
        QTest::newRow("nothing to export") << 0;
        QTest::newRow("window ends before it starts") << 1;
        QTest::newRow("update and a start date") << 2;
        QTest::newRow("zero id") << 3;
    }

    void badPlansAreRefused()
    {
        QFETCH(int, which);
        ExportPlan plan;
        plan.channels = {generalId};
        switch (which) {
        case 0: plan.channels.clear(); break;
        case 1: plan.after = m_now; plan.before = m_now.addDays(-1); break;
        case 2: plan.update = true; plan.after = m_now; break;
        case 3: plan.channels = {0}; break;
        }
        Expected<void> valid = ExportJob::validate(plan);
        QVERIFY(!valid);
        QCOMPARE(valid.error().kind, Error::Kind::BadInput);
        ExportJob job(DceWorld::program(), QLatin1String(DceWorld::token), *m_store);
        QVERIFY(job.run(plan).first().error);
        QCOMPARE(m_world->runs().size(), 0);
    }

    void exportDates()
    {
        QCOMPARE(*parseExportDate(QStringLiteral("2024-05-01"), QStringLiteral("after")),
                 QDateTime(QDate(2024, 5, 1), QTime(0, 0), Qt::UTC));
        QCOMPARE(*parseExportDate(QStringLiteral("2024-05-01T10:30:00+02:00"), QStringLiteral("after")),
                 QDateTime(QDate(2024, 5, 1), QTime(8, 30), Qt::UTC));
        const QDateTime at(QDate(2024, 5, 1), QTime(12, 0), Qt::UTC);
        QCOMPARE(*parseExportDate(QString::number(DceWorld::snowflakeAt(at)), QStringLiteral("after")), at);
        for (const char *bad : {"2024-13-01", "yesterday", "", "1' OR 1=1"}) {
            Expected<QDateTime> r = parseExportDate(QLatin1String(bad), QStringLiteral("after"));
            QVERIFY(!r);
            QVERIFY(r.error().message.startsWith(QStringLiteral("after must be")));
        }
        QCOMPARE(dceDate(at), QStringLiteral("2024-05-01T12:00:00Z"));
    }

    void tokenIsNeverLogged()
    {
        // Every test above ran with fdd.* logging at debug level.
        QVERIFY(!test::LogCapture::lines().isEmpty());
        const QString leak = test::LogCapture::lineContaining(QLatin1String(DceWorld::token));
        QVERIFY2(leak.isEmpty(), qPrintable(leak));
    }
};

QTEST_GUILESS_MAIN(TestExportJob)
#include "tst_exportjob.moc"
