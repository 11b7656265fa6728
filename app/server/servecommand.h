#pragma once

#include <QStringList>

namespace fdd::cli {

// fastdiscorddb-server serve [--listen HOST:PORT]
int runServe(const QStringList &arguments);

} // namespace fdd::cli
