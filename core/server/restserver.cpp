#include "restserver.h"

#include "apiparams.h"
#include "openapi.h"
#include "search/messagejson.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QtConcurrent>

#include <atomic>

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

QHttpServerResponse errorResponse(const Error &error)
{
    switch (error.kind) {
    case Error::Kind::BadInput:
        return json({{QStringLiteral("detail"), error.message}}, Status::BadRequest);
    case Error::Kind::NotFound:
        return json({{QStringLiteral("detail"), error.message}}, Status::NotFound);
    case Error::Kind::Unavailable:
        return json({{QStringLiteral("detail"), error.message}}, Status::ServiceUnavailable);
    case Error::Kind::Cancelled:
    case Error::Kind::Internal:
        break;
    }
    // The real sentence may hold SQL or server details: it goes to the log
    // under a request id, and the client gets the id.
    const QByteArray id = nextRequestId();
    qCWarning(lcRest).noquote() << "request" << id << "failed:" << error.message;
    return json({{QStringLiteral("detail"), QStringLiteral("An internal error occurred; quote request id %1 when reporting it.")
                                                .arg(QString::fromLatin1(id))},
                 {QStringLiteral("request_id"), QString::fromLatin1(id)}},
                Status::InternalServerError);
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

QFuture<QHttpServerResponse> ready(QHttpServerResponse &&response)
{
    QPromise<QHttpServerResponse> promise;
    QFuture<QHttpServerResponse> future = promise.future();
    promise.start();
    promise.addResult(std::move(response));
    promise.finish();
    return future;
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

RestServer::RestServer(Options options, QObject *parent) : QObject(parent), m_options(std::move(options))
{
    // Store calls wait on the network: more workers than cores.
    m_workers.setMaxThreadCount(std::max(4, QThread::idealThreadCount() * 4));

    using Kind = SearchRequest::Kind;
    const auto get = QHttpServerRequest::Method::Get;
    m_http.route(QStringLiteral("/api/chats/search"), get, [this](const QHttpServerRequest &r) {
        return search(r, Kind::Substring, QStringLiteral("search_term"));
    });
    m_http.route(QStringLiteral("/api/chats/search/all"), get, [this](const QHttpServerRequest &r) { return searchAll(r); });
    m_http.route(QStringLiteral("/api/chats/context-search"), get, [this](const QHttpServerRequest &r) {
        return search(r, Kind::FullText, QStringLiteral("search_term"));
    });
    m_http.route(QStringLiteral("/api/chats/search/by-date"), get, [this](const QHttpServerRequest &r) {
        return search(r, Kind::Date, QString());
    });
    const auto noElastic = [this](const QHttpServerRequest &r) {
        QElapsedTimer timer;
        timer.start();
        if (!authorised(r))
            return ready(timed(json({{QStringLiteral("detail"), QStringLiteral("A valid X-Api-Key header is required.")}},
                                    Status::Unauthorized), timer));
        return ready(timed(json({{QStringLiteral("detail"), QStringLiteral("Elasticsearch is not configured.")}},
                                Status::ServiceUnavailable), timer));
    };
    m_http.route(QStringLiteral("/api/es/chats/search"), get, noElastic);
    m_http.route(QStringLiteral("/api/es/chats/search/by-date"), get, noElastic);
    m_http.route(QStringLiteral("/api/health"), get, [this](const QHttpServerRequest &) { return health(); });
    m_http.route(QStringLiteral("/api/openapi.json"), get, [](const QHttpServerRequest &) {
        QElapsedTimer timer;
        timer.start();
        return timed(json(openapi::document(), Status::Ok), timer);
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

RestServer::~RestServer()
{
    m_workers.waitForDone();
}

quint16 RestServer::listen(const QHostAddress &address, quint16 port)
{
    return m_http.listen(address, port);
}

QStringList RestServer::routes()
{
    return {QStringLiteral("/api/chats/search"),          QStringLiteral("/api/chats/search/all"),
            QStringLiteral("/api/chats/context-search"),  QStringLiteral("/api/chats/search/by-date"),
            QStringLiteral("/api/es/chats/search"),       QStringLiteral("/api/es/chats/search/by-date"),
            QStringLiteral("/api/health"),                QStringLiteral("/api/openapi.json")};
}

bool RestServer::authorised(const QHttpServerRequest &request) const
{
    return m_options.apiKey.isEmpty() || constantTimeEquals(request.value(QByteArrayLiteral("X-Api-Key")), m_options.apiKey);
}

QFuture<QHttpServerResponse> RestServer::search(const QHttpServerRequest &request, SearchRequest::Kind kind,
                                                const QString &termName)
{
    QElapsedTimer timer;
    timer.start();
    if (!authorised(request))
        return ready(timed(json({{QStringLiteral("detail"), QStringLiteral("A valid X-Api-Key header is required.")}},
                                Status::Unauthorized), timer));
    const QUrlQuery query = request.query();
    Expected<SearchRequest> parsed = api::searchRequest(query, kind, termName);
    if (!parsed)
        return ready(timed(errorResponse(parsed.error()), timer));
    const bool contextSearch = request.url().path().endsWith(QLatin1String("/context-search"));
    Expected<int> context = api::contextSize(query);
    if (!context)
        return ready(timed(errorResponse(context.error()), timer));

    auto service = m_options.service;
    return QtConcurrent::run(&m_workers, [service, request = *parsed, timer, contextSearch,
                                          context = *context]() -> QHttpServerResponse {
        Expected<SearchPage> page = service->search(request);
        if (!page)
            return timed(errorResponse(page.error()), timer);
        QJsonObject body = messagejson::page(*page);
        if (contextSearch && context > 0) {
            QJsonArray withContext;
            for (const Message &m : std::as_const(page->messages)) {
                Expected<MessageContext> c = service->context(m.id, context, context);
                if (!c)
                    return timed(errorResponse(c.error()), timer);
                QJsonObject o = messagejson::message(m);
                o.insert(QStringLiteral("before"), messagejson::messages(c->before));
                o.insert(QStringLiteral("after"), messagejson::messages(c->after));
                withContext.append(o);
            }
            body.insert(QStringLiteral("messages"), withContext);
        }
        if (page->totalCount == 0)
            body.insert(QStringLiteral("detail"), QStringLiteral("No messages found"));
        return timed(json(body, Status::Ok), timer, page->cache);
    });
}

QFuture<QHttpServerResponse> RestServer::searchAll(const QHttpServerRequest &request)
{
    QElapsedTimer timer;
    timer.start();
    if (!authorised(request))
        return ready(timed(json({{QStringLiteral("detail"), QStringLiteral("A valid X-Api-Key header is required.")}},
                                Status::Unauthorized), timer));
    Expected<SearchRequest> parsed = api::searchRequest(request.query(), SearchRequest::Kind::All);
    if (!parsed)
        return ready(timed(errorResponse(parsed.error()), timer));
    auto service = m_options.service;
    return QtConcurrent::run(&m_workers, [service, request = *parsed, timer]() -> QHttpServerResponse {
        Expected<SearchPage> page = service->search(request);
        if (!page)
            return timed(errorResponse(page.error()), timer);
        // The body is written message by message, never as a QJsonArray
        // beside the rows.
        QByteArray body = QByteArrayLiteral("{\"messages\":[");
        const qsizetype count = page->messages.size();
        for (qsizetype i = 0; i < count; ++i) {
            if (i)
                body += ',';
            body += QJsonDocument(messagejson::message(page->messages.at(i))).toJson(QJsonDocument::Compact);
        }
        page->messages.clear();
        body += "],\"count\":" + QByteArray::number(count);
        if (count == 0)
            body += ",\"detail\":\"No messages found\"";
        body += '}';
        return timed(QHttpServerResponse(QByteArrayLiteral("application/json; charset=utf-8"), std::move(body)), timer,
                     page->cache);
    });
}

QFuture<QHttpServerResponse> RestServer::health()
{
    QElapsedTimer timer;
    timer.start();
    auto service = m_options.service;
    auto redis = m_options.redis;
    return QtConcurrent::run(&m_workers, [service, redis, timer]() -> QHttpServerResponse {
        QJsonObject store{{QStringLiteral("name"), service->store().name()}};
        Expected<StoreStats> stats = service->store().stats();
        if (stats) {
            store.insert(QStringLiteral("status"), QStringLiteral("ok"));
            store.insert(QStringLiteral("messages"), stats->messages);
            store.insert(QStringLiteral("channels"), stats->channels);
        } else {
            store.insert(QStringLiteral("status"), QStringLiteral("unavailable"));
            store.insert(QStringLiteral("detail"), stats.error().message);
        }
        QJsonObject cache{{QStringLiteral("status"), QStringLiteral("off")}};
        if (redis) {
            const Expected<void> pong = redis->ping();
            cache.insert(QStringLiteral("status"), pong ? QStringLiteral("ok") : QStringLiteral("unavailable"));
            if (!pong)
                cache.insert(QStringLiteral("detail"), pong.error().message);
        }
        const QJsonObject body{{QStringLiteral("status"), stats ? QStringLiteral("ok") : QStringLiteral("unavailable")},
                               {QStringLiteral("store"), store},
                               {QStringLiteral("cache"), cache},
                               {QStringLiteral("exporter"), QJsonObject{{QStringLiteral("status"), QStringLiteral("not configured")}}}};
        return timed(json(body, stats ? Status::Ok : Status::ServiceUnavailable), timer);
    });
}

} // namespace fdd
