#include "rolloutlab/core/flagger/run.h"

#include <cmath>

namespace rolloutlab::core {

const char* toString(ScriptMetricValue::Kind k) {
  switch (k) {
    case ScriptMetricValue::Kind::kPass:
      return "pass";
    case ScriptMetricValue::Kind::kFail:
      return "fail";
    case ScriptMetricValue::Kind::kError:
      return "error";
    case ScriptMetricValue::Kind::kNoData:
      return "nodata";
    case ScriptMetricValue::Kind::kNumber:
      return "number";
  }
  return "?";
}

}  // namespace rolloutlab::core

namespace rolloutlab::core::flagger {

const char* toString(Outcome::Result r) {
  switch (r) {
    case Outcome::Result::kPromoted:
      return "promoted";
    case Outcome::Result::kRolledBack:
      return "rolled_back";
    case Outcome::Result::kPromotionFailed:
      return "promotion_failed";
    case Outcome::Result::kSkippedAnalysis:
      return "skipped_analysis";
    case Outcome::Result::kInProgress:
      return "in_progress";
  }
  return "?";
}

Outcome outcomeOf(const std::vector<TickRecord>& ticks) {
  Outcome o;
  if (ticks.empty()) return o;
  const TickRecord& last = ticks.back();
  o.phase = last.status.phase;
  o.tick = last.tick;
  o.t = last.t;
  if (!isFinal(last.status.phase)) return o;
  for (auto it = ticks.rbegin(); it != ticks.rend(); ++it) {
    if (it->final == TickRecord::Final::kNone) continue;
    o.tick = it->tick;
    o.t = it->t;
    switch (it->final) {
      case TickRecord::Final::kPromoted:
        o.result = Outcome::Result::kPromoted;
        break;
      case TickRecord::Final::kRolledBack:
        o.result = Outcome::Result::kRolledBack;
        break;
      case TickRecord::Final::kPromotionFailed:
        o.result = Outcome::Result::kPromotionFailed;
        break;
      case TickRecord::Final::kSkippedAnalysis:
        o.result = Outcome::Result::kSkippedAnalysis;
        break;
      case TickRecord::Final::kNone:
        break;
    }
    return o;
  }
  // Final phase without a deciding tick in this run (it started there): nothing happened.
  o.result = Outcome::Result::kInProgress;
  return o;
}

double scriptedValue(const MetricSpec& m, CheckKind kind, const ScriptMetricValue& v) {
  if (v.kind == ScriptMetricValue::Kind::kNumber) return v.number;
  const bool pass = v.kind == ScriptMetricValue::Kind::kPass;
  if (m.thresholdRange) {
    const auto& r = *m.thresholdRange;
    if (pass) {
      if (r.min && r.max) return std::floor((*r.min + *r.max) / 2.0 * 1000.0) / 1000.0;
      if (r.min) return *r.min;
      if (r.max) return std::floor(*r.max);
      return 0.0;
    }
    if (r.min) return *r.min - 1.0;
    if (r.max) return std::floor(*r.max) + 1.0;
    return 0.0;  // an empty range cannot fail
  }
  // Deprecated threshold: success rate fails below it; everything else above it.
  if (kind == CheckKind::kRequestSuccessRate) return pass ? m.threshold : m.threshold - 1.0;
  return pass ? m.threshold : std::floor(m.threshold) + 1.0;
}

namespace {

class ScriptWorld final : public FlaggerWorld {
 public:
  ScriptWorld(const Script& s) : script_(s) {}
  void setTick(const ScriptTick* t) { tick_ = t; }

  Readiness primaryReady(double, Phase) override {
    if (tick_->obs.primaryReady) return *tick_->obs.primaryReady;
    return script_.defaults.primaryReady.value_or(Readiness::kReady);
  }
  Readiness canaryReady(double, Phase) override {
    if (tick_->obs.canaryReady) return *tick_->obs.canaryReady;
    return script_.defaults.canaryReady.value_or(Readiness::kReady);
  }
  bool webhook(double, const WebhookSpec& hook, int, Phase) override {
    for (const ScriptObservation* o : {&tick_->obs, &script_.defaults}) {
      if (auto it = o->webhookByKey.find(hook.name); it != o->webhookByKey.end()) return it->second;
      if (auto it = o->webhookByKey.find(toString(hook.type)); it != o->webhookByKey.end()) {
        return it->second;
      }
      if (hook.type == WebhookType::kRollout) {
        // An empty type is a rollout hook; a script may key it either way.
        if (auto it = o->webhookByKey.find(""); it != o->webhookByKey.end()) return it->second;
      }
      // The pass/fail shorthand opens or closes the gates; a rollback hook signals a rollback
      // (2xx) only when a script names it, by type or by name.
      if (o->webhooks && hook.type != WebhookType::kRollback) return *o->webhooks;
    }
    return hook.type != WebhookType::kRollback;
  }
  MetricAnswer metric(double, const MetricSpec& m, int, CheckKind kind) override {
    ScriptMetricValue v;
    bool found = false;
    for (const ScriptObservation* o : {&tick_->obs, &script_.defaults}) {
      if (auto it = o->metricByName.find(m.name); it != o->metricByName.end()) {
        v = it->second;
        found = true;
        break;
      }
      if (o->metrics) {
        v = *o->metrics;
        found = true;
        break;
      }
    }
    if (!found) v.kind = ScriptMetricValue::Kind::kPass;
    switch (v.kind) {
      case ScriptMetricValue::Kind::kError:
        return MetricAnswer::error("scripted query error");
      case ScriptMetricValue::Kind::kNoData:
        return MetricAnswer::noData("scripted: no values");
      default:
        return MetricAnswer::of(scriptedValue(m, kind, v));
    }
  }

 private:
  const Script& script_;
  const ScriptTick* tick_ = nullptr;
};

}  // namespace

FlaggerRun runScript(const FlaggerEngine& engine, const Script& script) {
  FlaggerRun run;
  FlaggerState state;
  ScriptWorld world(script);
  const double interval = engine.spec().analysisIntervalSeconds();
  int n = 0;
  for (const auto& tick : script.ticks) {
    ++n;
    if (tick.revision != RevisionEvent::kNone) ++state.targetRevision;
    world.setTick(&tick);
    TickRecord rec = engine.tick(state, (n - 1) * interval, world);
    rec.tick = n;
    run.ticks.push_back(std::move(rec));
  }
  run.outcome = outcomeOf(run.ticks);
  return run;
}

}  // namespace rolloutlab::core::flagger
