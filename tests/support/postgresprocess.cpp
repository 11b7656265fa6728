#include "postgresprocess.h"

#include <QDir>
#include <QFile>
#include <QTcpServer>

#include <csignal>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace fdd::test {

namespace {

const QString binaries = QStringLiteral("/usr/lib/postgresql/15/bin/");

} // namespace

PostgresProcess::PostgresProcess()
{
    QTcpServer probe;
    if (probe.listen(QHostAddress::LocalHost, 0))
        m_port = probe.serverPort();
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    // Its log is read as it comes, so that postgres never blocks on a full
    // pipe; the tail is kept for error messages.
    QObject::connect(&m_process, &QProcess::readyRead, [this] {
        m_log += m_process.readAll();
        if (m_log.contains("database system is ready to accept connections"))
            m_ready = true;
        if (m_log.size() > 8192)
            m_log = m_log.right(4096);
    });
}

PostgresProcess::~PostgresProcess()
{
    stop();
}

QString PostgresProcess::url() const
{
    return QStringLiteral("postgresql://fdd@127.0.0.1:%1/postgres").arg(m_port);
}

void PostgresProcess::runAsOwner(QProcess &process) const
{
    if (m_uid < 0)
        return;
    const uid_t uid = uid_t(m_uid);
    const gid_t gid = gid_t(m_gid);
    process.setChildProcessModifier([uid, gid] {
        // In the child, between fork and exec: only async-signal-safe calls.
        if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)
            ::_exit(126);
    });
}

bool PostgresProcess::init()
{
    if (!m_dir.isValid() || m_port == 0) {
        m_error = QStringLiteral("No temporary folder or free port for the test's PostgreSQL.");
        return false;
    }
    if (::geteuid() == 0) {
        const QByteArray name = qEnvironmentVariableIsEmpty("FDD_TEST_PG_USER") ? QByteArray("fdd-test")
                                                                                 : qgetenv("FDD_TEST_PG_USER");
        const passwd *user = ::getpwnam(name.constData());
        if (!user) {
            m_error = QStringLiteral("Running as root, PostgreSQL needs a user to run as: %1 does not exist "
                                     "(scripts/test creates it).").arg(QString::fromLocal8Bit(name));
            return false;
        }
        m_uid = int(user->pw_uid);
        m_gid = int(user->pw_gid);
        if (::chown(QFile::encodeName(m_dir.path()).constData(), user->pw_uid, user->pw_gid) != 0) {
            m_error = QStringLiteral("Cannot give %1 to the PostgreSQL user.").arg(m_dir.path());
            return false;
        }
    }
    QProcess initdb;
    initdb.setProcessChannelMode(QProcess::MergedChannels);
    runAsOwner(initdb);
    initdb.start(binaries + QStringLiteral("initdb"),
                 {QStringLiteral("-D"), m_dir.filePath(QStringLiteral("data")), QStringLiteral("-U"), QStringLiteral("fdd"),
                  QStringLiteral("--auth=trust"), QStringLiteral("-E"), QStringLiteral("UTF8"),
                  QStringLiteral("--locale=C.UTF-8"), QStringLiteral("--no-sync")});
    if (!initdb.waitForFinished(120000) || initdb.exitStatus() != QProcess::NormalExit || initdb.exitCode() != 0) {
        m_error = QStringLiteral("initdb failed: %1").arg(QString::fromLocal8Bit(initdb.readAll()).right(2000));
        return false;
    }
    return start();
}

bool PostgresProcess::start()
{
    if (isRunning())
        return true;
    runAsOwner(m_process);
    m_ready = false;
    m_stopping = false;
    m_log.clear();
    m_process.start(binaries + QStringLiteral("postgres"),
                    {QStringLiteral("-D"), m_dir.filePath(QStringLiteral("data")), QStringLiteral("-p"),
                     QString::number(m_port), QStringLiteral("-c"), QStringLiteral("listen_addresses=127.0.0.1"),
                     QStringLiteral("-c"), QStringLiteral("unix_socket_directories=") + m_dir.path(),
                     QStringLiteral("-c"), QStringLiteral("fsync=off"), QStringLiteral("-c"),
                     QStringLiteral("synchronous_commit=off"), QStringLiteral("-c"), QStringLiteral("max_connections=200")});
    if (!m_process.waitForStarted()) {
        m_error = QStringLiteral("postgres did not start: %1").arg(m_process.errorString());
        return false;
    }
    // Ready once it says so (its log goes to standard error).
    while (!m_ready) {
        if (!m_process.waitForReadyRead(60000)) {
            m_error = QStringLiteral("postgres did not get ready: %1").arg(QString::fromLocal8Bit(m_log).right(2000));
            return false;
        }
    }
    return true;
}

void PostgresProcess::beginStop()
{
    if (isRunning() && !m_stopping) {
        ::kill(pid_t(m_process.processId()), SIGINT);
        m_stopping = true;
    }
}

void PostgresProcess::waitStopped()
{
    if (!isRunning() || !m_stopping)
        return;
    m_stopping = false;
    if (!m_process.waitForFinished(60000)) {
        m_process.kill();
        m_process.waitForFinished();
    }
}

void PostgresProcess::stop()
{
    beginStop();
    waitStopped();
}

} // namespace fdd::test
