#include "mainwindow.h"

#include "aboutdialog.h"
#include "apikeystore.h"
#include "archive.h"
#include "channeltree.h"
#include "conversationview.h"
#include "pager.h"
#include "searchbar.h"
#include "media/medialibrary.h"
#include "exportdialog.h"
#include "highlightdelegate.h"
#include "importtask.h"
#include "resultsmodel.h"
#include "resultsexportdialog.h"
#include "settingsdialog.h"
#include "timelinechart.h"
#include "watchpanel.h"

#include "server/restserverpool.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateEdit>
#include <QDir>
#include <QDockWidget>
#include <QSystemTrayIcon>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScopeGuard>
#include <QSaveFile>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolBar>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

// The sample export lives in this static library's resources.
static void initResources()
{
    Q_INIT_RESOURCE(resources);
}

namespace fdd {

namespace {

enum Page { WelcomePage, ResultsPage };

QString number(qint64 n)
{
    return QLocale().toString(n);
}

} // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_archive(new Archive(this))
    , m_model(new ResultsModel(this))
    , m_searchBar(new SearchBar(this))
    , m_channels(new ChannelTree(this))
    , m_stack(new QStackedWidget(this))
    , m_table(new QTableView(this))
    , m_timeline(new TimelineChart(this))
    , m_conversation(new ConversationView(this))
    , m_splitter(new QSplitter(Qt::Horizontal, this))
    , m_resultsSplitter(new QSplitter(Qt::Vertical, this))
    , m_pager(new Pager(this))
    , m_storeLabel(new QLabel(this))
    , m_resultLabel(new QLabel(this))
    , m_importProgress(new QProgressBar(this))
    , m_importCancel(new QToolButton(this))
    , m_welcomeText(new QLabel(this))
{
    setWindowTitle(tr("FastDiscordDB"));
    setObjectName(QStringLiteral("mainWindow"));
    setAcceptDrops(true);
    initResources();
    buildActions();
    buildLayout();
    buildWatching();

    connect(m_archive, &Archive::opened, this, [this] {
        m_storeLabel->setText(m_archive->describe());
        refreshChannels();
        showArchiveState(true);
        loadApiKeyAndApply();
        const Expected<DceProgram> dce = locateDce();
        m_watchPanel->setArchive(m_archive->service(), dce ? *dce : DceProgram{}, dce ? QString() : dce.error().message);
        m_conversation->setMediaRoot(MediaLibrary::defaultRoot(m_archive->service()->store()));
        emit archiveReady();
    });
    // New messages: the channel counts change; the results on screen stay
    // until the user searches again (the status bar says so).
    connect(m_archive, &Archive::changed, this, [this] {
        refreshChannels();
        showArchiveState(false);
    });

    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    m_splitter->restoreState(s.value(QStringLiteral("window/splitter")).toByteArray());
    m_resultsSplitter->restoreState(s.value(QStringLiteral("window/resultsSplitter")).toByteArray());
}

MainWindow::~MainWindow()
{
    m_api.reset();
    m_watchPanel->stop(); // cancels a running update: nothing half-imported
    if (m_import)
        m_import->cancel();
    m_archive->pool()->waitForDone(); // no worker outlives what it reports to
}

void MainWindow::buildActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    m_importAction = file->addAction(QIcon::fromTheme(QStringLiteral("document-import")), tr("&Import Exports…"),
                                     this, &MainWindow::chooseImportFiles);
    m_importAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
    m_importAction->setToolTip(tr("Import DiscordChatExporter JSON exports (Ctrl+I); you can also drop files or folders on the window"));
    file->addAction(tr("Import a &Folder…"), this, &MainWindow::chooseImportFolder);
    m_exportAction = file->addAction(QIcon::fromTheme(QStringLiteral("document-export")), tr("&Export from Discord…"),
                                     this, &MainWindow::openExportDialog);
    m_exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_exportAction->setToolTip(tr("Export channels with DiscordChatExporter and archive them (Ctrl+E)"));
    file->addSeparator();
    m_saveAction = file->addAction(tr("&Save This Page As…"), this, &MainWindow::saveResults);
    m_saveAction->setShortcut(QKeySequence::Save);
    m_saveAction->setEnabled(false);
    m_exportResultsAction = file->addAction(tr("Export &All Results…"), this, [this] { openResultsExport(); });
    m_exportResultsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    m_exportResultsAction->setToolTip(tr("Every match of the search, with context if you like, as CSV, JSON, NDJSON or Markdown"));
    m_exportResultsAction->setEnabled(false);
    file->addSeparator();
    file->addAction(tr("&Settings…"), this, &MainWindow::openSettings)->setShortcut(QKeySequence::Preferences);
    file->addSeparator();
    file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *find = edit->addAction(tr("&Find"), m_searchBar, &SearchBar::focusTerm);
    find->setShortcut(QKeySequence::Find);
    QAction *copy = edit->addAction(tr("&Copy Selected Results"), this, &MainWindow::copyRows);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_table->addAction(copy);

