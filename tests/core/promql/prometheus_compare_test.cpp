// Agreement with a real Prometheus 2.42: the same OpenMetrics history is backfilled into a
// Prometheus server (tests/support/prom-fixture.sh) and loaded into a MemorySeriesStore, and
// instant queries are answered by both at many times. Values must agree within 1e-9 relative
// (NaN equals NaN), label sets exactly, empty answers and errors alike.
//
// If Prometheus cannot be started the tests fail with the reason: CI installs it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

// nlohmann/json trips -Wnull-dereference once inlined (a false positive in its header).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <nlohmann/json.hpp>
#pragma GCC diagnostic pop

#include "prometheus_fixture.h"
#include "rolloutlab/core/flagger_queries.h"
#include "rolloutlab/core/promql/exposition.h"
#include "rolloutlab/core/promql/query.h"
#include "test_support.h"

namespace {

using namespace rolloutlab::core::promql;
namespace flagger = rolloutlab::core::flagger;

constexpr double kStart = 1704067200;  // 2024-01-01T00:00:00Z

using rolloutlab::test::runCommand;
using rolloutlab::test::shellQuote;

std::string formatTime(double t) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, t);
  return std::string(buf, r.ptr);
}

std::string urlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Extra families appended to the generated Istio history: counter resets, jittered and
// fractional-second timestamps, gaps longer than the look-back, NaN/Inf values, a counter that
// starts far from zero, and histograms with duplicate, malformed, non-monotonic and missing
// +Inf buckets.
std::string extraFamilies(double start, double duration) {
  std::ostringstream o;
  auto ts = [](double t) { return formatTime(t); };
  o << "# TYPE rl_counter counter\n";
  // A counter with resets, scraped every ~10 s with millisecond jitter.
  {
    double v = 0;
    for (int i = 0; start + 10 * i + 1 < start + duration; ++i) {
      const double t = start + 10 * i + ((i * 37) % 7) * 0.123;
      v += 3 + (i % 5);
      if (i % 23 == 22) v = (i % 3);  // reset
      o << "rl_counter_total{series=\"reset\"} " << v << ' ' << ts(t) << '\n';
    }
  }
  // A counter with gaps of 40 s to 7 min.
  {
    double v = 1000;
    double t = start + 5;
    int i = 0;
    while (t < start + duration) {
      o << "rl_counter_total{series=\"gappy\"} " << v << ' ' << ts(t) << '\n';
      v += 17 + (i % 4) * 3;
      t += (i % 6 == 5) ? 420 : ((i % 3 == 0) ? 40 : 15);
      ++i;
    }
  }
  o << "# TYPE rl_gauge gauge\n";
  {
    for (int i = 0; start + 15 * i < start + duration; ++i) {
      const double t = start + 15 * i + 0.5;
      std::string v;
      if (i % 29 == 7) {
        v = "NaN";
      } else if (i % 31 == 11) {
        v = "+Inf";
      } else {
        v = formatTime(std::sin(i * 0.3) * 50 - 10 + (i % 4) * 0.25);
      }
      o << "rl_gauge{series=\"a\"} " << v << ' ' << ts(t) << '\n';
    }
    for (int i = 0; start + 30 * i < start + duration; ++i) {
      o << "rl_gauge{series=\"b\"} " << formatTime((i % 7) - 3.0) << ' ' << ts(start + 30 * i)
        << '\n';
    }
  }
  // Histogram-like families (no TYPE: promtool takes them as unknown).
  {
    struct Bk {
      const char* le;
      double base;
    };
    const Bk odd[] = {{"-5", 0}, {"0", 1},   {"1", 3},   {"1.0", 2},  {"2", 9},
                      {"5", 7},  {"abc", 4}, {"10", 15}, {"+Inf", 16}};
    const Bk noinf[] = {{"1", 2}, {"2", 5}, {"4", 9}};
    const Bk zero[] = {{"0.5", 0}, {"1", 0}, {"+Inf", 0}};
    for (int i = 0; start + 15 * i < start + duration; ++i) {
      const double t = start + 15 * i;
      for (const auto& b : odd) {
        o << "rl_hist_bucket{kind=\"odd\",le=\"" << b.le << "\"} " << b.base * (i + 1) << ' '
          << ts(t) << '\n';
      }
      for (const auto& b : noinf) {
        o << "rl_hist_bucket{kind=\"noinf\",le=\"" << b.le << "\"} " << b.base * (i + 1) << ' '
          << ts(t) << '\n';
      }
      for (const auto& b : zero) {
        o << "rl_hist_bucket{kind=\"zero\",le=\"" << b.le << "\"} " << b.base << ' ' << ts(t)
          << '\n';
      }
    }
  }
  return o.str();
}

