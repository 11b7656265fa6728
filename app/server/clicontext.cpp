#include "clicontext.h"

#include "store/databaseurl.h"
#include "store/storefactory.h"

#include <QCoreApplication>

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

int exitCodeFor(const Error &error)
{
    switch (error.kind) {
    case Error::Kind::BadInput:
    case Error::Kind::NotFound: return BadInput;
    case Error::Kind::Unavailable: return Unavailable;
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
}

Expected<std::shared_ptr<MessageStore>> openStoreFrom(const QCommandLineParser &parser)
{
    QString address = parser.value(QStringLiteral("database"));
    if (address.isEmpty())
        address = qEnvironmentVariable("FDD_DATABASE_URL");
    if (address.isEmpty())
        return openStore(defaultDatabaseUrl());
    Expected<DatabaseUrl> url = DatabaseUrl::parse(address);
    if (!url)
        return url.error();
    return openStore(*url);
}

void addCacheOption(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("redis"),
                      QStringLiteral("Cache search results in Redis: redis://[:password@]host:port[/db]. "
                                     "Default: $FDD_REDIS_URL, else no cache."),
                      QStringLiteral("url")});
}

Expected<std::shared_ptr<SearchService>> serviceFrom(const QCommandLineParser &parser)
{
    Expected<std::shared_ptr<MessageStore>> store = openStoreFrom(parser);
    if (!store)
        return store.error();
    auto service = std::make_shared<SearchService>(*store);
    QString address = parser.value(QStringLiteral("redis"));
    if (address.isEmpty())
        address = qEnvironmentVariable("FDD_REDIS_URL");
    if (!address.isEmpty()) {
        Expected<RedisUrl> url = RedisUrl::parse(address);
        if (!url)
            return url.error();
        service->setCache(std::make_shared<SearchCache>(std::make_shared<RedisClient>(*url), **store));
    }
    return service;
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
