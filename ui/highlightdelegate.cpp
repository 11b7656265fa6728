#include "highlightdelegate.h"

#include "resultsmodel.h"

#include <QApplication>
#include <QPainter>
#include <QTextLayout>

#include <algorithm>

namespace fdd {

namespace {

// Where the terms occur in the text (case-insensitive), as bold runs on the
// mark's colour; a run that overlaps an earlier one is left out.
QList<QTextLayout::FormatRange> marks(const QString &text, const QStringList &terms, const QColor &mark)
{
    QList<QPair<qsizetype, qsizetype>> spans; // start, end
    for (const QString &term : terms) {
        if (term.isEmpty())
            continue;
        for (qsizetype at = text.indexOf(term, 0, Qt::CaseInsensitive); at >= 0;
             at = text.indexOf(term, at + term.size(), Qt::CaseInsensitive))
            spans.append({at, at + term.size()});
    }
    std::sort(spans.begin(), spans.end());
    QTextCharFormat format;
    format.setFontWeight(QFont::Bold);
    format.setBackground(mark);
    QList<QTextLayout::FormatRange> ranges;
    qsizetype pos = 0;
    for (const auto &[start, end] : spans) {
        if (start < pos)
            continue;
        ranges.append({int(start), int(end - start), format});
        pos = end;
    }
    return ranges;
}

// Draws the cell as the style does, but for its text (`opt`: initialised,
// its text cleared), then calls draw(where) with the painter clipped to the
// text's rectangle and set to the text's colour, `where` putting a text of
// `height` in the middle (height < 0: nothing to draw).
template <typename Draw>
void paintCell(QPainter *painter, const QStyleOptionViewItem &opt, qreal height, Draw &&draw)
{
    QStyle *style = opt.widget ? opt.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
    if (height < 0)
        return;
    const QRect rect = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, opt.widget);
    painter->save();
    painter->setClipRect(rect);
    painter->setFont(opt.font);
    painter->setPen(opt.palette.color(opt.state & QStyle::State_Selected ? QPalette::HighlightedText : QPalette::Text));
    draw(QPointF(rect.left(), rect.top() + (rect.height() - height) / 2));
    painter->restore();
}

} // namespace

// One line laid out with QTextLayout and its format ranges: no HTML to build
// and parse for every cell of every paint (a page of 50 rows repaints on each
// page turn and each selection).
void HighlightDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QStringList terms = index.data(ResultsModel::TermsRole).toStringList();
    if (terms.isEmpty()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    QString text = opt.text;
    opt.text.clear();

    // A cell is one line: line breaks and tabs show as spaces, at the same
    // positions, so the marks still fall on their terms.
    for (QChar &c : text)
        if (c == u'\n' || c == u'\r' || c == u'\t' || c == QChar::LineSeparator || c == QChar::ParagraphSeparator)
            c = u' ';
    const bool selected = opt.state & QStyle::State_Selected;
    const QColor mark = selected ? opt.palette.color(QPalette::Highlight).lighter(140)
                                 : (opt.palette.color(QPalette::Base).lightness() < 128 ? QColor(0x7a, 0x5d, 0x00)
                                                                                         : QColor(0xff, 0xe0, 0x66));
    QTextLayout layout(text, opt.font, painter->device());
    QTextOption textOption;
    textOption.setWrapMode(QTextOption::NoWrap);
    layout.setTextOption(textOption);
    layout.setFormats(marks(text, terms, mark));
    layout.beginLayout();
    QTextLine line = layout.createLine();
    if (line.isValid())
        line.setLineWidth(1e6);
    layout.endLayout();
    paintCell(painter, opt, line.isValid() ? line.height() : -1, [&](QPointF where) { layout.draw(painter, where); });
}

void MarkersDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    QStaticText *laidOut = nullptr;
    if (!text.isEmpty()) {
        const QString key = opt.font.key() + QLatin1Char('\n') + text;
        laidOut = m_laidOut.object(key);
        if (!laidOut) {
            laidOut = new QStaticText(text);
            laidOut->setTextFormat(Qt::PlainText);
            laidOut->setPerformanceHint(QStaticText::AggressiveCaching);
            laidOut->prepare(QTransform(), opt.font);
            m_laidOut.insert(key, laidOut);
        }
    }
    paintCell(painter, opt, laidOut ? laidOut->size().height() : -1,
              [&](QPointF where) { painter->drawStaticText(where, *laidOut); });
}

} // namespace fdd
