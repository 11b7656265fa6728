#include "resultsexportdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace fdd {

namespace {

QString number(qint64 n)
{
    return QLocale().toString(n);
}

} // namespace

ResultsExportDialog::ResultsExportDialog(std::shared_ptr<SearchService> service, SearchRequest request, QThreadPool *pool, QWidget *parent)
    : QDialog(parent)
    , m_service(std::move(service))
    , m_request(std::move(request))
    , m_pool(pool)
    , m_query(new QLabel(this))
    , m_format(new QComboBox(this))
    , m_context(new QSpinBox(this))
    , m_path(new QLineEdit(this))
    , m_browse(new QPushButton(tr("&Browse…"), this))
    , m_progress(new QProgressBar(this))
    , m_status(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel, this))
    , m_start(m_buttons->addButton(tr("&Export"), QDialogButtonBox::AcceptRole))
{
    setWindowTitle(tr("Export All Results"));
    m_query->setTextFormat(Qt::PlainText);
    m_query->setWordWrap(true);
    m_query->setText(tr("Every message found by: %1").arg(m_request.text.isEmpty() ? tr("(the search on screen)") : m_request.text));
    m_format->addItem(tr("CSV (spreadsheets)"), int(ResultExport::Format::Csv));
    m_format->addItem(tr("JSON (one document)"), int(ResultExport::Format::Json));
    m_format->addItem(tr("NDJSON (one message a line)"), int(ResultExport::Format::Ndjson));
    m_format->addItem(tr("Markdown (to read)"), int(ResultExport::Format::Markdown));
    m_context->setRange(0, SearchService::MaxContext);
    m_context->setSuffix(tr(" before and after each match"));
    m_context->setSpecialValueText(tr("None: the matches only"));
    m_context->setToolTip(tr("Messages around each match, merged into conversations where they overlap"));
    m_path->setText(QDir::home().filePath(QStringLiteral("fastdiscorddb-results.csv")));
    m_path->setClearButtonEnabled(true);
    m_progress->setVisible(false);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *file = new QHBoxLayout;
    file->addWidget(m_path, 1);
    file->addWidget(m_browse);
    auto *form = new QFormLayout;
    form->addRow(tr("&Format:"), m_format);
    form->addRow(tr("&Context:"), m_context);
    auto *saveTo = new QLabel(tr("&Save to:"), this);
    saveTo->setBuddy(m_path); // a label of a layout has no buddy of its own
    form->addRow(saveTo, file);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_query);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addStretch();
    layout->addWidget(m_buttons);
    m_start->setDefault(true);
    resize(560, sizeHint().height());

    connect(m_browse, &QPushButton::clicked, this, &ResultsExportDialog::browse);
    connect(m_format, &QComboBox::currentIndexChanged, this, &ResultsExportDialog::formatChosen);
    connect(m_start, &QPushButton::clicked, this, &ResultsExportDialog::startExport);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ResultsExportDialog::reject);
}

ResultsExportDialog::~ResultsExportDialog()
{
    // Normally the dialog closes only once the work is over (reject waits
    // for it); this is the last resort.
    m_cancel->store(true);
    m_work.waitForFinished();
}

ResultExport::Format ResultsExportDialog::format() const
{
    return ResultExport::Format(m_format->currentData().toInt());
}

void ResultsExportDialog::setFileName(const QString &path)
{
    m_path->setText(path);
}

void ResultsExportDialog::setFormat(ResultExport::Format format)
{
    m_format->setCurrentIndex(m_format->findData(int(format)));
}

void ResultsExportDialog::setContext(int messages)
{
    m_context->setValue(messages);
}

QString ResultsExportDialog::statusText() const
{
    return m_status->text();
}

void ResultsExportDialog::formatChosen()
{
    // The file's suffix follows the format.
    const QFileInfo info(m_path->text());
    if (!m_path->text().isEmpty())
        m_path->setText(info.dir().filePath(info.completeBaseName() + QLatin1Char('.') + ResultExport::fileSuffix(format())));
}

