#pragma once

#include "cache/redisclient.h"
#include "dce/dceprocess.h"
#include "ratelimiter.h"
#include "search/searchservice.h"
#include "watch/watchscheduler.h"

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QHttpServer>
#include <QObject>

#include <atomic>
#include <functional>
#include <memory>

namespace fdd {

// The REST API of API.md on QHttpServer. Handlers only parse parameters, call
// the SearchService and format its answer.
//
// They run on the server's thread, one request at a time: Qt 6.4's
// QHttpServer completes a QFuture response against a reference to a request
// that is gone by then (a crash under wrk, in afterRequest and sendResponse),
// so the QFuture path waits for a Qt that keeps the request alive (6.5).
// Concurrency comes from RestServerPool instead: several servers, each in its
// own thread, given the connections of one listening socket.
class RestServer : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        std::shared_ptr<SearchService> service;
        std::shared_ptr<SearchService> elastic; // the /api/es/ endpoints; null: 503
        std::shared_ptr<RedisClient> redis; // for /api/health; may be null
        QByteArray apiKey;                  // required in X-Api-Key when not empty
        int rateLimit = 0;                  // requests per client per window; 0: no limit
        int rateWindowSeconds = 60;
        QByteArray rateKeyPrefix = "fdd:v1:rate:";
        // DiscordChatExporter, for the export endpoints; when not found,
        // dceProblem says why and they answer 503.
        DceProgram dce;
        QString dceProblem = QStringLiteral("DiscordChatExporter is not configured on this server.");
        std::chrono::seconds exportTimeout{3600};
        // Set when the server is stopping: a running export is cancelled, a
        // streamed answer ends, refresh-ahead is skipped. May be null.
        std::shared_ptr<const std::atomic_bool> stopping;
        // `serve --watch`: the scheduler that runs the watch list, woken by
        // the watch endpoints. Null: watches run elsewhere (`watch run`).
        std::shared_ptr<WatchScheduler> watches;
    };

    explicit RestServer(Options options, QObject *parent = nullptr);
    ~RestServer() override;

    // Listens on address:port (0: any free port); returns the port, or 0.
    quint16 listen(const QHostAddress &address, quint16 port);
    // Serves connections accepted elsewhere from the listening socket
    // `listening` (see RestServerPool), which hands each one over with
    // adopt(); both in the server's thread. connections()
    // counts those handed over and not yet closed: the pool counts a
    // connection in (connectionHandedOver(), in its own thread) as it picks
    // this server, and the socket's end counts it out.
    bool serveFrom(qintptr listening);
    void adopt(qintptr descriptor);
    int connections() const { return m_connections->load(std::memory_order_relaxed); }
    void connectionHandedOver() { m_connections->fetch_add(1, std::memory_order_relaxed); }

    // Stops taking connections; then, once every answer already written has
    // left (or the deadline passed), calls done. Call in the server's thread.
    void drain(QDeadlineTimer deadline, std::function<void()> done);

    // Every path served, as the OpenAPI description must list them.
    static QStringList routes();

private:
    // The work of one endpoint, run once the request is authorised and
    // within its rate limit.
    using Work = std::function<QHttpServerResponse(const QUrlQuery &query, const QString &path, const QElapsedTimer &timer)>;
    enum class Access { Key, Public };
    QHttpServerResponse handle(const QHttpServerRequest &request, Access access, const Work &work);

    QHttpServerResponse search(const QUrlQuery &query, const QString &path, const QElapsedTimer &timer,
                               SearchRequest::Kind kind, const SearchService &service) const;
    QHttpServerResponse searchAll(const QUrlQuery &query, const QElapsedTimer &timer) const;
    QHttpServerResponse timeline(const QUrlQuery &query, const QElapsedTimer &timer) const;
    // /api/search/export: every match, streamed (chunked) as it is read.
    void exportResults(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    QHttpServerResponse messageContext(const QString &id, const QUrlQuery &query, const QElapsedTimer &timer) const;
    // details: say why a server is down (hosts, ports), for the key's holder.
    QHttpServerResponse health(const QElapsedTimer &timer, bool details) const;
    bool stopping() const { return m_options.stopping && m_options.stopping->load(); }
    QHttpServerResponse exportChannel(const QString &channelId, const QByteArray &token, const QUrlQuery &query,
                                      const QElapsedTimer &timer, const SearchService &target) const;

    QHttpServerResponse listWatches(const QElapsedTimer &timer) const;
    QHttpServerResponse addWatch(const QByteArray &body, const QElapsedTimer &timer) const;
    QHttpServerResponse removeWatch(const QString &id, const QElapsedTimer &timer) const;
    QHttpServerResponse runWatch(const QString &id, const QElapsedTimer &timer) const;
    QJsonObject watchHealth() const;

    Options m_options;
    QHttpServer m_http;
    class Handoff;
    Handoff *m_handoff = nullptr;
    // Shared with the sockets' end: a socket may outlive the server.
    std::shared_ptr<std::atomic_int> m_connections = std::make_shared<std::atomic_int>(0);
    RateLimiter m_limiter;
};

} // namespace fdd
