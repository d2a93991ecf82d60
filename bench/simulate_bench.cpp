// One closed-loop Flagger run of the bundled podinfo example (istio builtin metrics, 15 s
// scrape) against scenarios at 1000 rps, and the cost per run as rps grows.
#include <benchmark/benchmark.h>

#include <string>

#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/scenarios/flagger_world.h"

namespace {

using namespace rolloutlab;

struct Fixture {
  app::Workspace ws;
  std::unique_ptr<scenarios::CompiledScenario> scenario;
  std::unique_ptr<scenarios::FlaggerPlan> plan;
  Fixture(const std::string& scenarioFile, double rps = -1) {
    ws = app::loadWorkspace({ROLLOUTLAB_SOURCE "/examples/apps/podinfo/canary.yaml", scenarioFile});
    auto s = ws.scenarios.at(0);
    if (rps >= 0) s.traffic.rps = rps;
    scenario = std::make_unique<scenarios::CompiledScenario>(s);
    const auto& c = ws.canaries.at(0);
    plan = std::make_unique<scenarios::FlaggerPlan>(c, io::resolveTemplates(c, ws.metricTemplates), *scenario);
  }
};

const std::string kLib = ROLLOUTLAB_SOURCE "/scenarios/library/";

void BM_SingleRunGoodRelease(benchmark::State& state) {
  Fixture f(kLib + "good-high-traffic.yaml");
  scenarios::FlaggerSyntheticWorld world(*f.plan, *f.scenario);
  std::uint64_t seed = 0;
  for (auto _ : state) {
    auto s = scenarios::runFlagger(*f.plan, *f.scenario, world, ++seed);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SingleRunGoodRelease);

void BM_SingleRunErrorRegression(benchmark::State& state) {
  Fixture f(kLib + "error-regression-1pt.yaml");
  scenarios::FlaggerSyntheticWorld world(*f.plan, *f.scenario);
  std::uint64_t seed = 0;
  for (auto _ : state) {
    auto s = scenarios::runFlagger(*f.plan, *f.scenario, world, ++seed);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SingleRunErrorRegression);

// A fresh world per run, with the full trace and every metric measured at every tick: what
// `rolloutlab simulate` does.
void BM_SimulateWithTrace(benchmark::State& state) {
  Fixture f(kLib + "good-high-traffic.yaml");
  std::uint64_t seed = 0;
  for (auto _ : state) {
    auto r = scenarios::simulateFlagger(*f.plan, *f.scenario, ++seed);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SimulateWithTrace)->Unit(benchmark::kMicrosecond);

void BM_CostPerRunByRps(benchmark::State& state) {
  Fixture f(kLib + "error-regression-1pt.yaml", static_cast<double>(state.range(0)));
  scenarios::FlaggerSyntheticWorld world(*f.plan, *f.scenario);
  std::uint64_t seed = 0;
  for (auto _ : state) {
    auto s = scenarios::runFlagger(*f.plan, *f.scenario, world, ++seed);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_CostPerRunByRps)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Arg(100000);

}  // namespace

BENCHMARK_MAIN();
