#include "watchcommand.h"

#include "clicontext.h"
#include "model/isotime.h"
#include "watch/watchjson.h"
#include "watch/watchrunner.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>

#include <atomic>

namespace fdd::cli {

namespace {


Expected<Snowflake> watchId(const QStringList &positional)
{
    if (positional.size() != 3)
        return Error::badInput(QStringLiteral("Name one channel or server id, e.g. \"watch %1 1070040462135873587\".")
                                   .arg(positional.value(1)));
    const Snowflake id = isotime::parseSnowflake(positional.at(2)).value_or(0);
    if (id == 0)
        return Error::badInput(QStringLiteral("\"%1\" is not a channel or server id: Discord ids are numbers such as "
                                              "1070040462135873587.").arg(positional.at(2).left(40)));
    return id;
}

QString when(qint64 ms)
{
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm")) : QStringLiteral("never");
}

int list(MessageStore &store, bool asJson)
{
    Expected<QList<Watch>> watches = store.watches();
    if (!watches)
        return report(watches.error());
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (asJson) {
        QJsonArray all;
        for (const Watch &w : *watches)
            all.append(watchJson(w, now));
        out() << QJsonDocument(all).toJson(QJsonDocument::Indented);
        out().flush();
        return Ok;
    }
    if (watches->isEmpty()) {
        err() << "Nothing is watched. Add a channel with \"fastdiscorddb-server watch add CHANNEL_ID\"." << Qt::endl;
        return Ok;
    }
    out() << QStringLiteral("%1  %2  %3  %4  %5  %6  %7  %8\n")
                 .arg(QStringLiteral("ID"), -20).arg(QStringLiteral("KIND"), -7).arg(QStringLiteral("NAME"), -20)
                 .arg(QStringLiteral("EVERY"), -8).arg(QStringLiteral("NEXT RUN"), -16).arg(QStringLiteral("LAST RUN"), -16)
                 .arg(QStringLiteral("ADDED"), 6).arg(QStringLiteral("STATE"));
    for (const Watch &w : *watches) {
        QString state = watchState(w, now);
        if (!w.lastError.isEmpty())
            state += QStringLiteral(": ") + w.lastError;
        out() << QStringLiteral("%1  %2  %3  %4  %5  %6  %7  %8\n")
                     .arg(QString::number(w.id), -20)
                     .arg(w.isGuild ? QStringLiteral("server") : QStringLiteral("channel"), -7)
                     .arg(w.name.isEmpty() ? QStringLiteral("-") : w.name.left(20), -20)
                     .arg(watchtime::formatInterval(w.intervalSeconds), -8)
                     .arg(w.paused ? QStringLiteral("paused") : when(w.nextRunMs), -16)
                     .arg(when(w.lastRunMs), -16)
                     .arg(w.lastAdded, 6)
                     .arg(state);
    }
    out().flush();
    return Ok;
}

int runDue(const QCommandLineParser &parser)
{
    Expected<std::shared_ptr<SearchService>> service = serviceFrom(parser);
    if (!service)
        return report(service.error());
    Expected<DceProgram> dce = dceFrom(parser);
    const Expected<std::chrono::seconds> timeout = secondsOption(parser, QStringLiteral("timeout"), std::chrono::seconds(3600), 1);
    if (!timeout)
        return report(timeout.error());
    const Expected<QString> token = storedDiscordToken();
    WatchRunner runner(*service, dce ? *dce : DceProgram{}, token ? *token : QString());
    // Without DCE or a token every due watch fails with that sentence, so
    // that `watch list` and /api/health show why nothing is updated.
    if (!dce)
        runner.setFailure(dce.error());
    else if (!token)
        runner.setFailure(token.error());
    const std::atomic_bool &interrupted = cancelOnSignals();
    runner.setCancelFlag(&interrupted);
    runner.setTimeout(*timeout);
    runner.setWatchDoneHandler([](const Watch &w) {
        const QString what = w.name.isEmpty() ? QString::number(w.id) : w.name;
        if (w.failures > 0)
            err() << "failed  " << what << ": " << w.lastError << " Next try " << when(w.nextRunMs) << '.' << Qt::endl;
        else
            err() << "updated " << what << ": " << w.lastAdded << " new" << (w.lastError.isEmpty() ? QString() : QStringLiteral(" (") + w.lastError + QLatin1Char(')'))
                  << Qt::endl;
    });
    Expected<WatchRunReport> done = runner.runDue();
    if (!done)
        return report(done.error());
    err() << QStringLiteral("%1 watched updated, %2 failed: %3 new messages.")
                 .arg(done->ran - done->failed)
                 .arg(done->failed)
                 .arg(QLocale::c().toString(done->added))
          << Qt::endl;
    if (done->cancelled)
        return Cancelled;
    if (!dce)
        return report(dce.error());
    if (!token)
        return report(token.error());
    return done->failed > 0 ? Failed : Ok;
}

} // namespace

int runWatch(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("watch"), QStringLiteral("Keep channels and servers current."), QStringLiteral("watch"));
    parser.addPositionalArgument(QStringLiteral("action"),
                                 QStringLiteral("add ID, remove ID, pause ID, resume ID, list, or run (what is due, once)."),
                                 QStringLiteral("add|remove|pause|resume|list|run [ID]"));
    parser.addOptions({
        {QStringLiteral("every"), QStringLiteral("add: how often to update, e.g. 15m, 6h, 1d (default 1h)."), QStringLiteral("duration")},
        {QStringLiteral("guild"), QStringLiteral("add: the id is a server: watch all its channels, new ones included "
                                                 "(a server the archive knows is found without it).")},
        {QStringLiteral("channel"), QStringLiteral("add: the id is a channel, even if the archive knows a server by it.")},
        {QStringLiteral("threads"), QStringLiteral("add: update the channels' threads too.")},
        {QStringLiteral("json"), QStringLiteral("list: print JSON.")},
        {QStringLiteral("timeout"), QStringLiteral("run: stop DiscordChatExporter after this many seconds a channel (default 3600)."),
         QStringLiteral("seconds")},
    });
    addDatabaseOption(parser);
    addCacheOption(parser);
    addDceOption(parser);
    if (const int code = parseOrExit(parser, arguments,
                                     QStringLiteral("The watch list: channels and servers exported on a schedule. \"watch run\" "
                                                    "runs what is due once (for a systemd timer or cron); \"serve --watch\" "
                                                    "runs them inside the REST server. The token is read from $DISCORD_TOKEN, "
                                                    "the credential discord-token, or the system keychain."));
        code >= 0)
        return code;
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(1);
    if (action == QLatin1String("run"))
        return runDue(parser);
    if (action != QLatin1String("list") && action != QLatin1String("add") && action != QLatin1String("remove")
        && action != QLatin1String("pause") && action != QLatin1String("resume"))
        return report(Error::badInput(action.isEmpty() ? QStringLiteral("Say what to do: watch add|remove|pause|resume|list|run.")
                                                       : QStringLiteral("\"%1\" is not a watch action: use add, remove, pause, resume, list or run.")
                                                             .arg(action.left(40))));
    Expected<std::shared_ptr<MessageStore>> store = openStoreFrom(parser);
    if (!store)
        return report(store.error());
    if (action == QLatin1String("list"))
        return list(**store, parser.isSet(QStringLiteral("json")));

