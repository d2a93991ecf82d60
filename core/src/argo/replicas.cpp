// Replica arithmetic: how many pods each ReplicaSet should have for a weight, a setCanaryScale
// step or an abort (utils/replicaset/canary.go, utils/replicaset/replicaset.go).

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "rollout_context.h"

namespace rolloutlab::core::argo::controller {

namespace {

int ceilDiv(long long a, long long b) {
  return static_cast<int>(std::ceil(static_cast<double>(a) / b));
}

// utils/replicaset/canary.go trafficWeightToReplicas
int weightToReplicas(int replicas, int weight, int maxWeight) {
  return ceilDiv(static_cast<long long>(weight) * replicas, maxWeight);
}

// canary.go CheckMinPodsPerReplicaSet
int minPods(const Ctx& c, int count) {
  if (count == 0 || !c.tr() || !c.spec.canary->minPodsPerReplicaSet) return count;
  const int m = std::min(*c.spec.canary->minPodsPerReplicaSet, c.replicas());
  return std::max(count, m);
}

// canary.go UseSetCanaryScale
const SetCanaryScale* useSetCanaryScale(const Ctx& c) {
  if (!c.tr()) return nullptr;
  if (c.ro.abort && c.spec.abortScaleDownDelay().has_value()) return nullptr;
  if (c.step() == nullptr) return nullptr;
  for (int i = *c.index(); i >= 0; --i) {
    const auto& st = c.spec.canary->steps[static_cast<std::size_t>(i)];
    if (!st.has(CanaryStep::Kind::kSetCanaryScale)) continue;
    if (st.setCanaryScale.matchTrafficWeight) return nullptr;
    return &st.setCanaryScale;
  }
  return nullptr;
}

// canary.go GetCanaryReplicasOrWeight: (setCanaryScale replicas, weight)
std::pair<std::optional<int>, int> canaryReplicasOrWeight(const Ctx& c) {
  if (c.ro.promoteFull || c.ro.stableRS.empty() || c.ro.currentPodHash == c.ro.stableRS) {
    return {std::nullopt, c.maxWeight()};
  }
  if (const SetCanaryScale* scs = useSetCanaryScale(c)) {
    if (scs->replicas) return {*scs->replicas, 0};
    if (scs->weight) return {std::nullopt, *scs->weight};
  }
  return {std::nullopt, desiredCanaryWeight(c)};
}

// canary.go approximateWeightedCanaryStableReplicaCounts
std::pair<int, int> approximate(int replicas, int weight, int maxWeight, int maxSurge) {
  if (replicas == 0) return {0, 0};
  auto tied = [&](int total) {
    double ip;
    return std::modf(static_cast<double>(total) * (static_cast<double>(weight) / maxWeight), &ip) ==
           0.5;
  };
  auto delta = [&](int canary, int total) {
    return std::fabs(static_cast<double>(canary * maxWeight) / total - weight);
  };
  const int ceilC = static_cast<int>(std::ceil(static_cast<double>(replicas * weight) / maxWeight));
  const int floorC =
      static_cast<int>(std::floor(static_cast<double>(replicas * weight) / maxWeight));
  const bool zeroAllowed = weight == maxWeight || weight == 0 || (replicas == 1 && maxSurge == 0);
  std::vector<std::pair<int, int>> options;
  if (ceilC < replicas || zeroAllowed) options.emplace_back(ceilC, replicas);
  if (!tied(replicas) && (floorC != 0 || zeroAllowed)) options.emplace_back(floorC, replicas);
  if (maxSurge > 0) {
    options.emplace_back(ceilC, replicas + 1);
    if (!tied(replicas + 1) && (floorC != 0 || zeroAllowed))
      options.emplace_back(floorC, replicas + 1);
  }
  if (options.empty()) return {0, replicas};
  auto best = options[0];
  double bestD = delta(best.first, best.second);
  for (std::size_t i = 1; i < options.size(); ++i) {
    const double d = delta(options[i].first, options[i].second);
    if (d < bestD) {
      best = options[i];
      bestD = d;
    }
  }
  return {best.first, best.second - best.first};
}

// replicaset.go GetReplicasForScaleDown
int replicasForScaleDown(const ReplicaSetState* rs, double t, bool ignoreAvailability) {
  if (rs == nullptr) return 0;
  if (rs->replicas < rs->available(t)) return rs->replicas;
  if (ignoreAvailability) return rs->replicas;
  return rs->available(t);
}

}  // namespace

// canary.go GetCurrentSetWeight (on c.rollout)
int currentSetWeight(const Ctx& c) {
  if (c.ro.abort) return 0;
  const auto idx = c.index();
  if (c.step() == nullptr) return c.maxWeight();
  for (int i = *idx; i >= 0; --i) {
    const auto& st = c.spec.canary->steps[static_cast<std::size_t>(i)];
    if (st.setWeight) return *st.setWeight;
  }
  return 0;
}

// canary.go GetDesiredCanaryWeight
int desiredCanaryWeight(const Ctx& c) {
  if (c.ro.abort && c.dynamic() && c.new0) {
    const int replicas = c.replicas();
    const int expected = replicas - c.stable0.available(c.t);
    int canaryReplicas = std::max(expected, c.newAvail());
    if (c.spec.explicitAbortScaleDownDelay()) canaryReplicas = expected;
    const auto& steps = c.spec.canary->steps;
    for (int i = static_cast<int>(steps.size()) - 1; i >= 0; --i) {
      const auto& st = steps[static_cast<std::size_t>(i)];
      if (st.setWeight &&
          weightToReplicas(replicas, *st.setWeight, c.maxWeight()) < canaryReplicas) {
        return *st.setWeight;
      }
    }
    return 0;
  }
  return currentSetWeight(c);
}

// canary.go CalculateReplicaCountsForTrafficRoutedCanary; `weight` is status.canary.weights
// (canary weight) or nullopt.
std::pair<int, int> trafficRoutedCounts(const Ctx& c, std::optional<int> weight) {
  const int replicas = c.replicas();
  const auto [scs, desired] = canaryReplicasOrWeight(c);
  int canary = scs ? *scs : minPods(c, weightToReplicas(replicas, desired, c.maxWeight()));
  if (!c.dynamic()) return {canary, replicas};
  int stable = weightToReplicas(replicas, c.maxWeight() - desired, c.maxWeight());
  if (weight) {
    stable = std::max(stable, weightToReplicas(replicas, c.maxWeight() - *weight, c.maxWeight()));
    if (c.ro.abort) canary = std::max(weightToReplicas(replicas, *weight, c.maxWeight()), canary);
  }
  return {minPods(c, canary), minPods(c, stable)};
}

// canary.go CalculateReplicaCountsForBasicCanary (no other ReplicaSets exist here: only the
// stable and the new one).
std::pair<int, int> basicCounts(const Ctx& c) {
  const int replicas = c.replicas();
  const int maxSurge = c.spec.maxSurgeValue();
  const int maxWeight = c.maxWeight();
  auto [desiredNew, desiredStable] =
      approximate(replicas, canaryReplicasOrWeight(c).second, maxWeight, maxSurge);
  const bool promoted = c.new0 && c.ro.stableRS == c.new0->hash;
  const ReplicaSetState* stable = promoted ? nullptr : &c.stable0;
  const ReplicaSetState* nrs = c.new0 ? &*c.new0 : nullptr;
  int newCount = nrs ? nrs->replicas : 0;
  int stableCount = 0;
  if (stable) {
    stableCount = stable->replicas;
  } else {
    desiredNew = replicas;
    desiredStable = 0;
  }
  const int maxAllowed = replicas + maxSurge;
  int total = (nrs ? nrs->replicas : 0) + (stable ? stable->replicas : 0);
  const ReplicaSetState* old = promoted ? &c.stable0 : nullptr;  // an "other" ReplicaSet
  if (old) total += old->replicas;
  int scaleUp = maxAllowed - total;
  if (stable && stable->replicas < desiredStable && scaleUp > 0) {
    if (stable->replicas + scaleUp < desiredStable) {
      stableCount = stable->replicas + scaleUp;
      scaleUp = 0;
    } else {
      stableCount = desiredStable;
      scaleUp -= desiredStable - stable->replicas;
    }
  }
  if (nrs && nrs->replicas < desiredNew && scaleUp > 0) {
    newCount = nrs->replicas + scaleUp < desiredNew ? nrs->replicas + scaleUp : desiredNew;
  }
  if (old && old->replicas > 0) return {newCount, stableCount};
  const int minAvailable = replicas - c.spec.maxUnavailableValue();
  const bool increasing = nrs == nullptr || desiredNew >= nrs->replicas;
  const int toScaleDown =
      replicasForScaleDown(nrs, c.t, !increasing) + replicasForScaleDown(stable, c.t, increasing);
  if (toScaleDown <= minAvailable) return {newCount, stableCount};
  const int scaleDown = toScaleDown - minAvailable;
  auto scaleDownCount = [&](const ReplicaSetState* drain, int desired, int current) {
    if (drain && drain->replicas > desired) return std::max(desired, drain->replicas - scaleDown);
    return current;
  };
  // canary.go adjustReplicaWithinLimits
  auto adjust = [&](const ReplicaSetState* drain, const ReplicaSetState* adj, int drainCount,
                    int adjCount) {
    int over = std::max(0, adjCount + drainCount - maxAllowed);
    int totalAvail = drain ? std::min(drain->available(c.t), drainCount) : 0;
    if (adj) {
      adjCount -= over;
      totalAvail += std::min(adj->available(c.t), adjCount);
      const int extra = std::max(0, adj->available(c.t) - adjCount);
      const int more = std::max(0, minAvailable - totalAvail);
      adjCount += std::min(extra, more);
      over = std::max(0, adjCount + drainCount - maxAllowed);
      drainCount -= over;
    }
    return std::pair<int, int>{drainCount, adjCount};
  };
  if (!increasing) {
    newCount = scaleDownCount(nrs, desiredNew, newCount);
    std::tie(newCount, stableCount) = adjust(nrs, stable, newCount, stableCount);
  } else if (stable) {
    stableCount = scaleDownCount(stable, desiredStable, stableCount);
    std::tie(stableCount, newCount) = adjust(stable, nrs, stableCount, newCount);
  }
  return {newCount, stableCount};
}

// canary.go AtDesiredReplicaCountsForCanary
bool atDesiredReplicaCounts(const Ctx& c, std::optional<int> weight) {
  const auto [desiredNew, desiredStable] = c.tr() ? trafficRoutedCounts(c, weight) : basicCounts(c);
  if (!c.new0 || !(desiredNew == c.new0->replicas && desiredNew == c.new0->available(c.t)))
    return false;
  if (!c.tr() || !c.dynamic()) {
    const bool promoted = c.ro.stableRS == c.new0->hash;
    const ReplicaSetState& stable = promoted ? *c.new0 : c.stable0;
    if (!(desiredStable == stable.replicas &&
          desiredStable == static_cast<int>(stable.podReadyAt.size()))) {
      return false;
    }
  }
  return true;
}

}  // namespace rolloutlab::core::argo::controller