struct Dataset {
  std::string name;
  std::string genArgs;
  double duration;
};

// One Prometheus server and one MemorySeriesStore holding the same data.
class PromFixture {
 public:
  explicit PromFixture(const Dataset& ds) : ds_(ds) {}

  bool start() {
    char tmpl[] = "/tmp/rolloutlab-promcmp-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return fail("mkdtemp failed");
    dir_ = tmpl;
    const std::string om = dir_ + "/" + ds_.name + ".om";
    const std::string gen = dir_ + "/gen.om";
    if (auto why = rolloutlab::test::generateIstioHistory(ds_.genArgs, gen); !why.empty())
      return fail(why);
    // Append the extra families before `# EOF`.
    std::string text = rolloutlab::test::readFile(gen);
    const auto eof = text.rfind("# EOF");
    if (eof == std::string::npos) return fail("generated file has no # EOF");
    text = text.substr(0, eof) + extraFamilies(kStart, ds_.duration) + "# EOF\n";
    std::ofstream(om, std::ios::binary) << text;

    if (!server_.start(om, dir_ + "/prom")) return fail(server_.error());
    try {
      const auto r = loadExpositionFile(om, store_);
      if (!r.warnings.empty()) return fail("loader warning: " + r.warnings[0].detail);
    } catch (const std::exception& e) {
      return fail(std::string("loading into MemorySeriesStore failed: ") + e.what());
    }
    return true;
  }

