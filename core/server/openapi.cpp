#include "openapi.h"

#include <QJsonArray>

namespace fdd::openapi {

namespace {

QJsonObject param(const char *name, const char *description, const char *type, bool required,
                  const QJsonObject &extra = {})
{
    QJsonObject schema{{QStringLiteral("type"), QLatin1String(type)}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        schema.insert(it.key(), it.value());
    return {{QStringLiteral("name"), QLatin1String(name)},
            {QStringLiteral("in"), QStringLiteral("query")},
            {QStringLiteral("required"), required},
            {QStringLiteral("description"), QLatin1String(description)},
            {QStringLiteral("schema"), schema}};
}

QJsonObject ref(const char *name)
{
    return {{QStringLiteral("$ref"), QStringLiteral("#/components/schemas/") + QLatin1String(name)}};
}

QJsonObject jsonResponse(const char *description, const char *schema)
{
    return {{QStringLiteral("description"), QLatin1String(description)},
            {QStringLiteral("content"), QJsonObject{{QStringLiteral("application/json"),
                                                     QJsonObject{{QStringLiteral("schema"), ref(schema)}}}}}};
}

QJsonObject responses(const char *okSchema)
{
    return {{QStringLiteral("200"), jsonResponse("Success (an empty list with detail \"No messages found\" when nothing matches)", okSchema)},
            {QStringLiteral("400"), jsonResponse("Bad input: the detail says which parameter and why", "Error")},
            {QStringLiteral("401"), jsonResponse("Missing or wrong X-Api-Key", "Error")},
            {QStringLiteral("503"), jsonResponse("The store is unreachable: which part is down and a request id; the reason is in the log under that id", "Error")},
            {QStringLiteral("500"), jsonResponse("A fault, logged under the request id in the body", "Error")}};
}

QJsonArray paging()
{
    return {param("page", "Page number, from 1", "integer", false, {{QStringLiteral("minimum"), 1}, {QStringLiteral("default"), 1}}),
            param("page_size", "Messages a page (alias: size)", "integer", false,
                  {{QStringLiteral("minimum"), 1}, {QStringLiteral("maximum"), 100}, {QStringLiteral("default"), 10}})};
}

QJsonObject get(const char *summary, QJsonArray parameters, const char *okSchema)
{
    return {{QStringLiteral("get"), QJsonObject{{QStringLiteral("summary"), QLatin1String(summary)},
                                                {QStringLiteral("parameters"), parameters},
                                                {QStringLiteral("responses"), responses(okSchema)}}}};
}

QJsonObject exportPost(const char *summary)
{
    const QJsonObject pathParam{{QStringLiteral("name"), QStringLiteral("channel_id")},
                                {QStringLiteral("in"), QStringLiteral("path")},
                                {QStringLiteral("required"), true},
                                {QStringLiteral("schema"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                                                       {QStringLiteral("pattern"), QStringLiteral("^[0-9]+$")}}}};
    const QJsonObject token{{QStringLiteral("name"), QStringLiteral("X-Token")},
                            {QStringLiteral("in"), QStringLiteral("header")},
                            {QStringLiteral("required"), true},
                            {QStringLiteral("description"), QStringLiteral("The Discord token DiscordChatExporter uses; never logged")},
                            {QStringLiteral("schema"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}}}};
    const QJsonObject date{{QStringLiteral("type"), QStringLiteral("string")}};
    QJsonObject answers = responses("ExportResult");
    answers.insert(QStringLiteral("200"), jsonResponse("Exported and imported: counts of new and already archived messages", "ExportResult"));
    answers.insert(QStringLiteral("400"), jsonResponse("Missing X-Token, a bad id or date, or a token Discord refuses", "Error"));
    answers.insert(QStringLiteral("404"), jsonResponse("Discord has no such channel, or the token cannot see it", "Error"));
    answers.insert(QStringLiteral("503"), jsonResponse("DiscordChatExporter is not installed, Discord is unreachable, or the store is", "Error"));
    return {{QStringLiteral("post"),
             QJsonObject{{QStringLiteral("summary"), QLatin1String(summary)},
                         {QStringLiteral("parameters"),
                          QJsonArray{pathParam, token,
                                     param("after", "Start of the window: YYYY-MM-DD or ISO 8601 (default: 7 days ago)", "string", false),
                                     param("before", "End of the window: YYYY-MM-DD or ISO 8601", "string", false)}},
                         {QStringLiteral("responses"), answers}}}};
}

// One operation of the watch endpoints: `ok` is its success status.
QJsonObject watchOperation(const char *summary, const char *ok, const char *okDescription, const char *okSchema,
                           bool withId, bool withBody = false)
{
    QJsonObject answers{{QLatin1String(ok), jsonResponse(okDescription, okSchema)},
                        {QStringLiteral("400"), jsonResponse("Bad input: the detail says what and why", "Error")},
                        {QStringLiteral("401"), jsonResponse("Missing or wrong X-Api-Key", "Error")},
                        {QStringLiteral("503"), jsonResponse("The store is unreachable", "Error")}};
    if (withId)
        answers.insert(QStringLiteral("404"), jsonResponse("Not on the watch list", "Error"));
    QJsonObject op{{QStringLiteral("summary"), QLatin1String(summary)}, {QStringLiteral("responses"), answers}};
    if (withId)
        op.insert(QStringLiteral("parameters"),
                  QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("watch_id")},
                                         {QStringLiteral("in"), QStringLiteral("path")},
                                         {QStringLiteral("required"), true},
                                         {QStringLiteral("description"), QStringLiteral("The watched channel's or server's id")},
                                         {QStringLiteral("schema"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                                                                {QStringLiteral("pattern"), QStringLiteral("^[0-9]+$")}}}}});
    if (withBody)
        op.insert(QStringLiteral("requestBody"),
                  QJsonObject{{QStringLiteral("required"), true},
                              {QStringLiteral("content"), QJsonObject{{QStringLiteral("application/json"),
                                                                       QJsonObject{{QStringLiteral("schema"), ref("NewWatch")}}}}}});
    return op;
}

