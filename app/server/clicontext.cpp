#include "clicontext.h"

#include "store/databaseurl.h"
#include "secrets/keychain.h"
#include "store/storefactory.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>

#include <csignal>
#include <cstdio>

namespace fdd::cli {

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

Expected<std::chrono::seconds> secondsOption(const QCommandLineParser &parser, const QString &name,
                                             std::chrono::seconds fallback, int min, std::optional<int> max)
{
    if (!parser.isSet(name))
        return fallback;
    bool ok = false;
    const int seconds = parser.value(name).toInt(&ok);
    if (!ok || seconds < min || (max && seconds > *max))
        return Error::badInput(max ? QStringLiteral("--%1 takes a number of seconds from %2 to %3.").arg(name).arg(min).arg(*max)
                                   : QStringLiteral("--%1 takes a number of seconds above %2.").arg(name).arg(min - 1));
    return std::chrono::seconds(seconds);
}

namespace {

std::atomic_bool interrupted{false};
static_assert(std::atomic_bool::is_always_lock_free, "set from a signal handler");

void onInterrupt(int)
{
    interrupted.store(true);
}

} // namespace

const std::atomic_bool &cancelOnSignals()
{
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    return interrupted;
}

Expected<QString> storedDiscordToken(const KeychainRelay *relay)
{
    const QString fromEnvironment = qEnvironmentVariable("DISCORD_TOKEN").trimmed();
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    const QString credentials = qEnvironmentVariable("CREDENTIALS_DIRECTORY");
    if (!credentials.isEmpty()) {
        QFile file(QDir(credentials).filePath(QStringLiteral("discord-token")));
        if (file.open(QIODevice::ReadOnly)) {
            const QString token = QString::fromUtf8(file.read(4096)).trimmed();
            if (!token.isEmpty())
                return token;
        }
    }
    QString keychainProblem;
    Expected<std::optional<QString>> stored = relay ? relay->read() : Keychain::readBlocking(Keychain::discordToken);
    if (stored && *stored && !(*stored)->isEmpty())
        return **stored;
    if (!stored)
        keychainProblem = QLatin1Char(' ') + stored.error().message;
    return Error::badInput(QStringLiteral("No Discord token: set DISCORD_TOKEN, give the service the credential "
                                          "discord-token (LoadCredential=), or save the token in the desktop app "
                                          "(kept in the system keychain).%1")
                               .arg(keychainProblem));
}

int exitCodeFor(const Error &error)
{
    switch (error.kind) {
    case Error::Kind::BadInput:
    case Error::Kind::NotFound: return BadInput;
    case Error::Kind::Unavailable:
    case Error::Kind::Busy: return Unavailable;
    case Error::Kind::Cancelled: return Cancelled;
    case Error::Kind::Internal: return Failed;
    }
    return Failed;
}

int report(const Error &error)
{
    err() << error.message << Qt::endl;
    return exitCodeFor(error);
}

void addDatabaseOption(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("database"),
                      QStringLiteral("The archive: postgresql://user:password@host:port/database or "
                                     "sqlite:///path/archive.db. Default: $FDD_DATABASE_URL, else the embedded "
                                     "archive in the data folder."),
                      QStringLiteral("url")});
    parser.addOption({QStringLiteral("store"),
                      QStringLiteral("The kind of archive: sqlite (the embedded default), postgres (needs --database "
                                     "or $FDD_DATABASE_URL) or es (needs --elastic or $FDD_ELASTIC_URL)."),
                      QStringLiteral("kind")});
    parser.addOption({QStringLiteral("elastic"),
                      QStringLiteral("An Elasticsearch cluster: http[s]://[user:password@]host:9200[,host2:9200]/[index] "
                                     "(default: $FDD_ELASTIC_URL; API key in $FDD_ES_API_KEY, CA file in $FDD_ES_CA_FILE)."),
                      QStringLiteral("url")});
}

