#pragma once

#include "cache/redisclient.h"
#include "search/searchservice.h"

#include <QHostAddress>
#include <QHttpServer>
#include <QObject>
#include <QThreadPool>

#include <memory>

namespace fdd {

// The REST API of API.md on QHttpServer. Handlers only parse parameters, call
// the SearchService on a worker thread and format its answer; every store and
// Redis call runs off the server's thread.
class RestServer : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        std::shared_ptr<SearchService> service;
        std::shared_ptr<RedisClient> redis; // for /api/health; may be null
        QByteArray apiKey;                  // required in X-Api-Key when not empty
    };

    explicit RestServer(Options options, QObject *parent = nullptr);
    ~RestServer() override;

    // Listens on address:port (0: any free port); returns the port, or 0.
    quint16 listen(const QHostAddress &address, quint16 port);

    // Every path served, as the OpenAPI description must list them.
    static QStringList routes();

private:
    QFuture<QHttpServerResponse> search(const QHttpServerRequest &request, SearchRequest::Kind kind,
                                        const QString &termName);
    QFuture<QHttpServerResponse> searchAll(const QHttpServerRequest &request);
    QFuture<QHttpServerResponse> health();
    bool authorised(const QHttpServerRequest &request) const;

    Options m_options;
    QHttpServer m_http;
    QThreadPool m_workers;
};

} // namespace fdd
