#include "rolloutlab/sim/compiled_scenario.h"

#include <utility>

namespace rolloutlab::sim {

CompiledScenario::CompiledScenario(Scenario s)
    : spec_(std::move(s)),
      traffic_(spec_.traffic),
      primary_(spec_.primary, {}),
      canary_(spec_.canary, spec_.effects) {}

bool CompiledScenario::regressionActive(double t) const {
  const Mix m = canary_.at(t);
  if (m.components.size() != 1) return true;
  const auto& c = m.components[0];
  return c.errorRate != spec_.canary.errorRate || c.factor != 1.0 || c.kappa != 1.0;
}

}  // namespace rolloutlab::sim
