#pragma once
/// An Argo Rollouts `Rollout` as the workbench edits and runs it, with the AnalysisTemplates
/// (and ClusterAnalysisTemplates) its analyses use. The form edits the canary steps, the
/// background analysis' startingStep, the blue-green promotion fields and, for every metric of
/// every template used, its interval, count, limits and conditions. Templates usually live in
/// other documents or files: an edit patches the document that holds the value, and the
/// Rollout is decoded and validated again against the edited templates.

#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/app/workbench/spec_document.h"
#include "rolloutlab/core/argo/analysis.h"
#include "rolloutlab/core/argo/spec.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::app::workbench {

/// A template a Rollout's analyses use (nested references included), once, in the order the
/// Rollout first refers to it.
struct RolloutTemplateUse {
  std::string name;
  bool cluster = false;  ///< a ClusterAnalysisTemplate
  /// The template, or nullptr when it is not loaded.
  const core::argo::AnalysisTemplateSpec* spec = nullptr;
  /// Where it is used: "step 1", "background", "prePromotion", "postPromotion".
  std::vector<std::string> usedBy;
};
std::vector<RolloutTemplateUse> rolloutTemplateUses(const core::argo::RolloutSpec& rollout,
                                                    const core::argo::TemplateCatalog& catalog);

/// The passing range that can be read off a condition written as one comparison of the
/// measured value with a number: `result[0] >= 0.99`, `result < 500`, `0.99 <= result[0]`,
/// optionally behind a `len(result) == 0 ||` guard. For a success condition the range is where
/// it holds; for a failure condition where it does not. nullopt for anything else (the
/// condition is then only shown as written).
struct ConditionRange {
  std::optional<double> min, max;
};
std::optional<ConditionRange> conditionRange(const std::string& condition, bool success);

class RolloutSpecDocument final : public SpecDocument {
 public:
  /// Reads the Rollout's file and the files of the templates it uses. `catalog` is every
  /// template of the workspace; `judges` answer Kayenta metrics that name them.
  RolloutSpecDocument(const core::argo::RolloutSpec& rollout, core::argo::TemplateCatalog catalog,
                      std::vector<scenarios::JudgeSpec> judges);

  std::string kind() const override { return "Rollout"; }
  std::unique_ptr<SpecDocument> clone() const override;
  std::vector<SpecField> fields() const override;
  void setField(const std::string& id, const std::string& value) override;
  /// Runs the Rollout in the scenario (`meshProvider` is Flagger's and is not used: the
  /// Rollout's trafficRouting names its router).
  Timeline simulate(const scenarios::Scenario& scenario, std::uint64_t seed,
                    const std::string& meshProvider) const override;
  Timeline replay(const replay::ReplaySpec& recording, std::uint64_t seed,
                  std::optional<std::uint64_t> replicate, const std::string& meshProvider,
                  RecordingCache& cache) const override;
  app::Workspace batchWorkspace() const override;
  OutcomeWords outcomeWords() const override { return {"Aborted", "aborts"}; }
  /// Remove a step ("steps.<i>.remove"); append a setWeight or pause step ("steps.add.setWeight",
  /// "steps.add.pause").
  std::vector<Action> actions() const override;
  void runAction(const std::string& id) override;
  /// Also moves the templates the form edits in the Rollout's own file.
  void renameFile(const std::string& to) override;

  /// A template the form edits: where its document is and where it sits in the catalog.
  struct OwnedTemplate {
    std::string name;
    bool cluster = false;
    std::string file;
    int documentIndex = 0;
    std::size_t catalogIndex = 0;  ///< in catalog().templates or .clusterTemplates
    std::vector<std::string> usedBy;
  };
  const std::vector<OwnedTemplate>& templates() const { return owned_; }
  /// The Rollout and the catalog (with the edited templates) as last decoded without errors.
  const core::argo::RolloutSpec& rollout() const { return rollout_; }
  const core::argo::TemplateCatalog& catalog() const { return catalog_; }

 protected:
  void decode() override;

 private:
  /// The text of a file of this spec (own or linked), for patching.
  std::string& mutableTextOf(const std::string& file);

  core::argo::RolloutSpec rollout_;
  core::argo::TemplateCatalog catalog_;      // as last decoded without errors
  core::argo::TemplateCatalog baseCatalog_;  // the workspace's, as loaded
  std::vector<scenarios::JudgeSpec> judges_;
  std::vector<OwnedTemplate> owned_;
};

}  // namespace rolloutlab::app::workbench
