#include "exportgenerator.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>

#include <cmath>
#include <random>

namespace fdd::bench {

namespace {

// The most frequent English words, in order; the tail of the vocabulary is
// made of pronounceable invented words, so rare terms exist too.
const char *const common[] = {
    "the", "be", "to", "of", "and", "a", "in", "that", "have", "I", "it", "for", "not", "on", "with", "he",
    "as", "you", "do", "at", "this", "but", "his", "by", "from", "they", "we", "say", "her", "she", "or",
    "an", "will", "my", "one", "all", "would", "there", "their", "what", "so", "up", "out", "if", "about",
    "who", "get", "which", "go", "me", "when", "make", "can", "like", "time", "no", "just", "him", "know",
    "take", "people", "into", "year", "your", "good", "some", "could", "them", "see", "other", "than",
    "then", "now", "look", "only", "come", "its", "over", "think", "also", "back", "after", "use", "two",
    "how", "our", "work", "first", "well", "way", "even", "new", "want", "because", "any", "these", "give",
    "day", "most", "us", "game", "server", "running", "runs", "play", "build", "deploy", "release", "bug",
    "fix", "test", "merge", "branch", "commit", "database", "query", "index", "search", "message", "channel",
    "discord", "export", "import", "python", "rust", "linux", "docker", "network", "memory", "crash",
    "update", "patch", "version", "config", "error", "warning", "lol", "thanks", "please", "maybe", "tomorrow",
};
constexpr int commonCount = int(sizeof common / sizeof *common);
constexpr int vocabulary = 20000;
constexpr qsizetype maxContent = 4000; // Discord's limit on a message's text, in characters

const char *const onsets[] = {"b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr", "pl"};
const char *const vowels[] = {"a", "e", "i", "o", "u", "ai", "ou"};

QByteArray jsonString(const QString &s)
{
    // QJsonDocument escapes exactly as JSON requires.
    const QByteArray doc = QJsonDocument(QJsonArray{s}).toJson(QJsonDocument::Compact);
    return doc.mid(1, doc.size() - 2);
}

QByteArray iso(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs).replace(QLatin1Char('Z'), QStringLiteral("+00:00")).toLatin1();
}

} // namespace

QString ExportGenerator::word(int rank)
{
    if (rank < commonCount)
        return QString::fromLatin1(common[rank]);
    QString w;
    int n = rank;
    for (int syllables = 0; syllables < 3 || n > 0; ++syllables) {
        w += QLatin1String(onsets[n % 20]);
        n /= 20;
        w += QLatin1String(vowels[n % 7]);
        n /= 7;
    }
    return w;
}

