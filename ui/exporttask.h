#pragma once

#include "dce/exportjob.h"
#include "search/searchservice.h"

#include <QObject>
#include <QThreadPool>

#include <atomic>
#include <memory>

namespace fdd {

// Runs an ExportJob (DiscordChatExporter, then the import) on a worker
// thread; progress, each channel's outcome and the end arrive as signals on
// the GUI thread.
class ExportTask : public QObject
{
    Q_OBJECT

public:
    ExportTask(std::shared_ptr<SearchService> service, QThreadPool *pool, QObject *parent = nullptr);

    void start(const DceProgram &program, const QString &token, const ExportPlan &plan);
    void cancel() { m_cancel = true; }
    bool isRunning() const { return m_running; }

signals:
    void progress(int index, int count, const QString &label, int percent, bool importing);
    void channelDone(const QString &name, qint64 inserted, qint64 skipped, const QString &error);
    void finished(qint64 inserted, int failed, bool cancelled);

private:
    std::shared_ptr<SearchService> m_service;
    QThreadPool *m_pool;
    std::atomic_bool m_cancel{false};
    bool m_running = false;
};

} // namespace fdd
