#pragma once

#include "model/channel.h"
#include "model/searchpage.h"

#include <QAbstractTableModel>
#include <QHash>

namespace fdd {

// One page of search results: the table shows a page at a time and asks the
// core for the next one, so a million matches cost one page of memory.
class ResultsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    // Markers: small signs of what a message carries besides its text.
    enum Column { Time, ChannelName, Author, Markers, Content, ColumnCount };
    enum Role { MessageRole = Qt::UserRole + 1, TermsRole };

    explicit ResultsModel(QObject *parent = nullptr);

    void setPage(const SearchPage &page, const QStringList &terms);
    // The total of a page that came before it was counted.
    void setTotalCount(qint64 total) { m_page.totalCount = total; }
    void clear();
    void setChannels(const QList<Channel> &channels);

    const SearchPage &page() const { return m_page; }
    const Message &message(int row) const { return m_page.messages.at(row); }
    QString channelName(Snowflake id) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // The page as text (tab-separated), CSV or JSON, for copy and save.
    QString toText(const QModelIndexList &rows) const;
    QByteArray toCsv() const;
    QByteArray toJson() const;

    // "📎2 🔗 👍3 📌 ↩": attachments, embeds, reactions, pin, reply; and in words.
    static QString markers(const Message &m);
    static QString markersText(const Message &m);

private:
    SearchPage m_page;
    QStringList m_terms;
    QHash<Snowflake, QString> m_channelNames;
};

} // namespace fdd
