#pragma once

#include <QColor>
#include <QCoreApplication>
#include <QHash>
#include <QString>
#include <QStringList>

#include <functional>

namespace fdd {

// Discord's markdown as Qt rich text (the subset QTextBrowser draws): bold,
// italic, underline, strikethrough, inline code, code blocks, block quotes,
// headers, spoilers, masked and bare links, user/channel/role mentions,
// custom emoji and <t:…> timestamps. Every piece of the user's text is
// escaped; only the renderer writes tags.
class DiscordMarkdown
{
    Q_DECLARE_TR_FUNCTIONS(DiscordMarkdown)

public:
    struct Style
    {
        QColor text;
        QColor dim;        // timestamps' tooltips, quote bars
        QColor codeBack;   // inline code and code blocks
        QColor mentionBack;
        QColor mentionText;
        QColor spoilerBack; // a hidden spoiler: the text in this colour on it
        QColor link;
    };

    explicit DiscordMarkdown(Style style) : m_style(std::move(style)) {}

    // <@id> → "@name" (empty: the id)
    void setUserNames(QHash<QString, QString> names) { m_users = std::move(names); }
    // Spoilers of this message shown, by their index; a hidden one links to
    // "fdd:spoiler/<message id>/<index>".
    void setRevealed(QString messageId, QList<int> revealed)
    {
        m_messageId = std::move(messageId);
        m_revealed = std::move(revealed);
    }
    // The terms to mark, case-insensitively, in the text (not in tags).
    void setHighlight(QStringList terms, QColor mark)
    {
        m_terms = std::move(terms);
        m_mark = mark;
    }

    QString toHtml(const QString &markdown) const;

    // Marks `terms` in the text parts of `html` (never inside tags or entities).
    static QString highlightHtml(const QString &html, const QStringList &terms, const QColor &mark);

private:
    QString inlineHtml(const QString &text, QStringList &held) const;

    Style m_style;
    QHash<QString, QString> m_users;
    QString m_messageId;
    QList<int> m_revealed;
    QStringList m_terms;
    QColor m_mark;
};

} // namespace fdd
