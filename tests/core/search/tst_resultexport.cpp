#include "dce/importer.h"
#include "search/resultexport.h"
#include "store/sqlitestore.h"
#include "exportwriter.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace fdd;

namespace {

// RFC 4180, as a spreadsheet reads it.
QList<QStringList> parseCsv(const QByteArray &bytes)
{
    const QString text = QString::fromUtf8(bytes);
    QList<QStringList> rows;
    QStringList row;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == QLatin1Char('"') && i + 1 < text.size() && text.at(i + 1) == QLatin1Char('"'))
                field += c, ++i;
            else if (c == QLatin1Char('"'))
                quoted = false;
            else
                field += c;
        } else if (c == QLatin1Char('"')) {
            quoted = true;
        } else if (c == QLatin1Char(',')) {
            row << field, field.clear();
        } else if (c == QLatin1Char('\r') && i + 1 < text.size() && text.at(i + 1) == QLatin1Char('\n')) {
            row << field, field.clear();
            rows << row, row.clear();
            ++i;
        } else {
            field += c;
        }
    }
    return rows;
}

} // namespace

// Each format of a results export, read back as its readers would read it.
class TestResultExport : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::shared_ptr<SqliteStore> m_store;
    std::unique_ptr<SearchService> m_service;

    QByteArray exported(const QString &query, ResultExport::Format format, int context, ResultExport::Summary *summary = nullptr)
    {
        SearchRequest r;
        r.kind = SearchRequest::Kind::Query;
        r.text = query;
        ResultExport e(*m_service, r, format, context);
        QByteArray out;
        const Expected<ResultExport::Summary> done = e.run([&out](const QByteArray &piece) {
            out += piece;
            return true;
        });
        if (!done)
            qWarning("%s", qPrintable(done.error().message));
        if (summary && done)
            *summary = *done;
        return done ? out : QByteArray();
    }