    QMenu *go = menuBar()->addMenu(tr("&Go"));
    go->addAction(tr("First Page"), this, [this] { goToPage(1); })->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Home));
    m_previousAction = go->addAction(tr("Previous Page"), this, [this] { goToPage(m_request.page - 1); });
    m_previousAction->setShortcut(QKeySequence(Qt::Key_PageUp));
    m_nextAction = go->addAction(tr("Next Page"), this, [this] { goToPage(m_request.page + 1); });
    m_nextAction->setShortcut(QKeySequence(Qt::Key_PageDown));
    go->addAction(tr("Last Page"), this, [this] { goToPage(m_model->page().totalPages()); })
        ->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_End));

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About FastDiscordDB"), this, [this] {
        auto *about = new AboutDialog(m_archive->describe(), this);
        about->setAttribute(Qt::WA_DeleteOnClose);
        about->open();
    });

    QToolBar *bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_importAction);
    bar->addAction(m_exportAction);
}

void MainWindow::buildLayout()
{
    // The search bar and the channels: what to search, and where.
    connect(m_searchBar, &SearchBar::searchRequested, this, &MainWindow::search);
    connect(m_searchBar, &SearchBar::sortChanged, this, [this] {
        if (m_hasQuery)
            runSearch(1, false);
    });
    connect(m_channels, &ChannelTree::channelChosen, this, [this] {
        // In the search language the text says where: the tree writes its in:.
        if (m_searchBar->isQueryMode()) {
            const Snowflake id = m_channels->currentChannel();
            m_searchBar->setFilter(QStringLiteral("in"), id ? m_channelFilters.value(id, QString::number(id)) : QString());
        }
        if (m_hasQuery)
            runSearch(1, true);
    });

    // The results: the table and its pager over the timeline.
    m_table->setModel(m_model);
    m_table->setObjectName(QStringLiteral("results"));
    m_table->setItemDelegateForColumn(ResultsModel::Content, new HighlightDelegate(m_table));
    m_table->setItemDelegateForColumn(ResultsModel::Markers, new MarkersDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->setColumnWidth(ResultsModel::Time, m_table->fontMetrics().horizontalAdvance(QStringLiteral("2024-04-26 18:03__")));
    m_table->setColumnWidth(ResultsModel::ChannelName, 110);
    m_table->setColumnWidth(ResultsModel::Author, 110);
    m_table->setColumnWidth(ResultsModel::Markers, m_table->fontMetrics().horizontalAdvance(QStringLiteral("📎2 🔗 👍3 📌 ↩")) + 12);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &MainWindow::showSelected);

    m_pager->setPageSize(m_settings.pageSize);
    connect(m_pager, &Pager::pageRequested, this, &MainWindow::goToPage);
    connect(m_pager, &Pager::pageSizeChosen, this, [this](int size) {
        m_settings.pageSize = size;
        m_settings.save();
        if (m_hasQuery)
            runSearch(1, false);
    });
    auto *tablePane = new QWidget(this);
    auto *tableLayout = new QVBoxLayout(tablePane);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addWidget(m_table, 1);
    tableLayout->addWidget(m_pager);
    m_resultsSplitter->addWidget(tablePane);
    m_resultsSplitter->addWidget(m_timeline);
    m_resultsSplitter->setStretchFactor(0, 3);
    m_resultsSplitter->setStretchFactor(1, 1);
    connect(m_timeline, &TimelineChart::rangeChosen, this, [this](const QDate &from, const QDate &to) {
        m_searchBar->setDateRange(from, to);
        runSearch(1, true);
    });

    // The first run: what to do.
    auto *welcome = new QWidget(this);
    auto *welcomeLayout = new QVBoxLayout(welcome);
    m_welcomeText->setWordWrap(true);
    m_welcomeText->setAlignment(Qt::AlignCenter);
    m_welcomeText->setTextFormat(Qt::RichText);
    auto *sample = new QPushButton(tr("Import the Sample Export"), this);
    sample->setObjectName(QStringLiteral("importSample"));
    auto *importButton = new QPushButton(tr("Import Exports…"), this);
    auto *exportButton = new QPushButton(tr("Export from Discord…"), this);
    connect(sample, &QPushButton::clicked, this, &MainWindow::importSample);
    connect(importButton, &QPushButton::clicked, this, &MainWindow::chooseImportFiles);
    connect(exportButton, &QPushButton::clicked, this, &MainWindow::openExportDialog);
    auto *welcomeButtons = new QHBoxLayout;
    welcomeButtons->addStretch(1);
    welcomeButtons->addWidget(sample);
    welcomeButtons->addWidget(importButton);
    welcomeButtons->addWidget(exportButton);
    welcomeButtons->addStretch(1);
    welcomeLayout->addStretch(1);
    welcomeLayout->addWidget(m_welcomeText);
    welcomeLayout->addLayout(welcomeButtons);
    welcomeLayout->addStretch(2);
    m_stack->addWidget(welcome);
    m_stack->addWidget(m_resultsSplitter);

    m_splitter->addWidget(m_channels);
    m_splitter->addWidget(m_stack);
    m_splitter->addWidget(m_conversation);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 3);
    m_splitter->setStretchFactor(2, 2);
    m_splitter->setSizes({190, 780, 430});
    connect(m_conversation, &ConversationView::moreRequested, this, &MainWindow::loadConversation);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_searchBar);
    layout->addWidget(m_splitter, 1);
    setCentralWidget(central);

    m_storeLabel->setObjectName(QStringLiteral("storeLabel"));
    m_resultLabel->setObjectName(QStringLiteral("resultLabel"));
    m_importProgress->setMaximumWidth(220);
    m_importProgress->setVisible(false);
    m_importCancel->setText(tr("Cancel"));
    m_importCancel->setVisible(false);
    connect(m_importCancel, &QToolButton::clicked, this, [this] {
        if (m_import)
            m_import->cancel();
    });
    statusBar()->addWidget(m_resultLabel, 1);
    statusBar()->addPermanentWidget(m_importProgress);
    statusBar()->addPermanentWidget(m_importCancel);
    m_apiLabel = new QLabel(this);
    m_apiLabel->setObjectName(QStringLiteral("apiLabel"));
    m_apiLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusBar()->addPermanentWidget(m_apiLabel);
    statusBar()->addPermanentWidget(m_storeLabel);
    updatePager();
    resize(1280, 780);
}

