#include "dce/dcereader.h"
#include "testdatabase.h"

#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>

using namespace fdd;
using fdd::test::fixture;

namespace {

struct Collected
{
    QList<ExportHeader> headers;
    QList<Message> messages;
    int batches = 0;
};

Expected<ReadSummary> readAll(const QString &path, Collected &out, int batchSize = 5000)
{
    DceReader::Options options;
    options.batchSize = batchSize;
    return DceReader::read(
        path,
        [&](const ExportHeader &h, const QList<Message> &batch) -> Expected<void> {
            out.headers.append(h);
            out.messages += batch;
            ++out.batches;
            return {};
        },
        options);
}

qint64 utcMs(const char *iso)
{
    return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODateWithMs).toMSecsSinceEpoch();
}

} // namespace

class TestDceReader : public QObject
{
    Q_OBJECT

private slots:
    // DCE 2.47 with --media: every field of the whole message, local media
    // paths as written, reactions' users, a forward, system messages.
    void wholeMessages()
    {
        Collected c;
        Expected<ReadSummary> r = readAll(fixture(QStringLiteral("dce/v2.47-media.json")), c);
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QCOMPARE(c.messages.size(), 7);
        for (const Message &m : std::as_const(c.messages))
            QVERIFY(m.hasDetail);

        const Message &join = c.messages.at(0);
        QCOMPARE(join.type, QStringLiteral("GuildMemberJoin"));
        QVERIFY(join.isSystem());
        QCOMPARE(join.authorNickname, QStringLiteral("bob"));

        const Message &m = c.messages.at(1);
        QCOMPARE(m.type, QStringLiteral("Default"));
        QVERIFY(!m.isSystem());
        QVERIFY(m.isPinned);
        QCOMPARE(m.editedMs, utcMs("2024-11-02T08:02:00Z"));
        QCOMPARE(m.authorName, QStringLiteral("alice"));
        QCOMPARE(m.authorNickname, QStringLiteral("Alice W."));
        QCOMPARE(m.authorDisplayName(), QStringLiteral("Alice W."));
        QCOMPARE(m.authorDiscriminator, QStringLiteral("0000"));
        QCOMPARE(m.authorColor, QStringLiteral("#E91E63"));
        QVERIFY(!m.authorIsBot);
        QCOMPARE(m.authorAvatarUrl, QStringLiteral("media/avatar-alice-1C2D.png"));
        QCOMPARE(m.attachments.size(), 3);
        QCOMPARE(m.attachmentCount, 3);
        QCOMPARE(m.attachments.at(0).id, 1310000000000000100ull);
        QCOMPARE(m.attachments.at(0).url, QStringLiteral("media/cat-5F3A9.png"));
        QCOMPARE(m.attachments.at(0).fileName, QStringLiteral("cat.png"));
        QCOMPARE(m.attachments.at(0).sizeBytes, 348);
        QCOMPARE(m.attachments.at(0).kind(), Attachment::Kind::Image);
        QCOMPARE(m.attachments.at(1).kind(), Attachment::Kind::Other);
        QCOMPARE(m.attachments.at(2).kind(), Attachment::Kind::Audio); // .OGG: case does not matter
        QCOMPARE(m.embeds.size(), 1);
        const Embed &e = m.embeds.first();
        QCOMPARE(e.title, QStringLiteral("Cats of the internet"));
        QCOMPARE(e.url, QStringLiteral("https://example.com/cats"));
        QCOMPARE(e.description, QStringLiteral("All the **cats**."));
        QCOMPARE(e.color, QStringLiteral("#FF0000"));
        QCOMPARE(e.timestampMs, utcMs("2024-11-01T12:00:00Z"));
        QCOMPARE(e.authorName, QStringLiteral("Example"));
        QCOMPARE(e.thumbnailUrl, QStringLiteral("media/cat-5F3A9.png"));
        QCOMPARE(e.imageUrl, QStringLiteral("https://example.com/big.png")); // the first of "images"
        QCOMPARE(e.videoUrl, QStringLiteral("https://example.com/cat.mp4"));
        QCOMPARE(e.footerText, QStringLiteral("example.com"));
        QCOMPARE(e.fields.size(), 2);
        QCOMPARE(e.fields.at(1).name, QStringLiteral("Age"));
        QVERIFY(e.fields.at(1).isInline);
        QCOMPARE(m.reactions.size(), 2);
        QCOMPARE(m.reactions.at(0).emoji.id, 0ull); // a standard emoji: DCE writes ""
        QCOMPARE(m.reactions.at(0).emoji.name, QStringLiteral("🔥"));
        QCOMPARE(m.reactions.at(0).emoji.code, QStringLiteral("fire"));
        QCOMPARE(m.reactions.at(0).count, 2);
        QCOMPARE(m.reactions.at(0).users.size(), 2);
        QVERIFY(m.reactions.at(0).users.at(1).isBot);
        QCOMPARE(m.reactions.at(1).emoji.id, 1310000000000000200ull);
        QVERIFY(m.reactions.at(1).emoji.isAnimated);
        QCOMPARE(m.mentions.size(), 1);
        QCOMPARE(m.mentions.first().id, 7777777777777777777ull);
        QVERIFY(m.hasLink());
        const QStringList tags = m.tags();
        for (const char *t : {"has:file", "has:image", "has:sound", "has:embed", "has:reaction", "has:link", "pinned", "edited",
                              "mentions:7777777777777777777", "mentions:bob", "reaction:🔥", "reaction:fire", "reaction:partyblob",
                              "reaction:1310000000000000200", "from:alice", "from:alice w."})
            QVERIFY2(tags.contains(QString::fromUtf8(t)), t);
        for (const char *t : {"has:video", "has:reply", "has:sticker", "bot"})
            QVERIFY2(!tags.contains(QString::fromUtf8(t)), t);

        const Message &reply = c.messages.at(2);
        QVERIFY(reply.isReply());
        QCOMPARE(reply.replyToId, 1310000000000000002ull);
        QCOMPARE(reply.referenceType, QStringLiteral("Default"));
        QCOMPARE(reply.referenceChannelId, 2222222222222222226ull);
        QCOMPARE(reply.referenceGuildId, 1111111111111111111ull);
        QCOMPARE(reply.stickers.size(), 1);
        QCOMPARE(reply.stickers.first().format, QStringLiteral("Apng"));
        QVERIFY(reply.tags().contains(QStringLiteral("has:reply")));
        QVERIFY(reply.tags().contains(QStringLiteral("has:sticker")));

        const Message &pinNotice = c.messages.at(3);
        QVERIFY(pinNotice.isSystem());
        QVERIFY(!pinNotice.isReply()); // refers to the pinned message, answers nothing

        const Message &forward = c.messages.at(4);
        QVERIFY(!forward.isReply());
        QVERIFY(forward.forwarded.has_value());
        QCOMPARE(forward.forwarded->content, QStringLiteral("the original words"));
        QCOMPARE(forward.forwarded->timestampMs, utcMs("2024-10-30T10:00:00Z"));
        QCOMPARE(forward.forwarded->attachments.size(), 1);
        QCOMPARE(forward.forwarded->attachments.first().kind(), Attachment::Kind::Video);

        const Message &command = c.messages.at(5);
        QVERIFY(command.authorIsBot);
        QVERIFY(!command.isSystem());
        QVERIFY(command.interaction.has_value());
        QCOMPARE(command.interaction->name, QStringLiteral("roll"));
        QCOMPARE(command.interaction->user.nickname, QStringLiteral("Alice W."));
        QVERIFY(command.tags().contains(QStringLiteral("bot")));

        const Message &call = c.messages.at(6);
        QCOMPARE(call.callEndedMs, utcMs("2024-11-02T10:12:00Z"));
        QVERIFY(call.isSystem());
    }

