#include "timeline_view.h"

#include <QAreaSeries>
#include <QChart>
#include <QFile>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QScatterSeries>
#include <QSplitter>
#include <QSvgGenerator>
#include <QTextDocument>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <map>

#include "chart_view.h"

namespace rolloutlab::gui {

namespace {

const QColor kCanary(31, 119, 180);
const QColor kPrimary(110, 110, 110);
const QColor kPass(44, 160, 44);
const QColor kFail(214, 39, 40);
const QColor kError(255, 127, 14);
const QColor kNoData(150, 150, 150);
const QColor kGateOpen(23, 190, 207);
const QColor kGateClosed(188, 100, 0);
const QColor kRegression(214, 39, 40, 38);
const QColor kBand(44, 160, 44, 40);
const QColor kStepDone(20, 70, 130);
const QColor kPaused(148, 103, 189);
const QColor kInconclusive(188, 189, 34);

/// Headroom above 100 % where gate and decision markers sit, and above them (Argo) the
/// AnalysisRuns' verdicts.
constexpr double kEventLaneY = 106;
constexpr double kAnalysisLaneY = 114;

bool onWeightLine(TimelineMarker::Kind k) {
  return k == TimelineMarker::Kind::kTick || k == TimelineMarker::Kind::kStep ||
         k == TimelineMarker::Kind::kPause;
}

bool analysisVerdict(TimelineMarker::Kind k) {
  return k == TimelineMarker::Kind::kAnalysisSuccessful ||
         k == TimelineMarker::Kind::kAnalysisFailed ||
         k == TimelineMarker::Kind::kAnalysisInconclusive ||
         k == TimelineMarker::Kind::kAnalysisError;
}

QString q(const std::string& s) { return QString::fromStdString(s); }

QScatterSeries* scatter(const QString& name, const QColor& color, QScatterSeries::MarkerShape shape,
                        double size) {
  auto* s = new QScatterSeries;
  s->setName(name);
  s->setColor(color);
  s->setBorderColor(color.darker(130));
  s->setMarkerShape(shape);
  s->setMarkerSize(size);
  return s;
}

/// A marker drawn as an outline only: a check that was decided without a value (an empty
/// result that a condition such as `len(result) == 0 || ...` passed).
QScatterSeries* hollow(const QString& name, const QColor& color, QScatterSeries::MarkerShape shape,
                       double size) {
  auto* s = scatter(name, color, shape, size);
  s->setBrush(Qt::NoBrush);
  QPen pen(color.darker(115));
  pen.setWidthF(2.0);
  s->setPen(pen);
  return s;
}

QLineSeries* line(const QString& name, const QColor& color, double width,
                  Qt::PenStyle style = Qt::SolidLine) {
  auto* s = new QLineSeries;
  s->setName(name);
  QPen pen(color);
  pen.setWidthF(width);
  pen.setStyle(style);
  s->setPen(pen);
  return s;
}

/// An area series does not own its bounding lines: after the chart has taken the area, the area
/// takes its lines (it was their child until then), so they go when it goes.
void ownBounds(QChart* chart, QAreaSeries* area) {
  if (area->parent() == area->upperSeries()) area->setParent(chart);
  for (QLineSeries* l : {area->upperSeries(), area->lowerSeries()}) {
    if (l != nullptr) l->setParent(area);
  }
}

/// 1, 2 or 5 times a power of ten, about span / 6.
double niceStep(double span) {
  if (!(span > 0)) return 1;
  const double raw = span / 6;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * p >= raw) return m * p;
  }
  return 10 * p;
}

/// Whether the legend lists a series (a series with nothing to show is left out).
void setLegendVisible(QChart*, QAbstractSeries* s, bool visible) {
  s->setProperty("rolloutlabInLegend", visible);
}

bool legendVisible(QAbstractSeries* s) {
  const QVariant v = s->property("rolloutlabInLegend");
  return !v.isValid() || v.toBool();
}

