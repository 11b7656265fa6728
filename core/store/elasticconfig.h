#pragma once

#include "model/expected.h"

#include <QList>
#include <QString>
#include <QUrl>

namespace fdd {

// Where an Elasticsearch cluster is and how to talk to it:
//   http[s]://[user:password@]host:9200[,host2:9200…][/index]
// Nodes are tried in turn. The API key and the CA file come from the
// environment (FDD_ES_API_KEY, FDD_ES_CA_FILE) or Settings, never the URL.
struct ElasticConfig
{
    QList<QUrl> nodes;          // scheme, host and port only
    QString index = QStringLiteral("discord_chats");
    QString user;
    QString password;
    QByteArray apiKey;          // sent as "Authorization: ApiKey …"
    QString caFile;             // PEM certificates to trust for https
    int timeoutMs = 30000;

    static Expected<ElasticConfig> parse(const QString &text);
    // The URL without credentials, for messages.
    QString redacted() const;
};

} // namespace fdd
