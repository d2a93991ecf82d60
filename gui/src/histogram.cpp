#include "histogram.h"

#include <QAreaSeries>
#include <QChart>
#include <QLegend>
#include <QLineSeries>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace rolloutlab::gui {

std::vector<DisplayBin> decisionTimeBins(const core::ExactHistogram& h) {
  std::vector<DisplayBin> out;
  if (h.count() == 0) return out;
  // Bars as wide as the smallest gap between two values (one tick interval, usually).
  double step = 0;
  std::int64_t prev = 0;
  bool first = true;
  for (const auto& [v, c] : h.bins()) {
    if (!first && (step == 0 || static_cast<double>(v - prev) < step))
      step = static_cast<double>(v - prev);
    prev = v;
    first = false;
  }
  if (step == 0) step = 60000;
  for (const auto& [v, c] : h.bins()) {
    const double mid = static_cast<double>(v) / 60000.0, w = step / 60000.0;
    out.push_back({mid - w / 2, mid + w / 2, c});
  }
  return out;
}

std::vector<DisplayBin> valueBins(const core::LogHistogram& h, int bins) {
  std::vector<DisplayBin> out;
  if (h.count() == 0 || bins < 1) return out;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& [b, c] : h.bins()) {
    const auto [a, z] = core::LogHistogram::bucketRange(b);
    lo = std::min(lo, a);
    hi = std::max(hi, z);
  }
  if (hi - lo < 1e-6) {
    lo -= 0.5;
    hi += 0.5;
  }
  const double w = (hi - lo) / bins;
  out.resize(static_cast<std::size_t>(bins));
  for (int i = 0; i < bins; ++i)
    out[static_cast<std::size_t>(i)] = {lo + i * w, lo + (i + 1) * w, 0};
  for (const auto& [b, c] : h.bins()) {
    const auto [a, z] = core::LogHistogram::bucketRange(b);
    const double mid = b == 0 ? 0.0 : (a + z) / 2;
    const int i = std::clamp(static_cast<int>(std::floor((mid - lo) / w)), 0, bins - 1);
    out[static_cast<std::size_t>(i)].count += c;
  }
  return out;
}

void drawHistogram(QChart* chart, const std::vector<DisplayBin>& bins, std::int64_t total,
                   const QString& title, const QString& xTitle) {
  chart->removeAllSeries();
  for (QAbstractAxis* a : chart->axes()) {
    chart->removeAxis(a);
    delete a;
  }
  chart->setTitle(title);
  chart->legend()->hide();
  auto* upper = new QLineSeries;
  auto* lower = new QLineSeries;
  double ymax = 0, xlo = 0, xhi = 1;
  if (!bins.empty()) {
    xlo = bins.front().lo;
    xhi = bins.back().hi;
  }
  for (const auto& b : bins) {
    const double y =
        total > 0 ? 100.0 * static_cast<double>(b.count) / static_cast<double>(total) : 0.0;
    upper->append(b.lo, 0);
    upper->append(b.lo, y);
    upper->append(b.hi, y);
    upper->append(b.hi, 0);
    ymax = std::max(ymax, y);
  }
  lower->append(xlo, 0);
  lower->append(xhi, 0);
  auto* area = new QAreaSeries(upper, lower);
  area->setColor(QColor(31, 119, 180, 110));
  area->setBorderColor(QColor(31, 119, 180));
  chart->addSeries(area);
  // The area does not own its bounding lines (it was the upper line's child until added).
  if (area->parent() == upper) area->setParent(chart);
  upper->setParent(area);
  lower->setParent(area);
  auto* x = new QValueAxis;
  x->setTitleText(xTitle);
  x->setLabelFormat("%.4g");
  // A margin of one bar on each side, so a lone bar does not fill the chart.
  const double bar = bins.empty() ? 0.0 : bins.front().hi - bins.front().lo;
  x->setRange(xlo - bar, (xhi > xlo ? xhi : xlo + 1) + bar);
  auto* y = new QValueAxis;
  y->setTitleText("% of runs");
  y->setLabelFormat("%.3g");
  const double top = ymax > 0 ? std::min(105.0, ymax * 1.08) : 1.0;
  y->setRange(0, top);
  y->setTickType(QValueAxis::TicksDynamic);
  y->setTickAnchor(0);
  const double raw = top / 4, p = std::pow(10.0, std::floor(std::log10(raw)));
  y->setTickInterval(raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p);
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  area->attachAxis(x);
  area->attachAxis(y);
}

}  // namespace rolloutlab::gui
