#include "search/portableregex.h"
#include "search/query.h"

#include <QRegularExpression>

#include <QTest>

using namespace fdd;

namespace {

// A row of a table whose columns are what is typed and what it gives.
void row(const char *name, const QString &typed, const QString &gives)
{
    QTest::newRow(name) << typed << gives;
}

} // namespace

// The search language's parser: what each way of typing a search means
// (written as the canonical form, which says it unambiguously), and where a
// search that does not parse goes wrong.
class TestQuery : public QObject
{
    Q_OBJECT

private slots:
    void meanings_data()
    {
        QTest::addColumn<QString>("typed");
        QTest::addColumn<QString>("canonical");
        row("words", QStringLiteral("deploy  failed"), QStringLiteral("deploy failed"));
        row("exact text", QStringLiteral("\"release notes\""), QStringLiteral("\"release notes\""));
        row("exact text with a quote and a backslash", QStringLiteral("\"say \\\"hi\\\" \\\\o/\""), QStringLiteral("\"say \\\"hi\\\" \\\\o/\""));
        row("regex", QStringLiteral("/time ?out/"), QStringLiteral("/time ?out/"));
        row("regex ignoring case", QStringLiteral("/time ?out/i"), QStringLiteral("/time ?out/i"));
        row("regex with a slash", QStringLiteral("/a\\/b[0-9]/"), QStringLiteral("/a\\/b[0-9]/"));
        row("reaction as :code:", QStringLiteral("reaction::fire:"), QStringLiteral("reaction:fire"));
        row("a path is a word", QStringLiteral("/usr/bin"), QStringLiteral("\\/usr/bin"));
        row("a command is a word", QStringLiteral("/help"), QStringLiteral("\\/help"));
        row("and/or is a word", QStringLiteral("and/or"), QStringLiteral("and/or"));
        row("a url is a word", QStringLiteral("https://x.org/a"), QStringLiteral("https\\://x.org/a"));
        row("from", QStringLiteral("from:Alice"), QStringLiteral("from:alice"));
        row("operator names ignore case", QStringLiteral("FROM:alice HAS:Image"), QStringLiteral("from:alice has:image"));
        row("quoted value", QStringLiteral("from:\"Alice Smith\""), QStringLiteral("from:\"alice smith\""));
        row("channel", QStringLiteral("in:#general"), QStringLiteral("in:#general"));
        row("every has", QStringLiteral("has:link has:embed has:file has:image has:video has:sound has:sticker has:reaction has:reply has:pin"),
            QStringLiteral("has:link has:embed has:file has:image has:video has:sound has:sticker has:reaction has:reply has:pin"));
        row("flags", QStringLiteral("pinned:TRUE bot:false edited:true"), QStringLiteral("pinned:true bot:false edited:true"));
        row("mentions and reaction", QStringLiteral("mentions:123 reaction:\U0001F44D"), QStringLiteral("mentions:123 reaction:\U0001F44D"));
        row("dates", QStringLiteral("before:2024-05-01 after:2024-01-31"), QStringLiteral("before:2024-05-01 after:2024-01-31"));
        row("during a day, month, year", QStringLiteral("during:2024-02-29 during:2024-05 during:2023"),
            QStringLiteral("during:2024-02-29 during:2024-05 during:2023"));
        row("OR", QStringLiteral("a OR b"), QStringLiteral("a OR b"));
        row("bar", QStringLiteral("a|b | c"), QStringLiteral("a OR b OR c"));
        row("or in lower case is a word", QStringLiteral("this or that"), QStringLiteral("this or that"));
        row("AND binds tighter than OR", QStringLiteral("a b OR c"), QStringLiteral("a b OR c"));
        row("parentheses", QStringLiteral("a (b OR c)"), QStringLiteral("a (b OR c)"));
        row("redundant parentheses", QStringLiteral("((a)) ((b c))"), QStringLiteral("a b c"));
        row("minus", QStringLiteral("deploy -failed"), QStringLiteral("deploy -failed"));
        row("NOT", QStringLiteral("NOT from:bob"), QStringLiteral("-from:bob"));
        row("not of a group", QStringLiteral("-(a b)"), QStringLiteral("-(a b)"));
        row("not of an or", QStringLiteral("NOT (a | b)"), QStringLiteral("-(a OR b)"));
        row("double negation kept", QStringLiteral("--a"), QStringLiteral("--a"));
        row("hyphen inside a word", QStringLiteral("well-known"), QStringLiteral("well-known"));
        row("escaped minus", QStringLiteral("\\-1"), QStringLiteral("\\-1"));
        row("escaped OR is a word", QStringLiteral("\\OR"), QStringLiteral("\\OR"));
        row("escaped colon is a word", QStringLiteral("from\\:alice"), QStringLiteral("from\\:alice"));
        row("escaped space", QStringLiteral("x \\ y"), QStringLiteral("x \\ y"));
        row("escaped parenthesis", QStringLiteral("\\(a\\)"), QStringLiteral("\\(a\\)"));
        row("unknown operator is a word", QStringLiteral("note:this"), QStringLiteral("note\\:this"));
        row("filters and text", QStringLiteral("from:alice has:image in:#general before:2024-05-01 deploy"),
            QStringLiteral("from:alice has:image in:#general before:2024-05-01 deploy"));
        row("words around a filter stay apart", QStringLiteral("a from:x b"), QStringLiteral("a from:x b"));
        row("unicode", QStringLiteral("École \"Привет мир\""), QStringLiteral("École \"Привет мир\""));
    }

