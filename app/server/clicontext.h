#pragma once

#include "dce/dceprocess.h"
#include "search/searchservice.h"
#include "model/expected.h"
#include "secrets/keychain.h"
#include "store/messagestore.h"

#include <QCommandLineParser>
#include <QTextStream>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

namespace fdd::cli {

// Exit codes of every subcommand.
enum ExitCode { Ok = 0, Failed = 1, BadInput = 2, Unavailable = 3, Cancelled = 130 };

QTextStream &out();
QTextStream &err();

int exitCodeFor(const Error &error);
// Prints the error's sentence on stderr and returns its exit code.
int report(const Error &error);

// --database, shared by the subcommands that use a store.
void addDatabaseOption(QCommandLineParser &parser);
// The store --database or FDD_DATABASE_URL names, migrated.
Expected<std::shared_ptr<MessageStore>> openStoreFrom(const QCommandLineParser &parser);

// The Elasticsearch store --elastic or $FDD_ELASTIC_URL names, migrated;
// an empty pointer when neither is set.
Expected<std::shared_ptr<MessageStore>> elasticStoreFrom(const QCommandLineParser &parser);
// A search service (with the Redis cache of --redis, if any) over a store.
Expected<std::shared_ptr<SearchService>> serviceOver(std::shared_ptr<MessageStore> store, const QCommandLineParser &parser);

// --redis, for the subcommands that search or change the archive.
void addCacheOption(QCommandLineParser &parser);
// The search service over the store of --database and, when --redis or
// FDD_REDIS_URL names one, the Redis cache.
Expected<std::shared_ptr<SearchService>> serviceFrom(const QCommandLineParser &parser);

// --dce, for the subcommands that run DiscordChatExporter.
void addDceOption(QCommandLineParser &parser);
// DiscordChatExporter as --dce or $FDD_DCE names it (an executable or a .dll),
// else DiscordChatExporter.Cli on PATH, else $FDD_DCE_DLL run by dotnet.
Expected<DceProgram> dceFrom(const QCommandLineParser &parser);

// Parses the subcommand's arguments; on --help prints help and returns Ok, on
// a usage error prints it and returns BadInput; otherwise returns -1.
// `--name` as a whole number of seconds, at least `min` (and at most `max`
// when given); `fallback` when the option is not set.
Expected<std::chrono::seconds> secondsOption(const QCommandLineParser &parser, const QString &name,
                                             std::chrono::seconds fallback, int min, std::optional<int> max = {});

// The Discord token, never from argv: $DISCORD_TOKEN, then a systemd
// credential ($CREDENTIALS_DIRECTORY/discord-token, LoadCredential=), then
// the system keychain (where the desktop app keeps it). From a thread other
// than the main one, through `relay`.
Expected<QString> storedDiscordToken(const KeychainRelay *relay = nullptr);

// From now on SIGINT and SIGTERM set the flag returned (for a long job's
// cancel flag) instead of ending the process.
const std::atomic_bool &cancelOnSignals();

int parseOrExit(QCommandLineParser &parser, const QStringList &arguments, const QString &synopsis);

} // namespace fdd::cli
