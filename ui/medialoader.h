#pragma once

#include <QHash>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QUrl>

class QNetworkAccessManager;

namespace fdd {

// Images for the conversation, never loaded on the GUI thread: files of the
// archive's media folder ("fdd-media:…") and local files are read and scaled
// in the thread pool; Discord's CDN (and other http(s) links) through
// QNetworkAccessManager with a bounded disk cache, decoded in the pool too.
// The size to fit is the url's fragment, "#WxH". Every request ends in
// loaded() or failed(), once; a failure is remembered and not retried.
class MediaLoader : public QObject
{
    Q_OBJECT

public:
    explicit MediaLoader(QObject *parent = nullptr);

    // Where "fdd-media:" references are (MediaLibrary's root).
    void setMediaRoot(const QString &root) { m_root = root; }
    // Starts loading `url` unless it is loading, loaded or failed already.
    void request(const QUrl &url);
    // The image of a loaded url (null if none).
    QImage image(const QUrl &url) const { return m_images.value(url); }
    bool hasFailed(const QUrl &url) const { return m_failed.contains(url); }
    int pending() const { return int(m_loading.size()); }

    // The file a url names on this machine, or empty (web links).
    QString localPath(const QUrl &url) const;
    // "url#WxH"
    static QUrl sized(const QString &url, int width, int height);

signals:
    void loaded(const QUrl &url);
    void failed(const QUrl &url);

private:
    void decode(const QUrl &url, QByteArray bytes, const QString &file);
    void finish(const QUrl &url, const QImage &image);

    QString m_root;
    QNetworkAccessManager *m_network = nullptr;
    QHash<QUrl, QImage> m_images;
    QSet<QUrl> m_loading;
    QSet<QUrl> m_failed;
};

} // namespace fdd