/// The symbol of a series in the legend, in its colour (HTML).
QString legendGlyph(QAbstractSeries* s) {
  QString glyph = QString::fromUtf8("\u25a0");
  QColor color(Qt::black);
  if (auto* sc = qobject_cast<QScatterSeries*>(s)) {
    const bool open = sc->brush().style() == Qt::NoBrush;
    color = open ? sc->pen().color() : sc->color();
    switch (sc->markerShape()) {
      case QScatterSeries::MarkerShapeCircle:
        glyph = open ? "\u25cb" : "\u25cf";
        break;
      case QScatterSeries::MarkerShapeRectangle:
        glyph = open ? "\u25a1" : "\u25a0";
        break;
      case QScatterSeries::MarkerShapeRotatedRectangle:
        glyph = open ? "\u25c7" : "\u25c6";
        break;
      case QScatterSeries::MarkerShapeTriangle:
        glyph = open ? "\u25b3" : "\u25b2";
        break;
      case QScatterSeries::MarkerShapeStar:
        glyph = open ? "\u2606" : "\u2605";
        break;
      case QScatterSeries::MarkerShapePentagon:
        glyph = "\u2b1f";
        break;
    }
  } else if (auto* a = qobject_cast<QAreaSeries*>(s)) {
    color = a->color();
    color.setAlpha(std::max(color.alpha(), 110));
    glyph = "\u2588";
  } else if (auto* l = qobject_cast<QLineSeries*>(s)) {
    color = l->pen().color();
    glyph = l->pen().style() == Qt::SolidLine ? "\u2501\u2501" : "\u2505\u2505";
  }
  if (color.alpha() < 110) color.setAlpha(110);
  return QString("<span style='color:%1'>%2</span>").arg(color.name(QColor::HexRgb), glyph);
}

}  // namespace

struct TimelineView::Lane {
  QString name;
  bool weight = false;
  QChart* chart = nullptr;
  ChartView* view = nullptr;
  QValueAxis* x = nullptr;
  QValueAxis* y = nullptr;
  // The weight lane.
  QLineSeries* weightLine = nullptr;
  QLineSeries* weightZero = nullptr;
  QAreaSeries* weightArea = nullptr;
  QLineSeries* regUpper = nullptr;
  QLineSeries* regLower = nullptr;
  QAreaSeries* regArea = nullptr;
  // A metric lane.
  QLineSeries* bandUpper = nullptr;
  QLineSeries* bandLower = nullptr;
  QAreaSeries* band = nullptr;
  QLineSeries* canary = nullptr;
  QLineSeries* primary = nullptr;
  std::map<TimelineMarker::Kind, QScatterSeries*> markers;
  /// Checks decided without a value (an empty result), hollow on the band's edge.
  std::map<TimelineMarker::Kind, QScatterSeries*> noData;
  QWidget* box = nullptr;    // the legend above the chart view
  QLabel* legend = nullptr;  // wraps, unlike QLegend, which cuts its names short
  bool painted = false;

  void attach(QAbstractSeries* s) {
    chart->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
    if (auto* a = qobject_cast<QAreaSeries*>(s)) ownBounds(chart, a);
  }
};

TimelineView::TimelineView(QWidget* parent) : QWidget(parent) {
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  content_ = new QWidget(this);
  content_->setAutoFillBackground(true);
  auto* layout = new QVBoxLayout(content_);
  layout->setContentsMargins(6, 4, 6, 4);
  layout->setSpacing(2);
  caption_ = new QLabel(content_);
  caption_->setStyleSheet("font-weight: bold; color: #555;");
  caption_->hide();
  title_ = new QLabel(content_);
  title_->setStyleSheet("font-weight: bold;");
  title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  outcome_ = new QLabel(content_);
  summary_ = new QLabel(content_);
  summary_->setStyleSheet("color: #555;");
  summary_->setWordWrap(true);
  error_ = new QLabel(content_);
  error_->setWordWrap(true);
  error_->setStyleSheet(
      "background: #fdecea; color: #8a1c1c; border: 1px solid #e6a5a5; padding: 8px;");
  error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  error_->hide();
  splitter_ = new QSplitter(Qt::Vertical, content_);
  splitter_->setChildrenCollapsible(false);
  layout->addWidget(caption_);
  layout->addWidget(title_);
  layout->addWidget(outcome_);
  layout->addWidget(summary_);
  layout->addWidget(error_);
  layout->addWidget(splitter_, 1);
  outer->addWidget(content_);
  lanes_.push_back(makeLane("weight", true));
}

