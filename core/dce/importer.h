#pragma once

#include "exportheader.h"
#include "media/medialibrary.h"
#include "model/expected.h"
#include "store/messagestore.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>

namespace fdd {

// The outcome of importing one export file: all of it, or none of it.
struct FileImport
{
    QString path;
    qint64 inserted = 0;
    qint64 skipped = 0;
    qint64 mediaFiles = 0; // local media (--media) copied into the archive's media folder
    ExportHeader header;
    std::optional<Error> error; // set when nothing of this file was stored
    // Refused because it ends part-way: what salvage would import.
    std::optional<CutOff> cutOff;
    // Imported with salvage: the byte where the file breaks.
    std::optional<qint64> brokenAt;
};

// Streams DiscordChatExporter exports into a store, one transaction per file.
class Importer
{
public:
    struct Progress
    {
        int fileIndex = 0;  // 0-based, into the list of files
        int fileCount = 0;
        QString path;
        qint64 bytesDone = 0;  // over all files
        qint64 bytesTotal = 0;
    };
    using ProgressHandler = std::function<void(const Progress &)>;

    // Local media of the exports go to the store's media folder
    // (MediaLibrary::defaultRoot) unless setMediaLibrary says otherwise.
    explicit Importer(MessageStore &store);

    // nullptr: local media paths are stored as they are, nothing is copied.
    void setMediaLibrary(std::shared_ptr<MediaLibrary> library) { m_media = std::move(library); }
    void setProgressHandler(ProgressHandler handler) { m_progress = std::move(handler); }
    void setCancelFlag(const std::atomic_bool *cancel) { m_cancel = cancel; }
    void setBatchSize(int size) { m_batchSize = size; }
    // Files that end part-way are imported up to their last whole message
    // (all of those or none), instead of refused.
    void setSalvage(bool salvage) { m_salvage = salvage; }

    // The export files a list of files and folders names: folders are searched
    // recursively for *.json, in name order. Unreadable paths are errors.
    static Expected<QStringList> collectFiles(const QStringList &paths);

    // Called as each file ends; returning false stops before the next file.
    using FileDoneHandler = std::function<bool(const FileImport &)>;

    FileImport importFile(const QString &path);
    QList<FileImport> importFiles(const QStringList &files, const FileDoneHandler &onFileDone = {});

private:
    FileImport importOne(const QString &path, qint64 bytesBefore);

    MessageStore &m_store;
    std::shared_ptr<MediaLibrary> m_media;
    ProgressHandler m_progress;
    const std::atomic_bool *m_cancel = nullptr;
    int m_batchSize = 5000;
    bool m_salvage = false;
    int m_fileIndex = 0;
    int m_fileCount = 1;
    qint64 m_bytesTotal = 0;
};

} // namespace fdd
