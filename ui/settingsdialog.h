#pragma once

#include "appsettings.h"
#include "model/expected.h"

#include <QDialog>

#include <functional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QThreadPool;

namespace fdd {

// Where the archive, the cache and DiscordChatExporter are; each server
// address has a "Test connection" button that answers in a sentence.
class SettingsDialog : public QDialog
{
    Q_OBJECT

public:
    SettingsDialog(const AppSettings &settings, QThreadPool *pool, QWidget *parent = nullptr);
    AppSettings settings() const;

private:
    // Runs a connection check off the GUI thread; its sentence goes to `result`.
    void check(QLabel *result, std::function<Expected<QString>()> work);
    void testDatabase();
    void testRedis();
    void testElastic();

    AppSettings m_settings;
    QThreadPool *m_pool;
    QLineEdit *m_database;
    QLabel *m_databaseResult;
    QLineEdit *m_redis;
    QLabel *m_redisResult;
    QSpinBox *m_ttl;
    QLineEdit *m_elastic;
    QLabel *m_elasticResult;
    QLineEdit *m_dce;
    QCheckBox *m_useElastic;
    QCheckBox *m_api;
    QSpinBox *m_apiPort;
    QCheckBox *m_apiAll;
    QLineEdit *m_apiKey;
    QWidget *m_apiKeyRow;
};

} // namespace fdd
