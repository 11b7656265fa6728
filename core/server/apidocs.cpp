#include "apidocs.h"

#include <QFile>

static void initDocsResources()
{
    Q_INIT_RESOURCE(apidocs);
}

namespace fdd::apidocs {

QByteArray page()
{
    static const QByteArray html = [] {
        initDocsResources();
        QFile file(QStringLiteral(":/fdd/docs/index.html"));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }();
    return html;
}

} // namespace fdd::apidocs
