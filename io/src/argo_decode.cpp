// Argo Rollouts Rollout / AnalysisTemplate / ClusterAnalysisTemplate decoding. Schema rules follow
// manifests/crds/*.yaml of argoproj/argo-rollouts (master 9f8d111); the controller's checks follow
// pkg/apis/rollouts/validation/validation.go, validation_references.go and
// utils/analysis/factory.go.

#include "rolloutlab/io/argo_decode.h"

#include <algorithm>
#include <sstream>

#include "rolloutlab/core/argo/expr/expr.h"
#include "rolloutlab/io/decode.h"

namespace rolloutlab::io {

namespace ar = core::argo;
using core::Severity;

namespace {

bool argoKind(const Document& doc, const char* kind) {
  return doc.group() == "argoproj.io" && doc.kind == kind;
}

void checkApiVersion(const Document& doc, Decoder& d) {
  if (doc.apiVersion != "argoproj.io/v1alpha1") {
    d.error(Decoder::child(doc.node, "apiVersion"), "apiVersion", core::quoted(doc.apiVersion),
            "Argo Rollouts serves " + doc.kind + " only as argoproj.io/v1alpha1");
  }
}

void stringMap(Decoder& d, const YAML::Node& parent, const char* key, const std::string& path,
               std::map<std::string, std::string>* out) {
  const YAML::Node m = d.object(parent, key, path);
  if (!m.IsDefined()) return;
  d.checkDuplicates(m, path);
  for (auto it = m.begin(); it != m.end(); ++it) {
    const std::string k = it->first.IsScalar() ? it->first.Scalar() : "?";
    const std::string p = pathJoin(path, k);
    if (!it->second.IsScalar() || scalarKind(it->second) != ScalarKind::kString) {
      d.error(it->second, p, Decoder::shown(it->second),
              std::string("must be a string, not ") + typeName(it->second) +
                  (it->second.IsMap() ? " (an unquoted {{...}} is a YAML map: quote it)" : ""));
      continue;
    }
    if (out) (*out)[k] = it->second.Scalar();
  }
}

void metadata(const Document& doc, Decoder& d, std::string& name, std::string& ns,
              std::map<std::string, std::string>* labels = nullptr,
              std::map<std::string, std::string>* annotations = nullptr) {
  const YAML::Node md = d.object(doc.node, "metadata", "metadata");
  if (!md.IsDefined()) {
    d.error(doc.node, "metadata", "", "required field is missing");
    return;
  }
  if (auto v = d.objectName(md)) name = *v;
  if (auto v = d.str(md, "namespace", "metadata.namespace")) ns = *v;
  stringMap(d, md, "labels", "metadata.labels", labels);
  stringMap(d, md, "annotations", "metadata.annotations", annotations);
}

// x-kubernetes-int-or-string, read through the shared decoder rule for its string form.
ar::IntOrString intOrString(Decoder& d, const YAML::Node& map, const char* key,
                            const std::string& path,
                            IntOrStringText text = IntOrStringText::kInteger) {
  const auto v = d.intOrString(map, key, path, text);
  if (!v) return {};
  return v->isInt ? ar::IntOrString::ofInt(v->i) : ar::IntOrString::ofString(v->s);
}

std::optional<int> int32(Decoder& d, const YAML::Node& map, const char* key,
                         const std::string& path) {
  if (auto v = d.integer(map, key, path)) {
    if (*v > 2147483647LL || *v < -2147483648LL) {
      d.error(Decoder::child(map, key), path, std::to_string(*v), "out of range for int32");
      return std::nullopt;
    }
    return static_cast<int>(*v);
  }
  return std::nullopt;
}

// Every key and scalar of a subtree (what {{args.*}} substitution walks over in the JSON).
void collectStrings(const YAML::Node& n, std::vector<std::string>& out) {
  if (!n.IsDefined() || n.IsNull()) return;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence()) {
    for (const auto& x : n) collectStrings(x, out);
  } else if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (it->first.IsScalar()) out.push_back(it->first.Scalar());
      collectStrings(it->second, out);
    }
  }
}

void flatten(const YAML::Node& n, const std::string& prefix,
             std::map<std::string, std::string>& out) {
  if (!n.IsDefined() || n.IsNull()) return;
  if (n.IsScalar()) {
    out[prefix] = n.Scalar();
  } else if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i)
      flatten(n[i], prefix + (prefix.empty() ? "" : ".") + std::to_string(i), out);
  } else if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (it->first.IsScalar())
        flatten(it->second, prefix + (prefix.empty() ? "" : ".") + it->first.Scalar(), out);
    }
  }
}

void templateRefs(Decoder& d, const YAML::Node& parent, const std::string& path,
                  std::vector<ar::TemplateRef>& out) {
  const YAML::Node list = d.array(parent, "templates", path);
  if (!list.IsDefined()) return;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string p = pathIndex(path, i);
    if (!d.expectMap(list[i], p)) continue;
    d.checkFields(list[i], p, {"templateName", "clusterScope"});
    ar::TemplateRef r;
    r.loc = {d.document().file, d.line(list[i])};
    if (auto v = d.str(list[i], "templateName", pathJoin(p, "templateName"))) r.templateName = *v;
    if (auto v = d.boolean(list[i], "clusterScope", pathJoin(p, "clusterScope")))
      r.clusterScope = *v;
    if (r.templateName.empty())
      d.error(list[i], pathJoin(p, "templateName"), "", "required field is missing");
    out.push_back(std::move(r));
  }
}

