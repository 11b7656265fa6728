#include "query.h"

#include "portableregex.h"

#include "model/searchrequest.h"

#include <QDate>
#include <QRegularExpression>

namespace fdd {

namespace {

struct Token
{
    enum class Kind { Word, Exact, Regex, Filter, Open, Close, Or, Not, End };
    Kind kind = Kind::End;
    QString text;
    bool ignoreCase = false;
    Query::Field field = Query::Field::From;
    int column = 0;
};

constexpr std::pair<const char *, Query::Field> fields[] = {
    {"from", Query::Field::From},     {"mentions", Query::Field::Mentions}, {"in", Query::Field::In},
    {"has", Query::Field::Has},       {"pinned", Query::Field::Pinned},     {"reaction", Query::Field::Reaction},
    {"bot", Query::Field::Bot},       {"edited", Query::Field::Edited},     {"before", Query::Field::Before},
    {"after", Query::Field::After},   {"during", Query::Field::During},
};

bool separates(QChar c)
{
    return c.isSpace() || c == u'(' || c == u')' || c == u'|';
}

Error at(const QString &what, int column)
{
    return Error::badInput(QStringLiteral("%1 at column %2.").arg(what).arg(column));
}

// A filter's value, checked and written one way.
Expected<QString> filterValue(Query::Field field, const QString &value, int column)
{
    const QString name = Query::fieldName(field);
    const QString lower = value.toLower();
    switch (field) {
    case Query::Field::Has:
        if (!Query::hasValues().contains(lower))
            return at(QStringLiteral("has:%1 is not something a message can have (%2)")
                          .arg(value, Query::hasValues().join(QStringLiteral(", "))),
                      column);
        return lower;
    case Query::Field::Pinned:
    case Query::Field::Bot:
    case Query::Field::Edited:
        if (lower != QLatin1String("true") && lower != QLatin1String("false"))
            return at(QStringLiteral("%1: takes true or false, not \"%2\"").arg(name, value), column);
        return lower;
    case Query::Field::Before:
    case Query::Field::After:
        if (!QDate::fromString(value, Qt::ISODate).isValid() || value.size() != 10)
            return at(QStringLiteral("%1:%2 is not a date: write it as YYYY-MM-DD").arg(name, value), column);
        return value;
    case Query::Field::During: {
        static const QRegularExpression shape(QStringLiteral("^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"));
        const bool valid = shape.match(value).hasMatch()
                           && (value.size() == 4 || QDate::fromString(value.size() == 7 ? value + QStringLiteral("-01") : value, Qt::ISODate).isValid());
        if (!valid)
            return at(QStringLiteral("during:%1 is not a day, month or year: write YYYY-MM-DD, YYYY-MM or YYYY").arg(value), column);
        return value;
    }
    case Query::Field::From:
    case Query::Field::Mentions:
    case Query::Field::In:
        return lower; // names and ids are matched ignoring case
    case Query::Field::Reaction:
        // :fire: as Discord writes a standard emoji's code; the tag has it without colons
        if (value.size() > 2 && value.startsWith(u':') && value.endsWith(u':'))
            return value.mid(1, value.size() - 2);
        return value;
    }
    return value;
}

class Lexer
{
public:
    explicit Lexer(const QString &text) : m_text(text) {}

    Expected<QList<Token>> tokens()
    {
        QList<Token> out;
        while (true) {
            while (m_at < m_text.size() && m_text.at(m_at).isSpace())
                ++m_at;
            if (m_at == m_text.size())
                break;
            Expected<Token> t = next();
            if (!t)
                return t.error();
            out.append(std::move(*t));
        }
        out.append(Token{Token::Kind::End, {}, false, {}, columnOf(m_text.size())});
        return out;
    }

private:
    // Columns count characters as people see them: one for an emoji, though
    // it is two UTF-16 units.
    int columnOf(qsizetype index) const
    {
        int column = 1;
        for (qsizetype i = 0; i < index; ++i)
            if (!m_text.at(i).isLowSurrogate())
                ++column;
        return column;
    }

