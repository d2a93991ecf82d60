// What fuzzing found stays fixed: every input under tests/data/fuzz-regressions/<target>/ (a
// crash, hang or runaway allocation libFuzzer reported, docs/fuzzing.md) goes through the same
// harness as fuzz_<target>, as do the committed seeds of fuzz/corpus/<target>/. Each must
// finish quickly; the sanitizer builds (make test-asan) catch memory errors on the way.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/argo/expr/expr.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/go/duration.h"
#include "rolloutlab/core/promql/memory_series_store.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/replay/recording.h"
#include "rolloutlab/replay/traffic.h"
#include "rolloutlab/sim/mesh.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace {

struct Input {
  std::string target;
  fs::path path;
};

std::vector<Input> inputsUnder(const fs::path& root) {
  std::vector<Input> out;
  if (!fs::is_directory(root)) return out;
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path()))
      if (f.is_regular_file()) out.push_back({dir.path().filename().string(), f.path()});
  }
  std::sort(out.begin(), out.end(), [](const Input& a, const Input& b) { return a.path < b.path; });
  return out;
}

/// Runs every input through its harness; each must return within `limit`.
void replayAll(const std::vector<Input>& inputs, std::chrono::seconds limit) {
  for (const Input& in : inputs) {
    SCOPED_TRACE(in.path.string());
    const auto fn = rolloutlab::fuzz::harness(in.target);
    ASSERT_NE(fn, nullptr) << "no fuzz target named " << in.target;
    const std::string data = rolloutlab::test::readFile(in.path.string());
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(fn(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, limit);
  }
}

}  // namespace

TEST(FuzzRegressions, FoundInputsRunThroughTheirParsersQuickly) {
  const auto inputs = inputsUnder(fs::path(rolloutlab::test::dataDir()) / "fuzz-regressions");
  ASSERT_FALSE(inputs.empty());
  replayAll(inputs, std::chrono::seconds(10));
}

TEST(FuzzRegressions, SeedCorporaRunThroughEveryHarness) {
  const auto inputs = inputsUnder(fs::path(rolloutlab::test::sourceDir()) / "fuzz" / "corpus");
  std::set<std::string> targets;
  for (const Input& in : inputs) targets.insert(in.target);
  EXPECT_GE(targets.size(), 7u);
  replayAll(inputs, std::chrono::seconds(10));
}

// PromQL nested a few thousand levels deep (parentheses, unary minus, calls, `^`, a long `+`
// chain) overflowed the stack of the recursive parser, type check or evaluator: `simulate`
// died with SIGSEGV on such a MetricTemplate. Prometheus has no such limit (Go grows its stack),
// so rolloutlab refuses past 200 levels with a message, and accepts what real queries nest.
TEST(FuzzRegressions, DeeplyNestedPromqlIsRefusedWithAMessage) {
  namespace pq = rolloutlab::core::promql;
  const auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  for (const int n : {201, 5000}) {
    for (const std::string& q : {repeat("(", n) + "1" + repeat(")", n), repeat("- ", n) + "m",
                                 repeat("abs(", n) + "m" + repeat(")", n), "m" + repeat(" + m", n),
                                 "2" + repeat("^2", n)}) {
      SCOPED_TRACE(q.substr(0, 40));
      try {
        (void)pq::parse(q);
        ADD_FAILURE() << "parsed";
      } catch (const rolloutlab::core::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("query is nested too deeply (more than 200 levels)"),
                  std::string::npos)
            << e.what();
      }
    }
  }
  // 150 levels still parse and evaluate (-(-(...1)) folds to a number; the chain sums).
  pq::MemorySeriesStore store;
  store.append(pq::Labels{{"__name__", "m"}}, 1000, 2);
  pq::PreparedQuery chain = pq::parse("m" + repeat(" + m", 149));
  const auto& r = chain.evaluate(store, 1.0);
  ASSERT_EQ(r.kind, pq::ResultKind::kVector);
  ASSERT_EQ(r.vector.size(), 1u);
  EXPECT_EQ(r.vector[0].value, 300);
  pq::PreparedQuery parens = pq::parse(repeat("(", 150) + "m * 2" + repeat(")", 150));
  const auto& p = parens.evaluate(store, 1.0);
  ASSERT_EQ(p.vector.size(), 1u);
  EXPECT_EQ(p.vector[0].value, 4);
}

