#include "restserver.h"

#include "search/resultexport.h"

#include "watch/watchjson.h"
#include "watch/watchrunner.h"

#include "apidocs.h"
#include "apiparams.h"
#include "model/isotime.h"
#include "dce/exportjob.h"
#include "openapi.h"
#include "search/messagejson.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <atomic>

#include <fcntl.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcRest, "fdd.rest")
Q_LOGGING_CATEGORY(lcAccess, "fdd.rest.access")

namespace fdd {

namespace {

using Status = QHttpServerResponse::StatusCode;

QByteArray nextRequestId()
{
    static std::atomic<quint64> counter{0};
    static const quint32 boot = quint32(QDateTime::currentMSecsSinceEpoch());
    return QByteArray::number(boot, 16) + '-' + QByteArray::number(++counter, 16);
}

QByteArray seconds(const QElapsedTimer &timer)
{
    return QByteArray::number(double(timer.nsecsElapsed()) / 1e9, 'f', 4);
}

QHttpServerResponse json(const QJsonObject &body, Status status)
{
    QHttpServerResponse r(QByteArrayLiteral("application/json; charset=utf-8"),
                          QJsonDocument(body).toJson(QJsonDocument::Compact), status);
    return r;
}

// What a client is told when something behind the server is down: which part
// of the service, never where it runs.
enum class Subject { Archive, Elasticsearch, Export };

QString unavailableSentence(Subject subject)
{
    switch (subject) {
    case Subject::Archive: return QStringLiteral("The archive is unavailable right now: try again in a moment.");
    case Subject::Elasticsearch: return QStringLiteral("Elasticsearch is unavailable right now: try again in a moment.");
    case Subject::Export:
        return QStringLiteral("The export could not run: DiscordChatExporter, Discord or the archive is unavailable to this "
                              "server right now.");
    }
    return {};
}

QHttpServerResponse errorResponse(const Error &error, Subject subject = Subject::Archive)
{
    switch (error.kind) {
    case Error::Kind::BadInput:
        return json({{QStringLiteral("detail"), error.message}}, Status::BadRequest);
    case Error::Kind::NotFound:
        return json({{QStringLiteral("detail"), error.message}}, Status::NotFound);
    case Error::Kind::Busy:
        return json({{QStringLiteral("detail"), error.message}}, Status::Conflict);
    case Error::Kind::Cancelled:
        // Only the server stopping cancels a request.
        return json({{QStringLiteral("detail"), QStringLiteral("The server is stopping: try again in a moment.")}},
                    Status::ServiceUnavailable);
    case Error::Kind::Unavailable:
    case Error::Kind::Internal:
        break;
    }
    // The real sentence names hosts, ports, users, paths or SQL: it goes to
    // the log under a request id, and the client gets the id.
    const QByteArray id = nextRequestId();
    const QString quoted = QStringLiteral(" Quote request id %1 when reporting it.").arg(QString::fromLatin1(id));
    if (error.kind == Error::Kind::Unavailable) {
        qCWarning(lcRest).noquote() << "request" << id << "unavailable:" << error.message;
        return json({{QStringLiteral("detail"), unavailableSentence(subject) + quoted},
                     {QStringLiteral("request_id"), QString::fromLatin1(id)}},
                    Status::ServiceUnavailable);
    }
    qCWarning(lcRest).noquote() << "request" << id << "failed:" << error.message;
    return json({{QStringLiteral("detail"), QStringLiteral("An internal error occurred.") + quoted},
                 {QStringLiteral("request_id"), QString::fromLatin1(id)}},
                Status::InternalServerError);
}

// The /api/es/ endpoints of a server with no cluster.
QHttpServerResponse elasticMissing()
{
    return json({{QStringLiteral("detail"), QStringLiteral("Elasticsearch is not configured.")}}, Status::ServiceUnavailable);
}

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get: return QByteArrayLiteral("GET");
    case QHttpServerRequest::Method::Post: return QByteArrayLiteral("POST");
    case QHttpServerRequest::Method::Put: return QByteArrayLiteral("PUT");
    case QHttpServerRequest::Method::Delete: return QByteArrayLiteral("DELETE");
    case QHttpServerRequest::Method::Head: return QByteArrayLiteral("HEAD");
    case QHttpServerRequest::Method::Options: return QByteArrayLiteral("OPTIONS");
    case QHttpServerRequest::Method::Patch: return QByteArrayLiteral("PATCH");
    default: return QByteArrayLiteral("OTHER");
    }
}

QByteArray cacheHeader(CacheStatus status)
{
    switch (status) {
    case CacheStatus::Hit: return QByteArrayLiteral("hit");
    case CacheStatus::Miss: return QByteArrayLiteral("miss");
    case CacheStatus::Off: break;
    }
    return QByteArrayLiteral("off");
}

