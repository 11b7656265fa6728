#include "importtask.h"

#include "dce/importer.h"

#include <QFileInfo>
#include <QPointer>
#include <QtConcurrent>

namespace fdd {

ImportTask::ImportTask(std::shared_ptr<SearchService> service, QThreadPool *pool, QObject *parent)
    : QObject(parent), m_service(std::move(service)), m_pool(pool)
{
}

void ImportTask::start(const QStringList &paths, bool salvage)
{
    m_running = true;
    m_cancel = false;
    QPointer<ImportTask> self(this);
    QtConcurrent::run(m_pool, [this, self, paths, salvage, service = m_service]() {
        ImportSummary summary;
        Expected<QStringList> files = Importer::collectFiles(paths);
        if (!files) {
            summary.failed = 1;
            summary.errors << files.error().message;
            return summary;
        }
        if (files->isEmpty()) {
            summary.errors << tr("No .json export files were found there.");
            return summary;
        }
        summary.files = int(files->size());
        Importer importer(service->store());
        importer.setCancelFlag(&m_cancel);
        importer.setSalvage(salvage);
        int lastPercent = -1;
        importer.setProgressHandler([&](const Importer::Progress &p) {
            const int percent = p.bytesTotal > 0 ? int(p.bytesDone * 100 / p.bytesTotal) : 100;
            if (percent == lastPercent)
                return;
            lastPercent = percent;
            const QString label = tr("Importing %1 (%2 of %3)").arg(QFileInfo(p.path).fileName()).arg(p.fileIndex + 1).arg(p.fileCount);
            emit progress(percent, label); // queued to the GUI thread
        });
        for (const FileImport &r : importer.importFiles(*files)) {
            if (r.error) {
                if (r.error->kind == Error::Kind::Cancelled) {
                    summary.cancelled = true;
                    continue;
                }
                if (r.cutOff) {
                    summary.cutOff.append({r.path, *r.cutOff});
                    continue;
                }
                ++summary.failed;
                summary.errors << r.error->message;
            }
            if (r.brokenAt)
                summary.salvaged << tr("%1: %n message(s) salvaged; the file breaks at byte %2.", nullptr, int(r.inserted + r.skipped))
                                        .arg(QFileInfo(r.path).fileName())
                                        .arg(*r.brokenAt);
            summary.inserted += r.inserted;
            summary.skipped += r.skipped;
        }
        summary.cancelled |= m_cancel.load();
        if (summary.inserted > 0)
            service->dataChanged();
        return summary;
    }).then(this, [this](const ImportSummary &summary) {
        m_running = false;
        emit finished(summary);
    });
}

} // namespace fdd
