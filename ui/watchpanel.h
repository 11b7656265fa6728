#pragma once

#include "model/watch.h"
#include "search/searchservice.h"
#include "dce/dceprogram.h"
#include "secrets/keychain.h"

#include <QWidget>

#include <memory>
#include <optional>

class QCheckBox;
class QLabel;
class QPushButton;
class QTableWidget;
class QThreadPool;

namespace fdd {

class WatchScheduler;

// The "Watched" panel: the archive's watch list with each watch's state
// (next run, last run, added, error), and the scheduler that runs it while
// the app is open. Reading and changing the list runs on the archive's
// worker threads; the scheduler has a thread of its own.
class WatchPanel : public QWidget
{
    Q_OBJECT

public:
    WatchPanel(QThreadPool *pool, QWidget *parent = nullptr);
    ~WatchPanel() override;

    // The archive to watch in, and DiscordChatExporter to update with; starts
    // the scheduler (the token is read from the keychain before each pass).
    void setArchive(std::shared_ptr<SearchService> service, DceProgram program, QString dceProblem);
    // Stops the scheduler, cancelling a running update (nothing half-imported).
    void stop();

    // Adds (or changes) a watch; the first update is due at once.
    void addWatch(Snowflake id, std::optional<bool> isGuild, qint64 intervalSeconds, bool includeThreads);
    void openAddDialog();
    void removeSelected();
    void togglePauseSelected();
    void updateSelectedNow();
    void refresh();

    // Whether updates go on with the window closed (a tray icon stays).
    bool keepsRunningInBackground() const;
    QTableWidget *table() const { return m_table; }
    const QList<Watch> &watches() const { return m_watches; }

signals:
    void refreshed();
    // A watch started failing (not every failed retry): for a notification.
    void watchFailed(const QString &name, const QString &sentence);
    // Messages were added: searches may differ now.
    void archiveChanged();

private:
    QList<Snowflake> selectedIds() const;
    void show(const QList<Watch> &watches);
    void changeWatch(Snowflake id, const std::function<void(Watch &)> &change, bool runNow);

    QThreadPool *m_pool;
    std::shared_ptr<SearchService> m_service;
    std::unique_ptr<WatchScheduler> m_scheduler;
    // The scheduler's way to the keychain, which answers in this thread.
    std::optional<KeychainRelay> m_token;
    QList<Watch> m_watches;
    QTableWidget *m_table;
    QPushButton *m_add;
    QPushButton *m_remove;
    QPushButton *m_pause;
    QPushButton *m_now;
    QCheckBox *m_background;
    QLabel *m_status;
};

} // namespace fdd