void args(Decoder& d, const YAML::Node& parent, const std::string& path, bool templateArgs,
          std::vector<ar::Argument>& out) {
  const YAML::Node list = d.array(parent, "args", path);
  if (!list.IsDefined()) return;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string p = pathIndex(path, i);
    if (!d.expectMap(list[i], p)) continue;
    d.checkFields(list[i], p, {"name", "value", "valueFrom"});
    ar::Argument a;
    a.loc = {d.document().file, d.line(list[i])};
    if (d.require(list[i], "name", pathJoin(p, "name"))) {
      if (auto v = d.str(list[i], "name", pathJoin(p, "name"))) a.name = *v;
    }
    if (auto v = d.str(list[i], "value", pathJoin(p, "value"))) a.value = *v;
    const YAML::Node vf = d.object(list[i], "valueFrom", pathJoin(p, "valueFrom"));
    if (vf.IsDefined()) {
      const std::string vp = pathJoin(p, "valueFrom");
      if (templateArgs) {
        d.checkFields(vf, vp, {"secretKeyRef", "fieldRef"});
      } else {
        d.checkFields(vf, vp, {"podTemplateHashValue", "fieldRef"});
      }
      const YAML::Node sk = d.object(vf, "secretKeyRef", pathJoin(vp, "secretKeyRef"));
      if (sk.IsDefined()) {
        d.checkFields(sk, pathJoin(vp, "secretKeyRef"), {"name", "key"});
        a.valueFrom.kind = ar::ArgValueFrom::Kind::kSecretKeyRef;
        for (const char* k : {"name", "key"})
          d.require(sk, k, pathJoin(pathJoin(vp, "secretKeyRef"), k));
        a.valueFrom.secretName = d.str(sk, "name", pathJoin(vp, "secretKeyRef.name")).value_or("");
        a.valueFrom.secretKey = d.str(sk, "key", pathJoin(vp, "secretKeyRef.key")).value_or("");
      }
      const YAML::Node fr = d.object(vf, "fieldRef", pathJoin(vp, "fieldRef"));
      if (fr.IsDefined()) {
        d.checkFields(fr, pathJoin(vp, "fieldRef"), {"fieldPath"});
        a.valueFrom.kind = ar::ArgValueFrom::Kind::kFieldRef;
        if (d.require(fr, "fieldPath", pathJoin(vp, "fieldRef.fieldPath"))) {
          a.valueFrom.fieldPath =
              d.str(fr, "fieldPath", pathJoin(vp, "fieldRef.fieldPath")).value_or("");
        }
      }
      if (auto v = d.str(vf, "podTemplateHashValue", pathJoin(vp, "podTemplateHashValue"))) {
        if (*v != "Latest" && *v != "Stable") {
          d.error(Decoder::child(vf, "podTemplateHashValue"), pathJoin(vp, "podTemplateHashValue"),
                  core::quoted(*v), "must be one of Latest, Stable");
        }
        a.valueFrom.kind = ar::ArgValueFrom::Kind::kPodTemplateHashValue;
        a.valueFrom.podTemplateHashValue = *v;
      }
    }
    out.push_back(std::move(a));
  }
}

void dryRunAndRetention(Decoder& d, const YAML::Node& parent, const std::string& path,
                        std::vector<ar::DryRun>& dry, std::vector<ar::MeasurementRetention>& ret) {
  const YAML::Node dl = d.array(parent, "dryRun", pathJoin(path, "dryRun"));
  if (dl.IsDefined()) {
    for (std::size_t i = 0; i < dl.size(); ++i) {
      const std::string p = pathIndex(pathJoin(path, "dryRun"), i);
      if (!d.expectMap(dl[i], p)) continue;
      d.checkFields(dl[i], p, {"metricName"});
      if (d.require(dl[i], "metricName", pathJoin(p, "metricName"))) {
        dry.push_back({d.str(dl[i], "metricName", pathJoin(p, "metricName")).value_or("")});
      }
    }
  }
  const YAML::Node rl =
      d.array(parent, "measurementRetention", pathJoin(path, "measurementRetention"));
  if (rl.IsDefined()) {
    for (std::size_t i = 0; i < rl.size(); ++i) {
      const std::string p = pathIndex(pathJoin(path, "measurementRetention"), i);
      if (!d.expectMap(rl[i], p)) continue;
      d.checkFields(rl[i], p, {"metricName", "limit"});
      d.require(rl[i], "metricName", pathJoin(p, "metricName"));
      d.require(rl[i], "limit", pathJoin(p, "limit"));
      ar::MeasurementRetention r;
      r.metricName = d.str(rl[i], "metricName", pathJoin(p, "metricName")).value_or("");
      r.limit = int32(d, rl[i], "limit", pathJoin(p, "limit")).value_or(0);
      ret.push_back(std::move(r));
    }
  }
}

void rolloutAnalysis(Decoder& d, const YAML::Node& n, const std::string& path, bool background,
                     ar::RolloutAnalysis& a) {
  a.loc = {d.document().file, d.line(n)};
  if (background) {
    d.checkFields(n, path,
                  {"templates", "args", "dryRun", "measurementRetention", "analysisRunMetadata",
                   "startingStep"});
    a.startingStep = int32(d, n, "startingStep", pathJoin(path, "startingStep"));
  } else {
    d.checkFields(n, path,
                  {"templates", "args", "dryRun", "measurementRetention", "analysisRunMetadata"});
  }
  templateRefs(d, n, pathJoin(path, "templates"), a.templates);
  args(d, n, pathJoin(path, "args"), false, a.args);
  dryRunAndRetention(d, n, path, a.dryRun, a.measurementRetention);
}

void decodeStep(Decoder& d, const YAML::Node& n, const std::string& path, ar::CanaryStep& s) {
  using K = ar::CanaryStep::Kind;
  s.loc = {d.document().file, d.line(n)};
  if (!d.expectMap(n, path)) return;
  d.checkFields(n, path,
                {"setWeight", "pause", "analysis", "experiment", "setCanaryScale", "setHeaderRoute",
                 "setMirrorRoute", "plugin"});
  auto present = [&](const char* k) {
    const YAML::Node c = Decoder::child(n, k);
    return c.IsDefined() && !c.IsNull();
  };
  // completedCurrentCanaryStep tests the actions in this order.
  if (present("pause")) {
    s.kinds.push_back(K::kPause);
    s.hasPause = true;
    const YAML::Node p = d.object(n, "pause", pathJoin(path, "pause"));
    if (p.IsDefined()) {
      d.checkFields(p, pathJoin(path, "pause"), {"duration"});
      const ar::IntOrString dur =
          intOrString(d, p, "duration", pathJoin(path, "pause.duration"), IntOrStringText::kAny);
      if (dur.isSet()) {
        s.pauseRaw = dur.text();
        // types.go RolloutPause.DurationSeconds
        if (dur.kind == ar::IntOrString::Kind::kInt) {
          s.pauseSeconds = static_cast<int>(dur.i);
        } else if (dur.intValue() != 0 || dur.s == "0") {
          s.pauseSeconds = dur.intValue();
        } else if (auto secs = ar::goDurationSeconds(dur.s)) {
          // int32(d.Seconds()): Go leaves a conversion out of int32's range to the platform,
          // so a pause longer than int32 seconds (68 years) has no defined meaning; refused.
          if (*secs >= 2147483648.0 || *secs <= -2147483649.0) {
            d.error(Decoder::child(p, "duration"), pathJoin(path, "pause.duration"),
                    core::quoted(dur.s),
                    "longer than the controller's int32 seconds (2147483647s, about 68 years)");
          } else {
            s.pauseSeconds = static_cast<int>(*secs);
          }
        } else {
          s.pauseSeconds = -1;
        }
      }
    }
  }
  if (present("setCanaryScale")) {
    s.kinds.push_back(K::kSetCanaryScale);
    const std::string p = pathJoin(path, "setCanaryScale");
    const YAML::Node c = d.object(n, "setCanaryScale", p);
    if (c.IsDefined()) {
      d.checkFields(c, p, {"replicas", "weight", "matchTrafficWeight"});
      s.setCanaryScale.replicas = int32(d, c, "replicas", pathJoin(p, "replicas"));
      s.setCanaryScale.weight = int32(d, c, "weight", pathJoin(p, "weight"));
      s.setCanaryScale.matchTrafficWeight =
          d.boolean(c, "matchTrafficWeight", pathJoin(p, "matchTrafficWeight")).value_or(false);
    }
  }
  if (present("setWeight")) {
    s.kinds.push_back(K::kSetWeight);
    s.setWeight = int32(d, n, "setWeight", pathJoin(path, "setWeight"));
    if (!s.setWeight) s.setWeight = 0;
  }
  if (present("experiment")) {
    s.kinds.push_back(K::kExperiment);
    d.object(n, "experiment", pathJoin(path, "experiment"));
  }
  if (present("analysis")) {
    s.kinds.push_back(K::kAnalysis);
    const YAML::Node a = d.object(n, "analysis", pathJoin(path, "analysis"));
    if (a.IsDefined()) rolloutAnalysis(d, a, pathJoin(path, "analysis"), false, s.analysis);
  }
  for (const char* k : {"setHeaderRoute", "setMirrorRoute"}) {
    if (!present(k)) continue;
    s.kinds.push_back(std::string(k) == "setHeaderRoute" ? K::kSetHeaderRoute : K::kSetMirrorRoute);
    const YAML::Node r = d.object(n, k, pathJoin(path, k));
    if (r.IsDefined()) {
      if (std::string(k) == "setHeaderRoute") {
        d.checkFields(r, pathJoin(path, k), {"name", "match"});
      } else {
        d.checkFields(r, pathJoin(path, k), {"name", "match", "percentage"});
      }
      d.require(r, "name", pathJoin(pathJoin(path, k), "name"));
      s.routeName = d.str(r, "name", pathJoin(pathJoin(path, k), "name")).value_or("");
      const YAML::Node m = d.array(r, "match", pathJoin(pathJoin(path, k), "match"));
      if (m.IsDefined()) s.routeMatches = static_cast<int>(m.size());
      if (std::string(k) == "setMirrorRoute") {
        s.mirrorPercentage = int32(d, r, "percentage", pathJoin(pathJoin(path, k), "percentage"));
      }
    }
  }
  if (present("plugin")) {
    s.kinds.push_back(K::kPlugin);
    const YAML::Node pl = d.object(n, "plugin", pathJoin(path, "plugin"));
    if (pl.IsDefined())
      s.pluginName = d.str(pl, "name", pathJoin(path, "plugin.name")).value_or("");
  }
}

