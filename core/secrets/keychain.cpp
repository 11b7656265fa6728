#include "keychain.h"

#include <qt6keychain/keychain.h>

#include <QCoreApplication>
#include <QEventLoop>
#include <QPointer>
#include <QThread>

#include <condition_variable>
#include <mutex>

namespace fdd {

const QString Keychain::service = QStringLiteral("FastDiscordDB");
const Keychain::Entry Keychain::discordToken{QStringLiteral("discord-token"), QStringLiteral("the Discord token")};
const Keychain::Entry Keychain::apiKey{QStringLiteral("rest-api-key"), QStringLiteral("the REST API key")};

namespace {

Error keychainError(const QKeychain::Job &job, const char *what, const Keychain::Entry &entry)
{
    return Error::unavailable(QStringLiteral("The system keychain could not %1 %2 (%3). Make sure a "
                                             "keychain service (GNOME Keyring, KWallet) is running and unlocked.")
                                  .arg(QLatin1String(what), entry.noun, job.errorString()));
}

} // namespace

void Keychain::read(const Entry &entry, QObject *context, ReadDone done)
{
    auto *job = new QKeychain::ReadPasswordJob(service);
    job->setKey(entry.key);
    QObject::connect(job, &QKeychain::Job::finished, context, [entry, done = std::move(done)](QKeychain::Job *j) {
        auto *r = static_cast<QKeychain::ReadPasswordJob *>(j);
        if (r->error() == QKeychain::EntryNotFound)
            done(std::optional<QString>());
        else if (r->error() != QKeychain::NoError)
            done(keychainError(*r, "read", entry));
        else
            done(std::optional<QString>(r->textData()));
    });
    job->start();
}

void Keychain::write(const Entry &entry, const QString &secret, QObject *context, WriteDone done)
{
    auto *job = new QKeychain::WritePasswordJob(service);
    job->setKey(entry.key);
    job->setTextData(secret);
    QObject::connect(job, &QKeychain::Job::finished, context, [entry, done = std::move(done)](QKeychain::Job *j) {
        if (j->error() != QKeychain::NoError)
            done(keychainError(*j, "store", entry));
        else
            done({});
    });
    job->start();
}

void Keychain::forget(const Entry &entry, QObject *context, WriteDone done)
{
    auto *job = new QKeychain::DeletePasswordJob(service);
    job->setKey(entry.key);
    QObject::connect(job, &QKeychain::Job::finished, context, [entry, done = std::move(done)](QKeychain::Job *j) {
        if (j->error() != QKeychain::NoError && j->error() != QKeychain::EntryNotFound)
            done(keychainError(*j, "remove", entry));
        else
            done({});
    });
    job->start();
}

Expected<std::optional<QString>> Keychain::readBlocking(const Entry &entry)
{
    QEventLoop loop;
    std::optional<Expected<std::optional<QString>>> result;
    read(entry, &loop, [&](Expected<std::optional<QString>> r) {
        result.emplace(std::move(r));
        loop.quit();
    });
    if (!result)
        loop.exec();
    return std::move(*result);
}

struct KeychainRelay::State
{
    std::mutex mutex;
    std::condition_variable answered;
    bool closed = false;
};

KeychainRelay::KeychainRelay(Keychain::Entry entry)
    : m_entry(std::move(entry))
    , m_state(std::make_shared<State>())
{
}

Expected<std::optional<QString>> KeychainRelay::read() const
{
    QCoreApplication *app = QCoreApplication::instance();
    Q_ASSERT(app && QThread::currentThread() != app->thread());
    using Answer = std::optional<Expected<std::optional<QString>>>;
    auto answer = std::make_shared<Answer>();
    const std::shared_ptr<State> state = m_state;
    QMetaObject::invokeMethod(app, [app, state, answer, entry = m_entry] {
        Keychain::read(entry, app, [state, answer](Expected<std::optional<QString>> r) {
            const std::lock_guard lock(state->mutex);
            answer->emplace(std::move(r));
            state->answered.notify_all();
        });
    }, Qt::QueuedConnection);
    std::unique_lock lock(state->mutex);
    state->answered.wait(lock, [&] { return answer->has_value() || state->closed; });
    if (!answer->has_value())
        return Error::cancelled(QStringLiteral("The keychain was not asked for %1: the program is stopping.").arg(m_entry.noun));
    return std::move(**answer);
}

void KeychainRelay::close() const
{
    const std::lock_guard lock(m_state->mutex);
    m_state->closed = true;
    m_state->answered.notify_all();
}

} // namespace fdd
