#pragma once

#include <QByteArray>

namespace fdd::apidocs {

// The page served at /docs: it reads /api/openapi.json, lists every endpoint
// with its parameters and lets a user send requests from the browser. One
// self-contained file (core/server/docs/index.html), no third-party script.
QByteArray page();

} // namespace fdd::apidocs
