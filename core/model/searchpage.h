#pragma once

#include "message.h"

#include <QList>

namespace fdd {

// Where a page came from, for X-Cache and the status bar.
enum class CacheStatus { Off, Miss, Hit };

struct SearchPage
{
    QList<Message> messages;
    qint64 totalCount = 0; // −1: not counted (SearchRequest::exactTotal false)
    int page = 1;
    int pageSize = 0;
    qint64 elapsedMs = 0;
    CacheStatus cache = CacheStatus::Off;

    bool totalKnown() const { return totalCount >= 0; }
    int totalPages() const
    {
        if (!totalKnown())
            return 0;
        return pageSize > 0 ? int((totalCount + pageSize - 1) / pageSize) : (totalCount > 0 ? 1 : 0);
    }
};

// A message in its conversation: up to N neighbours of its channel on each side,
// oldest first.
struct MessageContext
{
    QList<Message> before;
    Message message;
    QList<Message> after;
};

} // namespace fdd