Expected<std::shared_ptr<MessageStore>> openStoreFrom(const QCommandLineParser &parser)
{
    QString address = parser.value(QStringLiteral("database"));
    if (address.isEmpty())
        address = qEnvironmentVariable("FDD_DATABASE_URL");
    const QString kind = parser.value(QStringLiteral("store"));
    if (!kind.isEmpty() && kind != QLatin1String("sqlite") && kind != QLatin1String("postgres") && kind != QLatin1String("es"))
        return Error::badInput(QStringLiteral("--store takes sqlite, postgres or es, not \"%1\".").arg(kind));
    if (kind == QLatin1String("es")) {
        Expected<std::shared_ptr<MessageStore>> es = elasticStoreFrom(parser);
        if (es && !*es)
            return Error::badInput(QStringLiteral("--store es needs the cluster's address: --elastic "
                                                  "http://host:9200/index, or $FDD_ELASTIC_URL."));
        return es;
    }
    if (address.isEmpty() && kind == QLatin1String("postgres"))
        return Error::badInput(QStringLiteral("--store postgres needs the server's address: --database "
                                              "postgresql://user@host:port/database, or $FDD_DATABASE_URL."));
    if (address.isEmpty())
        return openStore(defaultDatabaseUrl());
    Expected<DatabaseUrl> url = DatabaseUrl::parse(address);
    if (!url)
        return url.error();
    if (!kind.isEmpty() && (kind == QLatin1String("postgres")) != (url->scheme == DatabaseUrl::Scheme::Postgres))
        return Error::badInput(QStringLiteral("--store %1 does not match the archive %2.").arg(kind, url->redacted()));
    return openStore(*url);
}

void addCacheOption(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("redis"),
                      QStringLiteral("Cache search results in Redis: redis://[:password@]host:port[/db]. "
                                     "Default: $FDD_REDIS_URL, else no cache."),
                      QStringLiteral("url")});
}

Expected<std::shared_ptr<MessageStore>> elasticStoreFrom(const QCommandLineParser &parser)
{
    QString address = parser.value(QStringLiteral("elastic"));
    if (address.isEmpty())
        address = qEnvironmentVariable("FDD_ELASTIC_URL");
    if (address.isEmpty())
        return std::shared_ptr<MessageStore>();
    return openElasticStore(address);
}

Expected<std::shared_ptr<SearchService>> serviceFrom(const QCommandLineParser &parser)
{
    Expected<std::shared_ptr<MessageStore>> store = openStoreFrom(parser);
    if (!store)
        return store.error();
    return serviceOver(*store, parser);
}

Expected<std::shared_ptr<SearchService>> serviceOver(std::shared_ptr<MessageStore> store, const QCommandLineParser &parser)
{
    auto service = std::make_shared<SearchService>(store);
    QString address = parser.value(QStringLiteral("redis"));
    if (address.isEmpty())
        address = qEnvironmentVariable("FDD_REDIS_URL");
    if (!address.isEmpty()) {
        Expected<RedisUrl> url = RedisUrl::parse(address);
        if (!url)
            return url.error();
        service->setCache(std::make_shared<SearchCache>(std::make_shared<RedisClient>(*url), *store));
    }
    return service;
}

void addDceOption(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("dce"),
                      QStringLiteral("DiscordChatExporter's CLI: the DiscordChatExporter.Cli executable, or "
                                     "DiscordChatExporter.Cli.dll to run with dotnet. Default: $FDD_DCE, else "
                                     "DiscordChatExporter.Cli on PATH, else $FDD_DCE_DLL."),
                      QStringLiteral("path")});
}

Expected<DceProgram> dceFrom(const QCommandLineParser &parser)
{
    QString configured = parser.value(QStringLiteral("dce"));
    if (configured.isEmpty())
        configured = qEnvironmentVariable("FDD_DCE");
    return DceProgram::locate(configured, qEnvironmentVariable("FDD_DCE_DLL"));
}

int parseOrExit(QCommandLineParser &parser, const QStringList &arguments, const QString &synopsis)
{
    parser.setApplicationDescription(synopsis);
    const QCommandLineOption help = parser.addHelpOption();
    if (!parser.parse(arguments)) {
        err() << parser.errorText() << Qt::endl
              << QStringLiteral("Run \"%1 --help\" for usage.").arg(arguments.mid(0, 2).join(QLatin1Char(' ')))
              << Qt::endl;
        return BadInput;
    }
    if (parser.isSet(help)) {
        out() << parser.helpText();
        out().flush();
        return Ok;
    }
    return -1;
}

} // namespace fdd::cli
