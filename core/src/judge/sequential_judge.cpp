#include "rolloutlab/core/judge/sequential_judge.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "judge_util.h"
#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::core::judge {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

using detail::formatDouble;

[[noreturn]] void throwInput(const std::string& field, const std::string& value,
                             const std::string& rule) {
  Diagnostic d;
  d.field = field;
  d.value = value;
  d.rule = rule;
  throw InputError(d);
}

std::string percent(double change) { return formatDouble(change * 100.0) + "%"; }

std::string formatInterval(const Interval& iv) {
  return "[" + formatDouble(iv.lower) + ", " + formatDouble(iv.upper) + "]";
}

}  // namespace

const char* toString(SequentialMetricKind k) {
  switch (k) {
    case SequentialMetricKind::kErrorRate:
      return "errorRate";
    case SequentialMetricKind::kLatencyMean:
      return "latencyMean";
    case SequentialMetricKind::kLatencyDistribution:
      return "latencyDistribution";
  }
  return "errorRate";
}
const char* toString(SequentialRegression r) {
  return r == SequentialRegression::kDecrease ? "decrease" : "increase";
}
const char* toString(SequentialVerdict v) {
  switch (v) {
    case SequentialVerdict::kContinue:
      return "Continue";
    case SequentialVerdict::kPass:
      return "Pass";
    case SequentialVerdict::kFail:
      return "Fail";
  }
  return "Continue";
}

bool SequentialMetricConfig::isValid(std::string* error) const {
  using detail::failDouble;
  const std::string at = "metrics[" + name + "].";
  if (name.empty()) return detail::fail(error, "metrics[].name", "\"\"", "must not be empty");
  if (!(allowedChange >= 0.0) || !std::isfinite(allowedChange))
    return failDouble(error, at + "allowedChange", allowedChange, "must be a finite number >= 0");
  // A latency distribution metric never passes: its meaningfulChange is not used.
  const bool passes = kind != SequentialMetricKind::kLatencyDistribution;
  if (passes && (!(meaningfulChange > allowedChange) || !std::isfinite(meaningfulChange)))
    return failDouble(error, at + "meaningfulChange", meaningfulChange,
                      "must be finite and greater than allowedChange");
  if (passes && regression == SequentialRegression::kDecrease && !(meaningfulChange < 1.0))
    return failDouble(error, at + "meaningfulChange", meaningfulChange,
                      "must be below 1 when a decrease is the regression");
  if (!(weight > 0.0) || !std::isfinite(weight))
    return failDouble(error, at + "weight", weight, "must be positive and finite");
  if (kind != SequentialMetricKind::kLatencyMean) {
    if (!(concentration > 0.0) || !std::isfinite(concentration))
      return failDouble(error, at + "concentration", concentration, "must be positive and finite");
    if (kind == SequentialMetricKind::kLatencyDistribution && !(quantile > 0.0 && quantile < 1.0))
      return failDouble(error, at + "quantile", quantile, "must be in (0, 1)");
  } else {
    if (!(tau > 0.0) || !std::isfinite(tau))
      return failDouble(error, at + "tau", tau,
                        "must be positive and finite (metric units, about the smallest "
                        "difference worth detecting)");
    if (minSamplesPerArm < 2)
      return failDouble(error, at + "minSamplesPerArm", static_cast<double>(minSamplesPerArm),
                        "must be at least 2");
  }
  return true;
}

bool SequentialJudgeConfig::isValid(std::string* error) const {
  if (!(alpha > 0.0 && alpha < 1.0))
    return detail::failDouble(error, "alpha", alpha, "must be in (0, 1)");
  if (metrics.empty()) return detail::fail(error, "metrics", "[]", "must name at least one metric");
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    if (!metrics[i].isValid(error)) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (metrics[j].name == metrics[i].name)
        return detail::fail(error, "metrics[" + std::to_string(i) + "].name",
                            quoted(metrics[i].name), "duplicate metric name");
  }
  if (inconclusiveAtEnd == SequentialVerdict::kContinue)
    return detail::fail(error, "inconclusiveAtEnd", "Continue", "must be Pass or Fail");
  return true;
}

