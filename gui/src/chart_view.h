#pragma once
/// A chart view for time series: the wheel zooms the time axis around the cursor, a left drag
/// zooms to the dragged span, a right or middle drag pans, a double click (or Home) fits the
/// whole run; +/- and the arrow keys zoom and pan. Scatter series can carry one tooltip per
/// point, shown on hover.

#include <QChartView>
#include <QHash>
#include <QScatterSeries>
#include <QStringList>
#include <QValueAxis>

namespace rolloutlab::gui {

class ChartView : public QChartView {
  Q_OBJECT

 public:
  explicit ChartView(QChart* chart, QWidget* parent = nullptr);
  ~ChartView() override;

  /// The time axis (x) the view zooms and pans; set by the owner after the axes are made.
  void setTimeAxis(QValueAxis* axis) { axis_ = axis; }
  QValueAxis* timeAxis() const { return axis_; }
  /// The span "fit" returns to.
  void setFullRange(double lo, double hi);
  void fit();
  /// Sets the tooltips of a scatter series' points (index-aligned with its points).
  void setTooltips(QScatterSeries* series, const QStringList& tips);
  QStringList tooltips(QScatterSeries* series) const { return tips_.value(series); }
  /// Paints since construction (a repaint after an update shows the new data).
  quint64 paintCount() const { return paints_; }

 signals:
  void painted();

 protected:
  void paintEvent(QPaintEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void zoomAround(double x, double factor);
  void pan(double dx);

  QValueAxis* axis_ = nullptr;
  double fullLo_ = 0, fullHi_ = 1;
  bool panning_ = false;
  QPointF panStart_;
  QHash<QScatterSeries*, QStringList> tips_;
  quint64 paints_ = 0;
};

}  // namespace rolloutlab::gui
