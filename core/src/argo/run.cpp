#include "rolloutlab/core/argo/run.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/number_format.h"

namespace rolloutlab::core::argo {

const char* toString(ArgoOutcome::Result r) {
  switch (r) {
    case ArgoOutcome::Result::kPromoted:
      return "promoted";
    case ArgoOutcome::Result::kAborted:
      return "aborted";
    case ArgoOutcome::Result::kPaused:
      return "paused";
    case ArgoOutcome::Result::kInProgress:
      return "in_progress";
  }
  return "?";
}

namespace {

bool sameStretch(const ArgoSnapshot& s, const ArgoSnapshot& last) {
  return s.phase == last.phase && s.abort == last.abort && s.promoted == last.promoted &&
         (last.phase != RolloutPhase::kPaused || s.pauseConditions == last.pauseConditions ||
          s.specPaused == last.specPaused);
}

}  // namespace

std::size_t finalStretchStart(const std::vector<ArgoEvent>& events) {
  if (events.empty()) return 0;
  const ArgoSnapshot& last = events.back().state;
  std::size_t i = events.size() - 1;
  while (i > 0 && sameStretch(events[i - 1].state, last)) --i;
  return i;
}

ArgoOutcome argoOutcomeOf(const std::vector<ArgoEvent>& events) {
  ArgoOutcome o;
  if (events.empty()) return o;
  const ArgoSnapshot& last = events.back().state;
  o.phase = last.phase;
  o.t = events.back().t;
  if (last.promoted) {
    o.result = ArgoOutcome::Result::kPromoted;
  } else if (last.abort) {
    o.result = ArgoOutcome::Result::kAborted;
  } else if (last.phase == RolloutPhase::kPaused) {
    o.result = ArgoOutcome::Result::kPaused;
  } else if (last.phase != RolloutPhase::kDegraded) {
    return o;  // in progress: the last event
  }
  // The first event of the trailing stretch in the final state.
  o.t = events[finalStretchStart(events)].t;
  return o;
}

Value scriptValue(const ScriptDatum& d, ProviderKind provider) {
  switch (d.kind) {
    case ScriptDatum::Kind::kNull:
      return Value();
    case ScriptDatum::Kind::kNumber:
      return Value::number(d.number);
    case ScriptDatum::Kind::kString:
      return Value::string(d.text);
    case ScriptDatum::Kind::kBool:
      return Value::boolean(d.boolean);
    case ScriptDatum::Kind::kList: {
      bool numbers = true;
      for (const auto& x : d.items) numbers = numbers && x.kind == ScriptDatum::Kind::kNumber;
      if (numbers && provider != ProviderKind::kWeb) {
        // prometheus.go processResponse: a vector (or matrix) is a []float64.
        std::vector<double> v;
        for (const auto& x : d.items) v.push_back(x.number);
        return Value::floats(std::move(v));
      }
      Value::Array a;
      for (const auto& x : d.items) a.push_back(scriptValue(x, provider));
      return Value::array(std::move(a));
    }
    case ScriptDatum::Kind::kMap: {
      Value::Map m;
      for (const auto& [k, v] : d.fields) m[k] = scriptValue(v, provider);
      return Value::map(std::move(m));
    }
  }
  return Value();
}

namespace {

class ScriptWorld final : public ArgoWorld {
 public:
  explicit ScriptWorld(const Script& s) : script_(s) {}

  double podStartup(double, bool) override { return script_.podStartup.value_or(0.0); }

  ProviderAnswer measure(const MeasureRequest& r) override {
    const ScriptMeasurement& m = next(r);
    if (m.error) return ProviderAnswer::fail("scripted provider error");
    return ProviderAnswer::of(scriptValue(m.value, r.metric->provider));
  }

  JobAnswer job(const MeasureRequest& r) override {
    const ScriptMeasurement& m = next(r);
    JobAnswer a;
    if (m.error) {
      a.createError = true;
      a.message = "scripted job creation error";
      return a;
    }
    if (m.value.kind != ScriptDatum::Kind::kNumber)
      bad(r, m, "a Job metric's measurement is its exit code (a number)");
    a.succeeded = m.value.number == 0;
    return a;
  }

  KayentaAnswer kayenta(const KayentaRequest& r) override {
    MeasureRequest mr;
    mr.t = r.t;
    mr.metric = r.metric;
    mr.measurement = r.measurement;
    const ScriptMeasurement& m = next(mr);
    KayentaAnswer a;
    if (m.error) {
      a.kind = KayentaAnswer::Kind::kError;
      a.message = "scripted Kayenta error";
      return a;
    }
    if (m.value.kind != ScriptDatum::Kind::kNumber)
      bad(mr, m, "a Kayenta metric's measurement is its score (a number)");
    a.score = m.value.number;
    return a;
  }

 private:
  [[noreturn]] void bad(const MeasureRequest& r, const ScriptMeasurement& m,
                        const std::string& rule) {
    throw InputError(Diagnostic{Severity::kError, script_.file, m.line, 0,
                                "spec.measurements." + r.metric->name, "", rule});
  }

  const ScriptMeasurement& next(const MeasureRequest& r) {
    const auto it = script_.measurements.find(r.metric->name);
    if (it == script_.measurements.end()) {
      throw InputError(Diagnostic{Severity::kError, script_.file, script_.line, 0,
                                  "spec.measurements", "",
                                  "no measurements for metric \"" + r.metric->name +
                                      "\", measured at t=" + formatGeneral(r.t) + "s"});
    }
    std::size_t& i = used_[r.metric->name];
    const auto& list = it->second;
    const ScriptMeasurement& m = list[std::min(i, list.size() - 1)];
    ++i;
    return m;
  }

  const Script& script_;
  std::map<std::string, std::size_t> used_;
};

}  // namespace

ArgoRun runArgoScript(const ArgoEngine& engine, const Script& script) {
  // Every scripted metric must exist in the rollout (a misspelt name would never be used).
  std::vector<std::string> names;
  for (const Metric* m : engine.allMetrics()) names.push_back(m->name);
  for (const auto& [name, list] : script.measurements) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      throw InputError(Diagnostic{
          Severity::kError, script.file,
          script.measurementLines.count(name) ? script.measurementLines.at(name) : script.line, 0,
          "spec.measurements." + name, "",
          "the rollout has no metric of that name (its metrics: " +
              (known.empty() ? std::string("none") : known) + ")"});
    }
  }
  ArgoRun run;
  ScriptWorld world(script);
  ArgoState state = engine.initialState();
  engine.applyNewRevision(state, 0.0, world, run.events);
  const double horizon = script.until.value_or(kDefaultScriptHorizon);
  std::size_t ai = 0;
  double t = 0;
  while (ai < script.actions.size() && script.actions[ai].at <= 0) {
    engine.applyAction(state, *userActionFromString(script.actions[ai].action), 0.0, world,
                       run.events);
    ++ai;
  }
  for (;;) {
    double next = engine.nextWakeUp(state, t);
    if (ai < script.actions.size()) next = std::min(next, script.actions[ai].at);
    if (!std::isfinite(next) || next > horizon) break;
    t = next;
    bool acted = false;
    while (ai < script.actions.size() && script.actions[ai].at <= t) {
      engine.applyAction(state, *userActionFromString(script.actions[ai].action), t, world,
                         run.events);
      ++ai;
      acted = true;
    }
    if (!acted) engine.settle(state, t, world, run.events);
  }
  run.end = t;
  run.outcome = argoOutcomeOf(run.events);
  return run;
}

}  // namespace rolloutlab::core::argo
