#include "testdatabase.h"

#include <QCoreApplication>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace fdd::test {

namespace {
const QString adminConnection = QStringLiteral("fdd-test-admin");
}

TestDatabase::TestDatabase(const QString &suite)
{
    const QString admin = qEnvironmentVariable("FDD_TEST_PG_URL");
    if (admin.isEmpty()) {
        m_error = QStringLiteral("FDD_TEST_PG_URL is not set: run the suite through scripts/test, which starts PostgreSQL.");
        return;
    }
    Expected<DatabaseUrl> url = DatabaseUrl::parse(admin);
    if (!url) {
        m_error = url.error().message;
        return;
    }
    m_admin = *url;
    m_name = QStringLiteral("fdd_test_%1_%2").arg(suite.toLower()).arg(QCoreApplication::applicationPid());
    m_url = m_admin;
    m_url.database = m_name;

    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), adminConnection);
    db.setHostName(m_admin.host);
    db.setPort(m_admin.port);
    db.setUserName(m_admin.user);
    db.setPassword(m_admin.password);
    db.setDatabaseName(m_admin.database);
    if (!db.open()) {
        m_error = QStringLiteral("Cannot reach the test PostgreSQL at %1: %2").arg(m_admin.redacted(), db.lastError().text());
        return;
    }
    m_valid = reset();
}

TestDatabase::~TestDatabase()
{
    if (m_valid)
        adminExec(QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(m_name));
    QSqlDatabase::removeDatabase(adminConnection);
}

QString TestDatabase::urlString() const
{
    return QStringLiteral("postgresql://%1@%2:%3/%4").arg(m_url.user, m_url.host).arg(m_url.port).arg(m_url.database);
}

bool TestDatabase::reset()
{
    // The name is made of the suite's name and a pid: no user text.
    return adminExec(QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(m_name))
        && adminExec(QStringLiteral("CREATE DATABASE %1").arg(m_name));
}

bool TestDatabase::adminExec(const QString &sql)
{
    QSqlQuery q(QSqlDatabase::database(adminConnection));
    if (!q.exec(sql)) {
        m_error = q.lastError().text();
        return false;
    }
    return true;
}

QString fixture(const QString &relative)
{
    return QStringLiteral(FDD_FIXTURES_DIR "/") + relative;
}

} // namespace fdd::test
