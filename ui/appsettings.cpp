#include "appsettings.h"

#include <QSettings>

namespace fdd {

AppSettings AppSettings::load()
{
    QSettings s;
    AppSettings a;
    a.databaseUrl = s.value(QStringLiteral("archive/databaseUrl")).toString();
    a.redisUrl = s.value(QStringLiteral("cache/redisUrl")).toString();
    a.elasticUrl = s.value(QStringLiteral("elasticsearch/url")).toString();
    a.useElastic = s.value(QStringLiteral("elasticsearch/useForArchive"), false).toBool();
    a.cacheTtlSeconds = s.value(QStringLiteral("cache/ttlSeconds"), 3600).toInt();
    a.dcePath = s.value(QStringLiteral("export/dcePath")).toString();
    a.pageSize = s.value(QStringLiteral("results/pageSize"), 50).toInt();
    a.apiEnabled = s.value(QStringLiteral("api/enabled"), false).toBool();
    a.apiPort = s.value(QStringLiteral("api/port"), 8000).toInt();
    a.apiAllInterfaces = s.value(QStringLiteral("api/allInterfaces"), false).toBool();
    return a;
}

void AppSettings::save() const
{
    QSettings s;
    s.setValue(QStringLiteral("archive/databaseUrl"), databaseUrl);
    s.setValue(QStringLiteral("cache/redisUrl"), redisUrl);
    s.setValue(QStringLiteral("elasticsearch/url"), elasticUrl);
    s.setValue(QStringLiteral("elasticsearch/useForArchive"), useElastic);
    s.setValue(QStringLiteral("cache/ttlSeconds"), cacheTtlSeconds);
    s.setValue(QStringLiteral("export/dcePath"), dcePath);
    s.setValue(QStringLiteral("results/pageSize"), pageSize);
    s.setValue(QStringLiteral("api/enabled"), apiEnabled);
    s.setValue(QStringLiteral("api/port"), apiPort);
    s.setValue(QStringLiteral("api/allInterfaces"), apiAllInterfaces);
}

} // namespace fdd