TimelineView::~TimelineView() {
  for (Lane* l : lanes_) {
    disconnect(l->x, nullptr, this, nullptr);
    disconnect(l->view, nullptr, this, nullptr);
    delete l;
  }
}

TimelineView::Lane* TimelineView::makeLane(const QString& name, bool weight) {
  auto* l = new Lane;
  l->name = name;
  l->weight = weight;
  l->chart = new QChart;
  l->chart->setMargins(QMargins(2, 2, 2, 2));
  l->chart->setBackgroundRoundness(0);
  // The names go in a label above the chart that wraps when the lane is narrow (QLegend
  // cuts them to "regre..."); the chart's legend only keeps which markers are shown.
  l->chart->legend()->hide();
  l->x = new QValueAxis;
  l->x->setLabelFormat("%.4g");
  l->x->setTickType(QValueAxis::TicksDynamic);
  l->x->setTickAnchor(0);
  l->y = new QValueAxis;
  l->y->setLabelFormat("%.6g");
  l->chart->addAxis(l->x, Qt::AlignBottom);
  l->chart->addAxis(l->y, Qt::AlignLeft);
  QFont tf = l->chart->titleFont();
  tf.setBold(true);
  l->chart->setTitleFont(tf);
  if (weight) {
    l->chart->setTitle("Canary weight (%)");
    l->regUpper = new QLineSeries;
    l->regLower = new QLineSeries;
    l->regArea = new QAreaSeries(l->regUpper, l->regLower);
    l->regArea->setName("regression acts");
    l->regArea->setColor(kRegression);
    l->regArea->setBorderColor(Qt::transparent);
    l->attach(l->regArea);
    l->weightLine = line("canary weight", kCanary, 2.0);
    l->weightZero = new QLineSeries;
    l->weightArea = new QAreaSeries(l->weightLine, l->weightZero);
    l->weightArea->setName("canary weight");
    QColor fill = kCanary;
    fill.setAlpha(45);
    l->weightArea->setColor(fill);
    QPen pen(kCanary);
    pen.setWidthF(2.0);
    l->weightArea->setPen(pen);
    l->attach(l->weightArea);
    l->markers[TimelineMarker::Kind::kTick] =
        scatter("tick", kCanary, QScatterSeries::MarkerShapeCircle, 7);
    l->markers[TimelineMarker::Kind::kGateOpen] =
        scatter("gate open", kGateOpen, QScatterSeries::MarkerShapeRotatedRectangle, 11);
    l->markers[TimelineMarker::Kind::kGateClosed] =
        scatter("gate held/failed", kGateClosed, QScatterSeries::MarkerShapeRotatedRectangle, 11);
    l->markers[TimelineMarker::Kind::kPromotion] =
        scatter("promotion", kPass, QScatterSeries::MarkerShapeStar, 18);
    l->markers[TimelineMarker::Kind::kRollback] =
        scatter("rollback", kFail, QScatterSeries::MarkerShapeStar, 18);
    // Argo Rollouts.
    l->markers[TimelineMarker::Kind::kStep] =
        scatter("step completed", kStepDone, QScatterSeries::MarkerShapeRectangle, 9);
    l->markers[TimelineMarker::Kind::kPause] =
        scatter("paused", kPaused, QScatterSeries::MarkerShapePentagon, 13);
    l->markers[TimelineMarker::Kind::kAnalysisSuccessful] =
        scatter("analysis Successful", kPass, QScatterSeries::MarkerShapeCircle, 11);
    l->markers[TimelineMarker::Kind::kAnalysisFailed] =
        scatter("analysis Failed", kFail, QScatterSeries::MarkerShapeCircle, 12);
    l->markers[TimelineMarker::Kind::kAnalysisInconclusive] =
        scatter("analysis Inconclusive", kInconclusive, QScatterSeries::MarkerShapeTriangle, 12);
    l->markers[TimelineMarker::Kind::kAnalysisError] =
        scatter("analysis Error", kError, QScatterSeries::MarkerShapeTriangle, 12);
    // Percent on round ticks (0, 25, ..., 100); the headroom above 100 holds the gates and
    // decisions (and the AnalysisRuns' verdicts), without ticks of its own.
    l->y->setRange(0, 112);
    l->y->setTickType(QValueAxis::TicksDynamic);
    l->y->setTickAnchor(0);
    l->y->setTickInterval(25);
    l->y->setLabelFormat("%.0f");
  } else {
    l->bandUpper = new QLineSeries;
    l->bandLower = new QLineSeries;
    l->band = new QAreaSeries(l->bandUpper, l->bandLower);
    l->band->setName("passing range");
    l->band->setColor(kBand);
    QPen bp(QColor(44, 160, 44, 140));
    bp.setStyle(Qt::DashLine);
    l->band->setPen(bp);
    l->attach(l->band);
    l->primary = line("primary", kPrimary, 1.5, Qt::DashLine);
    l->attach(l->primary);
    l->canary = line("canary", kCanary, 2.0);
    l->attach(l->canary);
    l->markers[TimelineMarker::Kind::kPass] =
        scatter("pass", kPass, QScatterSeries::MarkerShapeCircle, 9);
    l->markers[TimelineMarker::Kind::kFail] =
        scatter("fail", kFail, QScatterSeries::MarkerShapeCircle, 11);
    l->markers[TimelineMarker::Kind::kError] =
        scatter("error", kError, QScatterSeries::MarkerShapeTriangle, 11);
    l->markers[TimelineMarker::Kind::kNoData] =
        scatter("no data", kNoData, QScatterSeries::MarkerShapeRectangle, 9);
    l->markers[TimelineMarker::Kind::kInconclusive] =
        scatter("inconclusive", kInconclusive, QScatterSeries::MarkerShapeTriangle, 11);
    l->noData[TimelineMarker::Kind::kPass] =
        hollow("pass, no data", kPass, QScatterSeries::MarkerShapeCircle, 10);
    l->noData[TimelineMarker::Kind::kFail] =
        hollow("fail, no data", kFail, QScatterSeries::MarkerShapeCircle, 11);
    l->noData[TimelineMarker::Kind::kInconclusive] =
        hollow("inconclusive, no data", kInconclusive, QScatterSeries::MarkerShapeTriangle, 11);
  }
  for (auto& [kind, s] : l->markers) l->attach(s);
  for (auto& [kind, s] : l->noData) l->attach(s);
  l->box = new QWidget(splitter_);
  auto* bl = new QVBoxLayout(l->box);
  bl->setContentsMargins(0, 0, 0, 0);
  bl->setSpacing(0);
  l->legend = new QLabel(l->box);
  l->legend->setWordWrap(true);
  l->legend->setTextFormat(Qt::RichText);
  QFont small = l->legend->font();
  small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.9));
  l->legend->setFont(small);
  l->legend->setContentsMargins(6, 0, 6, 0);
  l->view = new ChartView(l->chart, l->box);
  l->view->setTimeAxis(l->x);
  l->view->setMinimumHeight(weight ? minWeightHeight_ : minMetricHeight_);
  bl->addWidget(l->legend);
  bl->addWidget(l->view, 1);
  splitter_->addWidget(l->box);
  connect(l->x, &QValueAxis::rangeChanged, this,
          [this, l](qreal lo, qreal hi) { syncFrom(l, lo, hi); });
  connect(l->view, &ChartView::painted, this, [this, l]() { onPainted(l); });
  return l;
}