void MainWindow::openArchive(const AppSettings &settings)
{
    m_settings = settings;
    m_apiKeyLoaded = !settings.apiKey.isEmpty(); // else read from the keychain once open
    m_pager->setPageSize(settings.pageSize);
    m_storeLabel->setText(tr("Opening the archive…"));
    m_archive->open(settings).then(this, [this](const Expected<std::shared_ptr<SearchService>> &service) {
        if (!service) {
            m_storeLabel->setText(tr("No archive"));
            m_resultLabel->setText(service.error().message);
            QMessageBox::warning(this, tr("The archive cannot be opened"),
                                 tr("%1\n\nCheck the archive's address in Settings.").arg(service.error().message));
            return;
        }
        m_archive->use(*service);
    });
}

void MainWindow::refreshChannels()
{
    m_archive->guilds().then(this, [this](const Expected<QList<Guild>> &guilds) {
        const QList<Guild> known = guilds ? *guilds : QList<Guild>();
        m_archive->channels().then(this, [this, known](const Expected<QList<Channel>> &channels) {
            if (!channels)
                return;
            m_model->setChannels(*channels);
            m_channels->setChannels(known, *channels);
            // in: by name where the name is the channel's alone, else by id.
            QHash<QString, int> uses;
            for (const Channel &c : *channels)
                ++uses[c.name.toLower()];
            m_channelFilters.clear();
            QStringList names;
            for (const Channel &c : *channels) {
                const bool unique = !c.name.isEmpty() && uses.value(c.name.toLower()) == 1;
                m_channelFilters.insert(c.id, unique ? c.name.toLower() : QString::number(c.id));
                if (unique)
                    names << c.name.toLower();
            }
            names.sort();
            m_channelNames = names;
            m_archive->authors(500).then(this, [this](const Expected<QList<Author>> &authors) {
                QStringList people;
                if (authors)
                    for (const Author &a : *authors)
                        for (const QString &name : {a.name.toLower(), a.nickname.toLower()})
                            if (!name.isEmpty() && !people.contains(name))
                                people << name;
                m_searchBar->setCompletions(people, m_channelNames);
                emit completionsLoaded();
            });
        });
    });
}

