#include "dce/dcereader.h"
#include "dce/importer.h"
#include "search/portableregex.h"
#include "search/resultexport.h"
#include "search/searchservice.h"
#include "store/postgresstore.h"
#include "store/sqlitestore.h"
#include "store/sqlcommon.h"
#include "store/elasticstore.h"
#include "elasticprocess.h"
#include "exportwriter.h"
#include "testdatabase.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <thread>

using namespace fdd;
using fdd::test::fixture;
using Kind = SearchRequest::Kind;

using fdd::test::readExport;
using fdd::test::writeExport;

namespace {

// A generated export: `count` messages in one channel, two of them sharing a
// timestamp so that ordering must fall back to the id.
QList<Snowflake> ids(const QList<Message> &messages)
{
    QList<Snowflake> out;
    for (const Message &m : messages)
        out.append(m.id);
    return out;
}


// A message as an archive of before schema 3 kept it: the original columns only.
Message columnsOnly(const Message &m)
{
    Message old;
    old.id = m.id;
    old.channelId = m.channelId;
    old.guildId = m.guildId;
    old.authorId = m.authorId;
    old.authorName = m.authorName;
    old.timestampMs = m.timestampMs;
    old.editedMs = m.editedMs;
    old.content = m.content;
    old.replyToId = m.replyToId;
    old.attachmentCount = m.attachmentCount;
    old.embedCount = m.embedCount;
    old.reactionCount = m.reactionCount;
    return old;
}

constexpr Snowflake wholeChannel = 2222222222222222226ull; // dce/v2.47-media.json

} // namespace

// One suite, every store: the same data, the same queries, the same message
// ids in the same order with the same totals. FDD_STORE picks the store
// (postgres, sqlite); CTest runs the suite once for each.
//
// Known differences between the engines, which the fixtures avoid rather than
// the checks loosening:
// - stemming: PostgreSQL's english configuration is Snowball (Porter 2),
//   SQLite FTS5's porter tokenizer is the original Porter; they agree on the
//   fixture's words (runs/running -> run, lasted -> last) but not on all
//   English (e.g. "generously").
// - case folding in substring search: every store folds the letters of every
//   script (substringFoldsEveryScript), but by its own tables: PostgreSQL's
//   lower(), SQLite's trigram tokenizer (Unicode simple case folding) and
//   per-letter cases for short terms, Elasticsearch's per-letter cases. They
//   part on letters such as final sigma, ß or İ, which the cases avoid.
class TestStoreConformance : public QObject
{
    Q_OBJECT

    std::unique_ptr<test::TestDatabase> m_db;
    std::unique_ptr<test::ElasticProcess> m_elastic;
    std::shared_ptr<MessageStore> m_store;
    QTemporaryDir m_tmp;

    std::shared_ptr<MediaLibrary> m_media;

    FileImport import(const QString &path, int batchSize = 5000)
    {
        Importer importer(*m_store);
        importer.setMediaLibrary(m_media);
        importer.setBatchSize(batchSize);
        return importer.importFile(path);
    }

    // Every message in the store, by the store's own search.
    qint64 messageCount()
    {
        return search(Kind::Date, QString(), QDate(1970, 1, 1), QDate(2999, 12, 31)).totalCount;
    }

    static SearchRequest request(Kind kind, const QString &text, QDate start, QDate end, Snowflake channel)
    {
        SearchRequest r;
        r.kind = kind;
        r.text = text;
        r.startDate = start;
        r.endDate = end;
        r.channelId = channel;
        return r;
    }

    SearchPage search(Kind kind, const QString &text, QDate start = {}, QDate end = {}, int page = 1, int size = 10,
                      Snowflake channel = 0)
    {
        SearchService service(m_store);
        SearchRequest r = request(kind, text, start, end, channel);
        r.page = page;
        r.pageSize = size;
        Expected<SearchPage> p = service.search(r);
        if (!p)
            qWarning() << p.error().message;
        return p ? *p : SearchPage{};
    }

private slots:
    void initTestCase()
    {
        const QString kind = qEnvironmentVariable("FDD_STORE", QStringLiteral("postgres"));
        if (kind == QLatin1String("postgres")) {
            m_db = std::make_unique<test::TestDatabase>(QStringLiteral("conformance"));
            QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
            m_store = std::make_shared<PostgresStore>(m_db->url());
        } else if (kind == QLatin1String("sqlite")) {
            m_store = std::make_shared<SqliteStore>(m_tmp.filePath(QStringLiteral("data/archive.db")));
        } else if (kind == QLatin1String("es")) {
            m_elastic = std::make_unique<test::ElasticProcess>(QStringLiteral("conformance"));
            QVERIFY2(m_elastic->start(), "the Elasticsearch stand-in did not start");
            Expected<ElasticConfig> config = ElasticConfig::parse(m_elastic->url());
            QVERIFY2(config, config ? "" : qPrintable(config.error().message));
            m_store = std::make_shared<ElasticStore>(*config);
        } else {
            QFAIL(qPrintable(QStringLiteral("FDD_STORE=%1 is not a store").arg(kind)));
        }
        QCOMPARE(m_store->name(), kind);
        m_media = std::make_shared<MediaLibrary>(m_tmp.filePath(QStringLiteral("media")));
        Expected<void> migrated = m_store->migrate();
        QVERIFY2(migrated, migrated ? "" : qPrintable(migrated.error().message));
        QVERIFY2(m_store->migrate(), "a second migrate() must be a no-op");
    }

    void importIsIdempotent()
    {
        const FileImport first = import(fixture(QStringLiteral("dce/modern.json")));
        QVERIFY2(!first.error, first.error ? qPrintable(first.error->message) : "");
        QCOMPARE(first.inserted, 3);
        QCOMPARE(first.skipped, 0);
        const FileImport again = import(fixture(QStringLiteral("dce/modern.json")));
        QVERIFY(!again.error);
        QCOMPARE(again.inserted, 0);
        QCOMPARE(again.skipped, 3);
        QCOMPARE(messageCount(), 3);
    }

    void importTheOtherFixtures()
    {
        for (const char *name : {"legacy.json", "thread.json", "direct-messages.json", "empty-channel.json"}) {
            const FileImport r = import(fixture(QStringLiteral("dce/") + QLatin1String(name)));
            QVERIFY2(!r.error, r.error ? qPrintable(r.error->message) : name);
        }
        QCOMPARE(messageCount(), 3 + 2 + 2 + 1);
    }

    // A thread's export names its channel as "categoryId"; the archive keeps it.
    void threadsKeepTheirChannel()
    {
        Expected<QList<Channel>> channels = m_store->channels();
        QVERIFY(channels);
        Snowflake threadParent = 1, generalParent = 1;
        for (const Channel &c : std::as_const(*channels)) {
            if (c.id == 2222222222222222224ull)
                threadParent = c.parentId;
            if (c.id == 2222222222222222222ull)
                generalParent = c.parentId;
        }
        QCOMPARE(threadParent, 2222222222222222222ull);
        QCOMPARE(generalParent, 0ull); // a channel's category is not its parent
    }

    void storedFieldsRoundTrip()
    {
        const SearchPage p = search(Kind::Substring, QStringLiteral("NUL"));
        QCOMPARE(p.messages.size(), 1);
        const Message &m = p.messages.first();
        QCOMPARE(m.id, 1232800000000000000ull);
        QCOMPARE(m.guildId, 0ull);
        QCOMPARE(m.content, QStringLiteral("Tab\there, back\\slash, \"quotes\", emoji \U0001F600 \u00e9t\u00e9, a NULbyte, and a\r\nnewline"));
        QCOMPARE(m.authorName, QStringLiteral("bob"));
        QCOMPARE(m.timestampMs, QDateTime(QDate(2024, 4, 26), QTime(21, 0), Qt::UTC).toMSecsSinceEpoch());

        const SearchPage r = search(Kind::Substring, QStringLiteral("it_was"));
        QCOMPARE(r.messages.size(), 1);
        QCOMPARE(r.messages.first().replyToId, 1232782017872138340ull);
        QCOMPARE(r.messages.first().editedMs, QDateTime(QDate(2024, 4, 26), QTime(18, 10), Qt::UTC).toMSecsSinceEpoch());
        QCOMPARE(r.messages.first().embedCount, 1);
    }

    void searchKinds_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QDate>("start");
        QTest::addColumn<QDate>("end");
        QTest::addColumn<QList<Snowflake>>("expected");

