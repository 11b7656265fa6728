#pragma once

#include <QStringList>

namespace fdd::cli {

// `watch add|remove|pause|resume|list|run`: the archive's watch list.
int runWatch(const QStringList &arguments);

} // namespace fdd::cli
