#include "exportcommand.h"

#include "clicontext.h"
#include "model/isotime.h"
#include "dce/exportjob.h"
#include "secrets/keychain.h"

#include <QElapsedTimer>
#include <QLocale>

#include <atomic>
#include <iostream>
#include <string>
#include <termios.h>
#include <unistd.h>

namespace fdd::cli {

namespace {


// Asks on the terminal without echoing what is typed.
std::optional<QString> promptForToken()
{
    if (!::isatty(STDIN_FILENO))
        return std::nullopt;
    err() << "Discord token (typing is not shown): ";
    err().flush();
    termios saved{};
    const bool canHide = ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (canHide) {
        termios hidden = saved;
        hidden.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &hidden);
    }
    std::string line;
    std::getline(std::cin, line);
    if (canHide)
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    err() << Qt::endl;
    const QString token = QString::fromStdString(line).trimmed();
    if (token.isEmpty())
        return std::nullopt;
    return token;
}

// A stored token (storedDiscordToken), then the terminal.
Expected<QString> discordToken()
{
    Expected<QString> stored = storedDiscordToken();
    if (stored)
        return stored;
    if (std::optional<QString> typed = promptForToken())
        return *typed;
    return Error::badInput(QString(stored.error().message)
                               .replace(QLatin1String("No Discord token: set"),
                                        QLatin1String("No Discord token: run this in a terminal to be asked for it, or set")));
}

Expected<QList<Snowflake>> ids(const QStringList &texts, const QString &what)
{
    QList<Snowflake> result;
    for (const QString &t : texts) {
        const Snowflake id = isotime::parseSnowflake(t).value_or(0);
        if (id == 0)
            return Error::badInput(QStringLiteral("\"%1\" is not a %2 id: Discord ids are numbers such as "
                                                  "1070040462135873587.").arg(t, what));
        result.append(id);
    }
    return result;
}

} // namespace

