#pragma once

#include "model/expected.h"

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace fdd {

// Secrets in the operating system's keychain (Secret Service, KWallet, macOS
// Keychain, Windows Credential Store, through QtKeychain), never in a file of
// ours: no plain-text fallback. Two entries: the Discord token and the API
// key of the REST server inside the desktop app.
//
// The asynchronous calls return at once and call `done` on `context`'s
// thread: the GUI uses them. The blocking one runs a local event loop: for
// the command line only.
class Keychain
{
public:
    struct Entry
    {
        QString key;  // the entry's name under the service
        QString noun; // what it is, for sentences: "the Discord token"
    };
    static const QString service; // "FastDiscordDB"
    static const Entry discordToken;
    static const Entry apiKey;

    // An empty optional when nothing is stored.
    using ReadDone = std::function<void(Expected<std::optional<QString>>)>;
    using WriteDone = std::function<void(Expected<void>)>;
    static void read(const Entry &entry, QObject *context, ReadDone done);
    static void write(const Entry &entry, const QString &secret, QObject *context, WriteDone done);
    static void forget(const Entry &entry, QObject *context, WriteDone done);

    static Expected<std::optional<QString>> readBlocking(const Entry &entry);
};

} // namespace fdd
