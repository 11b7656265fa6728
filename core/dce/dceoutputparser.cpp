#include "dceoutputparser.h"

#include <QRegularExpression>

#include <utility>

namespace fdd {

void DceOutputParser::feed(const QByteArray &bytes)
{
    m_pending += bytes;
    qsizetype start = 0;
    for (qsizetype i = 0; i < m_pending.size(); ++i) {
        const char c = m_pending.at(i);
        if (c == '\n' || c == '\r') {
            line(QString::fromUtf8(m_pending.constData() + start, i - start));
            start = i + 1;
        }
    }
    m_pending.remove(0, start);
}

void DceOutputParser::finish()
{
    if (!m_pending.isEmpty())
        line(QString::fromUtf8(std::exchange(m_pending, {})));
}

void DceOutputParser::line(QString text)
{
    static const QRegularExpression ansi(QStringLiteral("\x1b\\[[0-9;?]*[A-Za-z]|\x1b\\][^\x07]*\x07"));
    // "Category / channel: 50%" (fallback renderer) or "Category / channel ━━━━━━━━━━  50%" (live bars).
    static const QRegularExpression progress(
        QStringLiteral("^(.+?)(?::\\s*|\\s+[━─╸╺=#>█▉▊▋▌▍▎▏\\s-]*)(\\d{1,3})(?:[.,]\\d+)?%$"));
    text.remove(ansi);
    text = text.trimmed();
    if (text.isEmpty())
        return;
    if (m_lines.size() >= 200)
        m_lines.removeFirst();
    m_lines.append(text);
    if (!m_handler)
        return;
    const QRegularExpressionMatch m = progress.match(text);
    if (m.hasMatch())
        m_handler(m.captured(1).trimmed(), std::min(100, m.captured(2).toInt()));
}

} // namespace fdd
