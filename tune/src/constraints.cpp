#include "rolloutlab/tune/constraints.h"

#include <cmath>
#include <cstdio>

#include "rolloutlab/core/number_format.h"
#include "rolloutlab/core/stats/proportion.h"

namespace rolloutlab::tune {

void PairStats::add(const RunOutcome& o) {
  ++runs;
  if (o.result == RunOutcome::Result::kPromoted) {
    ++promoted;
    if (o.timeToPromotion >= 0) {
      ++promotedTimed;
      timeSum += o.timeToPromotion;
      timeSumSq += o.timeToPromotion * o.timeToPromotion;
    }
  } else if (o.result == RunOutcome::Result::kRolledBack) {
    ++rolledBack;
  }
  excessSum += o.excessErrors;
  excessSumSq += o.excessErrors * o.excessErrors;
}

void PairStats::merge(const PairStats& o) {
  runs += o.runs;
  promoted += o.promoted;
  rolledBack += o.rolledBack;
  promotedTimed += o.promotedTimed;
  timeSum += o.timeSum;
  timeSumSq += o.timeSumSq;
  excessSum += o.excessSum;
  excessSumSq += o.excessSumSq;
}

Estimate proportionEstimate(std::int64_t k, std::int64_t n) {
  Estimate e;
  e.n = n;
  if (n <= 0) return e;
  const auto ci = core::stats::wilsonInterval(k, n, 0.95);
  e.value = static_cast<double>(k) / static_cast<double>(n);
  e.lo = ci.lo;
  e.hi = ci.hi;
  return e;
}

Estimate meanEstimate(double sum, double sumSq, std::int64_t n) {
  Estimate e;
  e.n = n;
  if (n <= 0) return e;
  const double dn = static_cast<double>(n);
  e.value = sum / dn;
  double half = 0;
  if (n > 1) {
    const double var = std::max(0.0, (sumSq - sum * sum / dn) / (dn - 1));
    half = 1.959963984540054 * std::sqrt(var / dn);
  }
  e.lo = e.value - half;
  e.hi = e.value + half;
  return e;
}

Characteristics characterise(const std::vector<PairStats>& pairs, const std::vector<bool>& bad) {
  PairStats good, worse;
  for (std::size_t i = 0; i < pairs.size(); ++i) (bad[i] ? worse : good).merge(pairs[i]);
  Characteristics c;
  c.falseRollbackRate = proportionEstimate(good.rolledBack, good.runs);
  c.goodPromotionRate = proportionEstimate(good.promoted, good.runs);
  c.escapeRate = proportionEstimate(worse.promoted, worse.runs);
  c.meanExcessErrors = meanEstimate(worse.excessSum, worse.excessSumSq, worse.runs);
  c.meanTimeToPromotion = meanEstimate(good.timeSum, good.timeSumSq, good.promotedTimed);
  return c;
}

const char* toString(Measure m) {
  switch (m) {
    case Measure::kFalseRollbackRate:
      return "falseRollbackRate";
    case Measure::kEscapeRate:
      return "escapeRate";
    case Measure::kMeanExcessErrors:
      return "meanExcessErrors";
    case Measure::kMeanTimeToPromotion:
      return "meanTimeToPromotion";
  }
  return "?";
}

const Estimate& pick(const Characteristics& c, Measure m) {
  switch (m) {
    case Measure::kFalseRollbackRate:
      return c.falseRollbackRate;
    case Measure::kEscapeRate:
      return c.escapeRate;
    case Measure::kMeanExcessErrors:
      return c.meanExcessErrors;
    case Measure::kMeanTimeToPromotion:
      return c.meanTimeToPromotion;
  }
  return c.falseRollbackRate;
}

std::string Constraint::describe() const {
  std::string s =
      std::string(toString(measure)) + " <= " + core::formatGeneral(max) + " (upper 95% bound)";
  if (!scenario.empty()) s += " on " + scenario;
  return s;
}

const char* toString(Verdict v) {
  switch (v) {
    case Verdict::kMet:
      return "met";
    case Verdict::kViolated:
      return "violated";
    case Verdict::kUndecided:
      return "undecided";
  }
  return "?";
}

Verdict judge(const Constraint& c, const Estimate& e) {
  // No runs of the kind the constraint is about (e.g. no bad scenario): nothing can violate it.
  if (e.n == 0)
    return c.measure == Measure::kMeanTimeToPromotion ? Verdict::kUndecided : Verdict::kMet;
  if (e.hi <= c.max) return Verdict::kMet;
  if (e.lo > c.max) return Verdict::kViolated;
  return Verdict::kUndecided;
}

std::string Objective::describe() const {
  std::string s;
  auto part = [&s](double w, const char* name) {
    if (w == 0) return;
    s +=
        (s.empty() ? "" : " + ") + (w == 1 ? std::string() : core::formatGeneral(w) + " x ") + name;
  };
  part(timeToPromotion, "meanTimeToPromotion");
  part(excessErrors, "meanExcessErrors");
  part(falseRollbackRate, "falseRollbackRate");
  return "minimise " + s;
}

Estimate Objective::of(const Characteristics& c) const {
  Estimate e;
  e.value = e.lo = e.hi = 0;
  e.n = 0;
  auto add = [&e](double w, const Estimate& x) {
    if (w == 0) return;
    if (!x.known()) {
      e.value = e.lo = e.hi = std::numeric_limits<double>::quiet_NaN();
      return;
    }
    e.value += w * x.value;
    e.lo += w * (w > 0 ? x.lo : x.hi);
    e.hi += w * (w > 0 ? x.hi : x.lo);
    e.n = std::max(e.n, x.n);
  };
  add(timeToPromotion, c.meanTimeToPromotion);
  add(excessErrors, c.meanExcessErrors);
  add(falseRollbackRate, c.falseRollbackRate);
  return e;
}

}  // namespace rolloutlab::tune
