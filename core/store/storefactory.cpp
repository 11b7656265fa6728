#include "storefactory.h"

#include "elasticstore.h"
#include "postgresstore.h"
#include "sqlitestore.h"

namespace fdd {

Expected<std::shared_ptr<MessageStore>> openStore(const DatabaseUrl &url)
{
    std::shared_ptr<MessageStore> store;
    switch (url.scheme) {
    case DatabaseUrl::Scheme::Postgres:
        store = std::make_shared<PostgresStore>(url);
        break;
    case DatabaseUrl::Scheme::Sqlite:
        store = std::make_shared<SqliteStore>(url.database);
        break;
    }
    if (Expected<void> migrated = store->migrate(); !migrated)
        return migrated.error();
    return store;
}

Expected<std::shared_ptr<MessageStore>> openElasticStore(const QString &address)
{
    Expected<ElasticConfig> config = ElasticConfig::parse(address);
    if (!config)
        return config.error();
    auto store = std::make_shared<ElasticStore>(*config);
    if (Expected<void> migrated = store->migrate(); !migrated)
        return migrated.error();
    return std::shared_ptr<MessageStore>(store);
}

DatabaseUrl defaultDatabaseUrl()
{
    DatabaseUrl url;
    url.scheme = DatabaseUrl::Scheme::Sqlite;
    url.database = SqliteStore::defaultPath();
    return url;
}

} // namespace fdd
