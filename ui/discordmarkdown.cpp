#include "discordmarkdown.h"

#include <QDateTime>
#include <QLocale>
#include <QRegularExpression>

namespace fdd {

namespace {

constexpr QChar holdOpen = QChar(0xE000);
constexpr QChar holdClose = QChar(0xE001);

QString hold(QStringList &held, const QString &html)
{
    held << html;
    return holdOpen + QString::number(held.size() - 1) + holdClose;
}

QString restore(QString html, const QStringList &held)
{
    static const QRegularExpression placeholder(QStringLiteral("\\x{E000}(\\d+)\\x{E001}"));
    for (int pass = 0; pass < 4 && html.contains(holdOpen); ++pass) {
        QString out;
        qsizetype last = 0;
        for (auto it = placeholder.globalMatch(html); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            out += QStringView(html).mid(last, m.capturedStart() - last);
            out += held.value(m.captured(1).toInt());
            last = m.capturedEnd();
        }
        out += QStringView(html).mid(last);
        html = out;
    }
    return html;
}

// Replaces every match of `re` in `text` with what `make` returns for it.
template<typename F>
QString replaceAll(const QString &text, const QRegularExpression &re, F make)
{
    QString out;
    qsizetype last = 0;
    for (auto it = re.globalMatch(text); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        out += QStringView(text).mid(last, m.capturedStart() - last);
        out += make(m);
        last = m.capturedEnd();
    }
    out += QStringView(text).mid(last);
    return out;
}

QString attribute(const QString &s)
{
    return s.toHtmlEscaped(); // escapes " too
}

QString discordTime(qint64 seconds, QChar style)
{
    const QDateTime t = QDateTime::fromSecsSinceEpoch(seconds).toLocalTime();
    const QLocale l;
    switch (style.unicode()) {
    case 't': return l.toString(t.time(), QLocale::ShortFormat);
    case 'T': return l.toString(t.time(), QLocale::LongFormat);
    case 'd': return l.toString(t.date(), QLocale::ShortFormat);
    case 'D': return l.toString(t.date(), QLocale::LongFormat);
    case 'F': return l.toString(t, QLocale::LongFormat);
    default: return l.toString(t, QLocale::ShortFormat);
    }
}

} // namespace

QString DiscordMarkdown::inlineHtml(const QString &text, QStringList &held) const
{
    static const QRegularExpression code(QStringLiteral("(`+)(.+?)\\1"));
    static const QRegularExpression masked(QStringLiteral("\\[([^\\]\\n]+)\\]\\(<?(https?://[^\\s)<>]+)>?\\)"));
    static const QRegularExpression bare(QStringLiteral("<?(https?://[^\\s<>]*[^\\s<>.,:;\"')\\]])>?"));
    static const QRegularExpression user(QStringLiteral("<@!?(\\d+)>"));
    static const QRegularExpression channel(QStringLiteral("<#(\\d+)>"));
    static const QRegularExpression role(QStringLiteral("<@&(\\d+)>"));
    static const QRegularExpression everyone(QStringLiteral("@(everyone|here)\\b"));
    static const QRegularExpression emoji(QStringLiteral("<a?:(\\w+):(\\d+)>"));
    static const QRegularExpression stamp(QStringLiteral("<t:(-?\\d{1,12})(?::([tTdDfFR]))?>"));

    const QString mentionStyle = QStringLiteral("background-color:%1; color:%2;").arg(m_style.mentionBack.name(), m_style.mentionText.name());
    const auto mention = [&](const QString &shown) {
        return hold(held, QStringLiteral("<span style=\"%1\">%2</span>").arg(mentionStyle, shown.toHtmlEscaped()));
    };

    QString s = replaceAll(text, code, [&](const QRegularExpressionMatch &m) {
        return hold(held, QStringLiteral("<code style=\"background-color:%1;\">%2</code>")
                              .arg(m_style.codeBack.name(), m.captured(2).toHtmlEscaped()));
    });
    s = replaceAll(s, masked, [&](const QRegularExpressionMatch &m) {
        return hold(held, QStringLiteral("<a href=\"%1\">%2</a>").arg(attribute(m.captured(2)), m.captured(1).toHtmlEscaped()));
    });
    s = replaceAll(s, bare, [&](const QRegularExpressionMatch &m) {
        return hold(held, QStringLiteral("<a href=\"%1\">%2</a>").arg(attribute(m.captured(1)), m.captured(1).toHtmlEscaped()));
    });
    s = replaceAll(s, user, [&](const QRegularExpressionMatch &m) {
        return mention(QLatin1Char('@') + m_users.value(m.captured(1), m.captured(1)));
    });
    s = replaceAll(s, channel, [&](const QRegularExpressionMatch &) { return mention(tr("#channel")); });
    s = replaceAll(s, role, [&](const QRegularExpressionMatch &) { return mention(tr("@role")); });
    s = replaceAll(s, everyone, [&](const QRegularExpressionMatch &m) { return mention(m.captured(0)); });
    s = replaceAll(s, emoji, [&](const QRegularExpressionMatch &m) {
        return hold(held, QLatin1Char(':') + m.captured(1).toHtmlEscaped() + QLatin1Char(':'));
    });
    s = replaceAll(s, stamp, [&](const QRegularExpressionMatch &m) {
        const QString shown = discordTime(m.captured(1).toLongLong(), m.captured(2).isEmpty() ? QChar(u'f') : m.captured(2).at(0));
        return hold(held, QStringLiteral("<span style=\"background-color:%1;\">%2</span>").arg(m_style.codeBack.name(), shown.toHtmlEscaped()));
    });

    s = s.toHtmlEscaped();
    static const QRegularExpression spoiler(QStringLiteral("\\|\\|(.+?)\\|\\|"));
    static const QRegularExpression bold(QStringLiteral("\\*\\*(.+?)\\*\\*"));
    static const QRegularExpression underline(QStringLiteral("__(.+?)__"));
    static const QRegularExpression italicStar(QStringLiteral("\\*(?![\\s*])(.+?)(?<![\\s*])\\*"));
    static const QRegularExpression italicUnderscore(QStringLiteral("(?<![\\w])_(?!\\s)(.+?)(?<!\\s)_(?![\\w])"));
    static const QRegularExpression strike(QStringLiteral("~~(.+?)~~"));
    int spoilers = 0;
    s = replaceAll(s, spoiler, [&](const QRegularExpressionMatch &m) {
        const int index = spoilers++;
        if (m_revealed.contains(index))
            return QStringLiteral("<span style=\"background-color:%1;\">%2</span>").arg(m_style.codeBack.name(), m.captured(1));
        return QStringLiteral("<a href=\"fdd:spoiler/%1/%2\" style=\"color:%3; background-color:%3; text-decoration:none;\">%4</a>")
            .arg(m_messageId).arg(index).arg(m_style.spoilerBack.name(), m.captured(1));
    });
    s.replace(bold, QStringLiteral("<b>\\1</b>"));
    s.replace(underline, QStringLiteral("<u>\\1</u>"));
    s.replace(italicStar, QStringLiteral("<i>\\1</i>"));
    s.replace(italicUnderscore, QStringLiteral("<i>\\1</i>"));
    s.replace(strike, QStringLiteral("<s>\\1</s>"));
    return s;
}

QString DiscordMarkdown::toHtml(const QString &markdown) const
{
    QString text = markdown;
    text.remove(holdOpen).remove(holdClose);
    QStringList held;

    // Code blocks first: nothing inside them is markdown.
    static const QRegularExpression block(QStringLiteral("```(?:([A-Za-z0-9_+.#-]{1,20})\\n)?\\n?(.*?)\\n?```"),
                                          QRegularExpression::DotMatchesEverythingOption);
    text = replaceAll(text, block, [&](const QRegularExpressionMatch &m) {
        return hold(held, QStringLiteral("<pre style=\"background-color:%1;\">%2</pre>")
                              .arg(m_style.codeBack.name(), m.captured(2).toHtmlEscaped()));
    });

    // Then line by line: block quotes, headers, list items.
    const QStringList lines = text.split(QLatin1Char('\n'));
    QString html;
    QStringList quoted;
    bool quoteRest = false;
    const auto flushQuote = [&] {
        if (quoted.isEmpty())
            return;
        html += QStringLiteral("<table cellspacing=\"0\" cellpadding=\"0\"><tr><td width=\"4\" bgcolor=\"%1\"></td>"
                               "<td style=\"padding-left:8px;\">%2</td></tr></table>")
                    .arg(m_style.dim.name(), quoted.join(QStringLiteral("<br>")));
        quoted.clear();
    };
    bool firstLine = true;
    for (const QString &line : lines) {
        if (quoteRest || line.startsWith(QLatin1String(">>> ")) || line.startsWith(QLatin1String("> ")) || line == QLatin1String(">")) {
            QString body = line;
            if (!quoteRest && body.startsWith(QLatin1String(">>> "))) {
                quoteRest = true;
                body = body.mid(4);
            } else if (!quoteRest) {
                body = body.mid(body.startsWith(QLatin1String("> ")) ? 2 : 1);
            }
            quoted << inlineHtml(body, held);
            continue;
        }
        flushQuote();
        if (!firstLine && !html.endsWith(QLatin1String("</table>")) && !html.endsWith(QLatin1String("</pre>")))
            html += QStringLiteral("<br>");
        firstLine = false;
        static const QRegularExpression header(QStringLiteral("^(#{1,3}) (.+)$"));
        static const QRegularExpression item(QStringLiteral("^(\\s*)[-*] (.+)$"));
        if (const QRegularExpressionMatch h = header.match(line); h.hasMatch()) {
            const int size = 4 - int(h.captured(1).size()); // # biggest
            html += QStringLiteral("<span style=\"font-size:%1%; font-weight:bold;\">%2</span>")
                        .arg(100 + 20 * size).arg(inlineHtml(h.captured(2), held));
        } else if (line.startsWith(QLatin1String("-# "))) {
            html += QStringLiteral("<small style=\"color:%1;\">%2</small>").arg(m_style.dim.name(), inlineHtml(line.mid(3), held));
        } else if (const QRegularExpressionMatch i = item.match(line); i.hasMatch()) {
            html += QStringLiteral("&nbsp;&nbsp;").repeated(1 + int(i.captured(1).size()) / 2) + QStringLiteral("• ")
                  + inlineHtml(i.captured(2), held);
        } else {
            html += inlineHtml(line, held);
        }
    }
    flushQuote();
    html = restore(html, held);
    if (!m_terms.isEmpty())
        html = highlightHtml(html, m_terms, m_mark);
    return html;
}

QString DiscordMarkdown::highlightHtml(const QString &html, const QStringList &terms, const QColor &mark)
{
    QStringList alternatives;
    for (const QString &t : terms)
        if (!t.trimmed().isEmpty())
            alternatives << QRegularExpression::escape(t.toHtmlEscaped());
    if (alternatives.isEmpty())
        return html;
    const QRegularExpression re(alternatives.join(QLatin1Char('|')), QRegularExpression::CaseInsensitiveOption);
    const QString open = QStringLiteral("<span style=\"background-color:%1;\">").arg(mark.name());
    QString out;
    qsizetype i = 0;
    while (i < html.size()) {
        if (html.at(i) == u'<') { // a tag, as it is
            const qsizetype end = html.indexOf(u'>', i);
            const qsizetype stop = end < 0 ? html.size() : end + 1;
            out += QStringView(html).mid(i, stop - i);
            i = stop;
            continue;
        }
        qsizetype next = html.indexOf(u'<', i);
        if (next < 0)
            next = html.size();
        const QString text = html.mid(i, next - i);
        out += replaceAll(text, re, [&](const QRegularExpressionMatch &m) {
            return open + m.captured(0) + QStringLiteral("</span>");
        });
        i = next;
    }
    return out;
}

} // namespace fdd
