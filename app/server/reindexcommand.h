#pragma once

#include <QStringList>

namespace fdd::cli {

// fastdiscorddb-server reindex --from postgres --to es
int runReindex(const QStringList &arguments);

} // namespace fdd::cli