Moments momentsFromHistogram(std::span<const double> upperBounds,
                             std::span<const double> cumulativeCounts) {
  if (upperBounds.size() != cumulativeCounts.size())
    throwInput("histogram", std::to_string(upperBounds.size()) + " bounds",
               "needs one cumulative count per bucket bound");
  Moments m;
  double prevBound = 0.0, prevCount = 0.0, lastFinite = 0.0;
  for (std::size_t i = 0; i < upperBounds.size(); ++i) {
    const double le = upperBounds[i];
    const double c = cumulativeCounts[i];
    if (i > 0 && !(le > upperBounds[i - 1]))
      throwInput("histogram.le", formatDouble(le), "bucket bounds must increase");
    if (!(c >= prevCount) || !std::isfinite(c))
      throwInput("histogram.count", formatDouble(c), "cumulative counts must not decrease");
    const double n = std::round(c - prevCount);
    const double mid = std::isinf(le) ? lastFinite : 0.5 * (prevBound + le);
    if (n > 0) {
      Moments b;
      b.count = static_cast<std::int64_t>(n);
      b.mean = mid;
      b.m2 = 0.0;
      m.merge(b);
    }
    if (std::isfinite(le)) lastFinite = le;
    prevBound = le;
    prevCount = c;
  }
  return m;
}

SequentialJudge::SequentialJudge(SequentialJudgeConfig config) : config_(std::move(config)) {
  std::string err;
  if (!config_.isValid(&err)) {
    // err is `field = value: rule`; keep it as one diagnostic.
    Diagnostic d;
    d.rule = err;
    throw InputError(d);
  }
  double weights = 0.0;
  for (const auto& m : config_.metrics) weights += m.weight;
  for (const auto& m : config_.metrics) {
    const double alphaI = config_.alpha * m.weight / weights;
    State s;
    s.ratioSequence = {0.0, kInf};
    if (m.kind == SequentialMetricKind::kErrorRate) {
      s.counts.emplace(CountTestOptions{alphaI, m.concentration});
    } else if (m.kind == SequentialMetricKind::kLatencyDistribution) {
      s.distribution.emplace(m.concentration);
    } else {
      const double sign = m.regression == SequentialRegression::kIncrease ? 1.0 : -1.0;
      MsprtOptions o;
      o.alpha = alphaI;
      o.tau = m.tau;
      o.minSamplesPerArm = m.minSamplesPerArm;
      o.contrast = 1.0 + sign * m.allowedChange;
      s.failTest.emplace(o);
      o.contrast = 1.0 + sign * m.meaningfulChange;
      s.passTest.emplace(o);
    }
    state_.push_back(std::move(s));
    SequentialMetricStatus st;
    st.name = m.name;
    st.kind = m.kind;
    st.alpha = alphaI;
    st.reason = "no data yet";
    status_.push_back(st);
  }
}

void SequentialJudge::observe(const TickData& tick) {
  ++looks_;
  lastTime_ = tick.timeSeconds;
  for (const auto& mt : tick.metrics) {
    std::size_t i = 0;
    while (i < config_.metrics.size() && config_.metrics[i].name != mt.name) ++i;
    if (i == config_.metrics.size())
      throwInput("tick.metrics", quoted(mt.name), "no metric of the judge has this name");
    auto& s = state_[i];
    if (s.counts) {
      const auto& a = mt.baselineCounts;
      const auto& b = mt.canaryCounts;
      if (a.requests < 0 || b.requests < 0 || a.errors < 0 || b.errors < 0)
        throwInput("tick." + mt.name, "negative count", "counts must be >= 0");
      if ((a.requests > 0 || b.requests > 0) && (a.errors > a.requests || b.errors > b.requests))
        throwInput("tick." + mt.name,
                   std::to_string(a.errors) + "/" + std::to_string(a.requests) + ", " +
                       std::to_string(b.errors) + "/" + std::to_string(b.requests),
                   "errors must not exceed requests");
      double rho = kNaN;
      if (a.requests > 0 && b.requests > 0) {
        rho = static_cast<double>(b.requests) / static_cast<double>(a.requests + b.requests);
      } else if (a.requests == 0 && b.requests == 0) {
        rho = mt.canaryShare;
      }
      if (a.errors + b.errors > 0) {
        if (!(rho > 0.0 && rho < 1.0))
          throwInput("tick." + mt.name + ".canaryShare", formatDouble(rho),
                     "errors need both arms' requests, or a canary share in (0, 1)");
        s.counts->update(a.errors, b.errors, rho);
      }
    } else if (s.distribution) {
      const std::size_t k = mt.bucketUpperBounds.size() + 1;
      if (mt.canaryBuckets.size() != k || mt.baselineBuckets.size() != k)
        throwInput("tick." + mt.name + ".buckets",
                   std::to_string(mt.canaryBuckets.size()) + " and " +
                       std::to_string(mt.baselineBuckets.size()) + " counts",
                   "need one count per bucket bound and one for +Inf (" + std::to_string(k) + ")");
      if (s.distribution->looks() == 0) s.bounds = mt.bucketUpperBounds;
      if (mt.bucketUpperBounds != s.bounds)
        throwInput("tick." + mt.name + ".bucketUpperBounds",
                   std::to_string(mt.bucketUpperBounds.size()) + " bounds",
                   "the histogram's buckets must not change between looks");
      for (std::size_t j = 0; j < k; ++j)
        if (mt.canaryBuckets[j] < 0 || mt.baselineBuckets[j] < 0)
          throwInput("tick." + mt.name + ".buckets", "negative count", "counts must be >= 0");
      s.distribution->update(mt.canaryBuckets, mt.baselineBuckets);
    } else {
      s.failTest->update(mt.baselineSamples, mt.canarySamples);
      s.passTest->update(mt.baselineSamples, mt.canarySamples);
    }
  }
  for (std::size_t i = 0; i < config_.metrics.size(); ++i) evaluate(i);
  if (decision_ == SequentialVerdict::kContinue) {
    bool allPass = true;
    for (const auto& st : status_) {
      if (st.verdict == SequentialVerdict::kFail) {
        decision_ = SequentialVerdict::kFail;
        return;
      }
      allPass = allPass && st.verdict == SequentialVerdict::kPass;
    }
    if (allPass) decision_ = SequentialVerdict::kPass;
  }
}

