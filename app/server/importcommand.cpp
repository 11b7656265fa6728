#include "importcommand.h"

#include "clicontext.h"
#include "dce/importer.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLocale>

#include <unistd.h>

namespace fdd::cli {

namespace {

QString megabytes(qint64 bytes)
{
    return QLocale::c().toString(double(bytes) / (1024.0 * 1024.0), 'f', 1) + QStringLiteral(" MB");
}

} // namespace

int runImport(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("import"), QStringLiteral("Import DiscordChatExporter JSON exports."),
                                 QStringLiteral("import"));
    parser.addPositionalArgument(QStringLiteral("paths"),
                                 QStringLiteral("Export files, or folders searched for *.json."),
                                 QStringLiteral("FILE|DIR…"));
    addDatabaseOption(parser);
    addCacheOption(parser);
    const QCommandLineOption quiet(QStringLiteral("quiet"), QStringLiteral("Print only the summary and errors."));
    parser.addOption(quiet);
    const QCommandLineOption salvage(QStringLiteral("salvage"),
                                     QStringLiteral("Import a file that ends part-way (its writer was stopped) up to its last "
                                                    "complete message, instead of refusing it."));
    parser.addOption(salvage);
    if (const int code = parseOrExit(parser, arguments,
                                     QStringLiteral("Imports DiscordChatExporter JSON exports into the archive. "
                                                    "Each file is imported whole or not at all; importing a file "
                                                    "again adds only the messages not yet archived."));
        code >= 0)
        return code;

    const QStringList paths = parser.positionalArguments().mid(1);
    if (paths.isEmpty()) {
        err() << "Name at least one export file or folder to import." << Qt::endl;
        return BadInput;
    }
    Expected<QStringList> files = Importer::collectFiles(paths);
    if (!files)
        return report(files.error());
    if (files->isEmpty()) {
        err() << "No .json export files were found in " << paths.join(QStringLiteral(", ")) << "." << Qt::endl;
        return BadInput;
    }
    Expected<std::shared_ptr<SearchService>> service = serviceFrom(parser);
    if (!service)
        return report(service.error());
    Importer importer((*service)->store());
    importer.setSalvage(parser.isSet(salvage));
    const bool showProgress = !parser.isSet(quiet) && ::isatty(STDERR_FILENO);
    if (showProgress) {
        importer.setProgressHandler([](const Importer::Progress &p) {
            const int percent = p.bytesTotal > 0 ? int(p.bytesDone * 100 / p.bytesTotal) : 100;
            err() << QStringLiteral("\r\33[K[%1%] file %2 of %3, %4 of %5")
                         .arg(percent, 3)
                         .arg(p.fileIndex + 1)
                         .arg(p.fileCount)
                         .arg(megabytes(p.bytesDone), megabytes(p.bytesTotal));
            err().flush();
        });
    }

    QElapsedTimer timer;
    timer.start();
    qint64 inserted = 0, skipped = 0;
    int failed = 0;
    int worstExit = Ok;
    importer.importFiles(*files, [&](const FileImport &r) {
        if (showProgress)
            err() << "\r\33[K";
        if (r.error) {
            ++failed;
            const QString name = QDir::toNativeSeparators(r.path);
            err() << "failed   " << (r.error->message.contains(QFileInfo(r.path).fileName()) ? QString() : name + QStringLiteral(": "))
                  << r.error->message << Qt::endl;
            worstExit = std::max(worstExit, exitCodeFor(*r.error));
            return r.error->kind != Error::Kind::Unavailable; // every later file would fail the same way
        }
        inserted += r.inserted;
        skipped += r.skipped;
        if (!parser.isSet(quiet))
            err() << "imported " << QDir::toNativeSeparators(r.path) << ": " << r.inserted << " inserted, "
                  << r.skipped << " skipped (#" << r.header.channel.name << ")"
                  << (r.mediaFiles ? QStringLiteral(", %1 media file(s) kept").arg(r.mediaFiles) : QString())
                  << (r.brokenAt ? QStringLiteral("; salvaged: the file breaks at byte %1, the messages before it are in").arg(*r.brokenAt)
                                 : QString())
                  << Qt::endl;
        return true;
    });
    if (inserted > 0)
        (void)(*service)->store().optimize();
    if (inserted > 0 && (*service)->cache()
        && !(*service)->cache()->invalidate([&service](const SearchRequest &r) { return (*service)->store().search(r); }))
        err() << "Redis could not be told about the new messages; cached searches may be stale for up to an hour."
              << Qt::endl;
    const QLocale c = QLocale::c();
    err() << QStringLiteral("%1 file(s): %2 inserted, %3 skipped, %4 failed, in %5 s.")
                 .arg(files->size())
                 .arg(c.toString(inserted), c.toString(skipped))
                 .arg(failed)
                 .arg(c.toString(double(timer.elapsed()) / 1000.0, 'f', 1))
          << Qt::endl;
    return worstExit;
}

} // namespace fdd::cli
