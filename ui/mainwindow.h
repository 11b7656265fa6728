#pragma once

#include "appsettings.h"
#include "dce/dceprogram.h"
#include "dce/exportheader.h"
#include "model/expected.h"
#include "model/searchrequest.h"
#include "store/messagestore.h"

#include <QMainWindow>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QCheckBox;
class QComboBox;
class QDateEdit;
class QLabel;
class QMessageBox;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QSystemTrayIcon;
class QTableView;
class QToolButton;
class QTreeWidget;
class QSplitter;

namespace fdd {

class ChannelTree;
class Pager;
class SearchBar;

class Archive;
class RestServerPool;
class ConversationView;
class ImportTask;
class ResultsModel;
class ResultsExportDialog;
class TimelineChart;
class WatchPanel;

// The search window: a search bar, the channels, a paged results table, the
// conversation of the selected message and a timeline of matches. Every
// database call goes through Archive, off the GUI thread.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Opens the archive of the settings (or, for tests, the service given).
    void openArchive(const AppSettings &settings);
    Archive *archive() const { return m_archive; }

    // What tests drive and look at.
    ResultsModel *resultsModel() const { return m_model; }
    QTableView *resultsView() const { return m_table; }
    ConversationView *conversation() const { return m_conversation; }
    TimelineChart *timeline() const { return m_timeline; }
    WatchPanel *watchPanel() const { return m_watchPanel; }
    // File → Export All Results…: opens (or brings back) its dialog for the search on screen.
    ResultsExportDialog *openResultsExport();
    QAction *exportResultsAction() const { return m_exportResultsAction; }
    QLineEdit *termEdit() const;
    QComboBox *modeBox() const;
    QString statusText() const;
    QString pageText() const;
    // With salvage, files that end part-way are imported up to their last whole message.
    void importPaths(const QStringList &paths, bool salvage = false);
    // The zone whose calendar days the dates and the timeline are (default: the system's).
    void setTimeZone(const QByteArray &zone) { m_zone = zone; }
    void search();
    void goToPage(int page);
    // Narrows searches to the dates; invalid dates remove the narrowing.
    void setDateRange(const QDate &from, const QDate &to);
    SearchBar *searchBar() const { return m_searchBar; }
    // The port the in-app REST API listens on, 0 when it is off.
    quint16 apiPort() const { return m_apiPort; }

signals:
    void archiveReady();
    // The in-app REST API was started, stopped or refused (apiPort()).
    void apiStateChanged();
    void pageShown();            // a page of results is in the table
    void searchFailed(const QString &sentence);
    void conversationShown();
    // Files were refused because they end part-way; the question is open.
    void salvageOffered(QMessageBox *question);
    void timelineShown();
    // The archive's authors and channels reached the search bar's completion.
    void completionsLoaded();
    void importFinished();

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void buildActions();
    void buildLayout();
    void runSearch(int page, bool newQuery);
    void showSelected();
    void loadConversation(Snowflake messageId, int before, int after);
    void refreshChannels();
    // The welcome page for an empty archive; `greet` also says what is in it.
    void showArchiveState(bool greet);
    void offerSalvage(const QList<std::pair<QString, CutOff>> &files);
    void importSample();
    void chooseImportFiles();
    void chooseImportFolder();
    void openExportDialog();
    void openSettings();
    void saveResults();
    void copyRows();
    void updatePager();
    void showResultCount();
    // The furthest page a user can go to now (the next one, while counting).
    int lastReachablePage() const;
    void applyApiSettings();
    // Reads the API key from the keychain, then applies the API settings.
    void loadApiKeyAndApply();
    // Runs `then` once m_settings.apiKey holds the keychain's key (read once);
    // `problem` says why the keychain could not be used, if it could not.
    void withApiKey(std::function<void(const std::optional<Error> &problem)> then);
    QStringList highlightTerms() const;
    // The "Watched" dock, the channel tree's "Watch" menu and the tray icon.
    void buildWatching();
    Expected<DceProgram> locateDce() const;

    Archive *m_archive;
    AppSettings m_settings;
    ResultsModel *m_model;
    ImportTask *m_import = nullptr;

    SearchBar *m_searchBar;
    ChannelTree *m_channels;
    QStackedWidget *m_stack;
    QTableView *m_table;
    TimelineChart *m_timeline;
    ConversationView *m_conversation;
    QSplitter *m_splitter;
    QSplitter *m_resultsSplitter;
    Pager *m_pager;
    QLabel *m_storeLabel;
    QLabel *m_resultLabel;
    QProgressBar *m_importProgress;
    QToolButton *m_importCancel;
    QLabel *m_welcomeText;
    QLabel *m_apiLabel = nullptr;
    WatchPanel *m_watchPanel = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    QByteArray m_zone; // for tests: the zone of the window's days; empty: the system's
    bool m_apiKeyLoaded = false; // m_settings.apiKey holds the keychain's key
    std::unique_ptr<RestServerPool> m_api;
    quint16 m_apiPort = 0;

    QAction *m_importAction = nullptr;
    QAction *m_exportAction = nullptr;
    QAction *m_saveAction = nullptr;
    QAction *m_exportResultsAction = nullptr;
    ResultsExportDialog *m_resultsExport = nullptr;
    QAction *m_nextAction = nullptr;
    QAction *m_previousAction = nullptr;

    SearchRequest m_request;   // the query on screen
    quint64 m_searchSeq = 0;   // answers to older searches are dropped
    quint64 m_querySeq = 0;    // and timelines of older queries
    quint64 m_contextSeq = 0;
    bool m_hasQuery = false;
    // The query's total once known: from its first page, or the sum of its
    // timeline when that page came before the count (−1 until then).
    qint64 m_total = -1;
    QHash<Snowflake, QString> m_channelFilters; // what in: says for each channel
    QStringList m_channelNames;
    quint64 m_shownQuery = 0; // the query whose page the table shows
    qint64 m_elapsedMs = 0;
    CacheStatus m_cacheStatus = CacheStatus::Off;
};

} // namespace fdd
