#include "reindexer.h"

#include <QHash>

namespace fdd {

Expected<Reindexer::Result> Reindexer::run()
{
    Expected<QList<Channel>> channels = m_from.channels();
    if (!channels)
        return channels.error();
    Expected<QList<Guild>> guilds = m_from.guilds();
    if (!guilds)
        return guilds.error();
    QHash<Snowflake, Guild> guildById;
    for (const Guild &g : *guilds)
        guildById.insert(g.id, g);

    Result result;
    Progress progress;
    progress.channelCount = int(channels->size());
    for (const Channel &channel : *channels) {
        if (m_cancel && m_cancel->load())
            return Error::cancelled(QStringLiteral("Reindexing was cancelled after %1 channels; run it again to finish.")
                                        .arg(result.channels));
        progress.channel = channel.name;
        if (m_progress)
            m_progress(progress);
        Expected<std::unique_ptr<IngestSession>> session = m_to.beginIngest();
        if (!session)
            return session.error();
        if (Expected<void> added = (*session)->addChannel(guildById.value(channel.guildId, Guild{channel.guildId, {}}), channel);
            !added)
            return added.error();
        SearchRequest every;
        every.kind = SearchRequest::Kind::Date;
        every.startDate = QDate(1970, 1, 1);
        every.endDate = QDate(9999, 12, 31);
        every.channelId = channel.id;
        QList<Message> batch;
        std::optional<Error> failed;
        const auto flush = [&] {
            if (Expected<void> added = (*session)->addMessages(batch); !added)
                failed = added.error();
            progress.copied += batch.size();
            batch.clear();
            if (m_progress)
                m_progress(progress);
            return !failed && !(m_cancel && m_cancel->load());
        };
        Expected<qint64> scanned = m_from.scan(every, [&](const Message &m) {
            batch.append(m);
            return batch.size() < m_batchSize || flush();
        });
        if (!scanned)
            return scanned.error();
        if (!failed && !batch.isEmpty())
            flush();
        if (failed)
            return *failed;
        if (m_cancel && m_cancel->load())
            continue; // the session rolls back; the loop's check reports it
        Expected<IngestResult> committed = (*session)->commit();
        if (!committed)
            return committed.error();
        result.inserted += committed->inserted;
        result.skipped += committed->skipped;
        ++result.channels;
        ++progress.channelIndex;
    }
    return result;
}

} // namespace fdd