int runExport(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("export"), QStringLiteral("Export channels with DiscordChatExporter."),
                                 QStringLiteral("export"));
    parser.addPositionalArgument(QStringLiteral("channels"), QStringLiteral("Channel ids."), QStringLiteral("[CHANNEL…]"));
    parser.addOptions({
        {QStringLiteral("guild"), QStringLiteral("Export every channel of this server (repeatable)."), QStringLiteral("id")},
        {QStringLiteral("after"), QStringLiteral("Start of the window: YYYY-MM-DD, ISO 8601 or a message id "
                                                 "(default: 7 days ago)."), QStringLiteral("date")},
        {QStringLiteral("before"), QStringLiteral("End of the window: YYYY-MM-DD, ISO 8601 or a message id."), QStringLiteral("date")},
        {QStringLiteral("update"), QStringLiteral("Export only what came after the newest archived message of each channel.")},
        {QStringLiteral("media"), QStringLiteral("Download attachments, avatars and emoji too, into the archive's media folder "
                                                 "(kept when Discord's links expire).")},
        {QStringLiteral("keep"), QStringLiteral("Keep the JSON exports in this folder (default: deleted once imported)."),
         QStringLiteral("folder")},
        {QStringLiteral("timeout"), QStringLiteral("Stop DiscordChatExporter after this many seconds a channel (default 3600)."),
         QStringLiteral("seconds")},
        {QStringLiteral("list-guilds"), QStringLiteral("List the servers the token can read, and exit.")},
        {QStringLiteral("list-channels"), QStringLiteral("List the channels of a server, and exit."), QStringLiteral("guild")},
    });
    addDatabaseOption(parser);
    addCacheOption(parser);
    addDceOption(parser);
    if (const int code = parseOrExit(parser, arguments,
                                     QStringLiteral("Exports Discord channels with DiscordChatExporter and imports them "
                                                    "into the archive. The token is read from $DISCORD_TOKEN, the "
                                                    "system keychain, or asked for; it is never put on a command line."));
        code >= 0)
        return code;

    ExportPlan plan;
    Expected<QList<Snowflake>> channels = ids(parser.positionalArguments().mid(1), QStringLiteral("channel"));
    if (!channels)
        return report(channels.error());
    Expected<QList<Snowflake>> guilds = ids(parser.values(QStringLiteral("guild")), QStringLiteral("server"));
    if (!guilds)
        return report(guilds.error());
    plan.channels = *channels;
    plan.guilds = *guilds;
    for (const char *name : {"after", "before"}) {
        const QString option = QLatin1String(name);
        if (!parser.isSet(option))
            continue;
        Expected<QDateTime> at = parseExportDate(parser.value(option), QStringLiteral("--") + option);
        if (!at)
            return report(at.error());
        (option == QLatin1String("after") ? plan.after : plan.before) = *at;
    }
    plan.update = parser.isSet(QStringLiteral("update"));
    plan.downloadMedia = parser.isSet(QStringLiteral("media"));
    plan.keepFolder = parser.value(QStringLiteral("keep"));
    const Expected<std::chrono::seconds> timeout = secondsOption(parser, QStringLiteral("timeout"), plan.timeout, 1);
    if (!timeout)
        return report(timeout.error());
    plan.timeout = *timeout;
    const bool listing = parser.isSet(QStringLiteral("list-guilds")) || parser.isSet(QStringLiteral("list-channels"));
    if (!listing)
        if (Expected<void> valid = ExportJob::validate(plan); !valid)
            return report(valid.error());

    Expected<DceProgram> dce = dceFrom(parser);
    if (!dce)
        return report(dce.error());
    Expected<QString> token = discordToken();
    if (!token)
        return report(token.error());

    const std::atomic_bool &interrupted = cancelOnSignals();
    if (listing) {
        DceProcess process(*dce, *token);
        process.setCancelFlag(&interrupted);
        if (parser.isSet(QStringLiteral("list-guilds"))) {
            Expected<QList<Guild>> list = process.guilds();
            if (!list)
                return report(list.error());
            for (const Guild &g : *list)
                out() << g.id << '\t' << g.name << '\n';
        } else {
            Expected<QList<Snowflake>> guild = ids({parser.value(QStringLiteral("list-channels"))}, QStringLiteral("server"));
            if (!guild)
                return report(guild.error());
            Expected<QList<Channel>> list = process.channels(guild->first());
            if (!list)
                return report(list.error());
            for (const Channel &c : *list)
                out() << c.id << '\t' << c.category << " / " << c.name << '\n';
        }
        out().flush();
        return Ok;
    }

    Expected<std::shared_ptr<SearchService>> service = serviceFrom(parser);
    if (!service)
        return report(service.error());
    ExportJob job(*dce, *token, (*service)->store());
    job.setCancelFlag(&interrupted);
    const bool showProgress = ::isatty(STDERR_FILENO);
    if (showProgress) {
        job.setProgressHandler([](const ExportJob::Progress &p) {
            err() << QStringLiteral("\r\33[K[%1%] %2 of %3: %4 %5")
                         .arg(p.percent, 3)
                         .arg(p.index + 1)
                         .arg(p.count)
                         .arg(p.phase == ExportJob::Progress::Phase::Exporting ? QStringLiteral("exporting")
                                                                               : QStringLiteral("importing"),
                              p.label);
            err().flush();
        });
    }
    int worstExit = Ok;
    qint64 inserted = 0, skipped = 0;
    int failed = 0, done = 0;
    job.setItemDoneHandler([&](const ChannelExport &r) {
        if (showProgress)
            err() << "\r\33[K";
        const QString what = r.name.isEmpty() ? QStringLiteral("%1 %2").arg(r.isGuild ? QStringLiteral("server")
                                                                                        : QStringLiteral("channel"))
                                                    .arg(r.id)
                                              : r.name;
        if (r.error) {
            ++failed;
            worstExit = std::max(worstExit, exitCodeFor(*r.error));
            err() << "failed   " << what << ": " << r.error->message << Qt::endl;
            return;
        }
        ++done;
        inserted += r.inserted;
        skipped += r.skipped;
        err() << "exported " << what << ": " << r.inserted << " new, " << r.skipped << " already archived"
              << (r.keptFile.isEmpty() ? QString() : QStringLiteral(" (kept in %1)").arg(r.keptFile)) << Qt::endl;
    });
    QElapsedTimer timer;
    timer.start();
    job.run(plan);
    if (inserted > 0)
        (*service)->dataChanged();
    const QLocale c = QLocale::c();
    err() << QStringLiteral("%1 exported, %2 failed: %3 new messages, %4 already archived, in %5 s.")
                 .arg(done)
                 .arg(failed)
                 .arg(c.toString(inserted), c.toString(skipped), c.toString(double(timer.elapsed()) / 1000.0, 'f', 1))
          << Qt::endl;
    if (interrupted.load())
        return Cancelled;
    return worstExit;
}

} // namespace fdd::cli