    // What the archive keeps of a message beyond its columns survives the
    // trip through detailJson() whole.
    void detailJsonRoundTrips()
    {
        Collected c;
        QVERIFY(readAll(fixture(QStringLiteral("dce/v2.47-media.json")), c));
        for (const Message &m : std::as_const(c.messages)) {
            Message back;
            back.id = m.id; // the columns, as a store reads them
            back.channelId = m.channelId;
            back.guildId = m.guildId;
            back.authorId = m.authorId;
            back.authorName = m.authorName;
            back.timestampMs = m.timestampMs;
            back.editedMs = m.editedMs;
            back.content = m.content;
            back.replyToId = m.replyToId;
            back.attachmentCount = m.attachmentCount;
            back.embedCount = m.embedCount;
            back.reactionCount = m.reactionCount;
            back.type = m.type;
            back.isPinned = m.isPinned;
            back.authorNickname = m.authorNickname;
            QVERIFY(back.setDetailJson(m.detailJson()));
            QCOMPARE(back, m);
        }
        Message none;
        QVERIFY(none.detailJson().isEmpty());
        QVERIFY(!none.setDetailJson("not json"));
        QVERIFY(!none.hasDetail);
    }

    // An export of before DCE 2.x's whole fields (legacy.json): what is not
    // there stays empty, nothing fails.
    void olderExportsLeaveTheNewFieldsEmpty()
    {
        Collected c;
        QVERIFY(readAll(fixture(QStringLiteral("dce/legacy.json")), c));
        const Message &m = c.messages.first();
        QCOMPARE(m.authorNickname, QString());
        QCOMPARE(m.authorDisplayName(), QStringLiteral("alice"));
        QCOMPARE(m.authorDiscriminator, QStringLiteral("0001"));
        QVERIFY(m.attachments.isEmpty() && m.reactions.isEmpty() && !m.interaction && !m.forwarded);
        QCOMPARE(m.callEndedMs, 0);
    }

