#include "apikeystore.h"

#include "secrets/keychain.h"

#include <QSettings>

namespace fdd::apikeystore {

namespace {

const QString legacySetting = QStringLiteral("api/key");

} // namespace

void load(QObject *context, LoadDone done)
{
    Keychain::read(Keychain::apiKey, context, [context, done = std::move(done)](Expected<std::optional<QString>> stored) {
        const QString legacy = QSettings().value(legacySetting).toString();
        if (!stored) {
            done(legacy, stored.error());
            return;
        }
        if (stored->has_value() || legacy.isEmpty()) {
            done(stored->value_or(QString()), std::nullopt);
            return;
        }
        Keychain::write(Keychain::apiKey, legacy, context, [legacy, done](Expected<void> moved) {
            if (moved)
                QSettings().remove(legacySetting);
            done(legacy, moved ? std::nullopt : std::optional<Error>(moved.error()));
        });
    });
}

void save(const QString &key, QObject *context, std::function<void(Expected<void>)> done)
{
    const auto finish = [done = std::move(done)](Expected<void> saved) {
        if (saved)
            QSettings().remove(legacySetting);
        done(saved);
    };
    if (key.isEmpty())
        Keychain::forget(Keychain::apiKey, context, finish);
    else
        Keychain::write(Keychain::apiKey, key, context, finish);
}

} // namespace fdd::apikeystore