    void meanings()
    {
        QFETCH(QString, typed);
        QFETCH(QString, canonical);
        const Expected<Query> q = Query::parse(typed);
        QVERIFY2(q, q ? "" : qPrintable(q.error().message));
        QCOMPARE(q->canonical(), canonical);
        // The canonical form means the same.
        const Expected<Query> again = Query::parse(canonical);
        QVERIFY2(again, again ? "" : qPrintable(again.error().message));
        QVERIFY(*again == *q);
        QCOMPARE(again->canonical(), canonical);
    }

    void trees()
    {
        const Expected<Query> q = Query::parse(QStringLiteral("deploy failed -from:bob (\"a b\" | /x/i)"));
        QVERIFY(q);
        QCOMPARE(q->kind, Query::Kind::And);
        QCOMPARE(q->children.size(), 3);
        QCOMPARE(q->children.at(0).kind, Query::Kind::Words);
        QCOMPARE(q->children.at(0).words, (QStringList{QStringLiteral("deploy"), QStringLiteral("failed")}));
        QCOMPARE(q->children.at(0).column, 1);
        const Query &no = q->children.at(1);
        QCOMPARE(no.kind, Query::Kind::Not);
        QCOMPARE(no.column, 15);
        QCOMPARE(no.children.first().kind, Query::Kind::Filter);
        QCOMPARE(no.children.first().field, Query::Field::From);
        QCOMPARE(no.children.first().text, QStringLiteral("bob"));
        const Query &any = q->children.at(2);
        QCOMPARE(any.kind, Query::Kind::Or);
        QCOMPARE(any.children.at(0).kind, Query::Kind::Exact);
        QCOMPARE(any.children.at(0).text, QStringLiteral("a b"));
        QCOMPARE(any.children.at(1).kind, Query::Kind::Regex);
        QCOMPARE(any.children.at(1).text, QStringLiteral("x"));
        QVERIFY(any.children.at(1).ignoreCase);
        QCOMPARE(any.children.at(1).column, 34);
    }

