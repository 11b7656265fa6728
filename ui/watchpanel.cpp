#include "watchpanel.h"

#include "secrets/keychain.h"
#include "watch/watchjson.h"
#include "watch/watchscheduler.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStyle>
#include <QTableWidget>
#include <QThreadPool>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace fdd {

namespace {

enum Column { NameColumn, EveryColumn, NextColumn, LastColumn, AddedColumn, StateColumn, ColumnCount };

QString when(qint64 ms)
{
    if (ms <= 0)
        return QObject::tr("never");
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), QLocale::ShortFormat);
}

// "in 40 min", "20 min ago", "in 5 h"; a date past a day.
QString relative(qint64 ms, qint64 now)
{
    if (ms <= 0)
        return QObject::tr("never");
    const qint64 minutes = (ms - now) / 60000;
    const qint64 size = std::abs(minutes);
    if (size >= 24 * 60)
        return when(ms);
    const QString amount = size < 1 ? QString() : size < 60 ? QObject::tr("%1 min").arg(size) : QObject::tr("%1 h").arg(size / 60);
    if (amount.isEmpty())
        return ms >= now ? QObject::tr("now") : QObject::tr("just now");
    return minutes >= 0 ? QObject::tr("in %1").arg(amount) : QObject::tr("%1 ago").arg(amount);
}

} // namespace

WatchPanel::WatchPanel(QThreadPool *pool, QWidget *parent)
    : QWidget(parent)
    , m_pool(pool)
    , m_table(new QTableWidget(0, ColumnCount, this))
    , m_add(new QPushButton(tr("&Add…"), this))
    , m_remove(new QPushButton(tr("&Remove"), this))
    , m_pause(new QPushButton(tr("&Pause"), this))
    , m_now(new QPushButton(tr("&Update now"), this))
    , m_background(new QCheckBox(tr("Keep updating while the window is closed"), this))
    , m_status(new QLabel(this))
{
    setObjectName(QStringLiteral("watchPanel"));
    m_table->setObjectName(QStringLiteral("watchTable"));
    m_table->setHorizontalHeaderLabels({tr("Channel or server"), tr("Every"), tr("Next run"), tr("Last run"), tr("Added"), tr("State")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    m_background->setToolTip(tr("Off by default. When on, closing the window leaves FastDiscordDB in the system tray "
                                "and the watched channels keep updating."));
    m_background->setChecked(QSettings().value(QStringLiteral("watch/background"), false).toBool());
    connect(m_background, &QCheckBox::toggled, this, [](bool on) { QSettings().setValue(QStringLiteral("watch/background"), on); });
    m_status->setWordWrap(true);

    auto *buttons = new QHBoxLayout;
    for (QPushButton *b : {m_add, m_remove, m_pause, m_now})
        buttons->addWidget(b);
    buttons->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(buttons);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_status);
    layout->addWidget(m_background);

    connect(m_add, &QPushButton::clicked, this, &WatchPanel::openAddDialog);
    connect(m_remove, &QPushButton::clicked, this, &WatchPanel::removeSelected);
    connect(m_pause, &QPushButton::clicked, this, &WatchPanel::togglePauseSelected);
    connect(m_now, &QPushButton::clicked, this, &WatchPanel::updateSelectedNow);
    const auto selectionChanged = [this] {
        const QList<Snowflake> ids = selectedIds();
        for (QPushButton *b : {m_remove, m_pause, m_now})
            b->setEnabled(!ids.isEmpty());
        const bool allPaused = !ids.isEmpty() && std::all_of(ids.cbegin(), ids.cend(), [this](Snowflake id) {
            return std::any_of(m_watches.cbegin(), m_watches.cend(), [id](const Watch &w) { return w.id == id && w.paused; });
        });
        m_pause->setText(allPaused ? tr("Res&ume") : tr("&Pause"));
    };
    connect(m_table, &QTableWidget::itemSelectionChanged, this, selectionChanged);
    connect(this, &WatchPanel::refreshed, this, selectionChanged);
    selectionChanged();
    for (QWidget *w : {static_cast<QWidget *>(m_add), static_cast<QWidget *>(m_table)})
        w->setEnabled(false);
    m_status->setText(tr("Open an archive to watch channels in it."));
    // "in 39 min" stays true while the panel is on screen.
    auto *tick = new QTimer(this);
    connect(tick, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
    });
    tick->start(30000);
}

WatchPanel::~WatchPanel()
{
    stop();
}

void WatchPanel::stop()
{
    if (m_token)
        m_token->close(); // this thread no longer answers the scheduler
    if (m_scheduler)
        m_scheduler->stop();
    m_scheduler.reset();
    m_token.reset();
}

