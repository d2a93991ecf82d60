// A RunView drawn as the workbench's timeline. Nothing is decided here: every marker is an event,
// a check or a status change the engine recorded in the view. An Argo run's measurements are its
// checks (a Scenario's or a replay's), drawn at the event whose analysis record counts them.

#include "rolloutlab/app/workbench/run_timeline.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <map>
#include <set>
#include <sstream>

#include "rolloutlab/app/workbench/recordings.h"
#include "rolloutlab/app/workbench/rollout_document.h"

namespace rolloutlab::app::workbench {

namespace {

std::string whole(double v) { return std::to_string(std::llround(v)); }

const char* unitOf(const std::string& name) {
  if (name == "request-success-rate") return "%";
  if (name == "request-duration") return "ms";
  return "";
}

std::string answerText(RunCheck::Answer answer, const std::optional<double>& value,
                       const std::string& unit) {
  switch (answer) {
    case RunCheck::Answer::kValue:
      return formatNumber(value ? *value : NAN) + (unit.empty() ? "" : " " + unit);
    case RunCheck::Answer::kNoData:
      return "no data";
    case RunCheck::Answer::kError:
      return "error";
  }
  return {};
}

std::string boundsText(const std::optional<double>& min, const std::optional<double>& max) {
  if (min && max) return "[" + formatNumber(*min) + ", " + formatNumber(*max) + "]";
  if (min) return "min " + formatNumber(*min);
  if (max) return "max " + formatNumber(*max);
  return "no range";
}

// What a webhook's answer means for the rollout (Flagger's webhook types).
std::string gateVerdict(const RunGate& g) {
  if (g.type == "rollback") return g.ok ? "asks for a rollback" : "no rollback asked";
  if (g.type == "confirm-rollout" || g.type == "confirm-traffic-increase" ||
      g.type == "confirm-promotion")
    return g.ok ? "open" : "held";
  if (g.type == "event") return g.ok ? "delivered" : "not delivered";
  return g.ok ? "passed" : "failed";
}

TimelineMarker::Kind checkMarker(const std::string& verdict) {
  if (verdict == "pass") return TimelineMarker::Kind::kPass;
  if (verdict == "fail") return TimelineMarker::Kind::kFail;
  if (verdict == "nodata") return TimelineMarker::Kind::kNoData;
  return TimelineMarker::Kind::kError;
}

std::string summaryLine(const RunView& v) {
  if (!v.summary) return {};
  const sim::RunSummary& s = *v.summary;
  if (!v.counts) {
    // Only request logs count requests: other recordings say nothing of them.
    return "the recording counts no requests; peak canary weight " +
           std::to_string(s.peakCanaryWeight) + "%";
  }
  return "canary served " + formatNumber(std::round(s.totals.canaryRequests), 12) + " requests, " +
         formatNumber(std::round(s.totals.canaryErrors), 12) + " errors; excess errors " +
         formatNumber(s.totals.excessErrors, 4) + "; peak canary weight " +
         std::to_string(s.peakCanaryWeight) + "%";
}

// ---- Flagger: a tick per event, its checks under it --------------------------------------------

Timeline flaggerTimeline(const RunView& v) {
  Timeline tl;
  const double interval = v.tickInterval;
  tl.duration = v.events.empty() ? interval : v.events.back().t + interval;
  const std::string threshold = std::to_string(v.threshold);

  std::map<std::pair<std::string, std::string>, std::size_t> lane;  // (name, kind) -> metrics
  std::size_t ci = 0;
  for (const RunEvent& e : v.events) {
    const std::string when = formatDuration(e.t);
    const std::string rule = e.message.empty() ? "" : "\nrule: " + e.message;
    tl.canaryWeight.emplace_back(e.t, e.canaryWeight);
    std::string tip = "tick " + std::to_string(e.tick) + " at " + when + ": " + e.kind +
                      "\ncanary " + whole(e.canaryWeight) + "%, primary " + whole(e.stableWeight) +
                      "%" + (e.mirrored ? " (mirrored)" : "") + "\nfailedChecks " +
                      std::to_string(e.failedChecks) + " of threshold " + threshold +
                      ", iterations " + std::to_string(e.iterations) + rule;
    for (const auto& n : e.notes) tip += "\nevent: " + n;
    for (const auto& g : e.gates)
      tip += "\nwebhook " + g.name + " (" + g.type + "): " + gateVerdict(g);
    tl.events.push_back({TimelineMarker::Kind::kTick, e.t, e.canaryWeight, tip});
    for (const auto& g : e.gates) {
      // The rollout hook runs on every tick; it is marked only when it fails.
      if (g.type == "rollout" && g.ok) continue;
      const bool open = g.type == "rollback" ? !g.ok : g.ok;
      tl.events.push_back(
          {open ? TimelineMarker::Kind::kGateOpen : TimelineMarker::Kind::kGateClosed, e.t, 0,
           "webhook " + g.name + " (" + g.type + ") at " + when + ": " + gateVerdict(g) + rule});
    }
    if (!e.final.empty()) {
      const bool good = e.final == "promoted" || e.final == "skipped_analysis";
      const std::string what = good                            ? "promoted"
                               : e.final == "promotion_failed" ? "promotion failed"
                                                               : "rolled back";
      tl.events.push_back(
          {good ? TimelineMarker::Kind::kPromotion : TimelineMarker::Kind::kRollback, e.t, 0,
           what + " at " + when + " (tick " + std::to_string(e.tick) + ", " + e.kind + ")" + rule});
    }
    while (ci < v.checks.size() && v.checks[ci].tick < e.tick) ++ci;
    for (; ci < v.checks.size() && v.checks[ci].tick == e.tick; ++ci) {
      const RunCheck& c = v.checks[ci];
      auto it = lane.find({c.name, c.kind});
      if (it == lane.end()) {
        TimelineMetric m;
        m.name = c.name;
        m.unit = unitOf(c.name);
        m.min = c.min;
        m.max = c.max;
        it = lane.emplace(std::pair{c.name, c.kind}, tl.metrics.size()).first;
        tl.metrics.push_back(std::move(m));
      }
      TimelineMetric& m = tl.metrics[it->second];
      if (c.answer == RunCheck::Answer::kValue && c.value && std::isfinite(*c.value))
        m.canary.emplace_back(e.t, *c.value);
      if (c.primary == RunCheck::Answer::kValue && c.primaryValue && std::isfinite(*c.primaryValue))
        m.primary.emplace_back(e.t, *c.primaryValue);
      if (!c.checked || c.verdict.empty()) continue;
      if (c.heldMin || c.heldMax) {
        m.min = c.heldMin;
        m.max = c.heldMax;
      }
      TimelineMarker mk;
      mk.t = e.t;
      mk.value = c.comparedValue;
      mk.kind = checkMarker(c.verdict);
      mk.text = c.name + " at " + when + " (tick " + std::to_string(e.tick) +
                "): " + answerText(c.answer, c.value, m.unit) + " held against " +
                boundsText(c.heldMin, c.heldMax) + ": " + c.verdict;
      if (c.primary) mk.text += "\nprimary: " + answerText(*c.primary, c.primaryValue, m.unit);
      if (!c.checkMessage.empty()) mk.text += "\n" + c.checkMessage;
      if (e.failedCheck) {
        mk.text +=
            "\nfailedChecks " + std::to_string(e.failedChecks) + " of threshold " + threshold;
      }
      mk.text += rule;
      m.checks.push_back(std::move(mk));
    }
  }
  const RunEnd& o = v.end;
  const std::string when = " at " + formatDuration(o.t) + " (tick " + std::to_string(o.tick) + ")";
  if (o.result == "promoted") {
    tl.outcome = "promoted" + when;
    tl.promoted = true;
  } else if (o.result == "rolled_back") {
    tl.outcome = "rolled back" + when;
    tl.rolledBack = true;
  } else if (o.result == "promotion_failed") {
    tl.outcome = "promotion failed" + when;
    tl.rolledBack = true;
  } else if (o.result == "skipped_analysis") {
    tl.outcome = "promoted without analysis" + when;
    tl.promoted = true;
  } else {
    tl.outcome = "no decision after " + formatDuration(o.t) + " (" + o.phase + ")";
  }
  tl.summary = summaryLine(v);
  return tl;
}

// ---- Argo: the weight after each event, status changes, every measurement -----------------------

/// The first number of a measurement's value as Argo records it ("[0.99]", "0.99",
/// "[0.99,0.98]"); nullopt for an empty list or a value that is not a number.
std::optional<double> firstNumber(const std::string& value) {
  std::size_t i = 0;
  while (i < value.size() && (value[i] == '[' || value[i] == ' ')) ++i;
  std::size_t j = i;
  while (j < value.size() && value[j] != ',' && value[j] != ' ' && value[j] != ']') ++j;
  if (j == i) return std::nullopt;
  const std::string tok = value.substr(i, j - i);
  if (tok == "NaN") return std::nullopt;
  double x = 0;
  const auto r = std::from_chars(tok.data(), tok.data() + tok.size(), x);
  if (r.ec != std::errc() || r.ptr != tok.data() + tok.size()) return std::nullopt;
  return x;
}

// A measurement's value as Argo records it ("" when it has none: an Error).
std::string takenValue(const RunCheck& c) {
  if (c.record.is_object()) {
    const auto it = c.record.find("value");
    if (it != c.record.end() && it->is_string()) return it->get<std::string>();
  }
  return {};
}

std::string pct(double w) { return formatNumber(w, 4) + "%"; }

std::string stateLine(const RunEvent& e, std::size_t steps) {
  std::string o;
  if (e.step) o += "step " + std::to_string(*e.step) + " of " + std::to_string(steps) + ", ";
  o += "canary weight " + pct(e.canaryWeight) + ", " + e.kind;
  if (e.aborted) o += " (aborted)";
  if (!e.pauses.empty()) {
    o += " [";
    for (std::size_t i = 0; i < e.pauses.size(); ++i) o += (i ? ", " : "") + e.pauses[i];
    o += "]";
  }
  if (e.specPaused) o += " spec.paused";
  o += "\npods: stable " + std::to_string(e.stableAvailable) + "/" +
       std::to_string(e.stableDesired) + ", new " + std::to_string(e.newAvailable) + "/" +
       std::to_string(e.newDesired);
  return o;
}

std::string countersText(const RunAnalysisMetric& m) {
  return "count " + std::to_string(m.count) + ", successful " + std::to_string(m.successful) +
         ", failed " + std::to_string(m.failed) + ", inconclusive " +
         std::to_string(m.inconclusive) + ", error " + std::to_string(m.error) +
         ", consecutiveError " + std::to_string(m.consecutiveError);
}

std::string runLabel(const RunAnalysis& r) { return "AnalysisRun " + r.name + " (" + r.kind + ")"; }

TimelineMarker::Kind runMarker(const std::string& phase) {
  if (phase == "Successful") return TimelineMarker::Kind::kAnalysisSuccessful;
  if (phase == "Failed") return TimelineMarker::Kind::kAnalysisFailed;
  if (phase == "Inconclusive") return TimelineMarker::Kind::kAnalysisInconclusive;
  return TimelineMarker::Kind::kAnalysisError;
}

Timeline argoTimeline(const RunView& v) {
  Timeline tl;
  const auto& events = v.events;
  const double last = events.empty() ? 0.0 : events.back().t;
  const double end = std::max(v.lastInstant, last);
  tl.duration = end + std::max(60.0, end * 0.04);
  const std::size_t stepCount = v.steps.size();
  auto stepText = [&](std::size_t k) { return k < stepCount ? v.steps[k] : std::string("step"); };

  std::map<std::string, const RunMetricRule*> ruleOf;
  for (const auto& r : v.metricRules) ruleOf.emplace(r.name, &r);

  std::map<std::string, std::size_t> lane;  // metric name -> metrics index
  auto laneOf = [&](const std::string& name) -> TimelineMetric& {
    auto it = lane.find(name);
    if (it == lane.end()) {
      TimelineMetric m;
      m.name = name;
      const auto s = ruleOf.find(name);
      if (s != ruleOf.end()) {
        const RunMetricRule& rule = *s->second;
        if (!rule.successCondition.empty()) {
          m.condition = "successCondition: " + rule.successCondition;
          if (const auto r = conditionRange(rule.successCondition, true);
              r && rule.failureCondition.empty()) {
            m.min = r->min;
            m.max = r->max;
          }
        }
        if (!rule.failureCondition.empty()) {
          m.condition += (m.condition.empty() ? "" : "; ") + std::string("failureCondition: ") +
                         rule.failureCondition;
          if (const auto r = conditionRange(rule.failureCondition, false);
              r && rule.successCondition.empty()) {
            m.min = r->min;
            m.max = r->max;
          }
        }
        if (m.condition.empty()) m.condition = "no condition: every measurement is Successful";
      }
      it = lane.emplace(name, tl.metrics.size()).first;
      tl.metrics.push_back(std::move(m));
    }
    return tl.metrics[it->second];
  };

  // The measurements the run took (a Scenario's or a replay's checks), by AnalysisRun and
  // metric in the order taken; a Kayenta score names no run. A Script's run has none: its
  // measurements are read off its events' analysis records alone.
  std::map<std::pair<std::string, std::string>, std::deque<const RunCheck*>> taken;
  for (const RunCheck& c : v.checks) taken[{c.analysisRun, c.name}].push_back(&c);
  auto nextTaken = [&](const std::string& run, const std::string& metric) -> const RunCheck* {
    for (const auto& k : {std::pair{run, metric}, std::pair{std::string(), metric}}) {
      auto it = taken.find(k);
      if (it == taken.end() || it->second.empty()) continue;
      const RunCheck* c = it->second.front();
      it->second.pop_front();
      return c;
    }
    return nullptr;
  };

  std::map<std::pair<std::string, std::string>, RunAnalysisMetric> seen;  // (run, metric)
  std::map<std::string, std::string> runPhase;
  std::optional<int> step;
  std::set<std::string> pauses;
  bool aborted = false, promoted = false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const RunEvent& e = events[i];
    const std::string when = " at " + formatDuration(e.t);
    const std::string rule = e.message.empty() ? "" : "\nrule: " + e.message;
    tl.canaryWeight.emplace_back(e.t, e.canaryWeight);

    // One tick marker per instant, listing every reconcile of it in order.
    const std::string what = e.source + (e.action.empty() ? "" : " (" + e.action + ")") +
                             (e.message.empty() ? "" : ": " + e.message);
    if (i > 0 && events[i - 1].t == e.t && !tl.events.empty()) {
      for (auto it = tl.events.rbegin(); it != tl.events.rend(); ++it) {
        if (it->kind != TimelineMarker::Kind::kTick) continue;
        const std::size_t cut = it->text.find("\nstatus: ");
        it->text = it->text.substr(0, cut) + "\n" + what + "\nstatus: " + stateLine(e, stepCount);
        it->value = e.canaryWeight;
        break;
      }
    } else {
      tl.events.push_back(
          {TimelineMarker::Kind::kTick, e.t, e.canaryWeight,
           formatDuration(e.t) + ":\n" + what + "\nstatus: " + stateLine(e, stepCount)});
    }
    if (!e.action.empty()) {
      tl.events.push_back(
          {TimelineMarker::Kind::kGateOpen, e.t, 0, "user action " + e.action + when + rule});
    }
    // Step completions.
    if (e.step && step && *e.step > *step) {
      for (int k = *step; k < *e.step; ++k) {
        tl.events.push_back({TimelineMarker::Kind::kStep, e.t, e.canaryWeight,
                             "step " + std::to_string(k) + " (" +
                                 stepText(static_cast<std::size_t>(k)) + ") completed" + when +
                                 "\ncanary weight " + pct(e.canaryWeight) + rule});
      }
    }
    if (e.step) step = e.step;
    // Pauses.
    for (const auto& p : e.pauses) {
      if (pauses.count(p) > 0) continue;
      std::string at;
      if (p == "CanaryPauseStep" && e.step && *e.step >= 0 &&
          static_cast<std::size_t>(*e.step) < stepCount) {
        at = " at step " + std::to_string(*e.step) + " (" +
             v.steps[static_cast<std::size_t>(*e.step)] + ")";
      }
      tl.events.push_back({TimelineMarker::Kind::kPause, e.t, e.canaryWeight,
                           "paused (" + p + ")" + at + when + rule});
    }
    pauses = std::set<std::string>(e.pauses.begin(), e.pauses.end());
    // AnalysisRuns: phase changes and measurements.
    for (const auto& r : e.analyses) {
      std::string& before = runPhase[r.name];
      if (r.phase != before && r.completed) {
        std::string text = runLabel(r) + " " + r.phase + when;
        if (!r.message.empty()) text += ": " + r.message;
        for (const auto& m : r.metrics)
          text += "\n" + m.name + " " + m.phase + ": " + countersText(m);
        tl.events.push_back({runMarker(r.phase), e.t, 0, text + rule});
      }
      before = r.phase;
      for (const auto& m : r.metrics) {
        RunAnalysisMetric& prev = seen[{r.name, m.name}];
        if (m.count + m.error <= prev.count + prev.error) {
          prev = m;
          continue;
        }
        // A new measurement, drawn where the AnalysisRun recorded it: its phase is the counter
        // that moved, its value and message the measurement's as taken.
        TimelineMarker mk;
        mk.t = e.t;
        std::string phase = "Successful";
        if (m.error > prev.error) {
          mk.kind = TimelineMarker::Kind::kError;
          phase = "Error";
        } else if (m.failed > prev.failed) {
          mk.kind = TimelineMarker::Kind::kFail;
          phase = "Failed";
        } else if (m.inconclusive > prev.inconclusive) {
          mk.kind = TimelineMarker::Kind::kInconclusive;
          phase = "Inconclusive";
        } else {
          mk.kind = TimelineMarker::Kind::kPass;
        }
        // A check the record contradicts (a Job deleted before it completed: Inconclusive,
        // whatever its Job would have done) is drawn as the record has it.
        const RunCheck* c = nextTaken(r.name, m.name);
        if (c != nullptr && c->verdict != phase) c = nullptr;
        const std::string value = c ? takenValue(*c) : m.lastValue;
        const std::string& message = c ? c->message : m.lastMessage;
        TimelineMetric& lm = laneOf(m.name);
        const auto x = phase == "Error" ? std::nullopt : firstNumber(value);
        mk.value = x ? *x : NAN;
        if (x) lm.canary.emplace_back(e.t, *x);
        mk.text = m.name + when + " (" + runLabel(r) +
                  "): " + (value.empty() ? "no value" : value) + " -> " + phase +
                  (m.dryRun ? " (dry run)" : "");
        if (!lm.condition.empty()) mk.text += "\n" + lm.condition;
        if (!message.empty()) mk.text += "\n" + message;
        mk.text += "\n" + countersText(m);
        const auto sp = ruleOf.find(m.name);
        if (sp != ruleOf.end()) {
          const RunMetricRule& spec = *sp->second;
          mk.text += "\nlimits: failureLimit " + std::to_string(spec.failureLimit) +
                     ", inconclusiveLimit " + std::to_string(spec.inconclusiveLimit) +
                     ", consecutiveErrorLimit " + std::to_string(spec.consecutiveErrorLimit);
        }
        mk.text += "\nmetric " + m.phase + rule;
        lm.checks.push_back(std::move(mk));
        prev = m;
      }
    }
    // Abort and promotion.
    if (e.aborted && !aborted) {
      tl.events.push_back({TimelineMarker::Kind::kRollback, e.t, 0,
                           "aborted" + when + " (" + e.kind + ")" +
                               (e.statusMessage.empty() ? "" : "\n" + e.statusMessage) + rule});
    }
    aborted = e.aborted;
    if (e.promoted && !promoted) {
      tl.events.push_back(
          {TimelineMarker::Kind::kPromotion, e.t, 0,
           "promoted" + when + ": the new revision is stable (" + e.kind + ")" + rule});
    }
    promoted = e.promoted;
  }