void TimelineView::syncFrom(Lane* source, double lo, double hi) {
  if (syncing_) return;
  syncing_ = true;
  const double step = niceStep(hi - lo);
  for (Lane* l : lanes_) {
    if (l != source && (l->x->min() != lo || l->x->max() != hi)) l->x->setRange(lo, hi);
    if (l->x->tickInterval() != step) l->x->setTickInterval(step);
  }
  syncing_ = false;
  zoomed_ = lo > 1e-9 || hi < fullMinutes_ - 1e-9;
}

void TimelineView::onPainted(Lane* l) {
  l->painted = true;
  if (!awaitingPaint_) return;
  for (Lane* x : lanes_) {
    if (!x->painted) return;
  }
  awaitingPaint_ = false;
  emit repainted();
}

TimelineView::Lane* TimelineView::lane(const QString& name) const {
  for (Lane* l : lanes_) {
    if (l->name == name) return l;
  }
  return nullptr;
}

void TimelineView::setCaption(const QString& caption) {
  caption_->setText(caption);
  caption_->setVisible(!caption.isEmpty());
}

void TimelineView::setTimeline(const Timeline& tl) {
  timeline_ = tl;
  title_->setText(q(tl.title));
  if (!tl.error.empty()) {
    error_->setText(q(tl.error));
    error_->show();
    splitter_->hide();
    outcome_->clear();
    summary_->clear();
    return;
  }
  error_->hide();
  splitter_->show();
  outcome_->setText(q(tl.outcome));
  outcome_->setStyleSheet(tl.promoted     ? "font-weight: bold; color: #1e7b1e;"
                          : tl.rolledBack ? "font-weight: bold; color: #b21f1f;"
                                          : "font-weight: bold; color: #666;");
  summary_->setText(q(tl.summary) +
                    QString::fromUtf8(" \u00b7 simulated in %1 ms").arg(tl.simulateMs, 0, 'f', 2));

  // Lanes: rebuilt only when the metrics are not the same as before.
  bool same = lanes_.size() == tl.metrics.size() + 1;
  for (std::size_t i = 0; same && i < tl.metrics.size(); ++i)
    same = lanes_[i + 1]->name == q(tl.metrics[i].name);
  if (!same) {
    for (std::size_t i = 1; i < lanes_.size(); ++i) {
      delete lanes_[i]->box;  // owns the view, which owns the chart and its series
      delete lanes_[i];
    }
    lanes_.resize(1);
    for (const auto& m : tl.metrics) lanes_.push_back(makeLane(q(m.name), false));
  }
  fullMinutes_ = std::max(tl.duration / 60.0, 1e-3);
  const auto keep = timeRange();
  fillWeight(*lanes_[0]);
  for (std::size_t i = 0; i < tl.metrics.size(); ++i) fillMetric(*lanes_[i + 1], tl.metrics[i]);
  for (Lane* l : lanes_) updateLegend(*l);
  for (Lane* l : lanes_) l->view->setFullRange(0, fullMinutes_);
  if (zoomed_ && keep.second <= fullMinutes_ + 1e-9 && same) {
    setTimeRange(keep.first, keep.second);
  } else {
    setTimeRange(0, fullMinutes_);
  }
  awaitingPaint_ = true;
  for (Lane* l : lanes_) {
    l->painted = false;
    l->view->update();
  }
}

