#include "elasticconfig.h"

#include <QRegularExpression>

namespace fdd {

Expected<ElasticConfig> ElasticConfig::parse(const QString &input)
{
    const QString text = input.trimmed();
    const auto bad = [&](const QString &why) {
        return Error::badInput(QStringLiteral("The Elasticsearch address must look like "
                                              "http://user:password@host:9200,host2:9200/index (%1).").arg(why));
    };
    const qsizetype schemeEnd = text.indexOf(QLatin1String("://"));
    if (schemeEnd < 0)
        return bad(QStringLiteral("no http:// or https://"));
    const QString scheme = text.left(schemeEnd).toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        return bad(QStringLiteral("the scheme is \"%1\"").arg(scheme));
    QString rest = text.mid(schemeEnd + 3);
    const qsizetype slash = rest.indexOf(QLatin1Char('/'));
    QString authority = slash < 0 ? rest : rest.left(slash);
    const QString path = slash < 0 ? QString() : rest.mid(slash + 1);
    ElasticConfig c;
    const qsizetype at = authority.lastIndexOf(QLatin1Char('@'));
    if (at >= 0) {
        const QString userInfo = authority.left(at);
        authority = authority.mid(at + 1);
        const qsizetype colon = userInfo.indexOf(QLatin1Char(':'));
        c.user = QUrl::fromPercentEncoding(userInfo.left(colon < 0 ? userInfo.size() : colon).toUtf8());
        c.password = colon < 0 ? QString() : QUrl::fromPercentEncoding(userInfo.mid(colon + 1).toUtf8());
    }
    for (const QString &hostPort : authority.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        QUrl node(scheme + QStringLiteral("://") + hostPort);
        if (!node.isValid() || node.host().isEmpty())
            return bad(QStringLiteral("\"%1\" is not a host:port").arg(hostPort));
        if (node.port() < 0)
            node.setPort(9200);
        c.nodes.append(node);
    }
    if (c.nodes.isEmpty())
        return bad(QStringLiteral("no host"));
    static const QRegularExpression indexName(QStringLiteral("^[a-z0-9][a-z0-9_.-]{0,200}$"));
    const QString index = path.section(QLatin1Char('?'), 0, 0).remove(QLatin1Char('/'));
    if (!index.isEmpty()) {
        if (!indexName.match(index).hasMatch())
            return bad(QStringLiteral("\"%1\" is not an index name: lower case letters, digits, _ . -").arg(index));
        c.index = index;
    }
    c.apiKey = qgetenv("FDD_ES_API_KEY");
    c.caFile = qEnvironmentVariable("FDD_ES_CA_FILE");
    return c;
}

QString ElasticConfig::redacted() const
{
    QStringList hosts;
    for (const QUrl &n : nodes)
        hosts << QStringLiteral("%1:%2").arg(n.host()).arg(n.port());
    const QString scheme = nodes.isEmpty() ? QStringLiteral("http") : nodes.first().scheme();
    return QStringLiteral("%1://%2%3/%4").arg(scheme, user.isEmpty() ? QString() : user + QStringLiteral("@"),
                                              hosts.join(QLatin1Char(',')), index);
}

} // namespace fdd
