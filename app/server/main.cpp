#include "clicontext.h"
#include "exportcommand.h"
#include "reindexcommand.h"
#include "importcommand.h"
#include "searchcommand.h"
#include "servecommand.h"
#include "watchcommand.h"
#include "store/sqlitestore.h"

#include <QCoreApplication>
#include <QLoggingCategory>

namespace {

const char *const usage =
    "Usage: fastdiscorddb-server COMMAND [options]\n"
    "\n"
    "Archive and search Discord channels exported by DiscordChatExporter.\n"
    "\n"
    "Commands:\n"
    "  import FILE|DIR…   import JSON exports (folders are searched for *.json)\n"
    "  search …           search by substring, full text or date\n"
    "  export CHANNEL…    export channels with DiscordChatExporter and import them\n"
    "  reindex --to es    copy the archive into another store (e.g. Elasticsearch)\n"
    "  serve              serve the REST API (default http://127.0.0.1:8000/api/)\n"
    "  watch …            keep channels current: add, remove, pause, resume, list, run\n"
    "\n"
    "Run \"fastdiscorddb-server COMMAND --help\" for a command's options.\n"
    "The archive is --database URL or $FDD_DATABASE_URL (postgresql://user@host:port/database or\n"
    "sqlite:///path/archive.db); with neither, the embedded archive:\n"
    "  %1\n"
    "\n"
    "Options:\n"
    "  -h, --help         show this help\n"
    "  -v, --version      show the version\n";

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("fastdiscorddb"));
    QCoreApplication::setOrganizationName(QStringLiteral("FastDiscordDB"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FDD_VERSION));

    // The commands print their own results and errors; the core's logs are
    // for --verbose-minded users, through QT_LOGGING_RULES.
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(QStringLiteral("fdd.*.debug=false\nfdd.*.info=false\nfdd.import.warning=false\n"
                                                        "fdd.rest.access.info=true"));

    const QStringList args = QCoreApplication::arguments();
    const QString command = args.value(1);
    using namespace fdd::cli;
    if (command == QLatin1String("import"))
        return runImport(args);
    if (command == QLatin1String("search"))
        return runSearch(args);
    if (command == QLatin1String("reindex"))
        return runReindex(args);
    if (command == QLatin1String("export"))
        return runExport(args);
    if (command == QLatin1String("serve"))
        return runServe(args);
    if (command == QLatin1String("watch"))
        return runWatch(args);
    if (command == QLatin1String("-h") || command == QLatin1String("--help") || command == QLatin1String("help")) {
        out() << QString::fromUtf8(usage).arg(fdd::SqliteStore::defaultPath());
        return Ok;
    }
    if (command == QLatin1String("-v") || command == QLatin1String("--version")) {
        out() << "fastdiscorddb-server " << QCoreApplication::applicationVersion() << '\n';
        return Ok;
    }
    err() << (command.isEmpty() ? QStringLiteral("No command given.")
                                : QStringLiteral("Unknown command \"%1\".").arg(command))
          << "\n\n" << QString::fromUtf8(usage).arg(fdd::SqliteStore::defaultPath());
    return BadInput;
}