  void stop() {
    server_.stop();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  const std::string& error() const { return error_; }
  MemorySeriesStore& store() { return store_; }

  // Answers every (query, time) pair with one curl run; bodies come back one per line.
  std::vector<nlohmann::json> query(const std::vector<std::pair<std::string, double>>& qs) {
    const std::string cfg = dir_ + "/curl.cfg";
    {
      std::ofstream c(cfg);
      for (const auto& [q, t] : qs) {
        c << "url = \"" << server_.url() << "/api/v1/query?query=" << urlEncode(q)
          << "&time=" << urlEncode(formatTime(t)) << "\"\n";
        c << "write-out = \"\\n\"\n";
      }
    }
    auto r = runCommand("curl -s -K " + shellQuote(cfg));
    std::vector<nlohmann::json> out;
    std::istringstream lines(r.out);
    for (std::string l; std::getline(lines, l);) {
      if (l.empty()) continue;
      out.push_back(nlohmann::json::parse(l, nullptr, false));
    }
    return out;
  }

 private:
  bool fail(const std::string& why) {
    error_ = ds_.name + ": " + why;
    return false;
  }

  Dataset ds_;
  std::string dir_;
  rolloutlab::test::PrometheusServer server_;
  std::string error_;
  MemorySeriesStore store_;
};

struct Case {
  std::string query;
  bool orderMatters = false;  // Prometheus' order is deterministic for this query
};

std::string labelKey(const Labels& l) {
  std::string k;
  for (const auto& lab : l) k += lab.name + "=" + lab.value + ";";
  return k;
}

bool close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  if (a == b) return true;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

double parseValue(const nlohmann::json& v) {
  double x = 0;
  if (!v.is_string() || !parseGoFloat(v.get<std::string>(), x)) {
    ADD_FAILURE() << "bad value in response: " << v.dump();
  }
  return x;
}

// Compares one answer; returns false (with a message) on disagreement.
bool agree(const nlohmann::json& prom, const QueryResult& ours, std::string& why) {
  if (prom.is_discarded() || !prom.contains("status")) {
    why = "unreadable response: " + prom.dump();
    return false;
  }
  if (prom["status"] == "error") {
    if (ours.kind != ResultKind::kError) {
      why = "Prometheus answered an error (" + prom.value("error", std::string()) +
            ") but we did not";
      return false;
    }
    const std::string msg = prom.value("error", std::string());
    if (msg != ours.error) {
      why = "error texts differ: Prometheus \"" + msg + "\", ours \"" + ours.error + "\"";
      return false;
    }
    return true;
  }
  if (ours.kind == ResultKind::kError) {
    why = "we answered an error: " + ours.error;
    return false;
  }
  const auto& data = prom["data"];
  const std::string type = data["resultType"];
  if (type == "scalar") {
    if (ours.kind != ResultKind::kScalar) {
      why = "Prometheus answered a scalar";
      return false;
    }
    const double pv = parseValue(data["result"][1]);
    if (!close(pv, ours.scalar)) {
      why = "scalar " + formatTime(pv) + " vs ours " + formatTime(ours.scalar);
      return false;
    }
    return true;
  }
  if (ours.kind != ResultKind::kVector) {
    why = "Prometheus answered a " + type;
    return false;
  }
  const auto& res = data["result"];
  if (res.size() != ours.vector.size()) {
    why = "Prometheus has " + std::to_string(res.size()) + " elements, ours " +
          std::to_string(ours.vector.size());
    return false;
  }
  std::map<std::string, double> mine;
  for (const auto& e : ours.vector) mine[labelKey(*e.labels)] = e.value;
  for (const auto& e : res) {
    Labels l;
    for (auto it = e["metric"].begin(); it != e["metric"].end(); ++it) {
      l.set(it.key(), it.value().get<std::string>());
    }
    const auto k = labelKey(l);
    auto f = mine.find(k);
    if (f == mine.end()) {
      why = "missing element " + l.toString();
      return false;
    }
    const double pv = parseValue(e["value"][1]);
    if (!close(pv, f->second)) {
      why = l.toString() + ": Prometheus " + formatTime(pv) + ", ours " + formatTime(f->second);
      return false;
    }
  }
  return true;
}

bool sameOrder(const nlohmann::json& prom, const QueryResult& ours) {
  if (prom.value("status", "") != "success" || prom["data"]["resultType"] != "vector") return true;
  const auto& res = prom["data"]["result"];
  for (std::size_t k = 0; k < res.size() && k < ours.vector.size(); ++k) {
    Labels l;
    for (auto it = res[k]["metric"].begin(); it != res[k]["metric"].end(); ++it) {
      l.set(it.key(), it.value().get<std::string>());
    }
    if (!(l == *ours.vector[k].labels)) return false;
  }
  return true;
}

std::vector<Case> cases() {
  flagger::MetricTemplateModel m;
  m.name = "podinfo";
  m.namespace_ = "test";
  m.target = "podinfo";
  m.service = "podinfo";
  m.ingress = "podinfo";
  m.route = "podinfo";
  m.interval = "1m";
  std::vector<Case> out;
  for (const std::string target : {"podinfo", "podinfo-primary"}) {
    m.target = target;
    for (const auto metric :
         {flagger::BuiltinMetric::kRequestSuccessRate, flagger::BuiltinMetric::kRequestDuration}) {
      // What Flagger sends (whitespace collapsed) and the template as rendered, untrimmed.
      out.push_back({flagger::prometheusQuery(flagger::Observer::kIstio, metric, m)});
      out.push_back({flagger::renderBuiltinQuery(flagger::Observer::kIstio, metric, m)});
    }
  }
  m.target = "podinfo";
  m.interval = "5m";
  out.push_back({flagger::prometheusQuery(flagger::Observer::kIstio,
                                          flagger::BuiltinMetric::kRequestDuration, m)});
  const std::vector<Case> more = {
      {"istio_requests_total", true},
      {"istio_requests_total offset 1m", true},
      {"istio_requests_total offset -30s", true},
      {"rate(istio_requests_total[1m])", true},
      {"rate(istio_requests_total[1m30s])", true},
      {"rate(istio_requests_total[90s] offset 30s)", true},
      {"irate(istio_requests_total{response_code=\"200\"}[1m])", true},
      {"increase(istio_requests_total[2m])", true},
      {"delta(istio_request_duration_milliseconds_sum[1m])", true},
      {"idelta(istio_request_duration_milliseconds_count[1m])", true},
      {"sum by (destination_workload) (rate(istio_requests_total[1m]))", true},
      {"sum(rate(istio_requests_total[1m])) without (response_code)", true},
      {"avg(rate(istio_requests_total[1m])) by (response_code)", true},
      {"count by (destination_workload) (istio_request_duration_milliseconds_bucket)", true},
      {"min(rate(istio_requests_total[1m]))", true},
      {"max by (reporter) (rate(istio_requests_total[1m]))", true},
      {"stddev(rate(istio_requests_total[1m]))", true},
      {"stdvar by (destination_workload) (rate(istio_requests_total[1m]))", true},
      {"quantile(0.3, rate(istio_requests_total[1m]))", true},
      {"group by (response_code) (istio_requests_total)", true},
      {"histogram_quantile(0.5, sum by (le, destination_workload) "
       "(rate(istio_request_duration_milliseconds_bucket[5m])))"},
      {"histogram_quantile(0.9, rate(istio_request_duration_milliseconds_bucket{destination_"
       "workload=\"podinfo\"}[1m]))"},
      {"histogram_quantile(0, sum by (le) (rate(istio_request_duration_milliseconds_bucket[1m])))"},
      {"histogram_quantile(1, sum by (le) (rate(istio_request_duration_milliseconds_bucket[1m])))"},
      {"histogram_quantile(1.5, sum by (le) "
       "(rate(istio_request_duration_milliseconds_bucket[1m])))"},
      {"histogram_quantile(-1, sum by (le) "
       "(rate(istio_request_duration_milliseconds_bucket[1m])))"},
      {"histogram_quantile(NaN, sum by (le) "
       "(rate(istio_request_duration_milliseconds_bucket[1m])))"},
      {"histogram_quantile(0.99, istio_request_duration_milliseconds_bucket)"},
      {"histogram_quantile(0.5, rl_hist_bucket)"},
      {"histogram_quantile(0.1, rl_hist_bucket)"},
      {"histogram_quantile(0.95, rate(rl_hist_bucket[1m]))"},
      {"histogram_quantile(0.5, {__name__=~\"rl_hist_bucket|istio_request_duration_"
       "milliseconds_bucket\"})"},
      {"sum(rate(istio_request_duration_milliseconds_sum[1m])) / "
       "sum(rate(istio_request_duration_milliseconds_count[1m]))"},
      {"rate(istio_requests_total[1m]) / ignoring(response_code) group_left "
       "sum without(response_code) (rate(istio_requests_total[1m]))",
       true},
      {"sum without(response_code) (rate(istio_requests_total[1m])) / ignoring(response_code) "
       "group_right rate(istio_requests_total[1m])",
       true},
      {"rate(istio_requests_total[1m]) / on(destination_workload) "
       "sum by (destination_workload) (rate(istio_requests_total[1m]))"},
      {"istio_requests_total / ignoring(response_code) istio_request_duration_milliseconds_count"},
      {"istio_requests_total - on(destination_workload, reporter, "
       "destination_workload_namespace) group_left(le) "
       "istio_request_duration_milliseconds_bucket"},
      {"rate(istio_requests_total[1m]) > 5", true},
      {"rate(istio_requests_total[1m]) > bool 5", true},
      {"5 < rate(istio_requests_total[1m])", true},
      {"istio_requests_total > 100", true},
      {"istio_requests_total >= bool 100", true},
      {"istio_requests_total == istio_requests_total", true},
      {"istio_requests_total != bool istio_requests_total", true},
      {"istio_requests_total{response_code=\"200\"} and istio_requests_total", true},
      {"istio_requests_total or rl_gauge", true},
      {"istio_requests_total unless on(response_code) istio_requests_total{response_code=\"500\"}",
       true},
      {"-istio_requests_total", true},
      {"+istio_requests_total", true},
      {"-rate(istio_requests_total[1m])", true},
      {"1 + 2 * 3 ^ 2"},
      {"-2 ^ 2"},
      {"2 ^ 3 ^ 2"},
      {"(1 + 2) * 3 % 4 - 10 / 4"},
      {"-(1)"},
      {"1 > bool 2"},
      {"0x1f + 010 + 1e2 + .5"},
      {"Inf - Inf"},
      {"NaN == bool NaN"},
      {"scalar(sum(rate(istio_requests_total[1m])))"},
      {"scalar(rate(istio_requests_total[1m]))"},
      {"vector(1) + 5"},
      {"time()"},
      {"timestamp(istio_requests_total)", true},
      {"timestamp(rate(istio_requests_total[1m]))", true},
      {"abs(rl_gauge)", true},
      {"ceil(rl_gauge)", true},
      {"floor(rl_gauge)", true},
      {"round(rl_gauge)", true},
      {"round(rl_gauge, 0.3)", true},
      {"clamp_min(rl_gauge, 0)", true},
      {"clamp_max(rl_gauge, 0)", true},
      {"clamp(rl_gauge, -5, 5)", true},
      {"clamp(rl_gauge, 5, -5)", true},
      {"sqrt(abs(rl_gauge))", true},
      {"ln(rl_gauge)", true},
      {"exp(rl_gauge / 10)", true},
      {"sgn(rl_gauge)", true},
      {"rl_gauge % 7", true},
      {"rl_gauge ^ 2", true},
      {"sort(rl_gauge)", true},
      {"sort_desc(rl_gauge)", true},
      {"absent(nonexistent{job=\"x\", instance=~\"y\"})"},
      {"absent(istio_requests_total)"},
      {"absent_over_time(nonexistent{job=\"x\"}[1m])"},
      {"absent_over_time(rl_gauge[1m])"},
      {"present_over_time(rl_gauge[1m])", true},
      {"sum_over_time(rl_gauge[2m])", true},
      {"avg_over_time(rl_gauge[2m])", true},
      {"max_over_time(rl_gauge[2m])", true},
      {"min_over_time(rl_gauge[2m])", true},
      {"count_over_time(rl_gauge[2m])", true},
      {"last_over_time(rl_gauge[2m])", true},
      {"quantile_over_time(0.25, rl_gauge[5m])", true},
      {"stddev_over_time(rl_gauge[5m])", true},
      {"stdvar_over_time(rl_gauge[5m])", true},
      {"changes(rl_gauge[5m])", true},
      {"resets(rl_counter_total[5m])", true},
      {"rate(rl_counter_total[1m])", true},
      {"rate(rl_counter_total[5m])", true},
      {"increase(rl_counter_total[3m])", true},
      {"irate(rl_counter_total[1m])", true},
      {"delta(rl_counter_total[2m])", true},
      {"rl_counter_total", true},
      {"rl_gauge", true},
      {"rate({__name__=~\"istio_request_duration_milliseconds_(count|sum)\"}[1m])"},
      {"{__name__=~\"istio_request_duration_milliseconds_(count|sum)\", "
       "destination_workload=\"podinfo\", reporter=\"destination\"} * 1"},
      {"rate(istio_requests_total{destination_workload=~\"(?i)PODINFO.*\"}[1m])", true},
      {"rate(istio_requests_total{response_code!~\"2..\"}[1m])", true},
      {"rate(istio_requests_total{destination_workload!=\"podinfo\"}[1m])", true},
      {"rate(istio_requests_total{destination_workload=~\"podinfo-[a-z]+\"}[1m])", true},
      {"sum by (destination_workload) (rate(istio_requests_total{reporter=~\"dest.*\"}[1m])) "
       "/ sum by (destination_workload) (rate(istio_requests_total[1m]))",
       true},
  };
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

std::vector<double> times(double duration, std::optional<double> changeAt) {
  std::vector<double> t = {kStart - 15,     kStart,          kStart + 1,      kStart + 7.5,
                           kStart + 14.999, kStart + 15,     kStart + 30,     kStart + 45.25,
                           kStart + 60,     kStart + 61.234, kStart + 75,     kStart + 90,
                           kStart + 299.9,  kStart + 600,    kStart + 601.001};
  if (changeAt) {
    for (double d : {-30.0, -1.0, 0.0, 7.0, 15.0, 59.5, 60.0, 120.0})
      t.push_back(kStart + *changeAt + d);
  }
  const double end = kStart + duration;
  for (double d : {-15.0, -0.5, 0.0, 0.25, 30.0, 59.0, 60.0, 61.0, 299.0, 300.0, 301.0}) {
    t.push_back(end + d);
  }
  return t;
}

void compareAll(PromFixture& fx, double duration, std::optional<double> changeAt) {
  const auto qs = cases();
  const auto ts = times(duration, changeAt);
  std::vector<std::pair<std::string, double>> requests;
  for (const auto& c : qs) {
    for (double t : ts) requests.emplace_back(c.query, t);
  }
  const auto answers = fx.query(requests);
  ASSERT_EQ(answers.size(), requests.size()) << "curl did not answer every request";
  std::size_t k = 0;
  int failures = 0;
  struct {
    int errors = 0;
    int scalars = 0;
    int empty = 0;
    int vectors = 0;
    std::size_t elements = 0;
  } stats;

  for (const auto& c : qs) {
    PreparedQuery q = parse(c.query);
    for (double t : ts) {
      const auto& ours = q.evaluate(fx.store(), t);
      std::string why;
      if (!agree(answers[k], ours, why)) {
        ADD_FAILURE() << "query " << c.query << " at " << formatTime(t) << ": " << why;
        ++failures;
      } else if (c.orderMatters && !sameOrder(answers[k], ours)) {
        ADD_FAILURE() << "query " << c.query << " at " << formatTime(t)
                      << ": elements in a different order";
        ++failures;
      }
      ++k;
      if (ours.kind == ResultKind::kError) {
        ++stats.errors;
      } else if (ours.kind == ResultKind::kScalar) {
        ++stats.scalars;
      } else if (ours.vector.empty()) {
        ++stats.empty;
      } else {
        ++stats.vectors;
        stats.elements += ours.vector.size();
      }
      if (failures > 40) return;
    }
  }
  // The comparison covers every kind of answer, not mostly empty ones.
  EXPECT_GT(stats.errors, 50);
  EXPECT_GT(stats.scalars, 100);
  EXPECT_GT(stats.empty, 100);
  EXPECT_GT(stats.vectors, 1000);
  EXPECT_GT(stats.elements, 5000u);
}

// One Prometheus per dataset and per test process (ctest runs each test case on its own).
template <class Tag>
class PrometheusCompare : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixture_ = new PromFixture(Tag::dataset());
    if (!fixture_->start()) error_ = fixture_->error();
  }
  static void TearDownTestSuite() {
    if (fixture_ != nullptr) fixture_->stop();
    delete fixture_;
    fixture_ = nullptr;
  }
  static PromFixture* fixture_;
  static std::string error_;
};
template <class Tag>
PromFixture* PrometheusCompare<Tag>::fixture_ = nullptr;
template <class Tag>
std::string PrometheusCompare<Tag>::error_;

