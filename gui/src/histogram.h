#pragma once
/// Histogram charts of batch distributions: exact counts on a grid (decision times) and
/// log-bucketed values (excess errors) regrouped into display bins.

#include <QString>
#include <vector>

#include "rolloutlab/core/oc.h"

class QChart;

namespace rolloutlab::gui {

/// One display bin: [lo, hi) holding `count` runs.
struct DisplayBin {
  double lo = 0, hi = 0;
  std::int64_t count = 0;
};

/// Decision times (ms) as bars one grid step wide, in minutes.
std::vector<DisplayBin> decisionTimeBins(const core::ExactHistogram& h);
/// Log-histogram buckets regrouped into at most `bins` equal-width bins over their range (each
/// bucket counted in the bin holding its midpoint).
std::vector<DisplayBin> valueBins(const core::LogHistogram& h, int bins = 40);

/// Draws bins into a chart (replacing its series) as an outlined area, y in percent of `total`.
void drawHistogram(QChart* chart, const std::vector<DisplayBin>& bins, std::int64_t total,
                   const QString& title, const QString& xTitle);

}  // namespace rolloutlab::gui
