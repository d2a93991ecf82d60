#include "rolloutlab/replay/pair_plans.h"

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/replay/argo_replay.h"

namespace rolloutlab::replay {

namespace fl = core::flagger;

namespace {

sim::RunSummary runReplayOn(const FlaggerReplayPlan& plan, ReplaySource& source,
                            const ReplayRunOptions& o) {
  return runReplayFlagger(plan, source, o);
}
sim::RunSummary runReplayOn(const ArgoReplayPlan& plan, ReplaySource& source,
                            const ReplayRunOptions& o) {
  return runReplayArgo(plan, source, o);
}

// One replicate of a recording for a Canary or a Rollout plan. Shadow judges read the
// replicate's request counts, as they read a scenario's series.
template <class Plan>
class ReplayWorker final : public sim::PairWorker {
 public:
  explicit ReplayWorker(const Plan& plan) : plan_(plan), source_(plan.recording().makeSource()) {}
  sim::RunSummary run(std::uint64_t seed, const std::vector<sim::JudgeSpec>& judges) override {
    ReplayRunOptions o;
    o.seed = seed;
    o.replicate = 0;  // the bootstrap resample is drawn from the replicate's own seed
    o.measureAll = false;
    o.checkOnline = false;
    o.judges = &judges;
    return runReplayOn(plan_, *source_, o);
  }

 private:
  const Plan& plan_;
  std::unique_ptr<ReplaySource> source_;
};

// A recording a batch can resample (not a live Prometheus or raw series), opened for a target.
std::shared_ptr<const Recording> openForBatch(const ReplaySpec& r, const ReplayTarget& target) {
  auto rec = Recording::open(r, target);
  if (!rec->resamplable()) {
    throw core::InputError(
        {core::Severity::kError, r.file, r.line, 0, r.file.empty() ? "source" : "spec",
         core::quoted(r.name),
         "a batch resamples the recording, which needs query_range files, CSV or request "
         "logs (not a live Prometheus or raw series)"});
  }
  return rec;
}

class FlaggerReplayPairPlan final : public sim::PairPlan {
 public:
  FlaggerReplayPairPlan(const fl::CanarySpec& c, std::vector<const fl::MetricTemplateSpec*> t,
                        const ReplaySpec& r, const std::string& mesh)
      : plan_(c, t, mesh, openForBatch(r, targetOf(c, mesh))) {}
  std::unique_ptr<sim::PairWorker> makeWorker() const override {
    return std::make_unique<ReplayWorker<FlaggerReplayPlan>>(plan_);
  }

 private:
  FlaggerReplayPlan plan_;
};

class ArgoReplayPairPlan final : public sim::PairPlan {
 public:
  ArgoReplayPairPlan(const core::argo::RolloutSpec& rollout,
                     const core::argo::TemplateCatalog& catalog, const ReplaySpec& r)
      : plan_(rollout, catalog, openForBatch(r, targetOf(rollout))) {}
  std::unique_ptr<sim::PairWorker> makeWorker() const override {
    return std::make_unique<ReplayWorker<ArgoReplayPlan>>(plan_);
  }

 private:
  ArgoReplayPlan plan_;
};

}  // namespace

std::unique_ptr<sim::PairPlan> flaggerReplayPairPlan(
    const fl::CanarySpec& canary, std::vector<const fl::MetricTemplateSpec*> templates,
    const ReplaySpec& replay, const std::string& meshProvider) {
  return std::make_unique<FlaggerReplayPairPlan>(canary, std::move(templates), replay,
                                                 meshProvider);
}

std::unique_ptr<sim::PairPlan> argoReplayPairPlan(const core::argo::RolloutSpec& rollout,
                                                  const core::argo::TemplateCatalog& catalog,
                                                  const ReplaySpec& replay) {
  return std::make_unique<ArgoReplayPairPlan>(rollout, catalog, replay);
}

}  // namespace rolloutlab::replay