    void threadKeepsItsChannel()
    {
        Collected c;
        Expected<ReadSummary> r = readAll(fixture(QStringLiteral("dce/thread.json")), c);
        QVERIFY(r);
        QCOMPARE(r->header.channel.type, QStringLiteral("GuildPublicThread"));
        QCOMPARE(r->header.channel.parentId, 2222222222222222222ull);
        Collected general;
        Expected<ReadSummary> g = readAll(fixture(QStringLiteral("dce/modern.json")), general);
        QVERIFY(g);
        QCOMPARE(g->header.channel.parentId, 0ull); // categoryId of a channel is its category
    }

    void modernExport()
    {
        Collected c;
        Expected<ReadSummary> r = readAll(fixture(QStringLiteral("dce/modern.json")), c);
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QCOMPARE(r->messageCount, 3);
        QCOMPARE(r->header.guild.id, 1111111111111111111ull);
        QCOMPARE(r->header.guild.name, QStringLiteral("Test Guild"));
        QCOMPARE(r->header.channel.id, 2222222222222222222ull);
        QCOMPARE(r->header.channel.name, QStringLiteral("general"));
        QCOMPARE(r->header.channel.category, QStringLiteral("Text Channels"));
        QCOMPARE(r->header.channel.type, QStringLiteral("GuildTextChat"));
        QCOMPARE(r->header.channel.topic, QStringLiteral("Talk about anything"));
        QCOMPARE(r->header.exportedAt, QDateTime::fromMSecsSinceEpoch(utcMs("2024-04-27T10:00:00.123Z"), Qt::UTC));
        QCOMPARE(c.messages.size(), 3);

        const Message &first = c.messages.at(0);
        QCOMPARE(first.id, 1232782017872138340ull); // above 2^53: exact only without double
        QCOMPARE(first.channelId, 2222222222222222222ull);
        QCOMPARE(first.guildId, 1111111111111111111ull);
        QCOMPARE(first.authorId, 4444444444444444444ull);
        QCOMPARE(first.authorName, QStringLiteral("alice"));
        QCOMPARE(first.timestampMs, utcMs("2024-04-26T18:03:11.123Z"));
        QCOMPARE(first.editedMs, 0);
        QCOMPARE(first.content, QStringLiteral("The runners were running through the park"));
        QCOMPARE(first.attachmentCount, 2);
        QCOMPARE(first.embedCount, 0);
        QCOMPARE(first.reactionCount, 1);
        QCOMPARE(first.replyToId, 0ull);

        const Message &reply = c.messages.at(1);
        QCOMPARE(reply.replyToId, 1232782017872138340ull);
        QCOMPARE(reply.timestampMs, utcMs("2024-04-26T18:03:30.500Z")); // +02:00 converted to UTC
        QCOMPARE(reply.editedMs, utcMs("2024-04-26T18:10:00.000Z"));
        QCOMPARE(reply.embedCount, 1); // nested objects inside the embed count once
        QCOMPARE(reply.content, QStringLiteral("100% agree, it_was great"));

        const Message &interaction = c.messages.at(2);
        QCOMPARE(interaction.authorName, QStringLiteral("DiceBot")); // not the interaction's user
        QCOMPARE(interaction.authorId, 999999999999999999ull);
    }