void decodeCanary(Decoder& d, const YAML::Node& c, ar::RolloutSpec& r) {
  const std::string path = "spec.strategy.canary";
  ar::CanaryStrategy cs;
  d.checkFields(
      c, path,
      {"abortScaleDownDelaySeconds", "analysis", "antiAffinity", "canaryMetadata", "canaryService",
       "dynamicStableScale", "maxSurge", "maxUnavailable", "minPodsPerReplicaSet", "pingPong",
       "replicaProgressThreshold", "scaleDownDelayRevisionLimit", "scaleDownDelaySeconds",
       "stableMetadata", "stableService", "steps", "trafficRouting"});
  cs.abortScaleDownDelaySeconds =
      int32(d, c, "abortScaleDownDelaySeconds", pathJoin(path, "abortScaleDownDelaySeconds"));
  cs.scaleDownDelaySeconds =
      int32(d, c, "scaleDownDelaySeconds", pathJoin(path, "scaleDownDelaySeconds"));
  int32(d, c, "scaleDownDelayRevisionLimit", pathJoin(path, "scaleDownDelayRevisionLimit"));
  cs.minPodsPerReplicaSet =
      int32(d, c, "minPodsPerReplicaSet", pathJoin(path, "minPodsPerReplicaSet"));
  cs.dynamicStableScale =
      d.boolean(c, "dynamicStableScale", pathJoin(path, "dynamicStableScale")).value_or(false);
  cs.canaryService = d.str(c, "canaryService", pathJoin(path, "canaryService")).value_or("");
  cs.stableService = d.str(c, "stableService", pathJoin(path, "stableService")).value_or("");
  cs.maxSurge =
      intOrString(d, c, "maxSurge", pathJoin(path, "maxSurge"), IntOrStringText::kIntegerOrPercent);
  cs.maxUnavailable = intOrString(d, c, "maxUnavailable", pathJoin(path, "maxUnavailable"),
                                  IntOrStringText::kIntegerOrPercent);
  const YAML::Node tr = d.object(c, "trafficRouting", pathJoin(path, "trafficRouting"));
  if (tr.IsDefined()) {
    const std::string tp = pathJoin(path, "trafficRouting");
    cs.trafficRouting = true;
    d.checkFields(tr, tp,
                  {"alb", "ambassador", "apisix", "appMesh", "istio", "managedRoutes",
                   "maxTrafficWeight", "nginx", "plugins", "smi", "traefik"});
    for (const char* k : {"istio", "nginx", "alb", "smi", "ambassador", "apisix", "appMesh",
                          "traefik", "plugins"}) {
      if (Decoder::child(tr, k).IsDefined()) {
        cs.router += (cs.router.empty() ? "" : "+") + std::string(k);
      }
    }
    cs.maxTrafficWeight = int32(d, tr, "maxTrafficWeight", pathJoin(tp, "maxTrafficWeight"));
    // validation.go requireCanaryStableServices: every router but Istio with a DestinationRule
    // (and ALB/Istio with ping-pong, and plugins) needs both services.
    const bool pingPong = Decoder::child(c, "pingPong").IsDefined();
    const YAML::Node istio = Decoder::child(tr, "istio");
    auto has = [&](const char* k) { return Decoder::child(tr, k).IsDefined(); };
    cs.requiresServices =
        (has("alb") && !pingPong) ||
        (istio.IsDefined() && !Decoder::child(istio, "destinationRule").IsDefined() && !pingPong) ||
        has("smi") || has("apisix") || has("ambassador") || has("nginx") || has("appMesh") ||
        has("traefik");
    const YAML::Node mr = d.array(tr, "managedRoutes", pathJoin(tp, "managedRoutes"));
    if (mr.IsDefined()) {
      for (std::size_t i = 0; i < mr.size(); ++i) {
        const std::string p = pathIndex(pathJoin(tp, "managedRoutes"), i);
        if (!d.expectMap(mr[i], p)) continue;
        d.checkFields(mr[i], p, {"name"});
        cs.managedRoutes.push_back(d.str(mr[i], "name", pathJoin(p, "name")).value_or(""));
      }
    }
  }
  const YAML::Node a = d.object(c, "analysis", pathJoin(path, "analysis"));
  if (a.IsDefined()) {
    ar::RolloutAnalysis ra;
    rolloutAnalysis(d, a, pathJoin(path, "analysis"), true, ra);
    cs.analysis = std::move(ra);
  }
  const YAML::Node steps = d.array(c, "steps", pathJoin(path, "steps"));
  if (steps.IsDefined()) {
    for (std::size_t i = 0; i < steps.size(); ++i) {
      ar::CanaryStep s;
      decodeStep(d, steps[i], pathIndex(pathJoin(path, "steps"), i), s);
      cs.steps.push_back(std::move(s));
    }
  }
  r.canary = std::move(cs);
}

