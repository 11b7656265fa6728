#pragma once

#include <QList>
#include <QString>

namespace fdd::buildinfo {

// A library the program is built on, for Help → About and the package's
// copyright notes.
struct Library
{
    QString name;
    QString version; // as built against (or, where it says so, as loaded)
    QString licence; // SPDX identifier
    QString url;
};

QList<Library> libraries();

// Where the project lives (FDD_HOMEPAGE_URL at configure time).
QString homepage();

} // namespace fdd::buildinfo
