#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

namespace fdd::test {

// A PostgreSQL cluster of the test's own (initdb into a temporary folder,
// postgres on a free loopback port), so that a test can stop it and start it
// again on the same port to play an outage, without touching the cluster the
// other suites share. PostgreSQL refuses to run as root: as root, it runs as
// the user FDD_TEST_PG_USER names (scripts/test sets it; default fdd-test).
class PostgresProcess
{
public:
    PostgresProcess();
    ~PostgresProcess();
    PostgresProcess(const PostgresProcess &) = delete;
    PostgresProcess &operator=(const PostgresProcess &) = delete;

    // initdb and the first start; false with error() saying why.
    bool init();
    bool start();
    // A fast shutdown (SIGINT), as `pg_ctl stop` does: clients are cut off.
    void stop();
    // Sends the fast-shutdown signal without waiting for it to finish.
    void beginStop();
    // Waits for the stop beginStop() began; returns at once if none was.
    void waitStopped();
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }

    QString url() const;
    QString error() const { return m_error; }

private:
    void runAsOwner(QProcess &process) const;

    QTemporaryDir m_dir;
    QProcess m_process;
    int m_port = 0;
    int m_uid = -1; // the user the cluster runs as, when this process is root
    int m_gid = -1;
    QString m_error;
    QByteArray m_log;
    bool m_ready = false;
    bool m_stopping = false;
};

} // namespace fdd::test