void decodeBlueGreen(Decoder& d, const YAML::Node& b, ar::RolloutSpec& r) {
  const std::string path = "spec.strategy.blueGreen";
  ar::BlueGreenStrategy bg;
  d.checkFields(
      b, path,
      {"abortScaleDownDelaySeconds", "activeMetadata", "activeService", "antiAffinity",
       "autoPromotionEnabled", "autoPromotionSeconds", "maxUnavailable", "postPromotionAnalysis",
       "prePromotionAnalysis", "previewMetadata", "previewReplicaCount", "previewService",
       "scaleDownDelayRevisionLimit", "scaleDownDelaySeconds"});
  if (d.require(b, "activeService", pathJoin(path, "activeService"))) {
    bg.activeService = d.str(b, "activeService", pathJoin(path, "activeService")).value_or("");
  }
  bg.previewService = d.str(b, "previewService", pathJoin(path, "previewService")).value_or("");
  bg.previewReplicaCount =
      int32(d, b, "previewReplicaCount", pathJoin(path, "previewReplicaCount"));
  bg.autoPromotionEnabled =
      d.boolean(b, "autoPromotionEnabled", pathJoin(path, "autoPromotionEnabled"));
  bg.autoPromotionSeconds =
      int32(d, b, "autoPromotionSeconds", pathJoin(path, "autoPromotionSeconds")).value_or(0);
  bg.scaleDownDelaySeconds =
      int32(d, b, "scaleDownDelaySeconds", pathJoin(path, "scaleDownDelaySeconds"));
  bg.abortScaleDownDelaySeconds =
      int32(d, b, "abortScaleDownDelaySeconds", pathJoin(path, "abortScaleDownDelaySeconds"));
  int32(d, b, "scaleDownDelayRevisionLimit", pathJoin(path, "scaleDownDelayRevisionLimit"));
  intOrString(d, b, "maxUnavailable", pathJoin(path, "maxUnavailable"),
              IntOrStringText::kIntegerOrPercent);
  for (const char* k : {"prePromotionAnalysis", "postPromotionAnalysis"}) {
    const YAML::Node a = d.object(b, k, pathJoin(path, k));
    if (!a.IsDefined()) continue;
    ar::RolloutAnalysis ra;
    rolloutAnalysis(d, a, pathJoin(path, k), false, ra);
    (std::string(k) == "prePromotionAnalysis" ? bg.prePromotionAnalysis
                                              : bg.postPromotionAnalysis) = std::move(ra);
  }
  r.blueGreen = std::move(bg);
}

// Conditions: compiled with the template's argument defaults substituted; an error points at
// the column inside the expression.
void checkCondition(Decoder& d, core::Diagnostics& diags, const YAML::Node& metric, const char* key,
                    const std::string& path, const std::string& text,
                    const std::map<std::string, std::string>& defaults) {
  if (text.empty()) return;
  std::string resolved = text;
  if (text.find("{{") != std::string::npos) {
    std::string err;
    if (!ar::substituteArgs(text, defaults, &resolved, &err)) return;  // supplied by the rollout
  }
  try {
    ar::compile(resolved);
  } catch (const ar::ExprException& e) {
    const YAML::Node n = Decoder::child(metric, key);
    core::Diagnostic diag{Severity::kError,
                          d.document().file,
                          d.line(n),
                          0,
                          path,
                          core::quoted(text),
                          "does not compile: " + e.error().toString() +
                              " (every measurement of this metric would be Error)"};
    if (e.error().line == 1 && resolved == text && n.IsDefined() && n.Mark().column >= 0) {
      const bool quotedScalar = n.Tag() == "!";
      diag.column = n.Mark().column + 1 + (quotedScalar ? 1 : 0) + e.error().column - 1;
    }
    diags.add(std::move(diag));
  }
}

