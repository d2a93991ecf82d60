// Building AnalysisRun specs from a rollout's analysis block, as argo-rollouts does
// (utils/analysis/helpers.go, utils/analysis/factory.go, rollout/analysis.go).

#include "rolloutlab/core/argo/analysis.h"

#include "rolloutlab/core/promql/matcher.h"

namespace rolloutlab::core::argo {

namespace {

bool sameNamespace(const std::string& a, const std::string& b) {
  auto norm = [](const std::string& s) { return s.empty() ? std::string("default") : s; };
  return norm(a) == norm(b);
}

void collect(const std::vector<TemplateRef>& refs, const std::string& ns,
             const TemplateCatalog& catalog, std::vector<const AnalysisTemplateSpec*>& templates,
             std::vector<const AnalysisTemplateSpec*>& clusterTemplates,
             std::optional<std::string>& error, int depth) {
  for (const auto& ref : refs) {
    if (error) return;
    if (depth > 16) {
      error = "template references nest deeper than 16 levels (a reference cycle?)";
      return;
    }
    const AnalysisTemplateSpec* t = catalog.find(ref.templateName, ns, ref.clusterScope);
    if (t == nullptr) {
      // rollout/analysis.go getAnalysisTemplatesFromRefs: the lister's NotFound error
      error = std::string(ref.clusterScope ? "clusteranalysistemplate" : "analysistemplate") +
              ".argoproj.io \"" + ref.templateName + "\" not found";
      return;
    }
    (ref.clusterScope ? clusterTemplates : templates).push_back(t);
    if (!t->templates.empty())
      collect(t->templates, ns, catalog, templates, clusterTemplates, error, depth + 1);
  }
}

}  // namespace

const AnalysisTemplateSpec* TemplateCatalog::find(const std::string& name, const std::string& ns,
                                                  bool clusterScope) const {
  if (clusterScope) {
    for (const auto& t : clusterTemplates) {
      if (t.name == name) return &t;
    }
    return nullptr;
  }
  for (const auto& t : templates) {
    if (t.name == name && sameNamespace(t.namespace_, ns)) return &t;
  }
  return nullptr;
}

std::optional<std::string> collectTemplates(const std::vector<TemplateRef>& refs,
                                            const std::string& ns, const TemplateCatalog& catalog,
                                            std::vector<const AnalysisTemplateSpec*>* out) {
  std::vector<const AnalysisTemplateSpec*> templates, clusterTemplates;
  std::optional<std::string> error;
  collect(refs, ns, catalog, templates, clusterTemplates, error, 0);
  if (error) return error;
  // helpers.go FilterUniqueTemplates: namespaced templates first, then cluster templates.
  out->clear();
  for (auto* list : {&templates, &clusterTemplates}) {
    std::set<std::string> seen;
    for (const auto* t : *list) {
      if (seen.insert(t->name).second) out->push_back(t);
    }
  }
  return std::nullopt;
}

std::optional<std::string> buildAnalysisRun(
    const std::vector<const AnalysisTemplateSpec*>& templates, const std::vector<Argument>& args,
    const std::vector<DryRun>& dryRun, const std::vector<MeasurementRetention>& retention,
    AnalysisRunSpec* out) {
  AnalysisRunSpec r;
  // helpers.go flattenMetrics: concatenated; a repeated name is an error.
  std::set<std::string> names;
  for (const auto* t : templates) {
    r.templateNames.push_back(t->name);
    for (const auto& m : t->metrics) r.metrics.push_back(m);
  }
  for (const auto& m : r.metrics) {
    if (!names.insert(m.name).second) return "two metrics have the same name '" + m.name + "'";
  }
  // flattenArgs: the same name twice must carry the same value; a nil value is replaced.
  std::vector<Argument> combined;
  for (const auto* t : templates) {
    for (const auto& a : t->args) {
      bool found = false;
      for (auto& prev : combined) {
        if (prev.name != a.name) continue;
        found = true;
        if (prev.value && a.value && *prev.value != *a.value) {
          return "Argument `" + a.name + "` specified multiple times with different values: '" +
                 *prev.value + "', '" + *a.value + "'";
        }
        if (!prev.value) prev = a;
      }
      if (!found) combined.push_back(a);
    }
  }
  // MergeArgs: the rollout's values (or valueFrom) override; every argument must then resolve.
  for (const auto& a : args) {
    for (auto& t : combined) {
      if (t.name != a.name) continue;
      if (a.value) {
        t.value = a.value;
      } else if (a.valueFrom.kind != ArgValueFrom::Kind::kNone) {
        t.valueFrom = a.valueFrom;
      }
    }
  }
  for (const auto& a : combined) {
    if (!a.value && a.valueFrom.kind == ArgValueFrom::Kind::kNone)
      return "args." + a.name + " was not resolved";
  }
  r.args = std::move(combined);
  // mergeDryRunMetrics / mergeMeasurementRetentionMetrics: rollout rules first; a repeated
  // metricName is an error.
  std::set<std::string> rules;
  r.dryRun = dryRun;
  for (const auto* t : templates)
    r.dryRun.insert(r.dryRun.end(), t->dryRun.begin(), t->dryRun.end());
  for (const auto& d : r.dryRun) {
    if (!rules.insert(d.metricName).second) {
      return "two Dry-Run metric rules have the same name '" + d.metricName + "'";
    }
  }
  rules.clear();
  r.measurementRetention = retention;
  for (const auto* t : templates) {
    r.measurementRetention.insert(r.measurementRetention.end(), t->measurementRetention.begin(),
                                  t->measurementRetention.end());
  }
  for (const auto& d : r.measurementRetention) {
    if (!rules.insert(d.metricName).second) {
      return "two Measurement Retention metric rules have the same name '" + d.metricName + "'";
    }
  }
  *out = std::move(r);
  return std::nullopt;
}

std::optional<std::string> resolveRolloutArgs(const std::vector<Argument>& args,
                                              const RolloutSpec& rollout,
                                              std::vector<Argument>* out) {
  // utils/analysis/factory.go BuildArgumentsForRolloutAnalysisRun
  out->clear();
  for (const auto& a : args) {
    Argument r;
    r.name = a.name;
    r.loc = a.loc;
    std::string value = a.value.value_or("");
    const auto& vf = a.valueFrom;
    if (vf.kind == ArgValueFrom::Kind::kPodTemplateHashValue) {
      if (vf.podTemplateHashValue == "Latest") value = kNewPodHash;
      if (vf.podTemplateHashValue == "Stable") value = kStablePodHash;
    } else if (vf.kind == ArgValueFrom::Kind::kFieldRef) {
      const std::string& p = vf.fieldPath;
      // fieldpath.ExtractFieldPathAsString for metadata.*; extractValueFromRollout otherwise.
      auto sub = [&](const std::string& prefix,
                     const std::map<std::string, std::string>& m) -> std::optional<std::string> {
        if (p.rfind(prefix, 0) != 0 || p.size() < prefix.size() + 4) return std::nullopt;
        std::string key = p.substr(prefix.size());
        if (key.front() != '[' || key.back() != ']') return std::nullopt;
        key = key.substr(1, key.size() - 2);
        if (key.size() >= 2 && (key.front() == '\'' || key.front() == '"'))
          key = key.substr(1, key.size() - 2);
        auto it = m.find(key);
        return it == m.end() ? std::string() : it->second;
      };
      if (p == "metadata.name") {
        value = rollout.name;
      } else if (p == "metadata.namespace") {
        value = rollout.namespace_;
      } else if (auto v = sub("metadata.labels", rollout.labels)) {
        value = *v;
      } else if (auto w = sub("metadata.annotations", rollout.annotations)) {
        value = *w;
      } else if (p.rfind("metadata", 0) == 0) {
        return "unsupported fieldPath: " + p;
      } else {
        std::string key;
        std::string part;
        for (char c : p) {
          if (c == '.' || c == '[' || c == ']') {
            if (!part.empty()) key += (key.empty() ? "" : ".") + part;
            part.clear();
          } else {
            part.push_back(c);
          }
        }
        if (!part.empty()) key += (key.empty() ? "" : ".") + part;
        auto it = rollout.fields.find(key);
        if (it == rollout.fields.end()) return "invalid path " + p + " in rollout";
        value = it->second;
      }
    } else if (!a.value) {
      continue;  // neither value nor valueFrom: left for the template to supply
    }
    r.value = value;
    out->push_back(std::move(r));
  }
  return std::nullopt;
}

std::optional<std::string> resolveMetric(const Metric& metric, const std::vector<Argument>& args,
                                         Metric* out) {
  // utils/analysis/factory.go ResolveMetricArgs: the metric marshalled to JSON, every {{args.x}}
  // substituted (analysis/analysis.go getResolvedMetricsWithoutSecrets: secrets -> a
  // placeholder), then unmarshalled.
  std::map<std::string, std::string> values;
  for (const auto& a : args) {
    if (a.valueFrom.kind == ArgValueFrom::Kind::kSecretKeyRef) {
      values[a.name] = "temp-for-secret";
    } else if (a.value) {
      values[a.name] = *a.value;
    } else {
      return "argument \"" + a.name + "\" was not supplied";
    }
  }
  Metric m = metric;
  std::string error;
  auto sub = [&](std::string& s) {
    if (s.find("{{") == std::string::npos) return true;
    std::string r;
    std::string e;
    if (!substituteArgs(s, values, &r, &e)) {
      error = e;  // the last failure wins, as fasttemplate does over the whole JSON
      return false;
    }
    s = std::move(r);
    return true;
  };
  bool ok = true;
  for (std::string* s :
       {&m.name, &m.interval, &m.initialDelay, &m.successCondition, &m.failureCondition,
        &m.prometheusQuery, &m.prometheusAddress, &m.web.url, &m.web.jsonPath, &m.web.body,
        &m.web.method, &m.kayenta.address, &m.kayenta.application, &m.kayenta.canaryConfigName,
        &m.kayenta.metricsAccountName, &m.kayenta.configurationAccountName,
        &m.kayenta.storageAccountName}) {
    ok = sub(*s) && ok;
  }
  for (IntOrString* v : {&m.count, &m.failureLimit, &m.inconclusiveLimit, &m.consecutiveErrorLimit,
                         &m.consecutiveSuccessLimit}) {
    if (v->kind == IntOrString::Kind::kString) ok = sub(v->s) && ok;
  }
  for (auto& h : m.web.headers) {
    ok = sub(h.first) && ok;
    ok = sub(h.second) && ok;
  }
  for (auto& sc : m.kayenta.scopes) {
    for (auto* d : {&sc.controlScope, &sc.experimentScope}) {
      for (std::string* s : {&d->scope, &d->region, &d->start, &d->end}) ok = sub(*s) && ok;
    }
  }
  for (auto& s : m.providerStrings) ok = sub(s) && ok;
  if (!ok) return error;
  *out = std::move(m);
  return std::nullopt;
}

std::optional<std::string> validateMetric(const Metric& metric) {
  // utils/analysis/factory.go ValidateMetric, check by check.
  const int count = metric.count.isSet() ? metric.count.intValue() : 0;
  const int failureLimit = metric.failureLimit.isSet() ? metric.failureLimit.intValue() : 0;
  const int csl =
      metric.consecutiveSuccessLimit.isSet() ? metric.consecutiveSuccessLimit.intValue() : 0;
  const int inconclusiveLimit =
      metric.inconclusiveLimit.isSet() ? metric.inconclusiveLimit.intValue() : 0;
  if (csl < 0) return "consecutiveSuccessLimit must be >= 0";
  if (failureLimit < -1) return "failureLimit must be >= 0, or -1 to be disabled";
  if (csl == 0 && failureLimit == -1)
    return "failureLimit and consecutiveSuccessLimit cannot both be disabled";
  if (inconclusiveLimit < 0) return "inconclusiveLimit must be >= 0";
  if (metric.consecutiveErrorLimit.isSet() && metric.consecutiveErrorLimit.intValue() < 0) {
    return "consecutiveErrorLimit must be >= 0";
  }
  if (count > 0) {
    if (csl >= 0 && failureLimit >= 0) {
      if (count < failureLimit + csl) {
        return "count (" + std::to_string(count) +
               ") must be >= failureLimit + consecutiveSuccessLimit (" +
               std::to_string(failureLimit) + " + " + std::to_string(csl) + ") if both >= 0";
      }
    } else if (csl >= 0 && failureLimit < 0) {
      if (count < csl) return "count must be >= consecutiveSuccessLimit";
    }
    if (count < inconclusiveLimit) return "count must be >= inconclusiveLimit";
  }
  if (count > 1 && metric.interval.empty()) return "interval must be specified when count > 1";
  if (!metric.interval.empty() && !goDurationSeconds(metric.interval)) {
    return "invalid interval string: time: invalid duration \"" + metric.interval + "\"";
  }
  if (!metric.initialDelay.empty() && !goDurationSeconds(metric.initialDelay)) {
    return "invalid startDelay string: time: invalid duration \"" + metric.initialDelay + "\"";
  }
  if (metric.providerCount == 0) return "no provider specified";
  if (metric.providerCount > 1) return "multiple providers specified";
  return std::nullopt;
}

std::optional<std::string> validateMetrics(const std::vector<Metric>& metrics) {
  // factory.go ValidateMetrics
  if (metrics.empty()) return "no metrics specified";
  std::set<std::string> names;
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    if (!names.insert(metrics[i].name).second) {
      return "metrics[" + std::to_string(i) + "]: duplicate name '" + metrics[i].name + "'";
    }
    if (auto e = validateMetric(metrics[i])) return "metrics[" + std::to_string(i) + "]: " + *e;
  }
  return std::nullopt;
}

