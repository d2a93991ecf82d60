// PromQL evaluator speed: Flagger's Istio request-success-rate and request-duration queries on
// a MemorySeriesStore of 2 workloads × (2 response codes + 20 latency buckets) series scraped
// every 15 s for 3 h, one instant evaluation per iteration. scripts/bench-promql.sh runs this
// next to a real Prometheus answering the same queries over loopback.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <string_view>

#include "rolloutlab/core/flagger_queries.h"
#include "rolloutlab/core/promql/memory_series_store.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/core/rng.h"

namespace {

using namespace rolloutlab::core::promql;
namespace flagger = rolloutlab::core::flagger;

constexpr TimestampMs kStart = 1704067200000;
constexpr int kPoints = 3 * 3600 / 15 + 1;

// Istio's default millisecond buckets (19 finite + +Inf).
const char* kBuckets[] = {"0.5",   "1",      "5",      "10",      "25",      "50",    "100",
                          "250",   "500",    "1000",   "2500",    "5000",    "10000", "30000",
                          "60000", "300000", "600000", "1800000", "3600000", "+Inf"};

MemorySeriesStore& store() {
  static MemorySeriesStore s = [] {
    MemorySeriesStore st;
    rolloutlab::core::Rng rng(42);
    for (const char* workload : {"podinfo", "podinfo-primary"}) {
      const Labels base{{"reporter", "destination"},
                        {"destination_workload_namespace", "test"},
                        {"destination_workload", workload}};
      std::vector<SeriesRef> codes;
      for (const char* code : {"200", "500"}) {
        Labels l = base;
        l.set("__name__", "istio_requests_total");
        l.set("response_code", code);
        codes.push_back(st.addSeries(l));
      }
      std::vector<SeriesRef> buckets;
      for (const char* le : kBuckets) {
        Labels l = base;
        l.set("__name__", "istio_request_duration_milliseconds_bucket");
        l.set("le", le);
        buckets.push_back(st.addSeries(l));
      }
      double ok = 0;
      double failed = 0;
      std::vector<double> cum(std::size(kBuckets), 0);
      for (int i = 0; i < kPoints; ++i) {
        const TimestampMs t = kStart + static_cast<TimestampMs>(i) * 15000;
        const double n = 300 + std::floor(rng.uniform() * 20);
        const double e = std::floor(n * 0.005 + rng.uniform());
        ok += n - e;
        failed += e;
        st.append(codes[0], t, ok);
        st.append(codes[1], t, failed);
        // Latencies fill buckets 50 ms and up: a cumulative histogram.
        double below = 0;
        for (std::size_t b = 0; b < cum.size(); ++b) {
          const double share = b < 5 ? 0 : (b == 5 ? 0.2 : (b == 6 ? 0.7 : (b == 7 ? 0.98 : 1)));
          below = std::max(below, std::floor(n * share));
          cum[b] += below;
          st.append(buckets[b], t, cum[b]);
        }
      }
    }
    return st;
  }();
  return s;
}

std::string query(flagger::BuiltinMetric m) {
  flagger::MetricTemplateModel model =
      flagger::makeModel("podinfo", "test", "podinfo", "", "", "", "1m");
  return flagger::prometheusQuery(flagger::Observer::kIstio, m, model);
}

void evaluateLoop(benchmark::State& state, flagger::BuiltinMetric m) {
  MemorySeriesStore& s = store();
  PreparedQuery q = parse(query(m));
  TimestampMs t = kStart + 10 * 60000;
  double sink = 0;
  for (auto _ : state) {
    const auto& r = q.evaluateAt(s, t);
    sink += r.vector.empty() ? 0 : r.vector[0].value;
    t += 60000;  // the next analysis tick
    if (t > kStart + 170 * 60000) t = kStart + 10 * 60000;
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
}

void BM_IstioSuccessRate(benchmark::State& state) {
  evaluateLoop(state, flagger::BuiltinMetric::kRequestSuccessRate);
}
BENCHMARK(BM_IstioSuccessRate);

void BM_IstioRequestDurationP99(benchmark::State& state) {
  evaluateLoop(state, flagger::BuiltinMetric::kRequestDuration);
}
BENCHMARK(BM_IstioRequestDurationP99);

// For context: parsing, and a first evaluation (selection with regex matching, label caches).
void BM_ParseSuccessRate(benchmark::State& state) {
  const std::string text = query(flagger::BuiltinMetric::kRequestSuccessRate);
  for (auto _ : state) benchmark::DoNotOptimize(parse(text));
}
BENCHMARK(BM_ParseSuccessRate);

void BM_ColdRequestDurationP99(benchmark::State& state) {
  MemorySeriesStore& s = store();
  const PreparedQuery proto = parse(query(flagger::BuiltinMetric::kRequestDuration));
  for (auto _ : state) {
    PreparedQuery q = proto;  // fresh caches
    benchmark::DoNotOptimize(q.evaluateAt(s, kStart + 3600000).vector.size());
  }
}
BENCHMARK(BM_ColdRequestDurationP99);

}  // namespace

// `promql_bench --print-queries` prints the two queries (one per line) for the Prometheus side
// of scripts/bench-promql.sh; otherwise the Google Benchmark command line applies.
int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "--print-queries") {
    std::printf("%s\n%s\n", query(flagger::BuiltinMetric::kRequestSuccessRate).c_str(),
                query(flagger::BuiltinMetric::kRequestDuration).c_str());
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