void MainWindow::showArchiveState(bool greet)
{
    m_archive->stats().then(this, [this, greet](const Expected<StoreStats> &stats) {
        const bool empty = stats && stats->messages == 0;
        if (empty) {
            m_welcomeText->setText(tr("<h2>Your archive is empty</h2>"
                                      "<p>Import the JSON exports DiscordChatExporter made (drop files or folders "
                                      "here, or press Ctrl+I), export channels from Discord with your token "
                                      "(Ctrl+E), or try the bundled sample first.</p>"));
            m_stack->setCurrentIndex(WelcomePage);
        } else {
            m_stack->setCurrentIndex(ResultsPage);
            if (stats && greet && !m_hasQuery)
                m_resultLabel->setText(tr("%1 in %2. Type a search (a word, \"exact text\", from:name, has:image) and press Enter.")
                                           .arg(stats->messages == 1 ? tr("1 message") : tr("%1 messages").arg(number(stats->messages)),
                                                stats->channels == 1 ? tr("1 channel") : tr("%1 channels").arg(number(stats->channels))));
        }
    });
}

QStringList MainWindow::highlightTerms() const
{
    if (m_request.kind == SearchRequest::Kind::Date || m_request.text.isEmpty())
        return {};
    if (m_request.kind == SearchRequest::Kind::Substring)
        return {m_request.text};
    QStringList plain;
    QString spoken = m_request.text;
    if (m_request.kind == SearchRequest::Kind::Query) {
        // A query's exact texts as they are, its words as full text.
        const std::function<void(const Query &)> collect = [&](const Query &q) {
            if (q.kind == Query::Kind::Exact)
                plain << q.text;
            if (q.kind == Query::Kind::And || q.kind == Query::Kind::Or)
                for (const Query &c : q.children)
                    collect(c);
        };
        collect(m_request.query);
        spoken = m_request.query.positiveWords().join(QLatin1Char(' '));
    }
    // Full text matches stems: highlight each word without its English ending.
    QStringList words = plain;
    for (QString w : spoken.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        for (const char *ending : {"ing", "ed", "es", "s"})
            if (w.size() > 4 && w.endsWith(QLatin1String(ending), Qt::CaseInsensitive)) {
                w.chop(qsizetype(qstrlen(ending)));
                break;
            }
        words << w;
    }
    return words;
}

void MainWindow::search()
{
    runSearch(1, true);
}

void MainWindow::goToPage(int page)
{
    if (!m_hasQuery || page < 1 || page > lastReachablePage() || page == m_request.page)
        return;
    runSearch(page, false);
}

