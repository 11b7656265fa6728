#pragma once

#include "model/expected.h"
#include "model/message.h"

#include <QString>

namespace fdd {

class MessageStore;

// The archive's media folder: files an export downloaded (DiscordChatExporter's
// --media: attachments, avatars, emoji, stickers) copied in under their
// content's SHA-256, so a file that many messages or many exports carry is
// kept once. Messages refer to a file as "fdd-media:<sha256>.<ext>"; the
// file lives at <root>/<first two hex digits>/<sha256>.<ext>.
class MediaLibrary
{
public:
    explicit MediaLibrary(QString root) : m_root(std::move(root)) {}

    // Where a store's media go by default: next to an embedded archive
    // ("archive.db" -> "archive.media/"), else the user's data folder;
    // $FDD_MEDIA_DIR when set.
    static QString defaultRoot(const MessageStore &store);

    const QString &root() const { return m_root; }

    // Copies `file` in (once per content) and returns its reference.
    Expected<QString> add(const QString &file);
    // The file a reference names, or an empty string if `reference` is not one
    // of ours or the file is not there.
    QString pathOf(const QString &reference) const;
    static bool isReference(const QString &url) { return url.startsWith(QLatin1String("fdd-media:")); }

    // Every url of `m` that is a local path (relative ones against
    // `exportDir`) and names a file that exists is copied in and replaced by
    // its reference; urls of the web and files that are missing stay as they
    // are. Returns how many files were copied in or found already there.
    Expected<int> adopt(Message &m, const QString &exportDir);

private:
    QString m_root;
};

} // namespace fdd
