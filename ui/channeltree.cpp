#include "channeltree.h"

#include <QLocale>
#include <QMenu>

namespace fdd {

namespace {

constexpr int ChannelRole = Qt::UserRole;
constexpr int GuildRole = Qt::UserRole + 1;

} // namespace

ChannelTree::ChannelTree(QWidget *parent) : QTreeWidget(parent)
{
    setHeaderHidden(true);
    setObjectName(QStringLiteral("channels"));
    setMinimumWidth(180);
    connect(this, &QTreeWidget::itemActivated, this, &ChannelTree::channelChosen);
    connect(this, &QTreeWidget::itemClicked, this, &ChannelTree::channelChosen);
    setContextMenuPolicy(Qt::CustomContextMenu);
    connect(this, &QTreeWidget::customContextMenuRequested, this, [this](const QPoint &at) {
        QTreeWidgetItem *item = itemAt(at);
        if (!item)
            return;
        const Snowflake channel = item->data(0, ChannelRole).toString().toULongLong();
        const Snowflake guild = item->data(0, GuildRole).toString().toULongLong();
        if (channel == 0 && guild == 0)
            return;
        QMenu menu(this);
        menu.addAction(guild ? tr("Watch This Server (Every Hour)") : tr("Watch This Channel (Every Hour)"), this,
                       [this, channel, guild] { emit watchRequested(guild ? guild : channel, guild != 0); });
        menu.exec(viewport()->mapToGlobal(at));
    });
}

Snowflake ChannelTree::currentChannel() const
{
    const QTreeWidgetItem *item = currentItem();
    return item ? item->data(0, ChannelRole).toString().toULongLong() : 0;
}

void ChannelTree::setChannels(const QList<Guild> &guilds, const QList<Channel> &channels)
{
    const QLocale locale;
    QHash<Snowflake, QString> guildNames;
    for (const Guild &g : guilds)
        guildNames.insert(g.id, g.name);
    const QString selected = currentItem() ? currentItem()->data(0, ChannelRole).toString() : QString();
    clear();
    qint64 total = 0;
    for (const Channel &c : channels)
        total += c.messageCount;
    auto *all = new QTreeWidgetItem(this, {tr("All channels (%1)").arg(locale.toString(total))});
    all->setData(0, ChannelRole, QStringLiteral("0"));
    QHash<Snowflake, QTreeWidgetItem *> byGuild;
    for (const Channel &c : channels) {
        QTreeWidgetItem *&guildItem = byGuild[c.guildId];
        if (!guildItem) {
            const QString name = c.guildId == 0 ? tr("Direct Messages") : guildNames.value(c.guildId, QString::number(c.guildId));
            guildItem = new QTreeWidgetItem(this, {name});
            guildItem->setData(0, GuildRole, QString::number(c.guildId));
            guildItem->setFlags(guildItem->flags() & ~Qt::ItemIsSelectable);
        }
        auto *item = new QTreeWidgetItem(guildItem, {QStringLiteral("#%1 (%2)").arg(c.name, locale.toString(c.messageCount))});
        item->setData(0, ChannelRole, QString::number(c.id));
        item->setToolTip(0, c.category.isEmpty() ? c.name : QStringLiteral("%1 / %2").arg(c.category, c.name));
        if (item->data(0, ChannelRole).toString() == selected)
            setCurrentItem(item);
    }
    expandAll();
    if (!currentItem())
        setCurrentItem(all);
}

} // namespace fdd
