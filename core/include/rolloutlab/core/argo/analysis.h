#pragma once
/// How a Rollout's analysis block becomes an AnalysisRun spec, as argo-rollouts builds it:
/// template references resolved (nested ones too), templates merged, arguments merged and
/// resolved, `{{args.*}}` substituted into every metric, and the metric rules validated.
/// Every function returns an error text in upstream wording instead of throwing.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rolloutlab/core/argo/spec.h"

namespace rolloutlab::core::argo {

/// The AnalysisTemplates (by namespace) and ClusterAnalysisTemplates that references resolve to.
struct TemplateCatalog {
  std::vector<AnalysisTemplateSpec> templates;
  std::vector<AnalysisTemplateSpec> clusterTemplates;

  /// An AnalysisTemplate in `namespace_` ("" matches "" and "default" alike), or a
  /// ClusterAnalysisTemplate; nullptr when missing.
  const AnalysisTemplateSpec* find(const std::string& name, const std::string& namespace_,
                                   bool clusterScope) const;
};

/// A merged analysis: what `NewAnalysisRunFromTemplates` puts into an AnalysisRun spec.
struct AnalysisRunSpec {
  std::vector<Metric> metrics;  ///< as written (arguments not yet substituted)
  std::vector<Argument> args;   ///< merged: rollout values over template defaults
  std::vector<DryRun> dryRun;   ///< rollout rules, then template rules
  std::vector<MeasurementRetention> measurementRetention;
  std::vector<std::string> templateNames;
};

/// `getAnalysisTemplatesFromRefs` + `FilterUniqueTemplates`: the templates a list of references
/// names, nested references included, each once. Returns an error text when one is missing.
std::optional<std::string> collectTemplates(const std::vector<TemplateRef>& refs,
                                            const std::string& namespace_,
                                            const TemplateCatalog& catalog,
                                            std::vector<const AnalysisTemplateSpec*>* out);

/// `NewAnalysisRunFromTemplates` (FlattenTemplates, MergeArgs, dry-run/retention merges):
/// duplicate metric names, conflicting argument values, duplicate dry-run rules and unresolved
/// arguments are errors. `args` are the rollout's arguments with their values resolved
/// (see `resolveRolloutArgs`).
std::optional<std::string> buildAnalysisRun(
    const std::vector<const AnalysisTemplateSpec*>& templates, const std::vector<Argument>& args,
    const std::vector<DryRun>& dryRun, const std::vector<MeasurementRetention>& retention,
    AnalysisRunSpec* out);

/// `BuildArgumentsForRolloutAnalysisRun`: each argument's value, with `podTemplateHashValue`
/// Latest/Stable giving the synthetic hashes and `fieldRef` read off the rollout.
std::optional<std::string> resolveRolloutArgs(const std::vector<Argument>& args,
                                              const RolloutSpec& rollout,
                                              std::vector<Argument>* out);

/// `ResolveMetricArgs`: `{{args.name}}` substituted in every field of the metric. Arguments whose
/// value comes from a secret resolve to "temp-for-secret" (as the controller does while it
/// validates). Returns an error text on an unresolved tag.
std::optional<std::string> resolveMetric(const Metric& metric, const std::vector<Argument>& args,
                                         Metric* out);

/// `ValidateMetric` (utils/analysis/factory.go): the rules of one metric.
std::optional<std::string> validateMetric(const Metric& metric);
/// `ValidateMetrics`: at least one metric, unique names, each valid ("metrics[i]: ...").
std::optional<std::string> validateMetrics(const std::vector<Metric>& metrics);

/// `GetDryRunMetrics`: the metrics a list of rules marks dry-run; a rule that matches no metric
/// is an error ("dryRun[i]: Rule didn't match any metric name(s)").
std::optional<std::string> dryRunMetrics(const std::vector<DryRun>& rules,
                                         const std::vector<Metric>& metrics,
                                         std::set<std::string>* out);
/// `GetMeasurementRetentionMetrics`: the same for measurementRetention.
std::optional<std::string> retentionMetrics(const std::vector<MeasurementRetention>& rules,
                                            const std::vector<Metric>& metrics,
                                            std::map<std::string, int>* out);

/// Go `regexp.MatchString` for the subset used in metric-name rules (an unanchored match; `.`,
/// `*`, `+`, `?`, `^`, `$`, character classes, alternation and groups). Returns false on a
/// pattern it cannot compile.
bool goRegexMatch(const std::string& pattern, const std::string& text);

}  // namespace rolloutlab::core::argo
