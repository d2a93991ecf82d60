#pragma once
/// Shadow analysis: a canary judge attached to a simulated rollout. It sees the same
/// synthesized series at the same ticks as the spec's own checks (per tick, the canary's and
/// the primary's requests, errors and latency histogram since the previous tick) and records
/// when and how it would have decided, without changing the rollout.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/judge/kayenta_judge.h"
#include "rolloutlab/core/judge/kayenta_stage.h"
#include "rolloutlab/core/judge/sequential_judge.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/sim/mesh.h"

namespace rolloutlab::sim {

/// Requests, 5xx and per-bucket requests of a variant over an interval (between the scrapes at
/// or before its ends).
struct WindowCounts {
  double ok = 0, err = 0;
  std::vector<double> buckets;
};

/// What a judge metric reads from the series, per tick interval.
enum class ShadowSource {
  kErrorRate,            ///< 5xx per request (Kayenta: percent per tick; sequential: counts)
  kSuccessRate,          ///< percent of non-5xx per tick (Kayenta only)
  kLatencyP99,           ///< P99 of the tick's latency histogram, interpolated in the bucket (ms)
  kLatencyMean,          ///< mean latency from the histogram (ms; sequential: moments)
  kLatencyDistribution,  ///< the histogram's per-bucket counts (sequential only)
};
const char* toString(ShadowSource s);

/// The `Judge` document (rolloutlab.io/v1alpha1): one judge, Kayenta-compatible or sequential.
struct JudgeSpec {
  std::string name;
  std::string file;
  int line = 0;
  enum class Mode { kKayenta, kSequential } mode = Mode::kSequential;
  core::judge::KayentaJudgeConfig kayenta;
  core::judge::KayentaStageConfig stage;
  core::judge::SequentialJudgeConfig sequential;
  std::vector<ShadowSource> sources;  ///< per metric, in the mode's metric order
};

/// Where a shadow judge reads its traffic: per variant, the requests, 5xx and per-bucket
/// requests of an interval, as the increase of the mesh's counters between the scrapes at or
/// before `from` and `to` (seconds on the run's clock). Implemented over the synthesized series
/// (scenarios' `MeshIntervalTraffic`) and over a replay's recorded series.
class IntervalTrafficSource {
 public:
  virtual ~IntervalTrafficSource() = default;
  /// The interval's counts of one variant; `buckets` holds per-bucket (not cumulative) counts,
  /// one per bound of `boundsMs()` and a last one for +Inf (empty without a latency histogram).
  virtual WindowCounts window(Variant v, double from, double to) = 0;
  /// Finite upper bounds of the latency histogram in milliseconds, ascending.
  virtual std::vector<double> boundsMs() = 0;
};

/// The canary's and the primary's traffic in one tick interval.
struct TickTraffic {
  double from = 0, to = 0;
  WindowCounts canary, primary;
  std::vector<double> boundsMs;  ///< histogram upper bounds in ms (the last bucket is +Inf)
};

/// A shadow judge's verdict.
struct ShadowVerdict {
  enum class Kind { kUndecided, kPass, kFail };
  Kind kind = Kind::kUndecided;
  double t = -1;  ///< when it decided (seconds from the detection tick)
  int tick = 0;
  std::string reason;
};
const char* toString(ShadowVerdict::Kind k);

class ShadowJudge {
 public:
  virtual ~ShadowJudge() = default;
  const std::string& name() const { return name_; }
  /// One tick: the interval's traffic. `canaryLive` tells whether the canary serves traffic.
  virtual void observe(int tick, const TickTraffic& traffic) = 0;
  const ShadowVerdict& verdict() const { return verdict_; }

 protected:
  std::string name_;
  ShadowVerdict verdict_;
};

/// A fresh judge for one run (judges are stateful). Kayenta's noise for one-distinct-value
/// samples comes from `seed`.
std::unique_ptr<ShadowJudge> makeShadowJudge(const JudgeSpec& spec, std::uint64_t seed);

/// The value a source reads off one interval of one variant (NaN without requests).
double shadowValue(ShadowSource s, const WindowCounts& w, const std::vector<double>& boundsMs);

/// Reads the tick interval (from, to] off a traffic source (both variants).
TickTraffic tickTraffic(IntervalTrafficSource& source, double from, double to);

/// The shadow judges of one run, reading one traffic source: each judge is made fresh with its
/// own seed (`shadowJudgeSeed`) and observes the intervals the loop hands it.
class ShadowJudges {
 public:
  /// `specs` nullptr or empty: no judges. `traffic` must be non-null when there are judges.
  ShadowJudges(const std::vector<JudgeSpec>* specs, std::uint64_t runSeed,
               IntervalTrafficSource* traffic);
  bool empty() const { return judges_.empty(); }
  /// Every judge observes the interval (from, to] (seconds on the run's clock) as look `look`.
  void observe(int look, double from, double to);
  std::vector<ShadowVerdict::Kind> kinds() const;
  std::vector<ShadowVerdict> verdicts() const;

 private:
  IntervalTrafficSource* traffic_ = nullptr;
  std::vector<std::unique_ptr<ShadowJudge>> judges_;
};

}  // namespace rolloutlab::sim
