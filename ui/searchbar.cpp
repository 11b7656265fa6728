#include "searchbar.h"

#include "search/query.h"

#include <QAbstractItemView>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QCompleter>
#include <QDateEdit>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QStringListModel>
#include <QToolButton>
#include <QWidgetAction>

namespace fdd {

namespace {

constexpr int RecentKept = 12;

// A value as the search language reads it: quoted when it has a space.
QString written(const QString &value)
{
    if (!value.contains(QLatin1Char(' ')) && !value.contains(QLatin1Char('"')))
        return value;
    QString v = value;
    v.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return QLatin1Char('"') + v + QLatin1Char('"');
}

QString helpText()
{
    return QCoreApplication::translate(
        "fdd::SearchBar",
        "<b>The search language</b><table cellspacing=4>"
        "<tr><td><tt>deploy failed</tt></td><td>English words, every one (\"runs\" finds \"running\")</td></tr>"
        "<tr><td><tt>\"release notes\"</tt></td><td>this exact text, ignoring case</td></tr>"
        "<tr><td><tt>/time ?out/i</tt></td><td>a regular expression; <tt>i</tt>: ignoring case</td></tr>"
        "<tr><td><tt>from:alice</tt> <tt>mentions:bob</tt></td><td>by or naming someone (name, nickname or id)</td></tr>"
        "<tr><td><tt>in:general</tt></td><td>a channel, with its threads</td></tr>"
        "<tr><td><tt>has:image</tt></td><td>link, embed, file, image, video, sound, sticker, reaction, reply, pin</td></tr>"
        "<tr><td><tt>pinned:true</tt> <tt>bot:false</tt> <tt>edited:true</tt></td><td>yes or no</td></tr>"
        "<tr><td><tt>reaction:🔥</tt></td><td>an emoji, its :code: or a custom emoji's name</td></tr>"
        "<tr><td><tt>before:2024-05-01</tt> <tt>after:…</tt></td><td>days in your time zone</td></tr>"
        "<tr><td><tt>during:2024-05</tt></td><td>a day, a month or a year</td></tr>"
        "<tr><td><tt>a b</tt> · <tt>a OR b</tt> · <tt>a | b</tt></td><td>both · either</td></tr>"
        "<tr><td><tt>-a</tt> · <tt>NOT a</tt> · <tt>( … )</tt></td><td>without · grouping</td></tr>"
        "</table><p>Clicking a channel or a timeline bar writes its filter here. "
        "Tab or Enter takes a completion.</p>");
}

} // namespace

SearchBar::SearchBar(QWidget *parent)
    : QWidget(parent)
    , m_mode(new QComboBox(this))
    , m_term(new QLineEdit(this))
    , m_recentButton(new QToolButton(this))
    , m_help(new QToolButton(this))
    , m_sort(new QComboBox(this))
    , m_withinDates(new QCheckBox(tr("Between"), this))
    , m_from(new QDateEdit(QDate::currentDate().addMonths(-1), this))
    , m_to(new QDateEdit(QDate::currentDate(), this))
    , m_searchButton(new QPushButton(tr("Search"), this))
    , m_completer(new QCompleter(this))
    , m_candidates(new QStringListModel(this))
{
    m_mode->addItem(tr("Search"), Language);
    m_mode->addItem(tr("Keyword"), Keyword);
    m_mode->addItem(tr("Full text"), FullText);
    m_mode->addItem(tr("Date range"), DateRange);
    m_mode->setToolTip(tr("Search: words, \"exact text\", /regex/ and filters such as from:alice has:image (? lists them).\n"
                          "Keyword: any message containing the text, ignoring case.\n"
                          "Full text: English words, so \"runs\" also finds \"running\".\n"
                          "Date range: every message between two dates."));
    m_term->setObjectName(QStringLiteral("term"));
    m_term->setClearButtonEnabled(true);
    for (QDateEdit *d : {m_from, m_to}) {
        d->setCalendarPopup(true);
        d->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    }
    m_searchButton->setDefault(true);
    m_sort->addItem(tr("Newest first"), int(SearchRequest::Sort::Newest));
    m_sort->addItem(tr("Oldest first"), int(SearchRequest::Sort::Oldest));
    m_sort->addItem(tr("Most relevant"), int(SearchRequest::Sort::Relevance));
    m_sort->setToolTip(tr("Searches with words can be ordered by how well they match"));

    m_help->setText(QStringLiteral("?"));
    m_help->setObjectName(QStringLiteral("searchHelp"));
    m_help->setToolTip(tr("The search language's operators"));
    m_help->setPopupMode(QToolButton::InstantPopup);
    auto *helpMenu = new QMenu(m_help);
    auto *helpLabel = new QLabel(helpText(), helpMenu);
    helpLabel->setMargin(8);
    auto *helpAction = new QWidgetAction(helpMenu);
    helpAction->setDefaultWidget(helpLabel);
    helpMenu->addAction(helpAction);
    m_help->setMenu(helpMenu);

    m_recentButton->setText(tr("Recent"));
    m_recentButton->setToolTip(tr("Searches you ran lately"));
    m_recentButton->setPopupMode(QToolButton::InstantPopup);
    m_recentButton->setMenu(new QMenu(m_recentButton));
    m_recent = QSettings().value(QStringLiteral("search/recent")).toStringList().mid(0, RecentKept);
    rebuildRecentMenu();

    // Completion of the word under the cursor, not of the whole text.
    m_completer->setModel(m_candidates);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    m_completer->setWidget(m_term);
    m_completer->popup()->setObjectName(QStringLiteral("completions"));
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this, &SearchBar::complete);
    connect(m_term, &QLineEdit::textEdited, this, &SearchBar::offerCompletions);

