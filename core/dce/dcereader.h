#pragma once

#include "exportheader.h"
#include "model/expected.h"
#include "model/message.h"

#include <QList>
#include <QString>

#include <atomic>
#include <functional>

namespace fdd {

// Reads a DiscordChatExporter JSON export as a stream: memory stays bounded by
// the batch size and the longest single value, whatever the file's size.
class DceReader
{
public:
    // Called with each full batch; an error stops the read and is returned.
    using BatchHandler = std::function<Expected<void>(const ExportHeader &header, const QList<Message> &batch)>;
    using ProgressHandler = std::function<void(qint64 bytesRead, qint64 bytesTotal)>;

    struct Options
    {
        int batchSize = 5000;
        const std::atomic_bool *cancel = nullptr;
        ProgressHandler progress;
        // A file that ends inside its messages is read up to its last whole
        // message (ReadSummary::brokenAt says where it breaks) rather than
        // refused. Without it, such a refusal fills *cutOff when given.
        bool salvage = false;
        CutOff *cutOff = nullptr;
    };

    static Expected<ReadSummary> read(const QString &path, const BatchHandler &onBatch, const Options &options);
    static Expected<ReadSummary> read(const QString &path, const BatchHandler &onBatch)
    {
        return read(path, onBatch, Options{});
    }
};

} // namespace fdd
