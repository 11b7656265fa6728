#include "aboutdialog.h"

#include "model/buildinfo.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace fdd {

AboutDialog::AboutDialog(const QString &archive, QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("About FastDiscordDB"));
    setObjectName(QStringLiteral("aboutDialog"));
    auto *layout = new QVBoxLayout(this);

    auto *header = new QHBoxLayout;
    auto *icon = new QLabel(this);
    icon->setPixmap(QApplication::windowIcon().pixmap(64, 64));
    header->addWidget(icon, 0, Qt::AlignTop);
    auto *text = new QLabel(this);
    text->setObjectName(QStringLiteral("aboutText"));
    text->setTextFormat(Qt::RichText);
    text->setOpenExternalLinks(true);
    text->setWordWrap(true);
    const QString home = buildinfo::homepage();
    text->setText(tr("<h2>FastDiscordDB %1</h2>"
                     "<p>Archive Discord channels exported by DiscordChatExporter, and find any message in them.</p>"
                     "<p>Archive: %2</p>"
                     "<p><a href=\"%3\">Home page</a> · <a href=\"%3issues\">Report a problem</a></p>"
                     "<p>Licensed under the GNU General Public License, version 3 or later.</p>")
                      .arg(QApplication::applicationVersion(), archive.toHtmlEscaped(), home.toHtmlEscaped()));
    header->addWidget(text, 1);
    layout->addLayout(header);

    auto *libraries = new QTreeWidget(this);
    libraries->setObjectName(QStringLiteral("aboutLibraries"));
    libraries->setRootIsDecorated(false);
    libraries->setHeaderLabels({tr("Built on"), tr("Version"), tr("Licence")});
    for (const buildinfo::Library &library : buildinfo::libraries()) {
        auto *item = new QTreeWidgetItem(libraries, {library.name, library.version, library.licence});
        item->setToolTip(0, library.url);
    }
    libraries->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    libraries->setMinimumSize(640, 240);
    layout->addWidget(libraries);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

} // namespace fdd
