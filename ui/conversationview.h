#pragma once

#include "model/searchpage.h"

#include <QWidget>

class QLabel;
class QTextBrowser;
class QToolButton;

namespace fdd {

// A message among its neighbours in the channel, with the message itself
// marked; "earlier" and "later" ask for more of the conversation.
class ConversationView : public QWidget
{
    Q_OBJECT

public:
    explicit ConversationView(QWidget *parent = nullptr);

    void showLoading(const Message &message);
    void showContext(const MessageContext &context, const QString &channelName, const QStringList &terms);
    void showError(const QString &sentence);
    void clear();

    const MessageContext &context() const { return m_context; }
    QString plainText() const;
    // https://discord.com/channels/<guild or @me>/<channel>/<message>
    static QUrl discordLink(const Message &m);

signals:
    void moreRequested(Snowflake messageId, int before, int after);

private:
    void render();
    void copyText();
    void copyLink();
    void openInBrowser();

    QLabel *m_title;
    QTextBrowser *m_browser;
    QToolButton *m_copy;
    QToolButton *m_link;
    QToolButton *m_open;
    MessageContext m_context;
    QString m_channel;
    QStringList m_terms;
    int m_before = 10;
    int m_after = 10;
};

} // namespace fdd
