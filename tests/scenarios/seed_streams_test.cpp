// The synthesized series draw from the streams the seed registry (sim/seeds.h) names.

#include <gtest/gtest.h>

#include "rolloutlab/core/rng.h"
#include "rolloutlab/scenarios/mesh_series.h"
#include "rolloutlab/sim/seeds.h"

namespace sc = rolloutlab::scenarios;
namespace sim = rolloutlab::sim;

TEST(SeedStreams, MeshSeriesDrawsFromTheRegistrysStreams) {
  sim::Scenario s;
  s.name = "streams";
  s.traffic.rps = 10;
  s.primary.latency.p50 = 45;
  s.primary.latency.p99 = 220;
  s.canary = s.primary;
  const sim::CompiledScenario compiled(s);
  sim::Workload w;
  w.ns = "test";
  w.target = "podinfo";
  sc::MeshSeries series(sim::meshLayout("istio"), w, compiled);
  for (std::uint64_t seed : {0ull, 17ull}) {
    series.reset(seed);
    const std::pair<sc::MeshSeries::Stream, sim::SeedStream> pairs[] = {
        {sc::MeshSeries::Stream::kGates, sim::SeedStream::kGates},
        {sc::MeshSeries::Stream::kErrors, sim::SeedStream::kQueryErrors},
        {sc::MeshSeries::Stream::kModels, sim::SeedStream::kModels}};
    for (const auto& [mine, named] : pairs) {
      rolloutlab::core::Rng expected(sim::streamSeed(seed, named));
      EXPECT_EQ(series.rng(mine).next(), expected.next()) << sim::toString(named);
    }
  }
}
