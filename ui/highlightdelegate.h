#pragma once

#include <QStyledItemDelegate>

namespace fdd {

// Paints a cell's text with the search's terms highlighted (case-insensitive).
class HighlightDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // The text as HTML with every occurrence of the terms in <mark>.
    static QString highlighted(const QString &text, const QStringList &terms, const QColor &mark);
};

} // namespace fdd