    Expected<Token> next()
    {
        const int column = columnOf(m_at);
        const QChar c = m_text.at(m_at);
        if (c == u'(' || c == u')' || c == u'|') {
            ++m_at;
            return Token{c == u'(' ? Token::Kind::Open : c == u')' ? Token::Kind::Close : Token::Kind::Or, {}, false, {}, column};
        }
        if (c == u'-') {
            if (m_at + 1 == m_text.size() || (separates(m_text.at(m_at + 1)) && m_text.at(m_at + 1) != u'('))
                return at(QStringLiteral("Nothing follows -"), column);
            ++m_at;
            return Token{Token::Kind::Not, QStringLiteral("-"), false, {}, column};
        }
        if (c == u'"') {
            Expected<QString> s = quoted();
            if (!s)
                return s.error();
            return Token{Token::Kind::Exact, *s, false, {}, column};
        }
        if (c == u'/' && closes(m_at)) {
            Expected<Token> r = regex();
            if (!r)
                return r.error();
            return r;
        }
        // A word, a filter, or OR / NOT.
        QString word;
        bool escaped = false;
        while (m_at < m_text.size() && !separates(m_text.at(m_at))) {
            const QChar ch = m_text.at(m_at);
            if (ch == u'\\') {
                if (m_at + 1 == m_text.size())
                    return at(QStringLiteral("\\ ends the search: it escapes the character after it"), columnOf(m_at));
                word += m_text.at(m_at + 1);
                m_at += 2;
                escaped = true;
                continue;
            }
            if (ch == u':' && !escaped) {
                for (const auto &[name, field] : fields) {
                    if (word.compare(QLatin1String(name), Qt::CaseInsensitive) != 0)
                        continue;
                    ++m_at;
                    return filter(field, column);
                }
            }
            word += ch;
            ++m_at;
        }
        if (!escaped && word == QLatin1String("OR"))
            return Token{Token::Kind::Or, {}, false, {}, column};
        if (!escaped && word == QLatin1String("NOT"))
            return Token{Token::Kind::Not, word, false, {}, column};
        return Token{Token::Kind::Word, word, false, {}, column};
    }

    // After "name:": a quoted value or a word.
    Expected<Token> filter(Query::Field field, int column)
    {
        const int valueColumn = columnOf(m_at);
        QString value;
        if (m_at < m_text.size() && m_text.at(m_at) == u'"') {
            Expected<QString> s = quoted();
            if (!s)
                return s.error();
            value = *s;
        } else {
            while (m_at < m_text.size() && !separates(m_text.at(m_at))) {
                if (m_text.at(m_at) == u'\\' && m_at + 1 < m_text.size())
                    ++m_at;
                value += m_text.at(m_at++);
            }
        }
        if (value.trimmed().isEmpty())
            return at(QStringLiteral("A value is missing after %1:").arg(Query::fieldName(field)), valueColumn);
        Expected<QString> normal = filterValue(field, value, valueColumn);
        if (!normal)
            return normal.error();
        return Token{Token::Kind::Filter, *normal, false, field, column};
    }

    Expected<QString> quoted()
    {
        const int column = columnOf(m_at);
        ++m_at; // the opening quote
        QString s;
        while (m_at < m_text.size()) {
            const QChar ch = m_text.at(m_at);
            if (ch == u'"') {
                ++m_at;
                if (s.trimmed().isEmpty())
                    return at(QStringLiteral("The quotes are empty"), column);
                return s;
            }
            if (ch == u'\\' && m_at + 1 < m_text.size())
                ++m_at;
            s += m_text.at(m_at++);
        }
        return at(QStringLiteral("The quote opened is not closed"), column);
    }

    // Whether the `/` at `from` starts a regular expression: an unescaped
    // `/` closes it, then the search or the word ends (after an `i`, if
    // any). "/usr/bin" and "/help" are words.
    bool closes(qsizetype from) const
    {
        for (qsizetype i = from + 1; i < m_text.size(); ++i) {
            if (m_text.at(i) == u'\\') {
                ++i;
            } else if (m_text.at(i) == u'/') {
                qsizetype after = i + 1;
                if (after < m_text.size() && m_text.at(after) == u'i')
                    ++after;
                return after == m_text.size() || separates(m_text.at(after));
            }
        }
        return false;
    }