    void formats_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("count");
        QTest::addColumn<quint64>("channel");
        QTest::addColumn<quint64>("guild");
        QTest::addColumn<qint64>("firstTimestamp");
        QTest::addColumn<QString>("firstContent");

        QTest::newRow("legacy: no exportedAt, dateRange or timestampEdited")
            << "legacy.json" << 2 << 2222222222222222223ull << 1111111111111111111ull
            << utcMs("2020-01-05T20:30:00.710Z")
            << "Old exports had offsets from the exporter's time zone\nand seven fraction digits.";
        QTest::newRow("thread with callEndedTimestamp")
            << "thread.json" << 2 << 2222222222222222224ull << 1111111111111111111ull
            << utcMs("2024-05-17T09:00:00.000Z") << "";
        QTest::newRow("direct messages: guild 0, escapes, surrogates, NUL removed")
            << "direct-messages.json" << 1 << 2222222222222222225ull << 0ull << utcMs("2024-04-26T21:00:00.000Z")
            << QStringLiteral("Tab\there, back\\slash, \"quotes\", emoji \U0001F600 \u00e9t\u00e9, a NULbyte, and a\r\nnewline");
        QTest::newRow("empty channel") << "empty-channel.json" << 0 << 2222222222222222226ull
                                       << 1111111111111111111ull << qint64(0) << "";
    }

    void formats()
    {
        QFETCH(QString, file);
        QFETCH(int, count);
        QFETCH(quint64, channel);
        QFETCH(quint64, guild);
        QFETCH(qint64, firstTimestamp);
        QFETCH(QString, firstContent);

        Collected c;
        Expected<ReadSummary> r = readAll(fixture(QStringLiteral("dce/") + file), c);
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QCOMPARE(r->messageCount, count);
        QCOMPARE(c.messages.size(), count);
        QCOMPARE(r->header.channel.id, channel);
        QCOMPARE(r->header.guild.id, guild);
        if (count > 0) {
            QCOMPARE(c.messages.first().timestampMs, firstTimestamp);
            QCOMPARE(c.messages.first().content, firstContent);
            QCOMPARE(c.messages.first().channelId, channel);
            QCOMPARE(c.messages.first().guildId, guild);
        }
    }

    void batchesAreBounded()
    {
        Collected c;
        Expected<ReadSummary> r = readAll(fixture(QStringLiteral("dce/modern.json")), c, 2);
        QVERIFY(r);
        QCOMPARE(c.batches, 2); // 2 + 1
        QCOMPARE(c.messages.size(), 3);
    }

    void malformed_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected"); // a part of the sentence

        QTest::newRow("truncated") << "truncated.json" << "not valid JSON";
        QTest::newRow("empty") << "empty.json" << "the file is empty";
        QTest::newRow("array") << "array.json" << "a list, not an export object";
        QTest::newRow("bad timestamp") << "bad-timestamp.json" << "timestamp \"2024-02-30T18:03:11+00:00\"";
        QTest::newRow("bad id") << "bad-id.json" << "message id \"12327821000000000x0\" is not a Discord id";
        QTest::newRow("id overflow") << "id-overflow.json" << "message id \"18446744073709551616\"";
        QTest::newRow("no channel") << "no-channel.json" << "it has no \"channel\"";
        QTest::newRow("no messages") << "no-messages.json" << "it has no \"messages\"";
        QTest::newRow("trailing data") << "trailing-data.json" << "unexpected data after the export";
        QTest::newRow("no timestamp") << "no-timestamp.json" << "message 3 has no timestamp";
        QTest::newRow("invalid UTF-8") << "invalid-utf8.json" << "Invalid encoding";
        QTest::newRow("message not an object") << "message-not-object.json" << "not a message object";
        QTest::newRow("messages before channel") << "messages-before-channel.json" << "its messages come before its channel";
        QTest::newRow("missing file") << "does-not-exist.json" << "cannot be opened";
    }

    void malformed()
    {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        const QString path = fixture(QStringLiteral("dce-bad/") + file);
        Collected c;
        Expected<ReadSummary> r = readAll(path, c);
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::BadInput);
        QVERIFY2(r.error().message.contains(expected), qPrintable(r.error().message));
        QVERIFY2(r.error().message.startsWith(path), qPrintable(r.error().message)); // names the file
        static const QStringList wholeFile = {QStringLiteral("does-not-exist.json"), QStringLiteral("no-messages.json"),
                                             QStringLiteral("no-channel.json")};
        if (!wholeFile.contains(file))
            QVERIFY2(r.error().message.contains(QStringLiteral("at byte ")), qPrintable(r.error().message));
    }

    void truncatedReportsOffset()
    {
        Collected c;
        Expected<ReadSummary> r = readAll(fixture(QStringLiteral("dce-bad/truncated.json")), c);
        QVERIFY(!r);
        QVERIFY2(r.error().message.contains(QStringLiteral("(at byte 1500).")), qPrintable(r.error().message));
    }

    // A file cut off part-way (its writer killed, a full disk): refused with
    // where it breaks and what salvage would keep; with salvage, read up to
    // its last whole message, wherever inside a message or between two the
    // cut falls.
    void cutOffFilesCanBeSalvaged_data()
    {
        QTest::addColumn<double>("fraction");
        for (const double f : {0.3, 0.55, 0.8, 0.97})
            QTest::newRow(qPrintable(QString::number(f))) << f;
    }

    void cutOffFilesCanBeSalvaged()
    {
        QFETCH(double, fraction);
        QFile whole(fixture(QStringLiteral("dce/v2.47-media.json")));
        QVERIFY(whole.open(QIODevice::ReadOnly));
        const QByteArray all = whole.readAll();
        const QByteArray cut = all.left(qsizetype(double(all.size()) * fraction));
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("cut.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly) && f.write(cut) == cut.size());
        f.close();
        // The messages whole in the cut: those whose object ends before it.
        Collected full;
        QVERIFY(readAll(whole.fileName(), full));
        qsizetype expected = 0;
        for (const Message &m : std::as_const(full.messages)) {
            const qsizetype at = all.indexOf(QByteArray("\"id\": \"") + QByteArray::number(m.id) + '"');
            const qsizetype next = all.indexOf("\n    }", at);
            if (next >= 0 && next + 6 <= cut.size())
                ++expected;
        }

        Collected refused;
        CutOff where;
        DceReader::Options options;
        options.cutOff = &where;
        Expected<ReadSummary> r = DceReader::read(path, [&](const ExportHeader &, const QList<Message> &b) -> Expected<void> {
            refused.messages += b;
            return {};
        }, options);
        QVERIFY(!r);
        QVERIFY2(r.error().message.contains(QStringLiteral("import --salvage")), qPrintable(r.error().message));
        QCOMPARE(where.offset, cut.size());
        QCOMPARE(where.completeMessages, expected);

        Collected salvaged;
        options.salvage = true;
        options.cutOff = nullptr;
        Expected<ReadSummary> s = DceReader::read(path, [&](const ExportHeader &, const QList<Message> &b) -> Expected<void> {
            salvaged.messages += b;
            return {};
        }, options);
        QVERIFY2(s, s ? "" : qPrintable(s.error().message));
        QCOMPARE(s->messageCount, expected);
        QCOMPARE(salvaged.messages.size(), expected);
        QVERIFY(s->brokenAt.has_value());
        QCOMPARE(*s->brokenAt, cut.size());
        for (qsizetype i = 0; i < expected; ++i)
            QCOMPARE(salvaged.messages.at(i), full.messages.at(i));
    }

    // Salvage is for files that end part-way only: a file broken in its
    // middle is still refused.
    void salvageDoesNotHideOtherDamage()
    {
        DceReader::Options options;
        options.salvage = true;
        Expected<ReadSummary> r = DceReader::read(fixture(QStringLiteral("dce-bad/trailing-data.json")),
                                                  [](const ExportHeader &, const QList<Message> &) -> Expected<void> { return {}; },
                                                  options);
        QVERIFY(!r);
        Expected<ReadSummary> bad = DceReader::read(fixture(QStringLiteral("dce-bad/bad-timestamp.json")),
                                                    [](const ExportHeader &, const QList<Message> &) -> Expected<void> { return {}; },
                                                    options);
        QVERIFY(!bad);
    }

    void batchErrorStopsTheRead()
    {
        int calls = 0;
        DceReader::Options options;
        options.batchSize = 1;
        Expected<ReadSummary> r = DceReader::read(
            fixture(QStringLiteral("dce/modern.json")),
            [&](const ExportHeader &, const QList<Message> &) -> Expected<void> {
                ++calls;
                return Error::unavailable(QStringLiteral("store went away"));
            },
            options);
        QVERIFY(!r);
        QCOMPARE(calls, 1);
        QCOMPARE(r.error().kind, Error::Kind::Unavailable);
        QCOMPARE(r.error().message, QStringLiteral("store went away"));
    }

    void cancel()
    {
        std::atomic_bool cancel{true};
        DceReader::Options options;
        options.cancel = &cancel;
        options.batchSize = 1;
        int calls = 0;
        Expected<ReadSummary> r = DceReader::read(
            fixture(QStringLiteral("dce/modern.json")),
            [&](const ExportHeader &, const QList<Message> &) -> Expected<void> {
                ++calls;
                return {};
            },
            options);
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Cancelled);
        QCOMPARE(calls, 0);
    }

    void progressReportsBytes()
    {
        QList<qint64> seen;
        qint64 total = 0;
        DceReader::Options options;
        options.batchSize = 1;
        options.progress = [&](qint64 done, qint64 all) {
            seen.append(done);
            total = all;
        };
        Expected<ReadSummary> r = DceReader::read(
            fixture(QStringLiteral("dce/modern.json")),
            [](const ExportHeader &, const QList<Message> &) -> Expected<void> { return {}; }, options);
        QVERIFY(r);
        QCOMPARE(seen.size(), 3);
        QVERIFY(std::is_sorted(seen.begin(), seen.end()));
        QCOMPARE(total, QFileInfo(fixture(QStringLiteral("dce/modern.json"))).size());
        QVERIFY(seen.last() <= total);
    }

    void hugeMessage()
    {
        // One 8 MB message: the reader holds it once, and it arrives whole.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("huge.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        const QByteArray content(8 * 1024 * 1024, 'x');
        f.write(R"({"guild":{"id":"1","name":"g"},"channel":{"id":"2","name":"c"},"messages":[)"
                R"({"id":"3","timestamp":"2024-01-01T00:00:00+00:00","author":{"id":"4","name":"a"},"content":")");
        f.write(content);
        f.write(R"("}]})");
        f.close();
        Collected c;
        Expected<ReadSummary> r = readAll(path, c);
        QVERIFY(r);
        QCOMPARE(c.messages.size(), 1);
        QCOMPARE(c.messages.first().content.size(), content.size());
    }
};

QTEST_GUILESS_MAIN(TestDceReader)
#include "tst_dcereader.moc"
