#pragma once

#include "model/expected.h"
#include "model/searchrequest.h"
#include "search/searchservice.h"

#include <QByteArray>
#include <QIODevice>
#include <QString>

#include <atomic>
#include <functional>
#include <optional>

namespace fdd {

// Every match of a search written out as CSV, JSON, NDJSON or Markdown, with
// `context` messages before and after each (merged where they overlap), in
// bounded memory: the matches stream from the store and are written as they
// come, never held. The window, the CLI (search --export) and the REST API
// (/api/search/export) all export through here.
//
// Without context the matches come in the request's order (newest first, or
// oldest first). With context they come channel by channel (in the archive's
// channel order), each channel's conversations oldest first: a conversation
// is a run of consecutive messages of one channel holding one match or more.
class ResultExport
{
public:
    enum class Format { Csv, Json, Ndjson, Markdown };

    static std::optional<Format> formatNamed(const QString &name); // "csv", "json", "ndjson", "markdown" (or "md")
    static QString formatName(Format format);
    static QByteArray mimeType(Format format);
    static QString fileSuffix(Format format); // "csv", "json", "ndjson", "md"
    // The format a file name's suffix asks for, if any.
    static std::optional<Format> formatOfFile(const QString &fileName);

    // Receives the export in pieces of about 64 kB; false stops it (the
    // reader went away, the disk is full).
    using Sink = std::function<bool(const QByteArray &piece)>;
    // The matches written so far and how many there are in all (−1 until
    // known); false cancels.
    using Progress = std::function<bool(qint64 written, qint64 total)>;

    struct Summary
    {
        qint64 matches = 0;       // matches written
        qint64 messages = 0;      // messages written, with the context
        qint64 conversations = 0; // with context: the runs written
        qint64 bytes = 0;
    };

    ResultExport(const SearchService &service, SearchRequest request, Format format, int context = 0);

    // Checks the request and the context size; the sentence says what to fix.
    // run() calls it too; call it first to refuse before writing anything.
    Expected<void> validate();
    // Asks for the number of matches before writing (one count, for a
    // progress bar); without it the total is known only at the end.
    void setCountFirst(bool count) { m_countFirst = count; }
    // Writes the export. A failure part-way returns the error; what the sink
    // had by then is a cut-off export (the caller removes a file, aborts a
    // connection). Cancelled (progress said false): Error::cancelled.
    Expected<Summary> run(const Sink &sink, const Progress &progress = {});
    // The same into an open device (standard output); a device that refuses
    // a write stops the export with a sentence naming `name` and the why.
    Expected<Summary> runInto(QIODevice &device, const QString &name, const Progress &progress = {});
    // The same into the file at `path`, which appears only when complete:
    // cancelled, refused or failed part-way, nothing is left under its name.
    Expected<Summary> runToFile(const QString &path, const Progress &progress = {});

    // The lookahead of the context reader: messages after a match fetched in
    // one go, so that dense matches need one context query per this many.
    static constexpr int Lookahead = 200;

private:
    Expected<Summary> runFlat(class ExportWriter &writer, const Progress &progress);
    Expected<Summary> runWithContext(class ExportWriter &writer, const Progress &progress);

    const SearchService &m_service;
    SearchRequest m_request;
    Format m_format;
    int m_context;
    bool m_countFirst = false;
    bool m_validated = false;
};

} // namespace fdd
