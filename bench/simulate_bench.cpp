// One closed-loop Flagger run of the bundled podinfo example (istio builtin metrics, 15 s
// scrape) against scenarios at 1000 rps, and the cost per run as rps grows.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/scenarios/flagger_world.h"

namespace {

using namespace rolloutlab;

struct Fixture {
  app::Workspace ws;
  std::unique_ptr<sim::CompiledScenario> scenario;
  std::unique_ptr<scenarios::FlaggerPlan> plan;
  Fixture(const std::string& scenarioFile, double rps = -1) {
    ws = app::loadWorkspace({ROLLOUTLAB_SOURCE "/examples/apps/podinfo/canary.yaml", scenarioFile});
    auto s = ws.scenarios.at(0);
    if (rps >= 0) s.traffic.rps = rps;
    scenario = std::make_unique<sim::CompiledScenario>(s);
    const auto& c = ws.canaries.at(0);
    plan = std::make_unique<scenarios::FlaggerPlan>(c, io::resolveTemplates(c, ws.metricTemplates),
                                                    *scenario);
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

// A run that lasts the scenario's whole 2 hours: stepWeight 1 to maxWeight 100 takes 104 ticks.
void BM_FullTwoHourRun(benchmark::State& state) {
  Fixture f(kLib + "good-high-traffic.yaml");
  auto c = f.ws.canaries.at(0);
  c.analysis.stepWeight = 1;
  c.analysis.maxWeight = 100;
  scenarios::FlaggerPlan plan(c, io::resolveTemplates(c, f.ws.metricTemplates), *f.scenario);
  scenarios::FlaggerSyntheticWorld world(plan, *f.scenario);
  std::uint64_t seed = 0;
  int ticks = 0;
  for (auto _ : state) {
    auto s = scenarios::runFlagger(plan, *f.scenario, world, ++seed);
    ticks = s.ticks;
    benchmark::DoNotOptimize(s);
  }
  state.counters["ticks"] = ticks;
}
BENCHMARK(BM_FullTwoHourRun)->Unit(benchmark::kMicrosecond);

// Baseline: the same canary traffic of the good-release run synthesized request by request
// (arrival, status, latency bucket of each request), which is what aggregate draws avoid.
void BM_BaselinePerRequestSynthesis(benchmark::State& state) {
  Fixture f(kLib + "good-high-traffic.yaml");
  const auto& lat = f.scenario->spec().primary.latency;
  const double mu = std::log(lat.p50);
  const double sigma = (std::log(lat.p99) - mu) / 2.3263478740408411;
  const std::vector<double> bounds = f.plan->layout().buckets;
  core::Rng rng(1);
  std::int64_t sink = 0;
  for (auto _ : state) {
    // The run's canary shares: 10%..50% for a minute each, then 50% for the promotion tick.
    for (double share : {0.1, 0.2, 0.3, 0.4, 0.5, 0.5}) {
      const std::int64_t n = rng.poisson(1000.0 * share * 60.0);
      for (std::int64_t i = 0; i < n; ++i) {
        sink += rng.uniform() < 0.002;
        const double x = std::exp(mu + sigma * rng.normal());
        sink += static_cast<std::int64_t>(std::lower_bound(bounds.begin(), bounds.end(), x) -
                                          bounds.begin());
      }
    }
  }
  benchmark::DoNotOptimize(sink);
}
BENCHMARK(BM_BaselinePerRequestSynthesis)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
