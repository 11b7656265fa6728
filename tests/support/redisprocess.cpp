#include "redisprocess.h"

#include <QTcpServer>

namespace fdd::test {

RedisProcess::RedisProcess()
{
    QTcpServer probe;
    if (probe.listen(QHostAddress::LocalHost, 0))
        m_port = probe.serverPort();
}

RedisProcess::~RedisProcess()
{
    stop();
}

QString RedisProcess::url() const
{
    return QStringLiteral("redis://127.0.0.1:%1").arg(m_port);
}

bool RedisProcess::start()
{
    m_process.setProgram(QStringLiteral("redis-server"));
    m_process.setArguments({QStringLiteral("--port"), QString::number(m_port), QStringLiteral("--bind"),
                            QStringLiteral("127.0.0.1"), QStringLiteral("--save"), QString(),
                            QStringLiteral("--appendonly"), QStringLiteral("no")});
    m_process.start();
    if (!m_process.waitForStarted())
        return false;
    // Ready once it says so.
    QByteArray seen;
    while (!seen.contains("Ready to accept connections")) {
        if (!m_process.waitForReadyRead(10000))
            return false;
        seen += m_process.readAllStandardOutput();
    }
    return true;
}

void RedisProcess::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    m_process.waitForFinished();
}

} // namespace fdd::test
