// Batch throughput on the standard case: the bundled podinfo canary (istio builtin metrics),
// 15 s scrape, 1000 rps, the +1 point error regression scenario. Beside it, the floor: the
// cost of only the random draws those rollouts need (recorded from the same runs, then
// replayed alone), measured in the same process.
#include <benchmark/benchmark.h>

#include <thread>

#include "rolloutlab/app/batch.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/scenarios/flagger_world.h"

namespace {

using namespace rolloutlab;

struct Standard {
  app::Workspace specs, scen;
  Standard() {
    specs = app::loadWorkspace({ROLLOUTLAB_SOURCE "/examples/apps/podinfo/canary.yaml"});
    scen = app::loadWorkspace({ROLLOUTLAB_SOURCE "/scenarios/library/error-regression-1pt.yaml"});
  }
};

void BM_BatchThroughput(benchmark::State& state) {
  static Standard s;
  const auto specs = app::batchSpecs(s.specs, "istio");
  std::uint64_t seed = 0;
  const std::int64_t runs = 20000;
  for (auto _ : state) {
    app::BatchOptions o;
    o.runs = runs;
    o.seed = ++seed;
    o.threads = static_cast<int>(state.range(0));
    auto r = app::runBatch(specs, s.scen.scenarios, {}, o);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * runs);
  state.SetLabel("runs/s");
}
BENCHMARK(BM_BatchThroughput)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The draws of 2000 rollouts of the standard case, recorded once.
const core::DrawLog& recordedDraws() {
  static core::DrawLog log = [] {
    Standard s;
    const auto& c = s.specs.canaries.at(0);
    sim::CompiledScenario sc(s.scen.scenarios.at(0));
    scenarios::FlaggerPlan plan(c, io::resolveTemplates(c, s.specs.metricTemplates), sc);
    scenarios::FlaggerSyntheticWorld world(plan, sc);
    core::DrawLog l;
    core::DrawLog::current = &l;
    for (int i = 0; i < 2000; ++i) scenarios::runFlagger(plan, sc, world, app::replicateSeed(1, i));
    core::DrawLog::current = nullptr;
    return l;
  }();
  return log;
}

void BM_FloorRandomDrawsOnly(benchmark::State& state) {
  const auto& log = recordedDraws();
  core::Rng rng(3);
  std::int64_t sink = 0;
  for (auto _ : state) {
    for (const auto& d : log.draws) {
      switch (d.kind) {
        case core::DrawLog::Kind::kPoisson: sink += rng.poisson(d.a); break;
        case core::DrawLog::Kind::kBinomial: sink += rng.binomial(d.n, d.a); break;
        case core::DrawLog::Kind::kNormal: sink += static_cast<std::int64_t>(rng.normal()); break;
        case core::DrawLog::Kind::kGamma: sink += static_cast<std::int64_t>(rng.gamma(d.a)); break;
        case core::DrawLog::Kind::kUniform: sink += static_cast<std::int64_t>(rng.uniform()); break;
      }
    }
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations() * 2000);
  state.counters["draws_per_run"] = static_cast<double>(log.draws.size()) / 2000.0;
  state.SetLabel("rollouts' draws/s (1 thread)");
}
BENCHMARK(BM_FloorRandomDrawsOnly)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