        const Snowflake first = 1232782017872138340ull, reply = 1232782100000000000ull, bot = 1232790000000000000ull,
                        dm = 1232800000000000000ull, old1 = 665000000000000000ull, old2 = 665000000000000001ull,
                        call = 1240000000000000001ull;
        const int sub = int(Kind::Substring), ft = int(Kind::FullText), date = int(Kind::Date), all = int(Kind::All);
        QTest::newRow("substring ignores case") << sub << "RUNNING" << QDate() << QDate() << QList<Snowflake>{first};
        QTest::newRow("substring inside a word") << sub << "unner" << QDate() << QDate() << QList<Snowflake>{first};
        QTest::newRow("substring % is literal") << sub << "%" << QDate() << QDate() << QList<Snowflake>{reply};
        QTest::newRow("substring _ is literal") << sub << "t_w" << QDate() << QDate() << QList<Snowflake>{reply};
        QTest::newRow("substring backslash is literal") << sub << "k\\s" << QDate() << QDate() << QList<Snowflake>{dm};
        QTest::newRow("substring quote is data") << sub << "' OR '1'='1" << QDate() << QDate() << QList<Snowflake>{};
        QTest::newRow("substring emoji") << sub << QStringLiteral("\U0001F600") << QDate() << QDate() << QList<Snowflake>{dm};
        QTest::newRow("substring newest first") << sub << "the" << QDate() << QDate() << QList<Snowflake>{first, old2, old1};
        QTest::newRow("full text stems") << ft << "runs" << QDate() << QDate() << QList<Snowflake>{first};
        QTest::newRow("full text all words") << ft << "running park" << QDate() << QDate() << QList<Snowflake>{first};
        QTest::newRow("full text not a substring") << ft << "unner" << QDate() << QDate() << QList<Snowflake>{};
        QTest::newRow("full text stop words only") << ft << "the" << QDate() << QDate() << QList<Snowflake>{};
        QTest::newRow("full text call") << ft << "lasted minutes" << QDate() << QDate() << QList<Snowflake>{call};
        QTest::newRow("all: full text and contains") << all << "running" << QDate() << QDate() << QList<Snowflake>{first};
        QTest::newRow("all: stem without the substring") << all << "runs" << QDate() << QDate() << QList<Snowflake>{};
        QTest::newRow("date one day, newest first")
            << date << "" << QDate(2024, 4, 26) << QDate(2024, 4, 26) << QList<Snowflake>{dm, reply, first};
        QTest::newRow("date inclusive end")
            << date << "" << QDate(2024, 4, 27) << QDate(2024, 5, 1) << QList<Snowflake>{bot};
        QTest::newRow("date in UTC") << date << "" << QDate(2020, 1, 6) << QDate(2020, 1, 6) << QList<Snowflake>{old2};
        QTest::newRow("date empty range") << date << "" << QDate(2021, 1, 1) << QDate(2021, 12, 31) << QList<Snowflake>{};
        QTest::newRow("substring within dates") << sub << "the" << QDate(2020, 1, 1) << QDate(2020, 1, 5)
                                                << QList<Snowflake>{old1};
    }

    void searchKinds()
    {
        QFETCH(int, kind);
        QFETCH(QString, text);
        QFETCH(QDate, start);
        QFETCH(QDate, end);
        QFETCH(QList<Snowflake>, expected);
        const SearchPage p = search(Kind(kind), text, start, end, 1, 100);
        QCOMPARE(ids(p.messages), expected);
        QCOMPARE(p.totalCount, expected.size());

        // The timeline of the same request: each match counted on its day.
        if (Kind(kind) == Kind::All)
            return;
        SearchRequest r;
        r.kind = Kind(kind);
        r.text = text;
        r.startDate = start;
        r.endDate = end;
        Expected<QList<DayCount>> days = SearchService(m_store).countByDay(r);
        QVERIFY2(days, days ? "" : qPrintable(days.error().message));
        QMap<QDate, qint64> expectedDays;
        for (const Message &m : p.messages)
            ++expectedDays[m.date()];
        QMap<QDate, qint64> actualDays;
        for (const DayCount &d : *days)
            actualDays.insert(d.day, d.count);
        QCOMPARE(actualDays, expectedDays);
        QVERIFY(std::is_sorted(days->begin(), days->end(), [](const DayCount &a, const DayCount &b) { return a.day < b.day; }));
    }

    void fullTextByRelevance()
    {
        // The oldest message says "apple" most, in the fewest words.
        const QByteArray json = R"({"guild": {"id": "1111111111111111111", "name": "Test Guild"},
            "channel": {"id": "2222222222222222277", "name": "fruit"},
            "messages": [
              {"id": "1350000000000000001", "timestamp": "2024-06-01T10:00:00+00:00", "content": "apple apple apple pie",
               "author": {"id": "42", "name": "a"}},
              {"id": "1350000000000000002", "timestamp": "2024-06-02T10:00:00+00:00",
               "content": "we talked about the weather, the trains, the football scores, an apple, and the long weekend ahead",
               "author": {"id": "42", "name": "a"}},
              {"id": "1350000000000000003", "timestamp": "2024-06-03T10:00:00+00:00", "content": "apples and more apples",
               "author": {"id": "42", "name": "a"}}]})";
        QFile f(m_tmp.filePath(QStringLiteral("fruit.json")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(json);
        f.close();
        QVERIFY(!import(f.fileName(), 100).error);
        SearchRequest r;
        r.kind = Kind::FullText;
        r.text = QStringLiteral("apple");
        r.channelId = 2222222222222222277ull;
        Expected<SearchPage> newest = SearchService(m_store).search(r);
        QVERIFY(newest);
        QCOMPARE(ids(newest->messages), (QList<Snowflake>{1350000000000000003ull, 1350000000000000002ull, 1350000000000000001ull}));
        r.sort = SearchRequest::Sort::Relevance;
        Expected<SearchPage> ranked = SearchService(m_store).search(r);
        QVERIFY(ranked);
        QCOMPARE(ranked->totalCount, 3);
        QCOMPARE(ranked->messages.last().id, 1350000000000000002ull); // one mention among many words
        QVERIFY(ranked->messages.first().id != 1350000000000000002ull);
        // Relevance means nothing to a substring search: newest first.
        r.kind = Kind::Substring;
        Expected<SearchPage> substring = SearchService(m_store).search(r);
        QVERIFY(substring);
        QCOMPARE(substring->messages.first().id, 1350000000000000003ull);
    }

    void pagingIsStableAndExact()
    {
        const QString path = writeExport(m_tmp.path(), QStringLiteral("numbers"), 2222222222222222299ull, 25,
                                         QDateTime(QDate(2023, 6, 1), QTime(12, 0), Qt::UTC).toMSecsSinceEpoch());
        const FileImport r = import(path, 7); // several COPY batches in one transaction
        QVERIFY(!r.error);
        QCOMPARE(r.inserted, 25);

        QList<Snowflake> paged;
        for (int page = 1; page <= 3; ++page) {
            const SearchPage p = search(Kind::Substring, QStringLiteral("numbered"), {}, {}, page, 10);
            QCOMPARE(p.totalCount, 25);
            QCOMPARE(p.totalPages(), 3);
            QCOMPARE(p.page, page);
            QCOMPARE(p.messages.size(), page < 3 ? 10 : 5);
            paged += ids(p.messages);
        }
        QList<Snowflake> expected;
        for (int i = 24; i >= 0; --i) // same minute for pairs: the larger id comes first
            expected.append(1300000000000000000ull + Snowflake(i));
        QCOMPARE(paged, expected);

        const SearchPage past = search(Kind::Substring, QStringLiteral("numbered"), {}, {}, 4, 10);
        QCOMPARE(past.messages.size(), 0);
        QCOMPARE(past.totalCount, 25);

        const SearchPage inChannel = search(Kind::Substring, QStringLiteral("e"), {}, {}, 1, 100, 2222222222222222299ull);
        QCOMPARE(inChannel.totalCount, 25);
    }

    void context()
    {
        const Expected<MessageContext> c = m_store->context(1300000000000000010ull, 3, 2);
        QVERIFY2(c, c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->message.id, 1300000000000000010ull);
        QCOMPARE(ids(c->before), (QList<Snowflake>{1300000000000000007ull, 1300000000000000008ull, 1300000000000000009ull}));
        QCOMPARE(ids(c->after), (QList<Snowflake>{1300000000000000011ull, 1300000000000000012ull}));

        const Expected<MessageContext> edge = m_store->context(1300000000000000000ull, 5, 0);
        QVERIFY(edge);
        QVERIFY(edge->before.isEmpty());
        QVERIFY(edge->after.isEmpty());

        const Expected<MessageContext> missing = m_store->context(42, 1, 1);
        QVERIFY(!missing);
        QCOMPARE(missing.error().kind, Error::Kind::NotFound);
    }

    void failedFileStoresNothing()
    {
        // The third message is malformed; the first two were already sent by
        // COPY in their own batches, and must not remain.
        QFile bad(m_tmp.filePath(QStringLiteral("half.json")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(R"({"guild":{"id":"1","name":"g"},"channel":{"id":"77","name":"half"},"messages":[)"
                  R"({"id":"501","timestamp":"2024-03-01T00:00:00+00:00","author":{"id":"4","name":"a"},"content":"one"},)"
                  R"({"id":"502","timestamp":"2024-03-01T00:01:00+00:00","author":{"id":"4","name":"a"},"content":"two"},)"
                  R"({"id":"503","timestamp":"yesterday","author":{"id":"4","name":"a"},"content":"three"}]})");
        bad.close();
        const qint64 before = messageCount();
        const FileImport r = import(bad.fileName(), 1);
        QVERIFY(r.error);
        QVERIFY2(r.error->message.contains(QStringLiteral("timestamp \"yesterday\"")), qPrintable(r.error->message));
        QCOMPARE(r.inserted, 0);
        QCOMPARE(messageCount(), before);
        const Expected<QList<Channel>> channels = m_store->channels();
        QVERIFY(channels);
        for (const Channel &c : *channels)
            QVERIFY(c.id != 77);
        // The connection is still usable afterwards.
        QVERIFY(!import(fixture(QStringLiteral("dce/modern.json"))).error);
    }

    void channelsRememberTheNewestMessage()
    {
        const Expected<QList<Channel>> channels = m_store->channels();
        QVERIFY(channels);
        QHash<Snowflake, Channel> byId;
        for (const Channel &c : *channels)
            byId.insert(c.id, c);
        QCOMPARE(byId.value(2222222222222222222ull).lastMessageId, 1232790000000000000ull);
        QCOMPARE(byId.value(2222222222222222222ull).messageCount, 3); // not 6: the re-import added none
        QCOMPARE(byId.value(2222222222222222222ull).category, QStringLiteral("Text Channels"));
        QVERIFY(byId.contains(2222222222222222226ull)); // the empty channel is known
        QCOMPARE(byId.value(2222222222222222226ull).messageCount, 0);

        const Expected<QList<Guild>> guilds = m_store->guilds();
        QVERIFY(guilds);
        QCOMPARE(guilds->size(), 2); // the test guild and "Direct Messages"

        const Expected<StoreStats> stats = m_store->stats();
        QVERIFY(stats);
        QCOMPARE(stats->messages, messageCount());
        QCOMPARE(stats->oldestMs, QDateTime(QDate(2020, 1, 5), QTime(20, 30, 0, 710), Qt::UTC).toMSecsSinceEpoch());
    }

    void watchListRoundTrips()
    {
        QVERIFY(m_store->watches() && m_store->watches()->isEmpty());
        Watch channel;
        channel.id = 2222222222222222222ull; // above 2^63: must not go through a signed or a double
        channel.name = QStringLiteral("#général \"quoted\"");
        channel.intervalSeconds = 900;
        channel.includeThreads = true;
        channel.nextRunMs = 1733000000123;
        Watch guild;
        guild.id = 1111111111111111111ull;
        guild.isGuild = true;
        guild.paused = true;
        guild.intervalSeconds = 86400;
        QVERIFY(m_store->saveWatch(channel));
        QVERIFY(m_store->saveWatch(guild));
        Expected<QList<Watch>> listed = m_store->watches();
        QVERIFY2(listed, listed ? "" : qPrintable(listed.error().message));
        QCOMPARE(*listed, (QList<Watch>{guild, channel})); // in id order, every field as saved

        // A run's record changes the run state only.
        Watch ran = channel;
        ran.nextRunMs = 1733000900123;
        ran.lastRunMs = 1733000000999;
        ran.lastSuccessMs = 1733000000999;
        ran.lastAdded = 42;
        ran.lastError = QStringLiteral("1 of 2 channels failed: forbidden");
        ran.failures = 0;
        ran.paused = true;          // not a run's to change
        ran.intervalSeconds = 60;   // nor this
        QVERIFY(m_store->recordWatchRun(ran));
        Watch expected = ran;
        expected.paused = false;
        expected.intervalSeconds = 900;
        listed = m_store->watches();
        QVERIFY(listed);
        QCOMPARE(listed->value(1), expected);

        // Saving the settings again keeps the run state.
        Watch edited = channel;
        edited.intervalSeconds = 7200;
        QVERIFY(m_store->saveWatch(edited));
        listed = m_store->watches();
        expected.intervalSeconds = 7200;
        expected.nextRunMs = channel.nextRunMs;
        QCOMPARE(listed->value(1), expected);

        // A run recorded for a watch removed meanwhile does not bring it back.
        Expected<bool> removed = m_store->removeWatch(guild.id);
        QVERIFY(removed && *removed);
        removed = m_store->removeWatch(guild.id);
        QVERIFY(removed && !*removed);
        QVERIFY(m_store->recordWatchRun(guild));
        listed = m_store->watches();
        QCOMPARE(listed->size(), 1);
        QCOMPARE(listed->first().id, channel.id);
        QVERIFY(*m_store->removeWatch(channel.id));
        QVERIFY(m_store->watches()->isEmpty());
    }

    void channelLockIsExclusive()
    {
        Expected<std::unique_ptr<ChannelLock>> first = m_store->lockChannel(2222222222222222222ull);
        QVERIFY2(first, first ? "" : qPrintable(first.error().message));
        QVERIFY(*first);
        // Another holder (another thread: its own connection) is refused while it is held...
        Expected<std::unique_ptr<ChannelLock>> second = Error::internal({});
        std::thread([&] { second = m_store->lockChannel(2222222222222222222ull); }).join();
        QVERIFY(second);
        QVERIFY(!*second);
        // ... another channel is not,
        Expected<std::unique_ptr<ChannelLock>> other = m_store->lockChannel(2222222222222222223ull);
        QVERIFY(other && *other);
        // and once released it can be taken again at once, every time (a release that only began, such as
        // a closing connection, loses this race now and then).
        first->reset();
        for (int round = 0; round < 20; ++round) {
            std::thread([&] { second = m_store->lockChannel(2222222222222222222ull); }).join();
            QVERIFY2(second && *second, qPrintable(QStringLiteral("round %1").arg(round)));
            second->reset();
            first = m_store->lockChannel(2222222222222222222ull);
            QVERIFY2(first && *first, qPrintable(QStringLiteral("round %1, this thread").arg(round)));
            first->reset();
        }
    }

    // Every field of the whole message (attachments, embeds, reactions and
    // their users, mentions, stickers, reference, interaction, forward, the
    // author's details) comes back as the reader gave it, by every way of
    // reading messages; rows an older version kept without them are completed
    // by importing the file again, never duplicated. (Late in the suite: its
    // messages are not in the totals above.)
    void wholeMessagesRoundTrip()
    {
        const QString path = fixture(QStringLiteral("dce/v2.47-media.json"));
        QList<Message> expected = readExport(path);
        QCOMPARE(expected.size(), 7);
        // The files its --media folder holds are copied into the archive's,
        // once each, and the messages refer to them there.
        MediaLibrary media(m_tmp.filePath(QStringLiteral("media")));
        for (Message &m : expected)
            QVERIFY(media.adopt(m, QFileInfo(path).absolutePath()));
        const Message &withImage = expected.at(1);
        QVERIFY(MediaLibrary::isReference(withImage.attachments.at(0).url));
        QCOMPARE(withImage.embeds.at(0).thumbnailUrl, withImage.attachments.at(0).url); // the same file, kept once
        QVERIFY(MediaLibrary::isReference(withImage.authorAvatarUrl));
        QVERIFY(MediaLibrary::isReference(withImage.reactions.at(0).emoji.imageUrl));
        QVERIFY(withImage.attachments.at(1).url.startsWith(QLatin1String("https://"))); // not downloaded: stays
        QFile copied(media.pathOf(withImage.attachments.at(0).url));
        QFile original(fixture(QStringLiteral("dce/media/cat-5F3A9.png")));
        QVERIFY(copied.open(QIODevice::ReadOnly) && original.open(QIODevice::ReadOnly));
        QCOMPARE(copied.readAll(), original.readAll());

        // Three of them as a version of before kept them.
        Expected<std::unique_ptr<IngestSession>> session = m_store->beginIngest();
        QVERIFY(session);
        QVERIFY((*session)->addMessages({columnsOnly(expected.at(0)), columnsOnly(expected.at(1)), columnsOnly(expected.at(2))}));
        QVERIFY((*session)->commit());
        const Expected<MessageContext> before = m_store->context(expected.at(1).id, 0, 0);
        QVERIFY(before);
        QVERIFY(!before->message.hasDetail);
        QVERIFY(before->message.attachments.isEmpty());
        QCOMPARE(before->message.attachmentCount, 3);

        const FileImport r = import(path);
        QVERIFY2(!r.error, r.error ? qPrintable(r.error->message) : "");
        QCOMPARE(r.inserted, 4);
        QCOMPARE(r.skipped, 3);
        QVERIFY(r.mediaFiles >= 3);
        QCOMPARE(QDir(m_tmp.filePath(QStringLiteral("media"))).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size(), 3);

        const SearchPage page = search(Kind::Date, QString(), QDate(1970, 1, 1), QDate(2999, 12, 31), 1, 50, wholeChannel);
        QCOMPARE(page.totalCount, 7); // no duplicate
        QList<Message> stored = page.messages;
        std::reverse(stored.begin(), stored.end()); // oldest first, as in the file
        QCOMPARE(ids(stored), ids(expected));
        for (qsizetype i = 0; i < expected.size(); ++i)
            QCOMPARE(stored.at(i), expected.at(i));

        // One at a time and with neighbours, and by a full scan.
        const Expected<MessageContext> c = m_store->context(expected.at(2).id, 2, 2);
        QVERIFY(c);
        QCOMPARE(c->message, expected.at(2));
        QCOMPARE(c->before, (QList<Message>{expected.at(0), expected.at(1)}));
        QCOMPARE(c->after, (QList<Message>{expected.at(3), expected.at(4)}));
        SearchRequest all;
        all.kind = Kind::Date;
        all.startDate = QDate(2024, 11, 1);
        all.endDate = QDate(2024, 11, 30);
        all.channelId = wholeChannel;
        QList<Message> scanned;
        QVERIFY(m_store->scan(all, [&](const Message &m) {
            scanned.prepend(m);
            return true;
        }));
        QCOMPARE(scanned, expected);

        // Importing it once more changes nothing.
        const FileImport again = import(path);
        QCOMPARE(again.inserted, 0);
        QCOMPARE(again.skipped, 7);
        const Expected<MessageContext> after = m_store->context(expected.at(1).id, 0, 0);
        QVERIFY(after);
        QCOMPARE(after->message, expected.at(1));
    }

    // Dates and the timeline's days in the user's zone: a message of the
    // evening of the 22nd in New York is found by a search for the 22nd
    // there, though it is the 23rd in UTC; summer time's change is kept.
    void datesInTheUsersZone()
    {
        constexpr Snowflake channel = 2222222222222222227ull;
        const auto at = [](const char *iso) { return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate).toMSecsSinceEpoch(); };
        QList<Message> messages;
        const QList<std::pair<Snowflake, qint64>> when{{1320500000000000001ull, at("2024-03-30T23:30:00Z")},  // Berlin: the 31st, 00:30 CET
                                                      {1320500000000000002ull, at("2024-04-22T22:30:00Z")},  // Berlin: the 23rd, 00:30 CEST
                                                      {1320500000000000003ull, at("2024-04-22T21:30:00Z")},  // Berlin: the 22nd, 23:30
                                                      {1320500000000000004ull, at("2024-04-23T03:00:00Z")}}; // New York: the 22nd, 23:00 EDT
        for (const auto &[id, ms] : when) {
            Message m;
            m.id = id;
            m.channelId = channel;
            m.guildId = 1111111111111111111ull;
            m.authorId = 4444444444444444444ull;
            m.authorName = QStringLiteral("alice");
            m.timestampMs = ms;
            m.content = QStringLiteral("zoned");
            messages.append(m);
        }
        Expected<std::unique_ptr<IngestSession>> session = m_store->beginIngest();
        QVERIFY(session);
        Channel zones;
        zones.id = channel;
        zones.guildId = 1111111111111111111ull;
        zones.name = QStringLiteral("zones");
        QVERIFY((*session)->addChannel(Guild{1111111111111111111ull, QStringLiteral("Test Guild")}, zones));
        QVERIFY((*session)->addMessages(messages));
        QVERIFY((*session)->commit());

        SearchService service(m_store);
        const auto day = [&](const char *zone, QDate d) {
            SearchRequest r;
            r.kind = Kind::Date;
            r.startDate = r.endDate = d;
            r.channelId = channel;
            r.zone = zone;
            r.pageSize = 50;
            Expected<SearchPage> p = service.search(r);
            return p ? ids(p->messages) : QList<Snowflake>{0};
        };
        const QDate the22nd(2024, 4, 22);
        QCOMPARE(day("", the22nd), (QList<Snowflake>{1320500000000000002ull, 1320500000000000003ull}));
        QCOMPARE(day("UTC", the22nd), (QList<Snowflake>{1320500000000000002ull, 1320500000000000003ull}));
        QCOMPARE(day("Europe/Berlin", the22nd), (QList<Snowflake>{1320500000000000003ull}));
        QCOMPARE(day("America/New_York", the22nd),
                 (QList<Snowflake>{1320500000000000004ull, 1320500000000000002ull, 1320500000000000003ull}));
        QCOMPARE(day("Europe/Berlin", QDate(2024, 3, 31)), (QList<Snowflake>{1320500000000000001ull}));
        QCOMPARE(day("", QDate(2024, 3, 31)), QList<Snowflake>{});

        const auto timeline = [&](const char *zone) {
            SearchRequest r;
            r.kind = Kind::Date;
            r.startDate = QDate(2024, 3, 1);
            r.endDate = QDate(2024, 4, 30);
            r.channelId = channel;
            r.zone = zone;
            Expected<QList<DayCount>> days = service.countByDay(r);
            QStringList out;
            for (const DayCount &d : days ? *days : QList<DayCount>{})
                out << QStringLiteral("%1=%2").arg(d.day.toString(Qt::ISODate)).arg(d.count);
            return out.join(QLatin1Char(' '));
        };
        QCOMPARE(timeline(""), QStringLiteral("2024-03-30=1 2024-04-22=2 2024-04-23=1"));
        QCOMPARE(timeline("Europe/Berlin"), QStringLiteral("2024-03-31=1 2024-04-22=1 2024-04-23=2"));
        QCOMPARE(timeline("America/New_York"), QStringLiteral("2024-03-30=1 2024-04-22=3"));

        SearchRequest bad;
        bad.kind = Kind::Date;
        bad.startDate = bad.endDate = the22nd;
        bad.zone = "Mars/Olympus_Mons";
        const Expected<SearchPage> refused = service.search(bad);
        QVERIFY(!refused);
        QCOMPARE(refused.error().kind, Error::Kind::BadInput);
        QVERIFY2(refused.error().message.contains(QStringLiteral("is not a time zone")), qPrintable(refused.error().message));
    }

    // A page and its total come from one statement that gathers, counts and
    // orders the matches (issue 14); every match in order comes from scan(),
    // a plain query. Walking all pages must give exactly the scan, for every
    // kind, with and without filters, on every store.
    void pagesAreTheScanInPieces_data()
    {
        QTest::addColumn<Kind>("kind");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QDate>("start");
        QTest::addColumn<QDate>("end");
        QTest::addColumn<Snowflake>("channel");
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("sort"); // newest first unless a row says otherwise
        const QDate none;
        const int newest = int(SearchRequest::Sort::Newest), oldest = int(SearchRequest::Sort::Oldest);
        QTest::newRow("substring, one letter") << Kind::Substring << "e" << none << none << Snowflake(0) << 7 << newest;
        QTest::newRow("substring, a word") << Kind::Substring << "numbered" << none << none << Snowflake(0) << 4 << newest;
        QTest::newRow("substring, three letters") << Kind::Substring << "the" << none << none << Snowflake(0) << 2 << newest;
        QTest::newRow("substring, in a channel") << Kind::Substring << "e" << none << none << Snowflake(2222222222222222299ull) << 6 << newest;
        QTest::newRow("substring, dates") << Kind::Substring << "e" << QDate(2023, 1, 1) << QDate(2023, 12, 31) << Snowflake(0) << 5 << newest;
        QTest::newRow("substring, nothing") << Kind::Substring << "zqzqzq" << none << none << Snowflake(0) << 10 << newest;
        QTest::newRow("full text") << Kind::FullText << "message" << none << none << Snowflake(0) << 3 << newest;
        QTest::newRow("full text, dates") << Kind::FullText << "numbered" << QDate(2023, 6, 1) << QDate(2023, 6, 1) << Snowflake(0) << 4 << newest;
        QTest::newRow("dates") << Kind::Date << "" << QDate(2020, 1, 1) << QDate(2030, 1, 1) << Snowflake(0) << 9 << newest;
        QTest::newRow("dates, one page exactly") << Kind::Date << "" << QDate(2020, 1, 1) << QDate(2030, 1, 1) << Snowflake(0) << 100 << newest;
        // The search language: a page before its count is SQLite's plan for
        // the page alone, PostgreSQL's walk.
        QTest::newRow("query, a channel") << Kind::Query << "in:2222222222222222299" << none << none << Snowflake(0) << 4 << newest;
        QTest::newRow("query, dates") << Kind::Query << "after:2023-01-01 before:2023-12-31" << none << none << Snowflake(0) << 5 << newest;
        QTest::newRow("query, text and a negation") << Kind::Query << "\"e\" -from:nobody" << none << none << Snowflake(0) << 7 << newest;
        QTest::newRow("query, a word") << Kind::Query << "numbered" << none << none << Snowflake(0) << 3 << newest;
        QTest::newRow("query, a word, oldest first") << Kind::Query << "numbered" << none << none << Snowflake(0) << 3 << oldest;
        QTest::newRow("query, quoted text") << Kind::Query << "\"the\"" << none << none << Snowflake(0) << 2 << newest;
        QTest::newRow("query, a tag, none") << Kind::Query << "has:sticker" << none << none << Snowflake(0) << 3 << newest;
        // Counted from SQLite's tag index, PostgreSQL's counts of each tag's
        // days, when it is all that is asked (a name is a tag of its own).
        QTest::newRow("query, a tag") << Kind::Query << "has:reaction" << none << none << Snowflake(0) << 1 << newest;
        QTest::newRow("query, an author's name") << Kind::Query << "from:alice" << none << none << Snowflake(0) << 1 << newest;
        QTest::newRow("query and a channel") << Kind::Query << "\"e\" | has:image" << none << none << Snowflake(2222222222222222299ull) << 6 << newest;
    }

    void pagesAreTheScanInPieces()
    {
        QFETCH(Kind, kind);
        QFETCH(QString, text);
        QFETCH(QDate, start);
        QFETCH(QDate, end);
        QFETCH(Snowflake, channel);
        QFETCH(int, size);
        QFETCH(int, sort);
        SearchService service(m_store);
        SearchRequest r = request(kind, text, start, end, channel);
        r.sort = SearchRequest::Sort(sort);
        QList<Snowflake> scanned;
        QMap<QDate, qint64> byDay;
        QVERIFY(service.scan(r, [&](const Message &m) {
            scanned.append(m.id);
            ++byDay[m.date()];
            return true;
        }));
        // The window's timeline counts the same messages, day by day.
        const auto daysText = [](const QList<DayCount> &days) {
            QStringList out;
            for (const DayCount &d : days)
                out << QStringLiteral("%1=%2").arg(d.day.toString(Qt::ISODate)).arg(d.count);
            return out.join(QLatin1Char(' '));
        };
        QList<DayCount> scannedDays;
        for (auto it = byDay.cbegin(); it != byDay.cend(); ++it)
            scannedDays << DayCount{it.key(), it.value()};
        const Expected<QList<DayCount>> timeline = service.countByDay(r);
        QVERIFY2(timeline, timeline ? "" : qPrintable(timeline.error().message));
        QCOMPARE(daysText(*timeline), daysText(scannedDays));
        r.pageSize = size;
        // Counted, in an archive of this one's size and in one as large as
        // the SQL stores' walk needs (a query's page then walked, its total
        // counted apart); as the window asks, the page before the count, in
        // the large archive (a store may then answer −1, but only for a
        // full page) and in this one, which is counted at once.
        // SQLite finds a text's page in its index's matches by one of three
        // paths (walked from either end of the time order, or sorted): each
        // in turn, and as it chooses.
        enum Mode { Counted, CountedLarge, Walked, Small };
        using Path = SqliteStore::TextPagePath;
        const QList<Path> paths = m_store->name() == QLatin1String("sqlite")
                                      ? QList<Path>{Path::Chosen, Path::FromNewest, Path::FromOldest, Path::Sorted}
                                      : QList<Path>{Path::Chosen};
        const qint64 minimum = sql::walkMinimumArchive();
        // Restored however the row ends: a failure here must not change the next rows.
        const auto restore = qScopeGuard([minimum] {
            sql::setWalkMinimumArchive(minimum);
            SqliteStore::setTextPagePath(Path::Chosen);
        });
        int uncounted = 0;
        for (const Path path : paths)
        for (const Mode mode : {Counted, CountedLarge, Walked, Small}) {
            SqliteStore::setTextPagePath(path);
            const bool exact = mode == Counted || mode == CountedLarge;
            r.exactTotal = exact;
            sql::setWalkMinimumArchive(mode == Walked || mode == CountedLarge ? 0 : minimum);
            QList<Snowflake> paged;
            for (r.page = 1;; ++r.page) {
                const Expected<SearchPage> p = service.search(r);
                QVERIFY2(p, p ? "" : qPrintable(p.error().message));
                if (mode == Small)
                    QVERIFY(p->totalKnown());
                if (exact || p->totalKnown()) {
                    QCOMPARE(p->totalCount, scanned.size());
                } else {
                    QCOMPARE(p->messages.size(), size);
                    ++uncounted;
                }
                paged += ids(p->messages);
                if (p->messages.size() < size || paged.size() == scanned.size()) {
                    r.page += 1; // and the page after the last is empty, with the total
                    const Expected<SearchPage> past = service.search(r);
                    QVERIFY(past);
                    QVERIFY(past->messages.isEmpty());
                    QCOMPARE(past->totalCount, scanned.size());
                    break;
                }
                QVERIFY(r.page < 1000);
            }
            QCOMPARE(paged, scanned);
        }
        sql::setWalkMinimumArchive(minimum);
        if ((kind != Kind::Substring || text != QLatin1String("zqzqzq")) && text != QLatin1String("has:sticker"))
            QVERIFY2(!scanned.isEmpty(), "the fixtures have matches for this row");
        // The walk did run where it can: a frequent substring, pages of 7.
        if (m_store->name() != QLatin1String("es") && kind == Kind::Substring && text == QLatin1String("e") && !channel
            && !start.isValid())
            QVERIFY(uncounted > 0);
    }

    // A query's exact total, as the REST API asks it, is the number of
    // messages scan() visits, in every zone. PostgreSQL sums what it can
    // from its counts of each tag, channel and day (a tag, in:, dates on
    // whole UTC days) and counts the rest, with A -B as |A| - |A B| and
    // A | B as |A| + |B| - |A B|; a zone whose days are not UTC's counts
    // its dates.
    void queryTotalsAreTheScan_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QByteArray>("zone");
        QTest::addColumn<bool>("some"); // the fixtures have matches (and non-matches) for it in UTC
        const QStringList queries{
            QStringLiteral("after:2023-06-01"), QStringLiteral("during:2023-06"), QStringLiteral("during:2024-04-22"),
            QStringLiteral("after:2024-01-01 has:reaction"), QStringLiteral("from:alice -has:image"), QStringLiteral("-from:alice"),
            QStringLiteral("-has:image"), QStringLiteral("has:reaction -during:2024-04"), QStringLiteral("from:alice -during:2023-06"),
            QStringLiteral("-has:reaction"), QStringLiteral("from:alice | has:reaction"), QStringLiteral("in:2222222222222222299 during:2023"),
            QStringLiteral("-in:2222222222222222299"), QStringLiteral("-before:2023-06-01"), QStringLiteral("during:2023-06 | from:alice"),
            QStringLiteral("after:2023-01-01 before:2023-12-31 -from:alice"), QStringLiteral("(from:alice | has:image) -has:reaction"),
            QStringLiteral("has:image | has:reaction"), QStringLiteral("during:2024-04-22 | has:image"),
            // With words: -A, A | B and A -B where only A is a sum; dates and words (planned for their values).
            QStringLiteral("-started"), QStringLiteral("has:reaction | started"), QStringLiteral("started | from:alice"),
            QStringLiteral("from:alice | has:image started"), QStringLiteral("from:alice | started | has:image"),
            QStringLiteral("has:reaction -the"), QStringLiteral("after:2024-05-01 started"), QStringLiteral("during:2023 -the"),
            // in: the channel of most of the archive's messages (25 of 44) and more: SQLite tests it on each match.
            QStringLiteral("in:2222222222222222299 numbered"), QStringLiteral("in:2222222222222222299 | started"),
            // A tag beside a word or a text (SQLite probes a large tag for each of their matches).
            QStringLiteral("from:alice started"), QStringLiteral("from:bob \"a call\" -has:image"),
            // Tags that share no message (SQLite counts tags together in message_tags alone).
            QStringLiteral("has:image | from:bob"), QStringLiteral("from:bob -has:image"),
        };
        for (const QByteArray &zone : {QByteArray("UTC"), QByteArray("America/New_York"), QByteArray("Asia/Kolkata")})
            for (const QString &q : queries)
                QTest::addRow("%s in %s", qPrintable(q), zone.constData()) << q << zone << (zone == "UTC");
        QTest::newRow("in: no such channel") << "in:nosuchchannel" << QByteArray("UTC") << false;
        QTest::newRow("an empty span") << "during:2023-06 before:2023-01-01" << QByteArray("UTC") << false;
        QTest::newRow("two tags, no message with both") << "from:bob has:image" << QByteArray("UTC") << false;
    }

    void queryTotalsAreTheScan()
    {
        QFETCH(QString, text);
        QFETCH(QByteArray, zone);
        QFETCH(bool, some);
        SearchService service(m_store);
        SearchRequest r = request(Kind::Query, text, {}, {}, 0);
        r.zone = zone;
        qint64 scanned = 0;
        QVERIFY(service.scan(r, [&](const Message &) {
            ++scanned;
            return true;
        }));
        if (some) {
            SearchRequest everything = request(Kind::Query, QStringLiteral("after:2000-01-01"), {}, {}, 0);
            const Expected<qint64> all = service.scan(everything, [](const Message &) { return true; });
            QVERIFY(all);
            QVERIFY2(scanned > 0, "the fixtures have matches for this row");
            QVERIFY2(scanned < *all, "and messages it does not match");
        }
        r.exactTotal = true;
        const qint64 minimum = sql::walkMinimumArchive(), probedTags = SqliteStore::probedTagMinimum();
        const auto restore = qScopeGuard([minimum, probedTags] {
            sql::setWalkMinimumArchive(minimum);
            SqliteStore::setProbedTagMinimum(probedTags);
        });
        for (const qint64 walkFrom : {minimum, qint64(0)}) { // as this archive is, and as a large one
            sql::setWalkMinimumArchive(walkFrom);
            SqliteStore::setProbedTagMinimum(0); // and every tag as a large one
            for (const int size : {1, 100}) { // a page the walk fills, and (mostly) one it does not
                r.pageSize = size;
                const Expected<SearchPage> p = service.search(r);
                QVERIFY2(p, p ? "" : qPrintable(p.error().message));
                QCOMPARE(p->totalCount, scanned);
            }
        }
    }

    // Substrings fold the letters of every script, in every store, as
    // PostgreSQL's lower() and Elasticsearch's case-insensitive wildcard do
    // (SQLite's own LIKE folds ASCII only); accents stay. Terms of one and
    // two characters take SQLite's path without the trigram index, and a
    // character beyond the BMP counts once. Its own channel, imported last.
    void substringFoldsEveryScript_data()
    {
        QTest::addColumn<QString>("term");
        QTest::addColumn<QList<int>>("expected"); // which of the contents below
        QTest::newRow("é as É") << QStringLiteral("ÉCOLE") << QList<int>{0};
        QTest::newRow("É as é") << QStringLiteral("école") << QList<int>{0};
        QTest::newRow("two letters") << QStringLiteral("éC") << QList<int>{0};
        QTest::newRow("one letter") << QStringLiteral("é") << QList<int>{0};
        QTest::newRow("accents stay") << QStringLiteral("ecole") << QList<int>{};
        QTest::newRow("Cyrillic") << QStringLiteral("привет") << QList<int>{1};
        QTest::newRow("Cyrillic, two letters") << QStringLiteral("ПР") << QList<int>{1};
        QTest::newRow("Greek") << QStringLiteral("ΣΊΣΥ") << QList<int>{2};
        QTest::newRow("beyond the BMP and a letter") << QStringLiteral("\U0001D49CB") << QList<int>{3};
        QTest::newRow("beyond the BMP, three") << QStringLiteral("\U0001D49Cby") << QList<int>{3};
        QTest::newRow("none") << QStringLiteral("жук") << QList<int>{};
    }

    void substringFoldsEveryScript()
    {
        QFETCH(QString, term);
        QFETCH(QList<int>, expected);
        constexpr Snowflake channel = 4141414141414141499ull, first = 1500000000000000000ull;
        const QStringList contents{QStringLiteral("Une École à Paris"), QStringLiteral("Привет ПРИВЕТ"),
                                   QStringLiteral("Σίσυφος"), QStringLiteral("x\U0001D49Cby")};
        if (search(Kind::Date, QString(), QDate(2019, 3, 3), QDate(2019, 3, 3), 1, 10, channel).totalCount == 0) {
            const QString path = test::writeContents(m_tmp.path(), QStringLiteral("letters"), channel, first,
                                                     QStringLiteral("2019-03-03T03:03:%1+00:00"), contents);
            QVERIFY(!path.isEmpty());
            const FileImport imported = import(path);
            QVERIFY2(!imported.error, imported.error ? qPrintable(imported.error->message) : "");
        }
        QList<Snowflake> want;
        for (const int i : expected)
            want.prepend(first + Snowflake(i)); // newest first
        QCOMPARE(ids(search(Kind::Substring, term, {}, {}, 1, 10, channel).messages), want);
    }

    // The search language (issue 13): every operator and a set of
    // combinations, on fixtures of their own (a channel, lang-lab, with a
    // thread). Each row runs within in:lang-lab unless it says otherwise,
    // and is checked paged, scanned and counted by day.
    void searchLanguage_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QList<int>>("expected"); // language/channel.json's messages 1-5, 6 its thread's; in order
        QTest::addColumn<bool>("scoped");
        QTest::addColumn<QByteArray>("zone");
        QTest::addColumn<int>("sort");
        const auto row = [](const char *name, const QString &query, const QList<int> &expected, bool scoped = true,
                            const QByteArray &zone = {}, SearchRequest::Sort sort = SearchRequest::Sort::Newest) {
            QTest::newRow(name) << query << expected << scoped << zone << int(sort);
        };
        const QList<int> everything{5, 6, 4, 3, 2, 1};
        // Text
        row("words stem", QStringLiteral("deploy"), {2, 1});
        row("words, every one", QStringLiteral("deploy failed"), {1});
        row("words, stop words only", QStringLiteral("the"), {});
        row("not stop words only: everything", QStringLiteral("-the"), everything);
        row("exact text ignores case", QStringLiteral("\"TIME OUT\""), {4});
        row("exact text is not stemmed", QStringLiteral("\"timed out\""), {3});
        row("exact quote is data", QStringLiteral("\"' OR 1=1 --\""), {});
        row("exact with Lucene's operators", QStringLiteral("\"ops@lab\""), {4});
        row("exact inside a word", QStringLiteral("\"imeou\""), {4});
        row("exact in two words", QStringLiteral("\"PLOY\""), {2, 1});
        row("exact negated", QStringLiteral("-\"ploy\""), {5, 6, 4, 3});
        row("exact or a filter", QStringLiteral("\"ploy\" | has:video"), {4, 2, 1});
        row("exact is not across punctuation", QStringLiteral("\"exampleorg\""), {});
        row("regex", QStringLiteral("/time ?out/"), {4});
        row("regex keeps case", QStringLiteral("/TIME ?OUT/"), {4});
        row("regex keeps case, none", QStringLiteral("/Time ?Out/"), {});
        row("regex ignoring case", QStringLiteral("/Time ?Out/i"), {4});
        row("regex class and count", QStringLiteral("/#[0-9]{2} /"), {3});
        row("regex anchored start", QStringLiteral("/^release/"), {5});
        row("regex anchored end", QStringLiteral("/ships$/"), {5});
        row("regex anchored both", QStringLiteral("/^lab.*release$/"), {6});
        row("regex alternatives", QStringLiteral("/(staging|version) [0-9s]/"), {5, 1});
        row("regex an @ is a character", QStringLiteral("/ops@lab/"), {4});
        row("regex negated class", QStringLiteral("/[^a-z ]{3}:/i"), {});
        row("regex dot crosses nothing it should not", QStringLiteral("/s.aging/"), {1});
        // Filters
        row("from: name", QStringLiteral("from:zed"), {6, 4, 1});
        row("from: nickname, any case", QStringLiteral("from:ZOË"), {6, 4, 1});
        row("from: id", QStringLiteral("from:8800000000000000002"), {5, 2});
        row("from: @name", QStringLiteral("from:@yan"), {5, 2});
        row("from: nobody", QStringLiteral("from:nobody"), {});
        row("mentions: name", QStringLiteral("mentions:yan"), {1});
        row("mentions: nickname", QStringLiteral("mentions:zoë"), {5});
        row("mentions: id", QStringLiteral("mentions:8800000000000000001"), {5});
        row("in: a channel has its threads", QStringLiteral("in:lang-lab"), everything, false);
        row("in: #name", QStringLiteral("in:#LANG-LAB"), everything, false);
        row("in: a thread by name", QStringLiteral("in:\"lab notes\""), {6}, false);
        row("in: a thread by id", QStringLiteral("in:2222222222222222291"), {6}, false);
        row("in: nowhere", QStringLiteral("in:nowhere"), {}, false);
        row("has:image", QStringLiteral("has:image"), {1});
        row("has:video", QStringLiteral("has:video"), {4});
        row("has:sound", QStringLiteral("has:sound"), {5});
        row("has:file", QStringLiteral("has:file"), {5, 4, 1});
        row("has:link", QStringLiteral("has:link"), {2});
        row("has:embed", QStringLiteral("has:embed"), {3});
        row("has:sticker", QStringLiteral("has:sticker"), {4});
        row("has:reaction", QStringLiteral("has:reaction"), {5, 1});
        row("has:reply", QStringLiteral("has:reply"), {2});
        row("has:pin", QStringLiteral("has:pin"), {2});
        row("pinned:true", QStringLiteral("pinned:true"), {2});
        row("pinned:false", QStringLiteral("pinned:false"), {5, 6, 4, 3, 1});
        row("bot:true", QStringLiteral("bot:true"), {3});
        row("bot:false", QStringLiteral("bot:false"), {5, 6, 4, 2, 1});
        row("edited:true", QStringLiteral("edited:true"), {2});
        row("reaction: emoji", QStringLiteral("reaction:\U0001F525"), {1});
        row("reaction: code", QStringLiteral("reaction:fire"), {1});
        row("reaction: :code:", QStringLiteral("reaction::fire:"), {1});
        row("reaction: custom name", QStringLiteral("reaction:partyblob"), {5});
        row("reaction: custom id", QStringLiteral("reaction:1400000000000000300"), {5});
        // Dates: UTC, and another zone's days
        row("before: a day", QStringLiteral("before:2025-03-02"), {2, 1});
        row("after: a day", QStringLiteral("after:2025-03-15"), {5, 6});
        row("during: a day", QStringLiteral("during:2025-03-01"), {2, 1});
        row("during: a month", QStringLiteral("during:2025-03"), {6, 4, 3, 2, 1});
        row("during: a year", QStringLiteral("during:2025"), everything);
        row("during: New York's day", QStringLiteral("during:2025-03-01"), {3, 2, 1}, true, "America/New_York");
        row("before: New York's day", QStringLiteral("before:2025-03-02"), {3, 2, 1}, true, "America/New_York");
        row("after: New York's March", QStringLiteral("after:2025-03-31"), {}, true, "America/New_York");
        // Combinations
        row("and", QStringLiteral("from:zed has:image"), {1});
        row("or", QStringLiteral("from:zed OR bot:true"), {6, 4, 3, 1});
        row("or as |", QStringLiteral("has:video | has:sound"), {5, 4});
        row("not", QStringLiteral("-from:zed"), {5, 3, 2});
        row("NOT", QStringLiteral("NOT has:file"), {6, 3, 2});
        row("and binds before or", QStringLiteral("from:yan has:link OR bot:true"), {3, 2});
        row("parentheses", QStringLiteral("from:yan (has:link OR has:sound)"), {5, 2});
        row("text and filters", QStringLiteral("(deploy OR \"time out\") -pinned:true"), {4, 1});
        row("words and a negated word", QStringLiteral("deploy -failed"), {2});
        row("exact or regex", QStringLiteral("\"release notes\" | /#[0-9]+/"), {5, 3});
        row("not of an or", QStringLiteral("-(from:zed | from:yan)"), {3});
        row("dates and text", QStringLiteral("during:2025-03 /out/"), {4, 3});
        // Orders
        row("oldest first", QStringLiteral("from:zed"), {1, 4, 6}, true, {}, SearchRequest::Sort::Oldest);
        row("relevance without words is newest first", QStringLiteral("has:file"), {5, 4, 1}, true, {},
            SearchRequest::Sort::Relevance);
    }

    void searchLanguage()
    {
        QFETCH(QString, query);
        QFETCH(QList<int>, expected);
        QFETCH(bool, scoped);
        QFETCH(QByteArray, zone);
        QFETCH(int, sort);
        constexpr Snowflake first = 1400000000000000000ull;
        if (search(Kind::Date, QString(), QDate(2025, 3, 1), QDate(2025, 4, 1), 1, 1, 2222222222222222290ull).totalCount == 0) {
            for (const char *name : {"channel.json", "thread.json"}) {
                const FileImport r = import(fixture(QStringLiteral("language/") + QLatin1String(name)));
                QVERIFY2(!r.error, r.error ? qPrintable(r.error->message) : name);
            }
        }
        SearchService service(m_store);
        SearchRequest r;
        r.kind = Kind::Query;
        r.text = scoped ? QStringLiteral("in:2222222222222222290 (%1)").arg(query) : query;
        r.zone = zone;
        r.sort = SearchRequest::Sort(sort);
        r.pageSize = 100;
        QList<Snowflake> want;
        for (const int i : expected)
            want << first + Snowflake(i);
        const Expected<SearchPage> p = service.search(r);
        QVERIFY2(p, p ? "" : qPrintable(p.error().message));
        QCOMPARE(ids(p->messages), want);
        QCOMPARE(p->totalCount, want.size());

        // Two at a time: the same messages, the same total; and as the
        // window asks (the page before the count, walked where the store
        // walks), the same messages.
        // SQLite's page stopped at its first step (its budget of steps
        // spent) gets the counted search's answer; its words walked past as
        // a frequent text's are, the same page.
        r.pageSize = 2;
        const qint64 minimum = sql::walkMinimumArchive();
        sql::setWalkMinimumArchive(0);
        const auto restore = qScopeGuard([minimum] {
            sql::setWalkMinimumArchive(minimum);
            SqliteStore::setPageFirstSteps(SqliteStore::defaultPageFirstSteps);
            SqliteStore::setWalkedWordsMinimum(SqliteStore::defaultWalkedWordsMinimum);
        });
        enum Mode { Counted, PageFirst, PageFirstWordsWalked, PageFirstStopped };
        for (const Mode mode : {Counted, PageFirst, PageFirstWordsWalked, PageFirstStopped}) {
            r.exactTotal = mode == Counted;
            SqliteStore::setPageFirstSteps(mode == PageFirstStopped ? 1 : SqliteStore::defaultPageFirstSteps);
            SqliteStore::setWalkedWordsMinimum(mode == PageFirstWordsWalked ? 0 : SqliteStore::defaultWalkedWordsMinimum);
            QList<Snowflake> paged;
            for (r.page = 1; r.page <= 4; ++r.page) {
                const Expected<SearchPage> small = service.search(r);
                QVERIFY2(small, small ? "" : qPrintable(small.error().message));
                if (mode == PageFirstStopped && m_store->name() == QLatin1String("sqlite"))
                    QVERIFY(small->totalKnown());
                if (r.exactTotal || small->totalKnown())
                    QCOMPARE(small->totalCount, want.size());
                else
                    QCOMPARE(small->messages.size(), 2);
                paged += ids(small->messages);
            }
            QCOMPARE(paged, want);
        }
        r.exactTotal = true;

        // Scanned in time order (newest first, or oldest first when asked:
        // results exports read both ways) and by day.
        QList<Snowflake> scanned;
        QVERIFY(service.scan(r, [&](const Message &m) {
            scanned << m.id;
            return true;
        }));
        QCOMPARE(scanned, want);
        const Expected<QList<DayCount>> days = service.countByDay(r);
        QVERIFY2(days, days ? "" : qPrintable(days.error().message));
        qint64 counted = 0;
        for (const DayCount &d : *days)
            counted += d.count;
        QCOMPARE(counted, want.size());
    }

    // For completing from:: the most active first, ties by id as text, each
    // with its names (after searchLanguage imported lang-lab's authors).
    void authorsMostActiveFirst()
    {
        const Expected<QList<Author>> all = m_store->authors(1000);
        QVERIFY2(all, all ? "" : qPrintable(all.error().message));
        QVERIFY(all->size() >= 3);
        for (qsizetype i = 1; i < all->size(); ++i) {
            const Author &a = all->at(i - 1), &b = all->at(i);
            QVERIFY(a.messages > b.messages || (a.messages == b.messages && QString::number(a.id) < QString::number(b.id)));
        }
        const auto zed = std::find_if(all->begin(), all->end(), [](const Author &a) { return a.id == 8800000000000000001ull; });
        QVERIFY(zed != all->end());
        QCOMPARE(*zed, (Author{8800000000000000001ull, QStringLiteral("zed"), QStringLiteral("Zoë"), 3}));
        const Expected<QList<Author>> two = m_store->authors(2);
        QVERIFY(two);
        QCOMPARE(*two, all->mid(0, 2));
    }

    void searchLanguageRefusesWhatItCannotRead_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("error");
        QTest::newRow("a value missing") << QStringLiteral("from: deploy") << QStringLiteral("A value is missing after from: at column 6.");
        QTest::newRow("a letter escape") << QStringLiteral("/\\d+/") << QStringLiteral("\\d is not understood by every store");
        QTest::newRow("a NUL") << QStringLiteral("\"a\u0000b\"") << QStringLiteral("NUL");
        QTest::newRow("too many terms") << QStringLiteral("a ").repeated(51) << QStringLiteral("more than 50 terms");
    }

    void searchLanguageRefusesWhatItCannotRead()
    {
        QFETCH(QString, query);
        QFETCH(QString, error);
        SearchRequest r;
        r.kind = Kind::Query;
        r.text = query;
        const Expected<SearchPage> p = SearchService(m_store).search(r);
        QVERIFY(!p);
        QCOMPARE(p.error().kind, Error::Kind::BadInput);
        QVERIFY2(p.error().message.contains(error), qPrintable(p.error().message));
    }

    // A regular expression runs within its budget in every store, and a
    // search past it says so: 20,000 messages cannot be read in 1 ms.
    // Exporting what was found, with context: each channel's conversations
    // oldest first, the context of matches that overlap or touch merged
    // into one, every match once and flagged; the lookahead refilled and
    // the channel's end reached.
    void resultsExportWithContext()
    {
        constexpr Snowflake wide = 2222222222222222286ull, narrow = 2222222222222222287ull;
        constexpr Snowflake wideFirst = 1700000000000000000ull, narrowFirst = 1700000000000001000ull;
        const qint64 start = QDateTime(QDate(2017, 5, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
        if (search(Kind::Date, QString(), QDate(2017, 5, 1), QDate(2017, 5, 31), 1, 1, wide).totalCount == 0) {
            for (const auto &[channel, count, firstId] : {std::tuple{wide, 400, wideFirst}, std::tuple{narrow, 10, narrowFirst}}) {
                const QString path = writeExport(m_tmp.path(), QStringLiteral("ctx-%1").arg(channel), channel, count, start, firstId);
                QVERIFY(!path.isEmpty());
                const FileImport imported = import(path);
                QVERIFY2(!imported.error, imported.error ? qPrintable(imported.error->message) : "");
            }
        }
        SearchService service(m_store);
        SearchRequest r;
        r.kind = Kind::Query;
        r.text = QStringLiteral("(in:%1 | in:%2) /^numbered message (0|3|5|12|20|25|150|300|398|399)$/").arg(wide).arg(narrow);

        // What must come: (channel, first, last) runs, matches among them.
        const QSet<int> matches{0, 3, 5, 12, 20, 25, 150, 300, 398, 399};
        QList<std::tuple<Snowflake, int, int>> runs{{wide, 0, 7}, {wide, 10, 14}, {wide, 18, 27}, {wide, 148, 152},
                                                    {wide, 298, 302}, {wide, 396, 399}, {narrow, 0, 7}};
        const Expected<QList<Channel>> channels = m_store->channels();
        QVERIFY(channels);
        const auto position = [&](Snowflake id) {
            return std::find_if(channels->cbegin(), channels->cend(), [id](const Channel &c) { return c.id == id; }) - channels->cbegin();
        };
        if (position(narrow) < position(wide))
            std::rotate(runs.begin(), runs.end() - 1, runs.end()); // the archive lists that channel first
        QList<std::tuple<int, bool, Snowflake>> want; // conversation, match, id
        for (int k = 0; k < runs.size(); ++k) {
            const auto [channel, from, to] = runs.at(k);
            for (int i = from; i <= to; ++i)
                want.append({k + 1, matches.contains(i), (channel == wide ? wideFirst : narrowFirst) + Snowflake(i)});
        }

        ResultExport exporter(service, r, ResultExport::Format::Ndjson, 2);
        QByteArray out;
        qint64 lastTotal = -2;
        const Expected<ResultExport::Summary> done = exporter.run(
            [&out](const QByteArray &piece) {
                out += piece;
                return true;
            },
            [&lastTotal](qint64, qint64 total) {
                lastTotal = total;
                return true;
            });
        QVERIFY2(done, done ? "" : qPrintable(done.error().message));
        QList<std::tuple<int, bool, Snowflake>> got;
        for (const QByteArray &line : out.split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            got.append({o.value(QStringLiteral("conversation")).toInt(), o.value(QStringLiteral("match")).toBool(),
                        o.value(QStringLiteral("message_id")).toString().toULongLong()});
        }
        QCOMPARE(got, want);
        QCOMPARE(done->matches, 13);
        QCOMPARE(done->conversations, 7);
        QCOMPARE(done->messages, want.size());
        QCOMPARE(lastTotal, 13);

        // Without context: every match once, newest first, none flagged as context.
        ResultExport flat(service, r, ResultExport::Format::Ndjson, 0);
        out.clear();
        const Expected<ResultExport::Summary> plain = flat.run([&out](const QByteArray &piece) {
            out += piece;
            return true;
        });
        QVERIFY2(plain, plain ? "" : qPrintable(plain.error().message));
        QCOMPARE(plain->matches, 13);
        QCOMPARE(out.count('\n'), 13);
        QVERIFY(out.startsWith("{") && out.contains(QByteArray::number(wideFirst + 399)));
        QCOMPARE(QJsonDocument::fromJson(out.left(out.indexOf('\n'))).object().value(QStringLiteral("message_id")).toString(),
                 QString::number(wideFirst + 399));

        // Cancelled part-way: says so.
        ResultExport stopped(service, r, ResultExport::Format::Csv, 2);
        const Expected<ResultExport::Summary> cancelled = stopped.run([](const QByteArray &) { return true; },
                                                                      [](qint64, qint64) { return false; });
        QVERIFY(!cancelled);
        QCOMPARE(cancelled.error().kind, Error::Kind::Cancelled);
    }

    void regexWithinItsBudget()
    {
        constexpr Snowflake channel = 2222222222222222288ull;
        if (search(Kind::Date, QString(), QDate(2018, 1, 1), QDate(2018, 12, 31), 1, 1, channel).totalCount == 0) {
            const QString path = writeExport(m_tmp.path(), QStringLiteral("many"), channel, 20000,
                                             QDateTime(QDate(2018, 2, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch(),
                                             1600000000000000000ull);
            QVERIFY(!path.isEmpty());
            const FileImport imported = import(path);
            QVERIFY2(!imported.error, imported.error ? qPrintable(imported.error->message) : "");
        }
        SearchRequest r;
        r.kind = Kind::Query;
        r.text = QStringLiteral("in:2222222222222222288 /numbered message 1[0-9]*7$/");
        const Expected<SearchPage> inBudget = SearchService(m_store).search(r);
        QVERIFY2(inBudget, inBudget ? "" : qPrintable(inBudget.error().message));
        QCOMPARE(inBudget->totalCount, 1111); // 17, 107, …, 19997: every number from 1 ending in 7 after a 1

        const int budget = PortableRegex::budgetMs();
        PortableRegex::setBudgetMs(1);
        r.text = QStringLiteral("in:2222222222222222288 /(m|n)*e[^x]+ 1[0-9]*9$/i");
        const Expected<SearchPage> slow = SearchService(m_store).search(r);
        PortableRegex::setBudgetMs(budget);
        QVERIFY(!slow);
        QCOMPARE(slow.error().kind, Error::Kind::BadInput);
        QVERIFY2(slow.error().message.startsWith(QLatin1String("The regular expression took longer than")), qPrintable(slow.error().message));

        // The connection is as it was: the next search has the whole budget.
        r.text = QStringLiteral("in:2222222222222222288 /numbered message 1[0-9]*7$/");
        const Expected<SearchPage> after = SearchService(m_store).search(r);
        QVERIFY2(after, after ? "" : qPrintable(after.error().message));
        QCOMPARE(after->totalCount, 1111);
    }

    void tooLongTermIsRefused()
    {
        SearchService service(m_store);
        SearchRequest r;
        r.text = QString(101, u'x');
        const Expected<SearchPage> p = service.search(r);
        QVERIFY(!p);
        QCOMPARE(p.error().kind, Error::Kind::BadInput);
    }
};

QTEST_GUILESS_MAIN(TestStoreConformance)
#include "tst_storeconformance.moc"
