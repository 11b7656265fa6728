#include "settingsdialog.h"

#include "cache/redisclient.h"
#include "store/databaseurl.h"
#include "store/elasticstore.h"
#include "store/storefactory.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QRandomGenerator>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace fdd {

namespace {

QWidget *row(QWidget *parent, QLineEdit *edit, QPushButton *button)
{
    auto *w = new QWidget(parent);
    auto *l = new QHBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->addWidget(edit, 1);
    l->addWidget(button);
    return w;
}

} // namespace

SettingsDialog::SettingsDialog(const AppSettings &settings, QThreadPool *pool, QWidget *parent)
    : QDialog(parent)
    , m_settings(settings)
    , m_pool(pool)
    , m_database(new QLineEdit(settings.databaseUrl, this))
    , m_databaseResult(new QLabel(this))
    , m_redis(new QLineEdit(settings.redisUrl, this))
    , m_redisResult(new QLabel(this))
    , m_ttl(new QSpinBox(this))
    , m_elastic(new QLineEdit(settings.elasticUrl, this))
    , m_dce(new QLineEdit(settings.dcePath, this))
    , m_useElastic(new QCheckBox(tr("Keep the archive in Elasticsearch instead"), this))
    , m_api(new QCheckBox(tr("Serve the REST API while the app runs"), this))
    , m_apiPort(new QSpinBox(this))
    , m_apiAll(new QCheckBox(tr("Reachable from other machines (needs the API key)"), this))
    , m_apiKey(new QLineEdit(settings.apiKey, this))
{
    setWindowTitle(tr("Settings"));
    m_database->setPlaceholderText(tr("Embedded archive: %1").arg(defaultDatabaseUrl().database));
    m_database->setToolTip(tr("postgresql://user:password@host:5432/database, or sqlite:///path/archive.db; empty for the embedded archive"));
    m_redis->setPlaceholderText(tr("No cache (e.g. redis://127.0.0.1:6379)"));
    m_elastic->setPlaceholderText(tr("e.g. http://user:password@host:9200,host2:9200/discord_chats"));
    m_elastic->setToolTip(tr("Nodes are tried in turn. An API key can come from $FDD_ES_API_KEY and a CA file from $FDD_ES_CA_FILE."));
    m_useElastic->setChecked(settings.useElastic);
    m_dce->setPlaceholderText(tr("DiscordChatExporter.Cli on PATH"));
    m_ttl->setRange(10, 7 * 24 * 3600);
    m_ttl->setSuffix(tr(" s"));
    m_ttl->setValue(settings.cacheTtlSeconds);
    m_api->setChecked(settings.apiEnabled);
    m_apiPort->setRange(1, 65535);
    m_apiPort->setValue(settings.apiPort);
    m_apiAll->setChecked(settings.apiAllInterfaces);
    m_apiKey->setPlaceholderText(tr("Clients send it as X-Api-Key; empty: no key (loopback only)"));
    m_apiKey->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    auto *generate = new QPushButton(tr("Generate"), this);
    connect(generate, &QPushButton::clicked, this, [this] {
        QByteArray bytes(24, Qt::Uninitialized);
        for (char &b : bytes)
            b = char(QRandomGenerator::system()->bounded(256));
        m_apiKey->setText(QString::fromLatin1(bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)));
    });
    m_apiKeyRow = row(this, m_apiKey, generate);
    m_elasticResult = new QLabel(this);
    for (QLabel *l : {m_databaseResult, m_redisResult, m_elasticResult})
        l->setWordWrap(true);

    auto *testDb = new QPushButton(tr("Test connection"), this);
    auto *testRedis = new QPushButton(tr("Test connection"), this);
    auto *browse = new QPushButton(tr("Browse…"), this);
    connect(testDb, &QPushButton::clicked, this, &SettingsDialog::testDatabase);
    connect(testRedis, &QPushButton::clicked, this, &SettingsDialog::testRedis);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("DiscordChatExporter's CLI"), m_dce->text(),
                                                          tr("DiscordChatExporter.Cli (DiscordChatExporter.Cli DiscordChatExporter.Cli.dll);;All files (*)"));
        if (!path.isEmpty())
            m_dce->setText(path);
    });

    auto *form = new QFormLayout;
    form->addRow(tr("Archive (PostgreSQL or SQLite):"), row(this, m_database, testDb));
    form->addRow(QString(), m_databaseResult);
    form->addRow(tr("Redis cache:"), row(this, m_redis, testRedis));
    form->addRow(QString(), m_redisResult);
    form->addRow(tr("Cache lifetime:"), m_ttl);
    auto *testElastic = new QPushButton(tr("Test connection"), this);
    connect(testElastic, &QPushButton::clicked, this, &SettingsDialog::testElastic);
    form->addRow(tr("Elasticsearch:"), row(this, m_elastic, testElastic));
    form->addRow(QString(), m_elasticResult);
    form->addRow(QString(), m_useElastic);
    form->addRow(tr("DiscordChatExporter:"), row(this, m_dce, browse));
    form->addRow(tr("REST API:"), m_api);
    form->addRow(tr("Port:"), m_apiPort);
    form->addRow(QString(), m_apiAll);
    form->addRow(tr("API key:"), m_apiKeyRow);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addStretch(1);
    layout->addWidget(buttons);
    resize(660, 420);
}