// An Argo condition with a byte that is not UTF-8 (`res\x8flt`, e.g. from a mangled YAML file)
// made the lexer's backup step over the rune before it too, so it emitted empty identifiers
// forever (hang, then out of memory). Go reads the byte as one U+FFFD rune and refuses it.
TEST(FuzzRegressions, ArgoConditionWithAnInvalidByteIsRefused) {
  namespace ar = rolloutlab::core::argo;
  for (const std::string& src :
       {std::string("res\x8flt[0] >= 0.99"), std::string("a\x80"), std::string("\xe2\x82x == 1")}) {
    const auto start = std::chrono::steady_clock::now();
    const ar::CompiledExpr e = ar::compileLenient(src);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.compileError()->message.find("unrecognized character: U+FFFD"), std::string::npos)
        << e.compileError()->message;
  }
}

// An access-log request dated before 1970 (`"start_time":"1012-01-01T00:00:10Z"`) crashed the
// recording: its step, packed into a key shifted left, came back as a huge row index.
TEST(FuzzRegressions, RequestsBefore1970AreRecordedAtTheirStep) {
  namespace rp = rolloutlab::replay;
  rp::TrafficRecording r(rolloutlab::sim::meshLayout("istio"), 15, true);
  std::string error;
  ASSERT_TRUE(r.add(-30.5, rp::Variant::kPrimary, 200, 12, &error)) << error;
  ASSERT_TRUE(r.add(-1, rp::Variant::kPrimary, 503, 40, &error)) << error;
  r.finish();
  EXPECT_EQ(r.requests(rp::Variant::kPrimary), 2u);
}

// A saved query_range answer with a sample time of 1.7e16 s overflowed the signed millisecond
// conversion (UBSan). Prometheus stores int64 milliseconds: a time beyond that is refused with
// its place in the file; one at the edge still converts; the conversion itself saturates.
TEST(FuzzRegressions, SampleTimesBeyondInt64MillisecondsAreRefused) {
  namespace pq = rolloutlab::core::promql;
  namespace rp = rolloutlab::replay;
  const auto answer = [](const std::string& t) {
    return R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[)" +
           t + R"(,"1"]]}]}})";
  };
  for (const std::string t : {"17040671904067320", "-9.3e15", "1e300"}) {
    SCOPED_TRACE(t);
    try {
      (void)rp::parseQueryRange(answer(t), "answer.json", "m", std::nullopt);
      ADD_FAILURE() << "accepted";
    } catch (const rolloutlab::core::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("answer.json:1"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("outside what Prometheus can store"), std::string::npos)
          << e.what();
    }
  }
  const auto ok = rp::parseQueryRange(answer("9.2e15"), "answer.json", "m", std::nullopt);
  ASSERT_EQ(ok.series.size(), 1u);
  EXPECT_EQ(pq::apiTimeToMs(9.2e15), 9200000000000000000);
  EXPECT_EQ(pq::apiTimeToMs(1e300), std::numeric_limits<pq::TimestampMs>::max());
  EXPECT_EQ(pq::apiTimeToMs(-1e300), std::numeric_limits<pq::TimestampMs>::min());
}

// An access-log request whose duration is 4.9e62 ms ends far beyond what a scrape step (int64
// milliseconds) can hold: the conversion overflowed (UBSan). It is refused with a message.
TEST(FuzzRegressions, ARequestEndingBeyondInt64MillisecondsIsRefused) {
  namespace rp = rolloutlab::replay;
  rp::TrafficRecording r(rolloutlab::sim::meshLayout("istio"), 15, true);
  std::string error;
  EXPECT_FALSE(r.add(4.9e59, rp::Variant::kCanary, 200, 12, &error));
  EXPECT_EQ(error, "the request's end time is outside what Prometheus can store");
  EXPECT_FALSE(
      r.add(std::numeric_limits<double>::infinity(), rp::Variant::kCanary, 200, 12, &error));
  ASSERT_TRUE(r.add(1704067200.5, rp::Variant::kCanary, 200, 12, &error)) << error;
}

