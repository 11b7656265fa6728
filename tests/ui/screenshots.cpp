// Renders the README's screenshots of the real window: the first run, a
// search with its conversation and timeline, and the export dialog.
//   fdd-screenshots OUTPUT_DIR   (run under Xvfb by scripts/screenshots)
#include "aboutdialog.h"
#include "conversationview.h"
#include "exportdialog.h"
#include "resultsexportdialog.h"
#include "archive.h"
#include "mainwindow.h"
#include "darkpalette.h"
#include "testdatabase.h"
#include "resultsmodel.h"
#include "watchpanel.h"

#include <QApplication>
#include <QIcon>
#include <QDir>
#include <QDockWidget>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace fdd;

namespace {

bool save(QWidget *w, const QString &path)
{
    QApplication::processEvents();
    const bool ok = w->grab().save(path);
    qInfo("%s %s", ok ? "wrote" : "could not write", qPrintable(path));
    return ok;
}

bool waitFor(QSignalSpy &spy)
{
    return spy.count() > 0 || spy.wait(30000);
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationDisplayName(QStringLiteral("FastDiscordDB"));
    QApplication::setApplicationVersion(QStringLiteral(FDD_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/fastdiscorddb.png")));
    const QString out = QDir(app.arguments().value(1, QStringLiteral("docs"))).absolutePath();
    QDir().mkpath(out);
    QTemporaryDir tmp;
    qputenv("XDG_CONFIG_HOME", tmp.filePath(QStringLiteral("config")).toLocal8Bit());

    MainWindow window;
    window.resize(1400, 860);
    window.show();
    AppSettings settings;
    settings.databaseUrl = QStringLiteral("sqlite://") + tmp.filePath(QStringLiteral("archive.db"));
    settings.pageSize = 25;
    QSignalSpy ready(&window, &MainWindow::archiveReady);
    window.openArchive(settings);
    if (!waitFor(ready))
        return 1;
    QTest::qWait(300); // let the first paint settle; only for the picture
    if (!save(&window, out + QStringLiteral("/first-run.png")))
        return 1;

    QSignalSpy imported(&window, &MainWindow::importFinished);
    window.findChild<QPushButton *>(QStringLiteral("importSample"))->click();
    if (!waitFor(imported))
        return 1;
    QSignalSpy shown(&window, &MainWindow::pageShown);
    QSignalSpy timeline(&window, &MainWindow::timelineShown);
    QSignalSpy conversation(&window, &MainWindow::conversationShown);
    window.termEdit()->setText(QStringLiteral("\"the\" -from:dave"));
    window.search();
    if (!waitFor(shown) || !waitFor(timeline))
        return 1;
    conversation.clear();
    window.resultsView()->selectRow(3);
    if (!waitFor(conversation))
        return 1;
    QTest::qWait(300);
    if (!save(&window, out + QStringLiteral("/search.png")))
        return 1;
    if (ResultsExportDialog *results = window.openResultsExport()) {
        results->setFormat(ResultExport::Format::Markdown);
        results->setContext(3);
        QTest::qWait(300);
        if (!save(results, out + QStringLiteral("/results-export.png")))
            return 1;
        results->hide();
    }

    // A whole conversation (an export made with --media), light and dark.
    {
        QSignalSpy fixture(&window, &MainWindow::importFinished);
        window.importPaths({test::fixture(QStringLiteral("dce/v2.47-media.json"))});
        if (!waitFor(fixture))
            return 1;
        shown.clear();
        window.termEdit()->setText(QStringLiteral("\"look at this\" has:image"));
        window.search();
        if (!waitFor(shown))
            return 1;
        conversation.clear();
        QSignalSpy settled(window.conversation(), &ConversationView::imagesSettled);
        window.resultsView()->selectRow(0);
        if (!waitFor(conversation) || (window.conversation()->imagesPending() > 0 && !waitFor(settled)))
            return 1;
        QTest::qWait(300);
        if (!save(&window, out + QStringLiteral("/conversation.png")))
            return 1;
        const QPalette light = QApplication::palette();
        QApplication::setPalette(test::darkPalette());
        conversation.clear();
        window.resultsView()->clearSelection();
        window.resultsView()->setCurrentIndex(QModelIndex());
        window.resultsView()->selectRow(0);
        if (!waitFor(conversation))
            return 1;
        QTest::qWait(300);
        if (!save(&window, out + QStringLiteral("/conversation-dark.png")))
            return 1;
        QApplication::setPalette(light);
    }

    // The Watched panel, with the states a user meets.
    {
        MessageStore &store = window.archive()->service()->store();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const auto add = [&](Snowflake id, bool guild, const QString &name, qint64 every, qint64 added, const QString &error,
                             int failures, bool paused) {
            Watch w;
            w.id = id;
            w.isGuild = guild;
            w.name = name;
            w.intervalSeconds = every;
            w.paused = paused;
            w.includeThreads = guild;
            w.nextRunMs = now + (failures ? 20 : 40) * 60 * 1000;
            if (!store.saveWatch(w))
                qWarning("the watch %s was not saved", qPrintable(name));
            w.lastRunMs = now - 20 * 60 * 1000;
            w.lastSuccessMs = failures ? now - 26 * 3600 * 1000 : w.lastRunMs;
            w.lastAdded = added;
            w.lastError = error;
            w.failures = failures;
            if (!store.recordWatchRun(w))
                qWarning("the run of %s was not recorded", qPrintable(name));
        };
        add(1070040462135873587, false, QStringLiteral("#general"), 3600, 214, {}, 0, false);
        add(1070040462135873500, true, QStringLiteral("Hikers"), 21600, 1873, {}, 0, false);
        add(1070040462135873590, false, QStringLiteral("#staff"), 3600, 0,
            QStringLiteral("The token has no access to channel 1070040462135873590: Discord answered \"forbidden\". "
                           "Check that the account can read it."), 3, false);
        add(1070040462135873601, false, QStringLiteral("#memes"), 86400, 57, {}, 0, true);
        auto *dock = window.findChild<QDockWidget *>(QStringLiteral("watchDock"));
        dock->show();
        QSignalSpy refreshed(window.watchPanel(), &WatchPanel::refreshed);
        window.watchPanel()->refresh();
        if (!waitFor(refreshed))
            return 1;
        QTest::qWait(300);
        if (!save(&window, out + QStringLiteral("/watched.png")))
            return 1;
        dock->hide();
    }

    ExportDialog dialog(window.archive()->service(), QString(), window.archive()->pool(), &window);
    dialog.setChannelIds(QStringLiteral("1070040462135873587"));
    dialog.show();
    QTest::qWait(500);
    if (!save(&dialog, out + QStringLiteral("/export-dialog.png")))
        return 1;
    dialog.hide();

    AboutDialog about(window.archive()->describe(), &window);
    about.show();
    QTest::qWait(300);
    return save(&about, out + QStringLiteral("/about.png")) ? 0 : 1;
}
