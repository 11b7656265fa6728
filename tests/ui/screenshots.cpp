// Renders the README's screenshots of the real window: the first run, a
// search with its conversation and timeline, and the export dialog.
//   fdd-screenshots OUTPUT_DIR   (run under Xvfb by scripts/screenshots)
#include "aboutdialog.h"
#include "conversationview.h"
#include "exportdialog.h"
#include "archive.h"
#include "mainwindow.h"
#include "resultsmodel.h"

#include <QApplication>
#include <QIcon>
#include <QDir>
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
    window.termEdit()->setText(QStringLiteral("the"));
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
