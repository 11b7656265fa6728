#include "conversationview.h"

#include "highlightdelegate.h"

#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QTextBrowser>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

namespace fdd {

ConversationView::ConversationView(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_browser(new QTextBrowser(this))
    , m_copy(new QToolButton(this))
    , m_link(new QToolButton(this))
    , m_open(new QToolButton(this))
{
    m_title->setTextFormat(Qt::PlainText);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_browser->setOpenLinks(false);
    m_browser->setObjectName(QStringLiteral("conversation"));
    m_copy->setText(tr("Copy text"));
    m_link->setText(tr("Copy link"));
    m_open->setText(tr("Open in Discord"));
    for (QToolButton *b : {m_copy, m_link, m_open}) {
        b->setToolButtonStyle(Qt::ToolButtonTextOnly);
        b->setEnabled(false);
    }
    m_copy->setToolTip(tr("Copy the selected message's text"));
    m_link->setToolTip(tr("Copy a link to the message on Discord"));
    m_open->setToolTip(tr("Open the message on Discord in the browser"));
    connect(m_copy, &QToolButton::clicked, this, &ConversationView::copyText);
    connect(m_link, &QToolButton::clicked, this, &ConversationView::copyLink);
    connect(m_open, &QToolButton::clicked, this, &ConversationView::openInBrowser);
    connect(m_browser, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        if (url.scheme() != QLatin1String("fdd") || m_context.message.id == 0)
            return;
        if (url.path() == QLatin1String("earlier"))
            m_before += 20;
        else if (url.path() == QLatin1String("later"))
            m_after += 20;
        emit moreRequested(m_context.message.id, m_before, m_after);
    });

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_title, 1);
    buttons->addWidget(m_copy);
    buttons->addWidget(m_link);
    buttons->addWidget(m_open);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttons);
    layout->addWidget(m_browser);
    clear();
}

QUrl ConversationView::discordLink(const Message &m)
{
    const QString guild = m.guildId == 0 ? QStringLiteral("@me") : QString::number(m.guildId);
    return QUrl(QStringLiteral("https://discord.com/channels/%1/%2/%3").arg(guild).arg(m.channelId).arg(m.id));
}

void ConversationView::clear()
{
    m_context = {};
    m_before = m_after = 10;
    m_title->setText(tr("Conversation"));
    m_browser->setHtml(QStringLiteral("<p style=\"color:gray\">%1</p>").arg(tr("Select a message to read it in its conversation.")));
    for (QToolButton *b : {m_copy, m_link, m_open})
        b->setEnabled(false);
}

void ConversationView::showLoading(const Message &message)
{
    if (message.id != m_context.message.id)
        m_before = m_after = 10;
    m_title->setText(tr("Loading the conversation…"));
}

void ConversationView::showError(const QString &sentence)
{
    m_title->setText(tr("Conversation"));
    m_browser->setHtml(QStringLiteral("<p style=\"color:#c0392b\">%1</p>").arg(sentence.toHtmlEscaped()));
}

void ConversationView::showContext(const MessageContext &context, const QString &channelName, const QStringList &terms)
{
    m_context = context;
    m_channel = channelName;
    m_terms = terms;
    m_title->setText(tr("%1 · %2").arg(channelName, QLocale().toString(context.message.timestamp().toLocalTime().date(),
                                                                         QLocale::LongFormat)));
    for (QToolButton *b : {m_copy, m_link, m_open})
        b->setEnabled(true);
    render();
}

void ConversationView::render()
{
    const QPalette p = palette();
    const QColor mark = p.color(QPalette::Base).lightness() < 128 ? QColor(0x7a, 0x5d, 0x00) : QColor(0xff, 0xe0, 0x66);
    const QColor selectedBg = p.color(QPalette::Highlight);
    const QColor dim = p.color(QPalette::PlaceholderText);
    const auto block = [&](const Message &m, bool selected) {
        QString body = HighlightDelegate::highlighted(m.content, selected ? m_terms : QStringList(), mark);
        body.replace(QLatin1Char('\n'), QStringLiteral("<br>"));
        const QString style = selected ? QStringLiteral("border-left: 4px solid %1; background-color:%2;")
                                             .arg(selectedBg.name(), selectedBg.lighter(p.color(QPalette::Base).lightness() < 128 ? 60 : 185).name())
                                       : QString();
        return QStringLiteral("<table width=\"100%\" cellpadding=\"4\" style=\"%1\"><tr><td>"
                              "<b>%2</b> <span style=\"color:%3\">%4</span><br>%5</td></tr></table>")
            .arg(style, m.authorName.toHtmlEscaped(), dim.name(),
                 QLocale().toString(m.timestamp().toLocalTime(), QLocale::ShortFormat).toHtmlEscaped(), body);
    };
    QString html;
    if (m_context.before.size() >= m_before)
        html += QStringLiteral("<p align=\"center\"><a href=\"fdd:earlier\">%1</a></p>").arg(tr("Show earlier messages"));
    else
        html += QStringLiteral("<p align=\"center\" style=\"color:%1\">%2</p>").arg(dim.name(), tr("Start of the archived conversation"));
    for (const Message &m : m_context.before)
        html += block(m, false);
    html += QStringLiteral("<a name=\"selected\"></a>") + block(m_context.message, true);
    for (const Message &m : m_context.after)
        html += block(m, false);
    if (m_context.after.size() >= m_after)
        html += QStringLiteral("<p align=\"center\"><a href=\"fdd:later\">%1</a></p>").arg(tr("Show later messages"));
    m_browser->setHtml(html);
    m_browser->scrollToAnchor(QStringLiteral("selected"));
}

QString ConversationView::plainText() const
{
    return m_browser->toPlainText();
}

void ConversationView::copyText()
{
    QApplication::clipboard()->setText(m_context.message.content);
}

void ConversationView::copyLink()
{
    QApplication::clipboard()->setText(discordLink(m_context.message).toString());
}

void ConversationView::openInBrowser()
{
    QDesktopServices::openUrl(discordLink(m_context.message));
}

} // namespace fdd
