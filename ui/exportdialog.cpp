#include "exportdialog.h"

#include "dce/dceprocess.h"
#include "model/isotime.h"
#include "exporttask.h"
#include "secrets/keychain.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace fdd {

ExportDialog::ExportDialog(std::shared_ptr<SearchService> service, QString dcePath, QThreadPool *pool, QWidget *parent)
    : QDialog(parent)
    , m_service(std::move(service))
    , m_dcePath(std::move(dcePath))
    , m_pool(pool)
    , m_token(new QLineEdit(this))
    , m_tokenState(new QLabel(this))
    , m_remember(new QCheckBox(tr("Remember in the system keychain"), this))
    , m_forget(new QPushButton(tr("Forget saved token"), this))
    , m_loadGuilds(new QPushButton(tr("Load servers"), this))
    , m_guilds(new QComboBox(this))
    , m_channels(new QListWidget(this))
    , m_ids(new QLineEdit(this))
    , m_lastDays(new QRadioButton(tr("The last"), this))
    , m_days(new QSpinBox(this))
    , m_between(new QRadioButton(tr("Between"), this))
    , m_from(new QDateEdit(QDate::currentDate().addDays(-7), this))
    , m_to(new QDateEdit(QDate::currentDate(), this))
    , m_update(new QRadioButton(tr("Everything since the last export (update)"), this))
    , m_media(new QCheckBox(tr("Download images and files"), this))
    , m_keep(new QCheckBox(tr("Then keep them updated"), this))
    , m_keepEvery(new QComboBox(this))
    , m_progress(new QProgressBar(this))
    , m_status(new QLabel(this))
    , m_results(new QListWidget(this))
    , m_start(new QPushButton(tr("Export"), this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Export from Discord"));
    setObjectName(QStringLiteral("exportDialog"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setObjectName(QStringLiteral("token"));
    m_token->setPlaceholderText(tr("Discord token"));
    m_tokenState->setWordWrap(true);
    m_remember->setChecked(true);
    m_forget->setVisible(false);
    m_guilds->setEnabled(false);
    m_guilds->setPlaceholderText(tr("Servers appear here"));
    m_channels->setMinimumHeight(120);
    m_ids->setObjectName(QStringLiteral("channelIds"));
    m_ids->setPlaceholderText(tr("or channel ids, separated by spaces or commas"));
    m_days->setRange(1, 3650);
    m_days->setValue(7);
    m_days->setSuffix(tr(" days"));
    m_lastDays->setChecked(true);
    m_from->setCalendarPopup(true);
    m_to->setCalendarPopup(true);
    m_from->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    m_to->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_progress->setVisible(false);
    m_status->setWordWrap(true);
    m_results->setVisible(false);
    m_start->setDefault(true);
    m_buttons->addButton(m_start, QDialogButtonBox::AcceptRole);

    auto *tokenBox = new QGroupBox(tr("Token"), this);
    auto *tokenLayout = new QVBoxLayout(tokenBox);
    tokenLayout->addWidget(m_token);
    auto *tokenRow = new QHBoxLayout;
    tokenRow->addWidget(m_remember, 1);
    tokenRow->addWidget(m_forget);
    tokenLayout->addLayout(tokenRow);
    tokenLayout->addWidget(m_tokenState);

    auto *channelBox = new QGroupBox(tr("Channels"), this);
    auto *channelLayout = new QVBoxLayout(channelBox);
    auto *guildRow = new QHBoxLayout;
    guildRow->addWidget(m_loadGuilds);
    guildRow->addWidget(m_guilds, 1);
    channelLayout->addLayout(guildRow);
    channelLayout->addWidget(m_channels);
    channelLayout->addWidget(m_ids);

    auto *windowBox = new QGroupBox(tr("Messages"), this);
    auto *windowLayout = new QVBoxLayout(windowBox);
    auto *lastRow = new QHBoxLayout;
    lastRow->addWidget(m_lastDays);
    lastRow->addWidget(m_days);
    lastRow->addStretch(1);
    auto *betweenRow = new QHBoxLayout;
    betweenRow->addWidget(m_between);
    betweenRow->addWidget(m_from);
    betweenRow->addWidget(new QLabel(tr("and"), this));
    betweenRow->addWidget(m_to);
    betweenRow->addStretch(1);
    windowLayout->addLayout(lastRow);
    windowLayout->addLayout(betweenRow);
    windowLayout->addWidget(m_update);
    m_media->setObjectName(QStringLiteral("downloadMedia"));
    m_media->setToolTip(tr("Keeps attachments, avatars and emoji in the archive, so they still show when Discord's "
                           "links have expired. Takes longer and needs disk space."));
    windowLayout->addWidget(m_media);
    m_keep->setObjectName(QStringLiteral("keepUpdated"));
    m_keep->setToolTip(tr("Adds the channels to the watch list (View → Watched Channels): they are exported again "
                          "by themselves, each time with only what is new."));
    for (const auto &[label, seconds] : QList<std::pair<QString, qint64>>{{tr("every 15 minutes"), 900}, {tr("every hour"), 3600},
                                                                         {tr("every 6 hours"), 21600}, {tr("every day"), 86400}})
        m_keepEvery->addItem(label, seconds);
    m_keepEvery->setCurrentIndex(1);
    m_keepEvery->setEnabled(false);
    connect(m_keep, &QCheckBox::toggled, m_keepEvery, &QWidget::setEnabled);
    auto *keepRow = new QHBoxLayout;
    keepRow->addWidget(m_keep);
    keepRow->addWidget(m_keepEvery);
    keepRow->addStretch(1);
    windowLayout->addLayout(keepRow);
    windowLayout->addWidget(new QLabel(tr("Into: %1 %2").arg(m_service->store().name(), m_service->store().location()), this));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(tokenBox);
    layout->addWidget(channelBox, 1);
    layout->addWidget(windowBox);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(m_results);
    layout->addWidget(m_buttons);
    resize(560, 640);

    connect(m_loadGuilds, &QPushButton::clicked, this, &ExportDialog::loadGuilds);
    connect(m_guilds, &QComboBox::activated, this, &ExportDialog::loadChannels);
    connect(m_start, &QPushButton::clicked, this, &ExportDialog::startExport);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
    connect(m_forget, &QPushButton::clicked, this, [this] {
        Keychain::forget(Keychain::discordToken, this, [this](Expected<void> done) {
            m_tokenState->setText(done ? tr("The saved token was removed from the keychain.") : done.error().message);
            if (done) {
                m_storedToken.clear();
                m_forget->setVisible(false);
            }
        });
    });
    loadStoredToken();
}

ExportDialog::~ExportDialog()
{
    if (m_task && m_task->isRunning()) {
        m_task->cancel();
        m_pool->waitForDone();
    }
}

void ExportDialog::loadStoredToken()
{
    m_tokenState->setText(tr("Looking for a saved token…"));
    Keychain::read(Keychain::discordToken, this, [this](Expected<std::optional<QString>> stored) {
        if (stored && *stored && !(*stored)->isEmpty()) {
            m_storedToken = **stored;
            m_token->setPlaceholderText(tr("•••••••• (saved in the keychain)"));
            m_tokenState->setText(tr("The saved token will be used; type another to replace it."));
            m_forget->setVisible(true);
        } else {
            m_tokenState->setText(stored ? tr("Paste your Discord token. It is passed to DiscordChatExporter privately "
                                              "and never shown again.")
                                         : stored.error().message);
        }
    });
}

void ExportDialog::setToken(const QString &token) { m_token->setText(token); }
void ExportDialog::setChannelIds(const QString &ids) { m_ids->setText(ids); }
void ExportDialog::setUpdate(bool update) { (update ? m_update : m_lastDays)->setChecked(true); }

void ExportDialog::setKeepUpdated(qint64 intervalSeconds)
{
    m_keep->setChecked(intervalSeconds > 0);
    if (const int at = m_keepEvery->findData(intervalSeconds); at >= 0)
        m_keepEvery->setCurrentIndex(at);
}
bool ExportDialog::isExporting() const { return m_task && m_task->isRunning(); }

Expected<DceProgram> ExportDialog::program() const
{
    return DceProgram::locate(m_dcePath.isEmpty() ? qEnvironmentVariable("FDD_DCE") : m_dcePath, qEnvironmentVariable("FDD_DCE_DLL"));
}

void ExportDialog::loadGuilds()
{
    const QString token = m_token->text().trimmed().isEmpty() ? m_storedToken : m_token->text().trimmed();
    Expected<DceProgram> dce = program();
    if (!dce || token.isEmpty()) {
        m_status->setText(!dce ? dce.error().message : tr("Enter a token first."));
        return;
    }
    m_loadGuilds->setEnabled(false);
    m_status->setText(tr("Asking Discord for your servers…"));
    QtConcurrent::run(m_pool, [program = *dce, token] { return DceProcess(program, token).guilds(); })
        .then(this, [this](const Expected<QList<Guild>> &guilds) {
            m_loadGuilds->setEnabled(true);
            if (!guilds) {
                m_status->setText(guilds.error().message);
                return;
            }
            m_guilds->clear();
            for (const Guild &g : *guilds)
                m_guilds->addItem(g.name, QString::number(g.id));
            m_guilds->setEnabled(true);
            m_status->setText(tr("%n server(s). Pick one to list its channels.", nullptr, int(guilds->size())));
        });
}

void ExportDialog::loadChannels()
{
    const Snowflake guild = m_guilds->currentData().toString().toULongLong();
    const QString token = m_token->text().trimmed().isEmpty() ? m_storedToken : m_token->text().trimmed();
    Expected<DceProgram> dce = program();
    if (!dce)
        return;
    m_status->setText(tr("Listing the channels of %1…").arg(m_guilds->currentText()));
    QtConcurrent::run(m_pool, [program = *dce, token, guild] { return DceProcess(program, token).channels(guild); })
        .then(this, [this](const Expected<QList<Channel>> &channels) {
            if (!channels) {
                m_status->setText(channels.error().message);
                return;
            }
            m_channels->clear();
            for (const Channel &c : *channels) {
                auto *item = new QListWidgetItem(QStringLiteral("%1 / #%2").arg(c.category, c.name), m_channels);
                item->setData(Qt::UserRole, QString::number(c.id));
                item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
                item->setCheckState(Qt::Unchecked);
            }
            m_status->setText(tr("Tick the channels to export."));
        });
}

QList<Snowflake> ExportDialog::chosenChannels(QString *error) const
{
    QList<Snowflake> ids;
    for (int i = 0; i < m_channels->count(); ++i)
        if (m_channels->item(i)->checkState() == Qt::Checked)
            ids.append(m_channels->item(i)->data(Qt::UserRole).toString().toULongLong());
    static const QRegularExpression separators(QStringLiteral("[\\s,;]+"));
    for (const QString &part : m_ids->text().split(separators, Qt::SkipEmptyParts)) {
        const Snowflake id = isotime::parseSnowflake(part).value_or(0);
        if (id == 0) {
            *error = tr("\"%1\" is not a channel id: Discord ids are numbers such as 1070040462135873587.").arg(part);
            return {};
        }
        if (!ids.contains(id))
            ids.append(id);
    }
    if (ids.isEmpty())
        *error = tr("Tick a channel or type its id.");
    return ids;
}

void ExportDialog::startExport()
{
    QString problem;
    const QList<Snowflake> channels = chosenChannels(&problem);
    const QString typed = m_token->text().trimmed();
    const QString token = typed.isEmpty() ? m_storedToken : typed;
    if (token.isEmpty())
        problem = tr("Enter your Discord token.");
    Expected<DceProgram> dce = program();
    if (!dce)
        problem = dce.error().message;
    ExportPlan plan;
    plan.channels = channels;
    plan.downloadMedia = m_media->isChecked();
    if (m_update->isChecked()) {
        plan.update = true;
    } else if (m_between->isChecked()) {
        plan.after = QDateTime(m_from->date(), QTime(0, 0), Qt::UTC);
        plan.before = QDateTime(m_to->date().addDays(1), QTime(0, 0), Qt::UTC);
    } else {
        plan.after = QDateTime::currentDateTimeUtc().addDays(-m_days->value());
    }
    if (problem.isEmpty())
        if (Expected<void> valid = ExportJob::validate(plan); !valid)
            problem = valid.error().message;
    if (!problem.isEmpty()) {
        m_status->setText(problem);
        return;
    }
    if (!typed.isEmpty() && m_remember->isChecked())
        Keychain::write(Keychain::discordToken, typed, this, [this](Expected<void> saved) {
            if (saved) {
                m_storedToken = m_token->text().trimmed();
                m_forget->setVisible(true);
            } else {
                m_tokenState->setText(saved.error().message);
            }
        });
    if (m_keep->isChecked())
        emit watchRequested(channels, m_keepEvery->currentData().toLongLong());
    m_token->clear(); // never shown again in clear
    m_token->setPlaceholderText(tr("•••••••• (in use)"));

    m_results->clear();
    m_results->setVisible(true);
    m_progress->setVisible(true);
    m_progress->setValue(0);
    setBusy(true);
    delete m_task;
    m_task = new ExportTask(m_service, m_pool, this);
    connect(m_task, &ExportTask::progress, this, [this](int index, int count, const QString &label, int percent, bool importing) {
        m_progress->setValue(count > 0 ? (index * 100 + percent) / count : percent);
        m_status->setText(tr("%1 of %2: %3 %4 (%5%)")
                              .arg(index + 1)
                              .arg(count)
                              .arg(importing ? tr("importing") : tr("exporting"), label)
                              .arg(percent));
    });
    connect(m_task, &ExportTask::channelDone, this, [this](const QString &name, qint64 inserted, qint64 skipped, const QString &error) {
        auto *item = new QListWidgetItem(error.isEmpty() ? tr("✔ %1: %2 new, %3 already archived").arg(name).arg(inserted).arg(skipped)
                                                         : tr("✘ %1: %2").arg(name, error),
                                         m_results);
        item->setToolTip(item->text());
    });
    connect(m_task, &ExportTask::finished, this, &ExportDialog::finishExport);
    m_task->start(*dce, token, plan);
}

void ExportDialog::finishExport(qint64 inserted, int failed, bool cancelled)
{
    setBusy(false);
    m_progress->setValue(100);
    m_status->setText(cancelled ? tr("Cancelled: %1 new messages were archived before it stopped; nothing half-done was kept.").arg(inserted)
                      : failed ? tr("Done with problems: %1 new messages; %2 failed (see above).").arg(inserted).arg(failed)
                               : tr("Done: %1 new messages archived.").arg(inserted));
    if (inserted > 0)
        emit exported(inserted);
}

void ExportDialog::setBusy(bool busy)
{
    m_start->setEnabled(!busy);
    m_buttons->button(QDialogButtonBox::Cancel)->setText(busy ? tr("Stop") : tr("Close"));
    for (QWidget *w : std::initializer_list<QWidget *>{m_token, m_loadGuilds, m_guilds, m_channels, m_ids, m_lastDays,
                                                       m_days, m_between, m_from, m_to, m_update, m_keep})
        w->setEnabled(!busy);
}

void ExportDialog::reject()
{
    if (isExporting()) {
        m_status->setText(tr("Stopping DiscordChatExporter…"));
        m_task->cancel();
        return;
    }
    QDialog::reject();
}

} // namespace fdd