void TimelineView::fillWeight(Lane& l) {
  const Timeline& tl = timeline_;
  const double end = fullMinutes_;
  QList<QPointF> steps;
  for (std::size_t i = 0; i < tl.canaryWeight.size(); ++i) {
    const double t = tl.canaryWeight[i].first / 60.0;
    if (i > 0) steps.append({t, static_cast<double>(tl.canaryWeight[i - 1].second)});
    steps.append({t, static_cast<double>(tl.canaryWeight[i].second)});
  }
  if (!tl.canaryWeight.empty())
    steps.append({end, static_cast<double>(tl.canaryWeight.back().second)});
  l.weightLine->replace(steps);
  l.weightZero->replace(QList<QPointF>{{0, 0}, {end, 0}});
  QList<QPointF> reg{{0, 0}};
  for (const auto& [a, b] : tl.regression) {
    reg.append({a / 60.0, 0});
    reg.append({a / 60.0, 100});
    reg.append({b / 60.0, 100});
    reg.append({b / 60.0, 0});
  }
  reg.append({end, 0});
  l.regUpper->replace(reg);
  l.regLower->replace(QList<QPointF>{{0, 0}, {end, 0}});
  setLegendVisible(l.chart, l.regArea, !tl.regression.empty());
  setLegendVisible(l.chart, l.weightArea, true);
  std::map<TimelineMarker::Kind, std::pair<QList<QPointF>, QStringList>> byKind;
  bool verdicts = false;
  for (const auto& e : tl.events) {
    const bool verdict = analysisVerdict(e.kind);
    verdicts = verdicts || verdict;
    const double y = onWeightLine(e.kind) ? e.value : verdict ? kAnalysisLaneY : kEventLaneY;
    byKind[e.kind].first.append({e.t / 60.0, y});
    byKind[e.kind].second.append(q(e.text));
  }
  // Room for the AnalysisRuns' verdicts above the decisions when there are any.
  l.y->setRange(0, verdicts ? 120 : 112);
  for (auto& [kind, s] : l.markers) {
    const auto& data = byKind[kind];
    s->replace(data.first);
    l.view->setTooltips(s, data.second);
    setLegendVisible(l.chart, s, !data.first.isEmpty() && kind != TimelineMarker::Kind::kTick);
  }
  l.x->setTitleText("time since the new revision (min)");
}