    void errors_data()
    {
        QTest::addColumn<QString>("typed");
        QTest::addColumn<QString>("message");
        row("empty", QStringLiteral("   "), QStringLiteral("The search is empty"));
        row("value missing", QStringLiteral("from:"), QStringLiteral("A value is missing after from: at column 6."));
        row("columns count an emoji once", QStringLiteral("\U0001F600 from:"), QStringLiteral("A value is missing after from: at column 8."));
        row("value missing before a word", QStringLiteral("a in: b"), QStringLiteral("A value is missing after in: at column 6."));
        row("has unknown", QStringLiteral("has:pdf"), QStringLiteral("has:pdf is not something a message can have (link, embed, file, image, video, sound, sticker, reaction, reply, pin) at column 5."));
        row("flag not boolean", QStringLiteral("pinned:yes"), QStringLiteral("pinned: takes true or false, not \"yes\" at column 8."));
        row("date wrong", QStringLiteral("before:2024-13-01"), QStringLiteral("before:2024-13-01 is not a date: write it as YYYY-MM-DD at column 8."));
        row("date short", QStringLiteral("after:2024-5-1"), QStringLiteral("after:2024-5-1 is not a date"));
        row("during wrong", QStringLiteral("during:2024-02-30"), QStringLiteral("during:2024-02-30 is not a day, month or year"));
        row("during month wrong", QStringLiteral("during:2024-13"), QStringLiteral("during:2024-13 is not a day, month or year"));
        row("quote open", QStringLiteral("a \"b c"), QStringLiteral("The quote opened is not closed at column 3."));
        row("quotes empty", QStringLiteral("\"  \""), QStringLiteral("The quotes are empty at column 1."));
        row("quoted value open", QStringLiteral("from:\"al"), QStringLiteral("The quote opened is not closed at column 6."));
        row("regex empty", QStringLiteral("//"), QStringLiteral("The regular expression is empty at column 1."));
        row("regex invalid", QStringLiteral("x /a(/"), QStringLiteral("A ( is not closed, at character 3 of the regular expression, which starts at column 3."));
        row("regex letter escape", QStringLiteral("/a\\d/"), QStringLiteral("\\d is not understood by every store (write a class such as [0-9] or [a-z], or the character itself), at character 3 of the regular expression, which starts at column 1."));
        row("regex too long", QLatin1Char('/') + QString(201, u'a') + QLatin1Char('/'), QStringLiteral("The regular expression is 201 characters long (the limit is 200) at column 1."));
        row("paren open", QStringLiteral("(a b"), QStringLiteral("This ( is not closed at column 1."));
        row("paren close", QStringLiteral("a b)"), QStringLiteral("This ) closes nothing at column 4."));
        row("paren close first", QStringLiteral(")"), QStringLiteral("This ) closes nothing at column 1."));
        row("parens empty", QStringLiteral("a ()"), QStringLiteral("The parentheses are empty at column 3."));
        row("OR first", QStringLiteral("OR a"), QStringLiteral("OR has nothing before it at column 1."));
        row("bar last", QStringLiteral("a |"), QStringLiteral("OR has nothing after it at column 3."));
        row("two bars", QStringLiteral("a || b"), QStringLiteral("OR has nothing before it at column 4."));
        row("minus alone", QStringLiteral("a - b"), QStringLiteral("Nothing follows - at column 3."));
        row("NOT last", QStringLiteral("a NOT"), QStringLiteral("Nothing follows NOT at column 3."));
        row("NOT before )", QStringLiteral("(a NOT)"), QStringLiteral("Nothing follows NOT at column 4."));
        row("backslash last", QStringLiteral("a\\"), QStringLiteral("\\ ends the search: it escapes the character after it at column 2."));
        row("NUL", QStringLiteral("a") + QChar(0), QStringLiteral("The search contains a NUL character"));
        row("too long", QString(1001, u'a'), QStringLiteral("The search is 1001 characters long; the limit is 1000."));
        row("term too long", QString(101, u'a'), QStringLiteral("This term is 101 characters long (the limit is 100) at column 1."));
        QStringList many;
        for (int i = 0; i < 51; ++i)
            many << QStringLiteral("w%1").arg(i);
        row("too many terms", many.join(QLatin1Char(' ')), QStringLiteral("The search has more than 50 terms at column 191."));
        row("too deep", QString(17, u'(') + QStringLiteral("a") + QString(17, u')'), QStringLiteral("The search nests more than 16 deep at column 17."));
        row("too many negations", QString(17, u'-') + QStringLiteral("a"), QStringLiteral("The search nests more than 16 deep at column 17."));
    }

    void errors()
    {
        QFETCH(QString, typed);
        QFETCH(QString, message);
        const Expected<Query> q = Query::parse(typed);
        QVERIFY(!q);
        QCOMPARE(q.error().kind, Error::Kind::BadInput);
        QVERIFY2(q.error().message.startsWith(message), qPrintable(q.error().message));
    }

