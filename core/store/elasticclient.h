#pragma once

#include "elasticconfig.h"

#include <QByteArray>
#include <QJsonObject>

namespace fdd {

// Blocking HTTP to an Elasticsearch cluster, for worker threads: each call
// waits on a local event loop with its own QNetworkAccessManager per thread.
// A node that cannot be reached is skipped for the next; 429 and 503 are
// retried with backoff (0.2 s, 0.8 s, 3.2 s).
class ElasticClient
{
public:
    explicit ElasticClient(ElasticConfig config) : m_config(std::move(config)) {}

    struct Reply
    {
        int status = 0;
        QByteArray body;
        QJsonObject json() const;
        // Elasticsearch's own reason ("index_not_found_exception: no such index [x]").
        QString reason() const;
    };

    Expected<Reply> send(const QByteArray &method, const QString &path, const QByteArray &body = {},
                         const QByteArray &contentType = QByteArrayLiteral("application/json")) const;
    // send() with a JSON body, failing on any status outside 2xx with a sentence naming `what`.
    Expected<QJsonObject> call(const QByteArray &method, const QString &path, const QJsonObject &body,
                               const QString &what) const;

    const ElasticConfig &config() const { return m_config; }

private:
    ElasticConfig m_config;
};

} // namespace fdd