AppSettings SettingsDialog::settings() const
{
    AppSettings s = m_settings;
    s.databaseUrl = m_database->text().trimmed();
    s.redisUrl = m_redis->text().trimmed();
    s.cacheTtlSeconds = m_ttl->value();
    s.elasticUrl = m_elastic->text().trimmed();
    s.useElastic = m_useElastic->isChecked() && !s.elasticUrl.isEmpty();
    s.dcePath = m_dce->text().trimmed();
    s.apiEnabled = m_api->isChecked();
    s.apiPort = m_apiPort->value();
    s.apiAllInterfaces = m_apiAll->isChecked();
    s.apiKey = m_apiKey->text().trimmed();
    return s;
}

void SettingsDialog::check(QLabel *result, std::function<Expected<QString>()> work)
{
    result->setText(tr("Connecting…"));
    QtConcurrent::run(m_pool, std::move(work)).then(this, [result](const Expected<QString> &r) {
        result->setText(r ? *r : r.error().message);
    });
}

void SettingsDialog::testDatabase()
{
    const QString text = m_database->text().trimmed();
    check(m_databaseResult, [text]() -> Expected<QString> {
        Expected<DatabaseUrl> url = text.isEmpty() ? Expected<DatabaseUrl>(defaultDatabaseUrl()) : DatabaseUrl::parse(text);
        if (!url)
            return url.error();
        Expected<std::shared_ptr<MessageStore>> store = openStore(*url);
        if (!store)
            return store.error();
        Expected<StoreStats> stats = (*store)->stats();
        if (!stats)
            return stats.error();
        return QObject::tr("Connected: %1 messages in %2 channels.").arg(stats->messages).arg(stats->channels);
    });
}

void SettingsDialog::testElastic()
{
    const QString text = m_elastic->text().trimmed();
    if (text.isEmpty()) {
        m_elasticResult->setText(tr("No Elasticsearch configured."));
        return;
    }
    check(m_elasticResult, [text]() -> Expected<QString> {
        Expected<ElasticConfig> config = ElasticConfig::parse(text);
        if (!config)
            return config.error();
        ElasticStore store(*config);
        if (Expected<void> up = store.ping(); !up)
            return up.error();
        return QObject::tr("Connected: the cluster is up.");
    });
}

void SettingsDialog::testRedis()
{
    const QString text = m_redis->text().trimmed();
    if (text.isEmpty()) {
        m_redisResult->setText(tr("No cache configured: searches go straight to the archive."));
        return;
    }
    check(m_redisResult, [text]() -> Expected<QString> {
        Expected<RedisUrl> url = RedisUrl::parse(text);
        if (!url)
            return url.error();
        RedisClient client(*url);
        if (Expected<void> pong = client.ping(); !pong)
            return pong.error();
        return QObject::tr("Connected: Redis answers.");
    });
}

} // namespace fdd
