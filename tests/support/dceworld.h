#pragma once

#include "dce/dceprocess.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>

#include <functional>

namespace fdd::test {

// What the DiscordChatExporter stand-in (tests/support/dce) sees as Discord:
// servers, channels and their messages, written to a JSON file the stand-in
// reads through FAKE_DCE_WORLD. apply() points this process's environment at
// it, so DCE started from here (the production code unchanged) talks to it.
class DceWorld
{
public:
    static constexpr const char *token = "fake-token.MTA3MDA0.secret";

    DceWorld();
    void addGuild(Snowflake id, const QString &name);
    void addChannel(Snowflake guild, Snowflake id, const QString &name, bool forbidden = false);
    // Discord starts (or stops) refusing the token access to a channel.
    void setForbidden(Snowflake channel, bool forbidden);
    // A thread of `parent` (a channel of `guild`), listed and exported as DCE does with --include-threads.
    void addThread(Snowflake guild, Snowflake parent, Snowflake id, const QString &name);
    // `count` messages, the newest at `newest`, one every `step` back in time.
    // Returns the ids, newest first.
    QList<Snowflake> addMessages(Snowflake channel, int count, const QDateTime &newest, std::chrono::minutes step,
                                 const QString &text = QStringLiteral("a walk in the park"));

    // Writes the world and sets FAKE_DCE_WORLD, FAKE_DCE_LOG; clears FAKE_DCE_FAIL.
    void apply();
    // The stand-in, as production code finds it.
    static DceProgram program();
    // The arguments of each run so far, oldest first.
    QList<QStringList> runs() const;
    QString folder() const { return m_dir.path(); }

    static Snowflake snowflakeAt(const QDateTime &at);

private:
    // Runs `edit` on the channel (or thread) with this id, wherever it is.
    void editChannel(Snowflake channel, const std::function<void(QJsonObject &)> &edit);

    QTemporaryDir m_dir;
    QJsonArray m_guilds;
};

} // namespace fdd::test
