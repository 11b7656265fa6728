#include "timelinechart.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QLocale>
#include <QValueAxis>

namespace fdd {

TimelineChart::TimelineChart(QWidget *parent)
    : QChartView(parent), m_series(new QBarSeries), m_axisX(new QBarCategoryAxis), m_axisY(new QValueAxis)
{
    auto *chart = new QChart;
    chart->legend()->hide();
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setBackgroundRoundness(0);
    chart->addSeries(m_series);
    chart->addAxis(m_axisX, Qt::AlignBottom);
    chart->addAxis(m_axisY, Qt::AlignLeft);
    m_series->attachAxis(m_axisX);
    m_series->attachAxis(m_axisY);
    m_series->setBarWidth(0.9);
    m_axisY->setLabelFormat(QStringLiteral("%d"));
    m_axisY->setTickType(QValueAxis::TicksDynamic);
    m_axisY->setTickAnchor(0);
    QFont small = m_axisX->labelsFont();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    m_axisX->setLabelsFont(small);
    m_axisY->setLabelsFont(small);
    setChart(chart);
    applyPalette();
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(150);
    connect(m_series, &QBarSeries::clicked, this, [this](int index, QBarSet *) { activate(index); });
    clear();
}

QList<TimelineChart::Bar> TimelineChart::bucket(const QList<DayCount> &days, int maxBars)
{
    QList<Bar> bars;
    if (days.isEmpty())
        return bars;
    const QDate first = days.first().day, last = days.last().day;
    const qint64 span = first.daysTo(last) + 1;
    // Days, weeks or 30-day months: whatever keeps the bars readable.
    const int width = span <= maxBars ? 1 : span <= qint64(maxBars) * 7 ? 7 : 30;
    QDate start = width == 7 ? first.addDays(1 - first.dayOfWeek()) : width == 30 ? QDate(first.year(), first.month(), 1) : first;
    qsizetype i = 0;
    while (start <= last) {
        const QDate end = width == 30 ? start.addMonths(1).addDays(-1) : start.addDays(width - 1);
        Bar bar{start, end, 0};
        while (i < days.size() && days.at(i).day <= end)
            bar.count += days.at(i++).count;
        bars.append(bar);
        start = end.addDays(1);
    }
    return bars;
}

void TimelineChart::setDays(const QList<DayCount> &days)
{
    m_bars = bucket(days);
    m_series->clear();
    m_axisX->clear();
    if (m_bars.isEmpty()) {
        clear();
        return;
    }
    auto *set = new QBarSet(tr("Matches"));
    set->setColor(palette().color(QPalette::Highlight));
    QStringList labels;
    qint64 most = 0;
    const bool days1 = m_bars.first().first == m_bars.first().last;
    for (const Bar &b : std::as_const(m_bars)) {
        *set << double(b.count);
        most = std::max(most, b.count);
        labels << QLocale().toString(b.first, days1 ? QStringLiteral("d MMM") : QStringLiteral("d MMM yy"));
    }
    // About ten labels, upright, whatever the number of bars: the others
    // are blank (each a different run of zero-width spaces, as the axis
    // wants its categories distinct).
    const int every = int((m_bars.size() + 9) / 10);
    for (qsizetype i = 0; i < labels.size(); ++i)
        if (i % every != 0)
            labels[i] = QString(int(i), QChar(0x200B));
    m_series->append(set);
    m_axisX->append(labels);
    m_axisX->setLabelsAngle(0);
    setCountRange(most);
    chart()->setTitle(days1 ? tr("Matches per day — click a bar to narrow the dates")
                            : tr("Matches per week or month — click a bar to narrow the dates"));
}

void TimelineChart::clear()
{
    m_bars.clear();
    m_series->clear();
    m_axisX->clear();
    setCountRange(0);
    chart()->setTitle(tr("Timeline of matches"));
}

void TimelineChart::setCountRange(qint64 most)
{
    // Whole numbers only: a step of 1, 2 or 5 times a power of ten, about four ticks.
    qint64 step = 1;
    for (qint64 magnitude = 1; step * 4 < most; magnitude *= 10)
        for (const qint64 m : {1, 2, 5})
            if (step * 4 < most)
                step = m * magnitude;
    const qint64 top = std::max<qint64>(1, (most + step - 1) / step * step);
    // In the order that never has the axis draw thousands of ticks in between.
    if (double(step) >= m_axisY->tickInterval()) {
        m_axisY->setTickInterval(double(step));
        m_axisY->setRange(0, double(top));
    } else {
        m_axisY->setRange(0, double(top));
        m_axisY->setTickInterval(double(step));
    }
}

void TimelineChart::applyPalette()
{
    const QPalette p = palette();
    chart()->setBackgroundBrush(p.color(QPalette::Base));
    chart()->setTitleBrush(p.color(QPalette::Text));
    for (QAbstractAxis *axis : {static_cast<QAbstractAxis *>(m_axisX), static_cast<QAbstractAxis *>(m_axisY)}) {
        axis->setLabelsBrush(p.color(QPalette::Text));
        axis->setLinePenColor(p.color(QPalette::Mid));
        axis->setGridLineColor(p.color(QPalette::Midlight));
    }
    for (QBarSet *set : m_series->barSets())
        set->setColor(p.color(QPalette::Highlight));
}

void TimelineChart::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
    QChartView::changeEvent(event);
}

void TimelineChart::activate(int bar)
{
    if (bar >= 0 && bar < m_bars.size())
        emit rangeChosen(m_bars.at(bar).first, m_bars.at(bar).last);
}

} // namespace fdd
