#include "buildinfo.h"

#include <QtGlobal>

#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <rapidjson/rapidjson.h>

namespace fdd::buildinfo {

QList<Library> libraries()
{
    const int pq = PQlibVersion(); // as loaded: 150005 is 15.5
    return {
        {QStringLiteral("Qt"), QString::fromLatin1(qVersion()), QStringLiteral("LGPL-3.0-only OR GPL-3.0-only"),
         QStringLiteral("https://www.qt.io/")},
        {QStringLiteral("Qt Charts, Qt HTTP Server"), QString::fromLatin1(qVersion()), QStringLiteral("GPL-3.0-only"),
         QStringLiteral("https://www.qt.io/")},
        // Its header's QTKEYCHAIN_VERSION is stale (0.1.0); CMake's package version is not.
        {QStringLiteral("QtKeychain"), QStringLiteral(FDD_QTKEYCHAIN_VERSION), QStringLiteral("BSD-3-Clause"), QStringLiteral("https://github.com/frankosterfeld/qtkeychain")},
        {QStringLiteral("RapidJSON"), QStringLiteral(RAPIDJSON_VERSION_STRING), QStringLiteral("MIT"),
         QStringLiteral("https://rapidjson.org/")},
        {QStringLiteral("hiredis"), QStringLiteral("%1.%2.%3").arg(HIREDIS_MAJOR).arg(HIREDIS_MINOR).arg(HIREDIS_PATCH),
         QStringLiteral("BSD-3-Clause"), QStringLiteral("https://github.com/redis/hiredis")},
        {QStringLiteral("libpq (PostgreSQL)"), QStringLiteral("%1.%2").arg(pq / 10000).arg(pq % 100), QStringLiteral("PostgreSQL"),
         QStringLiteral("https://www.postgresql.org/")},
        {QStringLiteral("SQLite"), QStringLiteral("through Qt SQL"), QStringLiteral("blessing"), QStringLiteral("https://sqlite.org/")},
        {QStringLiteral("DiscordChatExporter (run, not linked)"), QStringLiteral("2.x"), QStringLiteral("MIT"),
         QStringLiteral("https://github.com/Tyrrrz/DiscordChatExporter")},
    };
}

QString homepage()
{
    return QStringLiteral(FDD_HOMEPAGE_URL);
}

} // namespace fdd::buildinfo
