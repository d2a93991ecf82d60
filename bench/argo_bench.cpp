// One closed-loop Argo Rollouts run of the bundled storefront example (Istio, a success-rate
// analysis step and a background analysis) against library scenarios, and one scripted run.
#include <benchmark/benchmark.h>

#include <string>

#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/scenarios/argo_world.h"

namespace {

using namespace rolloutlab;

const std::string kLib = ROLLOUTLAB_SOURCE "/scenarios/library/";
const std::string kApp = ROLLOUTLAB_SOURCE "/examples/apps/storefront";

struct Fixture {
  app::Workspace ws;
  std::unique_ptr<sim::CompiledScenario> scenario;
  std::unique_ptr<scenarios::ArgoPlan> plan;
  explicit Fixture(const std::string& scenarioFile) {
    ws = app::loadWorkspace({kApp, scenarioFile});
    scenario = std::make_unique<sim::CompiledScenario>(ws.scenarios.at(0));
    plan = std::make_unique<scenarios::ArgoPlan>(ws.rollouts.at(0), ws.argoTemplates, *scenario);
  }
};

void run(benchmark::State& state, const std::string& scenario) {
  Fixture f(kLib + scenario);
  scenarios::ArgoSyntheticWorld world(*f.plan, *f.scenario);
  std::uint64_t seed = 0;
  for (auto _ : state) {
    auto s = scenarios::runArgo(*f.plan, *f.scenario, world, ++seed);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ArgoRunGoodRelease(benchmark::State& state) { run(state, "good-high-traffic.yaml"); }
BENCHMARK(BM_ArgoRunGoodRelease);

void BM_ArgoRunErrorRegression(benchmark::State& state) { run(state, "error-regression-1pt.yaml"); }
BENCHMARK(BM_ArgoRunErrorRegression);

void BM_ArgoScript(benchmark::State& state) {
  auto ws = app::loadWorkspace(
      {kApp, ROLLOUTLAB_SOURCE "/examples/scripts/argo-background-failure.yaml"});
  const core::argo::ArgoEngine engine(ws.rollouts.at(0), ws.argoTemplates);
  for (auto _ : state) {
    auto r = core::argo::runArgoScript(engine, ws.scripts.at(0));
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ArgoScript);

}  // namespace

BENCHMARK_MAIN();
