#include "tokenkeychain.h"

#include <qt6keychain/keychain.h>

#include <QEventLoop>
#include <QPointer>

namespace fdd {

const QString TokenKeychain::service = QStringLiteral("FastDiscordDB");
const QString TokenKeychain::key = QStringLiteral("discord-token");

namespace {

Error keychainError(const QKeychain::Job &job, const char *what)
{
    return Error::unavailable(QStringLiteral("The system keychain could not %1 the Discord token (%2). Make sure a "
                                             "keychain service (GNOME Keyring, KWallet) is running and unlocked.")
                                  .arg(QLatin1String(what), job.errorString()));
}

} // namespace

void TokenKeychain::read(QObject *context, ReadDone done)
{
    auto *job = new QKeychain::ReadPasswordJob(service);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, context, [done = std::move(done)](QKeychain::Job *j) {
        auto *r = static_cast<QKeychain::ReadPasswordJob *>(j);
        if (r->error() == QKeychain::EntryNotFound)
            done(std::optional<QString>());
        else if (r->error() != QKeychain::NoError)
            done(keychainError(*r, "read"));
        else
            done(std::optional<QString>(r->textData()));
    });
    job->start();
}

void TokenKeychain::write(const QString &token, QObject *context, WriteDone done)
{
    auto *job = new QKeychain::WritePasswordJob(service);
    job->setKey(key);
    job->setTextData(token);
    QObject::connect(job, &QKeychain::Job::finished, context, [done = std::move(done)](QKeychain::Job *j) {
        if (j->error() != QKeychain::NoError)
            done(keychainError(*j, "store"));
        else
            done({});
    });
    job->start();
}

void TokenKeychain::forget(QObject *context, WriteDone done)
{
    auto *job = new QKeychain::DeletePasswordJob(service);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, context, [done = std::move(done)](QKeychain::Job *j) {
        if (j->error() != QKeychain::NoError && j->error() != QKeychain::EntryNotFound)
            done(keychainError(*j, "remove"));
        else
            done({});
    });
    job->start();
}

Expected<std::optional<QString>> TokenKeychain::readBlocking()
{
    QEventLoop loop;
    std::optional<Expected<std::optional<QString>>> result;
    read(&loop, [&](Expected<std::optional<QString>> r) {
        result.emplace(std::move(r));
        loop.quit();
    });
    if (!result)
        loop.exec();
    return std::move(*result);
}

} // namespace fdd
