#pragma once

#include <QJsonObject>

namespace fdd::openapi {

// The OpenAPI 3 description served at /api/openapi.json.
QJsonObject document();

} // namespace fdd::openapi