void MainWindow::runSearch(int page, bool newQuery)
{
    SearchRequest r;
    m_searchBar->fill(r);
    if (r.kind != SearchRequest::Kind::Query) // a query names its channel itself
        r.channelId = m_channels->currentChannel();
    r.page = page;
    r.pageSize = m_pager->pageSize();
    // The window shows local times: its dates and the timeline's days are the user's calendar days.
    r.zone = m_zone.isEmpty() ? QTimeZone::systemTimeZoneId() : m_zone;
    if (r.text.isEmpty() && r.kind != SearchRequest::Kind::Date) {
        m_resultLabel->setText(tr("Type something to search for, or choose \"Date range\"."));
        m_searchBar->termEdit()->setFocus();
        return;
    }
    Expected<SearchRequest> valid = SearchService::validate(r);
    if (!valid) {
        m_resultLabel->setText(valid.error().message);
        emit searchFailed(valid.error().message);
        return;
    }
    m_request = *valid;
    if (newQuery && r.kind == SearchRequest::Kind::Query)
        m_searchBar->remember(r.text);
    // The page first; a frequent term's count over millions of messages
    // comes with the timeline.
    m_request.exactTotal = false;
    m_hasQuery = true;
    if (newQuery)
        m_total = -1;
    m_stack->setCurrentIndex(ResultsPage);
    const quint64 seq = ++m_searchSeq;
    const quint64 query = newQuery ? ++m_querySeq : m_querySeq;
    m_resultLabel->setText(tr("Searching…"));
    m_archive->search(m_request).then(this, [this, seq, query](const Expected<SearchPage> &page) {
        if (seq != m_searchSeq)
            return; // a newer search or page replaced this one
        if (!page) {
            m_resultLabel->setText(page.error().message);
            emit searchFailed(page.error().message);
            return;
        }
        SearchPage shown = *page;
        if (shown.totalKnown())
            m_total = shown.totalCount;
        else
            shown.totalCount = m_total; // known already from the timeline, or still −1
        m_model->setPage(shown, highlightTerms());
        m_shownQuery = query;
        m_table->scrollToTop();
        m_elapsedMs = page->elapsedMs;
        m_cacheStatus = page->cache;
        showResultCount();
        m_saveAction->setEnabled(!page->messages.isEmpty());
        m_exportResultsAction->setEnabled(!page->messages.isEmpty());
        updatePager();
        if (m_model->rowCount() > 0)
            m_table->selectRow(0);
        else
            m_conversation->clear();
        emit pageShown();
    });
    if (newQuery) {
        SearchRequest whole = m_request;
        m_timeline->clear();
        m_archive->countByDay(whole).then(this, [this, query](const Expected<QList<DayCount>> &days) {
            if (query != m_querySeq)
                return;
            if (days) {
                m_timeline->setDays(*days);
                qint64 total = 0;
                for (const DayCount &d : *days)
                    total += d.count;
                m_total = total;
                if (m_shownQuery == query && !m_model->page().totalKnown()) {
                    m_model->setTotalCount(total);
                    showResultCount();
                    updatePager();
                }
            }
            emit timelineShown();
        });
    }
}

void MainWindow::showResultCount()
{
    const SearchPage &p = m_model->page();
    const QString cache = m_cacheStatus == CacheStatus::Hit ? tr("cache hit")
                        : m_cacheStatus == CacheStatus::Miss ? tr("cache miss")
                                                             : tr("no cache");
    const QString count = !p.totalKnown()     ? tr("Counting matches…")
                        : p.totalCount == 0 ? tr("No messages found")
                        : p.totalCount == 1 ? tr("1 match")
                                            : tr("%1 matches").arg(number(p.totalCount));
    m_resultLabel->setText(count + tr(" · %1 ms · %2").arg(m_elapsedMs).arg(cache));
}

int MainWindow::lastReachablePage() const
{
    const SearchPage &p = m_model->page();
    if (p.totalKnown())
        return std::max(1, p.totalPages());
    // Before the count is in, the pages are known as far as the next one.
    return m_request.page + (p.messages.size() == p.pageSize ? 1 : 0);
}

void MainWindow::updatePager()
{
    const SearchPage &p = m_model->page();
    if (!p.totalKnown()) {
        const bool more = lastReachablePage() > m_request.page;
        m_pager->setOpenEnded(m_request.page, more);
        m_previousAction->setEnabled(m_request.page > 1);
        m_nextAction->setEnabled(more);
        return;
    }
    const int pages = p.totalPages();
    const int page = pages == 0 ? 0 : m_request.page;
    m_pager->setPage(page, pages);
    m_previousAction->setEnabled(page > 1);
    m_nextAction->setEnabled(page < pages);
}

void MainWindow::setDateRange(const QDate &from, const QDate &to)
{
    m_searchBar->setDateRange(from, to);
}

QLineEdit *MainWindow::termEdit() const
{
    return m_searchBar->termEdit();
}

QComboBox *MainWindow::modeBox() const
{
    return m_searchBar->modeBox();
}

QString MainWindow::statusText() const
{
    return m_resultLabel->text();
}

QString MainWindow::pageText() const
{
    return m_pager->text();
}

void MainWindow::showSelected()
{
    const QModelIndex current = m_table->currentIndex();
    if (!current.isValid()) {
        m_conversation->clear();
        return;
    }
    const Message m = m_model->message(current.row());
    m_conversation->showLoading(m);
    loadConversation(m.id, 10, 10);
}

