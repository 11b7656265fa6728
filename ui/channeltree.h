#pragma once

#include "model/channel.h"

#include <QTreeWidget>

namespace fdd {

// The archive's servers and their channels, with message counts; "All
// channels" on top. Choosing one narrows the search; right-clicking one
// offers to watch it.
class ChannelTree : public QTreeWidget
{
    Q_OBJECT

public:
    explicit ChannelTree(QWidget *parent = nullptr);

    // Keeps the channel that was current, if it is still there.
    void setChannels(const QList<Guild> &guilds, const QList<Channel> &channels);
    // 0: every channel.
    Snowflake currentChannel() const;

signals:
    // A channel (or "All channels") was chosen.
    void channelChosen();
    void watchRequested(Snowflake id, bool isGuild);
};

} // namespace fdd
