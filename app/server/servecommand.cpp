#include "servecommand.h"

#include "clicontext.h"
#include "server/restserverpool.h"

#include <QCoreApplication>
#include <QFile>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QThread>

#ifdef FDD_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace fdd::cli {

namespace {

int signalPipe[2] = {-1, -1};

// Under systemd (Type=notify): ready once listening, stopping on the signal.
// Outside it, sd_notify does nothing.
void tellSystemd([[maybe_unused]] const QByteArray &state)
{
#ifdef FDD_HAVE_SYSTEMD
    sd_notify(0, state.constData());
#endif
}

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(signalPipe[1], &byte, 1);
}

// SIGINT and SIGTERM end the event loop from the loop itself: requests in
// flight finish, then the server closes.
void quitOnSignals()
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, qApp);
    QObject::connect(notifier, &QSocketNotifier::activated, qApp, [] {
        char byte;
        [[maybe_unused]] const auto read = ::read(signalPipe[0], &byte, 1);
        err() << "Stopping." << Qt::endl;
        tellSystemd("STOPPING=1");
        QCoreApplication::quit();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

Expected<std::pair<QHostAddress, quint16>> parseListen(const QString &text)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    bool ok = false;
    const int port = colon > 0 ? text.mid(colon + 1).toInt(&ok) : 0;
    QString host = colon > 0 ? text.left(colon) : QString();
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    const QHostAddress address(host);
    if (!ok || port < 0 || port > 65535 || address.isNull())
        return Error::badInput(QStringLiteral("--listen takes HOST:PORT with an IP address, for example 127.0.0.1:8000, not \"%1\".").arg(text.left(60)));
    return std::pair{address, quint16(port)};
}

} // namespace

