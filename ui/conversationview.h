#pragma once

#include "model/searchpage.h"

#include <QHash>
#include <QSet>
#include <QWidget>

class QLabel;
class QTextBrowser;
class QToolButton;
class QTimer;

namespace fdd {

class ConversationBrowser;
class MediaLoader;

// A message among its neighbours in the channel, with the message itself
// marked; "earlier" and "later" ask for more of the conversation. Messages
// read as Discord shows them: display names in their colour, avatars,
// replies (a click on the quoted line goes there), attachments as
// thumbnails or file chips, embeds as cards, stickers, reactions, mentions,
// Discord's markdown, system messages in a muted line; in the palette's
// colours, light or dark. Images load off the GUI thread (MediaLoader).
class ConversationView : public QWidget
{
    Q_OBJECT

public:
    explicit ConversationView(QWidget *parent = nullptr);

    void showLoading(const Message &message);
    void showContext(const MessageContext &context, const QString &channelName, const QStringList &terms);
    void showError(const QString &sentence);
    void clear();
    // The archive's media folder (MediaLibrary::defaultRoot).
    void setMediaRoot(const QString &root);

    const MessageContext &context() const { return m_context; }
    QString plainText() const;
    QString html() const;
    // Images still loading (for tests).
    int imagesPending() const;
    // https://discord.com/channels/<guild or @me>/<channel>/<message>
    static QUrl discordLink(const Message &m);

signals:
    void moreRequested(Snowflake messageId, int before, int after);
    // Every image of the conversation has arrived or failed.
    void imagesSettled();

private:
    void render();
    QString messageHtml(const Message &m, bool selected, const QHash<Snowflake, const Message *> &around) const;
    void openLink(const QUrl &url);
    void copyText();
    void copyLink();
    void openInBrowser();

    QLabel *m_title;
    MediaLoader *m_media;
    ConversationBrowser *m_browser;
    QTimer *m_relayout;
    QSet<QString> m_arrived; // images arrived since the last relayout, by their names in the document
    QToolButton *m_copy;
    QToolButton *m_link;
    QToolButton *m_open;
    MessageContext m_context;
    QString m_channel;
    QStringList m_terms;
    int m_before = 10;
    int m_after = 10;
    QHash<Snowflake, QList<int>> m_revealed; // spoilers shown, by message
    // The selected message is kept at the top while the layout settles
    // (fonts, images, the width), until the reader scrolls.
    bool m_followSelected = false;
};

} // namespace fdd
