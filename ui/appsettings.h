#pragma once

#include <QString>

namespace fdd {

// What the user configures in Settings, kept with QSettings. Secrets are not
// kept with it: the Discord token and the API key live in the system keychain
// (Keychain, apikeystore).
struct AppSettings
{
    QString databaseUrl;   // empty: the embedded archive
    QString redisUrl;      // empty: no cache
    QString elasticUrl;    // an Elasticsearch cluster: http://host:9200/index
    bool useElastic = false; // keep the archive there instead of databaseUrl
    int cacheTtlSeconds = 3600;
    QString dcePath;       // empty: DiscordChatExporter.Cli on PATH
    int pageSize = 50;
    // The REST API served from inside the app.
    bool apiEnabled = false;
    int apiPort = 8000;
    bool apiAllInterfaces = false; // needs apiKey
    QString apiKey;                // not saved here: see apikeystore

    static AppSettings load();
    void save() const;
};

} // namespace fdd
