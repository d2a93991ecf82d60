#pragma once
/// A TuningSpace (rolloutlab.io/v1alpha1): which fields of one spec may change and over which
/// values, the constraints a recommendation must meet, the objective it minimises and how the
/// search spends its runs. docs/tuning.md describes every field.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/tune/constraints.h"

namespace YAML {
class Node;
}

namespace rolloutlab::io {
struct Document;
class Decoder;
}  // namespace rolloutlab::io

namespace rolloutlab::tune {

/// What a field holds, which decides how its values are written into the manifest.
enum class FieldType {
  kInteger,   ///< an integer (threshold, maxWeight, failureLimit, ...)
  kNumber,    ///< a number (a metric's thresholdRange bound)
  kDuration,  ///< a duration, written `Ns` or `Nm` (interval, pause)
  kSchedule,  ///< a list of weights (Flagger stepWeights, Argo setWeight steps)
  /// a family of pause durations, one per timed pause step (`pause` given `schedules`)
  kPauseSchedule,
  kCondition,  ///< a number written into an Argo condition template at `{{x}}`
};

/// Which part of the spec a field names (the manifest path is resolved against the document).
enum class FieldTarget {
  kFlaggerAnalysis,  ///< spec.analysis.<key> of the Canary
  kFlaggerMetric,    ///< spec.analysis.metrics[name].<key...> of the Canary
  kArgoSetWeights,   ///< every setWeight step of the Rollout, as one schedule
  kArgoPause,        ///< the duration of every timed pause step of the Rollout (one duration, or a
                     ///< schedule of them, one per timed pause step in order)
  kArgoTemplateMetric  ///< spec.metrics[name].<key> of an AnalysisTemplate
};

/// One value a field may take: `x` is its number (seconds for durations; the position in the
/// field's list for schedules), `text` how it is written, `weights` a schedule's list.
struct FieldValue {
  double x = 0;
  std::string text;
  std::vector<long long> weights;  ///< kPauseSchedule lists: the durations, seconds
  /// kPauseSchedule: how the durations are generated for a candidate's number of timed pause
  /// steps (which the Rollout, or the candidate's setWeights schedule, decides).
  enum class Family : std::uint8_t { kNone, kList, kLinear, kGeometric };
  Family family = Family::kNone;
  double start = 0;   ///< seconds: the first pause (linear, geometric)
  double step = 0;    ///< seconds added per pause (linear)
  double factor = 0;  ///< ratio between pauses (geometric)
  double cap = 0;     ///< seconds no pause exceeds (0: none)
  /// The durations (seconds) of `count` timed pauses, in step order: linear start + i x step,
  /// geometric round(start x factor^i), each at most `cap`; a list's i-th entry, its last entry
  /// for the pauses beyond its end (entries beyond `count` are unused).
  std::vector<long long> pauses(std::size_t count) const;
};

struct Field {
  std::string
      name;  ///< as written in the space, e.g. `metrics[request-success-rate].thresholdRange.min`
  int line = 0;  ///< of the field entry in the TuningSpace
  FieldType type = FieldType::kInteger;
  FieldTarget target = FieldTarget::kFlaggerAnalysis;
  std::string
      key;  ///< analysis key (threshold, interval, ...) or metric key path (thresholdRange.min)
  std::string metric;        ///< metric name (Flagger metric, Argo template metric)
  std::string templateName;  ///< Argo AnalysisTemplate name
  std::string condition;     ///< kCondition: the condition with `{{x}}` where the number goes
  /// The values a candidate may take (a grid for ranges with a step, explicit values, schedules).
  std::vector<FieldValue> values;
  /// A range without a step: any number in [lo, hi] (the search samples it, the surrogate
  /// proposes points in it). `values` then holds an initial grid.
  bool continuous = false;
  double lo = 0, hi = 0;
  bool integral() const { return type == FieldType::kInteger; }
  /// Whether the field is a number the surrogate can model (not a schedule).
  bool numeric() const { return type != FieldType::kSchedule && type != FieldType::kPauseSchedule; }
  /// The value for a number `x` (rounded for integers, formatted for durations/conditions).
  FieldValue valueOf(double x) const;
  /// Flagger or Argo.
  bool argo() const {
    return target == FieldTarget::kArgoSetWeights || target == FieldTarget::kArgoPause ||
           target == FieldTarget::kArgoTemplateMetric;
  }
};

enum class SearchMethod { kRacing, kFixed };

struct SearchSettings {
  SearchMethod method = SearchMethod::kRacing;
  std::int64_t candidates =
      200;  ///< the initial set: the grid if it is no larger, else a Latin hypercube sample
  std::int64_t initialRuns = 8;  ///< replicates per scenario of every candidate in the first round
  std::int64_t maxRuns = 256;    ///< replicates per scenario a surviving candidate reaches
  std::int64_t remeasureRuns =
      0;                  ///< fresh-seed replicates per scenario of the recommendation (0: maxRuns)
  int refineRounds = 2;   ///< rounds of refinement near the frontier
  bool surrogate = true;  ///< fit the surrogate and race the candidates it proposes
  std::int64_t surrogateProposals = 8;
  /// A candidate whose objective is, on the paired 95% interval, no better than the leader's
  /// and at most this fraction worse is dropped as no improvement (0: only significantly worse).
  double indifference = 0.01;
};

struct TuningSpace {
  std::string file;
  int line = 0;
  std::string name;
  std::string target;  ///< Canary/ns/name, Rollout/ns/name, ns/name or name; empty: the first spec
  std::vector<Field> fields;
  std::vector<Constraint> constraints;
  Objective objective;
  SearchSettings search;
  /// The number of candidates in the full grid (continuous fields counted by their initial grid).
  double gridSize() const;
};

/// Whether a document is a TuningSpace and, if so, decodes it (strictly: unknown fields,
/// wrong types and out-of-range values are errors naming file, line, field, value and rule).
bool decodeTuningSpace(const io::Document& doc, core::Diagnostics& diags, TuningSpace& out);

/// Decodes a constraint list (the TuningSpace's `spec.constraints`, a Policy rule's
/// `constraints`) at `path`: the suite-wide bounds falseRollbackRate, escapeRate,
/// meanExcessErrors, meanTimeToPromotion and `scenarios: [{name, <bounds>, outcome}]`, appended to
/// `out` in that order with their lines. Errors name file, line, field, value and rule.
void decodeConstraints(io::Decoder& d, const YAML::Node& constraints, const std::string& path,
                       std::vector<Constraint>& out);

/// Go-style duration text for a whole number of seconds as Flagger and Argo accept it: `Nm`
/// when it is whole minutes, else `Ns`.
std::string durationText(long long seconds);

}  // namespace rolloutlab::tune