struct Steady {
  static Dataset dataset() { return {"steady", "--duration 1h --seed 42 --source-reporter", 3600}; }
};
// The --change-at regression: the canary's error rate and p99 jump half-way, with a low canary
// traffic so that windows hold few requests.
struct Regression {
  static Dataset dataset() {
    return {"regression",
            "--duration 1h --change-at 30m --canary-error-rate-after 0.2 "
            "--canary-p99-ms-after 800 --seed 7 --canary-rps 3",
            3600};
  }
};

using PrometheusCompareSteady = PrometheusCompare<Steady>;
using PrometheusCompareRegression = PrometheusCompare<Regression>;

TEST_F(PrometheusCompareSteady, AllQueriesAgree) {
  ASSERT_TRUE(error_.empty()) << error_;
  compareAll(*fixture_, 3600, std::nullopt);
}

TEST_F(PrometheusCompareRegression, AllQueriesAgree) {
  ASSERT_TRUE(error_.empty()) << error_;
  compareAll(*fixture_, 3600, 1800);
}

TEST_F(PrometheusCompareRegression, FlaggerQueriesSeeTheRegression) {
  // The comparison above proves agreement; this checks the data carries the regression, so
  // that agreement is not on trivially empty answers.
  ASSERT_TRUE(error_.empty()) << error_;
  flagger::MetricTemplateModel m;
  m.namespace_ = "test";
  m.target = "podinfo";
  m.interval = "1m";
  PreparedQuery sr = parse(flagger::prometheusQuery(
      flagger::Observer::kIstio, flagger::BuiltinMetric::kRequestSuccessRate, m));
  PreparedQuery p99 = parse(flagger::prometheusQuery(flagger::Observer::kIstio,
                                                     flagger::BuiltinMetric::kRequestDuration, m));
  const auto& before = sr.evaluate(fixture_->store(), kStart + 1500);
  ASSERT_EQ(before.vector.size(), 1u);
  EXPECT_GT(before.vector[0].value, 90);
  const auto& after = sr.evaluate(fixture_->store(), kStart + 3000);
  ASSERT_EQ(after.vector.size(), 1u);
  EXPECT_LT(after.vector[0].value, 90);
  const auto& slow = p99.evaluate(fixture_->store(), kStart + 3000);
  ASSERT_EQ(slow.vector.size(), 1u);
  EXPECT_GT(slow.vector[0].value, 500);
}

}  // namespace