    auto *layout = new QHBoxLayout(this);
    layout->addWidget(m_mode);
    layout->addWidget(m_term, 1);
    layout->addWidget(m_recentButton);
    layout->addWidget(m_help);
    layout->addWidget(m_sort);
    layout->addWidget(m_withinDates);
    layout->addWidget(m_from);
    auto *dash = new QLabel(QStringLiteral("–"), this);
    dash->setObjectName(QStringLiteral("dateDash"));
    layout->addWidget(dash);
    layout->addWidget(m_to);
    layout->addWidget(m_searchButton);

    connect(m_sort, &QComboBox::activated, this, &SearchBar::sortChanged);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &SearchBar::modeChanged);
    connect(m_withinDates, &QCheckBox::toggled, this, &SearchBar::modeChanged);
    connect(m_term, &QLineEdit::returnPressed, this, [this] {
        if (!m_completer->popup()->isVisible())
            emit searchRequested();
    });
    connect(m_searchButton, &QPushButton::clicked, this, &SearchBar::searchRequested);
    modeChanged();
}

bool SearchBar::isQueryMode() const
{
    return m_mode->currentData().toInt() == Language;
}

void SearchBar::fill(SearchRequest &r) const
{
    const int mode = m_mode->currentData().toInt();
    r.kind = mode == Language  ? SearchRequest::Kind::Query
           : mode == DateRange ? SearchRequest::Kind::Date
           : mode == FullText  ? SearchRequest::Kind::FullText
                               : SearchRequest::Kind::Substring;
    r.text = mode == DateRange ? QString() : m_term->text().trimmed();
    if (mode == DateRange || (mode != Language && m_withinDates->isChecked())) {
        r.startDate = m_from->date();
        r.endDate = m_to->date();
    }
    r.sort = SearchRequest::Sort(m_sort->currentData().toInt());
}

void SearchBar::setDateRange(const QDate &from, const QDate &to)
{
    if (isQueryMode()) {
        for (const char *field : {"before", "after"})
            setFilter(QLatin1String(field), {});
        if (!from.isValid() || !to.isValid())
            setFilter(QStringLiteral("during"), {});
        else if (from == to)
            setFilter(QStringLiteral("during"), from.toString(Qt::ISODate));
        else if (from.day() == 1 && to == from.addMonths(1).addDays(-1))
            setFilter(QStringLiteral("during"), from.toString(QStringLiteral("yyyy-MM")));
        else {
            setFilter(QStringLiteral("during"), {});
            setFilter(QStringLiteral("after"), from.addDays(-1).toString(Qt::ISODate));
            setFilter(QStringLiteral("before"), to.addDays(1).toString(Qt::ISODate));
        }
        return;
    }
    if (!from.isValid() || !to.isValid()) {
        m_withinDates->setChecked(false);
        return;
    }
    m_from->setDate(from);
    m_to->setDate(to);
    if (m_mode->currentData().toInt() != DateRange)
        m_withinDates->setChecked(true);
}

void SearchBar::setFilter(const QString &field, const QString &value)
{
    // Every field:value of that field, quoted or not, negated or not.
    const QRegularExpression existing(QStringLiteral("(^|\\s)-?%1:(\"(\\\\.|[^\"\\\\])*\"|\\S*)").arg(QRegularExpression::escape(field)),
                                      QRegularExpression::CaseInsensitiveOption);
    QString text = m_term->text();
    text.replace(existing, QStringLiteral("\\1"));
    text = text.simplified();
    if (!value.isEmpty())
        text += (text.isEmpty() ? QString() : QStringLiteral(" ")) + field + QLatin1Char(':') + written(value);
    m_term->setText(text);
}

void SearchBar::focusTerm()
{
    m_term->setFocus();
    m_term->selectAll();
}

void SearchBar::setCompletions(const QStringList &authors, const QStringList &channels)
{
    m_authors = authors;
    m_channels = channels;
}

void SearchBar::remember(const QString &query)
{
    if (query.isEmpty())
        return;
    m_recent.removeAll(query);
    m_recent.prepend(query);
    m_recent = m_recent.mid(0, RecentKept);
    QSettings().setValue(QStringLiteral("search/recent"), m_recent);
    rebuildRecentMenu();
}

