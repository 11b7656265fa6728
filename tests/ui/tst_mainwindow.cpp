#include "archive.h"
#include "conversationview.h"
#include "dceworld.h"
#include "exportdialog.h"
#include "exportwriter.h"
#include "mainwindow.h"
#include "resultsmodel.h"
#include "resultsexportdialog.h"
#include "searchbar.h"
#include "secrets/keychain.h"
#include "store/sqlcommon.h"
#include "darkpalette.h"
#include "testdatabase.h"
#include "timelinechart.h"
#include "watchpanel.h"

#include <QAbstractEventDispatcher>
#include <QAbstractItemView>
#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QCompleter>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QTableWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QScopeGuard>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QJsonDocument>
#include <QDir>
#include <QImage>
#include <QTextBlock>
#include <QTextBrowser>
#include <QRegularExpression>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <QTreeWidget>

#include <algorithm>
#include <limits>

#include <unistd.h>

using namespace fdd;

namespace {

// What the kernel says of the calling thread's time, in ns (-1 where it
// does not say): on a CPU and runnable but waiting for one
// (/proc/thread-self/schedstat), and the time the hypervisor took from the
// machine's CPUs (steal, /proc/stat, in ticks of 10 ms; the thread moves
// between them): on a virtual machine neither the thread's CPU time nor its
// wait counts that.
struct ThreadTimes
{
    qint64 onCpu = -1;
    qint64 waiting = -1;
    qint64 stolen = -1;

    static ThreadTimes now()
    {
        ThreadTimes t;
        QFile schedstat(QStringLiteral("/proc/thread-self/schedstat"));
        if (schedstat.open(QIODevice::ReadOnly)) {
            const QList<QByteArray> f = schedstat.readAll().simplified().split(' ');
            bool ok1 = false, ok2 = false;
            if (f.size() >= 2) {
                const qint64 on = f.at(0).toLongLong(&ok1), wait = f.at(1).toLongLong(&ok2);
                if (ok1 && ok2) {
                    t.onCpu = on;
                    t.waiting = wait;
                }
            }
        }
        QFile stat(QStringLiteral("/proc/stat"));
        const long tick = sysconf(_SC_CLK_TCK);
        if (tick > 0 && stat.open(QIODevice::ReadOnly)) {
            t.stolen = 0;
            for (QByteArray line = stat.readLine(); !line.isEmpty(); line = stat.readLine()) {
                if (!line.startsWith("cpu") || line.startsWith("cpu "))
                    continue;
                const QList<QByteArray> f = line.simplified().split(' ');
                bool ok = false;
                const qint64 ticks = f.size() > 8 ? f.at(8).toLongLong(&ok) : -1;
                if (!ok) {
                    t.stolen = -1;
                    break;
                }
                t.stolen += ticks * (1000000000 / tick);
            }
        }
        return t;
    }
};

// Measures how long the GUI thread goes without running its event loop: a
// timer that should fire every 5 ms notes the longest gap between firings.
// A gap counts the thread's own work and what it waited on (I/O, a lock),
// not the time a loaded machine (CI runs suites side by side on two cores)
// kept it off the CPU while it was ready to run: the kernel's run-queue wait
// for the thread is taken out, and the time stolen from its CPU by the
// hypervisor, as far as the gap holds time that was neither the thread's
// CPU time nor its wait (a busy loop given 3 s by the clock was on its CPU
// 2.4 s here, and 1.0 s with three on the two cores, 1.0 s waiting).
class StallWatchdog : public QObject
{
public:
    StallWatchdog()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(5);
        connect(&m_timer, &QTimer::timeout, this, [this] { noteGap(); });
    }
    void start()
    {
        m_longest = m_longestWall = 0;
        m_pending = {};
        restart();
        m_timer.start();
    }
    // The longest stall in ms, and through *wall the longest gap as the clock saw it.
    qint64 stop(qint64 *wall)
    {
        m_timer.stop();
        noteGap();
        settle(ThreadTimes::now().stolen);
        *wall = m_longestWall / 1000000;
        return m_longest / 1000000;
    }
    // Runs the test's own synchronous work (a call that lays the whole
    // conversation out again, as a window resize does) without counting it
    // as the window's stall; the wait up to it still counts.
    template <typename Work>
    void ownWork(Work &&work)
    {
        noteGap();
        work();
        restart();
    }

private:
    void restart()
    {
        m_clock.start();
        m_times = ThreadTimes::now();
    }
    void noteGap()
    {
        const qint64 wall = m_clock.nsecsElapsed();
        const ThreadTimes t = ThreadTimes::now();
        const auto delta = [wall](qint64 now, qint64 before) {
            return now >= 0 && before >= 0 ? std::clamp(now - before, qint64(0), wall) : qint64(0);
        };
        settle(t.stolen);
        const qint64 waiting = delta(t.waiting, m_times.waiting);
        // Neither on the CPU nor waiting for it: blocked (which counts), or stolen.
        const qint64 elsewhere = t.onCpu >= 0 && m_times.onCpu >= 0 ? std::max(qint64(0), wall - waiting - delta(t.onCpu, m_times.onCpu)) : 0;
        // The kernel counts a CPU's steal at its next tick once it runs
        // again, so a gap's steal is read at the end of the gap after it.
        m_pending = {wall - waiting, elsewhere, m_times.stolen};
        m_longestWall = std::max(m_longestWall, wall);
        m_clock.start();
        m_times = t;
    }
    // The gap before this one, its steal read `stolenNow`.
    void settle(qint64 stolenNow)
    {
        if (m_pending.gap < 0)
            return;
        const qint64 stolen = stolenNow >= 0 && m_pending.stolenBefore >= 0
                                  ? std::clamp(stolenNow - m_pending.stolenBefore, qint64(0), m_pending.elsewhere)
                                  : 0;
        m_longest = std::max(m_longest, m_pending.gap - stolen);
        m_pending = {};
    }