// /api/search/export: a file in one of four formats, not a JSON page.
QJsonObject resultsExportGet(const QJsonArray &searchParameters)
{
    QJsonArray parameters = searchParameters;
    parameters.append(param("format", "csv, json (default), ndjson (one message a line) or markdown", "string", false,
                            {{QStringLiteral("enum"), QJsonArray{QStringLiteral("csv"), QStringLiteral("json"), QStringLiteral("ndjson"),
                                                                 QStringLiteral("markdown")}},
                             {QStringLiteral("default"), QStringLiteral("json")}}));
    parameters.append(param("context", "Messages before and after each match, merged into conversations (channel by channel, oldest first)",
                            "integer", false,
                            {{QStringLiteral("minimum"), 0}, {QStringLiteral("maximum"), 20}, {QStringLiteral("default"), 0}}));
    QJsonObject answers = responses("Error");
    const QJsonObject text{{QStringLiteral("schema"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}}}};
    answers.insert(QStringLiteral("200"),
                   QJsonObject{{QStringLiteral("description"),
                                QStringLiteral("Every match, streamed (chunked) as it is read; a transfer cut off before its end means the"
                                               " export failed part-way (the reason is in the log). JSON: {query, context, exported_at,"
                                               " messages | conversations [{channel_id, channel, messages}], match_count}; NDJSON and"
                                               " JSON messages carry match and conversation with context")},
                               {QStringLiteral("content"), QJsonObject{{QStringLiteral("application/json"), text},
                                                                       {QStringLiteral("application/x-ndjson"), text},
                                                                       {QStringLiteral("text/csv"), text},
                                                                       {QStringLiteral("text/markdown"), text}}}});
    return {{QStringLiteral("get"), QJsonObject{{QStringLiteral("summary"), QStringLiteral("Export every match of a search, with context if asked")},
                                                {QStringLiteral("parameters"), parameters},
                                                {QStringLiteral("responses"), answers}}}};
}

