// Cost of Argo condition evaluation, as a Monte Carlo run pays it: compile once, then one
// verdict per measurement.

#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "rolloutlab/core/argo/expr/evaluate.h"

using rolloutlab::core::argo::compile;
using rolloutlab::core::argo::MetricConditions;
using rolloutlab::core::argo::Value;

static void BM_ArgoCompile(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(compile("len(result) == 0 || result[0] >= 0.95"));
  }
}
BENCHMARK(BM_ArgoCompile);

// A Prometheus vector refilled in place, as a simulator would: no allocation per measurement.
static void BM_ArgoVerdictVector(benchmark::State& state) {
  const MetricConditions m("result[0] >= 0.95", "result[0] < 0.90");
  auto buffer = std::make_shared<std::vector<double>>(1, 0.0);
  const Value result = Value::sharedFloats(buffer);
  double x = 0.85;
  for (auto _ : state) {
    (*buffer)[0] = x;
    x = x > 1.0 ? 0.85 : x + 0.001;
    benchmark::DoNotOptimize(m.evaluate(result).phase);
  }
}
BENCHMARK(BM_ArgoVerdictVector);

static void BM_ArgoVerdictScalar(benchmark::State& state) {
  const MetricConditions m("isNaN(result) || result >= 0.95", "");
  double x = 0.85;
  for (auto _ : state) {
    x = x > 1.0 ? 0.85 : x + 0.001;
    benchmark::DoNotOptimize(m.evaluate(Value::number(x)).phase);
  }
}
BENCHMARK(BM_ArgoVerdictScalar);

static void BM_ArgoVerdictClosure(benchmark::State& state) {
  const MetricConditions m("all(result, {# >= 0.95})", "any(result, {# < 0.5})");
  const Value result = Value::floats(std::vector<double>(10, 0.97));
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.evaluate(result).phase);
  }
}
BENCHMARK(BM_ArgoVerdictClosure);

// No data: the index fails and the verdict is Error with Argo's message (allocates).
static void BM_ArgoVerdictEmptyVector(benchmark::State& state) {
  const MetricConditions m("result[0] >= 0.95", "");
  const Value result = Value::floats(std::vector<double>{});
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.evaluate(result).phase);
  }
}
BENCHMARK(BM_ArgoVerdictEmptyVector);

BENCHMARK_MAIN();
