#pragma once

#include <QCache>
#include <QStaticText>
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

// Paints a short cell of emoji and counts (the results' markers: 📎3 🔥2 📌)
// from a laid-out text kept per text and font: Qt 6.4 decodes a colour
// emoji's PNG each time text with it is shaped (QFontEngineFT::recalcAdvances
// finds the cached glyph in another format), so a table that shaped its
// markers on every paint decoded them on every page turn and selection.
class MarkersDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    mutable QCache<QString, QStaticText> m_laidOut{512};
};

} // namespace fdd
