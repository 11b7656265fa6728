#include "elasticclient.h"

#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QThread>
#include <QThreadStorage>
#include <QTimer>

#include <memory>

namespace fdd {

namespace {

QNetworkAccessManager &threadManager()
{
    // One per thread, created and destroyed in it (QNetworkAccessManager is
    // not shared across threads). QThreadStorage deletes it while its thread
    // still has an event dispatcher, before QThread::wait() returns; a
    // thread_local would be destroyed after both (see ConnectionPool).
    static QThreadStorage<QNetworkAccessManager *> managers;
    if (!managers.hasLocalData())
        managers.setLocalData(new QNetworkAccessManager);
    return *managers.localData();
}

} // namespace

QJsonObject ElasticClient::Reply::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QString ElasticClient::Reply::reason() const
{
    const QJsonObject error = json().value(QStringLiteral("error")).toObject();
    if (error.isEmpty())
        return QStringLiteral("HTTP %1").arg(status);
    return QStringLiteral("%1: %2").arg(error.value(QStringLiteral("type")).toString(),
                                        error.value(QStringLiteral("reason")).toString());
}

Expected<ElasticClient::Reply> ElasticClient::send(const QByteArray &method, const QString &path, const QByteArray &body,
                                                   const QByteArray &contentType) const
{
    QString lastProblem;
    int backoffMs = 200;
    // 429 and 503 are the cluster asking to slow down: retried with backoff.
    // No answer from any node is not retried: the sentence should come quickly.
    for (int attempt = 0;; ++attempt) {
        bool busy = false;
        for (const QUrl &node : m_config.nodes) {
            QUrl url = node;
            url.setPath(QLatin1Char('/') + path.section(QLatin1Char('?'), 0, 0));
            url.setQuery(path.section(QLatin1Char('?'), 1));
            QNetworkRequest request(url);
            request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
            request.setTransferTimeout(m_config.timeoutMs);
            if (!m_config.apiKey.isEmpty())
                request.setRawHeader("Authorization", "ApiKey " + m_config.apiKey);
            else if (!m_config.user.isEmpty())
                request.setRawHeader("Authorization",
                                     "Basic " + (m_config.user + QLatin1Char(':') + m_config.password).toUtf8().toBase64());
            if (url.scheme() == QLatin1String("https") && !m_config.caFile.isEmpty()) {
                QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
                ssl.setCaCertificates(ssl.caCertificates() + QSslCertificate::fromPath(m_config.caFile));
                request.setSslConfiguration(ssl);
            }
            QNetworkReply *reply = threadManager().sendCustomRequest(request, method, body);
            QEventLoop loop;
            QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
            loop.exec();
            std::unique_ptr<QNetworkReply, void (*)(QNetworkReply *)> owned(reply, [](QNetworkReply *r) { r->deleteLater(); });
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (status == 0) { // no HTTP answer: this node is down; try the next
                lastProblem = QStringLiteral("%1: %2").arg(node.host(), reply->errorString());
                continue;
            }
            Reply r{status, reply->readAll()};
            if ((status == 429 || status == 503) && attempt < 3) {
                lastProblem = QStringLiteral("%1 answered %2 (%3)").arg(node.host()).arg(status).arg(r.reason());
                busy = true;
                break;
            }
            return r;
        }
        if (!busy)
            break;
        QThread::msleep(backoffMs);
        backoffMs *= 4;
    }
    return Error::unavailable(QStringLiteral("Elasticsearch at %1 cannot be reached (%2). Check the address and that "
                                             "the cluster is up.")
                                  .arg(m_config.redacted(), lastProblem));
}

Expected<QJsonObject> ElasticClient::call(const QByteArray &method, const QString &path, const QJsonObject &body,
                                          const QString &what) const
{
    Expected<Reply> reply = send(method, path, body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact));
    if (!reply)
        return reply.error();
    if (reply->status / 100 != 2) {
        const QString sentence = QStringLiteral("Elasticsearch could not %1 (%2).").arg(what, reply->reason());
        if (reply->status == 404)
            return Error::notFound(sentence);
        if (reply->status == 400)
            return Error::badInput(sentence);
        if (reply->status == 401 || reply->status == 403)
            return Error::unavailable(sentence + QStringLiteral(" Check the user, password or API key."));
        return Error::internal(sentence);
    }
    return reply->json();
}

} // namespace fdd
