#pragma once

#include <QStringList>

namespace fdd::cli {

// fastdiscorddb-server import FILE|DIR…
int runImport(const QStringList &arguments);

} // namespace fdd::cli
