#include "watchscheduler.h"

#include "store/connectionpool.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcWatch)

namespace fdd {

WatchScheduler::WatchScheduler(Options options) : m_options(std::move(options)) {}

WatchScheduler::~WatchScheduler()
{
    stop();
}

void WatchScheduler::start()
{
    if (m_thread)
        return;
    m_thread.reset(QThread::create([this] { loop(); }));
    m_thread->setObjectName(QStringLiteral("watches"));
    m_thread->start();
}

void WatchScheduler::wake()
{
    {
        std::lock_guard lock(m_mutex);
        m_woken = true;
    }
    m_wake.notify_all();
}

void WatchScheduler::runNow(const QList<Snowflake> &ids)
{
    {
        std::lock_guard lock(m_mutex);
        for (Snowflake id : ids)
            if (!m_requested.contains(id))
                m_requested.append(id);
        m_woken = true;
    }
    m_wake.notify_all();
}

bool WatchScheduler::stop(std::chrono::milliseconds deadline)
{
    m_options.stopping->store(true);
    wake();
    if (!m_thread)
        return true;
    if (!m_thread->wait(QDeadlineTimer(deadline)))
        return false;
    m_thread.reset();
    return true;
}

void WatchScheduler::loop()
{
    WatchRunner runner(m_options.service, m_options.program, QString());
    runner.setCancelFlag(m_options.stopping.get());
    runner.setTimeout(m_options.timeout);
    runner.setProgressHandler(m_options.progress);
    runner.setWatchDoneHandler(m_options.watchDone);
    const std::atomic_bool &stopping = *m_options.stopping;
    while (!stopping.load()) {
        QList<Snowflake> requested;
        {
            std::lock_guard lock(m_mutex);
            requested.swap(m_requested);
            m_woken = false;
        }
        m_inPass.store(true);
        const Expected<QString> token = m_options.token ? m_options.token() : Expected<QString>(QString());
        runner.setToken(token ? *token : QString());
        runner.setFailure(token ? std::nullopt : std::optional<Error>(token.error()));
        // What was asked for first; then what is due (those just run are not due any more).
        WatchRunReport asked;
        if (!requested.isEmpty()) {
            Expected<QList<Watch>> all = m_options.service->store().watches();
            QList<Snowflake> still; // removed meanwhile: nothing to run
            for (Snowflake id : requested)
                if (all && std::any_of(all->cbegin(), all->cend(), [&](const Watch &w) { return w.id == id; }))
                    still.append(id);
            if (Expected<WatchRunReport> now = runner.runNow(still))
                asked = *now;
        }
        Expected<WatchRunReport> report = stopping.load() ? Expected<WatchRunReport>(asked) : runner.runDue();
        if (report) {
            report->ran += asked.ran;
            report->failed += asked.failed;
            report->added += asked.added;
        }
        m_inPass.store(false);
        if (!report)
            qCWarning(lcWatch).noquote() << "the watch list could not be read:" << report.error().message;
        else if (m_options.passDone)
            m_options.passDone(*report);

        // Until the next is due, a minute at most (another process may add one).
        auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
        if (Expected<QList<Watch>> all = m_options.service->store().watches()) {
            if (const qint64 next = WatchRunner::nextDueMs(*all); next > 0) {
                const qint64 wait = std::max<qint64>(next - QDateTime::currentMSecsSinceEpoch(), 1000);
                until = std::min(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(wait));
            }
        }
        std::unique_lock lock(m_mutex);
        m_wake.wait_until(lock, until, [&] { return m_woken || stopping.load(); });
    }
    ConnectionPool::closeThreadConnections();
}

} // namespace fdd
