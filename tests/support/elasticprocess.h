#pragma once

#include <QProcess>
#include <QString>

namespace fdd::test {

// The Elasticsearch a test talks to: the cluster FDD_TEST_ES_URL names when
// set (live tests), else the stand-in tests/support/elastic/fake_elasticsearch.py
// on a free loopback port. url() names a fresh index, deleted afterwards.
class ElasticProcess
{
public:
    explicit ElasticProcess(const QString &suite);
    ~ElasticProcess();

    bool start();
    QString url() const { return m_url; }
    bool isStandIn() const { return m_process.state() != QProcess::NotRunning; }
    // Stand-in only: the faults of its /_fake/faults (e.g. {"bulk_429": 2}).
    bool setFaults(const QByteArray &json);

private:
    QProcess m_process;
    QString m_base;
    QString m_index;
    QString m_url;
};

} // namespace fdd::test
