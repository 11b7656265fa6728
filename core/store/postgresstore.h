#pragma once

#include "connectionpool.h"
#include "databaseurl.h"
#include "messagestore.h"

#include <QDate>
#include <QMutex>
#include <QSet>

#include <functional>
#include <memory>
#include <optional>

namespace fdd {

class CommonElements;

// PostgreSQL: discord_chats partitioned by month, English tsvector + GIN,
// pg_trgm GIN for substring, bulk ingest by COPY into a staging table.
class PostgresStore final : public MessageStore
{
public:
    explicit PostgresStore(const DatabaseUrl &url);
    ~PostgresStore() override;

    QString name() const override { return QStringLiteral("postgres"); }
    QString location() const override { return m_url.redacted(); }

    Expected<void> migrate() override;
    // Up to `target` only: how the tests make an archive of an older version.
    Expected<void> migrateTo(int target);
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
    Expected<void> optimize() override;

    // The schema version migrate() brings a database to.
    static int schemaVersion();

    // How many of the newest messages a page asked with its total is looked
    // for in before the counted search answers (see search()): a page of a
    // term in 1% of messages fills in about 1,000; 2,000 cost ~2 ms.
    static constexpr qint64 exactWalkRows = 2000;

    // The text COPY format of one message, in the column order of the staging
    // table; shared with the benchmark's psql \copy baseline.
    static void appendCopyRow(std::string &out, const Message &message);
    static QString copyColumns();

private:
    friend class PostgresIngestSession;
    Expected<QSqlDatabase> database();
    // How common a Substring's or a FullText's text is, from PostgreSQL's
    // statistics (CommonElements); none for any other request.
    Expected<std::optional<double>> commonShare(const QSqlDatabase &db, const SearchRequest &request,
                                                const QSet<QString> &pieced);
    Error failure(const QSqlDatabase &db, const QString &what, const QString &detail);
    std::function<Error(const QString &, const QString &)> failureFor(const QSqlDatabase &db);

    // What imports committed since the last optimize(): their months and rows.
    void noteImported(const QSet<QDate> &months, qint64 rows);

    DatabaseUrl m_url;
    ConnectionPool m_pool;
    std::unique_ptr<CommonElements> m_commonPieces;  // of content_words
    std::unique_ptr<CommonElements> m_commonLexemes; // of content_tsvector
    QMutex m_importedLock;
    QSet<QDate> m_importedMonths;
    qint64 m_importedRows = 0;
};

} // namespace fdd