void MainWindow::loadConversation(Snowflake messageId, int before, int after)
{
    const quint64 seq = ++m_contextSeq;
    m_archive->context(messageId, before, after).then(this, [this, seq](const Expected<MessageContext> &c) {
        if (seq != m_contextSeq)
            return; // another message was selected meanwhile
        if (!c) {
            m_conversation->showError(c.error().message);
            return;
        }
        m_conversation->showContext(*c, m_model->channelName(c->message.channelId), highlightTerms());
        emit conversationShown();
    });
}

void MainWindow::copyRows()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (!rows.isEmpty())
        QApplication::clipboard()->setText(m_model->toText(rows));
}

ResultsExportDialog *MainWindow::openResultsExport()
{
    if (!m_archive->isOpen())
        return nullptr;
    if (!m_resultsExport || !m_resultsExport->isExporting()) {
        delete m_resultsExport;
        SearchRequest request = m_request;
        request.page = 1;
        m_resultsExport = new ResultsExportDialog(m_archive->service(), request, m_archive->pool(), this);
    }
    m_resultsExport->show();
    m_resultsExport->raise();
    m_resultsExport->activateWindow();
    return m_resultsExport;
}

void MainWindow::saveResults()
{
    QString filter;
    const QString path = QFileDialog::getSaveFileName(this, tr("Save This Page of Results"),
                                                      QDir::home().filePath(QStringLiteral("results.csv")),
                                                      tr("CSV (*.csv);;JSON (*.json)"), &filter);
    if (path.isEmpty())
        return;
    QSaveFile file(path);
    const bool json = path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive) || filter.startsWith(QLatin1String("JSON"));
    if (!file.open(QIODevice::WriteOnly) || file.write(json ? m_model->toJson() : m_model->toCsv()) < 0 || !file.commit())
        QMessageBox::warning(this, tr("Not saved"), tr("%1 could not be written: %2").arg(path, file.errorString()));
}

void MainWindow::importPaths(const QStringList &paths, bool salvage)
{
    if (!m_archive->isOpen() || paths.isEmpty())
        return;
    if (m_import && m_import->isRunning()) {
        QMessageBox::information(this, tr("Import in progress"), tr("Wait for the current import to finish, or cancel it."));
        return;
    }
    delete m_import;
    m_import = new ImportTask(m_archive->service(), m_archive->pool(), this);
    m_importProgress->setValue(0);
    m_importProgress->setVisible(true);
    m_importCancel->setVisible(true);
    m_importAction->setEnabled(false);
    connect(m_import, &ImportTask::progress, this, [this](int percent, const QString &label) {
        m_importProgress->setValue(percent);
        m_importProgress->setToolTip(label);
        m_importProgress->setFormat(QStringLiteral("%p% ") + label.section(QLatin1Char(' '), 1, 1));
    });
    connect(m_import, &ImportTask::finished, this, [this](const ImportSummary &s) {
        m_importProgress->setVisible(false);
        m_importCancel->setVisible(false);
        m_importAction->setEnabled(true);
        QString text = s.cancelled ? tr("Import cancelled: %1 new messages were archived before it stopped.").arg(number(s.inserted))
                                   : tr("Imported %n file(s): ", nullptr, s.files)
                                         + tr("%1 new messages, %2 already archived, %3 failed.")
                                               .arg(number(s.inserted), number(s.skipped))
                                               .arg(s.failed);
        if (!s.salvaged.isEmpty())
            text += QLatin1Char(' ') + s.salvaged.join(QLatin1Char(' '));
        if (m_hasQuery && s.inserted > 0)
            text += tr(" Press Enter to search them too.");
        m_resultLabel->setText(text);
        if (!s.errors.isEmpty())
            QMessageBox::warning(this, tr("Some files were not imported"),
                                 text + QStringLiteral("\n\n") + s.errors.mid(0, 10).join(QStringLiteral("\n\n")));
        if (!s.cutOff.isEmpty())
            offerSalvage(s.cutOff);
        if (s.inserted > 0)
            emit m_archive->changed();
        emit importFinished();
    });
    m_import->start(paths, salvage);
}