void decodeMetric(Decoder& d, core::Diagnostics& diags, const YAML::Node& n,
                  const std::string& path, const std::map<std::string, std::string>& argDefaults,
                  ar::Metric& m) {
  m.loc = {d.document().file, d.line(n)};
  if (!d.expectMap(n, path)) return;
  d.checkFields(n, path,
                {"name", "interval", "initialDelay", "count", "failureLimit", "inconclusiveLimit",
                 "consecutiveErrorLimit", "consecutiveSuccessLimit", "successCondition",
                 "failureCondition", "provider"});
  if (d.require(n, "name", pathJoin(path, "name")))
    m.name = d.str(n, "name", pathJoin(path, "name")).value_or("");
  m.interval = d.str(n, "interval", pathJoin(path, "interval")).value_or("");
  m.initialDelay = d.str(n, "initialDelay", pathJoin(path, "initialDelay")).value_or("");
  m.count = intOrString(d, n, "count", pathJoin(path, "count"));
  m.failureLimit = intOrString(d, n, "failureLimit", pathJoin(path, "failureLimit"));
  m.inconclusiveLimit = intOrString(d, n, "inconclusiveLimit", pathJoin(path, "inconclusiveLimit"));
  m.consecutiveErrorLimit =
      intOrString(d, n, "consecutiveErrorLimit", pathJoin(path, "consecutiveErrorLimit"));
  m.consecutiveSuccessLimit =
      intOrString(d, n, "consecutiveSuccessLimit", pathJoin(path, "consecutiveSuccessLimit"));
  m.successCondition =
      d.str(n, "successCondition", pathJoin(path, "successCondition")).value_or("");
  m.failureCondition =
      d.str(n, "failureCondition", pathJoin(path, "failureCondition")).value_or("");
  checkCondition(d, diags, n, "successCondition", pathJoin(path, "successCondition"),
                 m.successCondition, argDefaults);
  checkCondition(d, diags, n, "failureCondition", pathJoin(path, "failureCondition"),
                 m.failureCondition, argDefaults);
  const std::string pp = pathJoin(path, "provider");
  if (!d.require(n, "provider", pp)) return;
  const YAML::Node p = d.object(n, "provider", pp);
  if (!p.IsDefined()) return;
  d.checkFields(p, pp,
                {"cloudWatch", "datadog", "graphite", "influxdb", "job", "kayenta", "newRelic",
                 "plugin", "prometheus", "skywalking", "wavefront", "web"});
  static const std::vector<std::pair<const char*, ar::ProviderKind>> kinds = {
      {"prometheus", ar::ProviderKind::kPrometheus},
      {"web", ar::ProviderKind::kWeb},
      {"job", ar::ProviderKind::kJob},
      {"kayenta", ar::ProviderKind::kKayenta},
      {"datadog", ar::ProviderKind::kDatadog},
      {"newRelic", ar::ProviderKind::kNewRelic},
      {"wavefront", ar::ProviderKind::kWavefront},
      {"cloudWatch", ar::ProviderKind::kCloudWatch},
      {"graphite", ar::ProviderKind::kGraphite},
      {"influxdb", ar::ProviderKind::kInfluxdb},
      {"skywalking", ar::ProviderKind::kSkyWalking},
      {"plugin", ar::ProviderKind::kPlugin}};
  for (const auto& [key, kind] : kinds) {
    const YAML::Node c = Decoder::child(p, key);
    if (!c.IsDefined() || c.IsNull()) continue;
    if (kind == ar::ProviderKind::kPlugin && c.IsMap()) {
      m.providerCount += static_cast<int>(c.size());
    } else {
      ++m.providerCount;
    }
    if (m.provider == ar::ProviderKind::kNone) m.provider = kind;
    const std::string cp = pathJoin(pp, key);
    if (!d.expectMap(c, cp)) continue;
    switch (kind) {
      case ar::ProviderKind::kPrometheus:
        d.checkFields(
            c, cp,
            {"address", "authentication", "headers", "insecure", "query", "rangeQuery", "timeout"});
        m.prometheusAddress = d.str(c, "address", pathJoin(cp, "address")).value_or("");
        m.prometheusQuery = d.str(c, "query", pathJoin(cp, "query")).value_or("");
        d.integer(c, "timeout", pathJoin(cp, "timeout"));
        d.boolean(c, "insecure", pathJoin(cp, "insecure"));
        collectStrings(Decoder::child(c, "headers"), m.providerStrings);
        collectStrings(Decoder::child(c, "rangeQuery"), m.providerStrings);
        break;
      case ar::ProviderKind::kWeb: {
        d.checkFields(c, cp,
                      {"authentication", "body", "headers", "insecure", "jsonBody", "jsonPath",
                       "method", "timeoutSeconds", "url"});
        if (d.require(c, "url", pathJoin(cp, "url")))
          m.web.url = d.str(c, "url", pathJoin(cp, "url")).value_or("");
        m.web.jsonPath = d.str(c, "jsonPath", pathJoin(cp, "jsonPath")).value_or("");
        m.web.body = d.str(c, "body", pathJoin(cp, "body")).value_or("");
        if (auto v = d.str(c, "method", pathJoin(cp, "method"))) {
          if (*v != "GET" && *v != "POST" && *v != "PUT") {
            d.error(Decoder::child(c, "method"), pathJoin(cp, "method"), core::quoted(*v),
                    "must be one of GET, POST, PUT");
          }
          m.web.method = *v;
        }
        m.web.timeoutSeconds =
            d.integer(c, "timeoutSeconds", pathJoin(cp, "timeoutSeconds")).value_or(0);
        d.boolean(c, "insecure", pathJoin(cp, "insecure"));
        const YAML::Node jb = Decoder::child(c, "jsonBody");
        m.web.hasJsonBody = jb.IsDefined() && !jb.IsNull();
        collectStrings(jb, m.providerStrings);
        const YAML::Node hs = d.array(c, "headers", pathJoin(cp, "headers"));
        if (hs.IsDefined()) {
          for (std::size_t i = 0; i < hs.size(); ++i) {
            const std::string hp = pathIndex(pathJoin(cp, "headers"), i);
            if (!d.expectMap(hs[i], hp)) continue;
            d.checkFields(hs[i], hp, {"key", "value"});
            d.require(hs[i], "key", pathJoin(hp, "key"));
            d.require(hs[i], "value", pathJoin(hp, "value"));
            m.web.headers.emplace_back(d.str(hs[i], "key", pathJoin(hp, "key")).value_or(""),
                                       d.str(hs[i], "value", pathJoin(hp, "value")).value_or(""));
          }
        }
        break;
      }
      case ar::ProviderKind::kJob: {
        d.checkFields(c, cp, {"metadata", "spec"});
        d.require(c, "spec", pathJoin(cp, "spec"));
        const YAML::Node md = d.object(c, "metadata", pathJoin(cp, "metadata"));
        if (md.IsDefined()) {
          stringMap(d, md, "labels", pathJoin(cp, "metadata.labels"), nullptr);
          stringMap(d, md, "annotations", pathJoin(cp, "metadata.annotations"), nullptr);
        }
        const YAML::Node js = d.object(c, "spec", pathJoin(cp, "spec"));
        const YAML::Node tpl =
            js.IsDefined() ? d.object(js, "template", pathJoin(cp, "spec.template")) : YAML::Node();
        if (tpl.IsDefined()) {
          const YAML::Node tmd = d.object(tpl, "metadata", pathJoin(cp, "spec.template.metadata"));
          if (tmd.IsDefined()) {
            stringMap(d, tmd, "labels", pathJoin(cp, "spec.template.metadata.labels"), nullptr);
            stringMap(d, tmd, "annotations", pathJoin(cp, "spec.template.metadata.annotations"),
                      nullptr);
          }
        }
        collectStrings(c, m.providerStrings);
        break;
      }
      case ar::ProviderKind::kKayenta: {
        d.checkFields(
            c, cp,
            {"address", "application", "canaryConfigName", "configurationAccountName", "lookback",
             "metricsAccountName", "scopes", "storageAccountName", "threshold"});
        for (const char* k :
             {"address", "application", "canaryConfigName", "configurationAccountName",
              "metricsAccountName", "scopes", "storageAccountName", "threshold"}) {
          d.require(c, k, pathJoin(cp, k));
        }
        auto& k = m.kayenta;
        k.address = d.str(c, "address", pathJoin(cp, "address")).value_or("");
        k.application = d.str(c, "application", pathJoin(cp, "application")).value_or("");
        k.canaryConfigName =
            d.str(c, "canaryConfigName", pathJoin(cp, "canaryConfigName")).value_or("");
        k.configurationAccountName =
            d.str(c, "configurationAccountName", pathJoin(cp, "configurationAccountName"))
                .value_or("");
        k.metricsAccountName =
            d.str(c, "metricsAccountName", pathJoin(cp, "metricsAccountName")).value_or("");
        k.storageAccountName =
            d.str(c, "storageAccountName", pathJoin(cp, "storageAccountName")).value_or("");
        k.lookback = d.boolean(c, "lookback", pathJoin(cp, "lookback")).value_or(false);
        const YAML::Node th = d.object(c, "threshold", pathJoin(cp, "threshold"));
        if (th.IsDefined()) {
          d.checkFields(th, pathJoin(cp, "threshold"), {"pass", "marginal"});
          d.require(th, "pass", pathJoin(cp, "threshold.pass"));
          d.require(th, "marginal", pathJoin(cp, "threshold.marginal"));
          k.pass = d.integer(th, "pass", pathJoin(cp, "threshold.pass")).value_or(0);
          k.marginal = d.integer(th, "marginal", pathJoin(cp, "threshold.marginal")).value_or(0);
        }
        const YAML::Node sc = d.array(c, "scopes", pathJoin(cp, "scopes"));
        if (sc.IsDefined()) {
          for (std::size_t i = 0; i < sc.size(); ++i) {
            const std::string sp = pathIndex(pathJoin(cp, "scopes"), i);
            if (!d.expectMap(sc[i], sp)) continue;
            d.checkFields(sc[i], sp, {"name", "controlScope", "experimentScope"});
            ar::KayentaScope s;
            s.name = d.str(sc[i], "name", pathJoin(sp, "name")).value_or("");
            for (const char* which : {"controlScope", "experimentScope"}) {
              const std::string wp = pathJoin(sp, which);
              const YAML::Node w = d.object(sc[i], which, wp);
              if (!w.IsDefined()) {
                d.error(sc[i], wp, "", "required field is missing");
                continue;
              }
              d.checkFields(w, wp, {"end", "region", "scope", "start", "step"});
              ar::KayentaScopeDetail& det =
                  std::string(which) == "controlScope" ? s.controlScope : s.experimentScope;
              det.scope = d.str(w, "scope", pathJoin(wp, "scope")).value_or("");
              det.region = d.str(w, "region", pathJoin(wp, "region")).value_or("");
              det.step = d.integer(w, "step", pathJoin(wp, "step")).value_or(0);
              det.start = d.str(w, "start", pathJoin(wp, "start")).value_or("");
              det.end = d.str(w, "end", pathJoin(wp, "end")).value_or("");
            }
            k.scopes.push_back(std::move(s));
          }
        }
        break;
      }
      default:
        collectStrings(c, m.providerStrings);
        break;
    }
  }
}

}  // namespace

