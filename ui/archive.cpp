#include "archive.h"

#include "store/databaseurl.h"
#include "store/storefactory.h"

#include <QDir>
#include <QtConcurrent>

namespace fdd {

Archive::Archive(QObject *parent) : QObject(parent)
{
    // Two workers: a search and a timeline (or a conversation) at once,
    // without opening a connection per core.
    m_pool.setMaxThreadCount(2);
    m_pool.setObjectName(QStringLiteral("archive"));
}

Archive::~Archive()
{
    m_pool.waitForDone();
}

QFuture<Expected<std::shared_ptr<SearchService>>> Archive::openUrl(const QString &databaseUrl, const QString &redisUrl,
                                                                  int cacheTtlSeconds, QThreadPool *pool, const QString &elasticUrl)
{
    return QtConcurrent::run(pool, [databaseUrl, redisUrl, cacheTtlSeconds, elasticUrl]() -> Expected<std::shared_ptr<SearchService>> {
        Expected<std::shared_ptr<MessageStore>> store = std::shared_ptr<MessageStore>();
        if (!elasticUrl.trimmed().isEmpty()) {
            store = openElasticStore(elasticUrl);
        } else {
            Expected<DatabaseUrl> url = databaseUrl.trimmed().isEmpty() ? Expected<DatabaseUrl>(defaultDatabaseUrl())
                                                                        : DatabaseUrl::parse(databaseUrl.trimmed());
            if (!url)
                return url.error();
            store = openStore(*url);
        }
        if (!store)
            return store.error();
        auto service = std::make_shared<SearchService>(*store);
        if (!redisUrl.trimmed().isEmpty()) {
            Expected<RedisUrl> redis = RedisUrl::parse(redisUrl.trimmed());
            if (!redis)
                return redis.error();
            SearchCache::Options options;
            options.ttlSeconds = cacheTtlSeconds;
            service->setCache(std::make_shared<SearchCache>(std::make_shared<RedisClient>(*redis), **store, options));
        }
        return service;
    });
}

QFuture<Expected<std::shared_ptr<SearchService>>> Archive::open(const AppSettings &settings)
{
    return openUrl(settings.databaseUrl, settings.redisUrl, settings.cacheTtlSeconds, &m_pool,
                   settings.useElastic ? settings.elasticUrl : QString());
}

void Archive::use(std::shared_ptr<SearchService> service)
{
    m_service = std::move(service);
    emit opened();
}

QString Archive::describe() const
{
    if (!m_service)
        return tr("No archive open");
    const MessageStore &store = m_service->store();
    const QString kind = store.name() == QLatin1String("sqlite") ? QStringLiteral("SQLite")
                       : store.name() == QLatin1String("postgres") ? QStringLiteral("PostgreSQL")
                       : store.name() == QLatin1String("es")       ? QStringLiteral("Elasticsearch")
                                                                    : store.name();
    QString where = store.location();
    if (where.startsWith(QDir::homePath()))
        where = QLatin1Char('~') + where.mid(QDir::homePath().size());
    return QStringLiteral("%1 %2").arg(kind, where);
}

template<typename T, typename F>
QFuture<Expected<T>> Archive::run(F work)
{
    std::shared_ptr<SearchService> service = m_service;
    if (!service)
        return QtFuture::makeReadyFuture(Expected<T>(Error::unavailable(tr("No archive is open."))));
    return QtConcurrent::run(&m_pool, [service, work = std::move(work)]() -> Expected<T> { return work(*service); });
}

QFuture<Expected<SearchPage>> Archive::search(const SearchRequest &request)
{
    return run<SearchPage>([request](const SearchService &s) { return s.search(request); });
}

QFuture<Expected<QList<DayCount>>> Archive::countByDay(const SearchRequest &request)
{
    return run<QList<DayCount>>([request](const SearchService &s) { return s.countByDay(request); });
}

QFuture<Expected<MessageContext>> Archive::context(Snowflake messageId, int before, int after)
{
    return run<MessageContext>([=](const SearchService &s) { return s.context(messageId, before, after); });
}

QFuture<Expected<QList<Channel>>> Archive::channels()
{
    return run<QList<Channel>>([](const SearchService &s) { return s.store().channels(); });
}

QFuture<Expected<QList<Author>>> Archive::authors(int limit)
{
    return run<QList<Author>>([limit](const SearchService &s) { return s.store().authors(limit); });
}

QFuture<Expected<QList<Guild>>> Archive::guilds()
{
    return run<QList<Guild>>([](const SearchService &s) { return s.store().guilds(); });
}

QFuture<Expected<StoreStats>> Archive::stats()
{
    return run<StoreStats>([](const SearchService &s) { return s.store().stats(); });
}

} // namespace fdd