int runServe(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("serve"), QStringLiteral("Serve the REST API."), QStringLiteral("serve"));
    parser.addOptions({
        {QStringLiteral("listen"), QStringLiteral("Address and port to listen on (default 127.0.0.1:8000). "
                                                  "Off loopback an API key is required."), QStringLiteral("host:port")},
        {QStringLiteral("api-key-file"), QStringLiteral("A file holding the API key clients must send in X-Api-Key "
                                                        "(default: $FDD_API_KEY)."), QStringLiteral("path")},
        {QStringLiteral("no-auth"), QStringLiteral("Serve off loopback without an API key. Anyone who can reach the port can search.")},
        {QStringLiteral("threads"), QStringLiteral("Requests served at once, each thread with its own database connection "
                                                   "(default: twice the number of cores)."), QStringLiteral("n")},
        {QStringLiteral("rate-limit"), QStringLiteral("Requests a client may make a minute, counted in Redis (default 600; 0: no limit). "
                                                      "Needs --redis."), QStringLiteral("n")},
        {QStringLiteral("export-timeout"), QStringLiteral("Stop an export requested through the API after this many seconds "
                                                          "(default 3600)."), QStringLiteral("seconds")},
        {QStringLiteral("watch"), QStringLiteral("Run the watch list (see \"watch --help\") inside the server, with the "
                                                 "Discord token of $DISCORD_TOKEN or the credential discord-token.")},
        {QStringLiteral("stop-timeout"), QStringLiteral("On SIGTERM or SIGINT, give the requests being served this many seconds "
                                                        "to finish (default 10)."), QStringLiteral("seconds")},
    });
    addDatabaseOption(parser);
    addCacheOption(parser);
    addDceOption(parser);
    if (const int code = parseOrExit(parser, arguments,
                                     QStringLiteral("Serves the FastDiscordDB REST API (see /api/openapi.json).")); code >= 0)
        return code;

    Expected<std::pair<QHostAddress, quint16>> listen =
        parseListen(parser.value(QStringLiteral("listen")).isEmpty() ? QStringLiteral("127.0.0.1:8000")
                                                                      : parser.value(QStringLiteral("listen")));
    if (!listen)
        return report(listen.error());

    QByteArray apiKey = qgetenv("FDD_API_KEY");
    if (parser.isSet(QStringLiteral("api-key-file"))) {
        QFile file(parser.value(QStringLiteral("api-key-file")));
        if (!file.open(QIODevice::ReadOnly))
            return report(Error::badInput(QStringLiteral("The API key file %1 cannot be read.").arg(file.fileName())));
        apiKey = file.readAll().trimmed();
    }
    if (!listen->first.isLoopback() && apiKey.isEmpty() && !parser.isSet(QStringLiteral("no-auth")))
        return report(Error::badInput(QStringLiteral("Listening on %1 makes the archive reachable from other machines: "
                                                     "set FDD_API_KEY (or --api-key-file), or pass --no-auth to serve without one.")
                                          .arg(listen->first.toString())));

    Expected<std::shared_ptr<SearchService>> service = serviceFrom(parser);
    if (!service)
        return report(service.error());
    const std::shared_ptr<SearchCache> &cache = (*service)->cache();
    RestServer::Options options;
    options.service = *service;
    options.redis = cache ? cache->redis() : nullptr;
    options.apiKey = apiKey;
    bool rateOk = true;
    options.rateLimit = parser.isSet(QStringLiteral("rate-limit")) ? parser.value(QStringLiteral("rate-limit")).toInt(&rateOk) : 600;
    if (!rateOk || options.rateLimit < 0)
        return report(Error::badInput(QStringLiteral("--rate-limit takes a whole number of requests a minute, 0 for no limit.")));
    options.rateWindowSeconds = 60;
    Expected<std::shared_ptr<MessageStore>> elastic = elasticStoreFrom(parser);
    if (!elastic)
        return report(elastic.error());
    if (*elastic) {
        Expected<std::shared_ptr<SearchService>> esService = serviceOver(*elastic, parser);
        if (!esService)
            return report(esService.error());
        options.elastic = *esService;
    }
    if (Expected<DceProgram> dce = dceFrom(parser))
        options.dce = *dce;
    else
        options.dceProblem = dce.error().message;
    const Expected<std::chrono::seconds> exportTimeout =
        secondsOption(parser, QStringLiteral("export-timeout"), options.exportTimeout, 1);
    if (!exportTimeout)
        return report(exportTimeout.error());
    options.exportTimeout = *exportTimeout;
    const Expected<std::chrono::seconds> stopTimeout =
        secondsOption(parser, QStringLiteral("stop-timeout"), std::chrono::seconds(10), 0, 3600);
    if (!stopTimeout)
        return report(stopTimeout.error());
    bool threadsOk = true;
    const int threads = parser.isSet(QStringLiteral("threads")) ? parser.value(QStringLiteral("threads")).toInt(&threadsOk)
                                                                : 2 * QThread::idealThreadCount();
    if (!threadsOk || threads < 1 || threads > 256)
        return report(Error::badInput(QStringLiteral("--threads takes a number from 1 to 256.")));
    auto stopping = std::make_shared<std::atomic_bool>(false);
    const KeychainRelay keychain(Keychain::discordToken); // answered by this thread's event loop
    if (parser.isSet(QStringLiteral("watch"))) {
        WatchScheduler::Options watch;
        watch.service = *service;
        watch.program = options.dce;
        const QString dceProblem = options.dce.program.isEmpty() ? options.dceProblem : QString();
        watch.token = [dceProblem, relay = keychain]() -> Expected<QString> {
            if (!dceProblem.isEmpty())
                return Error::unavailable(dceProblem);
            return storedDiscordToken(&relay); // in the scheduler's thread
        };
        watch.timeout = options.exportTimeout;
        watch.stopping = stopping; // the server's: a stop cancels the running export
        watch.watchDone = [](const Watch &w) {
            const QString what = w.name.isEmpty() ? QString::number(w.id) : w.name;
            if (w.failures > 0)
                err() << "watch: " << what << " failed: " << w.lastError << Qt::endl;
            else
                err() << "watch: " << what << " updated, " << w.lastAdded << " new" << Qt::endl;
        };
        options.watches = std::make_shared<WatchScheduler>(std::move(watch));
    }
    RestServerPool pool(options, threads, stopping);
    const Expected<quint16> bound = pool.listen(listen->first, listen->second);
    if (!bound)
        return report(bound.error());
    const quint16 port = *bound;
    quitOnSignals();
    const QString host = listen->first.protocol() == QAbstractSocket::IPv6Protocol
                           ? QStringLiteral("[%1]").arg(listen->first.toString()) : listen->first.toString();
    err() << QStringLiteral("Serving the API on http://%1:%2/api/ (store: %3 %4, cache: %5, API key: %6, threads: %7)")
                 .arg(host).arg(port).arg((*service)->store().name(), (*service)->store().location(),
                                          cache ? cache->redis()->url().redacted() : QStringLiteral("off"),
                                          apiKey.isEmpty() ? QStringLiteral("none") : QStringLiteral("required"))
                 .arg(threads)
          << Qt::endl;
    tellSystemd("READY=1\nSTATUS=Serving on " + host.toUtf8() + ':' + QByteArray::number(port));
    if (options.watches) {
        options.watches->start();
        err() << "Running the watch list." << Qt::endl;
    }
    QCoreApplication::exec();
    keychain.close(); // this thread answers no more
    const bool stopped = pool.stop(*stopTimeout);
    // The pool's stop set the flag the scheduler reads: its export is cancelled.
    if (!stopped || (options.watches && !options.watches->stop(*stopTimeout))) {
        // A thread is still inside a request: destroying the store, the
        // cache or Qt under it would crash, so the process ends here.
        err() << QStringLiteral("A request or a watch update was still running %1 s after the stop; exiting without waiting for it.")
                     .arg(stopTimeout->count())
              << Qt::endl;
        ::_exit(Failed);
    }
    err() << "Stopped." << Qt::endl;
    return Ok;
}

} // namespace fdd::cli