QJsonObject contextGet()
{
    const QJsonObject id{{QStringLiteral("name"), QStringLiteral("message_id")},
                         {QStringLiteral("in"), QStringLiteral("path")},
                         {QStringLiteral("required"), true},
                         {QStringLiteral("schema"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                                                {QStringLiteral("pattern"), QStringLiteral("^[0-9]+$")}}}};
    const QJsonObject side{{QStringLiteral("minimum"), 0}, {QStringLiteral("maximum"), 20}, {QStringLiteral("default"), 5}};
    QJsonObject answers = responses("Context");
    answers.insert(QStringLiteral("200"), jsonResponse("The message and its neighbours in its channel, oldest first", "Context"));
    answers.insert(QStringLiteral("404"), jsonResponse("No such message in the archive", "Error"));
    return {{QStringLiteral("get"),
             QJsonObject{{QStringLiteral("summary"), QStringLiteral("A message with the messages before and after it in its channel")},
                         {QStringLiteral("parameters"),
                          QJsonArray{id, param("before", "Messages before it, 0 to 20", "integer", false, side),
                                     param("after", "Messages after it, 0 to 20", "integer", false, side)}},
                         {QStringLiteral("responses"), answers}}}};
}

QJsonArray concat(QJsonArray a, const QJsonArray &b)
{
    for (const QJsonValue &v : b)
        a.append(v);
    return a;
}

} // namespace

