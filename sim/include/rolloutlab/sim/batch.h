#pragma once
/// The batch engine: N replicates of every pair (an engine's spec compiled against a world or a
/// recording), on a thread pool, streamed into mergeable per-pair aggregates. A pair is a
/// `PairPlan` compiled once and shared by the threads; each thread makes its own `PairWorker`
/// (which may keep a reusable world between runs). Engines, worlds and recordings stay
/// orthogonal: anything that can compile a spec against something to run it in is a PairPlan.
///
/// Per-run seeds come from the pair's seed and the replicate (`replicateSeed`), so results
/// never depend on the thread count or on how the runs are split into shards.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "rolloutlab/core/oc.h"
#include "rolloutlab/sim/run.h"
#include "rolloutlab/sim/seeds.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::sim {

/// One replicate's runner for one pair, owned by one worker thread.
class PairWorker {
 public:
  virtual ~PairWorker() = default;
  /// One run; `judges` are attached as shadow analyses.
  virtual RunSummary run(std::uint64_t seed, const std::vector<JudgeSpec>& judges) = 0;
};

/// A pair compiled once and shared by the workers.
class PairPlan {
 public:
  virtual ~PairPlan() = default;
  virtual std::unique_ptr<PairWorker> makeWorker() const = 0;
};

/// What a batch aggregates of one run.
core::RunRecord runRecord(const RunSummary& s);

struct PairRunOptions {
  std::int64_t runs = 1000;  ///< replicates per pair
  int threads = 0;           ///< 0 = hardware concurrency
  int shardIndex = 0;        ///< runs whose global index g has g % shardCount == shardIndex
  int shardCount = 1;
  /// Called from the calling thread about 5 times a second with (runs done, runs planned).
  std::function<void(std::int64_t, std::int64_t)> progress;
  /// Set to stop: finished runs are kept and the result is marked partial.
  const std::atomic<bool>* cancel = nullptr;
  /// Shadow judges attached to every run.
  std::vector<JudgeSpec> judges;
};

struct PairRuns {
  std::vector<core::PairAggregate> aggregates;  ///< per pair, in the order given
  bool partial = false;                         ///< cancelled before every planned run finished
};

/// Runs replicate r of pair p with seed replicateSeed(seeds[p], r), for the runs of this shard
/// (global index g = p * runs + r). Rethrows the first error a run raised, as it was thrown
/// (a core::InternalError stays one), after every thread stopped.
PairRuns runPairs(const std::vector<const PairPlan*>& plans,
                  const std::vector<std::uint64_t>& seeds, const PairRunOptions& options);

}  // namespace rolloutlab::sim