QHttpServerResponse timed(QHttpServerResponse &&response, const QElapsedTimer &timer, CacheStatus cache = CacheStatus::Off)
{
    response.setHeader(QByteArrayLiteral("X-Cache"), cacheHeader(cache));
    response.setHeader(QByteArrayLiteral("X-Process-Time"), seconds(timer));
    return std::move(response);
}

// Bytes compared in time independent of where they differ.
bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

} // namespace

RestServer::RestServer(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_http(this)
    , m_limiter(m_options.redis, m_options.rateLimit, m_options.rateWindowSeconds, m_options.rateKeyPrefix)
{
    using Kind = SearchRequest::Kind;
    const auto get = QHttpServerRequest::Method::Get;
    const auto searchRoute = [this, get](const QString &path, Kind kind) {
        m_http.route(path, get, [this, kind](const QHttpServerRequest &r) {
            return handle(r, Access::Key, [this, kind](const QUrlQuery &q, const QString &p, const QElapsedTimer &t) {
                return search(q, p, t, kind, *m_options.service);
            });
        });
    };
    searchRoute(QStringLiteral("/api/chats/search"), Kind::Substring);
    searchRoute(QStringLiteral("/api/chats/context-search"), Kind::FullText);
    searchRoute(QStringLiteral("/api/chats/search/by-date"), Kind::Date);
    // The search language (issue 13), beside the original endpoints.
    searchRoute(QStringLiteral("/api/search"), Kind::Query);
    m_http.route(QStringLiteral("/api/search/timeline"), get, [this](const QHttpServerRequest &r) {
        return handle(r, Access::Key, [this](const QUrlQuery &q, const QString &, const QElapsedTimer &t) { return timeline(q, t); });
    });
    m_http.route(QStringLiteral("/api/search/export"), get, [this](const QHttpServerRequest &r, QHttpServerResponder &&responder) {
        exportResults(r, std::move(responder));
    });
    m_http.route(QStringLiteral("/api/messages/<arg>/context"), get, [this](const QString &id, const QHttpServerRequest &r) {
        return handle(r, Access::Key, [this, id](const QUrlQuery &q, const QString &, const QElapsedTimer &t) {
            return messageContext(id, q, t);
        });
    });
    m_http.route(QStringLiteral("/api/chats/search/all"), get, [this](const QHttpServerRequest &r) {
        return handle(r, Access::Key, [this](const QUrlQuery &q, const QString &, const QElapsedTimer &t) { return searchAll(q, t); });
    });
    // Elasticsearch: `match` on content (full text) and `range` on the date,
    // answered in the original's shape; 503 until a cluster is configured.
    const auto esRoute = [this, get](const QString &path, Kind kind) {
        m_http.route(path, get, [this, kind](const QHttpServerRequest &r) {
            return handle(r, Access::Key, [this, kind](const QUrlQuery &q, const QString &p, const QElapsedTimer &t) {
                if (!m_options.elastic)
                    return timed(elasticMissing(), t);
                return search(q, p, t, kind, *m_options.elastic);
            });
        });
    };
    esRoute(QStringLiteral("/api/es/chats/search"), Kind::FullText);
    esRoute(QStringLiteral("/api/es/chats/search/by-date"), Kind::Date);
    const auto post = QHttpServerRequest::Method::Post;
    m_http.route(QStringLiteral("/api/chats/export/<arg>"), post, [this](const QString &channel, const QHttpServerRequest &r) {
        return handle(r, Access::Key, [this, channel, &r](const QUrlQuery &q, const QString &, const QElapsedTimer &t) {
            return exportChannel(channel, r.value(QByteArrayLiteral("X-Token")), q, t, *m_options.service);
        });
    });
    m_http.route(QStringLiteral("/api/es/chats/export/<arg>"), post, [this](const QString &channel, const QHttpServerRequest &r) {
        return handle(r, Access::Key, [this, channel, &r](const QUrlQuery &q, const QString &, const QElapsedTimer &t) {
            if (!m_options.elastic)
                return timed(elasticMissing(), t);
            return exportChannel(channel, r.value(QByteArrayLiteral("X-Token")), q, t, *m_options.elastic);
        });
    });
    // The watch list, behind the API key like every endpoint that changes the archive.
    m_http.route(QStringLiteral("/api/watches"), get, [this](const QHttpServerRequest &r) {
        return handle(r, Access::Key, [this](const QUrlQuery &, const QString &, const QElapsedTimer &t) { return listWatches(t); });
    });
    m_http.route(QStringLiteral("/api/watches"), post, [this](const QHttpServerRequest &r) {
        return handle(r, Access::Key, [this, &r](const QUrlQuery &, const QString &, const QElapsedTimer &t) {
            return addWatch(r.body(), t);
        });
    });
    m_http.route(QStringLiteral("/api/watches/<arg>/run"), post, [this](const QString &id, const QHttpServerRequest &r) {
        return handle(r, Access::Key, [this, id](const QUrlQuery &, const QString &, const QElapsedTimer &t) { return runWatch(id, t); });
    });
    m_http.route(QStringLiteral("/api/watches/<arg>"), QHttpServerRequest::Method::Delete,
                 [this](const QString &id, const QHttpServerRequest &r) {
        return handle(r, Access::Key, [this, id](const QUrlQuery &, const QString &, const QElapsedTimer &t) { return removeWatch(id, t); });
    });
    m_http.route(QStringLiteral("/api/health"), get, [this](const QHttpServerRequest &r) {
        return handle(r, Access::Public, [this, &r](const QUrlQuery &, const QString &, const QElapsedTimer &t) {
            // Why a server is down names hosts and ports: only for whoever
            // holds the API key, where one is set (and always in the log).
            const bool details = !m_options.apiKey.isEmpty()
                                 && constantTimeEquals(r.value(QByteArrayLiteral("X-Api-Key")), m_options.apiKey);
            return health(t, details);
        });
    });
    m_http.route(QStringLiteral("/api/openapi.json"), get, [this](const QHttpServerRequest &r) {
        return handle(r, Access::Public, [](const QUrlQuery &, const QString &, const QElapsedTimer &t) {
            return timed(json(openapi::document(), Status::Ok), t);
        });
    });
    // Interactive documentation, as the original (FastAPI) served at /docs.
    m_http.route(QStringLiteral("/docs"), get, [this](const QHttpServerRequest &r) {
        return handle(r, Access::Public, [](const QUrlQuery &, const QString &, const QElapsedTimer &t) {
            return timed(QHttpServerResponse(QByteArrayLiteral("text/html; charset=utf-8"), apidocs::page()), t);
        });
    });
    m_http.setMissingHandler([](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        qCInfo(lcAccess).noquote() << methodName(request.method()) << request.url().path() << 404;
        responder.write(QJsonDocument(QJsonObject{{QStringLiteral("detail"), QStringLiteral("Not found: see /api/openapi.json for the API.")}})
                            .toJson(QJsonDocument::Compact),
                        {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json; charset=utf-8")},
                         {QByteArrayLiteral("X-Cache"), QByteArrayLiteral("off")},
                         {QByteArrayLiteral("X-Process-Time"), QByteArrayLiteral("0.0000")}},
                        QHttpServerResponder::StatusCode::NotFound);
    });
    // One access-log line per request: method, path (never the query, which
    // may hold terms users consider private), status, seconds.
    m_http.afterRequest([](QHttpServerResponse &&response, const QHttpServerRequest &request) {
        const QList<QByteArray> times = response.headers(QByteArrayLiteral("X-Process-Time"));
        const QByteArray time = times.isEmpty() ? QByteArray() : times.first();
        qCInfo(lcAccess).noquote() << methodName(request.method()) << request.url().path() << int(response.statusCode()) << time;
        return std::move(response);
    });
}

RestServer::~RestServer() = default;

quint16 RestServer::listen(const QHostAddress &address, quint16 port)
{
    return m_http.listen(address, port);
}

// A QTcpServer on a copy of the pool's listening socket that never accepts
// from it (paused: QHttpServer wants a listening server): the connections
// the pool accepted come in through adopt() and leave for QHttpServer as any
// accepted one.
class RestServer::Handoff : public QTcpServer
{
public:
    Handoff(std::shared_ptr<std::atomic_int> connections, QObject *parent)
        : QTcpServer(parent), m_connections(std::move(connections))
    {
    }

    void adopt(qintptr descriptor) { incomingConnection(descriptor); }

    QTcpSocket *nextPendingConnection() override
    {
        QTcpSocket *socket = QTcpServer::nextPendingConnection();
        // Taking a connection resumes accepting (QTcpServer pauses only for
        // a full queue); this server never accepts, the pool does.
        pauseAccepting();
        return socket;
    }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            qCWarning(lcRest) << "a connection could not be taken over:" << socket->errorString();
            delete socket;
            ::close(int(descriptor));
            m_connections->fetch_sub(1, std::memory_order_relaxed);
            return;
        }
        // QHttpServer deletes the socket once it is disconnected.
        connect(socket, &QObject::destroyed, [connections = m_connections] {
            connections->fetch_sub(1, std::memory_order_relaxed);
        });
        addPendingConnection(socket); // QHttpServer takes it from there
    }

