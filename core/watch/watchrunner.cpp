#include "watchrunner.h"

#include <QLocale>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcWatch, "fdd.watch")

namespace fdd {

namespace {

constexpr qint64 busyRetryMs = 60 * 1000;

bool stopsThePass(const Error &e)
{
    return e.kind == Error::Kind::Unavailable || e.message.startsWith(QLatin1String("Discord refused the token"));
}

} // namespace

WatchRunner::WatchRunner(std::shared_ptr<SearchService> service, DceProgram program, QString token)
    : m_service(std::move(service)), m_program(std::move(program)), m_token(std::move(token))
{
}

qint64 WatchRunner::nextDueMs(const QList<Watch> &watches)
{
    qint64 next = 0;
    for (const Watch &w : watches)
        if (!w.paused && (next == 0 || w.nextRunMs < next))
            next = std::max<qint64>(w.nextRunMs, 1);
    return next;
}

Watch WatchRunner::newWatch(Snowflake id, bool isGuild, qint64 intervalSeconds, qint64 nowMs)
{
    Watch w;
    w.id = id;
    w.isGuild = isGuild;
    w.intervalSeconds = intervalSeconds;
    w.nextRunMs = nowMs;
    return w;
}

Expected<Watch> WatchRunner::prepare(MessageStore &store, Snowflake id, std::optional<bool> isGuild,
                                     qint64 intervalSeconds, bool includeThreads, qint64 nowMs)
{
    if (id == 0)
        return Error::badInput(QStringLiteral("A watch needs a channel or server id: Discord ids are numbers such as 1070040462135873587."));
    if (intervalSeconds < Watch::minimumIntervalSeconds || intervalSeconds > Watch::maximumIntervalSeconds)
        return Error::badInput(QStringLiteral("A watch's interval must be between 1 minute and 366 days."));
    Watch w = newWatch(id, false, intervalSeconds, nowMs);
    w.includeThreads = includeThreads;
    Expected<QList<Guild>> guilds = store.guilds();
    if (!guilds)
        return guilds.error();
    Expected<QList<Channel>> channels = store.channels();
    if (!channels)
        return channels.error();
    const auto guild = std::find_if(guilds->cbegin(), guilds->cend(), [id](const Guild &g) { return g.id == id; });
    const auto channel = std::find_if(channels->cbegin(), channels->cend(), [id](const Channel &c) { return c.id == id; });
    w.isGuild = isGuild.value_or(guild != guilds->cend());
    if (w.isGuild && guild != guilds->cend())
        w.name = guild->name;
    if (!w.isGuild && channel != channels->cend() && !channel->name.isEmpty())
        w.name = QLatin1Char('#') + channel->name;
    return w;
}

Expected<WatchRunReport> WatchRunner::runDue()
{
    Expected<QList<Watch>> all = m_service->store().watches();
    if (!all)
        return all.error();
    const qint64 t = now();
    QList<Watch> due;
    for (const Watch &w : *all)
        if (w.isDue(t) && m_leftUntil.value(w.id, 0) <= t)
            due.append(w);
    return runWatches(due);
}

Expected<WatchRunReport> WatchRunner::runNow(const QList<Snowflake> &ids)
{
    Expected<QList<Watch>> all = m_service->store().watches();
    if (!all)
        return all.error();
    QList<Watch> chosen;
    for (Snowflake id : ids) {
        const auto it = std::find_if(all->cbegin(), all->cend(), [id](const Watch &w) { return w.id == id; });
        if (it == all->cend())
            return Error::notFound(QStringLiteral("%1 is not on the watch list.").arg(id));
        chosen.append(*it);
    }
    return runWatches(chosen);
}

Expected<WatchRunReport> WatchRunner::runWatches(QList<Watch> watches)
{
    WatchRunReport report;
    std::optional<Error> fatal = m_failure;
    for (Watch &w : watches) {
        if (!runOne(w, report, fatal)) {
            report.cancelled = true;
            break;
        }
    }
    if (report.added > 0)
        m_service->dataChanged(m_cancel);
    return report;
}

bool WatchRunner::runOne(Watch &w, WatchRunReport &report, std::optional<Error> &fatal)
{
    if (m_cancel && m_cancel->load())
        return false;
    const qint64 start = now();
    qint64 added = 0;
    int done = 0, busy = 0;
    QList<Error> errors;
    if (fatal) {
        errors.append(*fatal);
    } else {
        ExportPlan plan;
        plan.update = true;
        plan.includeThreads = w.includeThreads;
        plan.timeout = m_timeout;
        (w.isGuild ? plan.guilds : plan.channels) = {w.id};
        ExportJob job(m_program, m_token, m_service->store());
        job.setCancelFlag(m_cancel);
        job.setProgressHandler(m_progress);
        const QList<ChannelExport> results = job.run(plan);
        for (const ChannelExport &r : results) {
            if (!w.isGuild && r.id == w.id && !r.name.isEmpty())
                w.name = r.name;
            if (!r.error) {
                ++done;
                added += r.inserted;
            } else if (r.error->kind == Error::Kind::Cancelled) {
                return false;
            } else if (r.error->kind == Error::Kind::Busy) {
                ++busy;
            } else {
                errors.append(*r.error);
                if (stopsThePass(*r.error))
                    fatal = r.error;
            }
        }
        if (m_cancel && m_cancel->load())
            return false;
    }
    report.added += added;
    const qint64 end = now();
    if (busy > 0 && done == 0 && errors.isEmpty()) {
        // Another process is exporting it now: its run will be recorded by it.
        m_leftUntil.insert(w.id, end + busyRetryMs);
        qCInfo(lcWatch) << "watch" << w.id << "left to the process exporting it";
        return true;
    }
    ++report.ran;
    if (w.isGuild && w.name.isEmpty()) {
        if (Expected<QList<Guild>> guilds = m_service->store().guilds())
            for (const Guild &g : *guilds)
                if (g.id == w.id)
                    w.name = g.name;
    }
    w.lastRunMs = end;
    if (errors.isEmpty() || done > 0) {
        w.failures = 0;
        w.lastSuccessMs = end;
        w.lastAdded = added;
        w.lastError = errors.isEmpty() ? QString()
                                       : QStringLiteral("%1 of %2 channels failed: %3")
                                             .arg(errors.size())
                                             .arg(errors.size() + done)
                                             .arg(errors.first().message);
        w.nextRunMs = std::max(start + w.intervalSeconds * 1000, end);
    } else {
        ++report.failed;
        w.failures += 1;
        w.lastError = errors.first().message;
        w.nextRunMs = end + qint64(watchtime::retryDelay(w.failures, w.intervalSeconds).count()) * 1000;
    }
    m_leftUntil.remove(w.id);
    qCInfo(lcWatch).noquote() << "watch" << w.id << (w.failures ? "failed:" : "added") << (w.failures ? w.lastError : QString::number(added));
    if (Expected<void> recorded = m_service->store().recordWatchRun(w); !recorded)
        qCWarning(lcWatch).noquote() << "the run of watch" << w.id << "could not be recorded:" << recorded.error().message;
    if (m_watchDone)
        m_watchDone(w);
    return true;
}

} // namespace fdd
