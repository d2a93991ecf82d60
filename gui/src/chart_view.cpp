#include "chart_view.h"

#include <QCursor>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QToolTip>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

namespace rolloutlab::gui {

ChartView::ChartView(QChart* chart, QWidget* parent) : QChartView(chart, parent) {
  setRenderHint(QPainter::Antialiasing);
  setRubberBand(QChartView::HorizontalRubberBand);
  setFocusPolicy(Qt::ClickFocus);
  setMouseTracking(true);
}

ChartView::~ChartView() {
  // The chart (and its series) outlive this object's members: they go with the scene, a child.
  for (auto it = tips_.begin(); it != tips_.end(); ++it)
    disconnect(it.key(), nullptr, this, nullptr);
  tips_.clear();
}

void ChartView::setFullRange(double lo, double hi) {
  fullLo_ = lo;
  fullHi_ = hi > lo ? hi : lo + 1;
}

void ChartView::fit() {
  if (axis_ != nullptr) axis_->setRange(fullLo_, fullHi_);
}

void ChartView::setTooltips(QScatterSeries* series, const QStringList& tips) {
  const bool first = !tips_.contains(series);
  tips_[series] = tips;
  if (!first) return;
  connect(series, &QScatterSeries::hovered, this, [this, series](const QPointF& p, bool state) {
    if (!state) {
      QToolTip::hideText();
      return;
    }
    const auto pts = series->points();
    const QStringList& t = tips_[series];
    // The hovered point is one of the series' own points; take the nearest to be safe.
    int best = -1;
    double bestD = 0;
    for (int i = 0; i < pts.size() && i < t.size(); ++i) {
      const double d = std::hypot(pts[i].x() - p.x(), pts[i].y() - p.y());
      if (best < 0 || d < bestD) {
        best = i;
        bestD = d;
      }
    }
    if (best >= 0) QToolTip::showText(QCursor::pos(), t[best], this);
  });
  connect(series, &QObject::destroyed, this, [this, series]() { tips_.remove(series); });
}

void ChartView::paintEvent(QPaintEvent* event) {
  QChartView::paintEvent(event);
  ++paints_;
  emit painted();
}

void ChartView::zoomAround(double x, double factor) {
  if (axis_ == nullptr) return;
  const double lo = axis_->min(), hi = axis_->max();
  double nlo = x - (x - lo) * factor, nhi = x + (hi - x) * factor;
  // Not beyond the run, not below a second.
  const double span = fullHi_ - fullLo_;
  if (nhi - nlo > span) {
    nlo = fullLo_;
    nhi = fullHi_;
  }
  if (nhi - nlo < span * 1e-3) return;
  if (nlo < fullLo_) {
    nhi += fullLo_ - nlo;
    nlo = fullLo_;
  }
  if (nhi > fullHi_) {
    nlo -= nhi - fullHi_;
    nhi = fullHi_;
  }
  axis_->setRange(nlo, nhi);
}

void ChartView::pan(double dx) {
  if (axis_ == nullptr) return;
  double lo = axis_->min() + dx, hi = axis_->max() + dx;
  if (lo < fullLo_) {
    hi += fullLo_ - lo;
    lo = fullLo_;
  }
  if (hi > fullHi_) {
    lo -= hi - fullHi_;
    hi = fullHi_;
  }
  axis_->setRange(lo, hi);
}

void ChartView::wheelEvent(QWheelEvent* event) {
  if (axis_ == nullptr || chart() == nullptr) return QChartView::wheelEvent(event);
  const QPointF value =
      chart()->mapToValue(chart()->mapFromScene(mapToScene(event->position().toPoint())));
  const double steps = event->angleDelta().y() / 120.0;
  if (steps == 0) return;
  zoomAround(value.x(), std::pow(0.8, steps));
  event->accept();
}

void ChartView::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::RightButton || event->button() == Qt::MiddleButton) {
    panning_ = true;
    panStart_ = event->position();
    setCursor(Qt::ClosedHandCursor);
    event->accept();
    return;
  }
  QChartView::mousePressEvent(event);
}

void ChartView::mouseMoveEvent(QMouseEvent* event) {
  if (panning_ && axis_ != nullptr && chart() != nullptr) {
    auto toValue = [this](const QPointF& p) {
      return chart()->mapToValue(chart()->mapFromScene(mapToScene(p.toPoint()))).x();
    };
    const double x0 = toValue(panStart_);
    const double x1 = toValue(event->position());
    panStart_ = event->position();
    pan(x0 - x1);
    event->accept();
    return;
  }
  QChartView::mouseMoveEvent(event);
}

void ChartView::mouseReleaseEvent(QMouseEvent* event) {
  if (panning_ && (event->button() == Qt::RightButton || event->button() == Qt::MiddleButton)) {
    panning_ = false;
    unsetCursor();
    event->accept();
    return;
  }
  QChartView::mouseReleaseEvent(event);
}

void ChartView::mouseDoubleClickEvent(QMouseEvent* event) {
  fit();
  event->accept();
}

void ChartView::keyPressEvent(QKeyEvent* event) {
  if (axis_ == nullptr) return QChartView::keyPressEvent(event);
  const double mid = (axis_->min() + axis_->max()) / 2, span = axis_->max() - axis_->min();
  switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
      zoomAround(mid, 0.8);
      break;
    case Qt::Key_Minus:
      zoomAround(mid, 1.25);
      break;
    case Qt::Key_Left:
      pan(-span * 0.1);
      break;
    case Qt::Key_Right:
      pan(span * 0.1);
      break;
    case Qt::Key_Home:
      fit();
      break;
    default:
      QChartView::keyPressEvent(event);
      return;
  }
  event->accept();
}

}  // namespace rolloutlab::gui
