#pragma once
/// Compare: two variants of the current spec side by side on the same seeds. A is the text as
/// loaded (or a pinned edit), B is the current edit. Both timelines run the same scenario and
/// seed; a batch runs both over the scenarios with the same per-run seeds (common random
/// numbers), and the table highlights where B differs from A.

#include <QWidget>
#include <memory>

#include "batch_runner.h"
#include "workbench_models.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QScrollArea;
class QSplitter;

namespace rolloutlab::gui {

class CellTableView;
class TimelineView;
class Workbench;

class CompareView : public QWidget {
  Q_OBJECT

 public:
  explicit CompareView(Workbench& workbench, QWidget* parent = nullptr);

  /// Runs A again and shows A and B (done on show when hidden).
  void refresh();
  void startBatch();
  void cancelBatch();
  bool running() const { return runner_->running(); }
  int runs() const;
  void setRuns(int runs);

  /// Inspection (tests).
  TimelineView* timelineA() const { return a_; }
  TimelineView* timelineB() const { return b_; }
  CellTableView* table() const { return table_; }
  /// How A and B are laid out: side by side when the view is wide enough for two readable
  /// charts, else one above the other (Qt::Vertical).
  Qt::Orientation chartsOrientation() const;
  /// "field: A → B" for every form field that differs.
  QStringList changes() const { return changes_; }
  const BatchOutcome* lastOutcome() const { return outcome_.get(); }
  /// The line above the table (false rollbacks, escapes, excess errors of A and B).
  QString summaryText() const;
  /// The highlight of a table cell (row in the order shown): 0 none, 1 differs, 2 intervals
  /// apart.
  int highlight(int row, int column) const;

 signals:
  void batchFinished();

 protected:
  void showEvent(QShowEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void onFinished(std::shared_ptr<const BatchOutcome> outcome);
  void fillTable();
  void layoutCharts();

  Workbench& wb_;
  BatchRunner* runner_;
  QLabel* which_;
  QLabel* changesLabel_;
  QLabel* summary_;
  QSpinBox* runs_;
  QPushButton* pin_;
  QPushButton* unpin_;
  QPushButton* run_;
  QPushButton* cancel_;
  QProgressBar* progress_;
  TimelineView* a_;
  TimelineView* b_;
  QScrollArea* chartScroll_;
  QSplitter* charts_;
  CellTableView* table_;
  QStringList changes_;
  std::shared_ptr<const BatchOutcome> outcome_;
  SpecDocument::OutcomeWords words_;
  bool dirty_ = true;
};

}  // namespace rolloutlab::gui
