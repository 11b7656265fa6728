#include "exporttask.h"

#include <QtConcurrent>

namespace fdd {

ExportTask::ExportTask(std::shared_ptr<SearchService> service, QThreadPool *pool, QObject *parent)
    : QObject(parent), m_service(std::move(service)), m_pool(pool)
{
}

void ExportTask::start(const DceProgram &program, const QString &token, const ExportPlan &plan)
{
    m_running = true;
    m_cancel = false;
    struct Outcome
    {
        qint64 inserted = 0;
        int failed = 0;
    };
    QtConcurrent::run(m_pool, [this, program, token, plan, service = m_service]() {
        ExportJob job(program, token, service->store());
        job.setCancelFlag(&m_cancel);
        job.setProgressHandler([this](const ExportJob::Progress &p) {
            emit progress(p.index, p.count, p.label, p.percent, p.phase == ExportJob::Progress::Phase::Importing);
        });
        Outcome outcome;
        job.setItemDoneHandler([&](const ChannelExport &r) {
            const QString name = r.name.isEmpty() ? QString::number(r.id) : r.name;
            if (r.error)
                ++outcome.failed;
            outcome.inserted += r.inserted;
            emit channelDone(name, r.inserted, r.skipped, r.error ? r.error->message : QString());
        });
        job.run(plan);
        if (outcome.inserted > 0)
            service->dataChanged();
        return outcome;
    }).then(this, [this](const Outcome &o) {
        m_running = false;
        emit finished(o.inserted, o.failed, m_cancel.load());
    });
}

} // namespace fdd
