#include "logcapture.h"

#include <QLoggingCategory>
#include <QMutex>

namespace fdd::test {

namespace {

QStringList captured;
QMutex capturedMutex;
QtMessageHandler previous = nullptr;

void capture(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        QMutexLocker lock(&capturedMutex);
        captured.append(message);
    }
    previous(type, context, message);
}

} // namespace

void LogCapture::install()
{
    QLoggingCategory::setFilterRules(QStringLiteral("fdd.*.debug=true\nfdd.*.info=true"));
    previous = qInstallMessageHandler(capture);
}

const QStringList &LogCapture::lines()
{
    return captured;
}

QString LogCapture::lineContaining(const QString &secret)
{
    QMutexLocker lock(&capturedMutex);
    for (const QString &line : std::as_const(captured))
        if (line.contains(secret))
            return line;
    return {};
}

} // namespace fdd::test
