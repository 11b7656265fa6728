#include "medialibrary.h"

#include "store/messagestore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>

namespace fdd {

QString MediaLibrary::defaultRoot(const MessageStore &store)
{
    const QString fromEnvironment = qEnvironmentVariable("FDD_MEDIA_DIR");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    if (store.name() == QLatin1String("sqlite")) {
        const QFileInfo archive(store.location());
        return archive.absoluteDir().filePath(archive.completeBaseName() + QStringLiteral(".media"));
    }
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("media"));
}

Expected<QString> MediaLibrary::add(const QString &file)
{
    QFile in(file);
    if (!in.open(QIODevice::ReadOnly))
        return Error::badInput(QStringLiteral("The media file %1 cannot be read: %2.").arg(QDir::toNativeSeparators(file), in.errorString()));
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&in))
        return Error::badInput(QStringLiteral("The media file %1 cannot be read: %2.").arg(QDir::toNativeSeparators(file), in.errorString()));
    const QString sha = QString::fromLatin1(hash.result().toHex());
    // The extension says what the view may try to draw; anything odd is dropped.
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9]{1,8}$"));
    QString ext = QFileInfo(file).suffix().toLower();
    if (!plain.match(ext).hasMatch())
        ext = QStringLiteral("bin");
    const QString name = sha + QLatin1Char('.') + ext;
    const QString target = QDir(m_root).filePath(sha.left(2) + QLatin1Char('/') + name);
    if (!QFileInfo::exists(target)) {
        if (!QDir().mkpath(QFileInfo(target).absolutePath()))
            return Error::unavailable(QStringLiteral("The media folder %1 cannot be created.").arg(QDir::toNativeSeparators(m_root)));
        // Whole or not at all: a copy cut short never takes the name.
        QSaveFile out(target);
        if (!in.seek(0) || !out.open(QIODevice::WriteOnly))
            return Error::unavailable(QStringLiteral("%1 cannot be written: %2.").arg(QDir::toNativeSeparators(target), out.errorString()));
        while (!in.atEnd()) {
            const QByteArray chunk = in.read(1 << 20);
            if (chunk.isEmpty() || out.write(chunk) != chunk.size())
                return Error::unavailable(QStringLiteral("%1 cannot be written: %2.").arg(QDir::toNativeSeparators(target), out.errorString()));
        }
        if (!out.commit())
            return Error::unavailable(QStringLiteral("%1 cannot be written: %2.").arg(QDir::toNativeSeparators(target), out.errorString()));
    }
    return QStringLiteral("fdd-media:") + name;
}

QString MediaLibrary::pathOf(const QString &reference) const
{
    static const QRegularExpression shape(QStringLiteral("^fdd-media:([0-9a-f]{64})\\.([a-z0-9]{1,8})$"));
    const QRegularExpressionMatch m = shape.match(reference);
    if (!m.hasMatch() || m_root.isEmpty())
        return {};
    const QString path = QDir(m_root).filePath(m.captured(1).left(2) + QLatin1Char('/') + m.captured(1) + QLatin1Char('.') + m.captured(2));
    return QFileInfo::exists(path) ? path : QString();
}

Expected<int> MediaLibrary::adopt(Message &m, const QString &exportDir)
{
    int adopted = 0;
    std::optional<Error> failure;
    const auto take = [&](QString &url) {
        if (failure || url.isEmpty() || isReference(url) || url.contains(QLatin1String("://")))
            return;
        const QString path = QDir::isAbsolutePath(url) ? url : QDir(exportDir).filePath(url);
        if (!QFileInfo(path).isFile())
            return; // not downloaded, or moved: the url stays, the view shows a chip
        Expected<QString> reference = add(path);
        if (!reference) {
            failure = reference.error();
            return;
        }
        url = *reference;
        ++adopted;
    };
    const auto user = [&](UserRef &u) { take(u.avatarUrl); };
    const auto embeds = [&](QList<Embed> &list) {
        for (Embed &e : list) {
            take(e.thumbnailUrl);
            take(e.imageUrl);
            take(e.videoUrl);
        }
    };
    take(m.authorAvatarUrl);
    for (Attachment &a : m.attachments)
        take(a.url);
    embeds(m.embeds);
    for (Sticker &s : m.stickers)
        take(s.sourceUrl);
    for (Reaction &r : m.reactions) {
        take(r.emoji.imageUrl);
        for (UserRef &u : r.users)
            user(u);
    }
    for (UserRef &u : m.mentions)
        user(u);
    if (m.interaction)
        user(m.interaction->user);
    if (m.forwarded) {
        for (Attachment &a : m.forwarded->attachments)
            take(a.url);
        embeds(m.forwarded->embeds);
        for (Sticker &s : m.forwarded->stickers)
            take(s.sourceUrl);
    }
    if (failure)
        return *failure;
    return adopted;
}

} // namespace fdd