void SearchBar::rebuildRecentMenu()
{
    QMenu *menu = m_recentButton->menu();
    menu->clear();
    for (const QString &q : std::as_const(m_recent))
        menu->addAction(q, this, [this, q] {
            m_mode->setCurrentIndex(m_mode->findData(Language));
            m_term->setText(q);
            emit searchRequested();
        });
    m_recentButton->setEnabled(!m_recent.isEmpty());
}

std::pair<qsizetype, QString> SearchBar::currentWord() const
{
    const QString before = m_term->text().left(m_term->cursorPosition());
    qsizetype start = before.size();
    bool quoted = false;
    for (qsizetype i = 0; i < before.size(); ++i) // a quote keeps its spaces in the word
        if (before.at(i) == u'"')
            quoted = !quoted;
    while (start > 0 && (quoted || !before.at(start - 1).isSpace() || (start > 1 && before.at(start - 2) == u'\\'))) {
        if (before.at(start - 1) == u'"')
            quoted = !quoted;
        --start;
    }
    while (start < before.size() && (before.at(start) == u'(' || before.at(start) == u'-'))
        ++start;
    return {start, before.mid(start)};
}

void SearchBar::offerCompletions()
{
    const auto [start, word] = currentWord();
    if (!isQueryMode() || word.isEmpty()) {
        m_completer->popup()->hide();
        return;
    }
    QStringList offers;
    const qsizetype colon = word.indexOf(QLatin1Char(':'));
    static const QStringList operators{QStringLiteral("from:"),  QStringLiteral("mentions:"), QStringLiteral("in:"),
                                       QStringLiteral("has:"),   QStringLiteral("pinned:"),   QStringLiteral("reaction:"),
                                       QStringLiteral("bot:"),   QStringLiteral("edited:"),   QStringLiteral("before:"),
                                       QStringLiteral("after:"), QStringLiteral("during:")};
    if (colon < 0) {
        offers = operators;
    } else {
        const QString field = word.left(colon).toLower() + QLatin1Char(':');
        QStringList values;
        if (field == QLatin1String("from:") || field == QLatin1String("mentions:"))
            values = m_authors;
        else if (field == QLatin1String("in:"))
            values = m_channels;
        else if (field == QLatin1String("has:"))
            values = Query::hasValues();
        else if (field == QLatin1String("pinned:") || field == QLatin1String("bot:") || field == QLatin1String("edited:"))
            values = {QStringLiteral("true"), QStringLiteral("false")};
        for (const QString &v : std::as_const(values))
            offers << word.left(colon + 1) + written(v);
    }
    m_candidates->setStringList(offers);
    m_completer->setCompletionPrefix(word);
    if (m_completer->completionCount() == 0 || (m_completer->completionCount() == 1 && m_completer->currentCompletion() == word)) {
        m_completer->popup()->hide();
        return;
    }
    m_completer->complete();
}

void SearchBar::complete(const QString &choice)
{
    const auto [start, word] = currentWord();
    QString text = m_term->text();
    const qsizetype end = m_term->cursorPosition();
    const QString inserted = choice.endsWith(QLatin1Char(':')) ? choice : choice + QLatin1Char(' ');
    text.replace(start, end - start, inserted);
    m_term->setText(text);
    m_term->setCursorPosition(int(start + inserted.size()));
    if (choice.endsWith(QLatin1Char(':')))
        offerCompletions(); // and now its values
}

void SearchBar::modeChanged()
{
    const int mode = m_mode->currentData().toInt();
    const bool dateMode = mode == DateRange;
    const bool language = mode == Language;
    m_term->setEnabled(!dateMode);
    m_term->setMaxLength(language ? Query::MaxLength : SearchRequest::MaxTermLength);
    m_term->setPlaceholderText(dateMode   ? tr("Every message between the dates")
                               : language ? tr("e.g. from:alice has:image deploy, \"exact text\", /regex/ (Ctrl+F; ? for help)")
                               : mode == FullText ? tr("Words, e.g. \"deploy failed\" (Ctrl+F)")
                                                  : tr("Text to find, e.g. \"release\" (Ctrl+F)"));
    m_withinDates->setVisible(!dateMode && !language);
    m_help->setVisible(language);
    m_recentButton->setVisible(language);
    m_sort->setEnabled(mode == FullText || language);
    const bool dates = dateMode || (!language && m_withinDates->isChecked());
    for (QWidget *w : {static_cast<QWidget *>(m_from), static_cast<QWidget *>(m_to),
                       static_cast<QWidget *>(findChild<QLabel *>(QStringLiteral("dateDash")))})
        if (w)
            w->setVisible(!language);
    m_from->setEnabled(dates);
    m_to->setEnabled(dates);
}

} // namespace fdd
