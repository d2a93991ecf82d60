#pragma once
/// The Tune view: a TuningSpace for the current spec (loaded from a file or a template made
/// from the spec, edited as YAML and checked as it is typed), run by TuneJob off the GUI thread
/// with progress and Cancel; the result as a Pareto scatter (time to promotion against excess
/// errors, feasible candidates (every constraint met) coloured by their false-rollback rate,
/// undecided ones as rings, infeasible ones grey, the
/// recommendation a star) and a sortable candidates table. Clicking a point or a row loads that
/// candidate (the spec's files with only the tuned fields changed) into the spec as one undo
/// step; clicking another replaces it, and Keep makes it the edited spec.

#include <QWidget>
#include <memory>
#include <string>
#include <vector>

#include "tune_job.h"

class QChart;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QScatterSeries;
class QSpinBox;
class QTimer;

namespace rolloutlab::gui {

class CellTableView;
class ChartView;
class Workbench;

/// How the scatter shows a candidate.
enum class TunePointClass {
  kFeasibleLow,   ///< feasible, false-rollback rate below 1%
  kFeasibleMid,   ///< feasible, 1% to 5%
  kFeasibleHigh,  ///< feasible, 5% or more
  kUndecided,     ///< no constraint violated, not every one met yet (dropped before)
  kInfeasible,    ///< a constraint's 95% interval lies above its bound
};
constexpr int kTunePointClasses = 5;
/// The class of a candidate: from its constraints' verdicts (infeasible also when the search
/// dropped it as such) and its false-rollback estimate.
TunePointClass tunePointClass(const tune::CandidateResult& c);
/// Whether a candidate has a point: its time to promotion and its excess errors are estimated.
bool tuneMeasured(const tune::CandidateResult& c);

class TuneView : public QWidget {
  Q_OBJECT

 public:
  explicit TuneView(Workbench& wb, QWidget* parent = nullptr);
  ~TuneView() override;

  /// The space's text and the name its messages give it (a file's path, or "template").
  void setSpaceText(const QString& text, const QString& name);
  QString spaceText() const;
  /// Loads a TuningSpace file into the editor; false (message in the status) when unreadable.
  bool loadSpaceFile(const QString& path);
  /// A TuningSpace for the current spec: its own values beside a few others of each field.
  void useTemplate();
  /// The problems of the text as last checked (empty when it holds one valid TuningSpace).
  QString problems() const;

  void setBudget(qint64 runs);  ///< 0: no limit
  void setSeed(quint64 seed);
  void setThreads(int threads);  ///< 0: one per core

  /// Starts the tune (false, with the reason in the status, when the space or spec is not
  /// valid or a tune runs).
  bool start();
  void cancel();
  bool running() const;
  QString statusText() const;
  /// The last tune's outcome (null before one finished).
  const TuneOutcome* outcome() const { return outcome_.get(); }

  /// The scatter and what its points are (candidate indices, aligned with the series' points).
  ChartView* chart() const { return chart_; }
  QScatterSeries* series(TunePointClass c) const { return series_[static_cast<int>(c)]; }
  QScatterSeries* recommendedSeries() const { return recommended_; }
  const std::vector<int>& candidatesOf(TunePointClass c) const {
    return pointCandidates_[static_cast<int>(c)];
  }
  CellTableView* table() const { return table_; }
  /// The legend below the scatter (rich text: the classes shown).
  QString legendText() const;
  QPlainTextEdit* editor() const { return editor_; }

  /// Loads candidate `i` of the last outcome into the spec (one undo step, replacing a
  /// candidate loaded before and not kept); false when it cannot be.
  bool loadCandidate(int i);
  /// The candidate loaded and not yet kept (-1 none).
  int previewed() const { return previewed_; }
  /// Keeps the candidate loaded: later clicks push a new edit instead of replacing it.
  void keep();

 signals:
  void runningChanged(bool running);
  void tuneFinished();
  void candidateLoaded(int candidate);
  void kept(int candidate);

 private:
  void check();
  void markLines(const core::Diagnostics& diags);
  void onProgress(qint64 done, qint64 planned, qint64 total, const QString& stage);
  void onFinished(std::shared_ptr<const TuneOutcome> outcome);
  void showOutcome();
  void clicked(TunePointClass c, const QPointF& p);
  QString tooltip(int i) const;

  Workbench& wb_;
  TuneJob* job_;
  QPlainTextEdit* editor_;
  QLabel* problems_;
  QTimer* typing_;
  QString spaceName_ = "template";
  ParsedSpace parsed_;
  QSpinBox* budget_;
  QSpinBox* seed_;
  QSpinBox* threads_;
  QPushButton* load_;
  QPushButton* template_;
  QPushButton* run_;
  QPushButton* cancel_;
  QPushButton* keep_;
  QProgressBar* progress_;
  QLabel* status_;
  QLabel* summary_;
  ChartView* chart_;
  QLabel* legend_;
  QScatterSeries* series_[kTunePointClasses] = {};
  std::vector<int> pointCandidates_[kTunePointClasses];
  QScatterSeries* recommended_ = nullptr;
  CellTableView* table_;
  std::shared_ptr<const TuneOutcome> outcome_;
  std::string specKey_;  ///< of the spec the last tune ran
  int previewed_ = -1;
  int previewIndex_ = -1;  ///< the undo stack's index after the previewed candidate's edit
};

}  // namespace rolloutlab::gui
