#pragma once

#include "model/searchrequest.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDateEdit;
class QLineEdit;
class QPushButton;

namespace fdd {

// The window's search bar: the kind of search (keyword, full text, date
// range), the term, the order, and the dates ("Between" narrows any search
// to them). It only says what the user asked for; the window runs it.
class SearchBar : public QWidget
{
    Q_OBJECT

public:
    explicit SearchBar(QWidget *parent = nullptr);

    QLineEdit *termEdit() const { return m_term; }
    QComboBox *modeBox() const { return m_mode; }

    // What is on screen, as the kind, text, dates and order of a request.
    void fill(SearchRequest &request) const;
    // The days of a timeline bar: in date mode the range, else "Between"
    // ticked with them; invalid dates untick it.
    void setDateRange(const QDate &from, const QDate &to);
    void focusTerm();

signals:
    // Enter in the term, or the Search button.
    void searchRequested();
    // The order of the results changed (only full text has a choice).
    void sortChanged();

private:
    enum Mode { Keyword, FullText, DateRange };
    void modeChanged();

    QComboBox *m_mode;
    QLineEdit *m_term;
    QComboBox *m_sort;
    QCheckBox *m_withinDates;
    QDateEdit *m_from;
    QDateEdit *m_to;
    QPushButton *m_searchButton;
};

} // namespace fdd
