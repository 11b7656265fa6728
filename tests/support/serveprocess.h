#pragma once

#include <QByteArray>
#include <QProcess>

namespace fdd::test {

// Reads a started `fastdiscorddb-server serve` process's standard error until
// it says where it listens ("Serving the API on http://127.0.0.1:PORT/api/");
// returns the port, or 0 when it ended or said nothing of it in time. What it
// said is appended to `said`.
int waitForListening(QProcess &server, QByteArray &said, int timeoutMs = 60000);

} // namespace fdd::test
