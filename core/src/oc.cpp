#include "rolloutlab/core/oc.h"

#include <cmath>

namespace rolloutlab::core {

std::string int128ToString(Int128 v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  std::string out;
  while (v != 0) {
    const int d = static_cast<int>(v % 10);
    out.push_back(static_cast<char>('0' + (d < 0 ? -d : d)));
    v /= 10;
  }
  if (neg) out.push_back('-');
  return std::string(out.rbegin(), out.rend());
}

bool int128FromString(const std::string& s, Int128& out) {
  if (s.empty() || s.size() > 40) return false;
  std::size_t i = 0;
  const bool neg = s[0] == '-';
  if (neg) i = 1;
  if (i >= s.size()) return false;
  Int128 v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (neg ? -(s[i] - '0') : (s[i] - '0'));
  }
  out = v;
  return true;
}

void ExactHistogram::add(std::int64_t v, std::int64_t count) {
  bins_[v] += count;
  n_ += count;
  sum_ += static_cast<Int128>(v) * count;
}

void ExactHistogram::merge(const ExactHistogram& o) {
  for (const auto& [v, c] : o.bins_) bins_[v] += c;
  n_ += o.n_;
  sum_ += o.sum_;
}

std::int64_t ExactHistogram::quantile(double q) const {
  if (n_ == 0) return 0;
  // Type 1 (inverse of the empirical CDF): the smallest v with cumulative count >= q n.
  const double target = q * static_cast<double>(n_);
  std::int64_t cum = 0;
  for (const auto& [v, c] : bins_) {
    cum += c;
    if (static_cast<double>(cum) >= target - 1e-9) return v;
  }
  return bins_.rbegin()->first;
}

double ExactHistogram::mean() const {
  return n_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(n_);
}

namespace {
const double kLogG = std::log1p(2.0 * LogHistogram::kRelativeResolution);
constexpr double kZero = 1e-9;
}  // namespace

void LogHistogram::add(double v) {
  std::int32_t b = 0;
  if (std::fabs(v) >= kZero) {
    const auto m =
        static_cast<std::int32_t>(std::floor(std::log(std::fabs(v) / kZero) / kLogG)) + 1;
    b = v > 0 ? m : -m;
  }
  bins_[b] += 1;
  ++n_;
  sumMicro_ += static_cast<Int128>(std::llround(v * 1e6));
}

void LogHistogram::merge(const LogHistogram& o) {
  for (const auto& [b, c] : o.bins_) bins_[b] += c;
  n_ += o.n_;
  sumMicro_ += o.sumMicro_;
}

void LogHistogram::restore(const std::map<std::int32_t, std::int64_t>& bins, Int128 sumMicro) {
  bins_ = bins;
  n_ = 0;
  for (const auto& [b, c] : bins_) n_ += c;
  sumMicro_ = sumMicro;
}

double LogHistogram::quantile(double q) const {
  if (n_ == 0) return 0.0;
  const double target = q * static_cast<double>(n_);
  std::int64_t cum = 0;
  for (const auto& [b, c] : bins_) {
    cum += c;
    if (static_cast<double>(cum) >= target - 1e-9) {
      if (b == 0) return 0.0;
      const double m = std::abs(b) - 1;
      const double mid = kZero * std::exp((m + 0.5) * kLogG);
      return b > 0 ? mid : -mid;
    }
  }
  return 0.0;
}

std::pair<double, double> LogHistogram::bucketRange(std::int32_t b) {
  if (b == 0) return {-kZero, kZero};
  const double m = std::abs(b) - 1;
  const double lo = kZero * std::exp(m * kLogG);
  const double hi = kZero * std::exp((m + 1) * kLogG);
  return b > 0 ? std::pair{lo, hi} : std::pair{-hi, -lo};
}

double LogHistogram::mean() const {
  return n_ == 0 ? 0.0 : static_cast<double>(sumMicro_) / 1e6 / static_cast<double>(n_);
}

void JudgeAggregate::merge(const JudgeAggregate& o) {
  runs += o.runs;
  fail += o.fail;
  pass += o.pass;
  undecided += o.undecided;
  timeToFailMs.merge(o.timeToFailMs);
  timeToPassMs.merge(o.timeToPassMs);
}

void PairAggregate::add(const RunRecord& r) {
  ++runs;
  switch (r.result) {
    case RunRecord::Result::kPromoted:
      ++promoted;
      break;
    case RunRecord::Result::kRolledBack:
      ++rolledBack;
      break;
    case RunRecord::Result::kOther:
      ++other;
      break;
  }
  if (r.timeToDecision >= 0) timeToDecisionMs.add(std::llround(r.timeToDecision * 1000.0));
  if (r.timeToPromotion >= 0) timeToPromotionMs.add(std::llround(r.timeToPromotion * 1000.0));
  canaryRequests.add(r.canaryRequests);
  canaryErrors.add(r.canaryErrors);
  excessErrors.add(r.excessErrors);
  metricChecks += r.metricChecks;
  failedMetricChecks += r.failedMetricChecks;
  if (judges.size() < r.judges.size()) judges.resize(r.judges.size());
  for (std::size_t i = 0; i < r.judges.size(); ++i) {
    auto& j = judges[i];
    ++j.runs;
    const auto [verdict, t] = r.judges[i];
    if (verdict == 2) {
      ++j.fail;
      j.timeToFailMs.add(std::llround(t * 1000.0));
    } else if (verdict == 1) {
      ++j.pass;
      j.timeToPassMs.add(std::llround(t * 1000.0));
    } else {
      ++j.undecided;
    }
  }
}

void PairAggregate::merge(const PairAggregate& o) {
  runs += o.runs;
  promoted += o.promoted;
  rolledBack += o.rolledBack;
  other += o.other;
  timeToDecisionMs.merge(o.timeToDecisionMs);
  timeToPromotionMs.merge(o.timeToPromotionMs);
  canaryRequests.merge(o.canaryRequests);
  canaryErrors.merge(o.canaryErrors);
  excessErrors.merge(o.excessErrors);
  metricChecks += o.metricChecks;
  failedMetricChecks += o.failedMetricChecks;
  if (judges.size() < o.judges.size()) judges.resize(o.judges.size());
  for (std::size_t i = 0; i < o.judges.size(); ++i) judges[i].merge(o.judges[i]);
}

}  // namespace rolloutlab::core
