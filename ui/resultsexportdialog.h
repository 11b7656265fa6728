#pragma once

#include "search/resultexport.h"
#include "search/searchservice.h"

#include <QDialog>
#include <QFuture>

#include <atomic>
#include <memory>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QThreadPool;

namespace fdd {

// "Export All Results…": every match of the search on screen into a file
// (CSV, JSON, NDJSON or Markdown), with context if asked, on a worker
// thread; a progress bar and Cancel. The file appears only when complete.
class ResultsExportDialog : public QDialog
{
    Q_OBJECT

public:
    ResultsExportDialog(std::shared_ptr<SearchService> service, SearchRequest request, QThreadPool *pool, QWidget *parent = nullptr);
    ~ResultsExportDialog() override;

    // For tests and scripts: fill in the form.
    void setFileName(const QString &path);
    void setFormat(ResultExport::Format format);
    void setContext(int messages);
    void startExport();
    void cancelExport();
    bool isExporting() const { return m_running; }
    QString statusText() const;

signals:
    // The end: written (or not), and the sentence shown.
    void exportFinished(bool written, const QString &sentence);

protected:
    void reject() override;

private:
    void browse();
    void formatChosen();
    void showProgress(qint64 written, qint64 total);
    void finish(const Expected<ResultExport::Summary> &result, const QString &path);
    ResultExport::Format format() const;

    std::shared_ptr<SearchService> m_service;
    SearchRequest m_request;
    QThreadPool *m_pool;
    QLabel *m_query;
    QComboBox *m_format;
    QSpinBox *m_context;
    QLineEdit *m_path;
    QPushButton *m_browse;
    QProgressBar *m_progress;
    QLabel *m_status;
    QDialogButtonBox *m_buttons;
    QPushButton *m_start;
    std::shared_ptr<std::atomic_bool> m_cancel = std::make_shared<std::atomic_bool>(false);
    QFuture<void> m_work;
    bool m_running = false;
    bool m_closeWhenDone = false;
};

} // namespace fdd
