#include "model/isotime.h"

#include <QDateTime>
#include <QTest>

using namespace fdd;

class TestIsoTime : public QObject
{
    Q_OBJECT

private slots:
    void parseIsoMs_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("expected"); // -2: rejected

        const auto utc = [](const char *iso) {
            return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODateWithMs).toMSecsSinceEpoch();
        };
        QTest::newRow("utc millis") << "2024-04-26T18:03:11.123+00:00" << utc("2024-04-26T18:03:11.123Z");
        QTest::newRow("Z") << "2024-04-26T18:03:11Z" << utc("2024-04-26T18:03:11.000Z");
        QTest::newRow("seven digits, +03:00") << "2020-01-05T23:30:00.7100000+03:00" << utc("2020-01-05T20:30:00.710Z");
        QTest::newRow("negative offset crosses day") << "2020-01-06T01:15:00-05:00" << utc("2020-01-06T06:15:00.000Z");
        QTest::newRow("half-hour offset") << "2024-01-01T00:00:00+05:30" << utc("2023-12-31T18:30:00.000Z");
        QTest::newRow("one fraction digit") << "2024-04-26T20:03:30.5+02:00" << utc("2024-04-26T18:03:30.500Z");
        QTest::newRow("leap day") << "2024-02-29T12:00:00+00:00" << utc("2024-02-29T12:00:00.000Z");
        QTest::newRow("epoch") << "1970-01-01T00:00:00+00:00" << qint64(0);
        QTest::newRow("before epoch") << "1969-12-31T23:59:59.999+00:00" << qint64(-1);
        QTest::newRow("no offset") << "2024-04-26T18:03:11" << qint64(-2);
        QTest::newRow("no day 30 in February") << "2023-02-29T00:00:00+00:00" << qint64(-2);
        QTest::newRow("month 13") << "2024-13-01T00:00:00+00:00" << qint64(-2);
        QTest::newRow("hour 24") << "2024-01-01T24:00:00+00:00" << qint64(-2);
        QTest::newRow("empty fraction") << "2024-01-01T00:00:00.+00:00" << qint64(-2);
        QTest::newRow("trailing junk") << "2024-01-01T00:00:00+00:00x" << qint64(-2);
        QTest::newRow("empty") << "" << qint64(-2);
        QTest::newRow("date only") << "2024-01-01" << qint64(-2);
    }

    void parseIsoMs()
    {
        QFETCH(QString, text);
        QFETCH(qint64, expected);
        const auto parsed = isotime::parseIsoMs(text.toStdString());
        if (expected == -2) {
            QVERIFY2(!parsed, qPrintable(text));
        } else {
            QVERIFY2(parsed, qPrintable(text));
            QCOMPARE(*parsed, expected);
        }
    }

    void formatRoundTrip_data()
    {
        QTest::addColumn<qint64>("ms");
        QTest::newRow("epoch") << qint64(0);
        QTest::newRow("2024") << qint64(1714154591123);
        QTest::newRow("before epoch") << qint64(-86400001);
        QTest::newRow("end of 2099") << qint64(4102444799999);
    }

    void formatRoundTrip()
    {
        QFETCH(qint64, ms);
        std::string s;
        isotime::appendIsoUtc(s, ms);
        QCOMPARE(QString::fromStdString(s),
                 QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz+00")));
        s[10] = 'T';
        s += ":00";
        QCOMPARE(isotime::parseIsoMs(s).value_or(-42), ms);
    }

    void parseSnowflake_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<quint64>("expected");
        QTest::newRow("typical") << "1232782017872138340" << true << quint64(1232782017872138340ull);
        QTest::newRow("above 2^53 stays exact") << "9007199254740993" << true << quint64(9007199254740993ull);
        QTest::newRow("max signed") << "9223372036854775807" << true << quint64(9223372036854775807ull);
        QTest::newRow("above max signed") << "9223372036854775808" << false << quint64(0);
        QTest::newRow("overflow") << "18446744073709551616" << false << quint64(0);
        QTest::newRow("letters") << "12a" << false << quint64(0);
        QTest::newRow("negative") << "-1" << false << quint64(0);
        QTest::newRow("float") << "1.5e10" << false << quint64(0);
        QTest::newRow("empty") << "" << false << quint64(0);
    }

    void parseSnowflake()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(quint64, expected);
        const auto parsed = isotime::parseSnowflake(text.toStdString());
        QCOMPARE(parsed.has_value(), valid);
        if (valid)
            QCOMPARE(*parsed, expected);
    }
};

QTEST_GUILESS_MAIN(TestIsoTime)
#include "tst_isotime.moc"