    Expected<Token> regex()
    {
        const int column = columnOf(m_at);
        ++m_at;
        QString pattern;
        while (m_text.at(m_at) != u'/') {
            if (m_text.at(m_at) == u'\\' && m_at + 1 < m_text.size() && m_text.at(m_at + 1) == u'/')
                ++m_at; // \/ is a slash; every other escape is the expression's own
            else if (m_text.at(m_at) == u'\\' && m_at + 1 < m_text.size())
                pattern += m_text.at(m_at++);
            pattern += m_text.at(m_at++);
        }
        ++m_at; // the closing slash
        bool ignoreCase = false;
        if (m_at < m_text.size() && m_text.at(m_at) == u'i' && (m_at + 1 == m_text.size() || separates(m_text.at(m_at + 1)))) {
            ignoreCase = true;
            ++m_at;
        }
        if (pattern.isEmpty())
            return at(QStringLiteral("The regular expression is empty"), column);
        if (pattern.size() > Query::MaxRegexLength)
            return at(QStringLiteral("The regular expression is %1 characters long (the limit is %2)")
                          .arg(pattern.size()).arg(Query::MaxRegexLength),
                      column);
        if (Expected<PortableRegex> portable = PortableRegex::parse(pattern); !portable)
            return at(portable.error().message + QStringLiteral(", which starts"), column);
        return Token{Token::Kind::Regex, pattern, ignoreCase, {}, column};
    }

    const QString &m_text;
    qsizetype m_at = 0;
};

class Parser
{
public:
    explicit Parser(QList<Token> tokens) : m_tokens(std::move(tokens)) {}

    Expected<Query> query()
    {
        Expected<Query> q = orOf();
        if (!q)
            return q;
        if (peek().kind == Token::Kind::Close)
            return at(QStringLiteral("This ) closes nothing"), peek().column);
        return q;
    }

private:
    const Token &peek() const { return m_tokens.at(m_next); }
    const Token &take() { return m_tokens.at(m_next++); }

    Expected<Query> orOf()
    {
        Query any;
        any.kind = Query::Kind::Or;
        any.column = peek().column;
        while (true) {
            if (peek().kind == Token::Kind::Or)
                return at(QStringLiteral("OR has nothing before it"), peek().column);
            Expected<Query> side = andOf();
            if (!side)
                return side;
            any.children.append(std::move(*side));
            if (peek().kind != Token::Kind::Or)
                break;
            const Token &op = take();
            if (peek().kind == Token::Kind::End || peek().kind == Token::Kind::Close)
                return at(QStringLiteral("OR has nothing after it"), op.column);
        }
        if (any.children.size() == 1)
            return std::move(any.children.first());
        return any;
    }

    Expected<Query> andOf()
    {
        Query all;
        all.kind = Query::Kind::And;
        all.column = peek().column;
        while (peek().kind != Token::Kind::End && peek().kind != Token::Kind::Close && peek().kind != Token::Kind::Or) {
            Expected<Query> item = unary();
            if (!item)
                return item;
            all.children.append(std::move(*item));
        }
        if (all.children.isEmpty()) {
            if (peek().kind == Token::Kind::Close)
                return at(QStringLiteral("This ) closes nothing"), peek().column);
            return Error::badInput(QStringLiteral("The search is empty: type a word, \"an exact text\" or a filter such as from:NAME."));
        }
        if (all.children.size() == 1)
            return std::move(all.children.first());
        return all;
    }

