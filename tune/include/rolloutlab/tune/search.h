#pragma once
/// The search over a TuningSpace. Candidates are raced on common random numbers: replicate r
/// of scenario s runs with the same seed for every candidate, so differences between
/// candidates are differences of the specs, not of the draws. Each round doubles the
/// replicates of the surviving candidates; a candidate is dropped as soon as a constraint's
/// 95% interval lies above its bound (infeasible) or a feasible candidate's objective interval
/// lies wholly below its own (dominated). Refinement then races the neighbours of the
/// frontier, and the surrogate (surrogate.h) proposes candidates over the continuous fields.
/// Every decision depends on the outcomes only, never on timing, so a seed gives one result
/// whatever the evaluator's thread count.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rolloutlab/tune/constraints.h"
#include "rolloutlab/tune/space.h"

namespace rolloutlab::tune {

/// A candidate: one value per field of the space, in the space's order.
struct Candidate {
  std::vector<FieldValue> values;
  std::string origin;       ///< "grid", "sample", "refine", "surrogate"
  std::string key() const;  ///< the values' texts, for de-duplication
};

struct ScenarioInfo {
  std::string name;
  bool bad = false;
  /// One deterministic run (a recording replayed as it is): every candidate runs it once
  /// (replicate 0), whatever the round, and constraints on it alone are judged exactly.
  bool once = false;
};

/// Runs of one candidate on one scenario: replicates [begin, end) of seed stream `stream`
/// (0: the search's seeds, 1: the fresh seeds of the re-measure).
struct Task {
  std::size_t candidate = 0;
  std::size_t scenario = 0;
  std::int64_t begin = 0, end = 0;
  int stream = 0;
};

/// What runs the candidates (the app's batch engine; a closed-form model in tests).
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  virtual const std::vector<ScenarioInfo>& scenarios() const = 0;
  /// Runs every task; `out[i]` gets task i's outcomes in replicate order. The seed of a run
  /// depends on (stream, scenario, replicate) only. Returns false when stopped by a cancel
  /// request (`out` is then incomplete). Throws core::InputError when a candidate cannot be
  /// built (e.g. its manifest is rejected).
  virtual bool run(const std::vector<Candidate>& candidates, const std::vector<Task>& tasks,
                   std::vector<std::vector<RunOutcome>>& out) = 0;
  /// The candidate will not be run again (its compiled plans may go).
  virtual void release(std::size_t /*candidate*/) {}
};

enum class Status { kFeasible, kInfeasible, kDominated, kUndecided };
const char* toString(Status s);

struct CandidateResult {
  Candidate candidate;
  Status status = Status::kUndecided;
  std::string reason;  ///< why dropped: the constraint or the candidate that dominates it
  std::int64_t runsPerScenario = 0;
  std::vector<PairStats> pairs;  ///< per scenario
  /// Per scenario, every run's outcome in replicate order (for paired comparisons on common
  /// random numbers); cleared once the candidate is dropped.
  std::vector<std::vector<RunOutcome>> outcomes;
  Characteristics oc;
  Estimate objective;
  std::vector<Verdict> verdicts;      ///< per constraint of the space
  std::vector<Estimate> constrained;  ///< the estimate each constraint judges
  bool alive = true;
  /// The candidate whose runs dominated this one while its own feasibility was open; if that
  /// one turns out infeasible, this one races again.
  long droppedBy = -1;
};

struct SearchOptions {
  std::int64_t budget =
      0;  ///< total runs the search may spend (0: no limit); the re-measure is extra
  std::function<void(std::int64_t runs, const std::string& stage)> progress;
  const std::atomic<bool>* cancel = nullptr;
};

struct SearchResult {
  std::vector<CandidateResult> candidates;
  std::vector<std::size_t>
      paretoFront;        ///< feasible, non-dominated on (time, excess errors, false rollbacks)
  long recommended = -1;  ///< index in candidates, -1 when none is feasible
  std::int64_t runs = 0;  ///< runs spent by the search
  int rounds = 0;
  bool budgetExhausted = false;
  bool partial = false;       ///< stopped by a cancel request
  std::int64_t gridSize = 0;  ///< candidates of the full grid (capped for display)
  // The re-measure of the recommendation on fresh seeds.
  std::int64_t remeasureRunsPerScenario = 0;
  std::vector<PairStats> remeasurePairs;
  Characteristics remeasured;
  std::vector<Verdict> remeasuredVerdicts;
  std::vector<std::string> surrogateNotes;  ///< what the surrogate fitted and proposed
};

/// The initial candidates: the whole grid when it has at most `search.candidates` points, else
/// a Latin hypercube sample of that many (deterministic for the seed).
std::vector<Candidate> initialCandidates(const TuningSpace& space, std::uint64_t seed);

/// Runs the search and the re-measure.
SearchResult runSearch(const TuningSpace& space, Evaluator& evaluator, std::uint64_t seed,
                       const SearchOptions& options);

/// `objective(a) - objective(b)` with its 95% interval, from the runs the two share (the
/// first min(n_a, n_b) replicates of each scenario, run on the same seeds; one of a scenario
/// marked in `once`): the ratio mean of the time to promotion by its linearisation (delta
/// method), the rates and excess errors as paired means. `n` is 0 when it cannot be estimated.
Estimate pairedDifference(const Objective& objective, const std::vector<bool>& bad,
                          const CandidateResult& a, const CandidateResult& b,
                          const std::vector<bool>& once = {});

/// Judges a candidate's characteristics (and per-scenario ones) against the space's
/// constraints, in the space's order.
std::vector<Verdict> judgeAll(const TuningSpace& space, const std::vector<ScenarioInfo>& scenarios,
                              const std::vector<PairStats>& pairs);
/// The estimate each constraint of the space judges (over the suite or its scenario).
std::vector<Estimate> constrainedEstimates(const TuningSpace& space,
                                           const std::vector<ScenarioInfo>& scenarios,
                                           const std::vector<PairStats>& pairs);

}  // namespace rolloutlab::tune
