#pragma once

#include "databaseurl.h"
#include "messagestore.h"

#include <memory>

namespace fdd {

// The store a database address names, migrated and ready to use.
Expected<std::shared_ptr<MessageStore>> openStore(const DatabaseUrl &url);

// The Elasticsearch store an address names
// (http[s]://[user:password@]host:9200[,host2…]/index), its indexes created.
Expected<std::shared_ptr<MessageStore>> openElasticStore(const QString &address);

// The address to use when none is configured: the embedded SQLite archive in
// the application's data folder, so nothing needs a server.
DatabaseUrl defaultDatabaseUrl();

} // namespace fdd
