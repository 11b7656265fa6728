#pragma once

#include <QStringList>

namespace fdd::cli {

// fastdiscorddb-server export CHANNEL… [--guild ID]… [--after] [--before] [--update]
int runExport(const QStringList &arguments);

} // namespace fdd::cli
