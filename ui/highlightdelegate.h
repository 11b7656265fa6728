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
};

} // namespace fdd
