#pragma once

#include "elasticclient.h"
#include "messagestore.h"

namespace fdd {

// Messages in an Elasticsearch index (API.md's mapping and English analyzer),
// channels in a second index beside it. Document _id = message id, so a
// re-import overwrites rather than duplicates. Elasticsearch has no
// transactions: an import that fails deletes the documents it created, so a
// file is still all or nothing as far as it can be.
class ElasticStore final : public MessageStore
{
public:
    explicit ElasticStore(ElasticConfig config);

    QString name() const override { return QStringLiteral("es"); }
    QString location() const override { return m_client.config().redacted(); }

    Expected<void> migrate() override;
    Expected<void> ping() override;
    Expected<std::unique_ptr<IngestSession>> beginIngest() override;
    Expected<SearchPage> search(const SearchRequest &request) override;
    Expected<qint64> scan(const SearchRequest &request, const std::function<bool(const Message &)> &visit) override;
    Expected<QList<DayCount>> countByDay(const SearchRequest &request) override;
    Expected<MessageContext> context(Snowflake messageId, int before, int after) override;
    Expected<QList<Channel>> channels() override;
    Expected<QList<Guild>> guilds() override;
    Expected<QList<Author>> authors(int limit) override;
    Expected<StoreStats> stats() override;
    Expected<QList<Watch>> watches() override;
    Expected<void> saveWatch(const Watch &watch) override;
    Expected<void> recordWatchRun(const Watch &watch) override;
    Expected<bool> removeWatch(Snowflake id) override;
    Expected<std::unique_ptr<ChannelLock>> lockChannel(Snowflake channel) override;

    // The query of a request: bool filters of fixed shapes, the user's text
    // only ever a JSON string value (never query_string DSL). A query with
    // in: reads the channels index first.
    Expected<QJsonObject> queryFor(const SearchRequest &request);
    static QJsonObject mapping();

    const ElasticClient &client() const { return m_client; }
    QString channelsIndex() const { return m_client.config().index + QStringLiteral("_channels"); }
    QString watchesIndex() const { return m_client.config().index + QStringLiteral("_watches"); }
    // Export locks: one document per channel being exported, created with
    // _create (so only one process wins), naming its holder's host and pid.
    // A holder on this host that died, or one past its expiry, is taken over
    // with if_seq_no, so two takers cannot both win.
    QString locksIndex() const { return m_client.config().index + QStringLiteral("_locks"); }
    static constexpr qint64 LockLeaseMs = 6 * 3600 * 1000;

    // Bulk batches are flushed at this size.
    static constexpr qsizetype BulkBytes = 4 * 1024 * 1024;

private:
    Expected<QJsonObject> searchBody(const QJsonObject &body, const QString &what) const;

    ElasticClient m_client;
};

} // namespace fdd
