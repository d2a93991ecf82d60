#include "rolloutlab/sim/batch.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

namespace rolloutlab::sim {

core::RunRecord runRecord(const RunSummary& s) {
  core::RunRecord r;
  switch (s.outcome.decision) {
    case RunOutcome::Decision::kPromoted:
      r.result = core::RunRecord::Result::kPromoted;
      break;
    case RunOutcome::Decision::kRolledBack:
      r.result = core::RunRecord::Result::kRolledBack;
      break;
    default:
      r.result = core::RunRecord::Result::kOther;
      break;
  }
  r.timeToDecision = s.timeToDecision;
  r.timeToPromotion = s.timeToPromotion;
  r.canaryRequests = s.totals.canaryRequests;
  r.canaryErrors = s.totals.canaryErrors;
  r.excessErrors = s.totals.excessErrors;
  r.metricChecks = s.metricChecks;
  r.failedMetricChecks = s.failedMetricChecks;
  for (const auto& v : s.judges) {
    const int kind = v.kind == ShadowVerdict::Kind::kFail   ? 2
                     : v.kind == ShadowVerdict::Kind::kPass ? 1
                                                            : 0;
    r.judges.emplace_back(kind, v.t);
  }
  return r;
}

PairRuns runPairs(const std::vector<const PairPlan*>& plans,
                  const std::vector<std::uint64_t>& seeds, const PairRunOptions& opt) {
  const std::int64_t pairs = static_cast<std::int64_t>(plans.size());
  const std::int64_t total = pairs * opt.runs;
  // The runs of this shard, in global order: g = pair * runs + replicate.
  std::int64_t planned = 0;
  for (std::int64_t g = opt.shardIndex; g < total; g += opt.shardCount) ++planned;

  const int threads =
      opt.threads > 0 ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  std::atomic<std::int64_t> nextChunk{0};
  std::atomic<std::int64_t> done{0};
  std::atomic<bool> stopped{false};
  constexpr std::int64_t kChunk = 64;  // runs of this shard per work item
  const std::int64_t chunks = (planned + kChunk - 1) / kChunk;
  std::vector<std::vector<core::PairAggregate>> local(
      static_cast<std::size_t>(threads),
      std::vector<core::PairAggregate>(static_cast<std::size_t>(pairs)));
  // The first error a run raised, kept whole (its type decides the exit code: an engine's
  // core::InternalError is exit 3 "please report", bad input exit 1) and rethrown on this thread.
  std::mutex errMu;
  std::exception_ptr workerError;
  auto worker = [&](int w) {
    std::vector<std::unique_ptr<PairWorker>> runners(static_cast<std::size_t>(pairs));
    try {
      for (;;) {
        if (stopped.load(std::memory_order_relaxed)) return;
        const std::int64_t c = nextChunk.fetch_add(1);
        if (c >= chunks) break;
        // The runs finished are counted once per chunk: a count shared by the workers and
        // bumped on every run kept its cache line moving between the cores.
        std::int64_t finished = 0;
        for (std::int64_t i = c * kChunk; i < std::min(planned, (c + 1) * kChunk); ++i) {
          if (opt.cancel && opt.cancel->load(std::memory_order_relaxed)) {
            done.fetch_add(finished, std::memory_order_relaxed);
            stopped = true;
            return;
          }
          const std::int64_t g = opt.shardIndex + i * opt.shardCount;
          const std::int64_t pair = g / opt.runs;
          const std::int64_t rep = g % opt.runs;
          auto& runner = runners[static_cast<std::size_t>(pair)];
          if (!runner) runner = plans[static_cast<std::size_t>(pair)]->makeWorker();
          const auto s = runner->run(
              replicateSeed(seeds[static_cast<std::size_t>(pair)], static_cast<std::uint64_t>(rep)),
              opt.judges);
          local[static_cast<std::size_t>(w)][static_cast<std::size_t>(pair)].add(runRecord(s));
          ++finished;
        }
        done.fetch_add(finished, std::memory_order_relaxed);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(errMu);
      if (!workerError) workerError = std::current_exception();
      stopped = true;
    }
  };
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w) pool.emplace_back(worker, w);
  if (opt.progress) {
    for (;;) {
      bool all = done.load() >= planned || stopped.load();
      opt.progress(done.load(), planned);
      if (all) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (done.load() >= planned) {
        opt.progress(done.load(), planned);
        break;
      }
    }
  }
  for (auto& t : pool) t.join();
  if (workerError) std::rethrow_exception(workerError);
  PairRuns out;
  out.aggregates.resize(static_cast<std::size_t>(pairs));
  for (std::int64_t p = 0; p < pairs; ++p) {
    auto& agg = out.aggregates[static_cast<std::size_t>(p)];
    agg.judges.resize(opt.judges.size());
    for (int w = 0; w < threads; ++w)
      agg.merge(local[static_cast<std::size_t>(w)][static_cast<std::size_t>(p)]);
  }
  out.partial = done.load() < planned;
  return out;
}

}  // namespace rolloutlab::sim