bool WatchPanel::keepsRunningInBackground() const
{
    return m_background->isChecked() && !m_watches.isEmpty();
}

void WatchPanel::setArchive(std::shared_ptr<SearchService> service, DceProgram program, QString dceProblem)
{
    stop();
    m_service = std::move(service);
    m_add->setEnabled(true);
    m_table->setEnabled(true);
    WatchScheduler::Options o;
    o.service = m_service;
    o.program = std::move(program);
    m_token.emplace(Keychain::discordToken);
    o.token = [dceProblem, relay = *m_token]() -> Expected<QString> {
        if (!dceProblem.isEmpty())
            return Error::unavailable(dceProblem);
        // The scheduler's thread waits; the GUI's asks the keychain.
        Expected<std::optional<QString>> token = relay.read();
        if (!token)
            return token.error();
        if (!*token || (*token)->isEmpty())
            return Error::badInput(tr("No Discord token is saved: export once with \"Remember in the system keychain\" ticked, "
                                      "and the watched channels update with it."));
        return **token;
    };
    // From the scheduler's thread to this one.
    o.watchDone = [this](const Watch &w) {
        QMetaObject::invokeMethod(this, [this, w] {
            if (w.failures == 1)
                emit watchFailed(w.name.isEmpty() ? QString::number(w.id) : w.name, w.lastError);
            if (w.lastAdded > 0 && w.failures == 0)
                emit archiveChanged();
            refresh();
        }, Qt::QueuedConnection);
    };
    o.passDone = [this](const WatchRunReport &) { QMetaObject::invokeMethod(this, &WatchPanel::refresh, Qt::QueuedConnection); };
    m_scheduler = std::make_unique<WatchScheduler>(std::move(o));
    m_scheduler->start();
    refresh();
}

void WatchPanel::refresh()
{
    if (!m_service)
        return;
    std::shared_ptr<SearchService> service = m_service;
    QtConcurrent::run(m_pool, [service] { return service->store().watches(); })
        .then(this, [this](const Expected<QList<Watch>> &watches) {
            if (!watches) {
                m_status->setText(watches.error().message);
                return;
            }
            show(*watches);
            emit refreshed();
        });
}

void WatchPanel::show(const QList<Watch> &watches)
{
    const QList<Snowflake> selected = selectedIds();
    m_watches = watches;
    m_table->setRowCount(int(watches.size()));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    int failing = 0;
    for (int row = 0; row < watches.size(); ++row) {
        const Watch &w = watches.at(row);
        const QString state = watchState(w, now);
        failing += state == QLatin1String("failing");
        const QString name = w.name.isEmpty() ? QString::number(w.id) : w.name;
        const QString shownState = state == QLatin1String("failing") ? tr("Failing: %1").arg(w.lastError)
                                   : state == QLatin1String("paused") ? tr("Paused")
                                   : state == QLatin1String("overdue") ? tr("Overdue")
                                   : state == QLatin1String("due")     ? tr("Due")
                                   : w.lastError.isEmpty()             ? tr("Up to date")
                                                                       : w.lastError;
        const QStringList cells{(w.isGuild ? tr("Server %1") : tr("%1")).arg(name) + (w.includeThreads ? tr(" (with threads)") : QString()),
                                watchtime::formatInterval(w.intervalSeconds),
                                w.paused ? tr("paused") : w.nextRunMs <= now ? tr("now") : relative(w.nextRunMs, now),
                                relative(w.lastRunMs, now),
                                QLocale().toString(w.lastAdded),
                                shownState};
        for (int c = 0; c < ColumnCount; ++c) {
            auto *item = new QTableWidgetItem(cells.at(c));
            item->setData(Qt::UserRole, QVariant::fromValue(qulonglong(w.id)));
            if (c == StateColumn || c == NameColumn)
                item->setToolTip(w.lastError.isEmpty() ? QString::number(w.id) : w.lastError);
            if (c == NextColumn || c == LastColumn)
                item->setToolTip(when(c == NextColumn ? w.nextRunMs : w.lastRunMs));
            // An icon, not a colour: it reads on a dark theme as on a light one.
            if (c == StateColumn && state == QLatin1String("failing"))
                item->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
            m_table->setItem(row, c, item);
        }
        if (selected.contains(w.id))
            m_table->selectRow(row);
    }
    m_table->resizeColumnsToContents();
    m_status->setText(watches.isEmpty() ? tr("Nothing is watched yet. Add a channel or a server, or right-click a channel on the left.")
                      : failing ? (failing == 1 ? tr("1 watch is failing: hover over its state for why.")
                                                : tr("%1 watches are failing: hover over a state for why.").arg(failing))
                                : tr("%1 watched, updated while FastDiscordDB runs.").arg(watches.size()));
}

