#pragma once

#include <QDialog>

namespace fdd {

// Help → About: the version, what the archive is, the libraries the program
// is built on with their licences, and links.
class AboutDialog : public QDialog
{
    Q_OBJECT

public:
    AboutDialog(const QString &archive, QWidget *parent = nullptr);
};

} // namespace fdd
