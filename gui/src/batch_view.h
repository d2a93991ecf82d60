#pragma once
/// The batch view: the current spec over every scenario (and, when asked, every recording:
/// each run a bootstrap resample of it, as `rolloutlab batch` runs Replay documents), N seeded
/// runs each, in the background (progress bar, Cancel); the operating-characteristics table
/// with 95 % intervals, and for the selected row the distributions of time to decision and of
/// excess errors.

#include <QWidget>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "batch_runner.h"
#include "workbench_models.h"

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace rolloutlab::gui {

class CellTableView;
class ChartView;
class Workbench;

class BatchView : public QWidget {
  Q_OBJECT

 public:
  explicit BatchView(Workbench& workbench, QWidget* parent = nullptr);

  /// Runs the current spec (as edited) over the workbench's scenarios (and recordings, when
  /// included), seeded with its seed.
  void start();
  void cancel();
  bool running() const { return runner_->running(); }

  int runs() const;
  void setRuns(int runs);
  int threads() const;
  void setThreads(int threads);
  /// Whether batches include the recordings (Replay documents) beside the scenarios (default
  /// off: resampling a large recording takes time).
  bool includeRecordings() const;
  void setIncludeRecordings(bool include);

  /// Inspection (tests): the table, the progress bar, the last result, the status line.
  CellTableView* table() const { return table_; }
  QProgressBar* progressBar() const { return progress_; }
  const BatchOutcome* lastOutcome() const { return outcome_.get(); }
  /// The spec the last result is of: its key and every text (its own file's and the linked
  /// ones') as the batch ran it, to tell whether the result still describes the spec as edited
  /// (File > Export to Git attaches it as evidence only then).
  const std::string& lastSpecKey() const { return outcomeKey_; }
  const std::map<std::string, std::string>& lastSpecTexts() const { return outcomeTexts_; }
  QString statusText() const;
  /// Shows the distributions of a row of the result (in the report's order, whatever the
  /// table's sorting).
  void showRow(int row);
  QString histogramTitle(int which) const;

 signals:
  void runningChanged(bool running);
  void batchFinished();

 private:
  void onProgress(qint64 done, qint64 total);
  void onFinished(std::shared_ptr<const BatchOutcome> outcome);
  void fillTable();

  Workbench& wb_;
  BatchRunner* runner_;
  QSpinBox* runs_;
  QSpinBox* threads_;
  QCheckBox* recordings_;
  QPushButton* run_;
  QPushButton* cancel_;
  QProgressBar* progress_;
  QLabel* status_;
  QLabel* summary_;
  CellTableView* table_;
  ChartView* decision_;
  ChartView* excess_;
  std::shared_ptr<const BatchOutcome> outcome_;
  std::string specLabel_;
  std::string runningKey_, outcomeKey_;
  std::map<std::string, std::string> runningTexts_, outcomeTexts_;
  std::set<std::string> recordingNames_;  // rows that are recordings
  SpecDocument::OutcomeWords words_;
};

}  // namespace rolloutlab::gui
