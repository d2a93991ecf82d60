// Golden scripted traces (scenarios/golden/flagger/*.yaml): each file holds a Canary and a
// Script; the .expected file beside it holds the trace worked out by hand from Flagger's
// scheduler (the derivation is in the .yaml's header comment).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/flagger/run.h"
#include "rolloutlab/io/flagger_decode.h"
#include "test_support.h"

namespace fs = std::filesystem;
namespace fl = rolloutlab::core::flagger;
using rolloutlab::app::loadWorkspace;

namespace {

std::vector<std::string> goldenNames() {
  std::vector<std::string> names;
  for (const auto& e :
       fs::directory_iterator(rolloutlab::test::sourceDir() + "/scenarios/golden/flagger")) {
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string renderTick(const fl::TickRecord& t) {
  std::ostringstream s;
  s << t.tick << " " << t.t << " " << fl::toString(t.status.phase) << " " << t.routes.primaryWeight
    << " " << t.routes.canaryWeight << " " << (t.routes.mirrored ? "true" : "false") << " | "
    << t.status.canaryWeight << " " << t.status.failedChecks << " " << t.status.iterations;
  return s.str();
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

class FlaggerGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(FlaggerGolden, TraceMatchesHandDerivedExpectation) {
  const std::string base =
      rolloutlab::test::sourceDir() + "/scenarios/golden/flagger/" + GetParam();
  auto ws = loadWorkspace({base + ".yaml"});
  ASSERT_EQ(ws.diagnostics.errors(), 0) << ws.diagnostics.items.front().toString();
  ASSERT_EQ(ws.canaries.size(), 1u);
  ASSERT_EQ(ws.scripts.size(), 1u);
  const auto& c = ws.canaries.front();
  fl::FlaggerEngine engine(c, rolloutlab::io::resolveTemplates(c, ws.metricTemplates));
  const auto run = fl::runScript(engine, ws.scripts.front());
  std::vector<std::string> got;
  for (const auto& t : run.ticks) got.push_back(renderTick(t));
  std::ostringstream o;
  o << "outcome " << fl::toString(run.outcome.result) << " " << fl::toString(run.outcome.phase)
    << " " << run.outcome.tick << " " << run.outcome.t;
  got.push_back(o.str());
  EXPECT_EQ(got, expectedLines(base + ".expected"));
}

INSTANTIATE_TEST_SUITE_P(Scenarios, FlaggerGolden, ::testing::ValuesIn(goldenNames()),
                         [](const auto& p) {
                           std::string n = p.param;
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(FlaggerGolden, AtLeastFifteenCases) { EXPECT_GE(goldenNames().size(), 15u); }
