#pragma once
/// The query every metric check of a Canary sends, built without a world: what Flagger renders
/// for each (metric, CheckKind) pair (`pkg/controller/scheduler_metrics.go`
/// `runBuiltinMetricChecks` / `runMetricChecks`, `pkg/metrics/observers/*.go`,
/// `pkg/metrics/providers/prometheus.go` `trimQuery`). Synthetic worlds and replays both start
/// from it.

#include <string>
#include <vector>

#include "rolloutlab/core/flagger/engine.h"
#include "rolloutlab/core/flagger/spec.h"

namespace rolloutlab::sim {

/// What one (metric, kind) check sends, before any world answers it.
struct CheckQuery {
  enum class Status {
    kNone,         ///< the engine never runs this (metric, kind), or its template is missing
    kQuery,        ///< `text` is the query Flagger sends
    kRenderError,  ///< the template does not render: every check errors with `error`
    kUnsupportedProvider,  ///< a MetricTemplate whose provider is not Prometheus
  };
  Status status = Status::kNone;
  std::string text;    ///< the trimmed query (kQuery)
  std::string error;   ///< kRenderError: the message of the failed check
  double scale = 1.0;  ///< request-duration of http.go: seconds -> ms
  /// The metric's interval as the query uses it: defaulted to 1m for builtin and inline
  /// metrics, raw (possibly empty) for template metrics.
  std::string interval;
  std::string templateName;  ///< kUnsupportedProvider: the MetricTemplate
  std::string providerType;  ///< kUnsupportedProvider: its provider
};

/// Index of a (metric, kind) pair in `flaggerCheckQueries`' answer.
inline int checkQueryIndex(int metricIndex, core::flagger::CheckKind kind) {
  return metricIndex * 4 + static_cast<int>(kind);
}

/// The queries of every check of `canary`, four entries per metric (one per CheckKind, see
/// `checkQueryIndex`). `templates[i]` is metric i's resolved MetricTemplate (nullptr when it has
/// none or it is missing). Builtin metrics use the observer of the metrics provider Flagger
/// derives from `meshProvider`, `spec.provider` and the target kind. With the knative observer
/// the model's `route` is `knativeRevision` (the canary's revision) when it is given.
std::vector<CheckQuery> flaggerCheckQueries(
    const core::flagger::CanarySpec& canary,
    const std::vector<const core::flagger::MetricTemplateSpec*>& templates,
    const std::string& meshProvider, const std::string& knativeRevision = {});

}  // namespace rolloutlab::sim
