#include "rolloutlab/sim/shadow_judge.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "rolloutlab/core/number_format.h"
#include "rolloutlab/sim/seeds.h"

namespace rolloutlab::sim {

namespace jd = core::judge;

const char* toString(ShadowSource s) {
  switch (s) {
    case ShadowSource::kErrorRate:
      return "errorRate";
    case ShadowSource::kSuccessRate:
      return "successRate";
    case ShadowSource::kLatencyP99:
      return "latencyP99";
    case ShadowSource::kLatencyMean:
      return "latencyMean";
    case ShadowSource::kLatencyDistribution:
      return "latencyDistribution";
  }
  return "?";
}

const char* toString(ShadowVerdict::Kind k) {
  switch (k) {
    case ShadowVerdict::Kind::kUndecided:
      return "undecided";
    case ShadowVerdict::Kind::kPass:
      return "pass";
    case ShadowVerdict::Kind::kFail:
      return "fail";
  }
  return "?";
}

TickTraffic tickTraffic(IntervalTrafficSource& source, double from, double to) {
  TickTraffic t;
  t.from = from;
  t.to = to;
  t.canary = source.window(Variant::kCanary, from, to);
  t.primary = source.window(Variant::kPrimary, from, to);
  t.boundsMs = source.boundsMs();
  return t;
}

namespace {

// A quantile of a histogram's counts, interpolated linearly inside its bucket (as
// histogram_quantile does); NaN without observations.
double histogramQuantile(const std::vector<double>& counts, const std::vector<double>& bounds,
                         double q) {
  double total = 0;
  for (double c : counts) total += c;
  if (total <= 0) return std::numeric_limits<double>::quiet_NaN();
  const double rank = q * total;
  double cum = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double before = cum;
    cum += counts[i];
    if (cum >= rank) {
      if (i >= bounds.size()) return bounds.empty() ? 0.0 : bounds.back();
      const double lo = i == 0 ? 0.0 : bounds[i - 1];
      return counts[i] > 0 ? lo + (bounds[i] - lo) * (rank - before) / counts[i] : bounds[i];
    }
  }
  return bounds.empty() ? 0.0 : bounds.back();
}

std::vector<double> cumulative(const std::vector<double>& counts) {
  std::vector<double> c(counts.size());
  double acc = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) c[i] = acc += counts[i];
  return c;
}

}  // namespace

