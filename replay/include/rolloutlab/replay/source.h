#pragma once
/// The engine-neutral face of a recording: what an analysis asks of its metrics backend.
///
/// A `ReplaySource` answers "this PromQL at time t" (an instant query, as the controller sends
/// it to Prometheus) and "this metric, by name, for this variant at time t" (a series the user
/// recorded under the metric's name). It is told the routes the engine programs, so a source
/// that re-routes recorded traffic (counterfactual access-log replays) closes the loop, as a
/// synthetic world does. Engine adapters (`FlaggerReplayWorld`, `ArgoReplayWorld`) turn its
/// answers into what their engine reads.
///
/// Times are seconds since the Unix epoch (fractions allowed).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rolloutlab/core/promql/labels.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/sim/mesh.h"
#include "rolloutlab/sim/run.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::replay {

using sim::Variant;

/// `canary` or `primary`.
const char* toString(Variant v);
/// Inverse of `toString` (also accepts `stable` for the primary).
std::optional<Variant> variantFromString(std::string_view s);

/// One answer of an instant query, owning its labels (unlike `promql::QueryResult`).
struct InstantAnswer {
  enum class Kind {
    kVector,  ///< an instant vector (possibly empty)
    kScalar,  ///< a scalar (Flagger cannot decode it: a failed check)
    kError,   ///< the server or evaluator rejected the query (HTTP 400/422 or an execution error)
    kMatrix,  ///< a range vector (`foo[5m]`): `values` holds every sample, series after series
    kString,  ///< a string result (`"text"`)
  };
  Kind kind = Kind::kVector;
  std::vector<core::promql::Labels> labels;  ///< kVector, kMatrix: one per element
  std::vector<double> values;                ///< kVector, kMatrix: one per element
  std::vector<double> times;  ///< kMatrix: the time of each value (seconds since the epoch)
  double scalar = 0;          ///< kScalar
  std::string error;          ///< kError: `errorType: message`, as the server said it

  static InstantAnswer failure(std::string message) {
    InstantAnswer a;
    a.kind = Kind::kError;
    a.error = std::move(message);
    return a;
  }
  /// The same answer as the evaluator's result type (labels point into this answer), for
  /// `core::flagger::readPrometheusAnswer`. A matrix or a string is an error there, in the words
  /// Flagger's provider uses.
  core::promql::QueryResult asQueryResult() const;
};

/// A named recording's value at a time.
struct NamedAnswer {
  enum class Kind {
    kValue,   ///< a number (NaN included: Flagger reads it as no values)
    kNoData,  ///< no sample at or shortly before t (the series was absent then)
  };
  Kind kind = Kind::kNoData;
  double value = 0;
};

/// Shares of live user traffic the routes send to each variant from some time on, and the share
/// of user traffic mirrored (copied) to the canary. Fractions 0..1.
struct RouteShares {
  double canary = 0.0;
  double primary = 1.0;
  double mirror = 0.0;
};

/// What a run cost users, when the recording can tell (access logs); see sim::RunTotals.
using RunTotals = sim::RunTotals;

/// A recording or a live server, as an analysis sees it. One instance serves one run at a time
/// (not thread-safe); `reset` starts the next run.
class ReplaySource {
 public:
  virtual ~ReplaySource() = default;

  /// Starts a run. `replicate` is nullopt for the recording as it is; otherwise a bootstrap
  /// replicate of the recording (moving blocks of scrape steps) drawn from that seed. `seed`
  /// also drives counterfactual routing draws. Throws InputError when the source cannot be
  /// resampled (a live server).
  virtual void reset(std::uint64_t seed, std::optional<std::uint64_t> replicate) = 0;

  /// True when `query` can answer PromQL (a server, recorded series, aggregated access logs).
  virtual bool answersQueries() const = 0;
  /// Answers `promql` as an instant query at `epochSeconds`. A query the server or evaluator
  /// rejects is an answer of kind kError; a server that cannot be used throws EnvironmentError.
  virtual InstantAnswer query(const std::string& promql, double epochSeconds) = 0;

  /// True when the recording holds values named `metric` for variant `v`.
  virtual bool hasNamed(std::string_view metric, Variant v) const = 0;
  /// The named value at `epochSeconds` (the latest sample at or before it, no older than the
  /// recording's step).
  virtual NamedAnswer named(std::string_view metric, Variant v, double epochSeconds) = 0;
  /// Every series of the named recording that has a value at `epochSeconds`, in recorded order
  /// (what the recorded query answered then, read as a vector); empty when none has. The
  /// default is `named`'s one value.
  virtual std::vector<double> namedVector(std::string_view metric, Variant v, double epochSeconds) {
    const NamedAnswer a = named(metric, v, epochSeconds);
    if (a.kind == NamedAnswer::Kind::kValue) return {a.value};
    return {};
  }

  /// Checks that a live backend answers (Flagger's `IsOnline`: `vector(1)` must give 1) before
  /// a replay starts; throws EnvironmentError. Recordings have nothing to check.
  virtual void checkOnline(double epochSeconds) { (void)epochSeconds; }

  /// The engine programmed these routes at `epochSeconds` (in effect after it).
  virtual void setRoutes(double epochSeconds, const RouteShares& shares) {
    (void)epochSeconds, (void)shares;
  }
  /// The canary's pods were scaled up (true) or to zero (false) at `epochSeconds`.
  virtual void setCanaryScaled(double epochSeconds, bool up) { (void)epochSeconds, (void)up; }
  /// Canary requests and errors of user traffic from the canary's scale-up to `epochSeconds`,
  /// when the recording can tell.
  virtual std::optional<RunTotals> totals(double epochSeconds) {
    (void)epochSeconds;
    return std::nullopt;
  }

  /// The per-tick request counts of both variants that shadow judges read (times in seconds
  /// from the replay's `from`), or nullptr when the source holds no request counters (only
  /// metric values). Valid until the source is destroyed; reflects `reset`'s replicate.
  virtual sim::IntervalTrafficSource* intervalTraffic() { return nullptr; }

  /// A one-line description for reports (`prometheus http://...`, `access logs (2 files)`).
  virtual std::string describe() const = 0;
};

}  // namespace rolloutlab::replay
