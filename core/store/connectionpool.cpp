#include "connectionpool.h"

#include <QHash>
#include <QSqlError>
#include <QStringList>
#include <QThreadStorage>

#include <atomic>
#include <utility>

namespace fdd {

namespace {

std::atomic<quint64> nextPoolId{1};

// Connections opened by this thread; removed in this thread when it ends.
// QThreadStorage, not thread_local: Qt destroys a QThread's storage inside the
// thread before QThread::wait() returns (and the main thread's when the
// application object goes), whereas a thread_local destructor runs after
// wait() has returned, racing whoever waited on to exit() and Qt SQL's own
// global state: the serve command's segfault at shutdown.
struct ThreadConnections
{
    QStringList names;
    // Prepared statements by connection name, then by SQL; a connection's go
    // before it does.
    QHash<QString, QHash<QString, QSqlQuery>> statements;
    ~ThreadConnections()
    {
        statements.clear();
        for (const QString &name : std::as_const(names))
            QSqlDatabase::removeDatabase(name);
    }
};

// Past this many distinct statements on one connection (searches combine
// filters, each combination is one SQL text) the oldest are dropped.
constexpr qsizetype maxStatements = 64;

QThreadStorage<ThreadConnections> threadConnections;

QStringList &threadNames()
{
    return threadConnections.localData().names;
}

void removeConnection(const QString &name)
{
    threadConnections.localData().statements.remove(name);
    QSqlDatabase::removeDatabase(name);
}

} // namespace

ConnectionPool::ConnectionPool(QString driver, Configure configure, AfterOpen afterOpen)
    : m_driver(std::move(driver))
    , m_prefix(QStringLiteral("fdd-%1-").arg(nextPoolId.fetch_add(1)))
    , m_configure(std::move(configure))
    , m_afterOpen(std::move(afterOpen))
{
}

ConnectionPool::~ConnectionPool()
{
    discard();
}

QString ConnectionPool::connectionName() const
{
    // One name per pool per thread; the counter makes names unique per thread
    // object, even when the OS reuses a thread id.
    static std::atomic<quint64> nextThreadId{1};
    thread_local const quint64 threadId = nextThreadId.fetch_add(1);
    return m_prefix + QString::number(threadId);
}

Expected<QSqlDatabase> ConnectionPool::database()
{
    const QString name = connectionName();
    QSqlDatabase db;
    if (QSqlDatabase::contains(name)) {
        db = QSqlDatabase::database(name, /*open=*/false);
        if (db.isOpen())
            return db;
        threadConnections.localData().statements.remove(name); // prepared on the connection that closed
    } else {
        db = QSqlDatabase::addDatabase(m_driver, name);
        threadNames().append(name);
        m_configure(db);
    }
    if (!db.open()) {
        const QString why = db.lastError().text().trimmed();
        db = {};
        discard();
        return Error::unavailable(why);
    }
    if (m_afterOpen) {
        Expected<void> ready = m_afterOpen(db);
        if (!ready) {
            db = {};
            discard();
            return ready.error();
        }
    }
    return db;
}

void ConnectionPool::discard()
{
    const QString name = connectionName();
    if (threadNames().removeOne(name))
        removeConnection(name);
}

void ConnectionPool::closeThreadConnections()
{
    const QStringList names = std::exchange(threadNames(), {});
    for (const QString &name : names)
        removeConnection(name);
}

QSqlQuery &ConnectionPool::statement(const QSqlDatabase &db, const QString &sql, bool *prepared)
{
    QHash<QString, QSqlQuery> &mine = threadConnections.localData().statements[db.connectionName()];
    auto it = mine.find(sql);
    if (it != mine.end()) {
        *prepared = true;
        return *it;
    }
    if (mine.size() >= maxStatements)
        mine.clear();
    QSqlQuery q(db);
    q.setForwardOnly(true);
    *prepared = q.prepare(sql);
    return *mine.insert(sql, std::move(q));
}

void ConnectionPool::forgetStatement(const QSqlDatabase &db, const QString &sql)
{
    threadConnections.localData().statements[db.connectionName()].remove(sql);
}

} // namespace fdd
