#include "medialoader.h"

#include "media/medialibrary.h"

#include <QBuffer>
#include <QDir>
#include <QFutureWatcher>
#include <QImageReader>
#include <QNetworkAccessManager>
#include <QNetworkDiskCache>
#include <QNetworkReply>
#include <QStandardPaths>
#include <QtConcurrent>

namespace fdd {

namespace {

constexpr qint64 diskCacheBytes = 256ll * 1024 * 1024;
constexpr qint64 largestImage = 32ll * 1024 * 1024;

QSize boundOf(const QUrl &url)
{
    const QStringList parts = url.fragment().split(QLatin1Char('x'));
    const int w = parts.value(0).toInt(), h = parts.value(1).toInt();
    return w > 0 && h > 0 ? QSize(w, h) : QSize(400, 300);
}

// In the thread pool: the image, scaled down to fit `bound`.
QImage readScaled(QIODevice *device, QSize bound)
{
    QImageReader reader(device);
    reader.setAutoTransform(true);
    QSize size = reader.size();
    if (size.isValid() && (size.width() > bound.width() || size.height() > bound.height()))
        reader.setScaledSize(size.scaled(bound, Qt::KeepAspectRatio));
    QImage image = reader.read();
    if (!image.isNull() && (image.width() > bound.width() || image.height() > bound.height()))
        image = image.scaled(bound, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    return image;
}

} // namespace

MediaLoader::MediaLoader(QObject *parent) : QObject(parent) {}

QUrl MediaLoader::sized(const QString &url, int width, int height)
{
    QUrl u(url);
    u.setFragment(QStringLiteral("%1x%2").arg(width).arg(height));
    return u;
}

QString MediaLoader::localPath(const QUrl &url) const
{
    if (url.scheme() == QLatin1String("fdd-media")) {
        QUrl plain = url;
        plain.setFragment(QString());
        return MediaLibrary(m_root).pathOf(plain.toString());
    }
    if (url.isLocalFile())
        return url.toLocalFile();
    return {};
}

void MediaLoader::request(const QUrl &url)
{
    if (m_loading.contains(url) || m_images.contains(url) || m_failed.contains(url))
        return;
    const QString scheme = url.scheme();
    if (scheme == QLatin1String("fdd-media") || url.isLocalFile()) {
        const QString path = localPath(url);
        if (path.isEmpty()) {
            m_failed.insert(url);
            emit failed(url);
            return;
        }
        m_loading.insert(url);
        decode(url, {}, path);
        return;
    }
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https")) {
        m_failed.insert(url);
        emit failed(url);
        return;
    }
    if (!m_network) {
        m_network = new QNetworkAccessManager(this);
        auto *cache = new QNetworkDiskCache(m_network);
        cache->setCacheDirectory(QDir(QStandardPaths::writableLocation(QStandardPaths::CacheLocation)).filePath(QStringLiteral("images")));
        cache->setMaximumCacheSize(diskCacheBytes);
        m_network->setCache(cache);
        m_network->setTransferTimeout(20000);
    }
    m_loading.insert(url);
    QUrl plain = url;
    plain.setFragment(QString());
    QNetworkRequest request(plain);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::PreferCache);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    QNetworkReply *reply = m_network->get(request);
    connect(reply, &QNetworkReply::downloadProgress, reply, [reply](qint64 received, qint64) {
        if (received > largestImage)
            reply->abort();
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply, url] {
        reply->deleteLater();
        if (reply->error() != QNetworkReply::NoError) {
            finish(url, {});
            return;
        }
        decode(url, reply->readAll(), {});
    });
}

void MediaLoader::decode(const QUrl &url, QByteArray bytes, const QString &file)
{
    const QSize bound = boundOf(url);
    auto *watcher = new QFutureWatcher<QImage>(this);
    connect(watcher, &QFutureWatcher<QImage>::finished, this, [this, watcher, url] {
        watcher->deleteLater();
        finish(url, watcher->result());
    });
    // One decoder, below the GUI's priority and apart from the searches'
    // pool: two decoding at once on a 2-core machine held the GUI thread
    // for 100 ms (tst_mainwindow's watchdog).
    static QThreadPool *pool = [] {
        auto *p = new QThreadPool;
        p->setMaxThreadCount(1);
        p->setThreadPriority(QThread::LowPriority);
        return p;
    }();
    watcher->setFuture(QtConcurrent::run(pool, [bytes = std::move(bytes), file, bound]() mutable {
        if (!file.isEmpty()) {
            QFile f(file);
            if (!f.open(QIODevice::ReadOnly) || f.size() > largestImage)
                return QImage();
            return readScaled(&f, bound);
        }
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::ReadOnly);
        return readScaled(&buffer, bound);
    }));
}

void MediaLoader::finish(const QUrl &url, const QImage &image)
{
    m_loading.remove(url);
    if (image.isNull()) {
        m_failed.insert(url);
        emit failed(url);
        return;
    }
    if (m_images.size() >= 400) // a bound on memory: the conversations of before load again from disk
        m_images.clear();
    m_images.insert(url, image);
    emit loaded(url);
}

} // namespace fdd