private:
    std::shared_ptr<std::atomic_int> m_connections;
};

bool RestServer::serveFrom(qintptr listening)
{
    const int copy = ::fcntl(int(listening), F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        return false;
    auto *handoff = new Handoff(m_connections, &m_http);
    if (!handoff->setSocketDescriptor(copy)) {
        ::close(copy);
        delete handoff;
        return false;
    }
    handoff->pauseAccepting();
    m_http.bind(handoff);
    m_handoff = handoff;
    return true;
}

void RestServer::adopt(qintptr descriptor)
{
    Q_ASSERT(m_handoff);
    m_handoff->adopt(descriptor);
}

void RestServer::drain(QDeadlineTimer deadline, std::function<void()> done)
{
    for (QTcpServer *tcp : m_http.servers())
        tcp->close();
    // Answers are written into the sockets' buffers and leave from the event
    // loop: it keeps running until they have gone.
    auto *poll = new QTimer(this);
    const auto flushed = [this] {
        const QList<QTcpSocket *> sockets = m_http.findChildren<QTcpSocket *>();
        return std::all_of(sockets.cbegin(), sockets.cend(), [](const QTcpSocket *s) {
            return s->state() != QAbstractSocket::ConnectedState || s->bytesToWrite() == 0;
        });
    };
    connect(poll, &QTimer::timeout, this, [poll, flushed, deadline, done = std::move(done)] {
        if (!flushed() && !deadline.hasExpired())
            return;
        poll->stop();
        done();
    });
    poll->start(5);
}

QStringList RestServer::routes()
{
    return {QStringLiteral("/api/chats/search"),          QStringLiteral("/api/chats/search/all"),
            QStringLiteral("/api/chats/context-search"),  QStringLiteral("/api/chats/search/by-date"),
            QStringLiteral("/api/es/chats/search"),       QStringLiteral("/api/es/chats/search/by-date"),
            QStringLiteral("/api/chats/export/{channel_id}"), QStringLiteral("/api/es/chats/export/{channel_id}"),
            QStringLiteral("/api/watches"),               QStringLiteral("/api/watches/{watch_id}"),
            QStringLiteral("/api/watches/{watch_id}/run"),
            QStringLiteral("/api/health"),                QStringLiteral("/api/openapi.json"),
            QStringLiteral("/api/search"),                QStringLiteral("/api/search/timeline"),
            QStringLiteral("/api/search/export"),
            QStringLiteral("/api/messages/{message_id}/context")};
}

QHttpServerResponse RestServer::handle(const QHttpServerRequest &request, Access access, const Work &work)
{
    QElapsedTimer timer;
    timer.start();
    if (access == Access::Key && !m_options.apiKey.isEmpty()
        && !constantTimeEquals(request.value(QByteArrayLiteral("X-Api-Key")), m_options.apiKey))
        return timed(json({{QStringLiteral("detail"), QStringLiteral("A valid X-Api-Key header is required.")}},
                          Status::Unauthorized), timer);
    const RateLimiter::Decision admitted = m_limiter.admit(request.remoteAddress().toString().toLatin1());
    if (!admitted.allowed) {
        QHttpServerResponse r = timed(json({{QStringLiteral("detail"),
                                             QStringLiteral("Too many requests: try again in %1 s.").arg(admitted.retryAfterSeconds)}},
                                           Status::TooManyRequests), timer);
        r.setHeader(QByteArrayLiteral("Retry-After"), QByteArray::number(admitted.retryAfterSeconds));
        return r;
    }
    const QUrlQuery query = api::formQuery(request.url());
    if (Expected<void> clean = api::refuseNul(query); !clean)
        return timed(errorResponse(clean.error()), timer);
    return work(query, request.url().path(), timer);
}

QHttpServerResponse RestServer::search(const QUrlQuery &query, const QString &path, const QElapsedTimer &timer,
                                       SearchRequest::Kind kind, const SearchService &service) const
{
    const bool elastic = path.startsWith(QLatin1String("/api/es/"));
    Expected<SearchRequest> request = api::searchRequest(query, kind, elastic ? QStringLiteral("keyword") : QStringLiteral("search_term"));
    if (!request)
        return timed(errorResponse(request.error()), timer);
    const bool language = kind == SearchRequest::Kind::Query;
    const bool contextSearch = path.endsWith(QLatin1String("/context-search"));
    Expected<int> context = api::contextSize(query);
    if (!context)
        return timed(errorResponse(context.error()), timer);

    const Subject subject = elastic ? Subject::Elasticsearch : Subject::Archive;
    Expected<SearchPage> page = service.search(*request);
    if (!page)
        return timed(errorResponse(page.error(), subject), timer);
    QJsonObject body = messagejson::page(*page);
    if (contextSearch && *context > 0) {
        QJsonArray withContext;
        for (const Message &m : std::as_const(page->messages)) {
            Expected<MessageContext> c = service.context(m.id, *context, *context);
            if (!c)
                return timed(errorResponse(c.error(), subject), timer);
            QJsonObject o = messagejson::message(m);
            o.insert(QStringLiteral("before"), messagejson::messages(c->before));
            o.insert(QStringLiteral("after"), messagejson::messages(c->after));
            withContext.append(o);
        }
        body.insert(QStringLiteral("messages"), withContext);
    }
    if (page->totalCount == 0)
        body.insert(QStringLiteral("detail"), QStringLiteral("No messages found"));
    if (language) // the search as understood, one way of writing it
        body.insert(QStringLiteral("query"), request->text);
    if (elastic) {
        // The original's Elasticsearch answers also carried these names.
        body.insert(QStringLiteral("data"), body.value(QStringLiteral("messages")));
        body.insert(QStringLiteral("total"), body.value(QStringLiteral("total_count")));
    }
    return timed(json(body, Status::Ok), timer, page->cache);
}

QHttpServerResponse RestServer::searchAll(const QUrlQuery &query, const QElapsedTimer &timer) const
{
    Expected<SearchRequest> request = api::searchRequest(query, SearchRequest::Kind::All);
    if (!request)
        return timed(errorResponse(request.error()), timer);
    // Rows go straight from the database cursor into the body: the answer
    // is held once, as JSON text, never also as a list of messages.
    QByteArray body = QByteArrayLiteral("{\"messages\":[");
    bool interrupted = false;
    Expected<qint64> count = m_options.service->scan(*request, [this, &body, &interrupted](const Message &m) {
        if (stopping()) {
            interrupted = true;
            return false;
        }
        if (!body.endsWith('['))
            body += ',';
        body += QJsonDocument(messagejson::message(m)).toJson(QJsonDocument::Compact);
        return true;
    });
    if (!count)
        return timed(errorResponse(count.error()), timer);
    if (interrupted)
        return timed(errorResponse(Error::cancelled({})), timer);
    body += "],\"count\":" + QByteArray::number(*count);
    if (*count == 0)
        body += ",\"detail\":\"No messages found\"";
    body += '}';
    return timed(QHttpServerResponse(QByteArrayLiteral("application/json; charset=utf-8"), std::move(body)), timer);
}

void RestServer::exportResults(const QHttpServerRequest &r, QHttpServerResponder &&responder)
{
    // Checked as every endpoint is (key, rate, parameters, the query) before
    // the first byte, so that a refusal is a plain 4xx with its sentence.
    std::unique_ptr<ResultExport> exporter;
    ResultExport::Format format = ResultExport::Format::Json;
    QElapsedTimer timer;
    QHttpServerResponse refusal = handle(r, Access::Key, [&](const QUrlQuery &q, const QString &, const QElapsedTimer &t) {
        timer = t;
        Expected<SearchRequest> request = api::searchRequest(q, SearchRequest::Kind::Query);
        if (!request)
            return timed(errorResponse(request.error()), t);
        if (q.hasQueryItem(QStringLiteral("format"))) {
            const std::optional<ResultExport::Format> named = ResultExport::formatNamed(q.queryItemValue(QStringLiteral("format")));
            if (!named)
                return timed(errorResponse(Error::badInput(QStringLiteral("format must be csv, json, ndjson or markdown, not \"%1\".")
                                                               .arg(q.queryItemValue(QStringLiteral("format"), QUrl::FullyDecoded).left(40)))),
                             t);
            format = *named;
        }
        Expected<int> context = api::contextSize(q);
        if (!context)
            return timed(errorResponse(context.error()), t);
        exporter = std::make_unique<ResultExport>(*m_options.service, *request, format, *context);
        if (Expected<void> ok = exporter->validate(); !ok) {
            exporter.reset();
            return timed(errorResponse(ok.error()), t);
        }
        return QHttpServerResponse(Status::Ok);
    });
    if (!exporter) {
        qCInfo(lcAccess).noquote() << "GET" << r.url().path() << int(refusal.statusCode());
        refusal.write(std::move(responder));
        return;
    }

    // Then streamed, chunk by chunk, as the store gives the matches: held
    // no longer than the socket takes (at most ~1 MB waiting to be sent).
    QTcpSocket *socket = responder.socket();
    responder.writeStatusLine(Status::Ok);
    const QByteArray fileName = "fastdiscorddb-results." + ResultExport::fileSuffix(format).toLatin1();
    responder.writeHeaders({{QByteArrayLiteral("Content-Type"), ResultExport::mimeType(format)},
                            {QByteArrayLiteral("Content-Disposition"), "attachment; filename=\"" + fileName + '"'},
                            {QByteArrayLiteral("Transfer-Encoding"), QByteArrayLiteral("chunked")},
                            {QByteArrayLiteral("X-Cache"), QByteArrayLiteral("off")}});
    const auto sendable = [this, socket] {
        while (socket->state() == QAbstractSocket::ConnectedState && socket->bytesToWrite() > (1 << 20) && !stopping())
            if (!socket->waitForBytesWritten(30000))
                return false; // the client stopped reading
        return socket->state() == QAbstractSocket::ConnectedState && !stopping();
    };
    const Expected<ResultExport::Summary> done = exporter->run([&](const QByteArray &piece) {
        responder.writeBody(QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n");
        return sendable();
    });
    if (!done) {
        // Part-way: the answer ends without its last chunk, which every HTTP
        // client reports as a cut-off transfer rather than a whole export.
        qCWarning(lcRest).noquote() << "results export stopped:" << done.error().message;
        qCInfo(lcAccess).noquote() << "GET" << r.url().path() << 200 << "cut off";
        socket->abort();
        return;
    }
    responder.writeBody(QByteArrayLiteral("0\r\n\r\n"));
    qCInfo(lcAccess).noquote() << "GET" << r.url().path() << 200
                               << QByteArray::number(double(timer.nsecsElapsed()) / 1e9, 'f', 4);
}

QHttpServerResponse RestServer::timeline(const QUrlQuery &query, const QElapsedTimer &timer) const
{
    Expected<SearchRequest> request = api::searchRequest(query, SearchRequest::Kind::Query);
    if (!request)
        return timed(errorResponse(request.error()), timer);
    Expected<QList<DayCount>> days = m_options.service->countByDay(*request);
    if (!days)
        return timed(errorResponse(days.error()), timer);
    QJsonArray out;
    qint64 total = 0;
    for (const DayCount &d : std::as_const(*days)) {
        out.append(QJsonObject{{QStringLiteral("date"), d.day.toString(Qt::ISODate)}, {QStringLiteral("count"), d.count}});
        total += d.count;
    }
    return timed(json({{QStringLiteral("query"), request->text},
                       {QStringLiteral("tz"), request->isUtc() ? QStringLiteral("UTC") : QString::fromUtf8(request->zone)},
                       {QStringLiteral("days"), out},
                       {QStringLiteral("total_count"), total}},
                      Status::Ok),
                 timer);
}

QHttpServerResponse RestServer::messageContext(const QString &id, const QUrlQuery &query, const QElapsedTimer &timer) const
{
    bool ok = false;
    const Snowflake messageId = id.toULongLong(&ok);
    if (!ok || messageId == 0)
        return timed(errorResponse(Error::badInput(QStringLiteral("The message id must be a Discord id (digits), not \"%1\".").arg(id.left(40)))),
                     timer);
    Expected<int> before = api::sideSize(query, QStringLiteral("before"), 5);
    if (!before)
        return timed(errorResponse(before.error()), timer);
    Expected<int> after = api::sideSize(query, QStringLiteral("after"), 5);
    if (!after)
        return timed(errorResponse(after.error()), timer);
    Expected<MessageContext> c = m_options.service->context(messageId, *before, *after);
    if (!c)
        return timed(errorResponse(c.error()), timer);
    return timed(json({{QStringLiteral("message"), messagejson::message(c->message)},
                       {QStringLiteral("before"), messagejson::messages(c->before)},
                       {QStringLiteral("after"), messagejson::messages(c->after)}},
                      Status::Ok),
                 timer);
}

QHttpServerResponse RestServer::health(const QElapsedTimer &timer, bool details) const
{
    MessageStore &store = m_options.service->store();
    // A ping, not statistics: health is polled often and must stay cheap.
    QJsonObject storeStatus{{QStringLiteral("name"), store.name()}};
    const Expected<void> stats = store.ping();
    storeStatus.insert(QStringLiteral("status"), stats ? QStringLiteral("ok") : QStringLiteral("unavailable"));
    const auto describe = [details](QJsonObject &status, const Expected<void> &up, const char *what) {
        if (up)
            return;
        qCWarning(lcRest).noquote() << what << "unavailable:" << up.error().message;
        if (details)
            status.insert(QStringLiteral("detail"), up.error().message);
    };
    describe(storeStatus, stats, "health: the archive is");
    QJsonObject cache{{QStringLiteral("status"), QStringLiteral("off")}};
    if (m_options.redis) {
        const Expected<void> pong = m_options.redis->ping();
        cache.insert(QStringLiteral("status"), pong ? QStringLiteral("ok") : QStringLiteral("unavailable"));
        describe(cache, pong, "health: Redis is");
    }
    QJsonObject elastic{{QStringLiteral("status"), QStringLiteral("off")}};
    if (m_options.elastic) {
        const Expected<void> up = m_options.elastic->store().ping();
        elastic.insert(QStringLiteral("status"), up ? QStringLiteral("ok") : QStringLiteral("unavailable"));
        describe(elastic, up, "health: Elasticsearch is");
    }
    const QJsonObject body{{QStringLiteral("status"), stats ? QStringLiteral("ok") : QStringLiteral("unavailable")},
                           {QStringLiteral("store"), storeStatus},
                           {QStringLiteral("cache"), cache},
                           {QStringLiteral("elasticsearch"), elastic},
                           {QStringLiteral("watches"), watchHealth()},
                           {QStringLiteral("exporter"),
                            QJsonObject{{QStringLiteral("status"), m_options.dce.program.isEmpty() ? QStringLiteral("not found")
                                                                                                   : QStringLiteral("ok")}}}};
    return timed(json(body, stats ? Status::Ok : Status::ServiceUnavailable), timer);
}

namespace {

Expected<std::optional<QDateTime>> exportDate(const QUrlQuery &query, const QString &name)
{
    if (!query.hasQueryItem(name))
        return std::optional<QDateTime>();
    Expected<QDateTime> at = parseExportDate(query.queryItemValue(name, QUrl::FullyDecoded), name);
    if (!at)
        return at.error();
    return std::optional<QDateTime>(*at);
}

} // namespace

QHttpServerResponse RestServer::exportChannel(const QString &channelId, const QByteArray &token, const QUrlQuery &query,
                                              const QElapsedTimer &timer, const SearchService &target) const
{
    if (token.trimmed().isEmpty())
        return timed(json({{QStringLiteral("detail"), QStringLiteral("Missing Discord token.")}}, Status::BadRequest), timer);
    const Snowflake channel = isotime::parseSnowflake(channelId).value_or(0);
    if (channel == 0)
        return timed(errorResponse(Error::badInput(QStringLiteral("channel_id must be a Discord channel id (digits)."))), timer);
    ExportPlan plan;
    plan.channels = {channel};
    plan.timeout = m_options.exportTimeout;
    Expected<std::optional<QDateTime>> after = exportDate(query, QStringLiteral("after"));
    if (!after)
        return timed(errorResponse(after.error()), timer);
    Expected<std::optional<QDateTime>> before = exportDate(query, QStringLiteral("before"));
    if (!before)
        return timed(errorResponse(before.error()), timer);
    plan.after = *after;
    plan.before = *before;
    if (Expected<void> valid = ExportJob::validate(plan); !valid)
        return timed(errorResponse(valid.error()), timer);
    if (m_options.dce.program.isEmpty())
        return timed(errorResponse(Error::unavailable(m_options.dceProblem), Subject::Export), timer);

    ExportJob job(m_options.dce, QString::fromUtf8(token.trimmed()), target.store());
    job.setCancelFlag(m_options.stopping.get());
    const QList<ChannelExport> results = job.run(plan);
    qint64 inserted = 0, skipped = 0;
    for (const ChannelExport &r : results) {
        if (r.error)
            return timed(errorResponse(*r.error, Subject::Export), timer);
        inserted += r.inserted;
        skipped += r.skipped;
    }
    if (inserted > 0)
        target.dataChanged(m_options.stopping.get());
    const QJsonObject data{{QStringLiteral("message"),
                            QStringLiteral("Successfully inserted %1 messages into the database.").arg(inserted)},
                           {QStringLiteral("inserted"), inserted},
                           {QStringLiteral("skipped"), skipped}};
    return timed(json({{QStringLiteral("status"), QStringLiteral("success")},
                       {QStringLiteral("data"), data},
                       {QStringLiteral("process_time"), QString::fromLatin1(seconds(timer)) + QStringLiteral(" seconds")}},
                      Status::Ok),
                 timer);
}

// --- the watch list ---------------------------------------------------------

QJsonObject RestServer::watchHealth() const
{
    QJsonObject status{{QStringLiteral("scheduler"), m_options.watches ? QStringLiteral("running") : QStringLiteral("off")}};
    Expected<QList<Watch>> watches = m_options.service->store().watches();
    if (!watches) {
        status.insert(QStringLiteral("status"), QStringLiteral("unavailable"));
        return status;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    int failing = 0, overdue = 0;
    QJsonArray problems;
    for (const Watch &w : *watches) {
        const QString state = watchState(w, now);
        if (state == QLatin1String("failing"))
            ++failing;
        else if (state == QLatin1String("overdue"))
            ++overdue;
        else
            continue;
        problems.append(QJsonObject{{QStringLiteral("id"), QString::number(w.id)},
                                    {QStringLiteral("name"), w.name},
                                    {QStringLiteral("state"), state},
                                    {QStringLiteral("last_error"), w.lastError.isEmpty() ? QJsonValue() : QJsonValue(w.lastError)}});
    }
    status.insert(QStringLiteral("status"), failing ? QStringLiteral("failing") : overdue ? QStringLiteral("overdue") : QStringLiteral("ok"));
    status.insert(QStringLiteral("count"), int(watches->size()));
    status.insert(QStringLiteral("failing"), failing);
    status.insert(QStringLiteral("overdue"), overdue);
    status.insert(QStringLiteral("problems"), problems);
    return status;
}

QHttpServerResponse RestServer::listWatches(const QElapsedTimer &timer) const
{
    Expected<QList<Watch>> watches = m_options.service->store().watches();
    if (!watches)
        return timed(errorResponse(watches.error()), timer);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QJsonArray all;
    for (const Watch &w : *watches)
        all.append(watchJson(w, now));
    return timed(json({{QStringLiteral("watches"), all},
                       {QStringLiteral("scheduler"), m_options.watches ? QStringLiteral("running") : QStringLiteral("off")}},
                      Status::Ok),
                 timer);
}

QHttpServerResponse RestServer::addWatch(const QByteArray &body, const QElapsedTimer &timer) const
{
    QJsonParseError parsed{};
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parsed);
    if (parsed.error != QJsonParseError::NoError || !doc.isObject())
        return timed(errorResponse(Error::badInput(QStringLiteral("The body must be a JSON object such as "
                                                                  "{\"id\": \"1070040462135873587\", \"every\": \"1h\"}."))),
                     timer);
    const QJsonObject o = doc.object();
    const QJsonValue idValue = o.value(QStringLiteral("id"));
    const Snowflake id = isotime::parseSnowflake(idValue.isString() ? idValue.toString() : QString()).value_or(0);
    if (id == 0)
        return timed(errorResponse(Error::badInput(QStringLiteral("\"id\" must be a channel or server id as a string of digits."))), timer);
    qint64 interval = Watch::defaultIntervalSeconds;
    if (o.contains(QStringLiteral("every"))) {
        Expected<qint64> every = watchtime::parseInterval(o.value(QStringLiteral("every")).toString(), QStringLiteral("\"every\""));
        if (!every)
            return timed(errorResponse(every.error()), timer);
        interval = *every;
    }
    std::optional<bool> isGuild;
    const QString kind = o.value(QStringLiteral("kind")).toString();
    if (kind == QLatin1String("server"))
        isGuild = true;
    else if (kind == QLatin1String("channel"))
        isGuild = false;
    else if (o.contains(QStringLiteral("kind")))
        return timed(errorResponse(Error::badInput(QStringLiteral("\"kind\" is \"channel\" or \"server\"."))), timer);
    MessageStore &store = m_options.service->store();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    Expected<Watch> watch = WatchRunner::prepare(store, id, isGuild, interval,
                                                 o.value(QStringLiteral("include_threads")).toBool(), now);
    if (!watch)
        return timed(errorResponse(watch.error()), timer);
    if (Expected<void> saved = store.saveWatch(*watch); !saved)
        return timed(errorResponse(saved.error()), timer);
    if (m_options.watches)
        m_options.watches->wake();
    return timed(json(watchJson(*watch, now), Status::Created), timer);
}

QHttpServerResponse RestServer::removeWatch(const QString &text, const QElapsedTimer &timer) const
{
    const Snowflake id = isotime::parseSnowflake(text).value_or(0);
    if (id == 0)
        return timed(errorResponse(Error::badInput(QStringLiteral("watch_id must be a channel or server id (digits)."))), timer);
    Expected<bool> removed = m_options.service->store().removeWatch(id);
    if (!removed)
        return timed(errorResponse(removed.error()), timer);
    if (!*removed)
        return timed(errorResponse(Error::notFound(QStringLiteral("%1 is not on the watch list.").arg(id))), timer);
    return timed(json({{QStringLiteral("detail"), QStringLiteral("No longer watching %1; its archived messages stay.").arg(id)}},
                      Status::Ok),
                 timer);
}

QHttpServerResponse RestServer::runWatch(const QString &text, const QElapsedTimer &timer) const
{
    const Snowflake id = isotime::parseSnowflake(text).value_or(0);
    if (id == 0)
        return timed(errorResponse(Error::badInput(QStringLiteral("watch_id must be a channel or server id (digits)."))), timer);
    MessageStore &store = m_options.service->store();
    Expected<QList<Watch>> all = store.watches();
    if (!all)
        return timed(errorResponse(all.error()), timer);
    const auto it = std::find_if(all->begin(), all->end(), [id](const Watch &w) { return w.id == id; });
    if (it == all->end())
        return timed(errorResponse(Error::notFound(QStringLiteral("%1 is not on the watch list.").arg(id))), timer);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    it->nextRunMs = now; // due now, for whichever runner comes first
    if (Expected<void> saved = store.saveWatch(*it); !saved)
        return timed(errorResponse(saved.error()), timer);
    if (m_options.watches)
        m_options.watches->runNow({id});
    return timed(json({{QStringLiteral("detail"),
                        m_options.watches ? QStringLiteral("The update of %1 has started.").arg(id)
                                          : QStringLiteral("%1 is due now: it runs with the next \"fastdiscorddb-server watch run\".").arg(id)},
                       {QStringLiteral("watch"), watchJson(*it, now)}},
                      Status::Accepted),
                 timer);
}

} // namespace fdd