bool isArgoRollout(const Document& doc) { return argoKind(doc, "Rollout"); }
bool isArgoAnalysisTemplate(const Document& doc) { return argoKind(doc, "AnalysisTemplate"); }
bool isArgoClusterAnalysisTemplate(const Document& doc) {
  return argoKind(doc, "ClusterAnalysisTemplate");
}

bool decodeRollout(const Document& doc, core::Diagnostics& diags, ar::RolloutSpec& r) {
  const int before = diags.errors();
  Decoder d(doc, diags);
  r.loc = {doc.file, doc.line};
  d.checkFields(doc.node, "", {"apiVersion", "kind", "metadata", "spec", "status"});
  checkApiVersion(doc, d);
  metadata(doc, d, r.name, r.namespace_, &r.labels, &r.annotations);
  flatten(doc.node, "", r.fields);
  const YAML::Node spec = d.object(doc.node, "spec", "spec");
  if (!spec.IsDefined()) {
    d.error(doc.node, "spec", "", "required field is missing");
    return false;
  }
  d.checkFields(spec, "spec",
                {"analysis", "minReadySeconds", "paused", "progressDeadlineAbort",
                 "progressDeadlineSeconds", "replicas", "restartAt", "revisionHistoryLimit",
                 "rollbackWindow", "selector", "strategy", "template", "workloadRef"});
  r.replicas = int32(d, spec, "replicas", "spec.replicas");
  r.progressDeadlineSeconds =
      int32(d, spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds");
  r.progressDeadlineAbort =
      d.boolean(spec, "progressDeadlineAbort", "spec.progressDeadlineAbort").value_or(false);
  r.paused = d.boolean(spec, "paused", "spec.paused").value_or(false);
  int32(d, spec, "minReadySeconds", "spec.minReadySeconds");
  int32(d, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit");
  const YAML::Node st = d.object(spec, "strategy", "spec.strategy");
  if (st.IsDefined()) {
    d.checkFields(st, "spec.strategy", {"blueGreen", "canary"});
    const YAML::Node c = d.object(st, "canary", "spec.strategy.canary");
    if (c.IsDefined()) decodeCanary(d, c, r);
    const YAML::Node b = d.object(st, "blueGreen", "spec.strategy.blueGreen");
    if (b.IsDefined()) decodeBlueGreen(d, b, r);
  } else {
    d.error(spec, "spec.strategy", "", "required field is missing");
  }
  return diags.errors() == before;
}

bool decodeAnalysisTemplate(const Document& doc, core::Diagnostics& diags, bool cluster,
                            ar::AnalysisTemplateSpec& t) {
  const int before = diags.errors();
  Decoder d(doc, diags);
  t.loc = {doc.file, doc.line};
  t.clusterScoped = cluster;
  d.checkFields(doc.node, "", {"apiVersion", "kind", "metadata", "spec"});
  checkApiVersion(doc, d);
  metadata(doc, d, t.name, t.namespace_);
  const YAML::Node spec = d.object(doc.node, "spec", "spec");
  if (!spec.IsDefined()) {
    d.error(doc.node, "spec", "", "required field is missing");
    return false;
  }
  d.checkFields(spec, "spec", {"args", "dryRun", "measurementRetention", "metrics", "templates"});
  args(d, spec, "spec.args", true, t.args);
  dryRunAndRetention(d, spec, "spec", t.dryRun, t.measurementRetention);
  templateRefs(d, spec, "spec.templates", t.templates);
  std::map<std::string, std::string> defaults;
  for (const auto& a : t.args) {
    if (a.value) defaults[a.name] = *a.value;
  }
  const YAML::Node metrics = d.array(spec, "metrics", "spec.metrics");
  if (metrics.IsDefined()) {
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      ar::Metric m;
      decodeMetric(d, diags, metrics[i], pathIndex("spec.metrics", i), defaults, m);
      t.metrics.push_back(std::move(m));
    }
  } else if (t.templates.empty()) {
    d.error(spec, "spec.metrics", "", "required field is missing");
  }
  if (metrics.IsDefined() && metrics.size() == 0 && t.templates.empty()) {
    // An empty list where one item is needed: a run of this template measures nothing.
    d.warning(Decoder::child(spec, "metrics"), "spec.metrics", "[]",
              "no metric: an analysis run from this template measures nothing");
  }
  if (diags.errors() == before && !t.metrics.empty()) {
    // validation_references.go ValidateAnalysisTemplateWithType: arguments without a value get
    // "dummy-value", then the metrics are resolved and checked (ValidateMetrics).
    std::vector<ar::Argument> placeholder = t.args;
    for (auto& a : placeholder) {
      if (!a.value && a.valueFrom.kind == ar::ArgValueFrom::Kind::kNone) a.value = "dummy-value";
    }
    std::vector<ar::Metric> resolved;
    for (std::size_t i = 0; i < t.metrics.size(); ++i) {
      ar::Metric rm;
      if (auto e = ar::resolveMetric(t.metrics[i], placeholder, &rm)) {
        diags.add({Severity::kError, doc.file, t.metrics[i].loc.line, 0,
                   pathIndex("spec.metrics", i), "",
                   *e + " (the AnalysisRun goes Error: \"Unable to resolve metric arguments\")"});
        return false;
      }
      resolved.push_back(std::move(rm));
    }
    if (auto e = ar::validateMetrics(resolved)) {
      // "metrics[i]: rule"
      std::size_t idx = 0;
      if (e->rfind("metrics[", 0) == 0) idx = static_cast<std::size_t>(std::atoi(e->c_str() + 8));
      const int line = idx < t.metrics.size() ? t.metrics[idx].loc.line : doc.line;
      diags.add(
          {Severity::kError, doc.file, line, 0, "spec." + e->substr(0, e->find(':')), "",
           e->substr(e->find(':') + 2) + " (ValidateMetric: the controller rejects the analysis)"});
    }
  }
  return diags.errors() == before;
}

bool validateRollout(const ar::RolloutSpec& r, const ar::TemplateCatalog& catalog,
                     core::Diagnostics& diags) {
  const int before = diags.errors();
  auto err = [&](int line, const std::string& field, const std::string& value,
                 const std::string& rule) {
    diags.add({Severity::kError, r.loc.file, line ? line : r.loc.line, 0, field, value, rule});
  };
  auto warn = [&](int line, const std::string& field, const std::string& value,
                  const std::string& rule) {
    diags.add({Severity::kWarning, r.loc.file, line ? line : r.loc.line, 0, field, value, rule});
  };
  // validation.go ValidateRolloutStrategy
  if (!r.canary && !r.blueGreen) {
    err(0, "spec.strategy", "",
        "Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'");
    return false;
  }
  if (r.canary && r.blueGreen) {
    err(0, "spec.strategy", "blueGreen: true canary: true",
        "Multiple Strategies can not be listed");
    return false;
  }
  if (r.replicas && *r.replicas < 0)
    err(0, "spec.replicas", std::to_string(*r.replicas), "must be greater than or equal to 0");
  if (r.progressDeadline() < 0) {
    err(0, "spec.progressDeadlineSeconds", std::to_string(r.progressDeadline()),
        "must be greater than or equal to 0");
  }
  auto checkAnalysis = [&](const ar::RolloutAnalysis& a, const std::string& field,
                           bool background) {
    std::vector<const ar::AnalysisTemplateSpec*> templates;
    if (auto e = ar::collectTemplates(a.templates, r.namespace_, catalog, &templates)) {
      err(a.loc.line, field + ".templates", "", *e);
      return;
    }
    std::vector<ar::Argument> rolloutArgs;
    if (auto e = ar::resolveRolloutArgs(a.args, r, &rolloutArgs)) {
      err(a.loc.line, field + ".args", "",
          "Analyses arguments must refer to valid object metadata supported by downwardAPI (" + *e +
              ")");
      return;
    }
    ar::AnalysisRunSpec run;
    if (auto e =
            ar::buildAnalysisRun(templates, rolloutArgs, a.dryRun, a.measurementRetention, &run)) {
      err(a.loc.line, field, "", *e);
      return;
    }
    for (const auto* t : templates) {
      if (!background) {
        // ValidateAnalysisTemplateWithType: every metric must end on its own.
        for (const auto& m : t->metrics) {
          std::vector<ar::Argument> placeholder = t->args;
          for (auto& x : placeholder) {
            if (!x.value && x.valueFrom.kind == ar::ArgValueFrom::Kind::kNone)
              x.value = "dummy-value";
          }
          ar::Metric rm;
          if (ar::resolveMetric(m, placeholder, &rm)) continue;
          if (!rm.effectiveCount()) {
            err(a.loc.line, field, "templateNames: [" + t->name + "]",
                "AnalysisTemplate " + t->name + " has metric " + m.name +
                    " which runs indefinitely. Invalid value for count: " + rm.count.text());
          }
        }
      } else {
        for (const auto& x : t->args) {
          if (x.value || x.valueFrom.kind != ar::ArgValueFrom::Kind::kNone) continue;
          bool found = false;
          for (const auto& y : a.args) found = found || y.name == x.name;
          if (!found)
            err(a.loc.line, field, t->name,
                "missing analysis arguments in rollout spec: " + x.name);
        }
      }
    }
    // Problems that only show when a run starts: the run goes Error and the rollout aborts.
    std::vector<ar::Metric> resolved;
    for (const auto& m : run.metrics) {
      ar::Metric rm;
      if (auto e = ar::resolveMetric(m, run.args, &rm)) {
        warn(a.loc.line, field, "",
             "every AnalysisRun goes Error (Unable to resolve metric arguments: " + *e + ")");
        return;
      }
      resolved.push_back(std::move(rm));
    }
    std::set<std::string> dry;
    std::map<std::string, int> ret;
    std::optional<std::string> e = ar::validateMetrics(resolved);
    if (!e) e = ar::dryRunMetrics(run.dryRun, resolved, &dry);
    if (!e) e = ar::retentionMetrics(run.measurementRetention, resolved, &ret);
    if (e)
      warn(a.loc.line, field, "",
           "every AnalysisRun goes Error (Analysis spec invalid: " + *e +
               ") and aborts the rollout");
  };
  if (r.canary) {
    const auto& c = *r.canary;
    const std::string cp = "spec.strategy.canary";
    // invalidMaxSurgeMaxUnavailable
    auto pct = [](const ar::IntOrString& v, const char* dflt) {
      ar::IntOrString x = v.isSet() ? v : ar::IntOrString::ofString(dflt);
      if (x.kind == ar::IntOrString::Kind::kString && !x.s.empty() && x.s.back() == '%') {
        return std::atoi(x.s.c_str());
      }
      return x.intValue();
    };
    if (pct(c.maxSurge, "25%") == 0 && pct(c.maxUnavailable, "25%") == 0) {
      err(0, cp + ".maxSurge", c.maxSurge.text(),
          "MaxSurge and MaxUnavailable both can not be zero");
    }
    if (!c.canaryService.empty() && c.canaryService == c.stableService) {
      err(0, cp + ".stableService", c.stableService,
          "This rollout uses the same service for the stable and canary services, but two "
          "different services are required.");
    }
    if (c.trafficRouting && c.requiresServices &&
        (c.stableService.empty() || c.canaryService.empty())) {
      // validation.go requireCanaryStableServices
      if (c.stableService.empty()) {
        err(0, cp + ".stableService", "",
            "Canary service and Stable service must to be set to use Traffic Routing");
      }
      if (c.canaryService.empty()) {
        err(0, cp + ".canaryService", "",
            "Canary service and Stable service must to be set to use Traffic Routing");
      }
    }
    if (!c.trafficRouting) {
      if (c.scaleDownDelaySeconds) {
        err(0, cp + ".scaleDownDelaySeconds", std::to_string(*c.scaleDownDelaySeconds),
            "Canary scaleDownDelaySeconds can only be used with traffic routing");
      }
      if (c.dynamicStableScale) {
        err(0, cp + ".dynamicStableScale", "true",
            "Canary dynamicStableScale can only be used with traffic routing");
      }
    } else {
      if (c.scaleDownDelaySeconds && c.dynamicStableScale) {
        err(0, cp + ".dynamicStableScale", "true",
            "Canary dynamicStableScale cannot be used with scaleDownDelaySeconds");
      }
      if (c.maxTrafficWeight && c.router.find("nginx") == std::string::npos &&
          c.router.find("plugins") == std::string::npos) {
        err(0, cp + ".trafficRouting.maxTrafficWeight", std::to_string(*c.maxTrafficWeight),
            "Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins");
      }
    }
    using K = ar::CanaryStep::Kind;
    for (std::size_t i = 0; i < c.steps.size(); ++i) {
      const auto& s = c.steps[i];
      const std::string sp = cp + ".steps[" + std::to_string(i) + "]";
      // hasMultipleStepsType: setWeight, pause, experiment, analysis are mutually exclusive.
      int main = 0;
      for (K k : {K::kSetWeight, K::kPause, K::kExperiment, K::kAnalysis}) main += s.has(k) ? 1 : 0;
      if (main > 1 || s.kinds.empty()) {
        err(s.loc.line, sp, "",
            "Step must have one of the following set: experiment, setWeight, setCanaryScale, "
            "plugin or pause");
      }
      if (s.setWeight && (*s.setWeight < 0 || *s.setWeight > r.maxTrafficWeight())) {
        err(s.loc.line, sp + ".setWeight", std::to_string(*s.setWeight),
            "SetWeight needs to be between 0 and " + std::to_string(r.maxTrafficWeight()));
      }
      if (s.hasPause && s.pauseSeconds && *s.pauseSeconds < 0) {
        // types.go DurationSeconds reads an unparsable duration as -1: show what was written.
        err(s.loc.line, sp + ".pause.duration",
            s.pauseRaw.empty() ? std::to_string(*s.pauseSeconds) : core::quoted(s.pauseRaw),
            "Duration needs to be greater than 0" +
                std::string(*s.pauseSeconds == -1 && !s.pauseRaw.empty() && s.pauseRaw != "-1"
                                ? " (not a duration: the controller reads it as -1)"
                                : ""));
      }
      if (s.has(K::kSetCanaryScale) && !c.trafficRouting) {
        err(s.loc.line, cp + ".trafficRouting", "",
            "SetCanaryScale requires TrafficRouting to be set");
      }
      if (s.has(K::kSetHeaderRoute) &&
          (!c.trafficRouting || (c.router.find("istio") == std::string::npos &&
                                 c.router.find("alb") == std::string::npos &&
                                 c.router.find("apisix") == std::string::npos &&
                                 c.router.find("plugins") == std::string::npos))) {
        err(s.loc.line, sp + ".setHeaderRoute", "",
            "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix");
      }
      if (s.has(K::kSetMirrorRoute) &&
          (!c.trafficRouting || (c.router.find("istio") == std::string::npos &&
                                 c.router.find("plugins") == std::string::npos))) {
        err(s.loc.line, sp + ".setMirrorRoute", "",
            "SetMirrorRoute requires TrafficRouting, supports Istio and Plugins");
      }
      if (c.trafficRouting && (s.has(K::kSetHeaderRoute) || s.has(K::kSetMirrorRoute))) {
        if (c.managedRoutes.empty()) {
          err(s.loc.line, cp + ".trafficRouting.managedRoutes", "",
              "Rollout has missing field 'spec.strategy.canary.trafficRouting.managedRoutes'");
        } else if (std::find(c.managedRoutes.begin(), c.managedRoutes.end(), s.routeName) ==
                   c.managedRoutes.end()) {
          err(s.loc.line, sp + (s.has(K::kSetHeaderRoute) ? ".setHeaderRoute" : ".setMirrorRoute"),
              s.routeName,
              "Steps define a route that does not exist in "
              "spec.strategy.canary.trafficRouting.managedRoutes");
        }
      }
      if (s.has(K::kAnalysis)) checkAnalysis(s.analysis, sp + ".analysis", false);
      if (s.has(K::kExperiment))
        warn(s.loc.line, sp + ".experiment", "",
             "experiment steps are not simulated by rolloutlab");
    }
    if (c.analysis) checkAnalysis(*c.analysis, cp + ".analysis", true);
  } else {
    const auto& b = *r.blueGreen;
    const std::string bp = "spec.strategy.blueGreen";
    if (b.activeService == b.previewService) {
      err(0, bp + ".activeService", b.activeService,
          "This rollout uses the same service for the active and preview services, but two "
          "different services are required.");
    }
    if (b.prePromotionAnalysis)
      checkAnalysis(*b.prePromotionAnalysis, bp + ".prePromotionAnalysis", false);
    if (b.postPromotionAnalysis)
      checkAnalysis(*b.postPromotionAnalysis, bp + ".postPromotionAnalysis", false);
  }
  return diags.errors() == before;
}

std::string rolloutSummary(const ar::RolloutSpec& r) {
  std::ostringstream s;
  if (r.blueGreen) {
    const auto& b = *r.blueGreen;
    s << "blueGreen, active " << b.activeService;
    if (!b.previewService.empty()) s << ", preview " << b.previewService;
    if (b.previewReplicaCount) s << ", previewReplicaCount " << *b.previewReplicaCount;
    if (b.autoPromotionEnabled && !*b.autoPromotionEnabled) {
      s << ", manual promotion";
    } else if (b.autoPromotionSeconds > 0) {
      s << ", autoPromotionSeconds " << b.autoPromotionSeconds;
    }
    if (b.prePromotionAnalysis) s << ", prePromotionAnalysis";
    if (b.postPromotionAnalysis) s << ", postPromotionAnalysis";
    return s.str();
  }
  // The summary is made before validation refuses a Rollout without a strategy
  // (`strategy: {canary: null}` decodes to neither); found by fuzzing (UBSan).
  if (!r.canary) return "no strategy";
  const auto& c = *r.canary;
  s << "canary";
  if (c.trafficRouting) s << " (" << c.router << ")";
  s << ", replicas " << r.replicasOrDefault() << ", " << c.steps.size() << " step"
    << (c.steps.size() == 1 ? "" : "s");
  if (!c.steps.empty()) {
    s << ": ";
    for (std::size_t i = 0; i < c.steps.size(); ++i) s << (i ? ", " : "") << c.steps[i].toString();
  }
  if (c.analysis) {
    s << "; background analysis";
    if (c.analysis->startingStep) s << " from step " << *c.analysis->startingStep;
  }
  return s.str();
}

std::string templateSummary(const ar::AnalysisTemplateSpec& t) {
  std::ostringstream s;
  s << t.metrics.size() << " metric" << (t.metrics.size() == 1 ? "" : "s");
  if (!t.metrics.empty()) {
    s << ": ";
    for (std::size_t i = 0; i < t.metrics.size(); ++i) {
      s << (i ? ", " : "") << t.metrics[i].name << " (" << ar::toString(t.metrics[i].provider);
      if (!t.metrics[i].interval.empty()) s << ", every " << t.metrics[i].interval;
      if (t.metrics[i].count.isSet()) s << ", count " << t.metrics[i].count.text();
      s << ")";
    }
  }
  if (!t.args.empty()) s << "; " << t.args.size() << " arg" << (t.args.size() == 1 ? "" : "s");
  return s.str();
}

}  // namespace rolloutlab::io
