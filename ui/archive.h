#pragma once

#include "appsettings.h"
#include "search/searchservice.h"

#include <QFuture>
#include <QObject>
#include <QThreadPool>

#include <memory>

namespace fdd {

// The GUI's way into the core: every call runs on the archive's own worker
// threads (each with its own database connection) and returns a QFuture, so
// the GUI thread never waits on a database, a socket or a process.
class Archive : public QObject
{
    Q_OBJECT

public:
    explicit Archive(QObject *parent = nullptr);
    ~Archive() override;

    // Opens (and migrates) the archive the settings name, with the Redis
    // cache when one is set. The previous archive stays in use until it succeeds.
    QFuture<Expected<std::shared_ptr<SearchService>>> open(const AppSettings &settings);
    // Makes `service` the archive in use; emits opened().
    void use(std::shared_ptr<SearchService> service);
    bool isOpen() const { return bool(m_service); }
    const std::shared_ptr<SearchService> &service() const { return m_service; }
    QString describe() const; // "SQLite ~/…/archive.db", for the status bar

    QFuture<Expected<SearchPage>> search(const SearchRequest &request);
    QFuture<Expected<QList<DayCount>>> countByDay(const SearchRequest &request);
    QFuture<Expected<MessageContext>> context(Snowflake messageId, int before, int after);
    QFuture<Expected<QList<Channel>>> channels();
    QFuture<Expected<QList<Guild>>> guilds();
    QFuture<Expected<QList<Author>>> authors(int limit);
    QFuture<Expected<StoreStats>> stats();

    QThreadPool *pool() { return &m_pool; }

    // Tests: a service opened elsewhere.
    static QFuture<Expected<std::shared_ptr<SearchService>>> openUrl(const QString &databaseUrl, const QString &redisUrl,
                                                                    int cacheTtlSeconds, QThreadPool *pool,
                                                                    const QString &elasticUrl = {});

signals:
    void opened();
    // Messages were added (import, export): searches may differ now.
    void changed();

private:
    template<typename T, typename F>
    QFuture<Expected<T>> run(F work);

    QThreadPool m_pool;
    std::shared_ptr<SearchService> m_service;
};

} // namespace fdd
