#include "searchrequest.h"

namespace fdd {

QString SearchRequest::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Substring: return QStringLiteral("substring");
    case Kind::FullText: return QStringLiteral("fulltext");
    case Kind::Date: return QStringLiteral("date");
    case Kind::All: return QStringLiteral("all");
    }
    return {};
}

} // namespace fdd
