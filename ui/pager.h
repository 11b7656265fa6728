#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QToolButton;

namespace fdd {

// « ‹ Page 3 of 120 › » and the page size, under the results.
class Pager : public QWidget
{
    Q_OBJECT

public:
    explicit Pager(QWidget *parent = nullptr);

    // page 0 or pages 0: nothing to page through.
    void setPage(int page, int pages);
    // Page `page` of a number not counted yet; `more`: a next page exists.
    void setOpenEnded(int page, bool more);
    int pageSize() const;
    void setPageSize(int size);
    QString text() const;

signals:
    void pageRequested(int page);
    void pageSizeChosen(int size);

private:
    QToolButton *m_first;
    QToolButton *m_previous;
    QLabel *m_label;
    QToolButton *m_next;
    QToolButton *m_last;
    QComboBox *m_size;
    int m_page = 0;
    int m_pages = 0;
};

} // namespace fdd
