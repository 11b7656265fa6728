#pragma once

#include "store/databaseurl.h"

#include <QString>

namespace fdd::test {

// A fresh, empty PostgreSQL database for one test suite, created in the
// cluster FDD_TEST_PG_URL points at and dropped when this goes out of scope.
class TestDatabase
{
public:
    explicit TestDatabase(const QString &suite);
    ~TestDatabase();
    TestDatabase(const TestDatabase &) = delete;
    TestDatabase &operator=(const TestDatabase &) = delete;

    // Empty when the cluster is not configured or reachable; error() says why.
    bool isValid() const { return m_valid; }
    QString error() const { return m_error; }
    const DatabaseUrl &url() const { return m_url; }
    QString urlString() const;

    // Drops and recreates the database: every test that needs a clean slate.
    bool reset();

private:
    bool adminExec(const QString &sql);

    DatabaseUrl m_admin;
    DatabaseUrl m_url;
    QString m_name;
    bool m_valid = false;
    QString m_error;
};

// The path of a fixture under tests/fixtures.
QString fixture(const QString &relative);

} // namespace fdd::test
