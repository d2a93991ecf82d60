#pragma once
/// The operating characteristics of a batch as the tables show them, read from the library's
/// report (app::batchJson), so the GUI shows the same numbers and intervals as the CLI.

#include <cmath>
#include <string>
#include <vector>

#include "rolloutlab/app/batch.h"

namespace rolloutlab::app::workbench {

/// A proportion with its 95 % Wilson interval (NaN when there were no runs).
struct Proportion {
  double value = NAN, lo = NAN, hi = NAN;
  /// "12.3% [10.1, 14.9]".
  std::string text() const;
  /// True when the two intervals do not overlap.
  bool clearlyDifferent(const Proportion& o) const;
};

struct OcRow {
  std::string scenario;
  bool badRelease = false;
  std::int64_t runs = 0;
  Proportion promoted, rolledBack;
  double decisionP50 = NAN, decisionP90 = NAN;  ///< seconds
  double excessMean = NAN, excessP99 = NAN;
  const core::PairAggregate* agg = nullptr;  ///< into the BatchResult it was read from
};

struct OcSummary {
  Proportion falseRollbacks;   ///< rollbacks of good releases
  Proportion escapes;          ///< promotions of bad releases
  double meanExcessBad = NAN;  ///< excess errors per bad release
};

std::vector<OcRow> ocRows(const app::BatchResult& r);
OcSummary ocSummary(const app::BatchResult& r);

}  // namespace rolloutlab::app::workbench
