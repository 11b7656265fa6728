#include "appsettings.h"
#include "mainwindow.h"

#include <QApplication>
#include <QIcon>
#include <QLoggingCategory>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("fastdiscorddb"));
    QApplication::setApplicationDisplayName(QStringLiteral("FastDiscordDB"));
    QApplication::setOrganizationName(QStringLiteral("FastDiscordDB"));
    QApplication::setApplicationVersion(QStringLiteral(FDD_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("org.fastdiscorddb.FastDiscordDB"));
    // The theme's icon where the package installed it, else the built-in one.
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("org.fastdiscorddb.FastDiscordDB"),
                                                 QIcon(QStringLiteral(":/icons/fastdiscorddb.png"))));
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(QStringLiteral("fdd.*.debug=false\nfdd.*.info=false"));

    fdd::MainWindow window;
    window.show();
    fdd::AppSettings settings = fdd::AppSettings::load();
    // FDD_DATABASE_URL / FDD_REDIS_URL, as for the server, win over Settings.
    if (!qEnvironmentVariableIsEmpty("FDD_DATABASE_URL"))
        settings.databaseUrl = qEnvironmentVariable("FDD_DATABASE_URL");
    if (!qEnvironmentVariableIsEmpty("FDD_REDIS_URL"))
        settings.redisUrl = qEnvironmentVariable("FDD_REDIS_URL");
    window.openArchive(settings);
    return QApplication::exec();
}
