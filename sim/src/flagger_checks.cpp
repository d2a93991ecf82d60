#include "rolloutlab/sim/flagger_checks.h"

#include <tuple>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/flagger_queries.h"

namespace rolloutlab::sim {

namespace fl = core::flagger;

std::vector<CheckQuery> flaggerCheckQueries(
    const fl::CanarySpec& canary, const std::vector<const fl::MetricTemplateSpec*>& templates,
    const std::string& meshProvider, const std::string& knativeRevision) {
  const std::string ns = canary.namespace_.empty() ? "default" : canary.namespace_;
  // scheduler_metrics.go runBuiltinMetricChecks: the metrics provider picks the observer.
  const std::string mp = fl::metricsProvider(meshProvider, canary.provider, canary.targetKind,
                                             canary.targetApiVersion);
  const fl::Observer observer = fl::observerFor(mp);
  // knative.go selects the canary's revision through {{ route }}: the latest revision of the
  // Knative service, which no Canary field names (the scenario does).
  const std::string route = observer == fl::Observer::kKnative && !knativeRevision.empty()
                                ? knativeRevision
                                : canary.routeRef;
  const auto& metrics = canary.analysis.metrics;
  std::vector<CheckQuery> out(metrics.size() * 4);
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const auto& m = metrics[i];
    const int mi = static_cast<int>(i);
    // GetMetricInterval: builtin and inline metrics default to 1m.
    const std::string defaulted = m.interval.empty() ? fl::kDefaultMetricInterval : m.interval;
    const auto model = fl::makeModel(canary.name, ns, canary.targetName, canary.serviceName,
                                     canary.ingressRef, route, defaulted, m.templateVariables);
    for (auto [name, kind, bm] :
         {std::tuple{"request-success-rate", fl::CheckKind::kRequestSuccessRate,
                     fl::BuiltinMetric::kRequestSuccessRate},
          std::tuple{"request-duration", fl::CheckKind::kRequestDuration,
                     fl::BuiltinMetric::kRequestDuration}}) {
      if (m.name != name) continue;
      CheckQuery& q = out[static_cast<std::size_t>(checkQueryIndex(mi, kind))];
      q.interval = defaulted;
      q.status = CheckQuery::Status::kQuery;
      q.text = fl::prometheusQuery(observer, bm, model);
      // http.go answers request-duration in seconds; the observer converts it to ms.
      if (kind == fl::CheckKind::kRequestDuration && observer == fl::Observer::kHttp)
        q.scale = 1000.0;
    }
    if (!m.query.empty()) {
      CheckQuery& q =
          out[static_cast<std::size_t>(checkQueryIndex(mi, fl::CheckKind::kInlineQuery))];
      q.interval = defaulted;
      try {
        q.text = fl::trimQuery(fl::renderTemplate(m.query, model));
        q.status = CheckQuery::Status::kQuery;
      } catch (const core::InputError& e) {
        q.status = CheckQuery::Status::kRenderError;
        q.error = std::string("bad_data: query render failed: ") + e.what();
      }
    }
    if (m.templateRef) {
      CheckQuery& q = out[static_cast<std::size_t>(checkQueryIndex(mi, fl::CheckKind::kTemplate))];
      const fl::MetricTemplateSpec* t = i < templates.size() ? templates[i] : nullptr;
      // Template metrics get the raw interval (no 1m default): an empty one renders "[]".
      q.interval = m.interval;
      if (t == nullptr) {
        q.status = CheckQuery::Status::kNone;  // the engine fails it as a missing template
      } else if (!t->providerType.empty() && t->providerType != "prometheus") {
        q.status = CheckQuery::Status::kUnsupportedProvider;
        q.templateName = t->name;
        q.providerType = t->providerType;
      } else {
        const auto tmodel =
            fl::makeModel(canary.name, ns, canary.targetName, canary.serviceName, canary.ingressRef,
                          route, m.interval, m.templateVariables);
        try {
          q.text = fl::trimQuery(fl::renderTemplate(t->query, tmodel));
          q.status = CheckQuery::Status::kQuery;
        } catch (const core::InputError& e) {
          q.status = CheckQuery::Status::kRenderError;
          q.error = std::string("query render error: ") + e.what();
        }
      }
    }
  }
  return out;
}

}  // namespace rolloutlab::sim
