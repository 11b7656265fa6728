#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>

namespace fdd {

// Follows DCE's console output: the lines of its progress renderer when its
// output is not a terminal ("Category / channel: 50%"), or of the live bars
// when it is (ANSI escapes and carriage returns are stripped).
class DceOutputParser
{
public:
    using ProgressHandler = std::function<void(const QString &label, int percent)>;
    explicit DceOutputParser(ProgressHandler handler = {}) : m_handler(std::move(handler)) {}

    void feed(const QByteArray &bytes);
    void finish(); // a last line without its newline
    // Every complete line seen, escapes stripped (bounded: the last 200).
    const QStringList &lines() const { return m_lines; }

private:
    void line(QString text);
    ProgressHandler m_handler;
    QByteArray m_pending;
    QStringList m_lines;
};

} // namespace fdd
