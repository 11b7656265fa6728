#include "databaseurl.h"

#include <QUrlQuery>

namespace fdd {

Expected<DatabaseUrl> DatabaseUrl::parse(const QString &text)
{
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    const auto bad = [&](const QString &why) {
        return Error::badInput(QStringLiteral("The database address \"%1\" is not usable: %2.")
                                   .arg(url.isValid() ? url.toDisplayString(QUrl::RemovePassword) : QStringLiteral("…"), why));
    };
    if (!url.isValid() || url.scheme().isEmpty())
        return bad(QStringLiteral("write it as postgresql://user@host:port/database or sqlite:///path/to/file.db"));

    DatabaseUrl out;
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("sqlite")) {
        out.scheme = Scheme::Sqlite;
        out.database = url.path();
        if (out.database.isEmpty())
            return bad(QStringLiteral("it names no file"));
        return out;
    }
    if (scheme != QLatin1String("postgresql") && scheme != QLatin1String("postgres"))
        return bad(QStringLiteral("the scheme must be postgresql or sqlite"));

    out.scheme = Scheme::Postgres;
    out.host = url.host().isEmpty() ? QStringLiteral("localhost") : url.host();
    out.port = url.port(5432);
    out.user = url.userName();
    out.password = url.password();
    out.database = url.path().mid(1);
    if (out.database.isEmpty())
        return bad(QStringLiteral("it names no database"));

    QStringList options;
    const QUrlQuery query(url);
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        static const QStringList allowed = {QStringLiteral("sslmode"), QStringLiteral("sslrootcert"),
                                            QStringLiteral("sslcert"), QStringLiteral("sslkey"),
                                            QStringLiteral("connect_timeout"), QStringLiteral("application_name")};
        if (!allowed.contains(key))
            return bad(QStringLiteral("the option \"%1\" is not supported").arg(key));
        if (value.contains(QLatin1Char(';')) || value.contains(QLatin1Char('=')) || value.contains(QLatin1Char(' ')))
            return bad(QStringLiteral("the option \"%1\" has an invalid value").arg(key));
        options << key + QLatin1Char('=') + value;
    }
    out.options = options.join(QLatin1Char(';'));
    return out;
}

QString DatabaseUrl::redacted() const
{
    if (scheme == Scheme::Sqlite)
        return QStringLiteral("sqlite://") + database;
    QUrl url;
    url.setScheme(QStringLiteral("postgresql"));
    url.setHost(host);
    url.setPort(port);
    url.setUserName(user);
    url.setPath(QLatin1Char('/') + database);
    return url.toString();
}

} // namespace fdd
