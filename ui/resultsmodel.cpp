#include "resultsmodel.h"

#include "search/messagejson.h"

#include <QJsonDocument>
#include <QLocale>

namespace fdd {

ResultsModel::ResultsModel(QObject *parent) : QAbstractTableModel(parent) {}

void ResultsModel::setPage(const SearchPage &page, const QStringList &terms)
{
    beginResetModel();
    m_page = page;
    m_terms = terms;
    endResetModel();
}

void ResultsModel::clear()
{
    setPage({}, {});
}

void ResultsModel::setChannels(const QList<Channel> &channels)
{
    m_channelNames.clear();
    for (const Channel &c : channels)
        m_channelNames.insert(c.id, c.name);
    if (!m_page.messages.isEmpty())
        emit dataChanged(index(0, ChannelName), index(rowCount() - 1, ChannelName));
}

QString ResultsModel::channelName(Snowflake id) const
{
    const QString name = m_channelNames.value(id);
    return name.isEmpty() ? QString::number(id) : QLatin1Char('#') + name;
}

int ResultsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_page.messages.size());
}

int ResultsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ResultsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_page.messages.size())
        return {};
    const Message &m = m_page.messages.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time: return QLocale().toString(m.timestamp().toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm"));
        case ChannelName: return channelName(m.channelId);
        case Author: return m.authorDisplayName();
        case Markers: return markers(m);
        case Content: {
            QString oneLine = m.content;
            oneLine.replace(QLatin1Char('\n'), QStringLiteral(" ⏎ "));
            return oneLine.left(500);
        }
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == Content)
            return m.content.left(2000);
        if (index.column() == Time)
            return m.timestamp().toString(Qt::ISODate);
        if (index.column() == Author)
            return m.authorNickname.isEmpty() || m.authorNickname == m.authorName
                       ? m.authorName
                       : tr("%1 (%2)").arg(m.authorNickname, m.authorName);
        if (index.column() == Markers)
            return markersText(m);
        break;
    case Qt::AccessibleTextRole:
        if (index.column() == Markers)
            return markersText(m);
        break;
    case MessageRole: return QVariant::fromValue(m);
    case TermsRole: return m_terms;
    }
    return {};
}

QVariant ResultsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Time: return tr("Time");
    case ChannelName: return tr("Channel");
    case Author: return tr("Author");
    case Markers: return QString();
    case Content: return tr("Message");
    }
    return {};
}

QString ResultsModel::markers(const Message &m)
{
    QStringList out;
    if (m.attachmentCount > 0)
        out << (m.attachmentCount > 1 ? QStringLiteral("📎%1").arg(m.attachmentCount) : QStringLiteral("📎"));
    if (m.embedCount > 0)
        out << QStringLiteral("🔗");
    if (m.reactionCount > 0) {
        int total = 0;
        for (const Reaction &r : m.reactions)
            total += r.count;
        const QString emoji = !m.reactions.isEmpty() && m.reactions.first().emoji.id == 0 ? m.reactions.first().emoji.name
                                                                                            : QStringLiteral("☺");
        out << (total > 1 ? emoji + QString::number(total) : emoji);
    }
    if (m.isPinned)
        out << QStringLiteral("📌");
    if (m.isReply())
        out << QStringLiteral("↩");
    return out.join(QLatin1Char(' '));
}

QString ResultsModel::markersText(const Message &m)
{
    QStringList out;
    if (m.attachmentCount > 0)
        out << tr("%n attachment(s)", nullptr, m.attachmentCount);
    if (m.embedCount > 0)
        out << tr("%n embed(s)", nullptr, m.embedCount);
    if (m.reactionCount > 0)
        out << tr("%n reaction(s)", nullptr, m.reactionCount);
    if (m.isPinned)
        out << tr("pinned");
    if (m.isReply())
        out << tr("a reply");
    return out.join(QStringLiteral(", "));
}

QString ResultsModel::toText(const QModelIndexList &rows) const
{
    QStringList lines;
    for (const QModelIndex &i : rows) {
        const Message &m = m_page.messages.at(i.row());
        lines << QStringLiteral("%1\t%2\t%3\t%4").arg(m.timestamp().toString(Qt::ISODate), channelName(m.channelId),
                                                      m.authorDisplayName(), m.content);
    }
    return lines.join(QLatin1Char('\n'));
}

QByteArray ResultsModel::toCsv() const
{
    const auto field = [](QString s) {
        s.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        return QLatin1Char('"') + s + QLatin1Char('"');
    };
    QString csv = QStringLiteral("message_id,timestamp,channel_id,channel,author_id,author,content\r\n");
    for (const Message &m : m_page.messages)
        csv += QStringList{field(QString::number(m.id)), field(m.timestamp().toString(Qt::ISODateWithMs)),
                           field(QString::number(m.channelId)), field(channelName(m.channelId)),
                           field(QString::number(m.authorId)), field(m.authorName), field(m.content)}
                   .join(QLatin1Char(','))
             + QStringLiteral("\r\n");
    return csv.toUtf8();
}

QByteArray ResultsModel::toJson() const
{
    return QJsonDocument(messagejson::page(m_page)).toJson(QJsonDocument::Indented);
}

} // namespace fdd