void TimelineView::fillMetric(Lane& l, const TimelineMetric& m) {
  double lo = INFINITY, hi = -INFINITY;
  auto widen = [&](double v) {
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  };
  for (const auto& p : m.canary) widen(p.second);
  for (const auto& p : m.primary) widen(p.second);
  for (const auto& c : m.checks) widen(c.value);
  if (m.min) widen(*m.min);
  if (m.max) widen(*m.max);
  if (!std::isfinite(lo)) {
    lo = 0;
    hi = 1;
  }
  double pad = (hi - lo) * 0.12;
  if (pad <= 0) pad = std::max(std::fabs(hi) * 0.1, 1.0);
  const bool percentFits = m.unit == "%" && hi <= 100.0;
  lo -= pad;
  hi += pad;
  if (percentFits) hi = std::min(hi, 100.0 + pad * 0.25);
  // Ticks on round values whatever the range.
  l.y->setRange(lo, hi);
  l.y->setTickType(QValueAxis::TicksDynamic);
  l.y->setTickAnchor(0);
  l.y->setTickInterval(niceStep((hi - lo) * 1.5));  // about four ticks
  const double end = fullMinutes_;

  const bool band = m.min || m.max;
  const double bLo = m.min ? *m.min : lo, bHi = m.max ? *m.max : hi;
  l.bandUpper->replace(band ? QList<QPointF>{{0, bHi}, {end, bHi}} : QList<QPointF>{});
  l.bandLower->replace(band ? QList<QPointF>{{0, bLo}, {end, bLo}} : QList<QPointF>{});
  setLegendVisible(l.chart, l.band, band);

  QList<QPointF> pts;
  for (const auto& [t, v] : m.canary) pts.append({t / 60.0, v});
  l.canary->replace(pts);
  pts.clear();
  for (const auto& [t, v] : m.primary) pts.append({t / 60.0, v});
  l.primary->replace(pts);
  setLegendVisible(l.chart, l.primary, !m.primary.empty());

  const double bottom = lo + (hi - lo) * 0.04;
  // A check decided without a value (an Argo measurement of an empty result that a condition
  // such as `len(result) == 0 || result[0] >= 0.99` passed) has no height of its own: it sits
  // on the edge of the passing band (the bottom of the chart when there is no band).
  const double edge = m.min ? *m.min : m.max ? *m.max : bottom;
  std::map<TimelineMarker::Kind, std::pair<QList<QPointF>, QStringList>> byKind, noValue;
  for (const auto& c : m.checks) {
    const bool valued = std::isfinite(c.value);
    if (!valued && l.noData.count(c.kind) > 0) {
      const char* what = c.kind == TimelineMarker::Kind::kPass   ? "passed by the condition"
                         : c.kind == TimelineMarker::Kind::kFail ? "failed by the condition"
                                                                 : "inconclusive: neither "
                                                                   "condition met";
      noValue[c.kind].first.append({c.t / 60.0, edge});
      noValue[c.kind].second.append(QString("no data: %1\n").arg(QString::fromLatin1(what)) +
                                    q(c.text));
      continue;
    }
    const double y =
        valued && c.kind != TimelineMarker::Kind::kNoData && c.kind != TimelineMarker::Kind::kError
            ? std::clamp(c.value, lo, hi)
            : bottom;
    byKind[c.kind].first.append({c.t / 60.0, y});
    byKind[c.kind].second.append(q(c.text));
  }
  for (auto* markers : {&l.markers, &l.noData}) {
    auto& data = markers == &l.markers ? byKind : noValue;
    for (auto& [kind, s] : *markers) {
      const auto& d = data[kind];
      s->replace(d.first);
      l.view->setTooltips(s, d.second);
      setLegendVisible(l.chart, s, !d.first.isEmpty());
    }
  }
  QString title = q(m.name);
  if (!m.unit.empty()) title += " (" + q(m.unit) + ")";
  if (!m.condition.empty()) {
    title += "   " + q(m.condition);
  } else if (m.min && m.max) {
    title += QString("   range [%1, %2]").arg(q(formatNumber(*m.min)), q(formatNumber(*m.max)));
  } else if (m.min) {
    title += QString("   min %1").arg(q(formatNumber(*m.min)));
  } else if (m.max) {
    title += QString("   max %1").arg(q(formatNumber(*m.max)));
  }
  l.chart->setTitle(title);
}

