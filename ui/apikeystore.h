#pragma once

#include "model/expected.h"

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace fdd::apikeystore {

// The key of the REST API inside the app lives in the system keychain, as
// the Discord token does. A key kept in the settings file by an older version
// is moved into the keychain when it is first read, and removed from the file
// only once the keychain holds it: nothing is lost when the keychain is away.

// `done` gets the key (empty: none) and, when the keychain could not be used,
// the sentence saying so.
using LoadDone = std::function<void(const QString &key, const std::optional<Error> &problem)>;
void load(QObject *context, LoadDone done);

// Stores the key (an empty key removes it).
void save(const QString &key, QObject *context, std::function<void(Expected<void>)> done);

} // namespace fdd::apikeystore
