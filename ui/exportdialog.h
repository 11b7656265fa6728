#pragma once

#include "dce/dceprogram.h"
#include "search/searchservice.h"

#include <QDialog>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QDateEdit;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QThreadPool;

namespace fdd {

class ExportTask;

// Export channels from Discord: the token (kept in the system keychain), the
// channels (picked from DiscordChatExporter's lists or typed), the window,
// per-channel progress and cancel.
class ExportDialog : public QDialog
{
    Q_OBJECT

public:
    ExportDialog(std::shared_ptr<SearchService> service, QString dcePath, QThreadPool *pool, QWidget *parent = nullptr);
    ~ExportDialog() override;

    // For tests and scripts: fill in the form.
    void setToken(const QString &token);
    void setChannelIds(const QString &ids);
    void setUpdate(bool update);
    // "Keep these channels updated": every `intervalSeconds`, 0 for not.
    void setKeepUpdated(qint64 intervalSeconds);
    void startExport();
    bool isExporting() const;

signals:
    void exported(qint64 inserted); // new messages landed
    // The user asked to keep these channels updated (the watch list).
    void watchRequested(const QList<Snowflake> &channels, qint64 intervalSeconds);

protected:
    void reject() override;

private:
    void loadStoredToken();
    void loadGuilds();
    void loadChannels();
    void finishExport(qint64 inserted, int failed, bool cancelled);
    void setBusy(bool busy);
    Expected<DceProgram> program() const;
    QList<Snowflake> chosenChannels(QString *error) const;

    std::shared_ptr<SearchService> m_service;
    QString m_dcePath;
    QThreadPool *m_pool;
    ExportTask *m_task = nullptr;
    QString m_storedToken;

    QLineEdit *m_token;
    QLabel *m_tokenState;
    QCheckBox *m_remember;
    QPushButton *m_forget;
    QPushButton *m_loadGuilds;
    QComboBox *m_guilds;
    QListWidget *m_channels;
    QLineEdit *m_ids;
    QRadioButton *m_lastDays;
    QSpinBox *m_days;
    QRadioButton *m_between;
    QDateEdit *m_from;
    QDateEdit *m_to;
    QRadioButton *m_update;
    QCheckBox *m_media;
    QCheckBox *m_keep;
    QComboBox *m_keepEvery;
    QProgressBar *m_progress;
    QLabel *m_status;
    QListWidget *m_results;
    QPushButton *m_start;
    QDialogButtonBox *m_buttons;
};

} // namespace fdd
