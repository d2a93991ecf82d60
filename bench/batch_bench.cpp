// Batch throughput on the two standard cases: the bundled podinfo canary (istio builtin
// metrics), 15 s scrape, 1000 rps, a good release at high traffic (promotes) and the +1 point
// error regression (rolls back). Beside each, the floor: the cost of only the random draws those
// rollouts need (recorded from the same runs, then replayed alone, exact binomials by BTRS on
// xoshiro256**), on the same number of threads, measured in the same process.
#include <benchmark/benchmark.h>

#include <mutex>
#include <thread>
#include <vector>

#include "rolloutlab/app/batch.h"
#include "rolloutlab/io/flagger_decode.h"

namespace {

using namespace rolloutlab;

const char* const kScenarios[] = {"good-high-traffic", "error-regression-1pt"};

struct Standard {
  app::Workspace specs, scen;
  explicit Standard(const std::string& scenario) {
    specs = app::loadWorkspace({ROLLOUTLAB_SOURCE "/examples/apps/podinfo/canary.yaml"});
    scen = app::loadWorkspace({ROLLOUTLAB_SOURCE "/scenarios/library/" + scenario + ".yaml"});
  }
};

const Standard& standard(int i) {
  static const Standard s[] = {Standard(kScenarios[0]), Standard(kScenarios[1])};
  return s[i];
}

// Args: scenario index, threads.
void BM_BatchThroughput(benchmark::State& state) {
  const Standard& s = standard(static_cast<int>(state.range(0)));
  const auto specs = app::batchSpecs(s.specs, "istio");
  std::uint64_t seed = 0;
  const std::int64_t runs = 20000;
  for (auto _ : state) {
    app::BatchOptions o;
    o.runs = runs;
    o.seed = ++seed;
    o.threads = static_cast<int>(state.range(1));
    auto r = app::runBatch(specs, s.scen.scenarios, {}, o);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * runs);
  state.SetLabel(std::string(kScenarios[state.range(0)]) + ", rollouts/s");
}
BENCHMARK(BM_BatchThroughput)
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

constexpr int kRecorded = 2000;

// The draws of 2000 rollouts of a standard case, recorded once.
const core::DrawLog& recordedDraws(int i) {
  static core::DrawLog logs[2];
  static std::once_flag once[2];
  std::call_once(once[i], [i] {
    const Standard& s = standard(i);
    const auto& c = s.specs.canaries.at(0);
    scenarios::CompiledScenario sc(s.scen.scenarios.at(0));
    scenarios::FlaggerPlan plan(c, io::resolveTemplates(c, s.specs.metricTemplates), sc);
    scenarios::FlaggerSyntheticWorld world(plan, sc);
    core::DrawLog::current = &logs[i];
    for (int r = 0; r < kRecorded; ++r)
      scenarios::runFlagger(plan, sc, world, app::replicateSeed(1, r));
    core::DrawLog::current = nullptr;
  });
  return logs[i];
}

std::int64_t replay(const core::DrawLog& log, std::uint64_t seed) {
  core::Rng rng(seed);
  std::int64_t sink = 0;
  for (const auto& d : log.draws) {
    switch (d.kind) {
      case core::DrawLog::Kind::kPoisson:
        sink += rng.poisson(d.a);
        break;
      case core::DrawLog::Kind::kBinomial:
        sink += rng.binomial(d.n, d.a);
        break;
      case core::DrawLog::Kind::kNormal:
        sink += static_cast<std::int64_t>(rng.normal());
        break;
      case core::DrawLog::Kind::kGamma:
        sink += static_cast<std::int64_t>(rng.gamma(d.a));
        break;
      case core::DrawLog::Kind::kUniform:
        sink += static_cast<std::int64_t>(rng.uniform());
        break;
    }
  }
  return sink;
}

// Args: scenario index, threads. Each thread replays the recorded draws (kRecorded rollouts'
// worth) with its own generator, as the batch's workers draw theirs.
void BM_FloorRandomDrawsOnly(benchmark::State& state) {
  const auto& log = recordedDraws(static_cast<int>(state.range(0)));
  const int threads = static_cast<int>(state.range(1));
  std::int64_t sink = 0;
  std::uint64_t seed = 3;
  for (auto _ : state) {
    std::vector<std::int64_t> sinks(static_cast<std::size_t>(threads));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t, s = seed + static_cast<std::uint64_t>(t)] {
        sinks[static_cast<std::size_t>(t)] = replay(log, s);
      });
    }
    for (auto& th : pool) th.join();
    for (auto x : sinks) sink += x;
    seed += static_cast<std::uint64_t>(threads);
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations() * kRecorded * threads);
  state.counters["draws_per_run"] = static_cast<double>(log.draws.size()) / kRecorded;
  state.SetLabel(std::string(kScenarios[state.range(0)]) + ", rollouts' draws/s");
}
BENCHMARK(BM_FloorRandomDrawsOnly)
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