void SequentialJudge::evaluate(std::size_t i) {
  const auto& cfg = config_.metrics[i];
  auto& s = state_[i];
  auto& st = status_[i];
  ++st.looks;
  const bool increase = cfg.regression == SequentialRegression::kIncrease;
  const double failAt = increase ? 1.0 + cfg.allowedChange : 1.0 - cfg.allowedChange;
  const double passAt = increase ? 1.0 + cfg.meaningfulChange : 1.0 - cfg.meaningfulChange;
  bool fail = false, pass = false;
  if (s.counts) {
    const auto& t = *s.counts;
    st.baselineN = t.baselineEvents();
    st.canaryN = t.canaryEvents();
    st.estimate = t.rateRatioEstimate();
    st.interval = t.rateRatioInterval();
    st.pValue = t.pValue();
    fail = increase ? st.interval.lower > failAt : st.interval.upper < failAt;
    pass = increase ? st.interval.upper < passAt : st.interval.lower > passAt;
  } else if (s.distribution) {
    // Evidence of a different distribution (always valid), in the regression's direction at
    // the configured quantile (a point estimate: it only narrows the rejections).
    const auto& t = *s.distribution;
    const auto& cb = t.canaryTotals();
    const auto& bb = t.baselineTotals();
    st.baselineN = 0;
    st.canaryN = 0;
    for (auto c : bb) st.baselineN += c;
    for (auto c : cb) st.canaryN += c;
    const double qc = bucketQuantile(cb, s.bounds, cfg.quantile);
    const double qb = bucketQuantile(bb, s.bounds, cfg.quantile);
    st.estimate = qb > 0.0 ? qc / qb : kNaN;
    st.interval = {0.0, kInf};
    st.pValue = t.pValue();
    const bool evidence = t.logEValue() >= std::log(1.0 / st.alpha);
    fail = evidence && (increase ? st.estimate > failAt : st.estimate < failAt);
  } else {
    const auto& f = *s.failTest;
    const auto& p = *s.passTest;
    st.baselineN = f.baseline().count;
    st.canaryN = f.canary().count;
    if (f.sequence().looks() > 0) {
      const double mA = f.baseline().mean, mB = f.canary().mean;
      st.estimate = mA != 0.0 ? mB / mA : kNaN;
      const auto cf = f.confidenceSequence();
      const auto cp = p.confidenceSequence();
      fail = increase ? cf.lower > 0.0 : cf.upper < 0.0;
      pass = increase ? cp.upper < 0.0 : cp.lower > 0.0;
      // The "no difference" p-value (c = 1) and the ratio set at this look.
      const double vA = f.baseline().variance() / static_cast<double>(f.baseline().count);
      const double vB = f.canary().variance() / static_cast<double>(f.canary().count);
      const double tau2 = cfg.tau * cfg.tau;
      const double v1 = vA + vB;
      if (v1 > 0.0) {
        st.pValue =
            std::min(st.pValue, std::exp(-normalMixtureLogLikelihoodRatio(mB - mA, v1, 0.0, tau2)));
      }
      auto excess = [&](double c) {
        const double v = vB + c * c * vA;
        const auto ci = normalMixtureConfidenceInterval(mB - c * mA, v, tau2, st.alpha);
        return ci.contains(0.0) ? -1.0 : 1.0;  // <= 0 inside the set
      };
      if (mA > 0.0 && v1 > 0.0 && mB >= 0.0) {
        const double c0 = mB / mA;
        auto edge = [&](double inside, double outside) {
          for (int it = 0; it < 100; ++it) {
            const double mid = 0.5 * (inside + outside);
            (excess(mid) <= 0.0 ? inside : outside) = mid;
          }
          return 0.5 * (inside + outside);
        };
        double lo = 0.0;
        if (excess(0.0) > 0.0) lo = edge(c0, 0.0);
        double hi = std::max(1.0, 2.0 * c0);
        int guard = 0;
        while (excess(hi) <= 0.0 && guard++ < 60) hi *= 2.0;
        const Interval now{lo, excess(hi) <= 0.0 ? kInf : edge(c0, hi)};
        Interval next{std::max(s.ratioSequence.lower, now.lower),
                      std::min(s.ratioSequence.upper, now.upper)};
        if (next.empty()) next = {c0, c0};
        s.ratioSequence = next;
        st.interval = next;
      }
    }
  }
  if (st.verdict != SequentialVerdict::kContinue) return;  // verdicts are final
  const std::string what = cfg.kind == SequentialMetricKind::kErrorRate ? "rate ratio"
                           : cfg.kind == SequentialMetricKind::kLatencyMean
                               ? "mean ratio"
                               : "q" + formatDouble(cfg.quantile) + " ratio";
  if (fail && s.distribution) {
    st.verdict = SequentialVerdict::kFail;
    st.decidedAtLook = st.looks;
    st.reason = cfg.name + ": the latency distribution differs (e-value " +
                formatDouble(std::exp(s.distribution->logEValue())) + " >= 1/alpha, alpha " +
                formatDouble(st.alpha) + ") and its " + what + " " + formatDouble(st.estimate) +
                " is beyond the allowed " + toString(cfg.regression) + " of " +
                percent(cfg.allowedChange);
  } else if (fail) {
    st.verdict = SequentialVerdict::kFail;
    st.decidedAtLook = st.looks;
    st.reason = cfg.name + ": " + what + " is beyond the allowed " + toString(cfg.regression) +
                " of " + percent(cfg.allowedChange) + " (confidence sequence " +
                formatInterval(st.interval) + " excludes " + formatDouble(failAt) + ", alpha " +
                formatDouble(st.alpha) + ")";
  } else if (pass) {
    st.verdict = SequentialVerdict::kPass;
    st.decidedAtLook = st.looks;
    st.reason = cfg.name + ": a " + toString(cfg.regression) + " of " +
                percent(cfg.meaningfulChange) + " is excluded (confidence sequence " +
                formatInterval(st.interval) + ", alpha " + formatDouble(st.alpha) + ")";
  } else if (s.distribution) {
    st.reason = cfg.name + ": undecided, " + what + " " + formatDouble(st.estimate) + ", e-value " +
                formatDouble(std::exp(s.distribution->logEValue()));
  } else {
    st.reason = cfg.name + ": undecided, " + what + " " + formatDouble(st.estimate) + " in " +
                formatInterval(st.interval);
  }
}

SequentialVerdict SequentialJudge::finalDecision() const {
  return decision_ == SequentialVerdict::kContinue ? config_.inconclusiveAtEnd : decision_;
}

std::string SequentialJudge::reason() const {
  if (decision_ == SequentialVerdict::kFail) {
    for (const auto& st : status_)
      if (st.verdict == SequentialVerdict::kFail) return st.reason;
  }
  if (decision_ == SequentialVerdict::kPass) return "every metric excludes a meaningful regression";
  for (const auto& st : status_)
    if (st.verdict == SequentialVerdict::kContinue) return st.reason;
  return "";
}

}  // namespace rolloutlab::core::judge
