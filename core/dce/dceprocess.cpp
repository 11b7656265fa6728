#include "dceprocess.h"

#include <QDeadlineTimer>
#include <QLoggingCategory>
#include <QProcess>
#include <QRegularExpression>

Q_LOGGING_CATEGORY(lcDceProcess, "fdd.dce.process")

namespace fdd {

DceProcess::DceProcess(DceProgram program, QString token) : m_program(std::move(program)), m_token(std::move(token)) {}

Expected<void> DceProcess::exportChannel(Snowflake channel, const ExportArguments &arguments, const ProgressHandler &progress)
{
    return runExport({QStringLiteral("export"), QStringLiteral("-c"), QString::number(channel)}, arguments,
                     QStringLiteral("channel %1").arg(channel), progress);
}

Expected<void> DceProcess::exportGuild(Snowflake guild, const ExportArguments &arguments, const ProgressHandler &progress)
{
    return runExport({QStringLiteral("exportguild"), QStringLiteral("-g"), QString::number(guild)}, arguments,
                     QStringLiteral("server %1").arg(guild), progress);
}

Expected<void> DceProcess::runExport(QStringList command, const ExportArguments &arguments, const QString &subject,
                                     const ProgressHandler &progress)
{
    command << QStringLiteral("-f") << QStringLiteral("Json") << QStringLiteral("-o") << arguments.output;
    if (!arguments.after.isEmpty())
        command << QStringLiteral("--after") << arguments.after;
    if (!arguments.before.isEmpty())
        command << QStringLiteral("--before") << arguments.before;
    if (!arguments.mediaDir.isEmpty())
        command << QStringLiteral("--media") << QStringLiteral("--reuse-media") << QStringLiteral("--media-dir") << arguments.mediaDir;
    Expected<QStringList> out = run(command, subject, progress);
    if (!out)
        return out.error();
    return {};
}

namespace {

// "1234 | Name" (guilds, padded) and "1234 | Category / name" (channels).
const QRegularExpression &listLine()
{
    static const QRegularExpression re(QStringLiteral("^\\*?\\s*(\\d{1,20})\\s*\\|\\s*(.*)$"));
    return re;
}

} // namespace

Expected<QList<Guild>> DceProcess::guilds()
{
    Expected<QStringList> out = run({QStringLiteral("guilds")}, QStringLiteral("the list of servers"), {});
    if (!out)
        return out.error();
    QList<Guild> result;
    for (const QString &line : *out) {
        const QRegularExpressionMatch m = listLine().match(line);
        if (m.hasMatch())
            result.append(Guild{m.captured(1).toULongLong(), m.captured(2).trimmed()});
    }
    return result;
}

Expected<QList<Channel>> DceProcess::channels(Snowflake guild, bool withThreads)
{
    QStringList arguments{QStringLiteral("channels"), QStringLiteral("-g"), QString::number(guild)};
    if (withThreads)
        arguments << QStringLiteral("--include-threads") << QStringLiteral("all");
    Expected<QStringList> out = run(arguments, QStringLiteral("server %1").arg(guild), {});
    if (!out)
        return out.error();
    QList<Channel> result;
    Snowflake parent = 0;
    for (const QString &line : *out) {
        const QRegularExpressionMatch m = listLine().match(line);
        if (!m.hasMatch())
            continue;
        Channel c;
        c.id = m.captured(1).toULongLong();
        c.guildId = guild;
        QString title = m.captured(2).trimmed();
        // " * 1234 | Thread / name | Active": a thread of the channel above.
        if (line.trimmed().startsWith(QLatin1Char('*'))) {
            c.parentId = parent;
            c.type = QStringLiteral("Thread");
            if (const qsizetype bar = title.lastIndexOf(QLatin1String(" | ")); bar >= 0)
                title.truncate(bar);
        } else {
            parent = c.id;
        }
        const qsizetype slash = title.indexOf(QLatin1String(" / "));
        c.category = slash >= 0 ? title.left(slash) : QString();
        c.name = slash >= 0 ? title.mid(slash + 3) : title;
        result.append(c);
    }
    return result;
}

Error DceProcess::explain(const QStringList &output, int exitCode, const QString &subject)
{
    const QString all = output.join(QLatin1Char('\n'));
    const auto has = [&](const char *words) { return all.contains(QLatin1String(words), Qt::CaseInsensitive); };
    if (has("Authentication token is invalid"))
        return Error::badInput(QStringLiteral("Discord refused the token: it is invalid or has expired. Get a new token "
                                              "and try again."));
    if (has("failed: forbidden") || has("Access is forbidden") || has("Request is forbidden"))
        return Error::badInput(QStringLiteral("The token has no access to %1: Discord answered \"forbidden\". Check that "
                                              "the account can read it.").arg(subject));
    if (has("failed: not found") || has("does not exist"))
        return Error::notFound(QStringLiteral("Discord has no %1, or the token cannot see it. Check the id.").arg(subject));
    if (has("HttpRequestException") || has("SocketException") || has("Name or service not known")
        || has("No such host") || has("Connection refused") || has("timed out") || has("Network is unreachable"))
        return Error::unavailable(QStringLiteral("DiscordChatExporter could not reach Discord. Check the network "
                                                 "connection and try again."));
    if (has("Missing required option"))
        return Error::badInput(QStringLiteral("No Discord token was given to DiscordChatExporter."));
    // The last line DCE wrote that is not a progress line says most.
    QString last;
    for (auto it = output.crbegin(); it != output.crend() && last.isEmpty(); ++it)
        if (!it->endsWith(QLatin1Char('%')) && !it->startsWith(QLatin1String("Export failed")))
            last = *it;
    return Error::internal(QStringLiteral("DiscordChatExporter failed on %1 (exit code %2)%3")
                               .arg(subject)
                               .arg(exitCode)
                               .arg(last.isEmpty() ? QStringLiteral(".") : QStringLiteral(": ") + last.left(300)));
}

Expected<QStringList> DceProcess::run(const QStringList &arguments, const QString &subject, const ProgressHandler &progress)
{
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("DISCORD_TOKEN"), m_token);
    process.setProcessEnvironment(environment);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setInputChannelMode(QProcess::ManagedInputChannel);
    DceOutputParser parser(progress);

