#include "exportwriter.h"

#include "dce/dcereader.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace fdd::test {

namespace {

QString writeJson(const QString &dir, const QString &name, const QJsonObject &root)
{
    const QString path = dir + QLatin1Char('/') + name + QStringLiteral(".json");
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(QJsonDocument(root).toJson(QJsonDocument::Compact));
    return path;
}

} // namespace

QString writeExport(const QString &dir, const QString &name, Snowflake channel, int count, qint64 startMs, Snowflake firstId)
{
    QJsonArray messages;
    for (int i = 0; i < count; ++i) {
        const qint64 ms = startMs + qint64(i / 2) * 60000; // pairs share a minute
        messages.append(QJsonObject{
            {QStringLiteral("id"), QString::number(firstId + Snowflake(i))},
            {QStringLiteral("timestamp"), QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs)},
            {QStringLiteral("content"), QStringLiteral("numbered message %1").arg(i)},
            {QStringLiteral("author"), QJsonObject{{QStringLiteral("id"), QStringLiteral("42")}, {QStringLiteral("name"), QStringLiteral("counter")}}},
        });
    }
    const QJsonObject root{
        {QStringLiteral("guild"), QJsonObject{{QStringLiteral("id"), QStringLiteral("1111111111111111111")}, {QStringLiteral("name"), QStringLiteral("Test Guild")}}},
        {QStringLiteral("channel"), QJsonObject{{QStringLiteral("id"), QString::number(channel)}, {QStringLiteral("name"), name}}},
        {QStringLiteral("messages"), messages},
    };
    return writeJson(dir, name, root);
}

QString writeContents(const QString &dir, const QString &name, Snowflake channel, Snowflake firstId, const QString &time,
                      const QStringList &contents)
{
    QJsonArray messages;
    for (int i = 0; i < contents.size(); ++i)
        messages.append(QJsonObject{{QStringLiteral("id"), QString::number(firstId + Snowflake(i))},
                                    {QStringLiteral("type"), QStringLiteral("Default")},
                                    {QStringLiteral("timestamp"), time.arg(i, 2, 10, QLatin1Char('0'))},
                                    {QStringLiteral("content"), contents.at(i)},
                                    {QStringLiteral("author"), QJsonObject{{QStringLiteral("id"), QStringLiteral("43")},
                                                                           {QStringLiteral("name"), QStringLiteral("letters")}}}});
    const QJsonObject root{{QStringLiteral("guild"), QJsonObject{{QStringLiteral("id"), QStringLiteral("4243")},
                                                                  {QStringLiteral("name"), QStringLiteral("letters")}}},
                           {QStringLiteral("channel"), QJsonObject{{QStringLiteral("id"), QString::number(channel)},
                                                                    {QStringLiteral("type"), QStringLiteral("GuildTextChat")},
                                                                    {QStringLiteral("name"), QStringLiteral("letters")}}},
                           {QStringLiteral("messages"), messages}};
    return writeJson(dir, name, root);
}

QList<Message> readExport(const QString &path)
{
    QList<Message> out;
    const Expected<ReadSummary> r = DceReader::read(path, [&](const ExportHeader &, const QList<Message> &batch) -> Expected<void> {
        out += batch;
        return {};
    });
    return r ? out : QList<Message>{};
}

} // namespace fdd::test
