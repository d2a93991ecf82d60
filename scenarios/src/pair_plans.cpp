#include "rolloutlab/scenarios/pair_plans.h"

#include <utility>

#include "rolloutlab/scenarios/argo_world.h"
#include "rolloutlab/scenarios/flagger_world.h"

namespace rolloutlab::scenarios {

namespace fl = core::flagger;

namespace {

class FlaggerWorker final : public sim::PairWorker {
 public:
  FlaggerWorker(const FlaggerPlan& plan, const CompiledScenario& sc)
      : plan_(plan), sc_(sc), world_(plan, sc) {}
  RunSummary run(std::uint64_t seed, const std::vector<JudgeSpec>& judges) override {
    return runFlagger(plan_, sc_, world_, seed, judges);
  }

 private:
  const FlaggerPlan& plan_;
  const CompiledScenario& sc_;
  FlaggerSyntheticWorld world_;
};

class FlaggerPairPlan final : public sim::PairPlan {
 public:
  FlaggerPairPlan(const fl::CanarySpec& c, std::vector<const fl::MetricTemplateSpec*> t,
                  const CompiledScenario& sc, const std::string& mesh)
      : sc_(sc), plan_(c, std::move(t), sc, mesh) {}
  std::unique_ptr<sim::PairWorker> makeWorker() const override {
    return std::make_unique<FlaggerWorker>(plan_, sc_);
  }

 private:
  const CompiledScenario& sc_;
  FlaggerPlan plan_;
};

class ArgoWorker final : public sim::PairWorker {
 public:
  ArgoWorker(const ArgoPlan& plan, const CompiledScenario& sc)
      : plan_(plan), sc_(sc), world_(plan, sc) {}
  RunSummary run(std::uint64_t seed, const std::vector<JudgeSpec>& judges) override {
    return runArgo(plan_, sc_, world_, seed, judges);
  }

 private:
  const ArgoPlan& plan_;
  const CompiledScenario& sc_;
  ArgoSyntheticWorld world_;
};

class ArgoPairPlan final : public sim::PairPlan {
 public:
  ArgoPairPlan(const core::argo::RolloutSpec& r, const core::argo::TemplateCatalog& catalog,
               const CompiledScenario& sc, const std::vector<JudgeSpec>& judges)
      : sc_(sc), plan_(r, catalog, sc, judges) {}
  std::unique_ptr<sim::PairWorker> makeWorker() const override {
    return std::make_unique<ArgoWorker>(plan_, sc_);
  }

 private:
  const CompiledScenario& sc_;
  ArgoPlan plan_;
};

}  // namespace

std::unique_ptr<sim::PairPlan> flaggerPairPlan(const fl::CanarySpec& canary,
                                               std::vector<const fl::MetricTemplateSpec*> templates,
                                               const CompiledScenario& scenario,
                                               const std::string& meshProvider) {
  return std::make_unique<FlaggerPairPlan>(canary, std::move(templates), scenario, meshProvider);
}

std::unique_ptr<sim::PairPlan> argoPairPlan(const core::argo::RolloutSpec& rollout,
                                            const core::argo::TemplateCatalog& catalog,
                                            const CompiledScenario& scenario,
                                            const std::vector<JudgeSpec>& judges) {
  return std::make_unique<ArgoPairPlan>(rollout, catalog, scenario, judges);
}

}  // namespace rolloutlab::scenarios
