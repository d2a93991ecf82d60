// The PromQL evaluator's fast path (the shapes of Flagger's builtin queries) side by side with
// the generic evaluator on every tick of every scenario of the library, for every mesh the
// synthetic world exports: on each tick each check of the podinfo Canary is evaluated for the
// canary and for the primary with the fast path, then again with the generic evaluator on the
// same state, and the answers must be equal to the bit. A second run with the fast path off
// must then take the same decisions and see the same values on every tick (the fast path reads
// the same series in the same order, so it draws the same).

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/promql/fast_path.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/scenarios/flagger_world.h"
#include "rolloutlab/sim/flagger_loop.h"
#include "test_support.h"

namespace fl = rolloutlab::core::flagger;
namespace pq = rolloutlab::core::promql;
namespace sim = rolloutlab::sim;
using namespace rolloutlab::scenarios;

namespace {

std::uint64_t bits(double v) {
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

std::string show(const fl::MetricAnswer& a) {
  return std::to_string(static_cast<int>(a.kind)) + " " + std::to_string(bits(a.value)) + " " +
         a.message;
}

// Records every tick's decisions and check values; with `compare`, checks the fast path
// against the generic evaluator on every check, canary and primary.
class SideBySide final : public sim::FlaggerObserver {
 public:
  SideBySide(const fl::CanarySpec& canary, bool compare, std::string where)
      : canary_(canary), compare_(compare), where_(std::move(where)) {}

  void onTick(const fl::TickRecord& rec, sim::FlaggerRunWorld& world,
              const sim::ShadowJudges&) override {
    std::string row = std::to_string(rec.t) + " " + fl::toString(rec.status.phase) + " " +
                      std::to_string(rec.routes.canaryWeight) + " " +
                      std::to_string(rec.status.failedChecks);
    for (const auto& m : rec.metrics) {
      row += " [" + std::to_string(static_cast<int>(m.result)) + " " +
             std::to_string(bits(m.value)) + "]";
    }
    for (std::size_t i = 0; i < canary_.analysis.metrics.size(); ++i) {
      for (int k = 0; k < 4; ++k) {
        const auto kind = static_cast<fl::CheckKind>(k);
        const int mi = static_cast<int>(i);
        if (!world.answersCheck(mi, kind)) continue;
        const fl::MetricAnswer canary = world.peekCheck(rec.t, mi, kind);
        const auto primary = world.peekPrimaryCheck(rec.t, mi, kind);
        row += " " + show(canary) + (primary ? " " + show(*primary) : "");
        if (!compare_) continue;
        pq::setFastPath(false);
        const fl::MetricAnswer canaryGeneric = world.peekCheck(rec.t, mi, kind);
        const auto primaryGeneric = world.peekPrimaryCheck(rec.t, mi, kind);
        pq::setFastPath(true);
        ++compared;
        EXPECT_EQ(show(canary), show(canaryGeneric))
            << where_ << " t=" << rec.t << " " << canary_.analysis.metrics[i].name;
        ASSERT_EQ(primary.has_value(), primaryGeneric.has_value());
        if (primary) {
          EXPECT_EQ(show(*primary), show(*primaryGeneric))
              << where_ << " t=" << rec.t << " primary " << canary_.analysis.metrics[i].name;
        }
      }
    }
    rows.push_back(row);
  }

  std::vector<std::string> rows;
  int compared = 0;

 private:
  const fl::CanarySpec& canary_;
  bool compare_;
  std::string where_;
};

struct FastPathOn {
  ~FastPathOn() { pq::setFastPath(true); }
};

}  // namespace

TEST(PromqlFastPathLibrary, EveryTickOfEveryScenarioForEveryMesh) {
  FastPathOn restore;
  const std::string src = rolloutlab::test::sourceDir();
  auto ws = rolloutlab::app::loadWorkspace({src + "/examples/apps/podinfo"});
  auto lib = rolloutlab::app::loadWorkspace({ROLLOUTLAB_SCENARIO_LIBRARY_DIR});
  ASSERT_EQ(ws.diagnostics.errors(), 0);
  ASSERT_EQ(lib.diagnostics.errors(), 0);
  ASSERT_FALSE(ws.canaries.empty());
  ASSERT_GE(lib.scenarios.size(), 18u);
  const fl::CanarySpec& canary = ws.canaries.front();
  const std::vector<const fl::MetricTemplateSpec*> templates(canary.analysis.metrics.size(),
                                                             nullptr);
  int compared = 0;
  int seed = 0;
  for (const std::string mesh :
       {"istio", "linkerd", "appmesh", "contour", "gloo", "nginx", "kuma", "traefik", "gatewayapi",
        "kubernetes", "osm", "apisix", "skipper", "knative"}) {
    for (const auto& scenario : lib.scenarios) {
      ++seed;
      const std::string where = mesh + " " + scenario.name + " seed " + std::to_string(seed);
      CompiledScenario sc(scenario);
      FlaggerPlan plan(canary, templates, sc, mesh);
      sim::FlaggerLoopOptions opt;
      opt.interval = canary.analysisIntervalSeconds();
      opt.duration = scenario.duration;
      opt.seed = static_cast<std::uint64_t>(seed);
      std::vector<std::string> rows[2];
      for (const bool fast : {true, false}) {
        pq::setFastPath(fast);
        FlaggerSyntheticWorld world(plan, sc);
        world.reset(opt.seed);
        SideBySide observer(canary, fast, where);
        sim::runFlaggerLoop(plan.engine(), world, opt, &observer);
        rows[fast ? 0 : 1] = observer.rows;
        compared += observer.compared;
      }
      pq::setFastPath(true);
      EXPECT_EQ(rows[0], rows[1]) << where;
    }
  }
  // Every mesh's two builtin checks on most ticks of 18+ scenarios.
  std::printf("[ figure ] %d checks compared (canary and primary), %d runs\n", compared, 2 * seed);
  EXPECT_GT(compared, 14 * 18 * 2 * 3);
}
