// ArgoEngine::settle's guard against a reconcile loop that does not settle (engine.h
// ArgoEngineOptions::maxReconcilesPerInstant): upstream's controller always settles, so a loop
// that goes on is rolloutlab's own failure, reported as core::InternalError and never as bad
// input. The limit is lowered below what an ordinary instant needs to force it.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "argo_fixtures.h"
#include "rolloutlab/core/diagnostics.h"

namespace ar = rolloutlab::core::argo;
namespace core = rolloutlab::core;
using rolloutlab::test::canaryRollout;
using rolloutlab::test::FakeArgoWorld;
using rolloutlab::test::loadArgo;

namespace {

// setWeight 20 on 5 replicas, then an indefinite pause: applying the new revision at t=0 takes
// several reconciles (status reset, new ReplicaSet scaled up, weight sent, step completed, pause).
rolloutlab::test::ArgoFixture fixture() {
  return loadArgo(canaryRollout("        - setWeight: 20\n        - pause: {}\n", "", 5));
}

std::vector<ar::ArgoEvent> applyAtZero(const ar::ArgoEngine& engine, ar::ArgoState& s) {
  FakeArgoWorld world;  // pods ready at once
  std::vector<ar::ArgoEvent> out;
  engine.applyNewRevision(s, 0, world, out);
  return out;
}

}  // namespace

TEST(ArgoEngineSettle, ALimitOfExactlyThePassesAnInstantNeedsStillSettles) {
  const auto f = fixture();
  ASSERT_EQ(f.diagnostics.errors(), 0);
  const ar::ArgoEngine engine(f.rollouts[0], f.catalog);
  ar::ArgoState s = engine.initialState();
  const auto events = applyAtZero(engine, s);
  const int passes = s.reconciles;  // one Rollout reconcile per pass
  ASSERT_GE(passes, 3);
  ASSERT_LT(passes, ar::ArgoEngineOptions{}.maxReconcilesPerInstant);
  // The last pass changes nothing: that is how the loop knows it has settled.
  const ar::ArgoEngine exact(f.rollouts[0], f.catalog, ar::ArgoEngineOptions{passes});
  ar::ArgoState s2 = exact.initialState();
  const auto events2 = applyAtZero(exact, s2);
  EXPECT_EQ(s2.reconciles, passes);
  ASSERT_EQ(events2.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events2[i].reason, events[i].reason);
    EXPECT_TRUE(events2[i].state == events[i].state) << i;
  }
  EXPECT_EQ(events.back().state.currentStepIndex, 1);  // paused at step 1
}

TEST(ArgoEngineSettle, ALoopPastTheLimitIsAnInternalErrorNotBadInput) {
  const auto f = fixture();
  ASSERT_EQ(f.diagnostics.errors(), 0);
  const ar::ArgoEngine engine(f.rollouts[0], f.catalog);
  ar::ArgoState s = engine.initialState();
  applyAtZero(engine, s);
  const int passes = s.reconciles;
  ASSERT_GE(passes, 3);
  // One pass fewer than the instant needs: settle gives up at the pass past the limit.
  const ar::ArgoEngine cut(f.rollouts[0], f.catalog, ar::ArgoEngineOptions{passes - 1});
  ar::ArgoState s2 = cut.initialState();
  try {
    applyAtZero(cut, s2);
    FAIL() << "settle returned";
  } catch (const core::InputError& e) {
    FAIL() << "reported as bad input: " << e.what();
  } catch (const core::InternalError& e) {
    // The rollout's file and line, the instant and the number of reconciles.
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("test.yaml:", 0), 0u) << m;
    EXPECT_NE(m.find(": the controller did not settle at t=0s after " + std::to_string(passes) +
                     " reconciles"),
              std::string::npos)
        << m;
  }
  EXPECT_EQ(s2.reconciles, passes);
}
