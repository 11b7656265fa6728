#include "conversationview.h"

#include "discordmarkdown.h"
#include "media/medialibrary.h"
#include "medialoader.h"

#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTimer>
#include <QToolButton>
#include <QToolTip>
#include <QUrl>
#include <QVBoxLayout>

namespace fdd {

namespace {

constexpr int avatarSize = 36;
constexpr QSize thumbnailBound(360, 240);

QColor blend(const QColor &a, const QColor &b, double t)
{
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

bool isDark(const QPalette &p)
{
    return p.color(QPalette::Base).lightness() < 128;
}

QString humanSize(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString attr(const QString &s)
{
    return s.toHtmlEscaped();
}

} // namespace

// A QTextBrowser whose images come from the MediaLoader: a placeholder at
// first, the image once it has arrived; and tooltips on text (who reacted,
// when a message was edited).
class ConversationBrowser : public QTextBrowser
{
public:
    ConversationBrowser(MediaLoader *loader, QWidget *parent) : QTextBrowser(parent), m_loader(loader) {}

    QVariant loadResource(int type, const QUrl &name) override
    {
        if (type != QTextDocument::ImageResource)
            return QTextBrowser::loadResource(type, name);
        const QImage image = m_loader->image(name);
        if (!image.isNull())
            return image;
        if (!m_loader->hasFailed(name))
            m_loader->request(name);
        return placeholder(name);
    }

    // The image of `url` has arrived; or failed: an avatar becomes a plain
    // disc, anything else nothing (its file chip stays).
    void settle(const QUrl &url)
    {
        const QImage image = m_loader->image(url);
        document()->addResource(QTextDocument::ImageResource, url,
                                !image.isNull() ? image : url.fragment() == QStringLiteral("%1x%1").arg(avatarSize) ? disc() : blank());
    }

protected:
    bool viewportEvent(QEvent *event) override
    {

        if (event->type() == QEvent::ToolTip) {
            auto *help = static_cast<QHelpEvent *>(event);
            const QString tip = cursorForPosition(help->pos()).charFormat().toolTip();
            if (!tip.isEmpty())
                QToolTip::showText(help->globalPos(), tip, viewport());
            else
                QToolTip::hideText();
            return true;
        }
        return QTextBrowser::viewportEvent(event);
    }

private:
    static QImage blank()
    {
        QImage i(1, 1, QImage::Format_ARGB32_Premultiplied);
        i.fill(Qt::transparent);
        return i;
    }

    QImage disc() const
    {
        QImage i(avatarSize, avatarSize, QImage::Format_ARGB32_Premultiplied);
        i.fill(Qt::transparent);
        QPainter p(&i);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(palette().color(QPalette::Mid));
        p.drawEllipse(QRectF(0, 0, avatarSize, avatarSize));
        return i;
    }

    QImage placeholder(const QUrl &name) const
    {
        const QStringList parts = name.fragment().split(QLatin1Char('x'));
        const QSize size(std::clamp(parts.value(0).toInt(), 1, 64), std::clamp(parts.value(1).toInt(), 1, 64));
        QImage i(size, QImage::Format_ARGB32_Premultiplied);
        i.fill(Qt::transparent);
        QPainter p(&i);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(palette().color(QPalette::Mid));
        p.drawRoundedRect(QRectF(QPointF(0, 0), QSizeF(size)), 4, 4);
        return i;
    }

    MediaLoader *m_loader;
};

ConversationView::ConversationView(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_media(new MediaLoader(this))
    , m_browser(new ConversationBrowser(m_media, this))
    , m_relayout(new QTimer(this))
    , m_copy(new QToolButton(this))
    , m_link(new QToolButton(this))
    , m_open(new QToolButton(this))
{
    m_title->setTextFormat(Qt::PlainText);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_browser->setOpenLinks(false);
    // A scroll bar that comes and goes lays the whole conversation out twice
    // (once at each width); always there, it is laid out once.
    m_browser->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
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
    connect(m_browser, &QTextBrowser::anchorClicked, this, &ConversationView::openLink);

    // Images arrive one by one; the layout is redone once for all that
    // arrived within a few milliseconds, and only where they are: text laid
    // out again is shaped again, and Qt 6.4 decodes each colour emoji's PNG
    // every time it is shaped.
    m_relayout->setSingleShot(true);
    m_relayout->setInterval(30);
    connect(m_relayout, &QTimer::timeout, this, [this] {
        QTextDocument *doc = m_browser->document();
        for (QTextBlock b = doc->begin(); b.isValid(); b = b.next())
            for (auto it = b.begin(); !it.atEnd(); ++it)
                if (const QTextCharFormat f = it.fragment().charFormat();
                    f.isImageFormat() && m_arrived.contains(f.toImageFormat().name()))
                    doc->markContentsDirty(it.fragment().position(), it.fragment().length());
        m_arrived.clear();
        if (m_media->pending() == 0)
            emit imagesSettled();
    });
    // Heights above the selected message change after it was scrolled to
    // (the first conversation's fallback fonts, images arriving): it stays
    // at the top until the reader scrolls.
    connect(m_browser->document()->documentLayout(), &QAbstractTextDocumentLayout::documentSizeChanged, this, [this] {
        if (m_followSelected)
            m_browser->scrollToAnchor(QStringLiteral("selected"));
    });
    connect(m_browser->verticalScrollBar(), &QAbstractSlider::actionTriggered, this, [this] { m_followSelected = false; });
    const auto arrived = [this](const QUrl &url) {
        m_browser->settle(url);
        m_arrived.insert(url.toString());
        if (!m_relayout->isActive())
            m_relayout->start();
    };
    connect(m_media, &MediaLoader::loaded, this, arrived);
    connect(m_media, &MediaLoader::failed, this, arrived);

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

void ConversationView::setMediaRoot(const QString &root)
{
    m_media->setMediaRoot(root);
}

int ConversationView::imagesPending() const
{
    return m_media->pending();
}

QUrl ConversationView::discordLink(const Message &m)
{
    return QUrl(m.discordUrl());
}

void ConversationView::clear()
{
    m_context = {};
    m_before = m_after = 10;
    m_title->setText(tr("Conversation"));
    m_browser->setHtml(QStringLiteral("<p style=\"color:%1\">%2</p>")
                           .arg(palette().color(QPalette::PlaceholderText).name(), tr("Select a message to read it in its conversation.")));
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
    const QColor error = isDark(palette()) ? QColor(0xff, 0x8a, 0x80) : QColor(0xc0, 0x39, 0x2b);
    m_browser->setHtml(QStringLiteral("<p style=\"color:%1\">%2</p>").arg(error.name(), sentence.toHtmlEscaped()));
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

void ConversationView::openLink(const QUrl &url)
{
    if (url.scheme() == QLatin1String("fdd")) {
        const QStringList parts = url.path().split(QLatin1Char('/'));
        if (m_context.message.id == 0)
            return;
        if (parts.value(0) == QLatin1String("earlier")) {
            m_before += 20;
            emit moreRequested(m_context.message.id, m_before, m_after);
        } else if (parts.value(0) == QLatin1String("later")) {
            m_after += 20;
            emit moreRequested(m_context.message.id, m_before, m_after);
        } else if (parts.value(0) == QLatin1String("jump")) {
            // The message replied to, among its own neighbours (it may be on no page of the results).
            m_before = m_after = 10;
            emit moreRequested(parts.value(1).toULongLong(), m_before, m_after);
        } else if (parts.value(0) == QLatin1String("spoiler")) {
            m_revealed[parts.value(1).toULongLong()].append(parts.value(2).toInt());
            const int at = m_browser->verticalScrollBar()->value();
            render();
            m_browser->verticalScrollBar()->setValue(at);
        }
        return;
    }
    if (url.scheme() == QLatin1String("fdd-media")) {
        const QString path = m_media->localPath(url);
        if (!path.isEmpty())
            QDesktopServices::openUrl(QUrl::fromLocalFile(path));
        return;
    }
    if (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https"))
        QDesktopServices::openUrl(url);
}

QString ConversationView::messageHtml(const Message &m, bool selected, const QHash<Snowflake, const Message *> &around) const
{
    const QPalette p = palette();
    const bool dark = isDark(p);
    const QColor text = p.color(QPalette::Text);
    const QColor base = p.color(QPalette::Base);
    const QColor dim = p.color(QPalette::PlaceholderText);
    const QColor link = p.color(QPalette::Link);
    const QColor card = blend(base, text, dark ? 0.10 : 0.05);
    const QColor highlight = p.color(QPalette::Highlight);
    const QString time = QLocale().toString(m.timestamp().toLocalTime(), QLocale::ShortFormat);

    DiscordMarkdown markdown({text, dim, blend(base, text, dark ? 0.16 : 0.08), blend(base, highlight, 0.3), text,
                              blend(base, text, 0.55), link});
    QHash<QString, QString> users;
    for (const UserRef &u : m.mentions)
        users.insert(QString::number(u.id), u.displayName());
    markdown.setUserNames(users);
    markdown.setRevealed(QString::number(m.id), m_revealed.value(m.id));
    if (selected)
        markdown.setHighlight(m_terms, dark ? QColor(0x7a, 0x5d, 0x00) : QColor(0xff, 0xe0, 0x66));

    const QColor nameColor = QColor::isValidColorName(m.authorColor) ? QColor::fromString(m.authorColor) : text;
    const auto nameHtml = [&](const QString &name, const QColor &color) {
        return QStringLiteral("<b style=\"color:%1;\">%2</b>").arg(color.name(), name.toHtmlEscaped());
    };
    const auto image = [&](const QString &url, int w, int h, const QString &alt, const QString &extra = {}) {
        return QStringLiteral("<img src=\"%1\" alt=\"%2\" %3>")
            .arg(attr(MediaLoader::sized(url, w, h).toString()), attr(alt), extra);
    };

    // A system message: one muted line.
    if (m.isSystem()) {
        static const QHash<QString, QString> signs{{QStringLiteral("GuildMemberJoin"), QStringLiteral("→")},
                                                   {QStringLiteral("ChannelPinnedMessage"), QStringLiteral("📌")},
                                                   {QStringLiteral("ThreadCreated"), QStringLiteral("🧵")},
                                                   {QStringLiteral("Call"), QStringLiteral("📞")},
                                                   {QStringLiteral("RecipientAdd"), QStringLiteral("→")},
                                                   {QStringLiteral("RecipientRemove"), QStringLiteral("←")}};
        QString line = m.content.toHtmlEscaped();
        if (m.type == QLatin1String("ChannelPinnedMessage") && m.replyToId)
            line = QStringLiteral("<a href=\"fdd:jump/%1\">%2</a>").arg(m.replyToId).arg(line);
        return QStringLiteral("<table width=\"100%\" cellpadding=\"3\"%1><tr><td width=\"%2\" align=\"center\" style=\"color:%3;\">%4</td>"
                              "<td style=\"color:%3;\">%5 %6 <small>%7</small></td></tr></table>")
            .arg(selected ? QStringLiteral(" bgcolor=\"%1\"").arg(blend(base, highlight, 0.25).name()) : QString())
            .arg(avatarSize + 8)
            .arg(dim.name(), signs.value(m.type, QStringLiteral("•")), nameHtml(m.authorDisplayName(), nameColor), line,
                 time.toHtmlEscaped());
    }

    QString head;
    // A reply starts with the line it answers; a click goes there.
    if (m.isReply()) {
        const Message *original = around.value(m.replyToId);
        const QString quoted = original ? QStringLiteral("%1 %2").arg(nameHtml(QLatin1Char('@') + original->authorDisplayName(),
                                                                               QColor::isValidColorName(original->authorColor)
                                                                                   ? QColor::fromString(original->authorColor) : text),
                                                                      markdown.toHtml(original->content.section(QLatin1Char('\n'), 0, 0).left(120)))
                                        : tr("the message it answers");
        head += QStringLiteral("<small style=\"color:%1;\">╭ <a href=\"fdd:jump/%2\" style=\"color:%1; text-decoration:none;\">%3</a></small><br>")
                    .arg(dim.name()).arg(m.replyToId).arg(quoted);
    }
    head += nameHtml(m.authorDisplayName(), nameColor);
    if (m.authorIsBot)
        head += QStringLiteral(" <span style=\"background-color:%1; color:%2;\"><small>&nbsp;%3&nbsp;</small></span>")
                    .arg(highlight.name(), p.color(QPalette::HighlightedText).name(), tr("BOT"));
    head += QStringLiteral(" <small style=\"color:%1;\">%2</small>").arg(dim.name(), time.toHtmlEscaped());
    if (m.isPinned)
        head += QStringLiteral(" <span title=\"%1\">📌</span>").arg(tr("Pinned"));

    QString body = markdown.toHtml(m.content);
    if (m.editedMs)
        body += QStringLiteral(" <small style=\"color:%1;\" title=\"%2\">%3</small>")
                    .arg(dim.name(), attr(tr("Edited %1").arg(QLocale().toString(QDateTime::fromMSecsSinceEpoch(m.editedMs).toLocalTime(),
                                                                                 QLocale::LongFormat))),
                         tr("(edited)"));
    if (m.interaction)
        head = QStringLiteral("<small style=\"color:%1;\">%2 %3</small><br>")
                   .arg(dim.name(), nameHtml(m.interaction->user.displayName(), text),
                        tr("used /%1").arg(m.interaction->name).toHtmlEscaped())
             + head;

    const auto attachments = [&](const QList<Attachment> &list) {
        QString html;
        for (const Attachment &a : list) {
            const QString chip = QStringLiteral("<a href=\"%1\">%2</a> <small style=\"color:%3;\">%4</small>")
                                     .arg(attr(a.url), a.fileName.toHtmlEscaped(), dim.name(), humanSize(a.sizeBytes));
            if (a.kind() == Attachment::Kind::Image)
                html += QStringLiteral("<br><a href=\"%1\">%2</a><br>%3")
                            .arg(attr(a.url), image(a.url, thumbnailBound.width(), thumbnailBound.height(), a.fileName), chip);
            else
                html += QStringLiteral("<table cellpadding=\"6\" bgcolor=\"%1\"><tr><td>%2 %3</td></tr></table>")
                            .arg(card.name(), a.kind() == Attachment::Kind::Video   ? QStringLiteral("🎞")
                                              : a.kind() == Attachment::Kind::Audio ? QStringLiteral("🔊")
                                                                                    : QStringLiteral("📄"),
                                 chip);
        }
        return html;
    };
    const auto embeds = [&](const QList<Embed> &list) {
        QString html;
        for (const Embed &e : list) {
            const QColor bar = QColor::isValidColorName(e.color) ? QColor::fromString(e.color) : dim;
            QString inside;
            if (!e.authorName.isEmpty())
                inside += QStringLiteral("<small>%1</small><br>").arg(e.authorName.toHtmlEscaped());
            if (!e.title.isEmpty())
                inside += e.url.isEmpty() ? QStringLiteral("<b>%1</b><br>").arg(e.title.toHtmlEscaped())
                                          : QStringLiteral("<b><a href=\"%1\">%2</a></b><br>").arg(attr(e.url), e.title.toHtmlEscaped());
            if (!e.description.isEmpty())
                inside += markdown.toHtml(e.description) + QStringLiteral("<br>");
            for (const EmbedField &f : e.fields)
                inside += QStringLiteral("<b>%1</b><br>%2<br>").arg(f.name.toHtmlEscaped(), markdown.toHtml(f.value));
            if (!e.imageUrl.isEmpty())
                inside += image(e.imageUrl, thumbnailBound.width(), thumbnailBound.height(), e.title) + QStringLiteral("<br>");
            if (!e.footerText.isEmpty())
                inside += QStringLiteral("<small style=\"color:%1;\">%2</small>").arg(dim.name(), e.footerText.toHtmlEscaped());
            const QString thumb = e.thumbnailUrl.isEmpty() ? QString()
                                                           : QStringLiteral("<td valign=\"top\" width=\"88\">%1</td>")
                                                                 .arg(image(e.thumbnailUrl, 80, 80, e.title));
            html += QStringLiteral("<table cellspacing=\"0\" cellpadding=\"0\"><tr><td width=\"4\" bgcolor=\"%1\"></td>"
                                   "<td><table cellpadding=\"8\" bgcolor=\"%2\"><tr><td valign=\"top\">%3</td>%4</tr></table></td></tr></table>")
                        .arg(bar.name(), card.name(), inside, thumb);
        }
        return html;
    };

    QString extra;
    if (m.forwarded) {
        extra += QStringLiteral("<table cellspacing=\"0\" cellpadding=\"0\"><tr><td width=\"4\" bgcolor=\"%1\"></td>"
                                "<td style=\"padding-left:8px;\"><small style=\"color:%1;\">↪ %2 · %3</small><br>%4%5%6</td></tr></table>")
                     .arg(dim.name(), tr("Forwarded"),
                          QLocale().toString(QDateTime::fromMSecsSinceEpoch(m.forwarded->timestampMs).toLocalTime(), QLocale::ShortFormat),
                          markdown.toHtml(m.forwarded->content), attachments(m.forwarded->attachments), embeds(m.forwarded->embeds));
    }
    extra += attachments(m.attachments);
    extra += embeds(m.embeds);
    for (const Sticker &s : m.stickers) {
        const bool drawable = s.format != QLatin1String("Lottie") && !s.sourceUrl.isEmpty();
        extra += drawable ? QStringLiteral("<br>") + image(s.sourceUrl, 120, 120, s.name, QStringLiteral("title=\"%1\"").arg(attr(s.name)))
                          : QStringLiteral("<br><span style=\"background-color:%1;\">&nbsp;%2&nbsp;</span>").arg(card.name(), attr(s.name));
    }
    if (!m.reactions.isEmpty()) {
        QStringList pills;
        for (const Reaction &r : m.reactions) {
            QStringList who;
            for (const UserRef &u : r.users)
                who << u.displayName();
            const QString tip = who.isEmpty() ? tr("%n reaction(s) with %1", nullptr, r.count).arg(r.emoji.name)
                                              : tr("%1 reacted with %2").arg(who.join(QStringLiteral(", ")), r.emoji.name);
            // A custom emoji as its picture when the archive keeps it, else by its name.
            const QString emoji = r.emoji.id == 0 ? r.emoji.name.toHtmlEscaped()
                                : MediaLibrary::isReference(r.emoji.imageUrl)
                                    ? image(r.emoji.imageUrl, 18, 18, r.emoji.name, QStringLiteral("width=\"18\" height=\"18\""))
                                    : QLatin1Char(':') + r.emoji.name.toHtmlEscaped() + QLatin1Char(':');
            pills << QStringLiteral("<span style=\"background-color:%1;\" title=\"%2\">&nbsp;%3 %4&nbsp;</span>")
                         .arg(blend(base, highlight, 0.18).name(), attr(tip), emoji)
                         .arg(r.count);
        }
        extra += QStringLiteral("<br>") + pills.join(QStringLiteral("&nbsp;"));
    }

    const QString avatar = m.authorAvatarUrl.isEmpty()
                             ? QString()
                             : image(m.authorAvatarUrl, avatarSize, avatarSize, m.authorDisplayName(),
                                     QStringLiteral("width=\"%1\" height=\"%1\"").arg(avatarSize));
    const QString background = selected ? QStringLiteral(" bgcolor=\"%1\"").arg(blend(base, highlight, dark ? 0.28 : 0.18).name()) : QString();
    return QStringLiteral("<table width=\"100%\" cellpadding=\"4\"%1><tr><td width=\"%2\" valign=\"top\">%3</td>"
                          "<td valign=\"top\">%4<br>%5%6</td></tr></table>")
        .arg(background)
        .arg(avatarSize + 8)
        .arg(avatar, head, body, extra);
}

void ConversationView::render()
{
    const QColor dim = palette().color(QPalette::PlaceholderText);
    QHash<Snowflake, const Message *> around;
    for (const QList<Message> *list : {&m_context.before, &m_context.after})
        for (const Message &m : *list)
            around.insert(m.id, &m);
    around.insert(m_context.message.id, &m_context.message);

    QString html;
    if (m_context.before.size() >= m_before)
        html += QStringLiteral("<p align=\"center\"><a href=\"fdd:earlier\">%1</a></p>").arg(tr("Show earlier messages"));
    else
        html += QStringLiteral("<p align=\"center\" style=\"color:%1\">%2</p>").arg(dim.name(), tr("Start of the archived conversation"));
    for (const Message &m : m_context.before)
        html += messageHtml(m, false, around);
    html += QStringLiteral("<a name=\"selected\"></a>") + messageHtml(m_context.message, true, around);
    for (const Message &m : m_context.after)
        html += messageHtml(m, false, around);
    if (m_context.after.size() >= m_after)
        html += QStringLiteral("<p align=\"center\"><a href=\"fdd:later\">%1</a></p>").arg(tr("Show later messages"));
    m_browser->setHtml(html);
    m_browser->scrollToAnchor(QStringLiteral("selected"));
    m_followSelected = true;
    if (m_media->pending() == 0)
        QTimer::singleShot(0, this, [this] {
            if (m_media->pending() == 0)
                emit imagesSettled();
        });
}

QString ConversationView::plainText() const
{
    return m_browser->toPlainText();
}

QString ConversationView::html() const
{
    return m_browser->toHtml();
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
