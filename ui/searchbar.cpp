#include "searchbar.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace fdd {

SearchBar::SearchBar(QWidget *parent)
    : QWidget(parent)
    , m_mode(new QComboBox(this))
    , m_term(new QLineEdit(this))
    , m_sort(new QComboBox(this))
    , m_withinDates(new QCheckBox(tr("Between"), this))
    , m_from(new QDateEdit(QDate::currentDate().addMonths(-1), this))
    , m_to(new QDateEdit(QDate::currentDate(), this))
    , m_searchButton(new QPushButton(tr("Search"), this))
{
    m_mode->addItem(tr("Keyword"), Keyword);
    m_mode->addItem(tr("Full text"), FullText);
    m_mode->addItem(tr("Date range"), DateRange);
    m_mode->setToolTip(tr("Keyword: any message containing the text, ignoring case.\n"
                          "Full text: English words, so \"runs\" also finds \"running\".\n"
                          "Date range: every message between two dates."));
    m_term->setObjectName(QStringLiteral("term"));
    m_term->setClearButtonEnabled(true);
    m_term->setMaxLength(SearchRequest::MaxTermLength);
    for (QDateEdit *d : {m_from, m_to}) {
        d->setCalendarPopup(true);
        d->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    }
    m_searchButton->setDefault(true);
    m_sort->addItem(tr("Newest first"), int(SearchRequest::Sort::Newest));
    m_sort->addItem(tr("Most relevant"), int(SearchRequest::Sort::Relevance));
    m_sort->setToolTip(tr("Full-text results can be ordered by how well they match"));

    auto *layout = new QHBoxLayout(this);
    layout->addWidget(m_mode);
    layout->addWidget(m_term, 1);
    layout->addWidget(m_sort);
    layout->addWidget(m_withinDates);
    layout->addWidget(m_from);
    layout->addWidget(new QLabel(QStringLiteral("–"), this));
    layout->addWidget(m_to);
    layout->addWidget(m_searchButton);

    connect(m_sort, &QComboBox::activated, this, &SearchBar::sortChanged);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &SearchBar::modeChanged);
    connect(m_withinDates, &QCheckBox::toggled, this, &SearchBar::modeChanged);
    connect(m_term, &QLineEdit::returnPressed, this, &SearchBar::searchRequested);
    connect(m_searchButton, &QPushButton::clicked, this, &SearchBar::searchRequested);
    modeChanged();
}

void SearchBar::fill(SearchRequest &r) const
{
    const int mode = m_mode->currentData().toInt();
    r.kind = mode == DateRange ? SearchRequest::Kind::Date
           : mode == FullText  ? SearchRequest::Kind::FullText
                               : SearchRequest::Kind::Substring;
    r.text = mode == DateRange ? QString() : m_term->text().trimmed();
    if (mode == DateRange || m_withinDates->isChecked()) {
        r.startDate = m_from->date();
        r.endDate = m_to->date();
    }
    r.sort = SearchRequest::Sort(m_sort->currentData().toInt());
}

void SearchBar::setDateRange(const QDate &from, const QDate &to)
{
    if (!from.isValid() || !to.isValid()) {
        m_withinDates->setChecked(false);
        return;
    }
    m_from->setDate(from);
    m_to->setDate(to);
    if (m_mode->currentData().toInt() != DateRange)
        m_withinDates->setChecked(true);
}

void SearchBar::focusTerm()
{
    m_term->setFocus();
    m_term->selectAll();
}

void SearchBar::modeChanged()
{
    const int mode = m_mode->currentData().toInt();
    const bool dateMode = mode == DateRange;
    m_term->setEnabled(!dateMode);
    m_term->setPlaceholderText(dateMode ? tr("Every message between the dates")
                               : mode == FullText ? tr("Words, e.g. \"deploy failed\" (Ctrl+F)")
                                                  : tr("Text to find, e.g. \"release\" (Ctrl+F)"));
    m_withinDates->setVisible(!dateMode);
    m_sort->setEnabled(mode == FullText);
    const bool dates = dateMode || m_withinDates->isChecked();
    m_from->setEnabled(dates);
    m_to->setEnabled(dates);
}

} // namespace fdd
