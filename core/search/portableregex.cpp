#include "portableregex.h"

#include <QRegularExpression>

#include <atomic>

namespace fdd {

namespace {

constexpr int MaxCount = 255; // PostgreSQL's RE_DUP_MAX

bool isAsciiPunctuation(QChar c)
{
    return c.unicode() < 0x80 && !c.isLetterOrNumber() && !c.isSpace() && c.unicode() >= 0x20;
}

// A literal character as every dialect reads it: ASCII punctuation escaped.
QString literal(QChar c)
{
    return isAsciiPunctuation(c) ? QString(QLatin1Char('\\')) + c : QString(c);
}

class Reader
{
public:
    explicit Reader(const QString &pattern) : m_p(pattern) {}

    Expected<QString> whole(bool *alternatives)
    {
        Expected<QString> body = alternation(alternatives);
        if (body && m_at < m_p.size()) // only a ) stops an alternation early
            return fail(QStringLiteral("This ) closes nothing"));
        return body;
    }

    void setEnd(qsizetype end) { m_p.truncate(end); }
    void setStart(qsizetype start) { m_at = start; }

private:
    Error fail(const QString &what) const
    {
        return Error::badInput(QStringLiteral("%1, at character %2 of the regular expression").arg(what).arg(m_at + 1));
    }

    bool atEnd() const { return m_at >= m_p.size(); }
    QChar peek() const { return m_p.at(m_at); }

    Expected<QString> alternation(bool *alternatives)
    {
        QString out;
        int branches = 0;
        while (true) {
            Expected<QString> branch = sequence();
            if (!branch)
                return branch;
            if (branch->isEmpty())
                return fail(QStringLiteral("An alternative is empty"));
            out += *branch;
            ++branches;
            if (atEnd() || peek() != u'|')
                break;
            out += QLatin1Char('|');
            ++m_at;
        }
        if (alternatives)
            *alternatives = branches > 1;
        return out;
    }

    Expected<QString> sequence()
    {
        QString out;
        while (!atEnd() && peek() != u'|' && peek() != u')') {
            Expected<QString> a = atom();
            if (!a)
                return a;
            out += *a;
            Expected<QString> q = quantifier();
            if (!q)
                return q;
            out += *q;
            if (!q->isEmpty() && !atEnd() && QStringLiteral("*+?{").contains(peek()))
                return fail(QStringLiteral("Two repetitions follow each other (lazy and possessive forms are not understood by every store)"));
        }
        return out;
    }

    Expected<QString> atom()
    {
        const QChar c = peek();
        if (c == u'*' || c == u'+' || c == u'?' || c == u'{')
            return fail(QStringLiteral("%1 repeats nothing").arg(c));
        if (c == u'^' || c == u'$')
            return fail(QStringLiteral("%1 is understood only at the %2 of the expression").arg(c, c == u'^' ? QStringLiteral("start") : QStringLiteral("end")));
        ++m_at;
        switch (c.unicode()) {
        case u'(': {
            if (atEnd())
                return fail(QStringLiteral("A ( is not closed"));
            if (peek() == u'?')
                return fail(QStringLiteral("(? groups are not understood by every store"));
            Expected<QString> inner = alternation(nullptr);
            if (!inner)
                return inner;
            if (atEnd())
                return fail(QStringLiteral("A ( is not closed"));
            ++m_at;
            return QLatin1Char('(') + *inner + QLatin1Char(')');
        }
        case u'[':
            return characterClass();
        case u'.':
            return QStringLiteral(".");
        case u'\\':
            return escaped();
        default:
            return literal(c);
        }
    }

    Expected<QString> escaped()
    {
        if (atEnd())
            return fail(QStringLiteral("A \\ ends the expression"));
        const QChar c = m_p.at(m_at);
        if (c.isLetterOrNumber())
            return fail(QStringLiteral("\\%1 is not understood by every store (write a class such as [0-9] or [a-z], or the character itself)").arg(c));
        ++m_at;
        return literal(c);
    }

    Expected<QString> classCharacter(QChar *c)
    {
        if (atEnd())
            return fail(QStringLiteral("A [ is not closed"));
        *c = peek();
        if (*c == u'[')
            return fail(QStringLiteral("Write \\[ for a [ inside a class"));
        ++m_at;
        if (*c != u'\\')
            return literal(*c);
        Expected<QString> e = escaped();
        if (e)
            *c = e->back();
        return e;
    }

