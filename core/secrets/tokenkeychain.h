#pragma once

#include "model/expected.h"

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace fdd {

// The Discord token in the operating system's keychain (Secret Service,
// KWallet, macOS Keychain, Windows Credential Store, through QtKeychain),
// never in a file of ours: no plain-text fallback.
//
// The asynchronous calls return at once and call `done` on `context`'s
// thread: the GUI uses them. The blocking ones run a local event loop: for
// the command line only.
class TokenKeychain
{
public:
    static const QString service; // "FastDiscordDB"
    static const QString key;     // "discord-token"

    // An empty optional when no token is stored.
    using ReadDone = std::function<void(Expected<std::optional<QString>>)>;
    using WriteDone = std::function<void(Expected<void>)>;
    static void read(QObject *context, ReadDone done);
    static void write(const QString &token, QObject *context, WriteDone done);
    static void forget(QObject *context, WriteDone done);

    static Expected<std::optional<QString>> readBlocking();
};

} // namespace fdd
