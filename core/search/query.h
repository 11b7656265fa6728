#pragma once

#include "model/expected.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace fdd {

// A search in the search language, parsed once into a tree that the stores
// compile (issue 13):
//   deploy failed          English full text, every word (Words)
//   "release notes"        the exact text anywhere, ignoring case (Exact)
//   /time ?out/i           a regular expression, `i`: ignoring case (Regex)
//   from:alice in:#general has:image before:2024-05-01 …   (Filter)
//   a b = a AND b;  a OR b, a | b;  -a, NOT a;  ( … );  \ escapes a character
// OR binds looser than AND, so `a b OR c` is `(a b) OR c`. Operator names are
// case-insensitive; OR and NOT are operators only in capitals. A word such as
// "http://x" or "and/or" is a word: only the names below make a filter, and a
// `/` makes a regular expression only where one starts and ends.
struct Query
{
    enum class Kind { Words, Exact, Regex, Filter, And, Or, Not };
    enum class Field { From, Mentions, In, Has, Pinned, Reaction, Bot, Edited, Before, After, During };

    Kind kind = Kind::Words;
    QStringList words;     // Words: each word as meant (an escaped space is part of its word)
    QString text;          // Exact, Regex: as meant; Filter: its value, normalised
    bool ignoreCase = false; // Regex: /…/i
    Field field = Field::From;
    QList<Query> children; // And, Or: two or more; Not: one
    int column = 0;        // where it starts in what was typed, from 1 (not compared)

    static constexpr int MaxLength = 1000; // characters of the whole search
    static constexpr int MaxTerms = 50;    // words, texts, expressions and filters
    static constexpr int MaxDepth = 16;    // parentheses and negations inside each other
    static constexpr int MaxRegexLength = 200;

    // The tree of `text`, or a sentence that says what is wrong and where
    // ("A value is missing after from: at column 6.").
    static Expected<Query> parse(const QString &text);

    // One way of writing it, the same for every way of typing the same
    // search: parse(q.canonical()).canonical() == q.canonical(). The cache's key.
    QString canonical() const;

    static QString fieldName(Field field);
    // The values `has:` takes.
    static const QStringList &hasValues();

    // The words a message must have for the tree to match through them
    // (none under a negation), in order: what relevance ranks by.
    QStringList positiveWords() const;
    bool contains(Kind kind) const;

    bool operator==(const Query &other) const; // all but the columns
};

} // namespace fdd
