#pragma once

#include "model/searchrequest.h"

#include <QStringList>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QCompleter;
class QDateEdit;
class QLineEdit;
class QPushButton;
class QStringListModel;
class QToolButton;

namespace fdd {

// The window's search bar: the kind of search (the search language, keyword,
// full text, date range), the text, the order, and the dates ("Between"
// narrows any search to them). It only says what the user asked for; the
// window runs it.
//
// In the search language the text is the one source of truth: the channel
// tree and the timeline edit it (setFilter), completion offers the
// operators, the archive's authors and channels and the values of has:, a
// help popover lists the operators, and the recent searches come back from
// a menu.
class SearchBar : public QWidget
{
    Q_OBJECT

public:
    explicit SearchBar(QWidget *parent = nullptr);

    QLineEdit *termEdit() const { return m_term; }
    QComboBox *modeBox() const { return m_mode; }
    QCompleter *completer() const { return m_completer; }
    QToolButton *helpButton() const { return m_help; }

    bool isQueryMode() const;
    // What is on screen, as the kind, text, dates and order of a request.
    void fill(SearchRequest &request) const;
    // The days of a timeline bar: in date mode the range; in the search
    // language a during: (or after: and before:) in the text; else "Between"
    // ticked with them; invalid dates untick it.
    void setDateRange(const QDate &from, const QDate &to);
    // In the search language: the text's `field:` filters replaced by
    // field:value (none when value is empty), e.g. in: from the channel tree.
    void setFilter(const QString &field, const QString &value);
    void focusTerm();

    // What completion offers besides the operators: the archive's authors
    // (most active first) and channels.
    void setCompletions(const QStringList &authors, const QStringList &channels);
    // A search that ran: first in the recent searches.
    void remember(const QString &query);
    QStringList recentQueries() const { return m_recent; }

signals:
    // Enter in the term, or the Search button.
    void searchRequested();
    // The order of the results changed (full text and the search language have a choice).
    void sortChanged();

private:
    enum Mode { Language, Keyword, FullText, DateRange };
    void modeChanged();
    void offerCompletions();
    void complete(const QString &choice);
    void rebuildRecentMenu();
    // The word under the cursor: where it starts, and its text so far.
    std::pair<qsizetype, QString> currentWord() const;

    QComboBox *m_mode;
    QLineEdit *m_term;
    QToolButton *m_recentButton;
    QToolButton *m_help;
    QComboBox *m_sort;
    QCheckBox *m_withinDates;
    QDateEdit *m_from;
    QDateEdit *m_to;
    QPushButton *m_searchButton;
    QCompleter *m_completer;
    QStringListModel *m_candidates;
    QStringList m_authors;
    QStringList m_channels;
    QStringList m_recent;
};

} // namespace fdd
