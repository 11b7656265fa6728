#include "dceprogram.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace fdd {

namespace {

const QString cliName = QStringLiteral("DiscordChatExporter.Cli");

bool isDll(const QString &path)
{
    return path.endsWith(QLatin1String(".dll"), Qt::CaseInsensitive);
}

Expected<DceProgram> viaDotnet(const QString &dll)
{
    const QString dotnet = QStandardPaths::findExecutable(QStringLiteral("dotnet"));
    if (dotnet.isEmpty())
        return Error::unavailable(QStringLiteral("DiscordChatExporter is configured as %1, which needs .NET, but "
                                                 "\"dotnet\" is not on PATH. Install the .NET runtime, or point to "
                                                 "the self-contained DiscordChatExporter.Cli executable instead.")
                                      .arg(QDir::toNativeSeparators(dll)));
    return DceProgram{dotnet, {QFileInfo(dll).absoluteFilePath()}};
}

} // namespace

Expected<DceProgram> DceProgram::locate(const QString &configured, const QString &configuredDll)
{
    if (!configured.isEmpty()) {
        const QFileInfo info(configured);
        if (!info.isFile())
            return Error::unavailable(QStringLiteral("DiscordChatExporter was not found at %1: no such file.")
                                          .arg(QDir::toNativeSeparators(configured)));
        if (isDll(configured))
            return viaDotnet(configured);
        if (!info.isExecutable())
            return Error::unavailable(QStringLiteral("%1 is not executable: run \"chmod +x\" on it, or point to "
                                                     "DiscordChatExporter.Cli.dll to run it with dotnet.")
                                          .arg(QDir::toNativeSeparators(configured)));
        return DceProgram{info.absoluteFilePath(), {}};
    }
    const QString onPath = QStandardPaths::findExecutable(cliName);
    if (!onPath.isEmpty())
        return DceProgram{onPath, {}};
    if (!configuredDll.isEmpty()) {
        if (!QFileInfo(configuredDll).isFile())
            return Error::unavailable(QStringLiteral("DiscordChatExporter was not found at %1: no such file.")
                                          .arg(QDir::toNativeSeparators(configuredDll)));
        return viaDotnet(configuredDll);
    }
    return Error::unavailable(QStringLiteral("DiscordChatExporter was not found: %1 is not on PATH and no location is "
                                             "configured. Download the CLI from "
                                             "https://github.com/Tyrrrz/DiscordChatExporter/releases and set its path "
                                             "(--dce, $FDD_DCE, or Settings).")
                                  .arg(cliName));
}

QString DceProgram::describe() const
{
    QStringList parts{program};
    parts += leadingArguments;
    return parts.join(QLatin1Char(' '));
}

} // namespace fdd