void ResultsExportDialog::browse()
{
    const QString filters = tr("CSV (*.csv);;JSON (*.json);;NDJSON (*.ndjson);;Markdown (*.md)");
    QString selected;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export All Results To"), m_path->text(), filters, &selected);
    if (path.isEmpty())
        return;
    m_path->setText(path);
    if (const std::optional<ResultExport::Format> f = ResultExport::formatOfFile(path))
        setFormat(*f);
}

void ResultsExportDialog::startExport()
{
    if (m_running)
        return;
    const QString path = m_path->text().trimmed();
    if (path.isEmpty()) {
        m_status->setText(tr("Choose a file to export to."));
        return;
    }
    ResultExport check(*m_service, m_request, format(), m_context->value());
    if (Expected<void> ok = check.validate(); !ok) {
        m_status->setText(ok.error().message);
        return;
    }
    m_running = true;
    m_cancel->store(false);
    for (QWidget *w : std::initializer_list<QWidget *>{m_format, m_context, m_path, m_browse, m_start})
        w->setEnabled(false);
    m_progress->setRange(0, 0); // counting
    m_progress->setVisible(true);
    m_status->setText(tr("Finding the matches…"));

    QPointer<ResultsExportDialog> self(this);
    const auto cancel = m_cancel;
    m_work = QtConcurrent::run(m_pool, [self, cancel, service = m_service, request = m_request, f = format(),
                                        context = m_context->value(), path]() -> Expected<ResultExport::Summary> {
        ResultExport exporter(*service, request, f, context);
        exporter.setCountFirst(true);
        return exporter.runToFile(path, [&](qint64 written, qint64 total) {
            QMetaObject::invokeMethod(self, [self, written, total] {
                if (self)
                    self->showProgress(written, total);
            }, Qt::QueuedConnection);
            return !cancel->load();
        });
    }).then(this, [this, path](const Expected<ResultExport::Summary> &result) { finish(result, path); });
}

void ResultsExportDialog::showProgress(qint64 written, qint64 total)
{
    if (!m_running)
        return;
    if (total < 0) {
        m_progress->setRange(0, 0);
        return;
    }
    // A progress bar counts in int: scale to per mille.
    m_progress->setRange(0, 1000);
    m_progress->setValue(total > 0 ? int(written * 1000 / total) : 1000);
    m_progress->setFormat(tr("%1 of %2 matches").arg(number(written), number(total)));
    m_status->setText(tr("Writing %1…").arg(QDir::toNativeSeparators(m_path->text())));
}

void ResultsExportDialog::finish(const Expected<ResultExport::Summary> &result, const QString &path)
{
    m_running = false;
    m_progress->setVisible(false);
    for (QWidget *w : std::initializer_list<QWidget *>{m_format, m_context, m_path, m_browse, m_start})
        w->setEnabled(true);
    QString sentence;
    if (result) {
        sentence = tr("Exported %1 match(es)").arg(number(result->matches));
        if (result->conversations > 0)
            sentence += tr(", with %1 message(s) of context in %2 conversation(s),")
                            .arg(number(result->messages - result->matches), number(result->conversations));
        sentence += tr(" to %1.").arg(QDir::toNativeSeparators(path));
        m_buttons->button(QDialogButtonBox::Cancel)->setText(tr("&Close"));
    } else if (result.error().kind == Error::Kind::Cancelled) {
        sentence = tr("Export cancelled: nothing was written.");
    } else {
        sentence = result.error().message + QLatin1Char(' ') + tr("Nothing was written.");
    }
    m_status->setText(sentence);
    emit exportFinished(bool(result), sentence);
    if (m_closeWhenDone)
        QDialog::reject();
}

void ResultsExportDialog::cancelExport()
{
    if (!m_running)
        return;
    m_cancel->store(true);
    m_status->setText(tr("Cancelling…"));
}

void ResultsExportDialog::reject()
{
    // Cancel first; the dialog closes once the worker has stopped (within
    // a tenth of a second, or the store's current query).
    if (m_running) {
        m_closeWhenDone = true;
        cancelExport();
        return;
    }
    QDialog::reject();
}

} // namespace fdd
