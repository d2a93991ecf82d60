// Wilcoxon rank-sum test with the Hodges-Lehmann estimate and 95% interval (normal path), at
// n = m = 10^4 and 10^5, continuous and heavily tied data, with R's computation (the default:
// uniroot steps on the rank statistic, as wilcox.test) and the exact one (order statistics of
// the differences). The samples are drawn once per size from a fixed seed; the timed part is
// rankSumTest (sorting, W, p-value, both interval ends and the estimate).
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "rolloutlab/core/rng.h"
#include "rolloutlab/core/stats/rank_sum.h"

namespace {

using rolloutlab::core::Rng;
namespace st = rolloutlab::core::stats;

struct Samples {
  std::vector<double> x;
  std::vector<double> y;
};

Samples draw(std::size_t n, bool tied) {
  Rng rng(20240611 + n + (tied ? 1 : 0));
  Samples s{std::vector<double>(n), std::vector<double>(n)};
  for (double& v : s.x) v = tied ? std::round(2 * rng.normal() + 0.3) : rng.normal() + 0.01;
  for (double& v : s.y) v = tied ? std::round(2 * rng.normal()) : rng.normal();
  return s;
}

void rankSumWithInterval(benchmark::State& state, bool tied, st::Computation computation) {
  const Samples s = draw(static_cast<std::size_t>(state.range(0)), tied);
  st::RankSumOptions options;
  options.computation = computation;
  for (auto _ : state) {
    st::TestResult r = st::rankSumTest(s.x, s.y, options);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * 2 * state.range(0));
}

void BM_RankSumContinuous(benchmark::State& state) {
  rankSumWithInterval(state, false, st::Computation::kR);
}
void BM_RankSumTied(benchmark::State& state) {
  rankSumWithInterval(state, true, st::Computation::kR);
}
void BM_RankSumContinuousExact(benchmark::State& state) {
  rankSumWithInterval(state, false, st::Computation::kExact);
}
void BM_RankSumTiedExact(benchmark::State& state) {
  rankSumWithInterval(state, true, st::Computation::kExact);
}

// One selection of a pairwise difference (the building block of each interval end).
void BM_KthPairwiseDifference(benchmark::State& state) {
  Samples s = draw(static_cast<std::size_t>(state.range(0)), false);
  std::sort(s.x.begin(), s.x.end());
  std::sort(s.y.begin(), s.y.end());
  const auto pairs = static_cast<std::int64_t>(s.x.size() * s.y.size());
  for (auto _ : state) {
    benchmark::DoNotOptimize(st::kthPairwiseDifference(s.x, s.y, pairs / 3));
  }
}

}  // namespace

BENCHMARK(BM_RankSumContinuous)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RankSumTied)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RankSumContinuousExact)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RankSumTiedExact)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KthPairwiseDifference)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
