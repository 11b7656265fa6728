#pragma once

#include <QStringList>

namespace fdd::test {

// Every log line of the process from install() on, with fdd.* at debug
// level, so a test can check that no secret was ever written.
class LogCapture
{
public:
    static void install();
    static const QStringList &lines();
    // The first line containing `secret`, or an empty string.
    static QString lineContaining(const QString &secret);
};

} // namespace fdd::test