    qCInfo(lcDceProcess).noquote() << "running" << m_program.describe() << arguments.join(QLatin1Char(' '));
    process.start(m_program.program, m_program.leadingArguments + arguments, QIODevice::ReadOnly);
    if (!process.waitForStarted(30000))
        return Error::unavailable(QStringLiteral("DiscordChatExporter could not be started (%1): %2.")
                                      .arg(m_program.describe(), process.errorString()));
    const QDeadlineTimer deadline(m_timeout);
    const auto stop = [&] {
        process.kill();
        process.waitForFinished(5000);
    };
    while (process.state() != QProcess::NotRunning) {
        if (m_cancel && m_cancel->load()) {
            stop();
            return Error::cancelled(QStringLiteral("The export of %1 was cancelled.").arg(subject));
        }
        if (deadline.hasExpired()) {
            stop();
            return Error::unavailable(QStringLiteral("DiscordChatExporter did not finish %1 within %2 s and was stopped. "
                                                     "Export a shorter date range, or allow more time.")
                                          .arg(subject)
                                          .arg(m_timeout.count()));
        }
        if (process.waitForReadyRead(100))
            parser.feed(process.readAll());
    }
    parser.feed(process.readAll());
    parser.finish();
    if (m_cancel && m_cancel->load()) // e.g. Ctrl+C reached DCE first
        return Error::cancelled(QStringLiteral("The export of %1 was cancelled.").arg(subject));

    if (process.exitStatus() == QProcess::CrashExit)
        return Error::internal(QStringLiteral("DiscordChatExporter stopped unexpectedly while exporting %1 (%2). Nothing "
                                              "was imported; try again.")
                                   .arg(subject, process.errorString()));
    if (process.exitCode() != 0) {
        // An empty channel or period is not a failure: there is nothing new.
        const QString all = parser.lines().join(QLatin1Char('\n'));
        if (all.contains(QLatin1String("does not contain any messages"), Qt::CaseInsensitive)
            || all.contains(QLatin1String("no messages"), Qt::CaseInsensitive))
            return parser.lines();
        return explain(parser.lines(), process.exitCode(), subject);
    }
    return parser.lines();
}

} // namespace fdd
