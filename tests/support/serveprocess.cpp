#include "serveprocess.h"

#include <QRegularExpression>

namespace fdd::test {

int waitForListening(QProcess &server, QByteArray &said, int timeoutMs)
{
    server.setReadChannel(QProcess::StandardError);
    static const QRegularExpression listening(QStringLiteral("http://127\\.0\\.0\\.1:(\\d+)/api/"));
    QRegularExpressionMatch m;
    while (!(m = listening.match(QString::fromUtf8(said))).hasMatch()) {
        if (!server.waitForReadyRead(timeoutMs))
            return 0;
        said += server.readAllStandardError();
    }
    return m.captured(1).toInt();
}

} // namespace fdd::test
