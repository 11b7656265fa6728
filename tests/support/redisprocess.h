#pragma once

#include <QProcess>

namespace fdd::test {

// A redis-server of the test's own on a free loopback port, so that a test
// can stop it and start it again (on the same port) to play an outage.
class RedisProcess
{
public:
    RedisProcess();
    ~RedisProcess();

    bool start();
    void stop();
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    int port() const { return m_port; }
    QString url() const;

private:
    QProcess m_process;
    int m_port = 0;
};

} // namespace fdd::test
