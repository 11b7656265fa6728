#pragma once

#include "model/expected.h"

#include <QString>
#include <QStringList>

namespace fdd {

// How to start DiscordChatExporter's command-line program: the executable,
// or `dotnet` with the DLL as its first argument.
struct DceProgram
{
    QString program;
    QStringList leadingArguments;

    // Finds DCE: `configured` (an executable, or a .dll run by dotnet), then
    // DiscordChatExporter.Cli on PATH, then `configuredDll` run by dotnet.
    // Empty arguments are skipped.
    static Expected<DceProgram> locate(const QString &configured = {}, const QString &configuredDll = {});
    // What the user would type, for messages ("dotnet /opt/dce/DiscordChatExporter.Cli.dll").
    QString describe() const;
};

} // namespace fdd
