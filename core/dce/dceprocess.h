#pragma once

#include "dceoutputparser.h"
#include "dceprogram.h"
#include "model/channel.h"

#include <atomic>
#include <chrono>

namespace fdd {

// Runs DiscordChatExporter. The Discord token goes to the child through the
// DISCORD_TOKEN environment variable, which DCE reads: never on a command
// line, never in a log. Calls block: run them off the GUI thread.
class DceProcess
{
public:
    DceProcess(DceProgram program, QString token);

    void setTimeout(std::chrono::seconds timeout) { m_timeout = timeout; }
    // Polled while DCE runs; when set, DCE is killed and the call fails as cancelled.
    void setCancelFlag(const std::atomic_bool *cancel) { m_cancel = cancel; }

    struct ExportArguments
    {
        QString after;  // DCE's --after: an ISO 8601 date or a message id; empty: none
        QString before; // DCE's --before
        QString output; // a file for one channel; a folder (ending in '/') for a guild
        // When set: download attachments, avatars and emoji there (DCE's
        // --media --reuse-media --media-dir), what was fetched before reused;
        // the export refers to them by path.
        QString mediaDir;
    };
    using ProgressHandler = DceOutputParser::ProgressHandler;

    // `export -c CHANNEL -f Json …`
    Expected<void> exportChannel(Snowflake channel, const ExportArguments &arguments, const ProgressHandler &progress = {});
    // `exportguild -g GUILD -f Json …`: one file per channel in arguments.output.
    Expected<void> exportGuild(Snowflake guild, const ExportArguments &arguments, const ProgressHandler &progress = {});
    // `guilds`, and `channels -g GUILD`: for pickers. With threads (DCE's
    // `--include-threads all`), each thread follows its channel, with parentId set.
    Expected<QList<Guild>> guilds();
    Expected<QList<Channel>> channels(Snowflake guild, bool withThreads = false);

    // DCE's words turned into a sentence for the user (exposed for tests).
    // `subject` names what was asked for, e.g. "channel 123".
    static Error explain(const QStringList &output, int exitCode, const QString &subject);

private:
    Expected<void> runExport(QStringList command, const ExportArguments &arguments, const QString &subject,
                             const ProgressHandler &progress);
    Expected<QStringList> run(const QStringList &arguments, const QString &subject, const ProgressHandler &progress);

    DceProgram m_program;
    QString m_token;
    std::chrono::seconds m_timeout{3600};
    const std::atomic_bool *m_cancel = nullptr;
};

} // namespace fdd
