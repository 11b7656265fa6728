#include "storefactory.h"

#include "postgresstore.h"

namespace fdd {

Expected<std::shared_ptr<MessageStore>> openStore(const DatabaseUrl &url)
{
    std::shared_ptr<MessageStore> store;
    switch (url.scheme) {
    case DatabaseUrl::Scheme::Postgres:
        store = std::make_shared<PostgresStore>(url);
        break;
    case DatabaseUrl::Scheme::Sqlite:
        return Error::badInput(QStringLiteral("The embedded SQLite store is not available in this build yet; use a postgresql:// address."));
    }
    if (Expected<void> migrated = store->migrate(); !migrated)
        return migrated.error();
    return store;
}

} // namespace fdd