    // The regular expressions every store reads alike, as each is given them.
    void portableRegex_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("postgres");
        QTest::addColumn<QString>("pcre");
        QTest::addColumn<QString>("lucene");
        const auto row = [](const char *name, const char *pattern, const char *postgres, const char *pcre, const char *lucene) {
            QTest::newRow(name) << QString::fromUtf8(pattern) << QString::fromUtf8(postgres) << QString::fromUtf8(pcre)
                                << QString::fromUtf8(lucene);
        };
        row("literal", "time ?out", "time ?out", "(?s)time ?out", ".*(time ?out).*");
        row("classes and counts", "[a-z0-9]{2,5}[^x]", "[a-z0-9]{2,5}[^x]", "(?s)[a-z0-9]{2,5}[^x]", ".*([a-z0-9]{2,5}[^x]).*");
        row("open count", "a{2,}", "a{2,}", "(?s)a{2,}", ".*(a{2,}).*");
        row("groups and alternatives", "(ab|cd)+", "(ab|cd)+", "(?s)(ab|cd)+", ".*((ab|cd)+).*");
        row("anchors", "^start.*end$", "^start.*end$", "(?s)^start.*end\\z", "(start.*end)");
        row("escaped dollar is not an anchor", "cost\\$", "cost\\$", "(?s)cost\\$", ".*(cost\\$).*");
        row("Lucene's operators are characters", "a@b&c~d#e<f>g\"h", "a\\@b\\&c\\~d\\#e\\<f\\>g\\\"h",
            "(?s)a\\@b\\&c\\~d\\#e\\<f\\>g\\\"h", ".*(a\\@b\\&c\\~d\\#e\\<f\\>g\\\"h).*");
        row("punctuation in a class", "[.\\-_]", "[\\.\\-\\_]", "(?s)[\\.\\-\\_]", ".*([\\.\\-\\_]).*");
        row("a lone brace is a character", "a}", "a\\}", "(?s)a\\}", ".*(a\\}).*");
        row("unicode", "école|привет", "école|привет", "(?s)école|привет", ".*(école|привет).*");
    }

    void portableRegex()
    {
        QFETCH(QString, pattern);
        QFETCH(QString, postgres);
        QFETCH(QString, pcre);
        QFETCH(QString, lucene);
        const Expected<PortableRegex> r = PortableRegex::parse(pattern);
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QCOMPARE(r->postgres(), postgres);
        QCOMPARE(r->pcre(false), pcre);
        QCOMPARE(r->lucene(), lucene);
        QVERIFY(QRegularExpression(r->pcre(true)).isValid());
    }

    void portableRegexRefusals_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("message");
        const auto row = [](const char *name, const char *pattern, const char *message) {
            QTest::newRow(name) << QString::fromUtf8(pattern) << QString::fromUtf8(message);
        };
        row("letter escape", "\\w+", "\\w is not understood by every store");
        row("lookahead", "a(?=b)", "(? groups are not understood by every store, at character 3");
        row("lazy", "a+?", "Two repetitions follow each other");
        row("nothing to repeat", "*a", "* repeats nothing, at character 1");
        row("anchor inside", "a^b", "^ is understood only at the start of the expression, at character 2");
        row("anchors and alternatives", "^a|b", "^ and $ anchor the whole expression");
        row("count too large", "a{256}", "A count may be at most 255");
        row("count backwards", "a{5,2}", "The count {5,2} runs backwards");
        row("brace not a count", "a{x}", "A { starts a count");
        row("empty alternative", "a|", "An alternative is empty");
        row("empty group", "()", "An alternative is empty");
        row("unclosed class", "[ab", "A [ is not closed");
        row("empty class", "[]", "A class is empty");
        row("dash in a class", "[a-]", "Write \\- for a dash inside a class");
        row("backwards range", "[z-a]", "The range z-a runs backwards");
        row("POSIX class", "[[:alpha:]]", "Write \\[ for a [ inside a class");
        row("stray close", "a)", "This ) closes nothing, at character 2");
        row("only anchors", "^$", "The regular expression matches only an empty text");
        row("counts inside counts", "((a{255}){255}){255}", "The regular expression is too large to run");
    }

    void portableRegexRefusals()
    {
        QFETCH(QString, pattern);
        QFETCH(QString, message);
        const Expected<PortableRegex> r = PortableRegex::parse(pattern);
        QVERIFY(!r);
        QVERIFY2(r.error().message.startsWith(message), qPrintable(r.error().message));
    }

    void nestingWithinTheLimitParses()
    {
        const Expected<Query> q = Query::parse(QString(16, u'(') + QStringLiteral("a") + QString(16, u')'));
        QVERIFY2(q, q ? "" : qPrintable(q.error().message));
        QCOMPARE(q->canonical(), QStringLiteral("a"));
    }
};

QTEST_GUILESS_MAIN(TestQuery)
#include "tst_query.moc"
