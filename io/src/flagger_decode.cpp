// Flagger Canary / MetricTemplate decoding. Schema rules follow artifacts/flagger/crd.yaml of
// fluxcd/flagger 1.44.0; defaults follow pkg/apis/flagger/v1beta1/canary.go.

#include "rolloutlab/io/flagger_decode.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "rolloutlab/io/decode.h"

namespace rolloutlab::io {

using core::Severity;
namespace fl = core::flagger;

namespace {

const char* kIntervalRule = "must match ^[0-9]+(m|s)";

bool checkApiVersion(const Document& doc, Decoder& d) {
  if (doc.apiVersion != "flagger.app/v1beta1") {
    d.error(Decoder::child(doc.node, "apiVersion"), "apiVersion", core::quoted(doc.apiVersion),
            "Flagger serves " + doc.kind + " only as flagger.app/v1beta1");
    return false;
  }
  return true;
}

void decodeMetadata(const Document& doc, Decoder& d, std::string& name, std::string& ns) {
  const YAML::Node md = d.object(doc.node, "metadata", "metadata");
  if (!md.IsDefined()) {
    d.error(doc.node, "metadata", "", "required field is missing");
    return;
  }
  if (auto v = d.objectName(md)) name = *v;
  if (auto v = d.str(md, "namespace", "metadata.namespace")) ns = *v;
}

void intervalField(Decoder& d, const YAML::Node& map, const char* key, const std::string& path,
                   std::string& out) {
  if (auto v = d.str(map, key, path)) {
    if (!fl::matchesFlaggerIntervalPattern(*v)) {
      d.error(Decoder::child(map, key), path, core::quoted(*v), kIntervalRule);
    } else {
      out = *v;
    }
  }
}

void enumField(Decoder& d, const YAML::Node& map, const char* key, const std::string& path,
               const std::vector<std::string>& allowed, std::string& out) {
  if (auto v = d.str(map, key, path)) {
    if (std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + (a.empty() ? "\"\"" : a);
      std::string rule = "must be one of " + list;
      const std::string near = nearest(*v, allowed);
      if (!near.empty()) rule += " (did you mean \"" + near + "\"?)";
      d.error(Decoder::child(map, key), path, core::quoted(*v), rule);
    } else {
      out = *v;
    }
  }
}

void objectRef(Decoder& d, const YAML::Node& spec, const char* key, const std::string& path,
               const std::vector<std::string>& kinds, std::string* kindOut, std::string& nameOut,
               bool namespaced = false) {
  const YAML::Node r = d.object(spec, key, path);
  if (!r.IsDefined()) return;
  if (namespaced) {
    d.checkFields(r, path, {"apiVersion", "kind", "name", "namespace"});
  } else if (std::string(key) == "autoscalerRef") {
    d.checkFields(r, path,
                  {"apiVersion", "kind", "name", "primaryScalerQueries", "primaryScalerReplicas"});
  } else {
    d.checkFields(r, path, {"apiVersion", "kind", "name"});
  }
  for (const char* req : {"apiVersion", "kind", "name"}) d.require(r, req, pathJoin(path, req));
  d.str(r, "apiVersion", pathJoin(path, "apiVersion"));
  std::string kind;
  enumField(d, r, "kind", pathJoin(path, "kind"), kinds, kind);
  if (kindOut && !kind.empty()) *kindOut = kind;
  if (auto v = d.str(r, "name", pathJoin(path, "name"))) nameOut = *v;
}

void stringMap(Decoder& d, const YAML::Node& parent, const char* key, const std::string& path,
               std::map<std::string, std::string>* out) {
  const YAML::Node m = d.object(parent, key, path);
  if (!m.IsDefined()) return;
  d.checkDuplicates(m, path);
  for (auto it = m.begin(); it != m.end(); ++it) {
    const std::string k = it->first.IsScalar() ? it->first.Scalar() : "?";
    const std::string p = pathJoin(path, k);
    if (auto v = d.str(m, k.c_str(), p); v && out) (*out)[k] = *v;
  }
}

void decodeMetric(Decoder& d, const YAML::Node& n, const std::string& path, fl::MetricSpec& m) {
  m.loc = {d.document().file, d.line(n)};
  if (!d.expectMap(n, path)) return;
  d.checkFields(n, path,
                {"name", "interval", "threshold", "thresholdRange", "query", "templateRef",
                 "templateVariables"});
  if (d.require(n, "name", pathJoin(path, "name"))) {
    if (auto v = d.str(n, "name", pathJoin(path, "name"))) m.name = *v;
  }
  intervalField(d, n, "interval", pathJoin(path, "interval"), m.interval);
  // Go type float64 for metric thresholds.
  if (auto v = d.number(n, "threshold", pathJoin(path, "threshold"))) m.threshold = *v;
  const YAML::Node tr = d.object(n, "thresholdRange", pathJoin(path, "thresholdRange"));
  if (tr.IsDefined()) {
    d.checkFields(tr, pathJoin(path, "thresholdRange"), {"min", "max"});
    fl::ThresholdRange r;
    if (auto v = d.number(tr, "min", pathJoin(path, "thresholdRange.min"))) r.min = *v;
    if (auto v = d.number(tr, "max", pathJoin(path, "thresholdRange.max"))) r.max = *v;
    m.thresholdRange = r;
  }
  if (auto v = d.str(n, "query", pathJoin(path, "query"))) m.query = *v;
  const YAML::Node ref = d.object(n, "templateRef", pathJoin(path, "templateRef"));
  if (ref.IsDefined()) {
    d.checkFields(ref, pathJoin(path, "templateRef"), {"name", "namespace"});
    fl::TemplateRef r;
    if (d.require(ref, "name", pathJoin(path, "templateRef.name"))) {
      if (auto v = d.str(ref, "name", pathJoin(path, "templateRef.name"))) r.name = *v;
    }
    if (auto v = d.str(ref, "namespace", pathJoin(path, "templateRef.namespace")))
      r.namespace_ = *v;
    m.templateRef = r;
  }
  stringMap(d, n, "templateVariables", pathJoin(path, "templateVariables"), &m.templateVariables);
}

void decodeWebhook(Decoder& d, const YAML::Node& n, const std::string& path, fl::WebhookSpec& h) {
  h.loc = {d.document().file, d.line(n)};
  if (!d.expectMap(n, path)) return;
  d.checkFields(
      n, path,
      {"name", "type", "muteAlert", "url", "timeout", "retries", "disableTLS", "metadata"});
  d.require(n, "name", pathJoin(path, "name"));
  d.require(n, "url", pathJoin(path, "url"));
  if (auto v = d.str(n, "name", pathJoin(path, "name"))) h.name = *v;
  if (auto v = d.str(n, "type", pathJoin(path, "type"))) {
    if (auto t = fl::webhookTypeFromString(*v)) {
      h.type = *t;
    } else {
      std::vector<std::string> all = {""};
      for (int i = 0; i <= static_cast<int>(fl::WebhookType::kEvent); ++i) {
        all.push_back(fl::toString(static_cast<fl::WebhookType>(i)));
      }
      std::string rule =
          "must be one of \"\", confirm-rollout, pre-rollout, rollout, confirm-promotion, "
          "post-rollout, event, rollback, confirm-traffic-increase";
      const std::string near = nearest(*v, all);
      if (!near.empty()) rule += " (did you mean \"" + near + "\"?)";
      d.error(Decoder::child(n, "type"), pathJoin(path, "type"), core::quoted(*v), rule);
    }
  }
  if (auto v = d.str(n, "url", pathJoin(path, "url"))) {
    h.url = *v;
    // CRD format: url. The API server accepts any string that parses as a URI reference;
    // Flagger needs an absolute http(s) URL to call it.
    if (v->find("://") == std::string::npos) {
      d.warning(Decoder::child(n, "url"), pathJoin(path, "url"), core::quoted(*v),
                "not an absolute URL: Flagger's POST fails and the hook counts as failed");
    }
  }
  intervalField(d, n, "timeout", pathJoin(path, "timeout"), h.timeout);
  if (auto v = d.goInt(n, "retries", pathJoin(path, "retries"))) h.retries = static_cast<int>(*v);
  if (auto v = d.boolean(n, "muteAlert", pathJoin(path, "muteAlert"))) h.muteAlert = *v;
  d.boolean(n, "disableTLS", pathJoin(path, "disableTLS"));
  stringMap(d, n, "metadata", pathJoin(path, "metadata"), nullptr);
}

void decodeAnalysis(Decoder& d, const YAML::Node& a, const std::string& path, fl::CanarySpec& c) {
  auto& an = c.analysis;
  d.checkFields(
      a, path,
      {"interval", "iterations", "threshold", "maxWeight", "stepWeight", "stepWeights",
       "stepWeightPromotion", "mirror", "mirrorWeight", "primaryReadyThreshold",
       "canaryReadyThreshold", "match", "metrics", "alerts", "webhooks", "sessionAffinity"});
  intervalField(d, a, "interval", pathJoin(path, "interval"), an.interval);
  auto gi = [&](const char* key, int& out) {
    if (auto v = d.goInt(a, key, pathJoin(path, key))) out = static_cast<int>(*v);
  };
  gi("threshold", an.threshold);
  gi("iterations", an.iterations);
  gi("maxWeight", an.maxWeight);
  gi("stepWeight", an.stepWeight);
  gi("stepWeightPromotion", an.stepWeightPromotion);
  gi("mirrorWeight", an.mirrorWeight);
  gi("primaryReadyThreshold", an.primaryReadyThreshold);
  gi("canaryReadyThreshold", an.canaryReadyThreshold);
  if (auto v = d.boolean(a, "mirror", pathJoin(path, "mirror"))) an.mirror = *v;
  const YAML::Node sw = d.array(a, "stepWeights", pathJoin(path, "stepWeights"));
  if (sw.IsDefined()) {
    for (std::size_t i = 0; i < sw.size(); ++i) {
      const YAML::Node item = sw[i];
      const std::string p = pathIndex(pathJoin(path, "stepWeights"), i);
      const auto k = item.IsScalar() ? scalarKind(item) : ScalarKind::kString;
      const auto v = item.IsScalar() ? parseNumber(item.Scalar()) : std::nullopt;
      if ((k != ScalarKind::kInt && k != ScalarKind::kFloat) || !v) {
        d.error(item, p, Decoder::shown(item),
                std::string("must be a number, not ") + typeName(item));
      } else if (*v != std::floor(*v) || std::fabs(*v) > 2147483647.0) {
        d.error(item, p, Decoder::shown(item),
                "must be a whole number (the controller decodes it into an int)");
      } else {
        an.stepWeights.push_back(static_cast<int>(*v));
      }
    }
  }
  const YAML::Node match = d.array(a, "match", pathJoin(path, "match"));
  if (match.IsDefined()) {
    an.matchCount = static_cast<int>(match.size());
    for (std::size_t i = 0; i < match.size(); ++i) {
      const std::string p = pathIndex(pathJoin(path, "match"), i);
      if (d.expectMap(match[i], p)) {
        d.checkFields(match[i], p, {"headers", "queryParams", "sourceLabels"});
        for (const char* key : {"headers", "queryParams"}) {
          const YAML::Node hm = d.object(match[i], key, pathJoin(p, key));
          if (!hm.IsDefined()) continue;
          d.checkDuplicates(hm, pathJoin(p, key));
          for (auto it = hm.begin(); it != hm.end(); ++it) {
            const std::string hp = pathJoin(pathJoin(p, key), it->first.Scalar());
            if (!d.expectMap(it->second, hp)) continue;
            d.checkFields(it->second, hp, {"exact", "prefix", "suffix", "regex"});
            int kinds = 0;
            for (const char* mk : {"exact", "prefix", "suffix", "regex"}) {
              if (Decoder::child(it->second, mk).IsDefined()) {
                ++kinds;
                d.str(it->second, mk, pathJoin(hp, mk));
              }
            }
            if (std::string(key) == "headers" && kinds != 1) {
              d.error(it->second, hp, "",
                      "must set exactly one of exact, prefix, suffix, regex (CRD oneOf)");
            } else if (kinds > 1) {
              d.error(it->second, hp, "",
                      "must set at most one of exact, prefix, regex (CRD oneOf)");
            }
          }
        }
        stringMap(d, match[i], "sourceLabels", pathJoin(p, "sourceLabels"), nullptr);
      }
    }
  }
  const YAML::Node metrics = d.array(a, "metrics", pathJoin(path, "metrics"));
  if (metrics.IsDefined()) {
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      fl::MetricSpec m;
      decodeMetric(d, metrics[i], pathIndex(pathJoin(path, "metrics"), i), m);
      an.metrics.push_back(std::move(m));
    }
  }
  const YAML::Node hooks = d.array(a, "webhooks", pathJoin(path, "webhooks"));
  if (hooks.IsDefined()) {
    for (std::size_t i = 0; i < hooks.size(); ++i) {
      fl::WebhookSpec h;
      decodeWebhook(d, hooks[i], pathIndex(pathJoin(path, "webhooks"), i), h);
      an.webhooks.push_back(std::move(h));
    }
  }
  const YAML::Node alerts = d.array(a, "alerts", pathJoin(path, "alerts"));
  if (alerts.IsDefined()) {
    for (std::size_t i = 0; i < alerts.size(); ++i) {
      const std::string p = pathIndex(pathJoin(path, "alerts"), i);
      if (!d.expectMap(alerts[i], p)) continue;
      d.checkFields(alerts[i], p, {"name", "severity", "providerRef"});
      d.require(alerts[i], "name", pathJoin(p, "name"));
      d.require(alerts[i], "providerRef", pathJoin(p, "providerRef"));
      std::string sev;
      enumField(d, alerts[i], "severity", pathJoin(p, "severity"), {"", "info", "warn", "error"},
                sev);
    }
  }
  // CRD: analysis is oneOf {interval, threshold, iterations} / {interval, threshold, stepWeight}
  // / {interval, threshold, stepWeights}: exactly one of the three sets must be complete.
  auto has = [&](const char* k) {
    const YAML::Node n = Decoder::child(a, k);
    return n.IsDefined() && !n.IsNull();
  };
  const bool base = has("interval") && has("threshold");
  const int sets = base ? (has("iterations") + has("stepWeight") + has("stepWeights")) : 0;
  if (sets != 1) {
    std::string why;
    if (!has("interval")) {
      why = "interval is missing";
    } else if (!has("threshold")) {
      why = "threshold is missing";
    } else if (sets == 0) {
      why = "none of iterations, stepWeight, stepWeights is set";
    } else {
      why = "more than one of iterations, stepWeight, stepWeights is set";
    }
    d.error(a, path, "",
            "must have interval, threshold and exactly one of iterations, stepWeight, stepWeights "
            "(CRD oneOf): " +
                why);
  }
}

// Warnings: accepted upstream, but not what the author meant. Each says what Flagger does.
void analysisWarnings(Decoder& d, const YAML::Node& a, const std::string& path,
                      const fl::CanarySpec& c) {
  const auto& an = c.analysis;
  auto at = [&](const char* k) { return Decoder::child(a, k); };
  auto p = [&](const std::string& k) { return pathJoin(path, k); };
  if (Decoder::child(a, "threshold").IsDefined() && an.threshold <= 0) {
    d.warning(at("threshold"), p("threshold"), std::to_string(an.threshold),
              "threshold <= 0: Flagger uses 1 (the first failed check rolls back)");
  }
  if (Decoder::child(a, "interval").IsDefined()) {
    const auto secs = fl::parseGoDuration(an.interval);
    if (!secs) {
      d.warning(at("interval"), p("interval"), core::quoted(an.interval),
                "not a Go duration: Flagger uses 60s");
    } else if (*secs < 10) {
      d.warning(at("interval"), p("interval"), core::quoted(an.interval),
                "below 10s: Flagger uses 10s");
    }
  }
  const bool kubernetes = c.provider == "kubernetes";
  if (an.iterations > 0) {
    if (an.matchCount > 0 && kubernetes) {
      d.warning(at("match"), p("match"), "",
                "the kubernetes provider does not support A/B testing: Flagger drops match and "
                "runs Blue/Green");
    }
  } else if (Decoder::child(a, "iterations").IsDefined() && an.iterations <= 0) {
    d.warning(at("iterations"), p("iterations"), std::to_string(an.iterations),
              kubernetes ? "iterations <= 0: the kubernetes provider forces 10 iterations"
                         : "iterations <= 0: Flagger runs a weight-based canary with stepWeight 0, "
                           "so the canary never receives traffic and never promotes");
  } else if (kubernetes) {
    d.warning(a, path, "",
              "the kubernetes provider does not shift traffic: Flagger ignores the weights and "
              "runs Blue/Green with 10 iterations");
  } else {
    // Weight-based canary.
    if (!an.stepWeights.empty()) {
      for (std::size_t i = 0; i < an.stepWeights.size(); ++i) {
        if (an.stepWeights[i] <= 0) {
          d.warning(at("stepWeights"), pathIndex(p("stepWeights"), i),
                    std::to_string(an.stepWeights[i]),
                    "weight <= 0: the step moves the canary weight by " +
                        std::to_string(an.stepWeights[i]));
        }
        if (i > 0 && an.stepWeights[i] <= an.stepWeights[i - 1]) {
          d.warning(at("stepWeights"), pathIndex(p("stepWeights"), i),
                    std::to_string(an.stepWeights[i]),
                    "stepWeights must increase: a step to a lower weight is negative, so the "
                    "canary stops at " +
                        std::to_string(an.stepWeights[i - 1]) + " and never promotes");
          break;
        }
      }
      if (an.stepWeights.back() > 100) {
        d.warning(at("stepWeights"), p("stepWeights"), std::to_string(an.stepWeights.back()),
                  "last weight over 100: Flagger caps maxWeight at 100");
      }
      if (Decoder::child(a, "maxWeight").IsDefined()) {
        d.warning(at("maxWeight"), p("maxWeight"), std::to_string(an.maxWeight),
                  "ignored with stepWeights: the last stepWeight is the maximum");
      }
    } else if (Decoder::child(a, "stepWeight").IsDefined()) {
      const int maxW = an.maxWeight > 0 ? an.maxWeight : 100;
      if (an.stepWeight <= 0) {
        d.warning(at("stepWeight"), p("stepWeight"), std::to_string(an.stepWeight),
                  an.stepWeight == 0
                      ? "stepWeight 0: the canary never receives traffic; Flagger re-runs the "
                        "pre-rollout hooks every tick and never promotes"
                      : "negative stepWeight: the canary weight never rises and the canary never "
                        "promotes");
      } else if (an.maxWeight > 100) {
        d.warning(at("maxWeight"), p("maxWeight"), std::to_string(an.maxWeight),
                  "maxWeight over 100: the canary weight is capped at 100, never reaches " +
                      std::to_string(an.maxWeight) + ", and the canary never promotes");
      } else if (maxW % an.stepWeight != 0) {
        const int last = (maxW / an.stepWeight + 1) * an.stepWeight;
        d.warning(at("stepWeight"), p("stepWeight"), std::to_string(an.stepWeight),
                  "never reaches maxWeight " + std::to_string(maxW) +
                      " exactly: the weight overshoots to " + std::to_string(std::min(last, 100)) +
                      " before promotion");
      }
      if (Decoder::child(a, "maxWeight").IsDefined() && an.maxWeight <= 0) {
        d.warning(at("maxWeight"), p("maxWeight"), std::to_string(an.maxWeight),
                  "maxWeight <= 0: Flagger uses 100");
      }
    }
  }
  if (Decoder::child(a, "stepWeightPromotion").IsDefined() && an.stepWeightPromotion < 0) {
    d.warning(at("stepWeightPromotion"), p("stepWeightPromotion"),
              std::to_string(an.stepWeightPromotion),
              "negative: promotion moves traffic back to the canary and never finishes");
  }
  const YAML::Node metrics = Decoder::child(a, "metrics");
  for (std::size_t i = 0; i < an.metrics.size(); ++i) {
    const auto& m = an.metrics[i];
    const YAML::Node mn = metrics.IsSequence() && i < metrics.size() ? metrics[i] : a;
    const std::string mp = pathIndex(p("metrics"), i);
    if (m.thresholdRange && m.thresholdRange->min && m.thresholdRange->max &&
        *m.thresholdRange->min > *m.thresholdRange->max) {
      d.warning(Decoder::child(mn, "thresholdRange"), pathJoin(mp, "thresholdRange"), "",
                "min > max: every check of this metric fails");
    }
    const bool builtin = m.name == "request-success-rate" || m.name == "request-duration";
    if (!m.thresholdRange && !Decoder::child(mn, "threshold").IsDefined() &&
        (builtin || !m.query.empty() || m.templateRef)) {
      d.warning(mn, mp, "",
                m.name == "request-success-rate"
                    ? "no thresholdRange: every success rate passes"
                    : "no thresholdRange: Flagger fails the check on any value above 0");
    }
    if (Decoder::child(mn, "threshold").IsDefined() && !m.thresholdRange) {
      d.warning(Decoder::child(mn, "threshold"), pathJoin(mp, "threshold"), "",
                "deprecated: use thresholdRange");
    }
    if (!m.query.empty() && m.templateRef) {
      d.warning(mn, mp, "", "both query and templateRef: Flagger checks the metric twice");
    } else if (builtin && (!m.query.empty() || m.templateRef)) {
      d.warning(mn, mp, "",
                "a builtin name with a " + std::string(m.query.empty() ? "templateRef" : "query") +
                    ": Flagger runs the builtin check and the " +
                    (m.query.empty() ? "template" : "query") + ", twice");
    }
    if (m.templateRef && m.interval.empty()) {
      d.warning(mn, mp, "",
                "no interval: template metrics get no 1m default, so {{ interval }} renders "
                "empty (Prometheus rejects the query) and other providers cannot be built");
    }
  }
}

}  // namespace

