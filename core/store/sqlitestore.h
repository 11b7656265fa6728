#pragma once

#include "connectionpool.h"
#include "messagestore.h"

#include <functional>

namespace fdd {

// The embedded default: one SQLite file, WAL mode, FTS5 tables kept in sync by
// triggers — porter/unicode61 for full text, trigram for substring.
class SqliteStore final : public MessageStore
{
public:
    explicit SqliteStore(QString path);
    ~SqliteStore() override;

    // The archive's default place: archive.db in the application's data folder.
    static QString defaultPath();

    QString name() const override { return QStringLiteral("sqlite"); }
    QString location() const override { return m_path; }

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

    static int schemaVersion();

    // The words of a full-text term as an FTS5 query: each word quoted, stop
    // words dropped, as PostgreSQL's plainto_tsquery('english', …) does.
    // Empty when nothing searchable is left.
    static QString fullTextQuery(const QString &term);

    // How many of SQLite's steps a query's page wanted before its count may
    // take before the counted search answers instead (tests make it tiny to
    // see the counted answer take over).
    static constexpr int defaultPageFirstSteps = 400000;
    // The budget of a query's page asked with its total, before the counted
    // search answers it (~4,000 messages walked, ~1.5 ms).
    static constexpr int exactPageFirstSteps = 50000;
    static void setPageFirstSteps(int steps);
    // From how many matches the words a query's page before its count must
    // have are walked past (each message looked up in their list) instead of
    // read and sorted: sorting 3,000 costs ~10 ms here, the page's budget.
    // Tests set 0 (always walked).
    static constexpr int defaultWalkedWordsMinimum = 3000;
    static void setWalkedWordsMinimum(int matches);
    // How many messages a tag beside a word must be on to be probed for each
    // of the word's matches in a count (see gatherDialect): negative, the
    // default, a fiftieth of the archive and at least 10,000; tests set 0.
    static qint64 probedTagMinimum();
    static void setProbedTagMinimum(qint64 messages);
    // How a text alone finds its page (see textPage): chosen from the
    // number of its matches, the archive's size and where the page is (the
    // default); tests take each path in turn. The numbers are the statement's.
    enum class TextPagePath { Chosen = 0, FromNewest = 1, FromOldest = 2, Sorted = 3 };
    static void setTextPagePath(TextPagePath path);

private:
    friend class SqliteIngestSession;
    Expected<QSqlDatabase> database();
    Error failure(const QString &what, const QString &detail) const;
    std::function<Error(const QString &, const QString &)> failureFn() const;

    QString m_path;
    ConnectionPool m_pool;
};

} // namespace fdd