void MainWindow::offerSalvage(const QList<std::pair<QString, CutOff>> &files)
{
    QStringList lines, paths;
    qint64 messages = 0;
    for (const auto &[path, cut] : files) {
        lines << tr("%1 ends at byte %2, after %n complete message(s).", nullptr, int(cut.completeMessages))
                     .arg(QFileInfo(path).fileName(), QLocale().toString(cut.offset));
        paths << path;
        messages += cut.completeMessages;
    }
    auto *question = new QMessageBox(QMessageBox::Question, tr("Import what is there?"),
                                     lines.join(QLatin1Char('\n')) + QStringLiteral("\n\n")
                                         + tr("Its writer stopped part-way (DiscordChatExporter was stopped, or the disk was full). "
                                              "Import the complete messages? Importing the whole file later adds the rest."),
                                     QMessageBox::Yes | QMessageBox::No, this);
    question->setObjectName(QStringLiteral("salvageQuestion"));
    question->setAttribute(Qt::WA_DeleteOnClose);
    question->button(QMessageBox::Yes)->setText(tr("Import %n Message(s)", nullptr, int(messages)));
    question->button(QMessageBox::No)->setText(tr("Leave It"));
    connect(question, &QMessageBox::finished, this, [this, question, paths] {
        if (question->clickedButton() == question->button(QMessageBox::Yes))
            importPaths(paths, true);
    });
    question->open();
    emit salvageOffered(question);
}

void MainWindow::importSample()
{
    // The sample ships inside the binary; the importer reads files.
    static QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sample-export.json"));
    QFile::remove(path);
    if (!QFile::copy(QStringLiteral(":/sample/sample-export.json"), path)) {
        QMessageBox::warning(this, tr("No sample"), tr("The sample export could not be unpacked into %1.").arg(dir.path()));
        return;
    }
    importPaths({path});
}

void MainWindow::chooseImportFiles()
{
    const QStringList files = QFileDialog::getOpenFileNames(this, tr("Import DiscordChatExporter Exports"), QDir::homePath(),
                                                            tr("JSON exports (*.json);;All files (*)"));
    importPaths(files);
}

void MainWindow::chooseImportFolder()
{
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Import Every Export in a Folder"), QDir::homePath());
    if (!folder.isEmpty())
        importPaths({folder});
}

