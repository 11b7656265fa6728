#pragma once

#include "model/expected.h"

#include <QSqlDatabase>
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

private:
    QString connectionName() const;

    QString m_driver;
    QString m_prefix;
    Configure m_configure;
    AfterOpen m_afterOpen;
};

} // namespace fdd
