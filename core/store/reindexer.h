#pragma once

#include "messagestore.h"

#include <atomic>
#include <functional>

namespace fdd {

// Copies an archive into another store (e.g. PostgreSQL into Elasticsearch),
// channel by channel, each channel all or nothing in the target; messages
// already there are counted as skipped, so a rerun completes an interrupted one.
class Reindexer
{
public:
    struct Progress
    {
        int channelIndex = 0;
        int channelCount = 0;
        QString channel;
        qint64 copied = 0; // messages, over all channels so far
    };
    struct Result
    {
        int channels = 0;
        qint64 inserted = 0;
        qint64 skipped = 0;
    };

    Reindexer(MessageStore &from, MessageStore &to) : m_from(from), m_to(to) {}
    void setProgressHandler(std::function<void(const Progress &)> handler) { m_progress = std::move(handler); }
    void setCancelFlag(const std::atomic_bool *cancel) { m_cancel = cancel; }
    void setBatchSize(int size) { m_batchSize = size; }

    Expected<Result> run();

private:
    MessageStore &m_from;
    MessageStore &m_to;
    std::function<void(const Progress &)> m_progress;
    const std::atomic_bool *m_cancel = nullptr;
    int m_batchSize = 2000;
};

} // namespace fdd
