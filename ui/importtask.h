#pragma once

#include "dce/exportheader.h"
#include "search/searchservice.h"

#include <QObject>
#include <QStringList>
#include <QThreadPool>

#include <atomic>
#include <memory>

namespace fdd {

struct ImportSummary
{
    int files = 0;
    int failed = 0;
    qint64 inserted = 0;
    qint64 skipped = 0;
    QStringList errors; // one sentence per failed file
    bool cancelled = false;
    // Refused because they end part-way; salvage would import their whole messages.
    QList<std::pair<QString, CutOff>> cutOff;
    // Imported with salvage: the file, how many messages it had whole, where it breaks.
    QStringList salvaged;
};

// Imports export files on a worker thread; progress and the end come back
// as signals on the GUI thread. Cancel stops between batches; the file being
// imported is rolled back, the ones before it stay.
class ImportTask : public QObject
{
    Q_OBJECT

public:
    ImportTask(std::shared_ptr<SearchService> service, QThreadPool *pool, QObject *parent = nullptr);

    // With salvage, files that end part-way are imported up to their last whole message.
    void start(const QStringList &paths, bool salvage = false);
    void cancel() { m_cancel = true; }
    bool isRunning() const { return m_running; }

signals:
    void progress(int percent, const QString &label);
    void finished(const fdd::ImportSummary &summary);

private:
    std::shared_ptr<SearchService> m_service;
    QThreadPool *m_pool;
    std::atomic_bool m_cancel{false};
    bool m_running = false;
};

} // namespace fdd

Q_DECLARE_METATYPE(fdd::ImportSummary)
