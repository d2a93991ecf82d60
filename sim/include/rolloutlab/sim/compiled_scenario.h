#pragma once
/// A Scenario ready to run: its traffic profile and the behaviour models of both variants,
/// compiled once, immutable, shared by every run and thread (synthetic worlds, and replays that
/// take a Scenario's readiness, gates and models).

#include "rolloutlab/sim/mesh.h"
#include "rolloutlab/sim/model.h"
#include "rolloutlab/sim/scenario.h"

namespace rolloutlab::sim {

class CompiledScenario {
 public:
  explicit CompiledScenario(Scenario s);
  const Scenario& spec() const { return spec_; }
  const TrafficProfile& traffic() const { return traffic_; }
  const BehaviourModel& behaviour(Variant v) const {
    return v == Variant::kCanary ? canary_ : primary_;
  }
  /// True when the canary behaves differently from its baseline at t (a regression acts).
  bool regressionActive(double t) const;

 private:
  Scenario spec_;
  TrafficProfile traffic_;
  BehaviourModel primary_;
  BehaviourModel canary_;
};

}  // namespace rolloutlab::sim
