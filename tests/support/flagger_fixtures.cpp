#include "flagger_fixtures.h"

namespace rolloutlab::test {

namespace fl = core::flagger;

fl::MetricSpec makeMetric(const std::string& name, std::optional<double> min,
                          std::optional<double> max) {
  fl::MetricSpec m;
  m.name = name;
  m.interval = "1m";
  m.thresholdRange = fl::ThresholdRange{min, max};
  return m;
}

fl::WebhookSpec makeHook(const std::string& name, fl::WebhookType type) {
  fl::WebhookSpec h;
  h.name = name;
  h.type = type;
  h.url = "http://hooks.test/" + name;
  return h;
}

fl::CanarySpec makeCanarySpec() {
  fl::CanarySpec c;
  c.name = "podinfo";
  c.namespace_ = "test";
  c.provider = "istio";
  c.targetName = "podinfo";
  c.hasAnalysis = true;
  c.analysis.interval = "1m";
  c.analysis.threshold = 2;
  c.analysis.stepWeight = 10;
  c.analysis.maxWeight = 50;
  c.analysis.metrics.push_back(makeMetric("request-success-rate", 99, std::nullopt));
  return c;
}

fl::Readiness FakeWorld::primaryReady(double, fl::Phase) {
  calls.push_back("primary");
  return primary;
}

fl::Readiness FakeWorld::canaryReady(double, fl::Phase) {
  calls.push_back("canary");
  return canary;
}

bool FakeWorld::webhook(double, const fl::WebhookSpec& h, int, fl::Phase p) {
  calls.push_back("hook:" + h.name + ":" + fl::toString(p));
  auto it = hooks.find(h.name);
  return it == hooks.end() ? true : it->second;
}

fl::MetricAnswer FakeWorld::metric(double, const fl::MetricSpec& m, int, fl::CheckKind kind) {
  calls.push_back("metric:" + m.name + ":" + fl::toString(kind) + ":" + m.interval);
  auto it = metrics.find(m.name);
  return it == metrics.end() ? fl::MetricAnswer::of(defaultValue) : it->second;
}

std::vector<std::string> FakeWorld::callsStartingWith(const std::string& prefix) const {
  std::vector<std::string> out;
  for (const auto& c : calls)
    if (c.rfind(prefix, 0) == 0) out.push_back(c);
  return out;
}

EngineDriver::EngineDriver(fl::CanarySpec spec,
                           std::vector<const fl::MetricTemplateSpec*> templates,
                           fl::FlaggerEngineOptions options)
    : engine(spec, std::move(templates), std::move(options)) {}

fl::TickRecord EngineDriver::tick(bool newRevision) {
  if (newRevision) ++state.targetRevision;
  auto r = engine.tick(state, ticks * engine.spec().analysisIntervalSeconds(), world);
  r.tick = ++ticks;
  return r;
}

fl::TickRecord EngineDriver::runToEnd(int maxTicks) {
  fl::TickRecord r;
  for (int i = 0; i < maxTicks; ++i) {
    r = tick();
    if (fl::isFinal(r.status.phase)) break;
  }
  return r;
}

}  // namespace rolloutlab::test
