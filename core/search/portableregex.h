#pragma once

#include "model/expected.h"

#include <QString>

namespace fdd {

// The regular expressions every store reads alike: PostgreSQL's (POSIX
// "advanced"), PCRE2's (QRegularExpression, for SQLite) and Lucene's (for
// Elasticsearch) share this much and no more:
//   literal characters, `.` (any character, a newline too), [a-z] [^0-9]
//   classes, * + ? {n} {n,} {n,m} after one item, | and ( ), \ before a
//   character that is not a letter or digit (that character itself), ^ as
//   the first and $ as the last character of an expression without a |
//   outside parentheses.
// A regular expression matches anywhere in the text unless anchored.
// Refused, with the reason: \d \w \s and every other letter escape, (?…)
// groups, back references, lazy quantifiers, ^ and $ elsewhere.
class PortableRegex
{
public:
    // The expression, or what is not understood and where (counted from 1
    // within the expression), without a full stop: the caller ends it.
    static Expected<PortableRegex> parse(const QString &pattern);

    // As PostgreSQL's ~ and ~* read it.
    QString postgres() const;
    // As QRegularExpression reads it, the options included: `.` matches a
    // newline, $ only at the very end.
    QString pcre(bool ignoreCase) const;
    // As Elasticsearch's regexp query reads it: the whole value matched, so
    // an unanchored end gains `.*`; Lucene's own operators (@ & ~ # < > ")
    // taken literally.
    QString lucene() const;

    // How long a search with a regular expression may take in any store
    // (default 10 s); tests make it short.
    static int budgetMs();
    static void setBudgetMs(int ms);
    // The error of a search that ran past it.
    static Error tooSlow();

private:
    QString m_body; // without the anchors, every literal punctuation escaped
    bool m_start = false;
    bool m_end = false;
};

} // namespace fdd
