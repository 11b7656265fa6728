#include "keychain.h"

#include <qt6keychain/keychain.h>

#include <QEventLoop>
#include <QPointer>

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

} // namespace fdd
