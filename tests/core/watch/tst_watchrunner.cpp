#include "dceworld.h"
#include "logcapture.h"
#include "store/sqlitestore.h"
#include "watch/watchrunner.h"
#include "watch/watchscheduler.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace fdd;
using fdd::test::DceWorld;

namespace {

constexpr Snowflake guildId = 900100200300400500;
constexpr Snowflake generalId = 100100200300400501;
constexpr Snowflake staffId = 100100200300400502;
constexpr Snowflake randomId = 100100200300400503;
constexpr Snowflake threadId = 100100200300400504;
constexpr Snowflake newId = 100100200300400505;

int exportsOf(const DceWorld &world, Snowflake channel)
{
    int n = 0;
    for (const QStringList &run : world.runs())
        if (run.value(0) == QLatin1String("export") && run.contains(QString::number(channel)))
            ++n;
    return n;
}

} // namespace

// The watch runner, against the DCE stand-in and the embedded store, with
// time on a test clock: nothing here waits for a schedule to come round.
class TestWatchRunner : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::unique_ptr<DceWorld> m_world;
    std::shared_ptr<SqliteStore> m_store;
    std::shared_ptr<SearchService> m_service;
    QDateTime m_clock;
    QDateTime m_realNow;
    int m_number = 0;

    std::unique_ptr<WatchRunner> runner(const QString &token = QLatin1String(DceWorld::token))
    {
        auto r = std::make_unique<WatchRunner>(m_service, DceWorld::program(), token);
        r->setClock([this] { return m_clock; });
        return r;
    }
    void watch(Snowflake id, bool isGuild = false, qint64 every = 3600, bool threads = false)
    {
        Watch w = WatchRunner::newWatch(id, isGuild, every, m_clock.toMSecsSinceEpoch());
        w.includeThreads = threads;
        QVERIFY(m_store->saveWatch(w));
    }
    Watch stateOf(Snowflake id)
    {
        Expected<QList<Watch>> all = m_store->watches();
        for (const Watch &w : all ? *all : QList<Watch>())
            if (w.id == id)
                return w;
        return {};
    }
    qint64 archived(Snowflake channel)
    {
        Expected<QList<Channel>> all = m_store->channels();
        for (const Channel &c : all ? *all : QList<Channel>())
            if (c.id == channel)
                return c.messageCount;
        return 0;
    }
    qint64 total()
    {
        Expected<StoreStats> s = m_store->stats();
        return s ? s->messages : -1;
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
        m_realNow = QDateTime::currentDateTimeUtc();
        m_clock = QDateTime(QDate(2030, 1, 1), QTime(12, 0), Qt::UTC);
        m_world = std::make_unique<DceWorld>();
        m_world->addGuild(guildId, QStringLiteral("Hikers"));
        m_world->addChannel(guildId, generalId, QStringLiteral("general"));
        m_world->addChannel(guildId, staffId, QStringLiteral("staff"), true);
        m_world->addChannel(guildId, randomId, QStringLiteral("random"));
        m_world->addMessages(generalId, 5, m_realNow.addSecs(-3600), std::chrono::minutes(10));
        // Ids are made from the times: every channel's messages at other instants.
        m_world->addMessages(randomId, 2, m_realNow.addSecs(-3000), std::chrono::minutes(7), QStringLiteral("random"));
        m_world->apply();
        m_store = std::make_shared<SqliteStore>(m_tmp.filePath(QStringLiteral("archive-%1.db").arg(++m_number)));
        QVERIFY(m_store->migrate());
        m_service = std::make_shared<SearchService>(m_store);
    }

    void gainsExactlyTheNewMessagesOverThreeRuns()
    {
        watch(generalId);
        auto r = runner();
        Expected<WatchRunReport> first = r->runDue(); // a new watch is due at once
        QVERIFY2(first, first ? "" : qPrintable(first.error().message));
        QCOMPARE(first->ran, 1);
        QCOMPARE(first->added, 5);
        Watch w = stateOf(generalId);
        QCOMPARE(w.name, QStringLiteral("#general"));
        QCOMPARE(w.lastAdded, 5);
        QCOMPARE(w.failures, 0);
        QCOMPARE(w.nextRunMs, m_clock.addSecs(3600).toMSecsSinceEpoch());

        // Not yet due: nothing runs, Discord is not asked.
        m_clock = m_clock.addSecs(1800);
        QCOMPARE(r->runDue()->ran, 0);
        QCOMPARE(exportsOf(*m_world, generalId), 1);

        int expected = 5;
        for (int run = 2; run <= 3; ++run) {
            // Run 3's messages all come after run 2's.
            m_world->addMessages(generalId, run, m_realNow.addSecs(run == 2 ? -200 : -10), std::chrono::minutes(1),
                                 QStringLiteral("later %1").arg(run));
            m_world->apply();
            m_clock = m_clock.addSecs(3600);
            Expected<WatchRunReport> next = r->runDue();
            QVERIFY(next);
            QCOMPARE(next->ran, 1);
            QCOMPARE(next->added, run);
            expected += run;
            QCOMPARE(archived(generalId), expected);
            QCOMPARE(stateOf(generalId).lastAdded, run);
        }
        QCOMPARE(total(), 5 + 2 + 3);
        // Each update asked DCE only for what came after the newest archived message.
        const QList<QStringList> runs = m_world->runs();
        QCOMPARE(exportsOf(*m_world, generalId), 3);
        const QString after = runs.last().value(runs.last().indexOf(QStringLiteral("--after")) + 1);
        QVERIFY2(after.toULongLong() > 0, qPrintable(after)); // a message id, not a date
    }

    void aKilledExportLeavesNothingAndTheNextRunCompletes()
    {
        watch(generalId);
        qputenv("FAKE_DCE_FAIL", "crash-partial");
        auto r = runner();
        Expected<WatchRunReport> killed = r->runDue();
        QVERIFY(killed);
        QCOMPARE(killed->failed, 1);
        QCOMPARE(total(), 0); // half an export is never imported
        Watch w = stateOf(generalId);
        QCOMPARE(w.failures, 1);
        QVERIFY2(w.lastError.contains(QStringLiteral("DiscordChatExporter")), qPrintable(w.lastError));
        QCOMPARE(w.nextRunMs, m_clock.addSecs(5 * 60).toMSecsSinceEpoch()); // backed off, not the interval
        QVERIFY(QDir(m_tmp.filePath(QStringLiteral("tmp")))
                    .entryList({QStringLiteral("fastdiscorddb-export-*")}, QDir::AllEntries | QDir::NoDotAndDotDot)
                    .isEmpty());

        m_world->apply(); // DCE works again
        m_clock = m_clock.addSecs(5 * 60);
        Expected<WatchRunReport> again = r->runDue();
        QVERIFY(again);
        QCOMPARE(again->added, 5);
        QCOMPARE(total(), 5);
        QCOMPARE(stateOf(generalId).failures, 0);
        QVERIFY(stateOf(generalId).lastError.isEmpty());
    }

    void aFailingChannelBacksOffAndRecoversWhileOthersUpdate()
    {
        watch(generalId, false, 600);
        watch(staffId, false, 600);
        auto r = runner();
        QCOMPARE(r->runDue()->failed, 1);
        QCOMPARE(stateOf(staffId).failures, 1);
        QVERIFY2(stateOf(staffId).lastError.contains(QStringLiteral("forbidden")), qPrintable(stateOf(staffId).lastError));
        QCOMPARE(archived(generalId), 5);

        // Every failure in a row waits longer: 5, 10 minutes…; general keeps its 10.
        const qint64 t0 = m_clock.toMSecsSinceEpoch();
        QCOMPARE(stateOf(staffId).nextRunMs, t0 + 5 * 60 * 1000);
        m_clock = m_clock.addSecs(5 * 60);
        QCOMPARE(r->runDue()->ran, 1); // staff only
        QCOMPARE(stateOf(staffId).failures, 2);
        QCOMPARE(stateOf(staffId).nextRunMs, m_clock.addSecs(10 * 60).toMSecsSinceEpoch());
        QCOMPARE(exportsOf(*m_world, staffId), 2);

        m_world->addMessages(generalId, 1, m_realNow.addSecs(-30), std::chrono::minutes(1), QStringLiteral("still here"));
        m_world->setForbidden(staffId, false);
        m_world->addMessages(staffId, 3, m_realNow.addSecs(-45), std::chrono::minutes(1), QStringLiteral("staff"));
        m_world->apply();
        m_clock = m_clock.addSecs(5 * 60); // general due (10 min after its run); staff not yet
        Expected<WatchRunReport> mid = r->runDue();
        QCOMPARE(mid->ran, 1);
        QCOMPARE(archived(generalId), 6);
        QCOMPARE(exportsOf(*m_world, staffId), 2);
        m_clock = m_clock.addSecs(5 * 60);
        Expected<WatchRunReport> recovered = r->runDue();
        QCOMPARE(recovered->failed, 0);
        QCOMPARE(archived(staffId), 3);
        QCOMPARE(stateOf(staffId).failures, 0);
        QCOMPARE(stateOf(staffId).nextRunMs, m_clock.addSecs(600).toMSecsSinceEpoch());
    }

    void aRefusedTokenFailsEveryWatchWithOneAskOfDiscord()
    {
        watch(generalId);
        watch(randomId);
        auto r = runner(QStringLiteral("not-the-token"));
        Expected<WatchRunReport> done = r->runDue();
        QCOMPARE(done->ran, 2);
        QCOMPARE(done->failed, 2);
        QCOMPARE(m_world->runs().size(), 1);
        for (Snowflake id : {generalId, randomId})
            QVERIFY2(stateOf(id).lastError.startsWith(QStringLiteral("Discord refused the token")), qPrintable(stateOf(id).lastError));
    }

    void aChannelAnotherProcessExportsIsLeftToIt()
    {
        watch(generalId);
        Expected<std::unique_ptr<ChannelLock>> held = m_store->lockChannel(generalId);
        QVERIFY(held && *held);
        // Held, as another process exporting it would: this runner leaves it.
        auto r = runner();
        Expected<WatchRunReport> left = r->runDue();
        QCOMPARE(left->ran, 0);
        QCOMPARE(exportsOf(*m_world, generalId), 0);
        QCOMPARE(stateOf(generalId).lastRunMs, 0); // its holder records the run
        held->reset();
        QCOMPARE(r->runDue()->ran, 0); // looked at again only a minute later
        m_clock = m_clock.addSecs(61);
        QCOMPARE(r->runDue()->added, 5);
    }

    void aWatchedServerPicksUpNewChannelsAndThreads()
    {
        watch(guildId, true, 3600, true);
        m_world->addThread(guildId, generalId, threadId, QStringLiteral("trip planning"));
        m_world->addMessages(threadId, 4, m_realNow.addSecs(-120), std::chrono::minutes(1), QStringLiteral("thread"));
        m_world->apply();
        auto r = runner();
        Expected<WatchRunReport> first = r->runDue();
        QCOMPARE(first->added, 5 + 2 + 4);
        Watch w = stateOf(guildId);
        QCOMPARE(w.failures, 0); // one forbidden channel of three does not fail the server
        QVERIFY2(w.lastError.contains(QStringLiteral("1 of 4 channels failed")), qPrintable(w.lastError));
        QCOMPARE(w.name, QStringLiteral("Hikers"));

        m_world->addChannel(guildId, newId, QStringLiteral("new-channel"));
        m_world->addMessages(newId, 2, m_realNow.addSecs(-10), std::chrono::minutes(1), QStringLiteral("fresh"));
        m_world->apply();
        m_clock = m_clock.addSecs(3600);
        QCOMPARE(r->runDue()->added, 2);
        QCOMPARE(archived(newId), 2);
    }

    void aWatchedChannelBringsItsThreads()
    {
        m_world->addThread(guildId, generalId, threadId, QStringLiteral("trip planning"));
        m_world->addMessages(threadId, 4, m_realNow.addSecs(-120), std::chrono::minutes(1), QStringLiteral("thread"));
        m_world->apply();
        watch(generalId, false, 3600, true);
        QCOMPARE(runner()->runDue()->added, 5 + 4);
        QCOMPARE(archived(threadId), 4);
        QCOMPARE(archived(randomId), 0);
    }

    void intervalsParseAsPeopleWriteThem()
    {
        QCOMPARE(*watchtime::parseInterval(QStringLiteral("15m"), {}), 900);
        QCOMPARE(*watchtime::parseInterval(QStringLiteral("1d 12h"), {}), 129600);
        QCOMPARE(*watchtime::parseInterval(QStringLiteral("2W"), {}), 14 * 86400);
        QCOMPARE(*watchtime::parseInterval(QStringLiteral("3600"), {}), 3600);
        for (const char *bad : {"", "10s", "5 parsecs", "-1h", "400d", "99999999999999999999h"})
            QVERIFY2(!watchtime::parseInterval(QLatin1String(bad), QStringLiteral("--every")), bad);
        QCOMPARE(watchtime::formatInterval(129600), QStringLiteral("1d 12h"));
        QCOMPARE(watchtime::retryDelay(1, 600).count(), 300);
        QCOMPARE(watchtime::retryDelay(3, 600).count(), 1200);
        QCOMPARE(watchtime::retryDelay(30, 600).count(), 6 * 3600);     // at most 6 h…
        QCOMPARE(watchtime::retryDelay(30, 86400).count(), 86400);      // …or the interval
    }

    // Two processes on one archive: `watch run` exporting slowly, and this
    // one's runner at the same time. The channel is exported once.
    void twoProcessesNeverExportTheSameChannelAtOnce()
    {
        m_clock = QDateTime::currentDateTimeUtc(); // the other process reads the system clock
        watch(generalId);
        watch(randomId);
        QProcess other;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("FAKE_DCE_FAIL"), QStringLiteral("slow"));
        env.insert(QStringLiteral("FAKE_DCE_DELAY_MS"), QStringLiteral("400"));
        env.insert(QStringLiteral("DISCORD_TOKEN"), QLatin1String(DceWorld::token));
        env.insert(QStringLiteral("FDD_DCE"), DceWorld::program().program);
        other.setProcessEnvironment(env);
        other.start(QStringLiteral(FDD_SERVER_BINARY),
                    {QStringLiteral("watch"), QStringLiteral("run"), QStringLiteral("--database"),
                     QStringLiteral("sqlite://") + m_store->location()});
        QVERIFY(other.waitForStarted());
        // Once the other process is exporting general (its first watch)…
        QTRY_VERIFY_WITH_TIMEOUT(exportsOf(*m_world, generalId) == 1, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!m_store->lockChannel(generalId).value(), 30000);
        // … this one's pass leaves general to it. The clock is past both due times.
        m_clock = QDateTime::currentDateTimeUtc().addSecs(1);
        auto r = runner();
        Expected<WatchRunReport> mine = r->runDue();
        QVERIFY(mine);
        QVERIFY(other.waitForFinished(60000));
        QCOMPARE(other.exitCode(), 0);
        QCOMPARE(exportsOf(*m_world, generalId), 1);
        QCOMPARE(archived(generalId), 5);
        QCOMPARE(archived(randomId), 2);
        QCOMPARE(stateOf(generalId).lastAdded, 5);
        QCOMPARE(total(), 7);
    }

    // serve --watch's scheduler: it runs a due watch by itself, an "Update
    // now" at once, and a stop cancels the export it is in.
    void theSchedulerRunsDueWatchesAndStopsCleanly()
    {
        m_clock = QDateTime::currentDateTimeUtc(); // the scheduler reads the system clock
        watch(generalId);
        WatchScheduler::Options o;
        o.service = m_service;
        o.program = DceWorld::program();
        o.token = [] { return Expected<QString>(QString::fromLatin1(DceWorld::token)); };
        std::atomic_int passes{0};
        o.passDone = [&](const WatchRunReport &) { ++passes; };
        WatchScheduler scheduler(o);
        scheduler.start();
        QTRY_COMPARE_WITH_TIMEOUT(archived(generalId), 5, 30000);
        QTRY_VERIFY(passes.load() >= 1);

        watch(randomId);
        scheduler.wake();
        QTRY_COMPARE_WITH_TIMEOUT(archived(randomId), 2, 30000);

        // A slow export, then a stop: cancelled, nothing half-imported, the watch still due.
        m_world->addMessages(generalId, 3, m_realNow.addSecs(-5), std::chrono::minutes(1), QStringLiteral("late"));
        m_world->apply();
        qputenv("FAKE_DCE_FAIL", "slow");
        qputenv("FAKE_DCE_DELAY_MS", "5000");
        const int before = exportsOf(*m_world, generalId);
        Watch now = stateOf(generalId); // "Update now": due at once, and started
        now.nextRunMs = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(m_store->saveWatch(now));
        scheduler.runNow({generalId});
        QTRY_COMPARE_WITH_TIMEOUT(exportsOf(*m_world, generalId), before + 1, 30000);
        QVERIFY(scheduler.stop(std::chrono::seconds(20)));
        QCOMPARE(archived(generalId), 5);
        QVERIFY(stateOf(generalId).isDue(QDateTime::currentMSecsSinceEpoch()));
    }
};

QTEST_GUILESS_MAIN(TestWatchRunner)
#include "tst_watchrunner.moc"