QJsonObject document()
{
    const QJsonObject term = param("search_term", "1 to 100 characters", "string", true,
                                   {{QStringLiteral("minLength"), 1}, {QStringLiteral("maxLength"), 100}});
    const QJsonObject keyword = param("keyword", "1 to 100 characters", "string", true,
                                      {{QStringLiteral("minLength"), 1}, {QStringLiteral("maxLength"), 100}});
    const QJsonArray dates{param("start_date", "YYYY-MM-DD, inclusive", "string", true, {{QStringLiteral("format"), QStringLiteral("date")}}),
                           param("end_date", "YYYY-MM-DD, inclusive", "string", true, {{QStringLiteral("format"), QStringLiteral("date")}}),
                           param("tz", "the IANA time zone whose calendar days the dates are, e.g. Europe/Berlin (default UTC)",
                                 "string", false, {{QStringLiteral("maxLength"), 64}})};
    const QJsonObject id{{QStringLiteral("type"), QStringLiteral("string")}, {QStringLiteral("pattern"), QStringLiteral("^[0-9]+$")}};
    const QJsonObject str{{QStringLiteral("type"), QStringLiteral("string")}};
    const QJsonObject integer{{QStringLiteral("type"), QStringLiteral("integer")}};

    const QJsonObject message{
        {QStringLiteral("type"), QStringLiteral("object")},
        {QStringLiteral("properties"), QJsonObject{{QStringLiteral("message_id"), id}, {QStringLiteral("channel_id"), id},
                                                   {QStringLiteral("guild_id"), id}, {QStringLiteral("author_id"), id},
                                                   {QStringLiteral("author_name"), str},
                                                   {QStringLiteral("timestamp"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}, {QStringLiteral("format"), QStringLiteral("date-time")}}},
                                                   {QStringLiteral("message_date"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}, {QStringLiteral("format"), QStringLiteral("date")}}},
                                                   {QStringLiteral("content"), str},
                                                   {QStringLiteral("before"), QJsonObject{{QStringLiteral("type"), QStringLiteral("array")}, {QStringLiteral("items"), ref("Message")}}},
                                                   {QStringLiteral("after"), QJsonObject{{QStringLiteral("type"), QStringLiteral("array")}, {QStringLiteral("items"), ref("Message")}}}}}};
    const QJsonObject messages{{QStringLiteral("type"), QStringLiteral("array")}, {QStringLiteral("items"), ref("Message")}};
    const QJsonObject page{
        {QStringLiteral("type"), QStringLiteral("object")},
        {QStringLiteral("properties"), QJsonObject{{QStringLiteral("messages"), messages}, {QStringLiteral("count"), integer},
                                                   {QStringLiteral("total_count"), integer}, {QStringLiteral("page"), integer},
                                                   {QStringLiteral("page_size"), integer}, {QStringLiteral("total_pages"), integer},
                                                   {QStringLiteral("detail"), str}}}};
    const QJsonObject all{{QStringLiteral("type"), QStringLiteral("object")},
                          {QStringLiteral("properties"), QJsonObject{{QStringLiteral("messages"), messages},
                                                                     {QStringLiteral("count"), integer},
                                                                     {QStringLiteral("detail"), str}}}};
    const QJsonObject error{{QStringLiteral("type"), QStringLiteral("object")},
                            {QStringLiteral("properties"), QJsonObject{{QStringLiteral("detail"), str}, {QStringLiteral("request_id"), str}}},
                            {QStringLiteral("required"), QJsonArray{QStringLiteral("detail")}}};
    const QJsonObject health{{QStringLiteral("type"), QStringLiteral("object")}};
    const QJsonObject exportResult{
        {QStringLiteral("type"), QStringLiteral("object")},
        {QStringLiteral("properties"),
         QJsonObject{{QStringLiteral("status"), str},
                     {QStringLiteral("data"), QJsonObject{{QStringLiteral("type"), QStringLiteral("object")},
                                                          {QStringLiteral("properties"), QJsonObject{{QStringLiteral("message"), str},
                                                                                                     {QStringLiteral("inserted"), integer},
                                                                                                     {QStringLiteral("skipped"), integer}}}}},
                     {QStringLiteral("process_time"), str}}}};

    const QJsonObject nullableStr{{QStringLiteral("type"), QStringLiteral("string")}, {QStringLiteral("nullable"), true}};
    const auto object = [](const QJsonObject &properties) {
        return QJsonObject{{QStringLiteral("type"), QStringLiteral("object")}, {QStringLiteral("properties"), properties}};
    };
    const auto listOf = [](const QJsonObject &items) {
        return QJsonObject{{QStringLiteral("type"), QStringLiteral("array")}, {QStringLiteral("items"), items}};
    };
    const QJsonObject nullableId{{QStringLiteral("type"), QStringLiteral("string")}, {QStringLiteral("pattern"), QStringLiteral("^[0-9]+$")},
                                 {QStringLiteral("nullable"), true}};
    const QJsonObject time{{QStringLiteral("type"), QStringLiteral("string")}, {QStringLiteral("format"), QStringLiteral("date-time")},
                           {QStringLiteral("nullable"), true}};
    const QJsonObject yesNo{{QStringLiteral("type"), QStringLiteral("boolean")}};
    // The whole message (additive: the original fields above keep their meaning).
    const QJsonObject user = object({{QStringLiteral("id"), id}, {QStringLiteral("name"), str}, {QStringLiteral("nickname"), str},
                                     {QStringLiteral("display_name"), str}, {QStringLiteral("discriminator"), str},
                                     {QStringLiteral("color"), nullableStr}, {QStringLiteral("is_bot"), yesNo},
                                     {QStringLiteral("avatar_url"), str}});
    const QJsonObject attachment = object({{QStringLiteral("id"), id}, {QStringLiteral("url"), str}, {QStringLiteral("file_name"), str},
                                           {QStringLiteral("size_bytes"), integer},
                                           {QStringLiteral("kind"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                                                                {QStringLiteral("enum"), QJsonArray{QStringLiteral("image"), QStringLiteral("video"),
                                                                                                                    QStringLiteral("audio"), QStringLiteral("other")}}}}});
    const QJsonObject embed = object({{QStringLiteral("title"), str}, {QStringLiteral("url"), str}, {QStringLiteral("description"), str},
                                      {QStringLiteral("kind"), str}, {QStringLiteral("color"), str}, {QStringLiteral("timestamp"), time},
                                      {QStringLiteral("author_name"), str}, {QStringLiteral("author_url"), str},
                                      {QStringLiteral("thumbnail_url"), str}, {QStringLiteral("image_url"), str},
                                      {QStringLiteral("video_url"), str}, {QStringLiteral("footer_text"), str},
                                      {QStringLiteral("fields"), listOf(object({{QStringLiteral("name"), str}, {QStringLiteral("value"), str},
                                                                                {QStringLiteral("inline"), yesNo}}))}});
    const QJsonObject sticker = object({{QStringLiteral("id"), id}, {QStringLiteral("name"), str}, {QStringLiteral("format"), str},
                                        {QStringLiteral("source_url"), str}});
    const QJsonObject reaction = object({{QStringLiteral("emoji"), object({{QStringLiteral("id"), nullableId}, {QStringLiteral("name"), str},
                                                                           {QStringLiteral("code"), str}, {QStringLiteral("animated"), yesNo},
                                                                           {QStringLiteral("image_url"), str}})},
                                         {QStringLiteral("count"), integer},
                                         {QStringLiteral("users"), listOf(ref("User"))}});
    QJsonObject wholeMessage = message;
    QJsonObject messageProperties = message.value(QStringLiteral("properties")).toObject();
    for (const auto &[name, schema] : std::initializer_list<std::pair<const char *, QJsonObject>>{
             {"reply_to_id", id},
             {"type", str},
             {"is_pinned", yesNo},
             {"edited_timestamp", time},
             {"call_ended_timestamp", time},
             {"author", ref("User")},
             {"attachment_count", integer},
             {"embed_count", integer},
             {"reaction_count", integer},
             {"attachments", listOf(ref("Attachment"))},
             {"embeds", listOf(ref("Embed"))},
             {"stickers", listOf(ref("Sticker"))},
             {"reactions", listOf(ref("Reaction"))},
             {"mentions", listOf(ref("User"))},
             {"reference", object({{QStringLiteral("message_id"), nullableId}, {QStringLiteral("channel_id"), nullableId},
                                   {QStringLiteral("guild_id"), nullableId}, {QStringLiteral("type"), str}})},
             {"interaction", object({{QStringLiteral("id"), id}, {QStringLiteral("name"), str}, {QStringLiteral("user"), ref("User")}})},
             {"forwarded", object({{QStringLiteral("timestamp"), time}, {QStringLiteral("edited_timestamp"), time},
                                   {QStringLiteral("content"), str}, {QStringLiteral("attachments"), listOf(ref("Attachment"))},
                                   {QStringLiteral("embeds"), listOf(ref("Embed"))}, {QStringLiteral("stickers"), listOf(ref("Sticker"))}})},
             {"complete", QJsonObject{{QStringLiteral("type"), QStringLiteral("boolean")},
                                      {QStringLiteral("description"), QStringLiteral("false for a message archived before whole messages were "
                                                                                     "kept: importing its file again fills in the rest")}}}})
        messageProperties.insert(QLatin1String(name), schema);
    wholeMessage.insert(QStringLiteral("properties"), messageProperties);
    const QJsonObject instant{{QStringLiteral("type"), QStringLiteral("string")}, {QStringLiteral("format"), QStringLiteral("date-time")},
                              {QStringLiteral("nullable"), true}};
    const QJsonObject boolean{{QStringLiteral("type"), QStringLiteral("boolean")}};
    const QJsonObject kind{{QStringLiteral("type"), QStringLiteral("string")},
                           {QStringLiteral("enum"), QJsonArray{QStringLiteral("channel"), QStringLiteral("server")}}};
    const QJsonObject watch{
        {QStringLiteral("type"), QStringLiteral("object")},
        {QStringLiteral("properties"),
         QJsonObject{{QStringLiteral("id"), str}, {QStringLiteral("kind"), kind}, {QStringLiteral("name"), str},
                     {QStringLiteral("every_seconds"), integer}, {QStringLiteral("every"), str},
                     {QStringLiteral("include_threads"), boolean}, {QStringLiteral("paused"), boolean},
                     {QStringLiteral("state"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                                          {QStringLiteral("enum"), QJsonArray{QStringLiteral("ok"), QStringLiteral("due"),
                                                                                              QStringLiteral("overdue"), QStringLiteral("failing"),
                                                                                              QStringLiteral("paused")}}}},
                     {QStringLiteral("next_run"), instant}, {QStringLiteral("last_run"), instant},
                     {QStringLiteral("last_success"), instant}, {QStringLiteral("last_added"), integer},
                     {QStringLiteral("last_error"), nullableStr}, {QStringLiteral("failures"), integer}}}};
    const QJsonObject newWatch{
        {QStringLiteral("type"), QStringLiteral("object")},
        {QStringLiteral("required"), QJsonArray{QStringLiteral("id")}},
        {QStringLiteral("properties"),
         QJsonObject{{QStringLiteral("id"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}, {QStringLiteral("pattern"), QStringLiteral("^[0-9]+$")}}},
                     {QStringLiteral("every"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                                          {QStringLiteral("description"), QStringLiteral("15m, 6h, 1d, 2w … (default 1h; 1 minute to 366 days)")}}},
                     {QStringLiteral("kind"), kind},
                     {QStringLiteral("include_threads"), boolean}}}};
    const QJsonObject watchList{
        {QStringLiteral("type"), QStringLiteral("object")},
        {QStringLiteral("properties"),
         QJsonObject{{QStringLiteral("watches"), QJsonObject{{QStringLiteral("type"), QStringLiteral("array")}, {QStringLiteral("items"), ref("Watch")}}},
                     {QStringLiteral("scheduler"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                                              {QStringLiteral("enum"), QJsonArray{QStringLiteral("running"), QStringLiteral("off")}}}}}}};
    const QJsonObject watchRun{{QStringLiteral("type"), QStringLiteral("object")},
                               {QStringLiteral("properties"), QJsonObject{{QStringLiteral("detail"), str}, {QStringLiteral("watch"), ref("Watch")}}}};

    const QJsonObject languageQuery = param("q", "The search, up to 1000 characters, e.g. from:alice has:image deploy", "string", true,
                                            {{QStringLiteral("minLength"), 1}, {QStringLiteral("maxLength"), 1000}});
    const QJsonObject sort = param("sort", "newest (default), oldest, or relevance (by the search's words)", "string", false,
                                   {{QStringLiteral("enum"), QJsonArray{QStringLiteral("newest"), QStringLiteral("oldest"), QStringLiteral("relevance")}}});
    const QJsonObject zone = param("tz", "the IANA time zone of before:, after: and during: days, e.g. Europe/Berlin (default UTC)",
                                   "string", false, {{QStringLiteral("maxLength"), 64}});
    QJsonObject queryPage = page;
    QJsonObject queryPageProperties = page.value(QStringLiteral("properties")).toObject();
    queryPageProperties.insert(QStringLiteral("query"), str);
    queryPage.insert(QStringLiteral("properties"), queryPageProperties);
    const QJsonObject timelineSchema{
        {QStringLiteral("type"), QStringLiteral("object")},
        {QStringLiteral("properties"),
         QJsonObject{{QStringLiteral("query"), str}, {QStringLiteral("tz"), str}, {QStringLiteral("total_count"), integer},
                     {QStringLiteral("days"), QJsonObject{{QStringLiteral("type"), QStringLiteral("array")},
                                                         {QStringLiteral("items"), QJsonObject{{QStringLiteral("type"), QStringLiteral("object")},
                                                                                               {QStringLiteral("properties"), QJsonObject{{QStringLiteral("date"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}, {QStringLiteral("format"), QStringLiteral("date")}}},
                                                                                                                                          {QStringLiteral("count"), integer}}}}}}}}}};
    const QJsonObject contextSchema{{QStringLiteral("type"), QStringLiteral("object")},
                                    {QStringLiteral("properties"), QJsonObject{{QStringLiteral("message"), ref("Message")},
                                                                               {QStringLiteral("before"), messages},
                                                                               {QStringLiteral("after"), messages}}}};

    const QJsonObject paths{
        {QStringLiteral("/api/chats/search"), get("Case-insensitive substring search, newest first", concat({term}, paging()), "Page")},
        {QStringLiteral("/api/chats/search/all"), get("Every full-text match that also contains the term, unpaged", {term}, "AllMessages")},
        {QStringLiteral("/api/chats/context-search"),
         get("English full-text search; with context=N each message carries up to N neighbours before and after",
             concat(concat({term}, paging()), {param("context", "Neighbours on each side, 0 to 20", "integer", false,
                                                     {{QStringLiteral("minimum"), 0}, {QStringLiteral("maximum"), 20}, {QStringLiteral("default"), 0}})}),
             "Page")},
        {QStringLiteral("/api/chats/search/by-date"), get("Messages within an inclusive date range", concat(dates, paging()), "Page")},
        {QStringLiteral("/api/es/chats/search"), get("Elasticsearch match on content (503 until Elasticsearch is configured)", concat({keyword}, paging()), "Page")},
        {QStringLiteral("/api/es/chats/search/by-date"), get("Elasticsearch range on message_date (503 until Elasticsearch is configured)", concat(dates, paging()), "Page")},
        {QStringLiteral("/api/chats/export/{channel_id}"), exportPost("Export a channel with DiscordChatExporter and import it into the SQL store")},
        {QStringLiteral("/api/es/chats/export/{channel_id}"), exportPost("Export a channel into Elasticsearch (503 until Elasticsearch is configured)")},
        {QStringLiteral("/api/watches"),
         QJsonObject{{QStringLiteral("get"), watchOperation("The watch list: channels and servers exported on a schedule, with each one's state",
                                                            "200", "The watches, and whether this server runs them (serve --watch)", "WatchList", false)},
                     {QStringLiteral("post"), watchOperation("Watch a channel or a server; its first update is due at once",
                                                             "201", "The watch as stored", "Watch", false, true)}}},
        {QStringLiteral("/api/watches/{watch_id}"),
         QJsonObject{{QStringLiteral("delete"), watchOperation("Stop watching (the archived messages stay)", "200", "Removed", "Error", true)}}},
        {QStringLiteral("/api/watches/{watch_id}/run"),
         QJsonObject{{QStringLiteral("post"), watchOperation("Update now: the watch is due at once, and started at once when this server runs the watch list",
                                                             "202", "Due (and started, with serve --watch)", "WatchRun", true)}}},
        {QStringLiteral("/api/health"), get("Store, cache and exporter status; 503 when the store is unreachable. Why a part is down (its address) only with a valid X-Api-Key, where the server has one", {}, "Health")},
        {QStringLiteral("/api/openapi.json"), get("This description", {}, "Health")},
        {QStringLiteral("/api/search"),
         get("The search language: words (English full text), \"exact text\", /regex/i, from: mentions: in: has: pinned: reaction: "
             "bot: edited: before: after: during:, combined with spaces (AND), OR or |, - or NOT, and parentheses. "
             "A search that does not parse is a 400 naming the place. The answer's query is the search as understood",
             concat(concat(QJsonArray{languageQuery}, paging()), QJsonArray{sort, zone}), "QueryPage")},
        {QStringLiteral("/api/search/timeline"),
         get("How many messages the search finds on each day of the zone, oldest first (days without any left out)",
             QJsonArray{languageQuery, zone}, "Timeline")},
        {QStringLiteral("/api/search/export"), resultsExportGet(QJsonArray{languageQuery, sort, zone})},
        {QStringLiteral("/api/messages/{message_id}/context"), contextGet()},
    };
    return {
        {QStringLiteral("openapi"), QStringLiteral("3.0.3")},
        {QStringLiteral("info"), QJsonObject{{QStringLiteral("title"), QStringLiteral("FastDiscordDB")},
                                             {QStringLiteral("version"), QStringLiteral(FDD_VERSION)},
                                             {QStringLiteral("description"), QStringLiteral("Search archived Discord channels. Ids are strings.")}}},
        {QStringLiteral("paths"), paths},
        {QStringLiteral("components"),
         QJsonObject{{QStringLiteral("schemas"), QJsonObject{{QStringLiteral("Message"), wholeMessage},
                                                            {QStringLiteral("User"), user}, {QStringLiteral("Attachment"), attachment},
                                                            {QStringLiteral("Embed"), embed}, {QStringLiteral("Sticker"), sticker},
                                                            {QStringLiteral("Reaction"), reaction}, {QStringLiteral("Page"), page},
                                                            {QStringLiteral("AllMessages"), all}, {QStringLiteral("Error"), error},
                                                            {QStringLiteral("Health"), health},
                                                            {QStringLiteral("ExportResult"), exportResult},
                                                            {QStringLiteral("Watch"), watch},
                                                            {QStringLiteral("NewWatch"), newWatch},
                                                            {QStringLiteral("WatchList"), watchList},
                                                            {QStringLiteral("WatchRun"), watchRun},
                                                            {QStringLiteral("QueryPage"), queryPage},
                                                            {QStringLiteral("Timeline"), timelineSchema},
                                                            {QStringLiteral("Context"), contextSchema}}},
                     {QStringLiteral("securitySchemes"), QJsonObject{{QStringLiteral("ApiKey"), QJsonObject{{QStringLiteral("type"), QStringLiteral("apiKey")}, {QStringLiteral("in"), QStringLiteral("header")}, {QStringLiteral("name"), QStringLiteral("X-Api-Key")}}}}}}},
    };
}

} // namespace fdd::openapi
