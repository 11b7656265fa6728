#pragma once

#include "dceprocess.h"
#include "importer.h"
#include "store/messagestore.h"

#include <QDateTime>

#include <optional>

namespace fdd {

// What to export: channels, whole servers (guilds), and the window.
struct ExportPlan
{
    QList<Snowflake> channels;
    QList<Snowflake> guilds;           // every channel of each, through `exportguild`
    std::optional<QDateTime> after;    // default: the last 7 days, as the original did
    std::optional<QDateTime> before;
    // Export only what came after the newest archived message of each channel
    // (channels never exported get the default window). With guilds, their
    // channels are listed and exported one by one.
    bool update = false;
    // With update: the threads of each channel too (DCE's --include-threads
    // all), each exported as a channel of its own.
    bool includeThreads = false;
    // Download the media (attachments, avatars, emoji) with the messages, so
    // the archive shows them when the CDN links have expired. Kept between
    // exports in mediaCache (DCE reuses what is there), and copied into the
    // archive's media folder at import.
    bool downloadMedia = false;
    QString mediaCache; // default: the user's cache folder, "dce-media"
    QString keepFolder;                // when set, the exports are kept there
    std::chrono::seconds timeout{3600}; // for each run of DiscordChatExporter

    static constexpr int defaultWindowDays = 7;
};

// The outcome for one channel (or, for a whole-server export that failed
// before any file was written, for the server).
struct ChannelExport
{
    Snowflake id = 0;
    bool isGuild = false;
    Snowflake guildId = 0;  // the channel's server, once known
    QString name;           // "#general", once known
    QString after;          // what was given to DCE's --after
    qint64 inserted = 0;
    qint64 skipped = 0;
    QString keptFile;       // where the export was kept, if asked
    std::optional<Error> error; // set when nothing of it was stored; Busy: another
                                // process was exporting the channel, so this one left it
};

// Exports channels with DiscordChatExporter into a temporary folder and
// imports each file into the store, all or nothing per file; the temporary
// files are removed afterwards (unless kept). Blocking: run it off the GUI
// thread. Channels are exported one after another; one failing does not stop
// the others, but a token Discord refuses or an unreachable Discord does.
// Each channel is exported under the store's channel lock, so two processes
// sharing an archive never export the same channel at once.
class ExportJob
{
public:
    ExportJob(DceProgram program, QString token, MessageStore &store);

    struct Progress
    {
        int index = 0;      // of the item (channel or guild) in the plan
        int count = 0;
        QString label;      // DCE's "Category / channel", or the file imported
        int percent = 0;    // of this item
        enum class Phase { Exporting, Importing } phase = Phase::Exporting;
    };
    using ProgressHandler = std::function<void(const Progress &)>;
    void setProgressHandler(ProgressHandler handler) { m_progress = std::move(handler); }
    void setCancelFlag(const std::atomic_bool *cancel) { m_cancel = cancel; }
    // Called as each channel ends, with its outcome.
    void setItemDoneHandler(std::function<void(const ChannelExport &)> handler) { m_itemDone = std::move(handler); }

    // Checks the plan (ids, dates) before anything runs.
    static Expected<void> validate(const ExportPlan &plan);
    QList<ChannelExport> run(const ExportPlan &plan);

    // DCE's --after for a channel under the plan: an explicit date, the
    // newest archived message id (update), or the default window.
    static QString afterFor(const ExportPlan &plan, Snowflake lastArchived, const QDateTime &now);

private:
    // DCE's media folder for this plan; empty when media are not downloaded.
    static QString mediaDirFor(const ExportPlan &plan);
    ChannelExport exportChannel(Snowflake channel, const QString &after, const ExportPlan &plan, const QString &workDir);
    QList<ChannelExport> exportGuild(Snowflake guild, const ExportPlan &plan, const QString &workDir);
    void importInto(ChannelExport &result, const QString &file, const ExportPlan &plan);
    bool cancelled() const { return m_cancel && m_cancel->load(); }
    void report(const QString &label, int percent, Progress::Phase phase);

    DceProgram m_program;
    QString m_token;
    MessageStore &m_store;
    ProgressHandler m_progress;
    std::function<void(const ChannelExport &)> m_itemDone;
    const std::atomic_bool *m_cancel = nullptr;
    int m_index = 0;
    int m_count = 0;
};

// "2024-05-01T00:00:00Z", as DCE's --after and --before take it.
QString dceDate(const QDateTime &utc);

// An export window's end as users write it: "2024-05-01" (midnight UTC), an
// ISO 8601 date and time, or a message id (its instant). `name` is for the
// error sentence.
Expected<QDateTime> parseExportDate(const QString &text, const QString &name);

} // namespace fdd
