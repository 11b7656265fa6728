#pragma once

#include "model/expected.h"

#include <QString>
#include <QUrl>

namespace fdd {

// A store's address: postgresql://user:password@host:port/database?sslmode=…
// or sqlite:///absolute/path.db. The password never appears in redacted().
struct DatabaseUrl
{
    enum class Scheme { Postgres, Sqlite };

    Scheme scheme = Scheme::Postgres;
    QString host;
    int port = 5432;
    QString user;
    QString password;
    QString database;   // PostgreSQL database name, or the SQLite file path
    QString options;    // QPSQL connect options from the query (sslmode=…;connect_timeout=…)

    static Expected<DatabaseUrl> parse(const QString &text);
    QString redacted() const;
};

} // namespace fdd