    struct Pending
    {
        qint64 gap = -1; // ns by the clock, less the run-queue wait
        qint64 elsewhere = 0;
        qint64 stolenBefore = -1;
    };
    Pending m_pending;
    QTimer m_timer;
    QElapsedTimer m_clock;
    ThreadTimes m_times;
    qint64 m_longest = 0;     // ns
    qint64 m_longestWall = 0; // ns
};

constexpr Snowflake bigChannel = 2323232323232323231ull;
constexpr Snowflake picturesChannel = 2424242424242424241ull;
constexpr Snowflake picturesFirstId = 1320000000000000000ull;
constexpr int picturesCount = 50;
constexpr int bigCount = 20000;

} // namespace

// The desktop window, driven as a user would (keys, clicks) against a real
// embedded archive, offscreen.
class TestMainWindow : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::unique_ptr<MainWindow> m_window;
    StallWatchdog m_watchdog;
    qint64 m_worstStall = 0;
    QString m_bigExport;
    QString m_picturesExport;

    // 50 messages, each with a 1200x900 photo downloaded with --media: what
    // the conversation must load without holding the GUI thread.
    static QString writePicturesExport(const QString &dir)
    {
        QDir().mkpath(dir + QStringLiteral("/media"));
        QJsonArray messages;
        for (int i = 0; i < picturesCount; ++i) {
            QImage photo(1200, 900, QImage::Format_RGB32);
            photo.fill(QColor::fromHsv(i * 7 % 360, 160, 200));
            const QString name = QStringLiteral("media/photo-%1.png").arg(i);
            if (!photo.save(QDir(dir).filePath(name)))
                return {};
            const QString id = QString::number(picturesFirstId + quint64(i));
            messages.append(QJsonObject{
                {QStringLiteral("id"), id}, {QStringLiteral("type"), QStringLiteral("Default")},
                {QStringLiteral("timestamp"), QDateTime(QDate(2024, 12, 1), QTime(10, i), Qt::UTC).toString(Qt::ISODate)},
                {QStringLiteral("isPinned"), false}, {QStringLiteral("content"), QStringLiteral("holiday photo %1").arg(i)},
                {QStringLiteral("author"), QJsonObject{{QStringLiteral("id"), QStringLiteral("4444444444444444444")},
                                                      {QStringLiteral("name"), QStringLiteral("alice")},
                                                      {QStringLiteral("nickname"), QStringLiteral("Alice W.")}}},
                {QStringLiteral("attachments"), QJsonArray{QJsonObject{{QStringLiteral("id"), id},
                                                                       {QStringLiteral("url"), name},
                                                                       {QStringLiteral("fileName"), QStringLiteral("photo.png")},
                                                                       {QStringLiteral("fileSizeBytes"), 100000}}}}});
        }
        const QJsonObject root{{QStringLiteral("guild"), QJsonObject{{QStringLiteral("id"), QStringLiteral("1111111111111111111")},
                                                                    {QStringLiteral("name"), QStringLiteral("Test Guild")}}},
                               {QStringLiteral("channel"), QJsonObject{{QStringLiteral("id"), QString::number(picturesChannel)},
                                                                      {QStringLiteral("name"), QStringLiteral("photos")}}},
                               {QStringLiteral("messages"), messages}};
        QFile f(QDir(dir).filePath(QStringLiteral("photos.json")));
        if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(root).toJson()) <= 0)
            return {};
        return f.fileName();
    }

    QTextBrowser *conversationBrowser() const
    {
        return m_window->conversation()->findChild<QTextBrowser *>(QStringLiteral("conversation"));
    }

    // Selects the result whose text contains `text`, and waits for its conversation and its images.
    bool showConversationOf(const QString &text)
    {
        ResultsModel *model = m_window->resultsModel();
        int row = -1;
        for (int r = 0; r < model->rowCount() && row < 0; ++r)
            if (model->message(r).content.contains(text))
                row = r;
        if (row < 0)
            return false;
        QSignalSpy shown(m_window.get(), &MainWindow::conversationShown);
        QSignalSpy settled(m_window->conversation(), &ConversationView::imagesSettled);
        m_window->resultsView()->setCurrentIndex(QModelIndex()); // a row that was current is selected anew
        m_window->resultsView()->selectRow(row);
        if (!waitFor(shown))
            return false;
        return m_window->conversation()->imagesPending() == 0 || waitFor(settled);
    }

    // How far the selected message's top is below the conversation's top
    // edge, in pixels (0: it is the first thing read; negative: scrolled past).
    int selectedOffset() const
    {
        QTextBrowser *browser = conversationBrowser();
        QTextDocument *doc = browser->document();
        for (QTextBlock b = doc->begin(); b.isValid(); b = b.next())
            for (auto it = b.begin(); !it.atEnd(); ++it)
                if (it.fragment().charFormat().anchorNames().contains(QStringLiteral("selected")))
                    return int(doc->documentLayout()->blockBoundingRect(b).top()) - browser->verticalScrollBar()->value();
        return std::numeric_limits<int>::min();
    }
    bool selectedInView() const
    {
        const QScrollBar *bar = conversationBrowser()->verticalScrollBar();
        const int offset = selectedOffset();
        return (offset >= -2 && offset <= 2) || (offset > 0 && bar->value() == bar->maximum());
    }

    bool waitFor(QSignalSpy &spy, int timeoutMs = 30000)
    {
        return spy.count() > 0 || spy.wait(timeoutMs);
    }

    // Searches and waits for the page and for the timeline, which brings the
    // count when the page came first.
    // Types a search and presses Enter, as a person would; waits for nothing.
    void typeSearch(const QString &text)
    {
        QLineEdit *term = m_window->termEdit();
        term->clear();
        QTest::keyClicks(term, text);
        QTest::keyClick(term, Qt::Key_Return);
    }

    void searchFor(const QString &text)
    {
        QSignalSpy shown(m_window.get(), &MainWindow::pageShown);
        QSignalSpy timeline(m_window.get(), &MainWindow::timelineShown);
        typeSearch(text);
        QVERIFY(waitFor(shown));
        QVERIFY(waitFor(timeline));
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        qputenv("XDG_CONFIG_HOME", m_tmp.filePath(QStringLiteral("config")).toLocal8Bit());
        QCoreApplication::setOrganizationName(QStringLiteral("FastDiscordDB-test"));
        m_window = std::make_unique<MainWindow>();
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        AppSettings settings;
        settings.databaseUrl = QStringLiteral("sqlite://") + m_tmp.filePath(QStringLiteral("archive.db"));
        settings.pageSize = 50;
        settings.dcePath = test::DceWorld::program().program;
        settings.apiEnabled = true;
        settings.apiPort = 0; // any free port
        QSignalSpy ready(m_window.get(), &MainWindow::archiveReady);
        QSignalSpy api(m_window.get(), &MainWindow::apiStateChanged);
        m_window->openArchive(settings);
        QVERIFY(waitFor(ready));
        QVERIFY(waitFor(api)); // once the keychain has said whether it holds an API key
        // The cases below type keywords; the search language has its own (typeAQueryWithCompletion).
        m_window->modeBox()->setCurrentIndex(m_window->modeBox()->findText(QStringLiteral("Keyword")));
        // Written here, before any watchdog runs: the test's own work.
        m_bigExport = test::writeExport(m_tmp.path(), QStringLiteral("big"), bigChannel, bigCount,
                                        QDateTime(QDate(2023, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch());
        QVERIFY(!m_bigExport.isEmpty());
        m_picturesExport = writePicturesExport(m_tmp.filePath(QStringLiteral("pictures")));
        QVERIFY(!m_picturesExport.isEmpty());
    }

    void init()
    {
        m_watchdog.start();
    }

    void cleanup()
    {
        qint64 wall = 0;
        const qint64 stall = m_watchdog.stop(&wall);
        m_worstStall = std::max(m_worstStall, stall);
        qInfo("longest event-loop stall: %lld ms (longest gap by the clock: %lld ms)", stall, wall);
        // 50 ms; a sanitizer build (several times slower) sets its own limit.
        const qint64 limit = qEnvironmentVariableIntValue("FDD_STALL_LIMIT_MS") > 0 ? qEnvironmentVariableIntValue("FDD_STALL_LIMIT_MS") : 50;
        QVERIFY2(stall < limit, qPrintable(QStringLiteral("the GUI thread stalled for %1 ms").arg(stall)));
    }

    void firstRunOffersTheSample()
    {
        auto *stack = m_window->findChild<QStackedWidget *>();
        QTRY_COMPARE(stack->currentIndex(), 0); // the welcome page
        auto *sample = m_window->findChild<QPushButton *>(QStringLiteral("importSample"));
        QVERIFY(sample);
        QSignalSpy imported(m_window.get(), &MainWindow::importFinished);
        QTest::mouseClick(sample, Qt::LeftButton);
        QVERIFY(waitFor(imported));
        QVERIFY2(m_window->statusText().contains(QStringLiteral("new messages")), qPrintable(m_window->statusText()));
        QTRY_COMPARE(stack->currentIndex(), 1);
        auto *channels = m_window->findChild<QTreeWidget *>(QStringLiteral("channels"));
        QTRY_VERIFY(channels->topLevelItemCount() >= 2); // "All channels" and a server
    }

    void typeAWordAndPressEnter()
    {
        searchFor(QStringLiteral("the"));
        ResultsModel *model = m_window->resultsModel();
        QVERIFY(model->rowCount() > 0);
        for (int row = 0; row < model->rowCount(); ++row)
            QVERIFY(model->message(row).content.contains(QStringLiteral("the"), Qt::CaseInsensitive));
        QVERIFY2(m_window->statusText().contains(QStringLiteral("match")), qPrintable(m_window->statusText()));
        // Newest first.
        for (int row = 1; row < model->rowCount(); ++row)
            QVERIFY(model->message(row - 1).timestampMs >= model->message(row).timestampMs);
    }

    void selectingARowShowsItsConversation()
    {
        ResultsModel *model = m_window->resultsModel();
        QVERIFY(model->rowCount() > 0);
        QSignalSpy shown(m_window.get(), &MainWindow::conversationShown);
        const int row = model->rowCount() - 1;
        m_window->resultsView()->selectRow(row);
        QVERIFY(waitFor(shown));
        const MessageContext &c = m_window->conversation()->context();
        QCOMPARE(c.message.id, model->message(row).id);
        const QString text = m_window->conversation()->plainText();
        QVERIFY(text.contains(model->message(row).content.left(30)));
        for (const Message &m : c.before + c.after)
            QCOMPARE(m.channelId, c.message.channelId);
        QVERIFY(ConversationView::discordLink(c.message).toString().endsWith(QString::number(c.message.id)));
    }

    // The search language as a person types it: completion offers the
    // operator, then the archive's authors; Enter takes one and searches;
    // a click on a channel writes its in: into the text.
    void typeAQueryWithCompletion()
    {
        SearchBar *bar = m_window->searchBar();
        QComboBox *mode = m_window->modeBox();
        mode->setCurrentIndex(mode->findText(QStringLiteral("Search")));
        auto *channels = m_window->findChild<QTreeWidget *>(QStringLiteral("channels"));
        const auto restore = qScopeGuard([mode, channels] {
            mode->setCurrentIndex(mode->findText(QStringLiteral("Keyword")));
            channels->setCurrentItem(channels->topLevelItem(0)); // all channels again, for the cases after
        });
        QVERIFY(bar->isQueryMode());
        QLineEdit *term = m_window->termEdit();
        term->clear();
        term->setFocus();
        QAbstractItemView *popup = bar->completer()->popup();
        QTest::keyClicks(term, QStringLiteral("fr"));
        QTRY_VERIFY(popup->isVisible());
        QCOMPARE(bar->completer()->currentCompletion(), QStringLiteral("from:"));
        QTest::keyClick(popup, Qt::Key_Down);
        QTest::keyClick(popup, Qt::Key_Return);
        QCOMPARE(term->text(), QStringLiteral("from:"));
        // Its values at once: the sample's authors, the most active first.
        QTRY_VERIFY(popup->isVisible());
        QCOMPARE(bar->completer()->currentCompletion(), QStringLiteral("from:alice"));
        QTest::keyClicks(term, QStringLiteral("ca"));
        QTRY_COMPARE(bar->completer()->completionCount(), 1);
        QTest::keyClick(popup, Qt::Key_Down);
        QTest::keyClick(popup, Qt::Key_Return);
        QCOMPARE(term->text(), QStringLiteral("from:carol "));
        QVERIFY(!popup->isVisible());

        QSignalSpy shown(m_window.get(), &MainWindow::pageShown);
        QSignalSpy timeline(m_window.get(), &MainWindow::timelineShown);
        QTest::keyClick(term, Qt::Key_Return);
        QVERIFY(waitFor(shown));
        QVERIFY(waitFor(timeline));
        ResultsModel *model = m_window->resultsModel();
        QCOMPARE(model->rowCount(), 5); // carol's five messages of the sample
        for (int row = 0; row < model->rowCount(); ++row)
            QCOMPARE(model->message(row).authorName, QStringLiteral("carol"));
        QCOMPARE(bar->recentQueries().first(), QStringLiteral("from:carol"));

        // The channel tree edits the text, which stays the one source of truth.
        QTreeWidgetItem *general = channels->findItems(QStringLiteral("general"), Qt::MatchRecursive | Qt::MatchContains).value(0);
        QVERIFY(general);
        shown.clear();
        channels->setCurrentItem(general);
        emit channels->itemClicked(general, 0);
        QCOMPARE(term->text(), QStringLiteral("from:carol in:general"));
        QVERIFY(waitFor(shown));
        QCOMPARE(model->rowCount(), 5);

        // A query that does not parse says where.
        QSignalSpy failed(m_window.get(), &MainWindow::searchFailed);
        term->setText(QStringLiteral("from:carol has:"));
        QTest::keyClick(term, Qt::Key_Return);
        QCOMPARE(failed.count(), 1);
        QVERIFY2(m_window->statusText().contains(QStringLiteral("A value is missing after has: at column 16.")),
                 qPrintable(m_window->statusText()));
    }

    void importABigChannelWithoutStalling()
    {
        const QString path = m_bigExport;
        QSignalSpy imported(m_window.get(), &MainWindow::importFinished);
        m_window->importPaths({path});
        QVERIFY(waitFor(imported, 120000));
        QVERIFY2(m_window->statusText().contains(QStringLiteral("%1 new messages").arg(QLocale().toString(bigCount))),
                 qPrintable(m_window->statusText()));
    }

    // A term in every message: the page is found at once, before the
    // matches are counted; the count comes with the timeline. (A text alone
    // SQLite counts in its index as it finds the page: the count comes with
    // it.)
    void frequentTermShowsThePageBeforeTheCount()
    {
        // As in an archive of millions: the store answers before counting.
        const qint64 minimum = sql::walkMinimumArchive();
        sql::setWalkMinimumArchive(0);
        const auto restore = qScopeGuard([minimum] { sql::setWalkMinimumArchive(minimum); });
        const QString all = QStringLiteral("%1 matches").arg(QLocale().toString(bigCount));
        const QString pages = QStringLiteral("Page 1 of %1").arg(QLocale().toString(bigCount / 50));
        {
            QSignalSpy shown(m_window.get(), &MainWindow::pageShown);
            typeSearch(QStringLiteral("numbered"));
            QVERIFY(waitFor(shown));
            QCOMPARE(m_window->resultsModel()->rowCount(), 50);
            QVERIFY2(m_window->statusText().startsWith(all), qPrintable(m_window->statusText()));
            QCOMPARE(m_window->pageText(), pages);
        }
        // A word and a filter, in the search language: its page first.
        QComboBox *mode = m_window->modeBox();
        const int keyword = mode->currentIndex();
        const auto keywordAgain = qScopeGuard([mode, keyword] { mode->setCurrentIndex(keyword); });
        mode->setCurrentIndex(mode->findText(QStringLiteral("Search")));
        QSignalSpy shown(m_window.get(), &MainWindow::pageShown);
        QSignalSpy timeline(m_window.get(), &MainWindow::timelineShown);
        typeSearch(QStringLiteral("numbered -from:nobody"));
        QVERIFY(waitFor(shown));
        QCOMPARE(m_window->resultsModel()->rowCount(), 50);
        if (timeline.isEmpty()) { // the count is not in yet
            QVERIFY2(m_window->statusText().startsWith(QStringLiteral("Counting matches")), qPrintable(m_window->statusText()));
            QCOMPARE(m_window->pageText(), QStringLiteral("Page 1 of \u2026"));
            QVERIFY(waitFor(timeline));
        }
        QVERIFY2(m_window->statusText().startsWith(all), qPrintable(m_window->statusText()));
        QCOMPARE(m_window->pageText(), pages);
    }

    void pageThroughThousandsWithKeys()
    {
        searchFor(QStringLiteral("numbered"));
        QCOMPARE(m_window->pageText(), QStringLiteral("Page 1 of %1").arg(QLocale().toString(bigCount / 50)));
        const Snowflake firstOfPage1 = m_window->resultsModel()->message(0).id;
        QCOMPARE(firstOfPage1, 1300000000000000000ull + bigCount - 1);
        m_window->resultsView()->setFocus();
        for (int page = 2; page <= 6; ++page) {
            QSignalSpy shown(m_window.get(), &MainWindow::pageShown);
            QTest::keyClick(m_window->resultsView(), Qt::Key_PageDown);
            QVERIFY(waitFor(shown));
            QCOMPARE(m_window->pageText(), QStringLiteral("Page %1 of %2").arg(page).arg(QLocale().toString(bigCount / 50)));
            QCOMPARE(m_window->resultsModel()->message(0).id, firstOfPage1 - Snowflake((page - 1) * 50));
        }
        QSignalSpy shown(m_window.get(), &MainWindow::pageShown);
        QTest::keyClick(m_window->resultsView(), Qt::Key_End, Qt::ControlModifier);
        QVERIFY(waitFor(shown));
        QCOMPARE(m_window->resultsModel()->message(m_window->resultsModel()->rowCount() - 1).id, 1300000000000000000ull);
        QSignalSpy back(m_window.get(), &MainWindow::pageShown);
        QTest::keyClick(m_window->resultsView(), Qt::Key_PageUp);
        QVERIFY(waitFor(back));
        QCOMPARE(m_window->pageText(), QStringLiteral("Page %1 of %2").arg(bigCount / 50 - 1).arg(bigCount / 50));
    }

    // File → Export All Results: every match with its context into a file,
    // off the GUI thread (the watchdog looks), with progress; Cancel leaves
    // no file.
    void exportAllResultsWithContext()
    {
        searchFor(QStringLiteral("numbered message 19"));
        QVERIFY(m_window->exportResultsAction()->isEnabled());
        m_window->exportResultsAction()->trigger();
        ResultsExportDialog *dialog = m_window->findChild<ResultsExportDialog *>();
        QVERIFY(dialog && dialog->isVisible());
        const QString path = m_tmp.filePath(QStringLiteral("found.ndjson"));
        dialog->setFormat(ResultExport::Format::Ndjson);
        dialog->setContext(1);
        dialog->setFileName(path);
        QSignalSpy finished(dialog, &ResultsExportDialog::exportFinished);
        QPushButton *start = nullptr;
        for (QPushButton *b : dialog->findChildren<QPushButton *>())
            if (b->text() == QStringLiteral("&Export"))
                start = b;
        QVERIFY(start);
        QTest::mouseClick(start, Qt::LeftButton);
        QVERIFY(waitFor(finished));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
        // 19, 190–199, 1900–1999, 19000–19999, each with its neighbours.
        QVERIFY2(dialog->statusText().startsWith(QStringLiteral("Exported 1,111 match(es), with ")), qPrintable(dialog->statusText()));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        int matches = 0, lines = 0;
        for (const QByteArray &line : file.readAll().split('\n')) {
            if (line.isEmpty())
                continue;
            ++lines;
            matches += QJsonDocument::fromJson(line).object().value(QStringLiteral("match")).toBool();
        }
        QCOMPARE(matches, 1111);
        QVERIFY(lines > matches);

        // All 20,000 with context, cancelled by closing the dialog: no file, and it says so.
        searchFor(QStringLiteral("numbered"));
        dialog = m_window->openResultsExport();
        const QString cancelled = m_tmp.filePath(QStringLiteral("cancelled.csv"));
        dialog->setFormat(ResultExport::Format::Csv);
        dialog->setContext(2);
        dialog->setFileName(cancelled);
        QSignalSpy stopped(dialog, &ResultsExportDialog::exportFinished);
        dialog->startExport();
        QVERIFY(dialog->isExporting());
        QTest::keyClick(dialog, Qt::Key_Escape); // as a user closes it
        QVERIFY(waitFor(stopped));
        QCOMPARE(stopped.first().at(0).toBool(), false);
        QCOMPARE(dialog->statusText(), QStringLiteral("Export cancelled: nothing was written."));
        QVERIFY(!dialog->isVisible());
        QVERIFY(!QFile::exists(cancelled));
    }

    void timelineNarrowsTheDates()
    {
        QSignalSpy timeline(m_window.get(), &MainWindow::timelineShown);
        searchFor(QStringLiteral("numbered"));
        QVERIFY(waitFor(timeline));
        const QList<TimelineChart::Bar> bars = m_window->timeline()->bars();
        QVERIFY(!bars.isEmpty());
        qint64 total = 0;
        for (const TimelineChart::Bar &b : bars)
            total += b.count;
        QCOMPARE(total, bigCount);
        QSignalSpy shown(m_window.get(), &MainWindow::pageShown);
        QSignalSpy counted(m_window.get(), &MainWindow::timelineShown);
        m_window->timeline()->activate(0);
        QVERIFY(waitFor(shown));
        QVERIFY(waitFor(counted));
        QCOMPARE(m_window->resultsModel()->page().totalCount, bars.first().count);
        for (int row = 0; row < m_window->resultsModel()->rowCount(); ++row) {
            const QDate d = m_window->resultsModel()->message(row).date();
            QVERIFY(d >= bars.first().first && d <= bars.first().last);
        }
    }

    void badInputGetsASentence()
    {
        QSignalSpy failed(m_window.get(), &MainWindow::searchFailed);
        m_window->setDateRange(QDate(2024, 5, 1), QDate(2024, 4, 1));
        typeSearch(QStringLiteral("park"));
        QVERIFY(failed.count() == 1);
        QVERIFY2(m_window->statusText().contains(QStringLiteral("2024-04-01")), qPrintable(m_window->statusText()));
    }

    void exportDialogArchivesNewMessages()
    {
        constexpr Snowflake channel = 555100200300400501;
        test::DceWorld world;
        world.addGuild(555100200300400500, QStringLiteral("Gardeners"));
        world.addChannel(555100200300400500, channel, QStringLiteral("roses"));
        world.addMessages(channel, 9, QDateTime::currentDateTimeUtc().addSecs(-60), std::chrono::minutes(30),
                          QStringLiteral("pruning roses in autumn"));
        world.apply();
        m_window->setDateRange({}, {});
        ExportDialog dialog(m_window->archive()->service(), test::DceWorld::program().program, m_window->archive()->pool(),
                            m_window.get());
        dialog.show();
        QSignalSpy exported(&dialog, &ExportDialog::exported);
        QSignalSpy watch(&dialog, &ExportDialog::watchRequested);
        dialog.setToken(QLatin1String(test::DceWorld::token));
        dialog.setChannelIds(QString::number(channel));
        dialog.setKeepUpdated(21600);
        dialog.startExport();
        QVERIFY(waitFor(exported));
        // "Then keep them updated": the channels go to the watch list, every 6 hours.
        QCOMPARE(watch.count(), 1);
        QCOMPARE(watch.first().at(0).value<QList<Snowflake>>(), QList<Snowflake>{channel});
        QCOMPARE(watch.first().at(1).toLongLong(), 21600);
        QCOMPARE(exported.first().first().toLongLong(), 9);
        // The token is not left in clear in the dialog.
        QVERIFY(dialog.findChild<QLineEdit *>(QStringLiteral("token"))->text().isEmpty());
        searchFor(QStringLiteral("pruning"));
        QCOMPARE(m_window->resultsModel()->page().totalCount, 9);
    }

    // The "Watched" panel, driven with clicks: add a channel through its
    // dialog, see it updated by itself (the token from the keychain), pause
    // it, remove it.
    void watchedPanelKeepsAChannelCurrent()
    {
        if (!qEnvironmentVariableIsSet("FDD_TEST_KEYRING"))
            QSKIP("needs the private keyring of tests/support/with-keyring");
        constexpr Snowflake channel = 555100200300400601;
        test::DceWorld world;
        world.addGuild(555100200300400600, QStringLiteral("Florists"));
        world.addChannel(555100200300400600, channel, QStringLiteral("tulips"));
        world.addMessages(channel, 6, QDateTime::currentDateTimeUtc().addSecs(-90), std::chrono::minutes(20),
                          QStringLiteral("tulip bulbs in spring"));
        world.apply();
        bool saved = false;
        Keychain::write(Keychain::discordToken, QLatin1String(test::DceWorld::token), this, [&](Expected<void> done) { saved = bool(done); });
        QTRY_VERIFY(saved);

        auto *dock = m_window->findChild<QDockWidget *>(QStringLiteral("watchDock"));
        QVERIFY(dock);
        dock->toggleViewAction()->trigger();
        QVERIFY(dock->isVisible());
        WatchPanel *panel = m_window->watchPanel();
        auto *add = panel->findChildren<QPushButton *>().value(0);
        QCOMPARE(add->text(), QStringLiteral("&Add…"));
        QTimer::singleShot(0, this, [] {
            auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
            QVERIFY(dialog);
            QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("watchId")), QString::number(channel));
            dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
        });
        QTest::mouseClick(add, Qt::LeftButton);

        // Due at once: the scheduler exports it, and the table says so.
        QTRY_VERIFY_WITH_TIMEOUT(!panel->watches().isEmpty() && panel->watches().first().lastAdded == 6, 30000);
        QTableWidget *table = panel->table();
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("#tulips"));
        QCOMPARE(table->item(0, 4)->text(), QStringLiteral("6"));
        QCOMPARE(table->item(0, 5)->text(), QStringLiteral("Up to date"));
        searchFor(QStringLiteral("bulbs"));
        QCOMPARE(m_window->resultsModel()->page().totalCount, 6);

        table->selectRow(0);
        auto *pause = panel->findChildren<QPushButton *>().value(2);
        QCOMPARE(pause->text(), QStringLiteral("&Pause"));
        QTest::mouseClick(pause, Qt::LeftButton);
        QTRY_VERIFY(!panel->watches().isEmpty() && panel->watches().first().paused);
        QCOMPARE(table->item(0, 5)->text(), QStringLiteral("Paused"));
        table->selectRow(0);
        QTest::mouseClick(panel->findChildren<QPushButton *>().value(1), Qt::LeftButton); // Remove
        QTRY_COMPARE(table->rowCount(), 0);
        QVERIFY(m_window->archive()->service()->store().watches()->isEmpty());
        dock->hide();
    }

    void restApiRunsInsideTheApp()
    {
        QVERIFY(m_window->apiPort() != 0);
        QNetworkAccessManager nam;
        QNetworkReply *reply = nam.get(QNetworkRequest(
            QUrl(QStringLiteral("http://127.0.0.1:%1/api/chats/search?search_term=pruning").arg(m_window->apiPort()))));
        QSignalSpy done(reply, &QNetworkReply::finished);
        QVERIFY(waitFor(done));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(QJsonDocument::fromJson(reply->readAll()).object().value(QStringLiteral("total_count")).toInt(), 9);
        reply->deleteLater();
    }

    // An API key an older version kept in the settings file moves into the
    // system keychain and out of the file, and the in-app API requires it.
    // Only against the private keyring tests/support/with-keyring starts:
    // never the keychain of whoever runs the suite.
    void apiKeyLivesInTheKeychain()
    {
        if (qEnvironmentVariable("FDD_TEST_KEYRING") != QLatin1String("1"))
            QSKIP("no private keyring: run through tests/support/with-keyring (scripts/test does)");
        const QString key = QStringLiteral("legacy-key-7c1e0b5d9a");
        QSettings().setValue(QStringLiteral("api/key"), key);
        AppSettings settings;
        settings.databaseUrl = QStringLiteral("sqlite://") + m_tmp.filePath(QStringLiteral("archive.db"));
        settings.dcePath = test::DceWorld::program().program;
        settings.apiEnabled = true;
        settings.apiPort = 0;
        QSignalSpy api(m_window.get(), &MainWindow::apiStateChanged);
        m_window->openArchive(settings);
        QVERIFY(waitFor(api));
        QVERIFY(m_window->apiPort() != 0);

        QVERIFY2(!QSettings().contains(QStringLiteral("api/key")), "the key is still in the settings file");
        QFile file(QSettings().fileName());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(!file.readAll().contains(key.toUtf8()));
        const Expected<std::optional<QString>> stored = Keychain::readBlocking(Keychain::apiKey);
        QVERIFY2(stored, stored ? "" : qPrintable(stored.error().message));
        QCOMPARE(stored->value_or(QString()), key);

        const auto status = [this](const QByteArray &sent) {
            QNetworkAccessManager nam;
            QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/api/chats/search?search_term=pruning")
                                             .arg(m_window->apiPort())));
            if (!sent.isEmpty())
                request.setRawHeader("X-Api-Key", sent);
            QNetworkReply *reply = nam.get(request);
            QSignalSpy done(reply, &QNetworkReply::finished);
            const int code = waitFor(done) ? reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() : -1;
            delete reply;
            return code;
        };
        QCOMPARE(status({}), 401);
        QCOMPARE(status("wrong"), 401);
        QCOMPARE(status(key.toUtf8()), 200);
    }

    // A whole message reads as Discord shows it: its author's display name,
    // the image from the archive's media folder, the reply's quoted line (a
    // click goes there), the embed as a card, reactions with who reacted,
    // stickers, the forward, the command, markdown rendered, system
    // messages in a muted line; the results table shows display names and
    // markers.
    void wholeMessagesShowAsDiscordDoes()
    {
        QSignalSpy imported(m_window.get(), &MainWindow::importFinished);
        m_window->importPaths({test::fixture(QStringLiteral("dce/v2.47-media.json"))});
        QVERIFY(waitFor(imported));
        searchFor(QStringLiteral("look at this"));
        ResultsModel *model = m_window->resultsModel();
        QCOMPARE(model->rowCount(), 1);
        QCOMPARE(model->data(model->index(0, ResultsModel::Author), Qt::DisplayRole).toString(), QStringLiteral("Alice W."));
        QCOMPARE(model->data(model->index(0, ResultsModel::Author), Qt::ToolTipRole).toString(), QStringLiteral("Alice W. (alice)"));
        const QString markers = model->data(model->index(0, ResultsModel::Markers), Qt::DisplayRole).toString();
        for (const char *marker : {"📎3", "🔗", "🔥3", "📌"})
            QVERIFY2(markers.contains(QString::fromUtf8(marker)), qPrintable(markers));
        QCOMPARE(model->data(model->index(0, ResultsModel::Markers), Qt::ToolTipRole).toString(),
                 QStringLiteral("3 attachment(s), 1 embed(s), 2 reaction(s), pinned"));

        QVERIFY(showConversationOf(QStringLiteral("look at this")));
        const QString text = m_window->conversation()->plainText();
        for (const char *shown : {"Alice W.", "look at this cat", "(edited)", "📌",          // the message, markdown rendered
                                  "notes.pdf", "47.1 kB", "voice-message.OGG",              // file chips with sizes
                                  "Cats of the internet", "All the cats.", "Breed", "Tabby", // the embed card
                                  "🔥 2", "partyblob",                                      // reactions (the custom one by name)
                                  "@Alice W. look at this",                                  // the reply's quoted line
                                  "agreed @Alice W.",                                        // a mention, by its name
                                  "Joined the server.", "Pinned a message.",                 // system lines
                                  "Forwarded", "the original words", "clip.mp4",             // the forward
                                  "used /roll", "BOT", "Rolled 7",                           // the command and its bot
                                  "Started a call that lasted 12 minutes."})
            QVERIFY2(text.contains(QString::fromUtf8(shown)), qPrintable(QString::fromUtf8(shown) + QStringLiteral(" in ") + text));
        QVERIFY(!text.contains(QStringLiteral("**cat**")));
        // The picture came from the archive's media folder, whole, off the GUI thread.
        const QString html = m_window->conversation()->html();
        const QRegularExpression src(QStringLiteral("<img src=\"(fdd-media:[0-9a-f]{64}\\.png#360x240)\""));
        const QRegularExpressionMatch image = src.match(html);
        QVERIFY2(image.hasMatch(), qPrintable(html.left(2000)));
        const QImage cat = conversationBrowser()->document()->resource(QTextDocument::ImageResource, QUrl(image.captured(1))).value<QImage>();
        QCOMPARE(cat.size(), QSize(160, 120));
        QCOMPARE(cat.pixelColor(1, 1), QColor(200, 40, 40));
        // Who reacted is the pill's tooltip; when it was edited, the "(edited)"'s.
        QStringList tips;
        for (QTextBlock b = conversationBrowser()->document()->begin(); b.isValid(); b = b.next())
            for (auto it = b.begin(); !it.atEnd(); ++it)
                if (!it.fragment().charFormat().toolTip().isEmpty())
                    tips << it.fragment().charFormat().toolTip();
        QVERIFY2(tips.contains(QStringLiteral("bob, Helper reacted with 🔥")), qPrintable(tips.join(QLatin1Char('|'))));
        QVERIFY2(std::any_of(tips.cbegin(), tips.cend(), [](const QString &t) { return t.startsWith(QStringLiteral("Edited ")); }),
                 qPrintable(tips.join(QLatin1Char('|'))));
        // The spoiler is hidden until clicked.
        QVERIFY(html.contains(QStringLiteral("fdd:spoiler/1310000000000000002/0")));

        // A click on the reply's quoted line goes to the message it answers.
        QSignalSpy shown(m_window.get(), &MainWindow::conversationShown);
        emit conversationBrowser()->anchorClicked(QUrl(QStringLiteral("fdd:jump/1310000000000000002")));
        QVERIFY(waitFor(shown));
        QCOMPARE(m_window->conversation()->context().message.id, 1310000000000000002ull);
        // Its images settled (their sizes known, the layout redone), the
        // selected message is still the first thing in view.
        QVERIFY(m_window->conversation()->imagesPending() == 0 || QSignalSpy(m_window->conversation(), &ConversationView::imagesSettled).wait(30000));
        QVERIFY2(selectedInView(), qPrintable(QString::number(selectedOffset())));
    }

    // The heights above the selected message change after it was scrolled to
    // (narrower text here; the first conversation's fallback fonts, images
    // arriving in use): it stays at the top. Once the reader scrolls, the
    // pane stays where they put it. (The conversation of the test before.)
    void selectedMessageStaysAtTheTop()
    {
        QVERIFY(selectedInView());
        QTextBrowser *browser = conversationBrowser();
        // Each width change lays the conversation out again, in the call:
        // the test's work (57 ms once under a loaded CI), not a stall.
        const auto wide = qScopeGuard([this, browser] {
            m_watchdog.ownWork([browser] { browser->setLineWrapMode(QTextEdit::WidgetWidth); });
        });
        m_watchdog.ownWork([browser] {
            browser->setLineWrapMode(QTextEdit::FixedPixelWidth);
            browser->setLineWrapColumnOrWidth(browser->viewport()->width() / 2);
        });
        QTRY_VERIFY2(selectedInView(), qPrintable(QString::number(selectedOffset())));
        QVERIFY(selectedOffset() == 0 || browser->verticalScrollBar()->value() > 0); // the narrowing did move it
        m_watchdog.ownWork([browser] { browser->verticalScrollBar()->triggerAction(QAbstractSlider::SliderToMinimum); });
        const int readerAt = browser->verticalScrollBar()->value();
        m_watchdog.ownWork([browser] { browser->setLineWrapColumnOrWidth(browser->viewport()->width() / 3); });
        QCoreApplication::processEvents();
        QCOMPARE(browser->verticalScrollBar()->value(), readerAt);
    }

    // The conversation follows the palette: on a dark one, no light colour
    // of its own is left (white cards, black text would vanish or glare).
    void conversationFollowsADarkPalette()
    {
        const QPalette dark = test::darkPalette();
        ConversationView *view = m_window->conversation();
        const QPalette before = view->palette();
        view->setPalette(dark);
        view->showContext(view->context(), QStringLiteral("#show-and-tell"), {});
        const QString html = view->html();
        view->setPalette(before);
        static const QRegularExpression color(QStringLiteral("(?:color|bgcolor)[:=]\\s*\"?(#[0-9a-f]{6})"));
        int checked = 0;
        for (auto it = color.globalMatch(html); it.hasNext();) {
            const QColor c = QColor::fromString(it.next().captured(1));
            if (c == QColor(0xe9, 0x1e, 0x63) || c == QColor(0xff, 0x00, 0x00) || c == QColor(0x34, 0x98, 0xdb))
                continue; // the data's own colours (the author's role, the embed's bar)
            if (c == dark.color(QPalette::HighlightedText) && html.contains(QStringLiteral("color:#ffffff; background-color:#5865f2;")))
                continue; // the highlighted text, on the highlight (the BOT tag)
            ++checked;
            QVERIFY2(c.lightness() < 0xe0 || c == QColor(0xdb, 0xde, 0xe1),
                     qPrintable(c.name() + QStringLiteral(" in ") + html.mid(html.indexOf(c.name()) - 300, 400)));
        }
        QVERIFY(checked > 10);
        QVERIFY(html.contains(QStringLiteral("#dbdee1"))); // the palette's text colour is used
    }

    // Fifty 1200x900 photos load in the pool, not on the GUI thread: the
    // watchdog (cleanup) still sees no stall of 50 ms.
    void fiftyImagesLoadWithoutStalling()
    {
        QSignalSpy imported(m_window.get(), &MainWindow::importFinished);
        m_window->importPaths({m_picturesExport});
        QVERIFY(waitFor(imported, 60000));
        searchFor(QStringLiteral("holiday photo 25"));
        QVERIFY(showConversationOf(QStringLiteral("holiday photo 25")));
        const MessageContext &c = m_window->conversation()->context();
        QCOMPARE(c.before.size() + c.after.size(), 20);
        const QString html = m_window->conversation()->html();
        static const QRegularExpression src(QStringLiteral("<img src=\"(fdd-media:[0-9a-f]{64}\\.png#360x240)\""));
        int images = 0;
        for (auto it = src.globalMatch(html); it.hasNext(); ++images) {
            const QImage shown = conversationBrowser()->document()->resource(QTextDocument::ImageResource, QUrl(it.next().captured(1))).value<QImage>();
            QCOMPARE(shown.size(), QSize(320, 240)); // scaled to fit, in the pool
        }
        QCOMPARE(images, 21);
    }

    // A file cut off part-way is not imported, but the window asks whether
    // to import its complete messages, and does when told to.
    void cutOffFileOffersSalvage()
    {
        const QString full = test::writeExport(m_tmp.path(), QStringLiteral("cut-whole"), 2626262626262626261ull, 100,
                                               QDateTime(QDate(2021, 6, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch());
        QFile in(full);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray bytes = in.readAll();
        const QString cut = m_tmp.filePath(QStringLiteral("cut-half.json"));
        QFile out(cut);
        QVERIFY(out.open(QIODevice::WriteOnly) && out.write(bytes.left(bytes.size() / 2)) > 0);
        out.close();

        QSignalSpy offered(m_window.get(), &MainWindow::salvageOffered);
        QSignalSpy imported(m_window.get(), &MainWindow::importFinished);
        m_window->importPaths({cut});
        QVERIFY(waitFor(offered));
        auto *question = m_window->findChild<QMessageBox *>(QStringLiteral("salvageQuestion"));
        QVERIFY(question);
        QTRY_VERIFY(question->isVisible());
        QVERIFY2(question->text().contains(QStringLiteral("cut-half.json ends at byte %1").arg(QLocale().toString(bytes.size() / 2))),
                 qPrintable(question->text()));
        imported.clear();
        QTest::mouseClick(question->button(QMessageBox::Yes), Qt::LeftButton);
        QVERIFY(waitFor(imported));
        QVERIFY2(m_window->statusText().contains(QStringLiteral("salvaged; the file breaks at byte %1").arg(bytes.size() / 2)),
                 qPrintable(m_window->statusText()));
    }

    void cleanupTestCase()
    {
        qInfo("worst event-loop stall over the suite: %lld ms", m_worstStall);
        m_window.reset();
    }

};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