QList<Snowflake> WatchPanel::selectedIds() const
{
    QList<Snowflake> ids;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        ids.append(index.data(Qt::UserRole).toULongLong());
    return ids;
}

void WatchPanel::addWatch(Snowflake id, std::optional<bool> isGuild, qint64 intervalSeconds, bool includeThreads)
{
    if (!m_service)
        return;
    std::shared_ptr<SearchService> service = m_service;
    QtConcurrent::run(m_pool, [=]() -> Expected<Watch> {
        Expected<Watch> w = WatchRunner::prepare(service->store(), id, isGuild, intervalSeconds, includeThreads,
                                                 QDateTime::currentMSecsSinceEpoch());
        if (!w)
            return w;
        if (Expected<void> saved = service->store().saveWatch(*w); !saved)
            return saved.error();
        return w;
    }).then(this, [this](const Expected<Watch> &w) {
        if (!w) {
            m_status->setText(w.error().message);
            return;
        }
        if (m_scheduler)
            m_scheduler->wake();
        refresh();
    });
}

void WatchPanel::changeWatch(Snowflake id, const std::function<void(Watch &)> &change, bool runNow)
{
    const auto it = std::find_if(m_watches.cbegin(), m_watches.cend(), [id](const Watch &w) { return w.id == id; });
    if (it == m_watches.cend() || !m_service)
        return;
    Watch w = *it;
    change(w);
    std::shared_ptr<SearchService> service = m_service;
    QtConcurrent::run(m_pool, [service, w] { return service->store().saveWatch(w); }).then(this, [this, id, runNow](const Expected<void> &saved) {
        if (!saved)
            m_status->setText(saved.error().message);
        else if (m_scheduler && runNow)
            m_scheduler->runNow({id});
        else if (m_scheduler)
            m_scheduler->wake();
        refresh();
    });
}

void WatchPanel::removeSelected()
{
    std::shared_ptr<SearchService> service = m_service;
    const QList<Snowflake> ids = selectedIds();
    if (!service || ids.isEmpty())
        return;
    QtConcurrent::run(m_pool, [service, ids]() -> Expected<void> {
        for (Snowflake id : ids)
            if (Expected<bool> removed = service->store().removeWatch(id); !removed)
                return removed.error();
        return {};
    }).then(this, [this](const Expected<void> &done) {
        if (!done)
            m_status->setText(done.error().message);
        refresh();
    });
}

void WatchPanel::togglePauseSelected()
{
    const bool resume = m_pause->text() == tr("Res&ume");
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (Snowflake id : selectedIds())
        changeWatch(id, [&](Watch &w) {
            w.paused = !resume;
            if (resume)
                w.nextRunMs = std::min(w.nextRunMs, now);
        }, false);
}

void WatchPanel::updateSelectedNow()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (Snowflake id : selectedIds())
        changeWatch(id, [&](Watch &w) { w.nextRunMs = now; }, true);
    m_status->setText(tr("Updating…"));
}

void WatchPanel::openAddDialog()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Watch a channel or server"));
    auto *id = new QLineEdit(&dialog);
    id->setObjectName(QStringLiteral("watchId"));
    id->setPlaceholderText(tr("e.g. 1070040462135873587"));
    auto *kind = new QComboBox(&dialog);
    kind->addItems({tr("Channel"), tr("Server (all its channels, new ones too)")});
    auto *every = new QComboBox(&dialog);
    every->setObjectName(QStringLiteral("watchEvery"));
    const QList<std::pair<QString, qint64>> intervals{{tr("15 minutes"), 900}, {tr("hour"), 3600}, {tr("6 hours"), 21600},
                                                      {tr("day"), 86400}, {tr("week"), 7 * 86400}};
    for (const auto &[label, seconds] : intervals)
        every->addItem(tr("Every %1").arg(label), seconds);
    every->setCurrentIndex(1);
    auto *threads = new QCheckBox(tr("Threads too"), &dialog);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    auto *form = new QFormLayout(&dialog);
    form->addRow(tr("&Id:"), id);
    form->addRow(tr("&Kind:"), kind);
    form->addRow(tr("&Update:"), every);
    form->addRow(QString(), threads);
    form->addRow(buttons);
    const auto valid = [id] { return id->text().trimmed().toULongLong() > 0; };
    buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    connect(id, &QLineEdit::textChanged, &dialog, [buttons, valid] { buttons->button(QDialogButtonBox::Ok)->setEnabled(valid()); });
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted || !valid())
        return;
    addWatch(id->text().trimmed().toULongLong(), kind->currentIndex() == 1, every->currentData().toLongLong(), threads->isChecked());
}

} // namespace fdd
