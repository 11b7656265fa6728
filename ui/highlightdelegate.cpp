#include "highlightdelegate.h"

#include "resultsmodel.h"

#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QPainter>
#include <QTextDocument>

namespace fdd {

QString HighlightDelegate::highlighted(const QString &text, const QStringList &terms, const QColor &mark)
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
    QString html;
    qsizetype pos = 0;
    for (const auto &[start, end] : spans) {
        if (start < pos)
            continue;
        html += text.mid(pos, start - pos).toHtmlEscaped();
        html += QStringLiteral("<span style=\"background-color:%1\"><b>%2</b></span>")
                    .arg(mark.name(), text.mid(start, end - start).toHtmlEscaped());
        pos = end;
    }
    html += text.mid(pos).toHtmlEscaped();
    return html;
}

void HighlightDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QStringList terms = index.data(ResultsModel::TermsRole).toStringList();
    if (terms.isEmpty()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    QStyle *style = opt.widget ? opt.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);

    const bool selected = opt.state & QStyle::State_Selected;
    const QColor mark = selected ? opt.palette.color(QPalette::Highlight).lighter(140)
                                 : (opt.palette.color(QPalette::Base).lightness() < 128 ? QColor(0x7a, 0x5d, 0x00)
                                                                                         : QColor(0xff, 0xe0, 0x66));
    QTextDocument doc;
    doc.setDefaultFont(opt.font);
    doc.setDocumentMargin(0);
    doc.setHtml(highlighted(text, terms, mark));
    doc.setTextWidth(-1);
    const QRect rect = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, opt.widget);
    painter->save();
    painter->setClipRect(rect);
    painter->translate(rect.left(), rect.top() + (rect.height() - doc.size().height()) / 2);
    QAbstractTextDocumentLayout::PaintContext context;
    context.palette = opt.palette;
    context.palette.setColor(QPalette::Text, opt.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
    doc.documentLayout()->draw(painter, context);
    painter->restore();
}

} // namespace fdd
