#pragma once

#include <QStringList>

namespace fdd::cli {

// fastdiscorddb-server search --substring|--fulltext|--all TERM | --date START..END
int runSearch(const QStringList &arguments);

} // namespace fdd::cli
