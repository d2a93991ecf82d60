// Golden scripted Argo Rollouts traces (scenarios/golden/argo/*.yaml): each file holds a Rollout,
// its AnalysisTemplates and a Script; the .expected file beside it holds the event trace worked
// out by hand from the argo-rollouts controller (the derivation is in the .yaml's header).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/io/argo_report.h"
#include "rolloutlab/scenarios/argo_world.h"
#include "test_support.h"

namespace fs = std::filesystem;
namespace ar = rolloutlab::core::argo;
using rolloutlab::app::loadWorkspace;

namespace {

std::vector<std::string> goldenNames() {
  std::vector<std::string> names;
  for (const auto& e :
       fs::directory_iterator(rolloutlab::test::sourceDir() + "/scenarios/golden/argo")) {
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> expectedLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    const auto b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;
    lines.push_back(line.substr(b));
  }
  return lines;
}

}  // namespace

class ArgoGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(ArgoGolden, TraceMatchesHandDerivedExpectation) {
  const std::string base = rolloutlab::test::sourceDir() + "/scenarios/golden/argo/" + GetParam();
  auto ws = loadWorkspace({base + ".yaml"});
  ASSERT_EQ(ws.diagnostics.errors(), 0) << ws.diagnostics.items.front().toString();
  ASSERT_EQ(ws.rollouts.size(), 1u);
  ASSERT_EQ(ws.scripts.size(), 1u);
  const ar::ArgoEngine engine(ws.rollouts.front(), ws.argoTemplates);
  const auto run = ar::runArgoScript(engine, ws.scripts.front());
  std::vector<std::string> got;
  // While the router holds managed routes, the line also gives the split they make with the
  // Scenario's default match fractions (header routes 0.1, mirror routes 1): the canary's share
  // of user requests and the share copied to it.
  const rolloutlab::sim::TrafficSpec defaults;
  for (const auto& e : run.events) {
    std::ostringstream line;
    line.imbue(std::locale::classic());
    line << rolloutlab::io::argoEventLine(e);
    if (!e.state.routes.empty()) {
      const auto split = rolloutlab::sim::argoSplit(e.state, defaults);
      line << " split canary=" << split.canary << " mirrored=" << split.mirrored;
    }
    got.push_back(line.str());
  }
  std::ostringstream o;
  o << "outcome " << ar::toString(run.outcome.result) << " " << ar::toString(run.outcome.phase)
    << " " << run.outcome.t;
  got.push_back(o.str());
  EXPECT_EQ(got, expectedLines(base + ".expected"));
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ArgoGolden, ::testing::ValuesIn(goldenNames()),
                         [](const auto& p) {
                           std::string n = p.param;
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(ArgoGolden, AtLeastFifteenCases) { EXPECT_GE(goldenNames().size(), 15u); }
