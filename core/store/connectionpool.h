#pragma once

#include "model/expected.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <functional>

namespace fdd {

// One QSqlDatabase connection per thread per store, as Qt SQL requires: each
// thread that calls database() gets its own, opened on first use, reopened
// after it broke, and removed when the thread ends.
class ConnectionPool
{
public:
    using Configure = std::function<void(QSqlDatabase &)>;
    using AfterOpen = std::function<Expected<void>(QSqlDatabase &)>;

    ConnectionPool(QString driver, Configure configure, AfterOpen afterOpen = {});
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool &) = delete;
    ConnectionPool &operator=(const ConnectionPool &) = delete;

    // The calling thread's open connection, or why it cannot be opened.
    Expected<QSqlDatabase> database();
    // Forgets the calling thread's connection, so the next call opens a new one.
    void discard();
    // Closes every connection the calling thread opened, of every pool: for a
    // thread that is about to end (they would also go when it ends).
    static void closeThreadConnections();

    // A statement of `db` (a connection of the calling thread), prepared the
    // first time this thread asks for that SQL and kept as long as the
    // connection: the server keeps its plan (PostgreSQL a generic plan after
    // a few runs, so that a search over many partitions is not planned
    // every time). `prepared` says whether preparing worked; the caller
    // binds, executes, reads and then calls finish() on it; when preparing
    // or executing failed, it reads lastError() and calls forgetStatement().
    static QSqlQuery &statement(const QSqlDatabase &db, const QString &sql, bool *prepared);
    // Drops that statement (after it failed: the connection may have been
    // reset under it), so that the next ask prepares it again.
    static void forgetStatement(const QSqlDatabase &db, const QString &sql);

private:
    QString connectionName() const;

    QString m_driver;
    QString m_prefix;
    Configure m_configure;
    AfterOpen m_afterOpen;
};

} // namespace fdd
