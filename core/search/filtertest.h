#pragma once

#include "model/channel.h"
#include "search/query.h"

#include <QDate>
#include <QList>
#include <QString>
#include <QTimeZone>

#include <limits>

namespace fdd {

// What one filter of the search language asks of a message, in the terms
// every store indexes: a tag (Message::tags()), the author's id or a tag, a
// set of channels, a span of time. The stores compile these, never the
// filter's text, so that a filter means the same in each.
struct FilterTest
{
    enum class Kind { Tag, AuthorOrTag, Channels, Instants };

    Kind kind = Kind::Tag;
    QString tag;
    bool negated = false;            // Tag: pinned:false, bot:false, edited:false
    Snowflake authorId = 0;          // AuthorOrTag: from:ID (or a name of digits)
    QList<Snowflake> channels;       // Channels: none matches nothing
    qint64 fromMs = 0;               // Instants: [fromMs, toMs)
    qint64 toMs = std::numeric_limits<qint64>::max();
    QDate fromDay, toDay;            // Instants: the UTC days of that span, inclusive (null: open)

    // `filter` (a Query of Kind::Filter) with before:, after: and during: in
    // the days of `zone`, and in: among `channels` (the archive's, each
    // with its threads).
    static FilterTest of(const Query &filter, const QTimeZone &zone, const QList<Channel> &channels);

    // Whether the tree has an in: filter, which needs the archive's channels.
    static bool needsChannels(const Query &query);
};

} // namespace fdd
