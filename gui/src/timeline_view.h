#pragma once
/// The timeline of one run: the canary's weight over time as a step chart (with the span where
/// the release misbehaves, every tick, gate, promotion and rollback), and below it one chart per
/// metric check with the canary's and the primary's values, the passing range as a band and a
/// marker for every check (pass, fail, error, no data). Every marker's tooltip gives the rule
/// that fired. All charts share the time axis: zoom and pan one, the others follow.

#include <QList>
#include <QWidget>
#include <vector>

#include "workbench_models.h"

class QAreaSeries;
class QChart;
class QLabel;
class QLineSeries;
class QScatterSeries;
class QSplitter;
class QValueAxis;

namespace rolloutlab::gui {

class ChartView;

class TimelineView : public QWidget {
  Q_OBJECT

 public:
  explicit TimelineView(QWidget* parent = nullptr);
  ~TimelineView() override;

  /// Shows a run (keeps the zoom when the user zoomed in and the new run spans it).
  void setTimeline(const Timeline& timeline);
  const Timeline& timeline() const { return timeline_; }
  /// Shows the whole run.
  void fit();
  /// The least height of the weight chart and of each metric chart (default 150 and 120).
  void setMinimumLaneHeights(int weight, int metric);
  /// A short caption above the charts (e.g. "A: as loaded"), empty for none.
  void setCaption(const QString& caption);

  /// Writes the charts (with their header) as PNG or SVG; false with `error` set on failure.
  bool exportPng(const QString& path, QString* error = nullptr);
  bool exportSvg(const QString& path, QString* error = nullptr);

  /// Inspection (tests, the compare view): charts in order (weight first), the tooltips of one
  /// lane's markers of a kind ("weight" or a metric name), the time axis range in minutes.
  QList<QChart*> charts() const;
  /// `noData`: the checks decided without a value (hollow markers on the band's edge).
  QStringList markerTexts(const QString& lane, TimelineMarker::Kind kind,
                          bool noData = false) const;
  QScatterSeries* markerSeries(const QString& lane, TimelineMarker::Kind kind,
                               bool noData = false) const;
  /// A lane's legend as plain text ("canary weight  regression acts  ..."), and its label.
  QString legendText(const QString& lane) const;
  QLabel* legendLabel(const QString& lane) const;
  std::pair<double, double> timeRange() const;
  void setTimeRange(double loMinutes, double hiMinutes);
  QString outcomeText() const;
  QString errorText() const;
  /// Number of chart repaints since construction.
  quint64 paintCount() const;

 signals:
  /// Every chart has painted since the last setTimeline().
  void repainted();

 private:
  struct Lane;
  Lane* makeLane(const QString& name, bool weight);
  void fillWeight(Lane& lane);
  void fillMetric(Lane& lane, const TimelineMetric& m);
  void updateLegend(Lane& lane);
  void syncFrom(Lane* source, double lo, double hi);
  void onPainted(Lane* lane);
  Lane* lane(const QString& name) const;

  Timeline timeline_;
  QWidget* content_ = nullptr;
  QLabel* caption_ = nullptr;
  QLabel* title_ = nullptr;
  QLabel* outcome_ = nullptr;
  QLabel* summary_ = nullptr;
  QLabel* error_ = nullptr;
  QSplitter* splitter_ = nullptr;
  std::vector<Lane*> lanes_;  // [0] is the weight lane
  bool syncing_ = false;
  bool zoomed_ = false;
  bool awaitingPaint_ = false;
  double fullMinutes_ = 1;
  int minWeightHeight_ = 150;
  int minMetricHeight_ = 120;
};

}  // namespace rolloutlab::gui
