// The exit-code map (app/src/cmd_main.cpp runGuarded): an internal error is exit 3 with one line
// asking for a report, apart from bad input (exit 1). The engine's own failure to settle is the
// internal error that reaches it; no command line can force one, so the command here runs the
// engine with its reconcile limit lowered below what the instant needs.

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "argo_fixtures.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/sim/batch.h"

namespace ar = rolloutlab::core::argo;
namespace app = rolloutlab::app;

namespace {

int runUnsettledEngine(const std::vector<std::string>&, app::Streams& io) {
  const auto f = rolloutlab::test::loadArgo(
      rolloutlab::test::canaryRollout("        - setWeight: 20\n        - pause: {}\n", "", 5));
  const ar::ArgoEngine engine(f.rollouts.at(0), f.catalog, ar::ArgoEngineOptions{1});
  ar::ArgoState s = engine.initialState();
  rolloutlab::test::FakeArgoWorld world;
  std::vector<ar::ArgoEvent> out;
  engine.applyNewRevision(s, 0, world, out);
  io.out << "settled\n";
  return 0;
}

int runBadInput(const std::vector<std::string>&, app::Streams&) {
  throw rolloutlab::core::InputError(
      {rolloutlab::core::Severity::kError, "x.yaml", 3, 0, "spec.replicas", "-1", "must be >= 0"});
}

// A batch whose replicate `kFailingReplicate` of one pair runs the engine that does not settle;
// every other run is an ordinary (empty) summary. The error is raised on a worker thread.
constexpr std::uint64_t kFailingReplicate = 137;

class UnsettledWorker final : public rolloutlab::sim::PairWorker {
 public:
  explicit UnsettledWorker(std::uint64_t failingSeed) : failingSeed_(failingSeed) {}
  rolloutlab::sim::RunSummary run(std::uint64_t seed,
                                  const std::vector<rolloutlab::sim::JudgeSpec>&) override {
    if (seed == failingSeed_) {
      std::ostringstream out, err;
      std::istringstream in;
      app::Streams io{in, out, err};
      runUnsettledEngine({}, io);  // throws core::InternalError
    }
    return {};
  }

 private:
  std::uint64_t failingSeed_;
};

class UnsettledPlan final : public rolloutlab::sim::PairPlan {
 public:
  explicit UnsettledPlan(std::uint64_t failingSeed) : failingSeed_(failingSeed) {}
  std::unique_ptr<rolloutlab::sim::PairWorker> makeWorker() const override {
    return std::make_unique<UnsettledWorker>(failingSeed_);
  }

 private:
  std::uint64_t failingSeed_;
};

int gBatchThreads = 1;

int runBatchWithUnsettledEngine(const std::vector<std::string>&, app::Streams& io) {
  const std::uint64_t pairSeed = 42;
  const UnsettledPlan failing(rolloutlab::sim::replicateSeed(pairSeed, kFailingReplicate));
  const UnsettledPlan fine(~0ull);
  rolloutlab::sim::PairRunOptions o;
  o.runs = 1000;
  o.threads = gBatchThreads;
  const auto runs = rolloutlab::sim::runPairs({&fine, &failing}, {7, pairSeed}, o);
  io.out << runs.aggregates.size() << " pairs\n";
  return 0;
}

struct Captured {
  int code;
  std::string out, err;
};

Captured run(int (*fn)(const std::vector<std::string>&, app::Streams&)) {
  std::istringstream in;
  std::ostringstream out, err;
  app::Streams io{in, out, err};
  const int code = app::runGuarded("simulate", fn, {}, io);
  return {code, out.str(), err.str()};
}

}  // namespace

TEST(ExitCodes, AnEngineThatDoesNotSettleIsAnInternalErrorExit3) {
  const Captured r = run(runUnsettledEngine);
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(r.out, "");
  const std::string suffix = " (an internal error: please report it with the input files)\n";
  ASSERT_GE(r.err.size(), suffix.size()) << r.err;
  EXPECT_EQ(r.err.substr(r.err.size() - suffix.size()), suffix) << r.err;
  EXPECT_EQ(r.err.rfind("error: test.yaml:", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("did not settle at t=0s after 2 reconciles"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(ExitCodes, BadInputStaysExit1WithoutTheReportRequest) {
  const Captured r = run(runBadInput);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "error: x.yaml:3: spec.replicas = -1: must be >= 0\n");
}

// A batch worker thread that meets the engine's internal error ends the command the way a
// single run does: exit 3, one line asking for a report, nothing on stdout, whatever the
// thread count.
TEST(ExitCodes, AnInternalErrorInABatchWorkerIsExit3) {
  for (int threads : {1, 2, 5}) {
    gBatchThreads = threads;
    const Captured r = run(runBatchWithUnsettledEngine);
    EXPECT_EQ(r.code, 3) << "threads " << threads << ": " << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("did not settle at t=0s after 2 reconciles"), std::string::npos) << r.err;
    const std::string suffix = " (an internal error: please report it with the input files)\n";
    ASSERT_GE(r.err.size(), suffix.size()) << r.err;
    EXPECT_EQ(r.err.substr(r.err.size() - suffix.size()), suffix) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

// The worker keeps the error's type: runPairs rethrows the core::InternalError itself.
TEST(ExitCodes, BatchWorkersRethrowTheErrorTheyMet) {
  gBatchThreads = 3;
  std::istringstream in;
  std::ostringstream out, err;
  app::Streams io{in, out, err};
  EXPECT_THROW(runBatchWithUnsettledEngine({}, io), rolloutlab::core::InternalError);
}