  const RunEnd& o = v.end;
  const std::string when = " at " + formatDuration(o.t) + " (" + o.phase + ")";
  if (o.result == "promoted") {
    tl.outcome = "promoted" + when;
    tl.promoted = true;
  } else if (o.result == "aborted") {
    tl.outcome = "aborted" + when;
    tl.rolledBack = true;
  } else if (o.result == "paused") {
    tl.outcome = "paused" + when + ", waiting for a promotion";
  } else {
    tl.outcome = "no decision after " + formatDuration(v.lastInstant) + " (" + o.phase + ")";
  }
  tl.summary = summaryLine(v);
  // Why it was aborted, in the controller's words (status.message).
  if (o.result == "aborted" && !events.empty() && !events.back().statusMessage.empty())
    tl.summary = events.back().statusMessage + "\n" + tl.summary;
  return tl;
}

}  // namespace

Timeline timelineOf(const RunView& view) {
  return view.engine == "argo" ? argoTimeline(view) : flaggerTimeline(view);
}

Timeline timelineOrError(const std::string& title, const std::function<Timeline()>& draw) {
  Timeline tl;
  try {
    return draw();
  } catch (const core::InputError& e) {
    tl.error = e.diagnostic().toString();
  } catch (const std::exception& e) {
    tl.error = e.what();
  }
  tl.title = title;
  return tl;
}

Timeline replayTimeline(
    const Workspace& workspace, const replay::ReplaySpec& spec, RunOptions options,
    RecordingCache& cache, const std::string& title,
    const std::function<std::vector<std::pair<double, double>>(const RunView&, const Timeline&)>&
        regression) {
  return timelineOrError(title, [&] {
    options.openRecording = [&cache](const replay::ReplaySpec& s,
                                     const replay::ReplayTarget& target) {
      return cache.open(s, target);
    };
    std::ostringstream warnings;  // unread log lines: the recording's own report shows them
    const RunView view = replayRun(workspace, spec, options, warnings);
    Timeline tl = timelineOf(view);
    if (regression) tl.regression = regression(view, tl);
    const std::string run = replayRunText(spec, options.seed, options.replicate);
    tl.summary = run + " from " + view.source + "\n" + tl.summary;
    tl.title = title + " (" + run + ")";
    return tl;
  });
}

}  // namespace rolloutlab::app::workbench