    Expected<Query> unary()
    {
        const Token &t = peek();
        if (t.kind == Token::Kind::Not) {
            take();
            const Token::Kind after = peek().kind;
            if (after == Token::Kind::End || after == Token::Kind::Close || after == Token::Kind::Or)
                return at(QStringLiteral("Nothing follows %1").arg(t.text), t.column);
            Expected<Query> inner = nested(t.column, [this] { return unary(); });
            if (!inner)
                return inner;
            Query no;
            no.kind = Query::Kind::Not;
            no.column = t.column;
            no.children.append(std::move(*inner));
            return no;
        }
        return primary();
    }

    // `inside` one level deeper (a negation or parentheses), within the limit.
    template<typename Inside>
    Expected<Query> nested(int column, Inside inside)
    {
        if (m_depth == Query::MaxDepth)
            return at(QStringLiteral("The search nests more than %1 deep").arg(Query::MaxDepth), column);
        ++m_depth;
        Expected<Query> inner = inside();
        --m_depth;
        return inner;
    }

    Expected<Query> primary()
    {
        const Token t = take();
        switch (t.kind) {
        case Token::Kind::Open: {
            if (peek().kind == Token::Kind::Close)
                return at(QStringLiteral("The parentheses are empty"), t.column);
            Expected<Query> inner = nested(t.column, [this] { return orOf(); });
            if (!inner)
                return inner;
            if (peek().kind != Token::Kind::Close)
                return at(QStringLiteral("This ( is not closed"), t.column);
            take();
            return inner;
        }
        case Token::Kind::Word:
        case Token::Kind::Exact:
        case Token::Kind::Regex:
        case Token::Kind::Filter: {
            if (++m_terms > Query::MaxTerms)
                return at(QStringLiteral("The search has more than %1 terms").arg(Query::MaxTerms), t.column);
            if (t.kind != Token::Kind::Regex && t.text.toUcs4().size() > SearchRequest::MaxTermLength)
                return at(QStringLiteral("This term is %1 characters long (the limit is %2)")
                              .arg(t.text.toUcs4().size()).arg(SearchRequest::MaxTermLength),
                          t.column);
            Query leaf;
            leaf.kind = t.kind == Token::Kind::Word    ? Query::Kind::Words
                        : t.kind == Token::Kind::Exact ? Query::Kind::Exact
                        : t.kind == Token::Kind::Regex ? Query::Kind::Regex
                                                       : Query::Kind::Filter;
            if (leaf.kind == Query::Kind::Words)
                leaf.words = QStringList{t.text};
            else
                leaf.text = t.text;
            leaf.ignoreCase = t.ignoreCase;
            leaf.field = t.field;
            leaf.column = t.column;
            return leaf;
        }
        case Token::Kind::Close:
        case Token::Kind::Or:
        case Token::Kind::Not:
        case Token::Kind::End:
            break;
        }
        return at(QStringLiteral("Something is missing"), t.column);
    }