QStringList ExportGenerator::write(const QString &folder) const
{
    QDir().mkpath(folder);
    std::mt19937_64 rng(m_options.seed);

    // Zipf(1) over the vocabulary through its cumulative distribution.
    std::vector<double> cdf(vocabulary);
    double sum = 0;
    for (int r = 0; r < vocabulary; ++r)
        cdf[r] = (sum += 1.0 / (r + 1));
    for (double &c : cdf)
        c /= sum;
    std::vector<QByteArray> words(vocabulary);
    for (int r = 0; r < vocabulary; ++r)
        words[r] = word(r).toUtf8();
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const auto pickWord = [&]() -> const QByteArray & {
        return words[std::lower_bound(cdf.begin(), cdf.end(), unit(rng)) - cdf.begin()];
    };

    const qint64 startMs = QDateTime(QDate(2022, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    const qint64 spanMs = qint64(m_options.months) * 30 * 86400000LL;
    const qint64 discordEpoch = 1420070400000LL;
    const qint64 perChannel = m_options.messages / m_options.channels;
    const qint64 stepMs = std::max<qint64>(1, spanMs / std::max<qint64>(1, perChannel));

    QStringList files;
    for (int c = 0; c < m_options.channels; ++c) {
        const quint64 guildId = 900000000000000000ull + quint64(c % m_options.guilds);
        const quint64 channelId = 910000000000000000ull + quint64(c);
        const QString path = QDir(folder).filePath(QStringLiteral("channel-%1.json").arg(c, 3, 10, QLatin1Char('0')));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return {};
        QByteArray out;
        out.reserve(1 << 20);
        out += "{\n  \"guild\": {\n    \"id\": \"" + QByteArray::number(guildId) + "\",\n    \"name\": \"Guild "
             + QByteArray::number(c % m_options.guilds) + "\",\n    \"iconUrl\": \"https://cdn.discordapp.com/icons/x.png\"\n  },\n"
             "  \"channel\": {\n    \"id\": \"" + QByteArray::number(channelId) + "\",\n    \"type\": \"GuildTextChat\",\n"
             "    \"categoryId\": \"920000000000000000\",\n    \"category\": \"Text Channels\",\n    \"name\": \"channel-"
             + QByteArray::number(c) + "\",\n    \"topic\": null\n  },\n  \"dateRange\": {\n    \"after\": null,\n    \"before\": null\n  },\n"
             "  \"exportedAt\": \"" + iso(startMs + spanMs) + "\",\n  \"messages\": [\n";
        const qint64 count = c == m_options.channels - 1 ? m_options.messages - perChannel * c : perChannel;
        qint64 ms = startMs + c;
        quint64 previousId = 0;
        for (qint64 i = 0; i < count; ++i) {
            ms += std::uniform_int_distribution<qint64>(1, 2 * stepMs)(rng);
            const quint64 id = (quint64(ms - discordEpoch) << 22) | quint64(c & 0x3ff) << 12 | quint64(i & 0xfff);
            const int author = int(std::min<double>(m_options.authors - 1, std::floor(std::pow(unit(rng), 2.0) * m_options.authors)));
            // Mostly short chat lines, some paragraphs, and one in 1,000 as
            // long as Discord lets a message be: 4,000 characters (with
            // Nitro; 2,000 without). No export holds a longer one.
            const double shape = unit(rng);
            const int wordCount = shape < 0.001 ? 1000 : shape < 0.05 ? 40 + int(unit(rng) * 160) : 1 + int(unit(rng) * 25);
            QByteArray content;
            for (int w = 0; w < wordCount; ++w) {
                if (w)
                    content += (unit(rng) < 0.04 ? ", " : " ");
                content += pickWord();
            }
            if (content.size() > maxContent - 1)
                content.truncate(content.lastIndexOf(' ', maxContent - 1));
            if (unit(rng) < 0.1)
                content += unit(rng) < 0.5 ? "!" : "?";

            out += i ? ",\n" : "";
            out += "    {\n      \"id\": \"" + QByteArray::number(id) + "\",\n      \"type\": \""
                 + (previousId && unit(rng) < 0.2 ? "Reply" : "Default") + "\",\n      \"timestamp\": \"" + iso(ms)
                 + "\",\n      \"timestampEdited\": " + (unit(rng) < 0.05 ? "\"" + iso(ms + 60000) + "\"" : QByteArray("null"))
                 + ",\n      \"callEndedTimestamp\": null,\n      \"isPinned\": false,\n      \"content\": "
                 + jsonString(QString::fromUtf8(content)) + ",\n      \"author\": {\n        \"id\": \""
                 + QByteArray::number(800000000000000000ull + quint64(author)) + "\",\n        \"name\": \"user"
                 + QByteArray::number(author) + "\",\n        \"discriminator\": \"0000\",\n        \"nickname\": \"User "
                 + QByteArray::number(author) + "\",\n        \"color\": null,\n        \"isBot\": false,\n"
                 "        \"roles\": [],\n        \"avatarUrl\": \"https://cdn.discordapp.com/embed/avatars/0.png\"\n      },\n"
                 "      \"attachments\": [";
            if (unit(rng) < 0.05)
                out += "\n        {\n          \"id\": \"" + QByteArray::number(id + 1)
                     + "\",\n          \"url\": \"https://cdn.discordapp.com/attachments/x/image.png\",\n"
                       "          \"fileName\": \"image.png\",\n          \"fileSizeBytes\": 123456\n        }\n      ";
            out += "],\n      \"embeds\": [],\n      \"stickers\": [],\n      \"reactions\": [";
            if (unit(rng) < 0.08)
                out += "\n        {\n          \"emoji\": {\n            \"id\": \"\",\n            \"name\": \"\xf0\x9f\x91\x8d\",\n"
                       "            \"code\": \"thumbsup\",\n            \"isAnimated\": false,\n"
                       "            \"imageUrl\": \"https://cdn.jsdelivr.net/gh/twitter/twemoji@latest/assets/svg/1f44d.svg\"\n"
                       "          },\n          \"count\": 2\n        }\n      ";
            out += "],\n      \"mentions\": [],\n      \"inlineEmojis\": []";
            if (previousId && unit(rng) < 0.2)
                out += ",\n      \"reference\": {\n        \"messageId\": \"" + QByteArray::number(previousId)
                     + "\",\n        \"channelId\": \"" + QByteArray::number(channelId) + "\",\n        \"guildId\": \""
                     + QByteArray::number(guildId) + "\"\n      }";
            out += "\n    }";
            previousId = id;
            if (out.size() > (1 << 20) - 65536) {
                f.write(out);
                out.clear();
            }
        }
        out += "\n  ],\n  \"messageCount\": " + QByteArray::number(count) + "\n}\n";
        f.write(out);
        files << path;
    }
    return files;
}

} // namespace fdd::bench
