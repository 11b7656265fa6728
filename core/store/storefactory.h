#pragma once

#include "databaseurl.h"
#include "messagestore.h"

#include <memory>

namespace fdd {

// The store a database address names, migrated and ready to use.
Expected<std::shared_ptr<MessageStore>> openStore(const DatabaseUrl &url);

} // namespace fdd
