// libFuzzer target: the search language's parser. Every input gets a tree or
// a sentence; a tree's canonical form means the same tree and is written the
// same way again (the cache keys on it).
#include "search/portableregex.h"
#include "search/query.h"

#include <QRegularExpression>
#include <QString>

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    // A portable regular expression is one PCRE2 (SQLite's) reads too.
    if (const fdd::Expected<fdd::PortableRegex> r = fdd::PortableRegex::parse(text)) {
        if (!QRegularExpression(r->pcre(true)).isValid() || !QRegularExpression(r->pcre(false)).isValid())
            __builtin_trap();
    } else if (r.error().message.isEmpty()) {
        __builtin_trap();
    }
    const fdd::Expected<fdd::Query> q = fdd::Query::parse(text);
    if (!q) {
        if (q.error().message.isEmpty())
            __builtin_trap();
        return 0;
    }
    const QString canonical = q->canonical();
    const fdd::Expected<fdd::Query> again = fdd::Query::parse(canonical);
    if (!again) {
        // Only escapes can make it longer than what was typed.
        if (!again.error().message.startsWith(QStringLiteral("The search is ")))
            __builtin_trap();
        return 0;
    }
    if (!(*again == *q) || again->canonical() != canonical)
        __builtin_trap();
    return 0;
}