// A Judge whose lifetime was 9.9e59 minutes (a duration string) or 1e300 (seconds) overflowed
// the int64 seconds the Kayenta stage holds (UBSan). Go's time.ParseDuration refuses a duration
// beyond int64 nanoseconds ("time: invalid duration"), so Flagger and Argo never see one:
// parseDuration refuses it too, every duration field's seconds are held to the same bound, and
// the error names the field.
TEST(FuzzRegressions, DurationsBeyondGosLongestAreRefused) {
  namespace go = rolloutlab::core::go;
  EXPECT_EQ(*go::parseDuration("2562047h"), 2562047.0 * 3600);  // Go accepts it
  EXPECT_NEAR(*go::parseDuration("2562047h47m16.854775807s"), go::kMaxDurationSeconds, 1e-5);
  EXPECT_EQ(*go::parseDuration("-2562047h"), -2562047.0 * 3600);
  for (const std::string s :
       {"2562048h", "2562047h48m", "9223372037s", "3000000h", "988888888888888888888888888888888m",
        "2000000h2000000h", "-2562048h"}) {
    EXPECT_FALSE(go::parseDuration(s)) << s;  // Go: time: invalid duration
  }

  const auto judge = [](const std::string& lifetime) {
    return "apiVersion: rolloutlab.io/v1alpha1\nkind: Judge\nmetadata:\n  name: j\nspec:\n"
           "  kayenta:\n    lifetime: " +
           lifetime +
           "\n    interval: 3m\n    metrics:\n      - {name: error-rate, source: errorRate, "
           "direction: increase, groups: [errors]}\n";
  };
  for (const std::string lifetime : {"1e300", "9223372037", "\"2562048h\"", ".inf"}) {
    SCOPED_TRACE(lifetime);
    const std::string text = judge(lifetime);
    const auto ws = rolloutlab::app::loadWorkspace({"-"}, &text);
    ASSERT_EQ(ws.diagnostics.errors(), 1);
    const std::string msg = ws.diagnostics.items.at(0).toString();
    EXPECT_NE(msg.find("<stdin>:7: spec.kayenta.lifetime = "), std::string::npos) << msg;
    EXPECT_NE(msg.find("at most 2562047h (Go's time.Duration)"), std::string::npos) << msg;
  }
  // The longest still loads (and is a valid lifetime).
  const std::string longest = judge("2562047h");
  EXPECT_EQ(rolloutlab::app::loadWorkspace({"-"}, &longest).diagnostics.errors(), 0);
}

// The same class in a Rollout: a pause's duration string is read as int32(d.Seconds())
// (types.go RolloutPause.DurationSeconds), so `1000000h` (3.6e9 s) overflowed the int it was
// cast to (UBSan), and an int-or-string number beyond int32, which intstr cannot decode (the
// API server refuses the object), was narrowed to a wrong value. Both are refused by field.
TEST(FuzzRegressions, RolloutPausesBeyondInt32SecondsAreRefused) {
  const std::string rollout = rolloutlab::test::readFile(rolloutlab::test::sourceDir() +
                                                         "/examples/apps/storefront/rollout.yaml");
  const std::string pause = "pause: {duration: 5m}";
  ASSERT_NE(rollout.find(pause), std::string::npos);
  const auto errorsOf = [&](const std::string& duration) {
    std::string text = rollout;
    text.replace(text.find(pause), pause.size(), "pause: {duration: " + duration + "}");
    std::vector<std::string> out;
    for (const auto& d : rolloutlab::app::loadWorkspace({"-"}, &text).diagnostics.items)
      if (d.field.find("pause.duration") != std::string::npos) out.push_back(d.toString());
    return out;
  };
  for (const std::string duration : {"1000000h", "596524h", "-596524h"}) {
    const auto errors = errorsOf(duration);
    ASSERT_EQ(errors.size(), 1u) << duration;
    EXPECT_NE(errors[0].find("steps[3].pause.duration = \"" + duration +
                             "\": longer than the controller's int32 seconds"),
              std::string::npos)
        << errors[0];
  }
  for (const std::string duration : {"2147483648", "-2147483649", "9999999999"}) {
    const auto errors = errorsOf(duration);
    ASSERT_EQ(errors.size(), 1u) << duration;
    EXPECT_NE(errors[0].find("pause.duration = " + duration +
                             ": out of range for an int-or-string's int32"),
              std::string::npos)
        << errors[0];
  }
  // The longest of each form still loads: 596523h is 2147482800 s.
  for (const std::string duration : {"596523h", "2147483647", "\"2147483647\""})
    EXPECT_TRUE(errorsOf(duration).empty()) << duration;
}
