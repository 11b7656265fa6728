#include "search/searchservice.h"

#include <QTest>

using namespace fdd;
using Kind = SearchRequest::Kind;

Q_DECLARE_METATYPE(SearchRequest::Kind)

class TestSearchService : public QObject
{
    Q_OBJECT

private slots:
    void validate_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QDate>("start");
        QTest::addColumn<QDate>("end");
        QTest::addColumn<int>("page");
        QTest::addColumn<int>("pageSize");
        QTest::addColumn<QString>("error"); // empty: valid

        const QDate d1(2024, 4, 1), d2(2024, 4, 30);
        const int sub = int(Kind::Substring), ft = int(Kind::FullText), date = int(Kind::Date), all = int(Kind::All);
        QTest::newRow("ok") << sub << "hello" << QDate() << QDate() << 1 << 10 << "";
        QTest::newRow("100 characters") << sub << QString(100, u'a') << QDate() << QDate() << 1 << 10 << "";
        QTest::newRow("101 characters") << sub << QString(101, u'a') << QDate() << QDate() << 1 << 10
                                        << "The search term is 101 characters long; the limit is 100.";
        QTest::newRow("100 emoji are 100 characters")
            << ft << QString::fromUcs4(std::u32string(100, U'\U0001F600').data(), 100) << QDate() << QDate() << 1 << 10 << "";
        QTest::newRow("empty") << sub << "" << QDate() << QDate() << 1 << 10 << "The search term is empty";
        QTest::newRow("only spaces") << ft << "   " << QDate() << QDate() << 1 << 10 << "The search term is empty";
        QTest::newRow("page 0") << sub << "x" << QDate() << QDate() << 0 << 10 << "The page must be 1 or more";
        QTest::newRow("page size 0") << sub << "x" << QDate() << QDate() << 1 << 0 << "between 1 and 100; 0";
        QTest::newRow("page size 101") << sub << "x" << QDate() << QDate() << 1 << 101 << "between 1 and 100; 101";
        QTest::newRow("page size 100") << sub << "x" << QDate() << QDate() << 1 << 100 << "";
        QTest::newRow("huge page") << sub << "x" << QDate() << QDate() << std::numeric_limits<int>::max() << 100
                                   << "past the end";
        QTest::newRow("date ok") << date << "" << d1 << d2 << 1 << 10 << "";
        QTest::newRow("date one day") << date << "" << d1 << d1 << 1 << 10 << "";
        QTest::newRow("date reversed") << date << "" << d2 << d1 << 1 << 10
                                       << "The start date 2024-04-30 is after the end date 2024-04-01.";
        QTest::newRow("date missing end") << date << "" << d1 << QDate() << 1 << 10 << "needs both a start date and an end date";
        QTest::newRow("all ignores paging") << all << "x" << QDate() << QDate() << 0 << 0 << "";
    }

    void validate()
    {
        QFETCH(int, kind);
        QFETCH(QString, text);
        QFETCH(QDate, start);
        QFETCH(QDate, end);
        QFETCH(int, page);
        QFETCH(int, pageSize);
        QFETCH(QString, error);

        SearchRequest r;
        r.kind = Kind(kind);
        r.text = text;
        r.startDate = start;
        r.endDate = end;
        r.page = page;
        r.pageSize = pageSize;
        const Expected<SearchRequest> v = SearchService::validate(r);
        if (error.isEmpty()) {
            QVERIFY2(v, v ? "" : qPrintable(v.error().message));
            QCOMPARE(v->text, text.trimmed());
        } else {
            QVERIFY(!v);
            QCOMPARE(v.error().kind, Error::Kind::BadInput);
            QVERIFY2(v.error().message.contains(error), qPrintable(v.error().message));
        }
    }

    void parseDate_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QDate>("expected");
        QTest::newRow("ok") << "2024-04-26" << QDate(2024, 4, 26);
        QTest::newRow("spaces") << " 2024-04-26 " << QDate(2024, 4, 26);
        QTest::newRow("leap") << "2024-02-29" << QDate(2024, 2, 29);
        QTest::newRow("not leap") << "2023-02-29" << QDate();
        QTest::newRow("month 13") << "2024-13-01" << QDate();
        QTest::newRow("US order") << "04/26/2024" << QDate();
        QTest::newRow("with time") << "2024-04-26T00:00:00" << QDate();
        QTest::newRow("short") << "2024-4-6" << QDate();
        QTest::newRow("empty") << "" << QDate();
        QTest::newRow("injection") << "2024-01-01' OR '1'='1" << QDate();
    }

    void parseDate()
    {
        QFETCH(QString, text);
        QFETCH(QDate, expected);
        const Expected<QDate> d = SearchService::parseDate(text, QStringLiteral("start date"));
        if (expected.isValid()) {
            QVERIFY(d);
            QCOMPARE(*d, expected);
        } else {
            QVERIFY(!d);
            QVERIFY2(d.error().message.startsWith(QStringLiteral("The start date \"")), qPrintable(d.error().message));
            QVERIFY(d.error().message.contains(QStringLiteral("YYYY-MM-DD")));
        }
    }
};

QTEST_GUILESS_MAIN(TestSearchService)
#include "tst_searchservice.moc"