void TimelineView::updateLegend(Lane& l) {
  QStringList items;
  for (QAbstractSeries* s : l.chart->series()) {
    if (s->name().isEmpty() || !legendVisible(s)) continue;
    items << legendGlyph(s) + "&nbsp;" + s->name().toHtmlEscaped().replace(" ", "&nbsp;");
  }
  l.legend->setText(items.join(" &nbsp; "));
  l.legend->setVisible(!items.isEmpty());
}

QString TimelineView::legendText(const QString& name) const {
  const Lane* l = lane(name);
  if (l == nullptr) return {};
  QTextDocument doc;
  doc.setHtml(l->legend->text());
  return doc.toPlainText().replace(QChar(0xa0), ' ');
}

QLabel* TimelineView::legendLabel(const QString& name) const {
  const Lane* l = lane(name);
  return l == nullptr ? nullptr : l->legend;
}

QScatterSeries* TimelineView::markerSeries(const QString& name, TimelineMarker::Kind kind,
                                           bool noData) const {
  const Lane* l = lane(name);
  if (l == nullptr) return nullptr;
  const auto& map = noData ? l->noData : l->markers;
  const auto it = map.find(kind);
  return it == map.end() ? nullptr : it->second;
}

void TimelineView::setMinimumLaneHeights(int weight, int metric) {
  minWeightHeight_ = weight;
  minMetricHeight_ = metric;
  for (Lane* l : lanes_) l->view->setMinimumHeight(l->weight ? weight : metric);
}

void TimelineView::fit() { setTimeRange(0, fullMinutes_); }

std::pair<double, double> TimelineView::timeRange() const {
  return {lanes_[0]->x->min(), lanes_[0]->x->max()};
}

void TimelineView::setTimeRange(double lo, double hi) {
  lanes_[0]->x->setRange(lo, hi);
  syncFrom(lanes_[0], lo, hi);
}

QList<QChart*> TimelineView::charts() const {
  QList<QChart*> out;
  for (Lane* l : lanes_) out << l->chart;
  return out;
}

QStringList TimelineView::markerTexts(const QString& name, TimelineMarker::Kind kind,
                                      bool noData) const {
  const Lane* l = lane(name);
  QScatterSeries* s = markerSeries(name, kind, noData);
  return s == nullptr ? QStringList() : l->view->tooltips(s);
}

QString TimelineView::outcomeText() const { return outcome_->text(); }
QString TimelineView::errorText() const {
  return error_->isVisible() || !timeline_.error.empty() ? error_->text() : QString();
}

quint64 TimelineView::paintCount() const {
  quint64 n = 0;
  for (Lane* l : lanes_) n += l->view->paintCount();
  return n;
}

bool TimelineView::exportPng(const QString& path, QString* error) {
  const QPixmap pm = content_->grab();
  if (pm.isNull() || !pm.save(path, "PNG")) {
    if (error) *error = "cannot write " + path;
    return false;
  }
  return true;
}

bool TimelineView::exportSvg(const QString& path, QString* error) {
  QSvgGenerator gen;
  gen.setFileName(path);
  gen.setSize(content_->size());
  gen.setViewBox(QRect(QPoint(0, 0), content_->size()));
  gen.setTitle(q(timeline_.title));
  gen.setDescription("rolloutlab timeline");
  {
    QPainter p;
    if (!p.begin(&gen)) {
      if (error) *error = "cannot write " + path;
      return false;
    }
    content_->render(&p);
    p.end();
  }
  if (!QFile::exists(path)) {
    if (error) *error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace rolloutlab::gui
