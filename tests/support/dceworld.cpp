#include "dceworld.h"

#include <QFile>
#include <QJsonDocument>

namespace fdd::test {

DceWorld::DceWorld() = default;

Snowflake DceWorld::snowflakeAt(const QDateTime &at)
{
    constexpr qint64 discordEpochMs = 1420070400000;
    return Snowflake(at.toMSecsSinceEpoch() - discordEpochMs) << 22;
}

void DceWorld::addGuild(Snowflake id, const QString &name)
{
    m_guilds.append(QJsonObject{{QStringLiteral("id"), QString::number(id)},
                                {QStringLiteral("name"), name},
                                {QStringLiteral("channels"), QJsonArray()}});
}

void DceWorld::addChannel(Snowflake guild, Snowflake id, const QString &name, bool forbidden)
{
    for (qsizetype i = 0; i < m_guilds.size(); ++i) {
        QJsonObject g = m_guilds.at(i).toObject();
        if (g.value(QStringLiteral("id")).toString() != QString::number(guild))
            continue;
        QJsonArray channels = g.value(QStringLiteral("channels")).toArray();
        channels.append(QJsonObject{{QStringLiteral("id"), QString::number(id)},
                                    {QStringLiteral("name"), name},
                                    {QStringLiteral("category"), QStringLiteral("Text Channels")},
                                    {QStringLiteral("forbidden"), forbidden},
                                    {QStringLiteral("messages"), QJsonArray()}});
        g.insert(QStringLiteral("channels"), channels);
        m_guilds.replace(i, g);
        return;
    }
}

void DceWorld::editChannel(Snowflake channel, const std::function<void(QJsonObject &)> &edit)
{
    for (qsizetype i = 0; i < m_guilds.size(); ++i) {
        QJsonObject g = m_guilds.at(i).toObject();
        QJsonArray channels = g.value(QStringLiteral("channels")).toArray();
        for (qsizetype j = 0; j < channels.size(); ++j) {
            QJsonObject c = channels.at(j).toObject();
            if (c.value(QStringLiteral("id")).toString() != QString::number(channel))
                continue;
            edit(c);
            channels.replace(j, c);
            g.insert(QStringLiteral("channels"), channels);
            m_guilds.replace(i, g);
            return;
        }
    }
}

void DceWorld::setForbidden(Snowflake channel, bool forbidden)
{
    editChannel(channel, [&](QJsonObject &c) { c.insert(QStringLiteral("forbidden"), forbidden); });
}

void DceWorld::addThread(Snowflake guild, Snowflake parent, Snowflake id, const QString &name)
{
    addChannel(guild, id, name);
    editChannel(id, [&](QJsonObject &c) {
        c.insert(QStringLiteral("parent"), QString::number(parent));
        c.insert(QStringLiteral("type"), QStringLiteral("GuildPublicThread"));
    });
}

QList<Snowflake> DceWorld::addMessages(Snowflake channel, int count, const QDateTime &newest, std::chrono::minutes step,
                                       const QString &text)
{
    QList<Snowflake> ids;
    editChannel(channel, [&](QJsonObject &c) {
        QJsonArray messages = c.value(QStringLiteral("messages")).toArray();
        for (int k = 0; k < count; ++k) {
            const QDateTime at = newest.addSecs(-qint64(k) * step.count() * 60);
            const Snowflake id = snowflakeAt(at) + Snowflake(k % 4096);
            ids.append(id);
            messages.append(QJsonObject{
                {QStringLiteral("id"), QString::number(id)},
                {QStringLiteral("timestamp"), at.toUTC().toString(Qt::ISODateWithMs).replace(QLatin1Char('Z'), QStringLiteral("+00:00"))},
                {QStringLiteral("author"), QJsonObject{{QStringLiteral("id"), QStringLiteral("4242")},
                                                       {QStringLiteral("name"), QStringLiteral("alice")}}},
                {QStringLiteral("content"), QStringLiteral("%1 #%2").arg(text).arg(k)}});
        }
        c.insert(QStringLiteral("messages"), messages);
    });
    return ids;
}

void DceWorld::apply()
{
    QFile f(m_dir.filePath(QStringLiteral("world.json")));
    f.open(QIODevice::WriteOnly | QIODevice::Truncate);
    f.write(QJsonDocument(QJsonObject{{QStringLiteral("token"), QLatin1String(token)},
                                      {QStringLiteral("guilds"), m_guilds}})
                .toJson(QJsonDocument::Compact));
    f.close();
    qputenv("FAKE_DCE_WORLD", f.fileName().toLocal8Bit());
    qputenv("FAKE_DCE_LOG", m_dir.filePath(QStringLiteral("runs.log")).toLocal8Bit());
    qunsetenv("FAKE_DCE_FAIL");
    qunsetenv("FAKE_DCE_DELAY_MS");
}

DceProgram DceWorld::program()
{
    return DceProgram{QStringLiteral(FDD_FAKE_DCE), {}};
}

QList<QStringList> DceWorld::runs() const
{
    QList<QStringList> result;
    QFile f(m_dir.filePath(QStringLiteral("runs.log")));
    if (!f.open(QIODevice::ReadOnly))
        return result;
    while (!f.atEnd()) {
        QStringList args;
        for (const QJsonValue &v : QJsonDocument::fromJson(f.readLine()).array())
            args.append(v.toString());
        result.append(args);
    }
    return result;
}

} // namespace fdd::test