double shadowValue(ShadowSource s, const WindowCounts& w, const std::vector<double>& bounds) {
  const double n = w.ok + w.err;
  switch (s) {
    case ShadowSource::kErrorRate:
      return n > 0 ? 100.0 * w.err / n : std::numeric_limits<double>::quiet_NaN();
    case ShadowSource::kSuccessRate:
      return n > 0 ? 100.0 * w.ok / n : std::numeric_limits<double>::quiet_NaN();
    case ShadowSource::kLatencyP99:
    case ShadowSource::kLatencyDistribution:
      return histogramQuantile(w.buckets, bounds, 0.99);
    case ShadowSource::kLatencyMean: {
      std::vector<double> b = bounds;
      b.push_back(std::numeric_limits<double>::infinity());
      const auto m = jd::momentsFromHistogram(b, cumulative(w.buckets));
      return m.count > 0 ? m.mean : std::numeric_limits<double>::quiet_NaN();
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

namespace {

class SequentialShadow final : public ShadowJudge {
 public:
  explicit SequentialShadow(const JudgeSpec& spec) : spec_(spec), judge_(spec.sequential) {
    name_ = spec.name;
  }
  void observe(int tick, const TickTraffic& tr) override {
    if (verdict_.kind != ShadowVerdict::Kind::kUndecided) return;
    if (tr.canary.ok + tr.canary.err <= 0) return;  // no canary traffic: nothing to look at
    jd::TickData data;
    data.timeSeconds = tr.to;
    for (std::size_t i = 0; i < spec_.sequential.metrics.size(); ++i) {
      const auto& m = spec_.sequential.metrics[i];
      jd::MetricTick mt;
      mt.name = m.name;
      if (m.kind == jd::SequentialMetricKind::kErrorRate) {
        const bool success = spec_.sources[i] == ShadowSource::kSuccessRate;
        mt.baselineCounts = {static_cast<std::int64_t>(tr.primary.ok + tr.primary.err),
                             static_cast<std::int64_t>(success ? tr.primary.ok : tr.primary.err)};
        mt.canaryCounts = {static_cast<std::int64_t>(tr.canary.ok + tr.canary.err),
                           static_cast<std::int64_t>(success ? tr.canary.ok : tr.canary.err)};
      } else if (m.kind == jd::SequentialMetricKind::kLatencyDistribution) {
        // Per-bucket request counts (recorded increases may be fractional: rounded).
        auto counts = [](const std::vector<double>& buckets) {
          std::vector<std::int64_t> c;
          c.reserve(buckets.size());
          for (double x : buckets) c.push_back(x > 0 ? std::llround(x) : 0);
          return c;
        };
        if (tr.canary.buckets.empty() || tr.primary.buckets.empty()) continue;  // no histogram
        mt.canaryBuckets = counts(tr.canary.buckets);
        mt.baselineBuckets = counts(tr.primary.buckets);
        mt.bucketUpperBounds = tr.boundsMs;
      } else {
        std::vector<double> b = tr.boundsMs;
        b.push_back(std::numeric_limits<double>::infinity());
        mt.baselineSamples = jd::momentsFromHistogram(b, cumulative(tr.primary.buckets));
        mt.canarySamples = jd::momentsFromHistogram(b, cumulative(tr.canary.buckets));
      }
      data.metrics.push_back(std::move(mt));
    }
    judge_.observe(data);
    const auto d = judge_.decision();
    if (d != jd::SequentialVerdict::kContinue) {
      verdict_.kind = d == jd::SequentialVerdict::kFail ? ShadowVerdict::Kind::kFail
                                                        : ShadowVerdict::Kind::kPass;
      verdict_.t = tr.to;
      verdict_.tick = tick;
      verdict_.reason = judge_.reason();
    }
  }

 private:
  const JudgeSpec& spec_;
  jd::SequentialJudge judge_;
};

// Kayenta's stage over the run: one point per tick and metric (the tick is the step), judged
// at warmup + i x interval after the canary's first traffic, as Orca schedules it.
class KayentaShadow final : public ShadowJudge {
 public:
  KayentaShadow(const JudgeSpec& spec, std::uint64_t seed)
      : spec_(spec),
        stage_(spec.stage),
        windows_(core::judge::kayentaWindows(spec.stage)),
        rng_(seed) {
    name_ = spec.name;
    series_.resize(spec.kayenta.metrics.size());
  }
  void observe(int tick, const TickTraffic& tr) override {
    if (verdict_.kind != ShadowVerdict::Kind::kUndecided) return;
    if (start_ < 0) {
      if (tr.canary.ok + tr.canary.err <= 0) return;
      start_ = tr.from;  // the canary started serving in this interval
    }
    for (std::size_t i = 0; i < series_.size(); ++i) {
      series_[i].push_back({tr.to - start_, shadowValue(spec_.sources[i], tr.canary, tr.boundsMs),
                            shadowValue(spec_.sources[i], tr.primary, tr.boundsMs)});
    }
    while (next_ < windows_.size() &&
           static_cast<double>(windows_[next_].judgeAtSeconds) <= tr.to - start_ + 1e-9) {
      const auto& w = windows_[next_];
      std::vector<jd::KayentaMetricData> data;
      for (std::size_t i = 0; i < series_.size(); ++i) {
        jd::KayentaMetricData d;
        d.name = spec_.kayenta.metrics[i].name;
        for (const auto& p : series_[i]) {
          const double at = p.at;
          if (at > static_cast<double>(w.experimentStart) &&
              at <= static_cast<double>(w.experimentEnd) + 1e-9) {
            d.experiment.push_back(p.canary);
          }
          if (at > static_cast<double>(w.controlStart) &&
              at <= static_cast<double>(w.controlEnd) + 1e-9) {
            d.control.push_back(p.primary);
          }
        }
        data.push_back(std::move(d));
      }
      const auto j = jd::judgeKayenta(spec_.kayenta, data, rng_);
      const auto st = stage_.addScore(j.score);
      ++next_;
      if (st != core::judge::KayentaStageStatus::kRunning) {
        verdict_.kind = st == core::judge::KayentaStageStatus::kSucceeded
                            ? ShadowVerdict::Kind::kPass
                            : ShadowVerdict::Kind::kFail;
        verdict_.t = tr.to;
        verdict_.tick = tick;
        verdict_.reason = "judgment " + std::to_string(next_) + " score " +
                          core::formatFixed(j.score, 2) + ": " + stage_.reason();
        return;
      }
    }
  }

 private:
  struct Point {
    double at, canary, primary;
  };
  const JudgeSpec& spec_;
  core::judge::KayentaStage stage_;
  std::vector<core::judge::KayentaWindow> windows_;
  core::Rng rng_;
  std::vector<std::vector<Point>> series_;
  double start_ = -1;
  std::size_t next_ = 0;
};

}  // namespace

std::unique_ptr<ShadowJudge> makeShadowJudge(const JudgeSpec& spec, std::uint64_t seed) {
  if (spec.mode == JudgeSpec::Mode::kKayenta) return std::make_unique<KayentaShadow>(spec, seed);
  return std::make_unique<SequentialShadow>(spec);
}

ShadowJudges::ShadowJudges(const std::vector<JudgeSpec>* specs, std::uint64_t runSeed,
                           IntervalTrafficSource* traffic)
    : traffic_(traffic) {
  if (specs == nullptr || specs->empty()) return;
  if (traffic_ == nullptr) throw std::logic_error("shadow judges without a traffic source");
  for (std::size_t i = 0; i < specs->size(); ++i) {
    judges_.push_back(makeShadowJudge((*specs)[i], shadowJudgeSeed(runSeed, i)));
  }
}

void ShadowJudges::observe(int look, double from, double to) {
  if (judges_.empty()) return;
  const TickTraffic tr = tickTraffic(*traffic_, from, to);
  for (auto& j : judges_) j->observe(look, tr);
}

std::vector<ShadowVerdict::Kind> ShadowJudges::kinds() const {
  std::vector<ShadowVerdict::Kind> out;
  for (const auto& j : judges_) out.push_back(j->verdict().kind);
  return out;
}

std::vector<ShadowVerdict> ShadowJudges::verdicts() const {
  std::vector<ShadowVerdict> out;
  for (const auto& j : judges_) out.push_back(j->verdict());
  return out;
}

}  // namespace rolloutlab::sim
