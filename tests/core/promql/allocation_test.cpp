// A steady-state evaluation of Flagger's queries does not allocate: the evaluator runs inside
// Monte Carlo loops, so every buffer is reused from one evaluation to the next.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "rolloutlab/core/flagger_queries.h"
#include "rolloutlab/core/promql/memory_series_store.h"
#include "rolloutlab/core/promql/query.h"

namespace {
std::atomic<bool> gCounting{false};
std::atomic<long> gAllocations{0};
}  // namespace

// Counting replacements of the global allocation functions (this test binary only). They pair
// malloc with free, which GCC cannot see through.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (gCounting.load(std::memory_order_relaxed)) gAllocations.fetch_add(1);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (gCounting.load(std::memory_order_relaxed)) gAllocations.fetch_add(1);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {

using namespace rolloutlab::core::promql;
namespace flagger = rolloutlab::core::flagger;

TEST(PromqlAllocations, SteadyStateEvaluationDoesNotAllocate) {
  MemorySeriesStore s;
  for (const char* w : {"podinfo", "podinfo-primary"}) {
    const Labels base{{"reporter", "destination"},
                      {"destination_workload_namespace", "test"},
                      {"destination_workload", w}};
    for (const char* code : {"200", "500"}) {
      Labels l = base;
      l.set("__name__", "istio_requests_total");
      l.set("response_code", code);
      const SeriesRef r = s.addSeries(l);
      for (int k = 0; k < 100; ++k) s.append(r, k * 15000, k * (code[0] == '2' ? 300.0 : 2.0));
    }
    for (const char* le : {"50", "100", "250", "+Inf"}) {
      Labels l = base;
      l.set("__name__", "istio_request_duration_milliseconds_bucket");
      l.set("le", le);
      const SeriesRef r = s.addSeries(l);
      for (int k = 0; k < 100; ++k) s.append(r, k * 15000, k * 100.0 * (1 + (le[0] == '+')));
    }
  }
  const auto model = flagger::makeModel("podinfo", "test", "podinfo", "", "", "", "1m");
  PreparedQuery sr = parse(flagger::prometheusQuery(
      flagger::Observer::kIstio, flagger::BuiltinMetric::kRequestSuccessRate, model));
  PreparedQuery p99 = parse(flagger::prometheusQuery(
      flagger::Observer::kIstio, flagger::BuiltinMetric::kRequestDuration, model));
  // Warm up: the first evaluations select series and size the buffers.
  for (int k = 0; k < 3; ++k) {
    sr.evaluateAt(s, 600000 + k * 60000);
    p99.evaluateAt(s, 600000 + k * 60000);
  }
  gAllocations = 0;
  gCounting = true;
  double sum = 0;
  for (int k = 0; k < 20; ++k) {
    sum += sr.evaluateAt(s, 900000 + k * 15000).vector.at(0).value;
    sum += p99.evaluateAt(s, 900000 + k * 15000).vector.at(0).value;
  }
  gCounting = false;
  EXPECT_EQ(gAllocations.load(), 0);
  EXPECT_GT(sum, 0);
}

}  // namespace
