#include "archive.h"
#include "conversationview.h"
#include "dceworld.h"
#include "exportdialog.h"
#include "exportwriter.h"
#include "mainwindow.h"
#include "resultsmodel.h"
#include "secrets/keychain.h"
#include "timelinechart.h"
#include "watchpanel.h"

#include <QAbstractEventDispatcher>
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QTableWidget>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <QTreeWidget>

using namespace fdd;

namespace {

// Measures how long the GUI thread goes without running its event loop: a
// timer that should fire every 5 ms notes the longest gap between firings.
class StallWatchdog : public QObject
{
public:
    StallWatchdog()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(5);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            m_longest = std::max(m_longest, m_clock.restart());
        });
    }
    void start()
    {
        m_longest = 0;
        m_clock.start();
        m_timer.start();
    }
    qint64 stop()
    {
        m_timer.stop();
        return std::max(m_longest, m_clock.elapsed());
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_longest = 0;
};

constexpr Snowflake bigChannel = 2323232323232323231ull;
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

    bool waitFor(QSignalSpy &spy, int timeoutMs = 30000)
    {
        return spy.count() > 0 || spy.wait(timeoutMs);
    }

    void searchFor(const QString &text)
    {
        QSignalSpy shown(m_window.get(), &MainWindow::pageShown);
        QLineEdit *term = m_window->termEdit();
        term->clear();
        QTest::keyClicks(term, text);
        QTest::keyClick(term, Qt::Key_Return);
        QVERIFY(waitFor(shown));
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
        // Written here, before any watchdog runs: the test's own work.
        m_bigExport = test::writeExport(m_tmp.path(), QStringLiteral("big"), bigChannel, bigCount,
                                        QDateTime(QDate(2023, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch());
        QVERIFY(!m_bigExport.isEmpty());
    }

    void init()
    {
        m_watchdog.start();
    }

    void cleanup()
    {
        const qint64 stall = m_watchdog.stop();
        m_worstStall = std::max(m_worstStall, stall);
        qInfo("longest event-loop stall: %lld ms", stall);
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

    void importABigChannelWithoutStalling()
    {
        const QString path = m_bigExport;
        QSignalSpy imported(m_window.get(), &MainWindow::importFinished);
        m_window->importPaths({path});
        QVERIFY(waitFor(imported, 120000));
        QVERIFY2(m_window->statusText().contains(QStringLiteral("%1 new messages").arg(QLocale().toString(bigCount))),
                 qPrintable(m_window->statusText()));
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
        m_window->timeline()->activate(0);
        QVERIFY(waitFor(shown));
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
        searchForFails(QStringLiteral("park"));
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

    void cleanupTestCase()
    {
        qInfo("worst event-loop stall over the suite: %lld ms", m_worstStall);
        m_window.reset();
    }

private:
    void searchForFails(const QString &text)
    {
        QLineEdit *term = m_window->termEdit();
        term->clear();
        QTest::keyClicks(term, text);
        QTest::keyClick(term, Qt::Key_Return);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
