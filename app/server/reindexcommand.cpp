#include "reindexcommand.h"

#include "clicontext.h"
#include "store/databaseurl.h"
#include "store/reindexer.h"
#include "store/storefactory.h"

#include <QElapsedTimer>
#include <QLocale>

#include <unistd.h>

namespace fdd::cli {

int runReindex(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("reindex"), QStringLiteral("Copy the archive into another store."),
                                 QStringLiteral("reindex"));
    parser.addOptions({
        {QStringLiteral("from"), QStringLiteral("The archive copied: sqlite or postgres (its address as for every "
                                                "command: --database or $FDD_DATABASE_URL)."), QStringLiteral("kind")},
        {QStringLiteral("to"), QStringLiteral("Where to: es (--elastic or $FDD_ELASTIC_URL), or postgres / sqlite "
                                              "(--target URL)."), QStringLiteral("kind")},
        {QStringLiteral("target"), QStringLiteral("The target archive's address when --to is postgres or sqlite."),
         QStringLiteral("url")},
    });
    addDatabaseOption(parser);
    addCacheOption(parser);
    if (const int code = parseOrExit(parser, arguments,
                                     QStringLiteral("Copies every channel of the archive into another store, e.g. a "
                                                    "PostgreSQL archive into Elasticsearch. Each channel is all or "
                                                    "nothing; running it again adds only what is missing."));
        code >= 0)
        return code;

    const QString to = parser.value(QStringLiteral("to"));
    if (to.isEmpty())
        return report(Error::badInput(QStringLiteral("Say where to copy the archive: --to es, --to postgres or --to sqlite.")));
    Expected<std::shared_ptr<MessageStore>> source = openStoreFrom(parser);
    if (!source)
        return report(source.error());
    const QString from = parser.value(QStringLiteral("from"));
    if (!from.isEmpty() && from != (*source)->name())
        return report(Error::badInput(QStringLiteral("--from %1 does not match the archive %2 (%3): give its address with "
                                                     "--database.").arg(from, (*source)->location(), (*source)->name())));
    Expected<std::shared_ptr<MessageStore>> target = std::shared_ptr<MessageStore>();
    if (to == QLatin1String("es")) {
        target = elasticStoreFrom(parser);
        if (target && !*target)
            return report(Error::badInput(QStringLiteral("--to es needs the cluster's address: --elastic http://host:9200/index, "
                                                         "or $FDD_ELASTIC_URL.")));
    } else if (to == QLatin1String("postgres") || to == QLatin1String("sqlite")) {
        Expected<DatabaseUrl> url = DatabaseUrl::parse(parser.value(QStringLiteral("target")));
        if (!url)
            return report(Error::badInput(QStringLiteral("--to %1 needs --target with the archive's address (%2)")
                                              .arg(to, url.error().message)));
        target = openStore(*url);
    } else {
        return report(Error::badInput(QStringLiteral("--to takes es, postgres or sqlite, not \"%1\".").arg(to)));
    }
    if (!target)
        return report(target.error());
    if ((*target)->location() == (*source)->location())
        return report(Error::badInput(QStringLiteral("The source and the target are the same archive.")));

    Reindexer reindexer(**source, **target);
    const bool showProgress = ::isatty(STDERR_FILENO);
    if (showProgress)
        reindexer.setProgressHandler([](const Reindexer::Progress &p) {
            err() << QStringLiteral("\r\33[K[%1 of %2] #%3: %4 messages copied")
                         .arg(p.channelIndex + 1).arg(p.channelCount).arg(p.channel, QLocale::c().toString(p.copied));
            err().flush();
        });
    QElapsedTimer timer;
    timer.start();
    Expected<Reindexer::Result> done = reindexer.run();
    if (showProgress)
        err() << "\r\33[K";
    if (!done)
        return report(done.error());
    if (done->inserted > 0) {
        if (Expected<std::shared_ptr<SearchService>> service = serviceOver(*target, parser); service && (*service)->cache())
            (*service)->dataChanged();
    }
    const QLocale c = QLocale::c();
    err() << QStringLiteral("Copied %1 channel(s) from %2 to %3: %4 new messages, %5 already there, in %6 s.")
                 .arg(done->channels)
                 .arg((*source)->location(), (*target)->location(), c.toString(done->inserted), c.toString(done->skipped),
                      c.toString(double(timer.elapsed()) / 1000.0, 'f', 1))
          << Qt::endl;
    return Ok;
}

} // namespace fdd::cli
