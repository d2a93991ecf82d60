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
