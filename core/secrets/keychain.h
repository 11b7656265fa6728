#pragma once

#include "model/expected.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace fdd {

// Secrets in the operating system's keychain (Secret Service, KWallet, macOS
// Keychain, Windows Credential Store, through QtKeychain), never in a file of
// ours: no plain-text fallback. Two entries: the Discord token and the API
// key of the REST server inside the desktop app.
//
// The asynchronous calls return at once and call `done` on `context`'s
// thread: the GUI uses them. The blocking one runs a local event loop: for
// the command line only. All of them belong to the application's thread:
// QtKeychain runs its jobs one after another in the thread that first used
// it, and a job started in another thread may never run. Other threads ask
// through a KeychainRelay.
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

// Reads a keychain entry for a thread other than the application's: the
// read runs in the application's thread, the caller waits for its answer.
// close() (from any thread) ends every wait, present and future, with an
// error: call it before waiting for such a thread to end, since the
// application's thread can't answer while it waits. Copies share one state.
class KeychainRelay
{
public:
    explicit KeychainRelay(Keychain::Entry entry);
    Expected<std::optional<QString>> read() const;
    void close() const;

private:
    struct State;
    Keychain::Entry m_entry;
    std::shared_ptr<State> m_state;
};

} // namespace fdd