void MainWindow::openExportDialog()
{
    if (!m_archive->isOpen())
        return;
    auto *dialog = new ExportDialog(m_archive->service(), m_settings.dcePath, m_archive->pool(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ExportDialog::exported, m_archive, &Archive::changed);
    connect(dialog, &ExportDialog::watchRequested, this, [this](const QList<Snowflake> &channels, qint64 every) {
        for (Snowflake id : channels)
            m_watchPanel->addWatch(id, false, every, false);
    });
    dialog->open();
}

void MainWindow::openSettings()
{
    // The dialog shows the API key: it is read first.
    withApiKey([this](const std::optional<Error> &) {
        SettingsDialog dialog(m_settings, m_archive->pool(), this);
        if (dialog.exec() != QDialog::Accepted)
            return;
        const AppSettings chosen = dialog.settings();
        chosen.save();
        if (chosen.apiKey != m_settings.apiKey) {
            apikeystore::save(chosen.apiKey, this, [this](Expected<void> saved) {
                if (!saved)
                    QMessageBox::warning(this, tr("API key not saved"),
                                         tr("%1 The API uses the key until the app closes.").arg(saved.error().message));
            });
        }
        openArchive(chosen);
        m_apiKeyLoaded = true; // the dialog's key, even an empty one, is the one to use
    });
}

void MainWindow::withApiKey(std::function<void(const std::optional<Error> &problem)> then)
{
    if (m_apiKeyLoaded) {
        then(std::nullopt);
        return;
    }
    apikeystore::load(this, [this, then = std::move(then)](const QString &key, const std::optional<Error> &problem) {
        m_settings.apiKey = key;
        m_apiKeyLoaded = true;
        then(problem);
    });
}

void MainWindow::loadApiKeyAndApply()
{
    if (!m_settings.apiEnabled) {
        applyApiSettings();
        return;
    }
    withApiKey([this](const std::optional<Error> &problem) {
        applyApiSettings();
        if (problem)
            m_apiLabel->setToolTip(problem->message);
    });
}

void MainWindow::applyApiSettings()
{
    m_api.reset(); // stops the servers after the requests in flight
    m_apiPort = 0;
    m_apiLabel->clear();
    m_apiLabel->setToolTip({});
    const auto changed = qScopeGuard([this] { emit apiStateChanged(); });
    if (!m_settings.apiEnabled || !m_archive->isOpen())
        return;
    if (m_settings.apiAllInterfaces && m_settings.apiKey.isEmpty()) {
        m_apiLabel->setText(tr("API off: set an API key to serve other machines"));
        return;
    }
    RestServer::Options options;
    options.service = m_archive->service();
    options.redis = options.service->cache() ? options.service->cache()->redis() : nullptr;
    options.apiKey = m_settings.apiKey.toUtf8();
    options.rateLimit = options.redis ? 600 : 0;
    if (Expected<DceProgram> dce = locateDce())
        options.dce = *dce;
    else
        options.dceProblem = dce.error().message;
    auto pool = std::make_unique<RestServerPool>(options, 2);
    const QHostAddress address = m_settings.apiAllInterfaces ? QHostAddress(QHostAddress::Any) : QHostAddress(QHostAddress::LocalHost);
    Expected<quint16> port = pool->listen(address, quint16(m_settings.apiPort));
    if (!port) {
        m_apiLabel->setText(tr("API off: %1").arg(port.error().message));
        return;
    }
    m_api = std::move(pool);
    m_apiPort = *port;
    m_apiLabel->setText(tr("API: http://%1:%2/api/")
                            .arg(m_settings.apiAllInterfaces ? QStringLiteral("0.0.0.0") : QStringLiteral("127.0.0.1"))
                            .arg(*port));
}

Expected<DceProgram> MainWindow::locateDce() const
{
    return DceProgram::locate(m_settings.dcePath.isEmpty() ? qEnvironmentVariable("FDD_DCE") : m_settings.dcePath,
                              qEnvironmentVariable("FDD_DCE_DLL"));
}

void MainWindow::buildWatching()
{
    m_watchPanel = new WatchPanel(m_archive->pool(), this);
    auto *dock = new QDockWidget(tr("Watched"), this);
    dock->setObjectName(QStringLiteral("watchDock"));
    dock->setWidget(m_watchPanel);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    dock->hide();
    QAction *toggle = dock->toggleViewAction();
    toggle->setText(tr("&Watched Channels"));
    toggle->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W));
    menuBar()->insertMenu(menuBar()->actions().value(3), new QMenu(tr("&View"), this))->menu()->addAction(toggle);
    connect(m_watchPanel, &WatchPanel::archiveChanged, m_archive, &Archive::changed);

    // Right-click a channel or a server: watch it.
    connect(m_channels, &ChannelTree::watchRequested, this, [this, dock](Snowflake id, bool isGuild) {
        m_watchPanel->addWatch(id, isGuild, Watch::defaultIntervalSeconds, false);
        dock->show();
    });

    // Failures are told (not every run): in the tray while the window is closed, else in the status bar.
    connect(m_watchPanel, &WatchPanel::watchFailed, this, [this](const QString &name, const QString &sentence) {
        if (m_tray && m_tray->isVisible())
            m_tray->showMessage(tr("FastDiscordDB: %1 was not updated").arg(name), sentence, QSystemTrayIcon::Warning);
        else
            statusBar()->showMessage(tr("%1 was not updated: %2").arg(name, sentence), 15000);
    });
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    // Watched channels keep updating with the window closed, if the user wants.
    if (m_watchPanel->keepsRunningInBackground() && QSystemTrayIcon::isSystemTrayAvailable()) {
        if (!m_tray) {
            m_tray = new QSystemTrayIcon(windowIcon(), this);
            m_tray->setToolTip(tr("FastDiscordDB: keeping watched channels current"));
            auto *menu = new QMenu(this);
            menu->addAction(tr("&Show FastDiscordDB"), this, [this] { showNormal(); activateWindow(); m_tray->hide(); });
            menu->addAction(tr("&Quit"), qApp, &QApplication::quit);
            m_tray->setContextMenu(menu);
            connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason r) {
                if (r == QSystemTrayIcon::Trigger) {
                    showNormal();
                    activateWindow();
                    m_tray->hide();
                }
            });
        }
        m_tray->show();
        hide();
        event->ignore();
        return;
    }
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("window/splitter"), m_splitter->saveState());
    s.setValue(QStringLiteral("window/resultsSplitter"), m_resultsSplitter->saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    QStringList paths;
    for (const QUrl &url : event->mimeData()->urls())
        if (url.isLocalFile())
            paths << url.toLocalFile();
    importPaths(paths);
    event->acceptProposedAction();
}

} // namespace fdd