bool goRegexMatch(const std::string& pattern, const std::string& text) {
  // regexp.MatchString: unanchored. LabelRegex matches whole values, so wrap the pattern.
  try {
    const promql::LabelRegex re("(?:.*)(?:" + pattern + ")(?:.*)");
    return re.matches(text);
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<std::string> dryRunMetrics(const std::vector<DryRun>& rules,
                                         const std::vector<Metric>& metrics,
                                         std::set<std::string>* out) {
  // helpers.go GetDryRunMetrics
  out->clear();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    int matches = 0;
    for (const auto& m : metrics) {
      if (goRegexMatch(rules[i].metricName, m.name)) {
        out->insert(m.name);
        ++matches;
      }
    }
    if (matches < 1)
      return "dryRun[" + std::to_string(i) + "]: Rule didn't match any metric name(s)";
  }
  return std::nullopt;
}

std::optional<std::string> retentionMetrics(const std::vector<MeasurementRetention>& rules,
                                            const std::vector<Metric>& metrics,
                                            std::map<std::string, int>* out) {
  // helpers.go GetMeasurementRetentionMetrics
  out->clear();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    int matches = 0;
    for (const auto& m : metrics) {
      if (goRegexMatch(rules[i].metricName, m.name)) {
        (*out)[m.name] = rules[i].limit;
        ++matches;
      }
    }
    if (matches < 1)
      return "measurementRetention[" + std::to_string(i) +
             "]: Rule didn't match any metric name(s)";
  }
  return std::nullopt;
}

}  // namespace rolloutlab::core::argo
