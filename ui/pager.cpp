#include "pager.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QToolButton>

namespace fdd {

Pager::Pager(QWidget *parent)
    : QWidget(parent)
    , m_first(new QToolButton(this))
    , m_previous(new QToolButton(this))
    , m_label(new QLabel(this))
    , m_next(new QToolButton(this))
    , m_last(new QToolButton(this))
    , m_size(new QComboBox(this))
{
    m_first->setText(QStringLiteral("«"));
    m_previous->setText(QStringLiteral("‹"));
    m_next->setText(QStringLiteral("›"));
    m_last->setText(QStringLiteral("»"));
    for (QToolButton *b : {m_first, m_previous, m_next, m_last})
        b->setMinimumWidth(32);
    m_first->setToolTip(tr("First page (Ctrl+Home)"));
    m_previous->setToolTip(tr("Previous page (Page Up)"));
    m_next->setToolTip(tr("Next page (Page Down)"));
    m_last->setToolTip(tr("Last page (Ctrl+End)"));
    connect(m_first, &QToolButton::clicked, this, [this] { emit pageRequested(1); });
    connect(m_previous, &QToolButton::clicked, this, [this] { emit pageRequested(m_page - 1); });
    connect(m_next, &QToolButton::clicked, this, [this] { emit pageRequested(m_page + 1); });
    connect(m_last, &QToolButton::clicked, this, [this] { emit pageRequested(m_pages); });
    for (int size : {10, 25, 50, 100})
        m_size->addItem(tr("%1 a page").arg(size), size);
    connect(m_size, &QComboBox::activated, this, [this] { emit pageSizeChosen(pageSize()); });
    m_label->setObjectName(QStringLiteral("pageLabel"));

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_first);
    layout->addWidget(m_previous);
    layout->addWidget(m_label);
    layout->addWidget(m_next);
    layout->addWidget(m_last);
    layout->addStretch(1);
    layout->addWidget(m_size);
    setPage(0, 0);
}

void Pager::setPage(int page, int pages)
{
    m_pages = pages;
    m_page = pages == 0 ? 0 : page;
    const QLocale l;
    m_label->setText(pages == 0 ? tr("No pages") : tr("Page %1 of %2").arg(l.toString(m_page), l.toString(pages)));
    m_first->setEnabled(m_page > 1);
    m_previous->setEnabled(m_page > 1);
    m_next->setEnabled(m_page < pages);
    m_last->setEnabled(m_page < pages);
}

void Pager::setOpenEnded(int page, bool more)
{
    m_page = page;
    m_pages = more ? page + 1 : page;
    m_label->setText(tr("Page %1 of …").arg(QLocale().toString(page)));
    m_first->setEnabled(page > 1);
    m_previous->setEnabled(page > 1);
    m_next->setEnabled(more);
    m_last->setEnabled(false);
}

int Pager::pageSize() const
{
    return m_size->currentData().toInt();
}

void Pager::setPageSize(int size)
{
    m_size->setCurrentIndex(std::max(0, m_size->findData(size)));
}

QString Pager::text() const
{
    return m_label->text();
}

} // namespace fdd
