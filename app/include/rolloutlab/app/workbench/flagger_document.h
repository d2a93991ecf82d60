#pragma once
/// A Flagger `Canary` as the workbench edits and runs it.

#include <vector>

#include "rolloutlab/app/workbench/spec_document.h"
#include "rolloutlab/core/flagger/spec.h"

namespace rolloutlab::app::workbench {

class FlaggerSpecDocument final : public SpecDocument {
 public:
  /// `text` is the whole file's text; the Canary is its document `documentIndex`.
  FlaggerSpecDocument(const core::flagger::CanarySpec& canary, std::string file, int documentIndex,
                      std::string text, std::vector<core::flagger::MetricTemplateSpec> templates);

  std::string kind() const override { return "Canary"; }
  std::unique_ptr<SpecDocument> clone() const override;
  std::vector<SpecField> fields() const override;
  void setField(const std::string& id, const std::string& value) override;
  Timeline simulate(const scenarios::Scenario& scenario, std::uint64_t seed,
                    const std::string& meshProvider) const override;
  Timeline replay(const replay::ReplaySpec& recording, std::uint64_t seed,
                  std::optional<std::uint64_t> replicate, const std::string& meshProvider,
                  RecordingCache& cache) const override;
  app::Workspace batchWorkspace() const override;

  /// The Canary as last decoded without errors.
  const core::flagger::CanarySpec& canary() const { return canary_; }
  /// The MetricTemplates its metrics resolve against.
  const std::vector<core::flagger::MetricTemplateSpec>& templates() const { return templates_; }

 protected:
  void decode() override;

 private:
  core::flagger::CanarySpec canary_;
  std::vector<core::flagger::MetricTemplateSpec> templates_;
};

}  // namespace rolloutlab::app::workbench
