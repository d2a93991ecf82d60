// BehaviourModel::pieceKey: the mix of a model made of steps and endpoints is a function of
// which effects have started, so the synthetic series may keep one mix's stats per key.

#include <gtest/gtest.h>

#include <cstring>

#include "rolloutlab/sim/model.h"

namespace sim = rolloutlab::sim;

namespace {

sim::BehaviourSpec base() {
  sim::BehaviourSpec b;
  b.errorRate = 0.01;
  b.latency.p50 = 45;
  b.latency.p99 = 220;
  return b;
}

sim::EffectSpec effect(sim::EffectSpec::Kind kind, double at) {
  sim::EffectSpec e;
  e.kind = kind;
  e.at = at;
  e.until = at + 300;
  e.every = 600;
  e.duration = 60;
  e.fraction = 0.3;
  e.errorRateAdd = 0.02;
  e.latencyFactor = 1.5;
  e.p99Factor = 2;
  return e;
}

// Bitwise equality of two mixes (== would let 0.0 and -0.0 pass).
bool sameBits(const sim::Mix& a, const sim::Mix& b) {
  if (a.components.size() != b.components.size()) return false;
  for (std::size_t i = 0; i < a.components.size(); ++i) {
    if (std::memcmp(&a.components[i], &b.components[i], sizeof(sim::MixtureComponent)) != 0)
      return false;
  }
  return true;
}

}  // namespace

TEST(BehaviourPieces, StepsAndEndpointsKeyWhichEffectsStarted) {
  // Effects out of time order: bit i is effect i, set from its `at` on (at() applies an
  // effect when !(t < at)).
  const sim::BehaviourModel m(base(), {effect(sim::EffectSpec::Kind::kStep, 600),
                                       effect(sim::EffectSpec::Kind::kEndpoint, 300)});
  EXPECT_EQ(m.pieceKey(0), 0);
  EXPECT_EQ(m.pieceKey(299.9), 0);
  EXPECT_EQ(m.pieceKey(300), 2);
  EXPECT_EQ(m.pieceKey(599), 2);
  EXPECT_EQ(m.pieceKey(600), 3);
  EXPECT_EQ(m.pieceKey(7200), 3);
  // Equal keys, the same mix to the bit; different keys, different mixes here.
  EXPECT_TRUE(sameBits(m.at(300), m.at(599)));
  EXPECT_TRUE(sameBits(m.at(600), m.at(7200)));
  EXPECT_TRUE(sameBits(m.at(0), m.at(299.9)));
  EXPECT_FALSE(sameBits(m.at(0), m.at(300)));
  EXPECT_FALSE(sameBits(m.at(300), m.at(600)));
  EXPECT_EQ(m.at(600).components.size(), 2u);  // the endpoint splits the mix
}

TEST(BehaviourPieces, DriftsAndBurstsHaveNoPieces) {
  // A drift ramps between at and until; bursts switch on and off after at: the mix varies
  // between effect starts, so no key stands for it.
  EXPECT_EQ(sim::BehaviourModel(base(), {effect(sim::EffectSpec::Kind::kDrift, 300)}).pieceKey(0),
            -1);
  EXPECT_EQ(sim::BehaviourModel(base(), {effect(sim::EffectSpec::Kind::kStep, 300),
                                         effect(sim::EffectSpec::Kind::kBursts, 600)})
                .pieceKey(0),
            -1);
  // No effect: one piece.
  EXPECT_EQ(sim::BehaviourModel(base(), {}).pieceKey(100), 0);
}