private slots:
    void initTestCase()
    {
        m_store = std::make_shared<SqliteStore>(m_tmp.filePath(QStringLiteral("archive.db")));
        QVERIFY(m_store->migrate());
        m_service = std::make_unique<SearchService>(m_store);
        const QString path = test::writeContents(m_tmp.path(), QStringLiteral("letters"), 77, 1500000000000000000ull,
                                                 QStringLiteral("2023-04-04T04:04:%1+00:00"),
                                                 {QStringLiteral("alpha"), QStringLiteral("he said \"hi\", then\nleft *fast*"),
                                                  QStringLiteral("gamma"), QStringLiteral("delta, hi"), QStringLiteral("epsilon")});
        QVERIFY(!path.isEmpty());
        Importer importer(*m_store);
        const FileImport imported = importer.importFile(path);
        QVERIFY2(!imported.error, imported.error ? qPrintable(imported.error->message) : "");
    }

    void csvReadsBackAsWritten()
    {
        ResultExport::Summary s;
        const QList<QStringList> rows = parseCsv(exported(QStringLiteral("\"hi\""), ResultExport::Format::Csv, 0, &s));
        QCOMPARE(s.matches, 2);
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows.at(0).value(2), QStringLiteral("message_id"));
        QCOMPARE(rows.at(0).value(8), QStringLiteral("content"));
        for (const QStringList &row : rows)
            QCOMPARE(row.size(), 12);
        QCOMPARE(rows.at(1).value(8), QStringLiteral("delta, hi")); // newest first
        QCOMPARE(rows.at(2).value(8), QStringLiteral("he said \"hi\", then\nleft *fast*"));
        QCOMPARE(rows.at(2).value(3), QStringLiteral("2023-04-04T04:04:01.000+00:00"));
        QCOMPARE(rows.at(2).value(5), QStringLiteral("letters"));
        QCOMPARE(rows.at(2).value(11), QStringLiteral("https://discord.com/channels/4243/77/1500000000000000001"));
    }

    void jsonIsOneDocument()
    {
        const QJsonObject flat = QJsonDocument::fromJson(exported(QStringLiteral("\"hi\""), ResultExport::Format::Json, 0)).object();
        QCOMPARE(flat.value(QStringLiteral("query")).toString(), QStringLiteral("\"hi\""));
        QCOMPARE(flat.value(QStringLiteral("messages")).toArray().size(), 2);
        QCOMPARE(flat.value(QStringLiteral("match_count")).toInt(), 2);

        const QJsonObject none = QJsonDocument::fromJson(exported(QStringLiteral("\"nowhere\""), ResultExport::Format::Json, 3)).object();
        QCOMPARE(none.value(QStringLiteral("conversations")).toArray().size(), 0);
        QCOMPARE(none.value(QStringLiteral("match_count")).toInt(), 0);

        // With one message around each: 0..4 is one conversation (1 and 3 match).
        const QJsonObject around = QJsonDocument::fromJson(exported(QStringLiteral("\"hi\""), ResultExport::Format::Json, 1)).object();
        const QJsonArray conversations = around.value(QStringLiteral("conversations")).toArray();
        QCOMPARE(conversations.size(), 1);
        const QJsonObject c = conversations.at(0).toObject();
        QCOMPARE(c.value(QStringLiteral("channel")).toString(), QStringLiteral("letters"));
        QCOMPARE(c.value(QStringLiteral("channel_id")).toString(), QStringLiteral("77"));
        QStringList flags;
        for (const QJsonValue &m : c.value(QStringLiteral("messages")).toArray())
            flags << (m.toObject().value(QStringLiteral("match")).toBool() ? QStringLiteral("M") : QStringLiteral("c"));
        QCOMPARE(flags.join(QString()), QStringLiteral("cMcMc"));
        QCOMPARE(around.value(QStringLiteral("conversation_count")).toInt(), 1);
    }

    void markdownReadsAsAConversation()
    {
        const QString md = QString::fromUtf8(exported(QStringLiteral("gamma"), ResultExport::Format::Markdown, 1));
        QVERIFY2(md.startsWith(QStringLiteral("# Search results\n")), qPrintable(md));
        QVERIFY2(md.contains(QStringLiteral("## #letters · conversation 1")), qPrintable(md));
        // The match is flagged; its neighbours quoted line by line, their markdown kept.
        QVERIFY2(md.contains(QStringLiteral("> he said \"hi\", then\n> left *fast*\n")), qPrintable(md));
        QCOMPARE(md.count(QStringLiteral("· **match**")), 1);
        QVERIFY2(md.contains(QStringLiteral("*1 match(es) in 1 conversation(s).*")), qPrintable(md));
    }

    void formatsByName()
    {
        QCOMPARE(ResultExport::formatNamed(QStringLiteral("CSV")), ResultExport::Format::Csv);
        QCOMPARE(ResultExport::formatNamed(QStringLiteral("md")), ResultExport::Format::Markdown);
        QCOMPARE(ResultExport::formatNamed(QStringLiteral("xml")), std::nullopt);
        QCOMPARE(ResultExport::formatOfFile(QStringLiteral("/tmp/found.ndjson")), ResultExport::Format::Ndjson);
        QCOMPARE(ResultExport::formatOfFile(QStringLiteral("/tmp/found")), std::nullopt);
    }

    // Refused before anything is written; a sink that fails stops it.
    void badAsksWriteNothing()
    {
        SearchRequest r;
        r.kind = SearchRequest::Kind::Query;
        r.text = QStringLiteral("from:");
        bool wrote = false;
        const auto sink = [&wrote](const QByteArray &) { return wrote = true; };
        const Expected<ResultExport::Summary> badQuery = ResultExport(*m_service, r, ResultExport::Format::Csv, 0).run(sink);
        QVERIFY(!badQuery);
        QCOMPARE(badQuery.error().kind, Error::Kind::BadInput);
        r.text = QStringLiteral("hi");
        const Expected<ResultExport::Summary> badContext = ResultExport(*m_service, r, ResultExport::Format::Csv, 21).run(sink);
        QVERIFY(!badContext);
        QVERIFY2(badContext.error().message.contains(QStringLiteral("0 to 20")), qPrintable(badContext.error().message));
        QVERIFY(!wrote);

        const Expected<ResultExport::Summary> full =
            ResultExport(*m_service, r, ResultExport::Format::Csv, 0).run([](const QByteArray &) { return false; });
        QVERIFY(!full);
        QCOMPARE(full.error().kind, Error::Kind::Cancelled);
    }

    // The file appears only when complete: refused, cancelled or failed,
    // nothing is left under its name, nor a temporary file beside it.
    void aFileAppearsOnlyComplete()
    {
        QTemporaryDir folder;
        const QString path = folder.filePath(QStringLiteral("found.csv"));
        SearchRequest r;
        r.kind = SearchRequest::Kind::Query;
        r.text = QStringLiteral("\"hi\"");
        const Expected<ResultExport::Summary> done = ResultExport(*m_service, r, ResultExport::Format::Csv, 0).runToFile(path);
        QVERIFY2(done, done ? "" : qPrintable(done.error().message));
        QCOMPARE(done->matches, 2);
        QFile written(path);
        QVERIFY(written.open(QIODevice::ReadOnly));
        QCOMPARE(written.readAll(), exported(QStringLiteral("\"hi\""), ResultExport::Format::Csv, 0));
        QVERIFY(QFile::remove(path));

        const Expected<ResultExport::Summary> cancelled = ResultExport(*m_service, r, ResultExport::Format::Csv, 1)
                                                              .runToFile(path, [](qint64, qint64) { return false; });
        QVERIFY(!cancelled);
        QCOMPARE(cancelled.error().kind, Error::Kind::Cancelled);
        r.text = QStringLiteral("from:");
        const Expected<ResultExport::Summary> refused = ResultExport(*m_service, r, ResultExport::Format::Csv, 0).runToFile(path);
        QVERIFY(!refused);
        QCOMPARE(refused.error().kind, Error::Kind::BadInput);
        QCOMPARE(QDir(folder.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList());

        r.text = QStringLiteral("hi");
        const Expected<ResultExport::Summary> nowhere =
            ResultExport(*m_service, r, ResultExport::Format::Csv, 0).runToFile(folder.filePath(QStringLiteral("no/such/found.csv")));
        QVERIFY(!nowhere);
        QVERIFY2(nowhere.error().message.contains(QStringLiteral("cannot be written")), qPrintable(nowhere.error().message));

        // A device that refuses the bytes (a full disk) stops it, saying so.
        QFile full(QStringLiteral("/dev/full"));
        QVERIFY(full.open(QIODevice::WriteOnly | QIODevice::Unbuffered));
        const Expected<ResultExport::Summary> noRoom =
            ResultExport(*m_service, r, ResultExport::Format::Csv, 0).runInto(full, QStringLiteral("Standard output"));
        QVERIFY(!noRoom);
        QVERIFY2(noRoom.error().message.startsWith(QStringLiteral("Standard output could not be written: ")), qPrintable(noRoom.error().message));
    }
};

QTEST_GUILESS_MAIN(TestResultExport)
#include "tst_resultexport.moc"
