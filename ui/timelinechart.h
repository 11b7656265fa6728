#pragma once

#include "store/messagestore.h"

#include <QChartView>

class QBarSeries;
class QBarSet;
class QBarCategoryAxis;
class QValueAxis;

namespace fdd {

// Matches per day (or per week, when the range is long) for the current
// query; clicking a bar narrows the search to its dates.
class TimelineChart : public QChartView
{
    Q_OBJECT

public:
    explicit TimelineChart(QWidget *parent = nullptr);

    void setDays(const QList<DayCount> &days);
    void clear();
    // The bars shown: first day, last day, count.
    struct Bar
    {
        QDate first;
        QDate last;
        qint64 count = 0;
    };
    const QList<Bar> &bars() const { return m_bars; }
    void activate(int bar); // as a click on it

    static QList<Bar> bucket(const QList<DayCount> &days, int maxBars = 90);

signals:
    void rangeChosen(const QDate &first, const QDate &last);

protected:
    void changeEvent(QEvent *event) override;

private:
    void setCountRange(qint64 most);
    void applyPalette(); // the chart in the window's colours, light or dark

    QList<Bar> m_bars;
    QBarSeries *m_series;
    QBarCategoryAxis *m_axisX;
    QValueAxis *m_axisY;
};

} // namespace fdd
