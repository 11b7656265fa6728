#include "importer.h"

#include "dcereader.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcImport, "fdd.import")

namespace fdd {

Importer::Importer(MessageStore &store)
    : m_store(store)
    , m_media(std::make_shared<MediaLibrary>(MediaLibrary::defaultRoot(store)))
{
}

Expected<QStringList> Importer::collectFiles(const QStringList &paths)
{
    QStringList files;
    for (const QString &path : paths) {
        const QFileInfo info(path);
        if (!info.exists())
            return Error::badInput(QStringLiteral("%1 does not exist.").arg(QDir::toNativeSeparators(path)));
        if (info.isDir()) {
            QStringList found;
            QDirIterator it(path, {QStringLiteral("*.json")}, QDir::Files | QDir::Readable,
                            QDirIterator::Subdirectories | QDirIterator::FollowSymlinks);
            while (it.hasNext())
                found << it.next();
            std::sort(found.begin(), found.end());
            files += found;
        } else {
            files << path;
        }
    }
    return files;
}

FileImport Importer::importFile(const QString &path)
{
    m_fileIndex = 0;
    m_fileCount = 1;
    m_bytesTotal = QFileInfo(path).size();
    return importOne(path, 0);
}

QList<FileImport> Importer::importFiles(const QStringList &files, const FileDoneHandler &onFileDone)
{
    m_fileCount = int(files.size());
    m_bytesTotal = 0;
    for (const QString &f : files)
        m_bytesTotal += QFileInfo(f).size();
    QList<FileImport> results;
    qint64 before = 0;
    for (m_fileIndex = 0; m_fileIndex < files.size(); ++m_fileIndex) {
        results.append(importOne(files.at(m_fileIndex), before));
        before += QFileInfo(files.at(m_fileIndex)).size();
        if ((m_cancel && m_cancel->load()) || (onFileDone && !onFileDone(results.constLast())))
            break;
    }
    return results;
}

FileImport Importer::importOne(const QString &path, qint64 bytesBefore)
{
    FileImport result;
    result.path = path;
    const auto fail = [&](const Error &error) {
        result.error = error;
        result.inserted = 0;
        result.skipped = 0;
        result.mediaFiles = 0;
        qCWarning(lcImport).noquote() << error.message;
        return result;
    };
    if (m_cancel && m_cancel->load())
        return fail(Error::cancelled(QStringLiteral("%1: the import was cancelled.").arg(QDir::toNativeSeparators(path))));

    Expected<std::unique_ptr<IngestSession>> session = m_store.beginIngest();
    if (!session)
        return fail(session.error());

    bool channelAdded = false;
    const QString exportDir = QFileInfo(path).absolutePath();
    const auto onBatch = [&](const ExportHeader &header, const QList<Message> &batch) -> Expected<void> {
        if (!channelAdded) {
            channelAdded = true;
            if (Expected<void> r = (*session)->addChannel(header.guild, header.channel); !r)
                return r;
        }
        if (!m_media)
            return (*session)->addMessages(batch);
        // Media the export downloaded are copied in before their messages
        // refer to them (a failed file leaves only unreferenced copies).
        QList<Message> adopted = batch;
        for (Message &m : adopted) {
            Expected<int> n = m_media->adopt(m, exportDir);
            if (!n)
                return n.error();
            result.mediaFiles += *n;
        }
        return (*session)->addMessages(adopted);
    };
    DceReader::Options options;
    options.batchSize = m_batchSize;
    options.cancel = m_cancel;
    options.salvage = m_salvage;
    CutOff cutOff;
    options.cutOff = &cutOff;
    if (m_progress) {
        options.progress = [&](qint64 done, qint64) {
            m_progress({m_fileIndex, m_fileCount, path, bytesBefore + done, m_bytesTotal});
        };
    }
    Expected<ReadSummary> read = DceReader::read(path, onBatch, options);
    if (!read) {
        if (cutOff.offset > 0)
            result.cutOff = cutOff;
        return fail(read.error()); // the session rolls back when it goes out of scope
    }
    result.brokenAt = read->brokenAt;
    result.header = read->header;
    if (!channelAdded) { // an export of a channel with no messages still names its channel
        if (Expected<void> r = (*session)->addChannel(read->header.guild, read->header.channel); !r)
            return fail(r.error());
    }
    Expected<IngestResult> committed = (*session)->commit();
    if (!committed)
        return fail(committed.error());
    result.inserted = committed->inserted;
    result.skipped = committed->skipped;
    if (m_progress)
        m_progress({m_fileIndex, m_fileCount, path, bytesBefore + read->bytes, m_bytesTotal});
    qCInfo(lcImport).noquote() << QDir::toNativeSeparators(path) << "inserted" << result.inserted << "skipped"
                               << result.skipped;
    return result;
}

} // namespace fdd
