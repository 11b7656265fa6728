#include "elasticprocess.h"

#include "store/elasticclient.h"

#include <QRandomGenerator>

namespace fdd::test {

ElasticProcess::ElasticProcess(const QString &suite)
    : m_index(QStringLiteral("fdd_test_%1_%2").arg(suite).arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0')))
{
}

ElasticProcess::~ElasticProcess()
{
    if (!m_base.isEmpty()) {
        if (Expected<ElasticConfig> c = ElasticConfig::parse(m_url)) {
            ElasticClient client(*c);
            (void)client.send("DELETE", m_index);
            (void)client.send("DELETE", m_index + QStringLiteral("_channels"));
        }
    }
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished();
    }
}

bool ElasticProcess::start()
{
    m_base = qEnvironmentVariable("FDD_TEST_ES_URL");
    if (m_base.isEmpty()) {
        m_process.setProgram(QStringLiteral("/usr/bin/python3"));
        m_process.setArguments({QStringLiteral(FDD_FAKE_ELASTIC), QStringLiteral("0")});
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start();
        // The stand-in prints its port once it listens: a line, not a sleep.
        if (!m_process.waitForStarted() || !m_process.waitForReadyRead(20000))
            return false;
        const int port = m_process.readLine().trimmed().toInt();
        if (port <= 0)
            return false;
        m_base = QStringLiteral("http://127.0.0.1:%1").arg(port);
    }
    while (m_base.endsWith(QLatin1Char('/')))
        m_base.chop(1);
    m_url = m_base + QLatin1Char('/') + m_index;
    return true;
}

bool ElasticProcess::setFaults(const QByteArray &json)
{
    Expected<ElasticConfig> c = ElasticConfig::parse(m_url);
    if (!c || !isStandIn())
        return false;
    Expected<ElasticClient::Reply> r = ElasticClient(*c).send("POST", QStringLiteral("_fake/faults"), json);
    return r && r->status == 200;
}

} // namespace fdd::test