bool isFlaggerCanary(const Document& doc) {
  return doc.group() == "flagger.app" && doc.kind == "Canary";
}
bool isFlaggerMetricTemplate(const Document& doc) {
  return doc.group() == "flagger.app" && doc.kind == "MetricTemplate";
}

bool decodeCanary(const Document& doc, core::Diagnostics& diags, fl::CanarySpec& c) {
  const int before = diags.errors();
  Decoder d(doc, diags);
  c.loc = {doc.file, doc.line};
  d.checkFields(doc.node, "", {"apiVersion", "kind", "metadata", "spec", "status"});
  checkApiVersion(doc, d);
  decodeMetadata(doc, d, c.name, c.namespace_);
  const YAML::Node spec = d.object(doc.node, "spec", "spec");
  if (!spec.IsDefined()) {
    d.error(doc.node, "spec", "", "required field is missing");
    return false;
  }
  d.checkFields(spec, "spec",
                {"provider", "metricsServer", "progressDeadlineSeconds", "targetRef",
                 "autoscalerRef", "ingressRef", "routeRef", "upstreamRef", "service",
                 "skipAnalysis", "revertOnDeletion", "suspend", "analysis"});
  enumField(d, spec, "provider", "spec.provider",
            {"apisix", "appmesh", "appmesh:v1beta2", "contour", "gatewayapi:v1",
             "gatewayapi:v1beta1", "gloo", "istio", "knative", "kubernetes", "kuma", "linkerd",
             "nginx", "osm", "skipper", "smi:v1alpha1", "smi:v1alpha2", "smi:v1alpha3", "traefik"},
            c.provider);
  if (auto v = d.str(spec, "metricsServer", "spec.metricsServer")) c.metricsServer = *v;
  if (auto v = d.goInt(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds")) {
    c.progressDeadlineSeconds = static_cast<int>(*v);
    // The CRD types it as a number with no minimum, so the API server accepts it; the
    // readiness checks (canary/deployment_ready.go, daemonset_ready.go) add it to the last
    // transition time, so a deadline <= 0 is already past: the first not-ready check is
    // non-retriable and the canary fails instead of waiting for its pods.
    if (*v <= 0) {
      d.warning(Decoder::child(spec, "progressDeadlineSeconds"), "spec.progressDeadlineSeconds",
                std::to_string(*v),
                "must be > 0: Flagger adds it to the last transition time, so the deadline has "
                "always passed and a canary whose pods are not ready yet fails without waiting");
    }
  }
  if (d.require(spec, "targetRef", "spec.targetRef")) {
    objectRef(d, spec, "targetRef", "spec.targetRef", {"DaemonSet", "Deployment", "Service"},
              &c.targetKind, c.targetName);
    const YAML::Node api = Decoder::child(Decoder::child(spec, "targetRef"), "apiVersion");
    if (api.IsScalar()) c.targetApiVersion = api.Scalar();
  }
  std::string dummy;
  objectRef(d, spec, "autoscalerRef", "spec.autoscalerRef",
            {"HorizontalPodAutoscaler", "ScaledObject"}, nullptr, dummy);
  objectRef(d, spec, "ingressRef", "spec.ingressRef", {"Ingress"}, nullptr, c.ingressRef);
  objectRef(d, spec, "routeRef", "spec.routeRef", {"ApisixRoute"}, nullptr, c.routeRef);
  objectRef(d, spec, "upstreamRef", "spec.upstreamRef", {"Upstream"}, nullptr, dummy, true);
  const YAML::Node svc = d.object(spec, "service", "spec.service");
  if (svc.IsDefined()) {
    d.checkFields(svc, "spec.service",
                  {"name",
                   "port",
                   "portName",
                   "appProtocol",
                   "trafficDistribution",
                   "targetPort",
                   "portDiscovery",
                   "headless",
                   "timeout",
                   "backendTimeout",
                   "meshName",
                   "backends",
                   "hosts",
                   "delegation",
                   "match",
                   "retries",
                   "rewrite",
                   "mirror",
                   "headers",
                   "gateways",
                   "gatewayRefs",
                   "corsPolicy",
                   "trafficPolicy",
                   "apex",
                   "primary",
                   "canary",
                   "unmanagedMetadata"});
    if (auto v = d.str(svc, "name", "spec.service.name")) c.serviceName = *v;
    if (d.require(svc, "port", "spec.service.port")) {
      if (auto v = d.goInt(svc, "port", "spec.service.port")) c.servicePort = static_cast<int>(*v);
    }
  }
  if (auto v = d.boolean(spec, "skipAnalysis", "spec.skipAnalysis")) c.skipAnalysis = *v;
  if (auto v = d.boolean(spec, "suspend", "spec.suspend")) c.suspend = *v;
  d.boolean(spec, "revertOnDeletion", "spec.revertOnDeletion");
  const YAML::Node a = d.object(spec, "analysis", "spec.analysis");
  if (!a.IsDefined()) {
    d.error(spec, "spec.analysis", "", "required field is missing");
  } else {
    c.hasAnalysis = true;
    decodeAnalysis(d, a, "spec.analysis", c);
    if (diags.errors() == before) analysisWarnings(d, a, "spec.analysis", c);
  }
  return diags.errors() == before;
}

bool decodeMetricTemplate(const Document& doc, core::Diagnostics& diags,
                          fl::MetricTemplateSpec& t) {
  const int before = diags.errors();
  Decoder d(doc, diags);
  t.loc = {doc.file, doc.line};
  d.checkFields(doc.node, "", {"apiVersion", "kind", "metadata", "spec", "status"});
  checkApiVersion(doc, d);
  decodeMetadata(doc, d, t.name, t.namespace_);
  const YAML::Node spec = d.object(doc.node, "spec", "spec");
  if (!spec.IsDefined()) {
    d.error(doc.node, "spec", "", "required field is missing");
    return false;
  }
  d.checkFields(spec, "spec", {"provider", "query"});
  const YAML::Node prov = d.object(spec, "provider", "spec.provider");
  if (!prov.IsDefined()) {
    d.error(spec, "spec.provider", "", "required field is missing");
  } else {
    d.checkFields(prov, "spec.provider",
                  {"type", "address", "headers", "secretRef", "region", "insecureSkipVerify"});
    if (d.require(prov, "type", "spec.provider.type")) {
      enumField(d, prov, "type", "spec.provider.type",
                {"prometheus", "influxdb", "datadog", "externalmetrics", "stackdriver",
                 "cloudwatch", "newrelic", "graphite", "dynatrace", "keptn", "splunk"},
                t.providerType);
    }
    if (auto v = d.str(prov, "address", "spec.provider.address")) t.address = *v;
    d.str(prov, "region", "spec.provider.region");
    d.boolean(prov, "insecureSkipVerify", "spec.provider.insecureSkipVerify");
  }
  if (d.require(spec, "query", "spec.query")) {
    if (auto v = d.str(spec, "query", "spec.query")) {
      t.query = *v;
      // The CRD requires the key but sets no minLength, so the API server accepts "". The
      // provider then sends an empty query on every check (pkg/metrics/providers, RunQuery;
      // Prometheus answers "no expression found in input") and scheduler_metrics.go
      // runMetricChecks counts each error as a failed check: the canary can only roll back.
      if (v->find_first_not_of(" \t\r\n") == std::string::npos) {
        d.warning(Decoder::child(spec, "query"), "spec.query",
                  Decoder::shown(Decoder::child(spec, "query")),
                  "empty query: the API server accepts it, but the provider fails every query "
                  "and Flagger counts each check that uses this template as failed");
      }
    }
  }
  return diags.errors() == before;
}

std::vector<const fl::MetricTemplateSpec*> resolveTemplates(
    const fl::CanarySpec& canary, const std::vector<fl::MetricTemplateSpec>& templates) {
  std::vector<const fl::MetricTemplateSpec*> out;
  for (const auto& m : canary.analysis.metrics) {
    const fl::MetricTemplateSpec* found = nullptr;
    if (m.templateRef) {
      // scheduler_metrics.go runMetricChecks: templateRef.namespace, else the Canary's.
      const std::string ns =
          m.templateRef->namespace_.empty() ? canary.namespace_ : m.templateRef->namespace_;
      for (const auto& t : templates) {
        if (t.name == m.templateRef->name && t.namespace_ == ns) {
          found = &t;
          break;
        }
      }
    }
    out.push_back(found);
  }
  return out;
}

void checkFlaggerReferences(const std::vector<fl::CanarySpec>& canaries,
                            const std::vector<fl::MetricTemplateSpec>& templates,
                            core::Diagnostics& diags) {
  for (const auto& c : canaries) {
    const auto resolved = resolveTemplates(c, templates);
    for (std::size_t i = 0; i < c.analysis.metrics.size(); ++i) {
      const auto& m = c.analysis.metrics[i];
      const std::string path = "spec.analysis.metrics[" + std::to_string(i) + "]";
      const bool builtin = m.name == "request-success-rate" || m.name == "request-duration";
      if (m.templateRef && resolved[i] == nullptr) {
        const std::string ns =
            m.templateRef->namespace_.empty() ? c.namespace_ : m.templateRef->namespace_;
        diags.add({Severity::kWarning, m.loc.file, m.loc.line, 0, path + ".templateRef",
                   core::quoted(m.templateRef->name),
                   "no MetricTemplate " + m.templateRef->name + " in namespace " +
                       (ns.empty() ? "\"\"" : ns) + " is loaded: the check fails every tick"});
      } else if (!builtin && m.query.empty() && !m.templateRef) {
        diags.add({Severity::kWarning, m.loc.file, m.loc.line, 0, path + ".name",
                   core::quoted(m.name),
                   "neither builtin (request-success-rate, request-duration) nor backed by a query "
                   "or templateRef: the check fails every tick"});
      }
    }
  }
  std::set<std::string> seen;
  for (const auto& c : canaries) {
    const std::string key = c.namespace_ + "/" + c.name;
    if (!seen.insert(key).second) {
      diags.add(
          {Severity::kWarning, c.loc.file, c.loc.line, 0, "metadata.name", core::quoted(c.name),
           "another Canary with this name and namespace is loaded: the last one applied wins"});
    }
  }
}

}  // namespace rolloutlab::io
