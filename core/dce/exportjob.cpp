#include "exportjob.h"

#include <QDir>
#include <QStandardPaths>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>
#include <QTemporaryDir>

namespace fdd {

namespace {

// Failures after which the next channel would fail the same way.
bool stopsEverything(const Error &e)
{
    return e.kind == Error::Kind::Unavailable || e.kind == Error::Kind::Cancelled
        || e.message.startsWith(QLatin1String("Discord refused the token"));
}

ChannelExport failure(Error error, Snowflake id = 0, bool isGuild = false, QString after = {})
{
    ChannelExport r;
    r.id = id;
    r.isGuild = isGuild;
    r.after = std::move(after);
    r.error = std::move(error);
    return r;
}

QString labelOf(const Channel &c)
{
    return c.name.isEmpty() ? QString::number(c.id) : QLatin1Char('#') + c.name;
}

} // namespace

QString dceDate(const QDateTime &utc)
{
    return utc.toUTC().toString(Qt::ISODate);
}

Expected<QDateTime> parseExportDate(const QString &input, const QString &name)
{
    const QString text = input.trimmed();
    if (text.size() <= 10) {
        const QDate date = QDate::fromString(text, Qt::ISODate);
        if (date.isValid())
            return QDateTime(date, QTime(0, 0), Qt::UTC);
    }
    static const QRegularExpression digits(QStringLiteral("^[0-9]{11,19}$"));
    if (digits.match(text).hasMatch()) {
        constexpr qint64 discordEpochMs = 1420070400000;
        return QDateTime::fromMSecsSinceEpoch(qint64(text.toULongLong() >> 22) + discordEpochMs, Qt::UTC);
    }
    if (text.size() <= 40) {
        const QDateTime at = QDateTime::fromString(text, Qt::ISODateWithMs);
        if (at.isValid())
            return at.timeSpec() == Qt::LocalTime ? QDateTime(at.date(), at.time(), Qt::UTC) : at.toUTC();
    }
    return Error::badInput(QStringLiteral("%1 must be a date (YYYY-MM-DD), a date and time in ISO 8601, or a message id.")
                               .arg(name));
}

ExportJob::ExportJob(DceProgram program, QString token, MessageStore &store)
    : m_program(std::move(program)), m_token(std::move(token)), m_store(store)
{
}

Expected<void> ExportJob::validate(const ExportPlan &plan)
{
    if (plan.channels.isEmpty() && plan.guilds.isEmpty())
        return Error::badInput(QStringLiteral("Name at least one channel or server to export."));
    for (Snowflake id : plan.channels + plan.guilds)
        if (id == 0)
            return Error::badInput(QStringLiteral("0 is not a channel or server id."));
    if (plan.after && !plan.after->isValid())
        return Error::badInput(QStringLiteral("The start of the export window is not a valid date."));
    if (plan.before && !plan.before->isValid())
        return Error::badInput(QStringLiteral("The end of the export window is not a valid date."));
    if (plan.after && plan.before && *plan.after >= *plan.before)
        return Error::badInput(QStringLiteral("The export window ends (%1) before it starts (%2).")
                                   .arg(dceDate(*plan.before), dceDate(*plan.after)));
    if (plan.update && plan.after)
        return Error::badInput(QStringLiteral("Choose either an update since the last export or a start date, not both."));
    if (plan.timeout.count() <= 0)
        return Error::badInput(QStringLiteral("The export time limit must be positive."));
    return {};
}

QString ExportJob::afterFor(const ExportPlan &plan, Snowflake lastArchived, const QDateTime &now)
{
    if (plan.after)
        return dceDate(*plan.after);
    if (plan.update && lastArchived != 0)
        return QString::number(lastArchived);
    return dceDate(now.addDays(-ExportPlan::defaultWindowDays));
}

void ExportJob::report(const QString &label, int percent, Progress::Phase phase)
{
    if (m_progress)
        m_progress(Progress{m_index, m_count, label, percent, phase});
}

QList<ChannelExport> ExportJob::run(const ExportPlan &plan)
{
    QList<ChannelExport> results;
    const auto finish = [&](ChannelExport r) {
        if (m_itemDone)
            m_itemDone(r);
        results.append(std::move(r));
    };
    if (Expected<void> ok = validate(plan); !ok) {
        finish(failure(ok.error()));
        return results;
    }
    QTemporaryDir work(QDir::temp().filePath(QStringLiteral("fastdiscorddb-export-XXXXXX")));
    if (!work.isValid()) {
        finish(failure(Error::unavailable(QStringLiteral("No temporary folder could be made for the export (%1). "
                                                         "Free some disk space.").arg(work.errorString()))));
        return results;
    }
    if (!plan.keepFolder.isEmpty() && !QDir().mkpath(plan.keepFolder)) {
        finish(failure(Error::badInput(QStringLiteral("The folder %1 cannot be made to keep the exports in.")
                                           .arg(QDir::toNativeSeparators(plan.keepFolder)))));
        return results;
    }

    QHash<Snowflake, Channel> archived;
    if (plan.update) {
        Expected<QList<Channel>> known = m_store.channels();
        if (!known) {
            finish(failure(known.error()));
            return results;
        }
        for (const Channel &c : *known)
            archived.insert(c.id, c);
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();

    // A server's channel list (with threads when asked), listed once a run.
    QHash<Snowflake, Expected<QList<Channel>>> listings;
    const auto listingOf = [&](Snowflake guild) -> const Expected<QList<Channel>> & {
        auto it = listings.find(guild);
        if (it == listings.end()) {
            DceProcess dce(m_program, m_token);
            dce.setCancelFlag(m_cancel);
            dce.setTimeout(plan.timeout);
            it = listings.insert(guild, dce.channels(guild, plan.includeThreads));
        }
        return *it;
    };

    // With --update, a server is its channels, each from its own newest message.
    QList<Snowflake> channels = plan.channels;
    QList<Snowflake> guilds;
    if (plan.update) {
        for (Snowflake g : plan.guilds) {
            const Expected<QList<Channel>> &listed = listingOf(g);
            if (!listed) {
                finish(failure(listed.error(), g, true));
                if (stopsEverything(listed.error()))
                    return results;
                continue;
            }
            for (const Channel &c : *listed)
                if (!channels.contains(c.id))
                    channels.append(c.id);
        }
    } else {
        guilds = plan.guilds;
    }

    m_count = int(channels.size() + guilds.size());
    m_index = 0;
    std::optional<Error> fatal;
    const QList<Snowflake> named = plan.channels;
    for (qsizetype i = 0; i < channels.size(); ++i) {
        const Snowflake id = channels.at(i);
        ChannelExport r;
        if (fatal) {
            r = failure(*fatal, id);
        } else {
            r = exportChannel(id, afterFor(plan, archived.value(id).lastMessageId, now), plan, work.path());
            if (r.error && stopsEverything(*r.error))
                fatal = r.error;
        }
        // A channel named in the plan brings its threads, once its server is known.
        const Snowflake guild = r.guildId ? r.guildId : archived.value(id).guildId;
        if (plan.update && plan.includeThreads && !fatal && named.contains(id) && guild != 0) {
            const Expected<QList<Channel>> &listed = listingOf(guild);
            for (const Channel &c : listed ? *listed : QList<Channel>())
                if (c.parentId == id && !channels.contains(c.id)) {
                    channels.append(c.id);
                    ++m_count;
                }
        }
        finish(r);
        ++m_index;
    }
    for (Snowflake g : guilds) {
        if (fatal) {
            finish(failure(*fatal, g, true));
        } else {
            for (ChannelExport &r : exportGuild(g, plan, work.path())) {
                if (r.error && stopsEverything(*r.error))
                    fatal = r.error;
                finish(r);
            }
        }
        ++m_index;
    }
    return results;
}

QString ExportJob::mediaDirFor(const ExportPlan &plan)
{
    if (!plan.downloadMedia)
        return {};
    const QString dir = !plan.mediaCache.isEmpty()
                          ? plan.mediaCache
                          : QDir(QStandardPaths::writableLocation(QStandardPaths::CacheLocation)).filePath(QStringLiteral("dce-media"));
    QDir().mkpath(dir);
    return dir;
}

ChannelExport ExportJob::exportChannel(Snowflake channel, const QString &after, const ExportPlan &plan, const QString &workDir)
{
    ChannelExport result;
    result.id = channel;
    result.after = after;
    Expected<std::unique_ptr<ChannelLock>> lock = m_store.lockChannel(channel);
    if (!lock) {
        result.error = lock.error();
        return result;
    }
    if (!*lock) {
        result.error = Error::busy(QStringLiteral("Channel %1 is being exported by another FastDiscordDB process right "
                                                  "now; it was left to that one.").arg(channel));
        return result;
    }
    const QString file = QDir(workDir).filePath(QStringLiteral("channel-%1.json").arg(channel));
    DceProcess dce(m_program, m_token);
    dce.setCancelFlag(m_cancel);
    dce.setTimeout(plan.timeout);
    report(QString::number(channel), 0, Progress::Phase::Exporting);
    Expected<void> exported = dce.exportChannel(
        channel, {after, plan.before ? dceDate(*plan.before) : QString(), file, mediaDirFor(plan)},
        [&](const QString &label, int percent) { report(label, percent, Progress::Phase::Exporting); });
    if (!exported) {
        QFile::remove(file); // a half-written export is never imported
        result.error = exported.error();
        return result;
    }
    if (!QFileInfo::exists(file))
        return result; // nothing in the window: DCE wrote no file
    importInto(result, file, plan);
    return result;
}

QList<ChannelExport> ExportJob::exportGuild(Snowflake guild, const ExportPlan &plan, const QString &workDir)
{
    const QString folder = QDir(workDir).filePath(QStringLiteral("guild-%1").arg(guild));
    QDir().mkpath(folder);
    const QString after = afterFor(plan, 0, QDateTime::currentDateTimeUtc());
    DceProcess dce(m_program, m_token);
    dce.setCancelFlag(m_cancel);
    dce.setTimeout(plan.timeout);
    report(QString::number(guild), 0, Progress::Phase::Exporting);
    Expected<void> exported = dce.exportGuild(
        guild, {after, plan.before ? dceDate(*plan.before) : QString(), folder + QLatin1Char('/'), mediaDirFor(plan)},
        [&](const QString &label, int percent) { report(label, percent, Progress::Phase::Exporting); });
    if (!exported) {
        QDir(folder).removeRecursively();
        return {failure(exported.error(), guild, true, after)};
    }
    QList<ChannelExport> results;
    Expected<QStringList> files = Importer::collectFiles({folder});
    for (const QString &file : files ? *files : QStringList()) {
        ChannelExport r;
        r.after = after;
        importInto(r, file, plan);
        results.append(r);
        if (cancelled())
            break;
    }
    return results;
}

void ExportJob::importInto(ChannelExport &result, const QString &file, const ExportPlan &plan)
{
    Importer importer(m_store);
    importer.setCancelFlag(m_cancel);
    const QString shown = QFileInfo(file).fileName();
    importer.setProgressHandler([&](const Importer::Progress &p) {
        report(shown, p.bytesTotal > 0 ? int(p.bytesDone * 100 / p.bytesTotal) : 100, Progress::Phase::Importing);
    });
    const FileImport imported = importer.importFile(file);
    if (imported.header.channel.id != 0)
        result.id = imported.header.channel.id;
    result.guildId = imported.header.guild.id;
    result.name = labelOf(imported.header.channel);
    result.inserted = imported.inserted;
    result.skipped = imported.skipped;
    result.error = imported.error;
    if (!plan.keepFolder.isEmpty()) {
        const QString kept = QDir(plan.keepFolder).filePath(QFileInfo(file).fileName());
        QFile::remove(kept);
        if (QFile::rename(file, kept) || QFile::copy(file, kept))
            result.keptFile = kept;
    }
    QFile::remove(file);
}

} // namespace fdd