    QList<Token> m_tokens;
    qsizetype m_next = 0;
    int m_depth = 0;
    int m_terms = 0;
};

// And/Or inside the same kind flattened; in an And, words next to each
// other one Words node (one full-text match of all of them).
Query simplified(Query q)
{
    for (Query &child : q.children)
        child = simplified(std::move(child));
    if (q.kind != Query::Kind::And && q.kind != Query::Kind::Or)
        return q;
    QList<Query> flat;
    for (Query &child : q.children) {
        if (child.kind == q.kind) {
            for (Query &grandchild : child.children)
                flat.append(std::move(grandchild));
        } else {
            flat.append(std::move(child));
        }
    }
    if (q.kind == Query::Kind::And) {
        QList<Query> merged;
        for (Query &child : flat) {
            if (child.kind == Query::Kind::Words && !merged.isEmpty() && merged.last().kind == Query::Kind::Words)
                merged.last().words += child.words;
            else
                merged.append(std::move(child));
        }
        flat = std::move(merged);
    }
    if (flat.size() == 1)
        return std::move(flat.first());
    q.children = std::move(flat);
    return q;
}

QString escapedWord(const QString &word)
{
    QString out;
    for (qsizetype i = 0; i < word.size(); ++i) {
        const QChar c = word.at(i);
        const bool first = i == 0;
        if (separates(c) || c == u'\\' || c == u':' || (first && (c == u'-' || c == u'"' || c == u'/')))
            out += QLatin1Char('\\');
        out += c;
    }
    if (out == QLatin1String("OR") || out == QLatin1String("NOT"))
        out.prepend(QLatin1Char('\\'));
    return out;
}

QString quotedText(const QString &text)
{
    QString out = QStringLiteral("\"");
    for (const QChar c : text) {
        if (c == u'"' || c == u'\\')
            out += QLatin1Char('\\');
        out += c;
    }
    return out + QLatin1Char('"');
}

} // namespace

Expected<Query> Query::parse(const QString &text)
{
    if (text.contains(QChar(0)))
        return Error::badInput(QStringLiteral("The search contains a NUL character, which no message can hold: remove it."));
    if (const qsizetype length = text.toUcs4().size(); length > MaxLength)
        return Error::badInput(QStringLiteral("The search is %1 characters long; the limit is %2.").arg(length).arg(MaxLength));
    Expected<QList<Token>> tokens = Lexer(text).tokens();
    if (!tokens)
        return tokens.error();
    Expected<Query> tree = Parser(std::move(*tokens)).query();
    if (!tree)
        return tree;
    return simplified(std::move(*tree));
}

QString Query::fieldName(Field field)
{
    for (const auto &[name, f] : fields)
        if (f == field)
            return QLatin1String(name);
    return {};
}

const QStringList &Query::hasValues()
{
    static const QStringList values{QStringLiteral("link"),  QStringLiteral("embed"), QStringLiteral("file"),
                                    QStringLiteral("image"), QStringLiteral("video"), QStringLiteral("sound"),
                                    QStringLiteral("sticker"), QStringLiteral("reaction"), QStringLiteral("reply"),
                                    QStringLiteral("pin")};
    return values;
}

QString Query::canonical() const
{
    const auto inner = [this](const Query &child) {
        const bool group = (kind == Kind::And && child.kind == Kind::Or)
                           || (kind == Kind::Not && (child.kind == Kind::And || child.kind == Kind::Or
                                                     || (child.kind == Kind::Words && child.words.size() > 1)));
        return group ? QLatin1Char('(') + child.canonical() + QLatin1Char(')') : child.canonical();
    };
    switch (kind) {
    case Kind::Words: {
        QStringList parts;
        for (const QString &w : words)
            parts << escapedWord(w);
        return parts.join(QLatin1Char(' '));
    }
    case Kind::Exact:
        return quotedText(text);
    case Kind::Regex: {
        QString body = text;
        body.replace(QLatin1Char('/'), QStringLiteral("\\/"));
        return QLatin1Char('/') + body + QLatin1Char('/') + (ignoreCase ? QStringLiteral("i") : QString());
    }
    case Kind::Filter: {
        bool plain = !text.isEmpty();
        for (const QChar c : text)
            plain = plain && !separates(c) && c != u'"' && c != u'\\';
        return fieldName(field) + QLatin1Char(':') + (plain ? text : quotedText(text));
    }
    case Kind::Not:
        return QLatin1Char('-') + inner(children.first());
    case Kind::And:
    case Kind::Or: {
        QStringList parts;
        for (const Query &child : children)
            parts << inner(child);
        return parts.join(kind == Kind::And ? QStringLiteral(" ") : QStringLiteral(" OR "));
    }
    }
    return {};
}

bool Query::operator==(const Query &other) const
{
    return kind == other.kind && words == other.words && text == other.text && ignoreCase == other.ignoreCase
           && (kind != Kind::Filter || field == other.field) && children == other.children;
}

QStringList Query::positiveWords() const
{
    if (kind == Kind::Words)
        return words;
    QStringList out;
    if (kind == Kind::And || kind == Kind::Or)
        for (const Query &c : children)
            out += c.positiveWords();
    return out;
}

bool Query::contains(Kind k) const
{
    return kind == k || std::any_of(children.begin(), children.end(), [k](const Query &c) { return c.contains(k); });
}

} // namespace fdd
