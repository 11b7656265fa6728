#pragma once

#include <QString>
#include <QStringList>

namespace fdd::bench {

// Writes synthetic DiscordChatExporter exports shaped like the real thing:
// pretty-printed, every key DCE writes, Zipf-distributed English words,
// replies, attachments, reactions, a few huge messages, spread over months.
class ExportGenerator
{
public:
    struct Options
    {
        qint64 messages = 1000000;
        int guilds = 3;
        int channels = 1;     // files written; messages are split evenly
        int authors = 500;
        int months = 24;
        quint32 seed = 42;
    };

    explicit ExportGenerator(Options options) : m_options(options) {}

    // Writes the files into `folder`; returns their paths, or an empty list.
    QStringList write(const QString &folder) const;

    // Words of the generator's vocabulary by rank: 0 is the most common.
    static QString word(int rank);

private:
    Options m_options;
};

} // namespace fdd::bench