    Expected<QString> characterClass()
    {
        QString out = QStringLiteral("[");
        if (!atEnd() && peek() == u'^') {
            out += QLatin1Char('^');
            ++m_at;
        }
        if (!atEnd() && peek() == u']')
            return fail(QStringLiteral("A class is empty (write \\] for the character)"));
        while (true) {
            if (atEnd())
                return fail(QStringLiteral("A [ is not closed"));
            if (peek() == u']') {
                ++m_at;
                return out + QLatin1Char(']');
            }
            if (peek() == u'-')
                return fail(QStringLiteral("Write \\- for a dash inside a class"));
            QChar low;
            Expected<QString> first = classCharacter(&low);
            if (!first)
                return first;
            out += *first;
            if (!atEnd() && peek() == u'-') {
                ++m_at;
                if (!atEnd() && peek() == u']')
                    return fail(QStringLiteral("Write \\- for a dash inside a class"));
                QChar high;
                Expected<QString> last = classCharacter(&high);
                if (!last)
                    return last;
                if (high < low)
                    return fail(QStringLiteral("The range %1-%2 runs backwards").arg(low, high));
                out += QLatin1Char('-') + *last;
            }
        }
    }

    Expected<QString> quantifier()
    {
        if (atEnd())
            return QString();
        const QChar c = peek();
        if (c == u'*' || c == u'+' || c == u'?') {
            ++m_at;
            return QString(c);
        }
        if (c != u'{')
            return QString();
        const qsizetype start = m_at++;
        const auto number = [this]() -> int {
            qsizetype digits = 0;
            int n = 0;
            while (!atEnd() && peek().isDigit() && peek().unicode() < 0x80 && digits < 4) {
                n = n * 10 + (peek().unicode() - u'0');
                ++m_at;
                ++digits;
            }
            return digits ? n : -1;
        };
        const int low = number();
        int high = low;
        bool open = false;
        if (low >= 0 && !atEnd() && peek() == u',') {
            ++m_at;
            high = number();
            open = high < 0;
        }
        if (low < 0 || atEnd() || peek() != u'}') {
            m_at = start;
            return fail(QStringLiteral("A { starts a count such as {2}, {2,} or {2,5} (write \\{ for the character)"));
        }
        ++m_at;
        if (low > MaxCount || high > MaxCount)
            return fail(QStringLiteral("A count may be at most %1").arg(MaxCount));
        if (!open && high < low)
            return fail(QStringLiteral("The count {%1,%2} runs backwards").arg(low).arg(high));
        return m_p.mid(start, m_at - start);
    }

    QString m_p;
    qsizetype m_at = 0;
};

} // namespace

Expected<PortableRegex> PortableRegex::parse(const QString &pattern)
{
    PortableRegex r;
    qsizetype start = 0, end = pattern.size();
    if (pattern.startsWith(QLatin1Char('^'))) {
        r.m_start = true;
        start = 1;
    }
    // A final $ that is not itself escaped.
    if (end > start && pattern.endsWith(QLatin1Char('$'))) {
        qsizetype backslashes = 0;
        for (qsizetype i = end - 2; i >= start && pattern.at(i) == u'\\'; --i)
            ++backslashes;
        if (backslashes % 2 == 0) {
            r.m_end = true;
            --end;
        }
    }
    if (end <= start)
        return Error::badInput(QStringLiteral("The regular expression matches only an empty text"));
    Reader reader(pattern);
    reader.setEnd(end);
    reader.setStart(start);
    bool alternatives = false;
    Expected<QString> body = reader.whole(&alternatives);
    if (!body)
        return body.error();
    if (alternatives && (r.m_start || r.m_end))
        return Error::badInput(QStringLiteral("^ and $ anchor the whole expression: put alternatives in parentheses, as ^(a|b)$"));
    r.m_body = *body;
    // Counts inside counts multiply: past PCRE2's limits the expression
    // cannot be run (and PostgreSQL's and Lucene's automata would be as large).
    if (const QRegularExpression compiled(r.pcre(true)); !compiled.isValid())
        return Error::badInput(QStringLiteral("The regular expression is too large to run (%1): use fewer repetitions inside repetitions")
                                   .arg(compiled.errorString()));
    return r;
}

QString PortableRegex::postgres() const
{
    return (m_start ? QStringLiteral("^") : QString()) + m_body + (m_end ? QStringLiteral("$") : QString());
}

QString PortableRegex::pcre(bool ignoreCase) const
{
    return QStringLiteral("(?s)") + (ignoreCase ? QStringLiteral("(?i)") : QString()) + (m_start ? QStringLiteral("^") : QString())
         + m_body + (m_end ? QStringLiteral("\\z") : QString());
}

QString PortableRegex::lucene() const
{
    return (m_start ? QString() : QStringLiteral(".*")) + QLatin1Char('(') + m_body + QLatin1Char(')')
         + (m_end ? QString() : QStringLiteral(".*"));
}

namespace {
std::atomic_int budget{10000};
} // namespace

int PortableRegex::budgetMs()
{
    return budget.load(std::memory_order_relaxed);
}

void PortableRegex::setBudgetMs(int ms)
{
    budget.store(ms, std::memory_order_relaxed);
}

Error PortableRegex::tooSlow()
{
    return Error::badInput(QStringLiteral("The regular expression took longer than %1 s over this archive: make it more specific,"
                                          " or add words or filters that narrow the search.")
                               .arg(budgetMs() / 1000.0));
}

} // namespace fdd