    Expected<Snowflake> id = watchId(positional);
    if (!id)
        return report(id.error());
    if (action == QLatin1String("remove")) {
        Expected<bool> removed = (*store)->removeWatch(*id);
        if (!removed)
            return report(removed.error());
        if (!*removed)
            return report(Error::notFound(QStringLiteral("%1 is not on the watch list.").arg(*id)));
        err() << "No longer watching " << *id << ". Its archived messages stay." << Qt::endl;
        return Ok;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (action == QLatin1String("pause") || action == QLatin1String("resume")) {
        Expected<QList<Watch>> all = (*store)->watches();
        if (!all)
            return report(all.error());
        const auto it = std::find_if(all->begin(), all->end(), [&](const Watch &w) { return w.id == *id; });
        if (it == all->end())
            return report(Error::notFound(QStringLiteral("%1 is not on the watch list.").arg(*id)));
        it->paused = action == QLatin1String("pause");
        if (!it->paused)
            it->nextRunMs = std::min(it->nextRunMs, now);
        if (Expected<void> saved = (*store)->saveWatch(*it); !saved)
            return report(saved.error());
        err() << (it->paused ? "Paused " : "Resumed ") << *id << '.' << Qt::endl;
        return Ok;
    }
    // add
    if (parser.isSet(QStringLiteral("guild")) && parser.isSet(QStringLiteral("channel")))
        return report(Error::badInput(QStringLiteral("Choose --guild or --channel, not both.")));
    qint64 interval = Watch::defaultIntervalSeconds;
    if (parser.isSet(QStringLiteral("every"))) {
        Expected<qint64> every = watchtime::parseInterval(parser.value(QStringLiteral("every")), QStringLiteral("--every"));
        if (!every)
            return report(every.error());
        interval = *every;
    }
    std::optional<bool> isGuild;
    if (parser.isSet(QStringLiteral("guild")) || parser.isSet(QStringLiteral("channel")))
        isGuild = parser.isSet(QStringLiteral("guild"));
    Expected<Watch> watch = WatchRunner::prepare(**store, *id, isGuild, interval, parser.isSet(QStringLiteral("threads")), now);
    if (!watch)
        return report(watch.error());
    if (Expected<void> saved = (*store)->saveWatch(*watch); !saved)
        return report(saved.error());
    err() << QStringLiteral("Watching %1 %2 every %3%4; the first update is due now (\"watch run\", or \"serve --watch\").")
                 .arg(watch->isGuild ? QStringLiteral("server") : QStringLiteral("channel"),
                      watch->name.isEmpty() ? QString::number(*id) : QStringLiteral("%1 (%2)").arg(watch->name).arg(*id),
                      watchtime::formatInterval(interval),
                      watch->includeThreads ? QStringLiteral(", threads included") : QString())
          << Qt::endl;
    return Ok;
}

} // namespace fdd::cli
