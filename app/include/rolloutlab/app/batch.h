#pragma once
/// Monte Carlo batches over a workspace: N replicates of every (spec, scenario or replay) pair,
/// run by the batch engine of the run layer (sim/batch.h: thread pool, shards, mergeable
/// per-pair aggregates), and the reports. Per-run seeds come from the master seed and the
/// run's identity (spec, scenario, replicate), so results never depend on the thread count or
/// on how the runs are split into shards.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/oc.h"
#include "rolloutlab/io/json_util.h"
#include "rolloutlab/replay/replay.h"
#include "rolloutlab/sim/batch.h"
#include "rolloutlab/sim/compiled_scenario.h"
#include "rolloutlab/sim/seeds.h"

namespace rolloutlab::app {

using sim::PairPlan;
using sim::pairSeed;
using sim::PairWorker;
using sim::replicateSeed;

/// A spec as the batch sees it: a key (kind/namespace/name), its engine, and how to compile
/// it against a scenario (throws InputError when a metric can neither be evaluated nor is
/// modelled).
struct BatchSpec {
  std::string key;
  std::string engine;  ///< "flagger" or "argo"
  std::function<std::unique_ptr<PairPlan>(const sim::CompiledScenario&)> compile;
  /// How to compile it against a replay (each replicate a bootstrap resample of the recording);
  /// empty for engines that cannot replay yet.
  std::function<std::unique_ptr<PairPlan>(const replay::ReplaySpec&)> compileReplay;
};

/// The specs of a workspace (every Canary, and every Rollout once the Argo engine registers).
std::vector<BatchSpec> batchSpecs(const Workspace& ws, const std::string& meshProvider);

struct BatchOptions {
  std::int64_t runs = 1000;  ///< replicates per pair
  std::uint64_t seed = 0;
  int threads = 0;     ///< 0 = hardware concurrency
  int shardIndex = 0;  ///< runs whose global index g has g % shardCount == shardIndex
  int shardCount = 1;
  /// Called from the calling thread about 5 times a second with (runs done, runs planned).
  std::function<void(std::int64_t, std::int64_t)> progress;
  /// Set to stop: finished runs are kept and the result is marked partial.
  const std::atomic<bool>* cancel = nullptr;
  /// Shadow judges attached to every run (`--judge`).
  std::vector<sim::JudgeSpec> judges;
};

struct PairResult {
  std::string spec;
  std::string engine;
  std::string scenario;
  sim::Release release = sim::Release::kGood;
  std::uint64_t seed = 0;  ///< the pair's seed; run r uses replicateSeed(seed, r)
  core::PairAggregate agg;
};

struct BatchResult {
  std::string version;
  std::uint64_t seed = 0;
  std::int64_t runs = 0;
  int shardIndex = 0;
  int shardCount = 1;
  bool partial = false;
  std::vector<io::FileIdentity> inputs;
  std::vector<std::string> judges;      ///< shadow judge names, in order
  std::vector<std::string> judgeModes;  ///< "kayenta" or "sequential"
  std::vector<PairResult> pairs;
  double elapsedSeconds = 0;
};

/// Runs the batch. Throws InputError when a pair cannot be compiled (before any run).
BatchResult runBatch(const std::vector<BatchSpec>& specs,
                     const std::vector<sim::Scenario>& scenarios,
                     std::vector<io::FileIdentity> inputs, const BatchOptions& options);
/// The same with replays beside the scenarios: a (spec, replay) pair's replicate r runs on a
/// moving-block bootstrap resample of the recording drawn from its replicate seed.
BatchResult runBatch(const std::vector<BatchSpec>& specs,
                     const std::vector<sim::Scenario>& scenarios,
                     const std::vector<replay::ReplaySpec>& replays,
                     std::vector<io::FileIdentity> inputs, const BatchOptions& options);

/// JSON report: version, seed, runs, shard, partial, inputs, results (per pair), specs (per
/// spec over the suite), elapsedSeconds. Every field but elapsedSeconds is deterministic.
io::Json batchJson(const BatchResult& r);
/// Reads a report back (for merge); throws InputError naming the file and field on bad input.
BatchResult batchFromJson(const io::Json& j, const std::string& file);
/// Merges shard reports of one batch into the report the unsharded batch gives.
BatchResult mergeBatches(const std::vector<BatchResult>& shards,
                         const std::vector<std::string>& files);

std::string batchCsv(const BatchResult& r);
std::string batchTable(const BatchResult& r);

/// The process-wide cancel flag the CLI's SIGINT and SIGTERM handler sets.
std::atomic<bool>& cancelRequested();
/// True while a command watches cancelRequested() (batch); otherwise the handler lets the signal
/// take its default action, so that no other command ignores Ctrl-C or SIGTERM.
std::atomic<bool>& cancelWatched();

}  // namespace rolloutlab::app
