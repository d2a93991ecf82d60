// FlaggerEngine: advanceCanary of fluxcd/flagger 1.44.0, rule by rule.
// Each rule names the upstream file and function it reproduces. The in-memory Canary that
// upstream reads at the start of a tick is `c.mem`; status writes go to `c.state.status`
// (upstream writes them through the API and does not re-read them within the tick).

#include "rolloutlab/core/flagger/engine.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "rolloutlab/core/number_format.h"

namespace rolloutlab::core::flagger {

const char* toString(Readiness r) {
  switch (r) {
    case Readiness::kReady:
      return "ready";
    case Readiness::kWaiting:
      return "waiting";
    case Readiness::kDeadlineExceeded:
      return "deadline";
  }
  return "?";
}

const char* toString(CheckKind k) {
  switch (k) {
    case CheckKind::kRequestSuccessRate:
      return "builtin";
    case CheckKind::kRequestDuration:
      return "builtin";
    case CheckKind::kInlineQuery:
      return "query";
    case CheckKind::kTemplate:
      return "template";
  }
  return "?";
}

const char* toString(MetricCheck::Result r) {
  switch (r) {
    case MetricCheck::Result::kPass:
      return "pass";
    case MetricCheck::Result::kFail:
      return "fail";
    case MetricCheck::Result::kNoData:
      return "nodata";
    case MetricCheck::Result::kError:
      return "error";
  }
  return "?";
}

namespace {

std::string num(double v) {
  // "%.0f" / "%.2f" in the C locale: core::formatFixed (std::to_chars with a precision formats
  // as printf does) at a fraction of snprintf's cost (a failed check formats two numbers every
  // tick). Cut at 63 characters (|v| >= 1e60) as the 64-byte snprintf buffer of old cut it.
  const int precision = v == std::floor(v) && std::fabs(v) < 1e15 ? 0 : 2;
  std::string s = formatFixed(v, precision);
  if (s.size() > 63) s.resize(63);
  return s;
}

// Go's float64 -> int64 conversion on amd64 (CVTTSD2SQ): truncation toward zero, and the
// "integer indefinite" value INT64_MIN for NaN and out-of-range inputs.
std::int64_t goFloatToInt64(double v) {
  if (std::isnan(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0) {
    return std::numeric_limits<std::int64_t>::min();
  }
  return static_cast<std::int64_t>(v);
}

// time.Duration(n) * time.Millisecond with Go's wrapping int64 multiplication.
std::int64_t goMillis(std::int64_t n) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(n) * 1000000ULL);
}

bool inPhases(Phase p, std::initializer_list<Phase> ps) {
  for (Phase q : ps) {
    if (p == q) return true;
  }
  return false;
}

// pkg/canary/spec.go hasSpecChanged: a revision is new when it is neither the last applied
// nor the last promoted one.
bool hasSpecChanged(const CanaryStatus& s, int targetRevision) {
  if (s.lastPromotedRevision == targetRevision) return false;
  return s.lastAppliedRevision != targetRevision;
}

}  // namespace

struct FlaggerEngine::TickContext {
  FlaggerState& state;
  FlaggerWorld& world;
  TickRecord& rec;
  const CanaryStatus mem;  // the Canary as read at the start of the tick
  double t;
  const std::string& id;      // "<name>.<namespace>"
  const std::string& target;  // "<targetName>.<namespace>"
  // Whether the record gets its words (events, reason, the checks' names and messages): a
  // batch asks for the decisions only, so the strings are built only when someone reads them.
  bool text;
  template <class Make>
  void event(Make&& make) {
    if (text) rec.events.push_back(make());
  }
  template <class Make>
  void reason(Make&& make) {
    if (text) rec.reason = make();
  }
};

FlaggerEngine::FlaggerEngine(const CanarySpec& spec,
                             std::vector<const MetricTemplateSpec*> templates,
                             FlaggerEngineOptions options)
    : spec_(spec), templates_(std::move(templates)), options_(std::move(options)) {
  templates_.resize(spec_.analysis.metrics.size(), nullptr);
  provider_ = spec_.effectiveProvider(options_.meshProvider);
  namespace_ = spec_.namespace_.empty() ? "default" : spec_.namespace_;
  id_ = spec_.name + "." + namespace_;
  target_ = spec_.targetName + "." + namespace_;
  kubernetesProvider_ = provider_ == "kubernetes";
  loopMetrics_ = spec_.analysis.metrics;
  for (MetricSpec& m : loopMetrics_) {
    if (m.interval.empty()) m.interval = kDefaultMetricInterval;
  }
}

int FlaggerEngine::maxWeight() const {
  // scheduler.go maxWeight: stepWeights -> min(totalWeight, last); else maxWeight if > 0;
  // else totalWeight.
  const auto& a = spec_.analysis;
  if (!a.stepWeights.empty()) return std::min(kTotalWeight, a.stepWeights.back());
  if (a.maxWeight > 0) return a.maxWeight;
  return kTotalWeight;
}

int FlaggerEngine::nextStepWeight(int canaryWeight) const {
  // scheduler.go nextStepWeight
  const auto& a = spec_.analysis;
  const int n = static_cast<int>(a.stepWeights.size());
  if (a.stepWeight > 0 || n == 0) return a.stepWeight;
  const int maxStep = kTotalWeight - canaryWeight;
  if (maxStep == 0) return 1;  // any non-zero step moves the canary to promotion
  if (canaryWeight == 0) return std::min(maxStep, a.stepWeights[0]);
  for (int i = 0; i < n - 1; ++i) {
    if (a.stepWeights[i] == canaryWeight)
      return std::min(maxStep, a.stepWeights[i + 1] - canaryWeight);
  }
  return maxStep;
}

void FlaggerEngine::setRoutes(TickContext& c, int primary, int canary, bool mirrored) const {
  // pkg/router/nop.go NopRouter.SetRoutes: the kubernetes provider programs nothing.
  if (kubernetesProvider_) return;
  c.state.routes = Routes{primary, canary, mirrored};
}

void FlaggerEngine::syncStatus(TickContext& c, Phase phase, int canaryWeight, int failedChecks,
                               int iterations) const {
  // pkg/canary/status.go syncCanaryStatus: writes all four fields and lastAppliedSpec;
  // Initialized also records lastPromotedSpec.
  auto& s = c.state.status;
  s.phase = phase;
  s.canaryWeight = canaryWeight;
  s.failedChecks = failedChecks;
  s.iterations = iterations;
  s.lastAppliedRevision = c.state.targetRevision;
  if (phase == Phase::kInitialized) s.lastPromotedRevision = c.state.targetRevision;
}

void FlaggerEngine::setStatusPhase(TickContext& c, Phase phase, int analysisIterations) const {
  // pkg/canary/status.go setStatusPhase: phases other than Progressing, Waiting and Promoting
  // zero canaryWeight and iterations (WaitingPromotion sets iterations to
  // analysis.iterations - 1); Initialized and Succeeded record lastPromotedSpec from the
  // in-memory lastAppliedSpec. failedChecks is never touched.
  auto& s = c.state.status;
  s.phase = phase;
  if (!inPhases(phase, {Phase::kProgressing, Phase::kWaiting, Phase::kPromoting})) {
    s.canaryWeight = 0;
    s.iterations = 0;
    if (phase == Phase::kWaitingPromotion) s.iterations = analysisIterations - 1;
  }
  if (phase == Phase::kInitialized || phase == Phase::kSucceeded) {
    s.lastPromotedRevision = c.mem.lastAppliedRevision;
  }
}

bool FlaggerEngine::runHooks(TickContext& c, WebhookType type, Phase payload,
                             bool stopOnSuccess) const {
  // Hooks of one type run in spec order (scheduler_hooks.go). Returns true when all passed,
  // or, with stopOnSuccess (rollback hooks), when one passed.
  const auto& hooks = spec_.analysis.webhooks;
  for (int i = 0; i < static_cast<int>(hooks.size()); ++i) {
    const auto& h = hooks[i];
    if (h.type != type) continue;
    const bool ok = c.world.webhook(c.t, h, i, payload);
    c.rec.webhooks.push_back(HookCall{c.text ? h.name : std::string(), h.type, ok});
    if (stopOnSuccess) {
      if (ok) {
        c.event([&] { return std::string("Rollback check " + h.name + " passed"); });
        return true;
      }
      c.event([&] { return std::string("Rollback hook " + h.name + " not signaling a rollback"); });
      continue;
    }
    if (!ok) return false;
  }
  return !stopOnSuccess;
}

void FlaggerEngine::runPostRolloutHooks(TickContext& c, Phase payload) const {
  // scheduler_hooks.go runPostRolloutHooks: stops at the first failure; event only.
  const auto& hooks = spec_.analysis.webhooks;
  for (int i = 0; i < static_cast<int>(hooks.size()); ++i) {
    const auto& h = hooks[i];
    if (h.type != WebhookType::kPostRollout) continue;
    const bool ok = c.world.webhook(c.t, h, i, payload);
    c.rec.webhooks.push_back(HookCall{c.text ? h.name : std::string(), h.type, ok});
    if (!ok) {
      c.event([&] { return std::string("Post-rollout hook " + h.name + " failed"); });
      return;
    }
    c.event([&] { return std::string("Post-rollout check " + h.name + " passed"); });
  }
}

void FlaggerEngine::rollback(TickContext& c, const std::string& why) const {
  // scheduler.go rollback: routes 100/0, canary scaled to zero, SyncStatus{Failed, 0, 0, 0},
  // post-rollout hooks with phase Failed.
  if (c.mem.failedChecks >= spec_.analysisThreshold()) {
    c.event([&] {
      return std::string("Rolling back " + c.id + " failed checks threshold reached " +
                         std::to_string(c.mem.failedChecks));
    });
  }
  setRoutes(c, kTotalWeight, 0, false);
  c.event([&] { return std::string("Canary failed! Scaling down " + c.id); });
  syncStatus(c, Phase::kFailed, 0, 0, 0);
  c.reason([&] { return std::string(why); });
  c.rec.final = TickRecord::Final::kRolledBack;
  runPostRolloutHooks(c, Phase::kFailed);
}

void FlaggerEngine::handleFailedPromotion(TickContext& c) const {
  // scheduler.go handleFailedPromotion (1.44.0, #1931): routes 0/100, SyncStatus{Failed, 100},
  // the canary keeps serving; post-rollout hooks with phase Failed.
  c.event([&] {
    return std::string("Promotion of " + c.target +
                       " failed, primary not ready: progress deadline exceeded");
  });
  setRoutes(c, 0, kTotalWeight, false);
  syncStatus(c, Phase::kFailed, kTotalWeight, 0, 0);
  c.rec.final = TickRecord::Final::kPromotionFailed;
  c.reason([&] {
    return std::string(
        "primary progress deadline exceeded during promotion: promotion failed, traffic "
        "stays on the canary");
  });
  runPostRolloutHooks(c, Phase::kFailed);
}

bool FlaggerEngine::checkValue(TickContext& c, const MetricSpec& m, CheckKind kind,
                               const MetricAnswer& a) const {
  // scheduler_metrics.go runBuiltinMetricChecks / runMetricChecks: comparison rules.
  MetricCheck mc;
  if (c.text) {
    mc.name = m.name;
    mc.message = a.message;
  }
  mc.kind = kind;
  if (m.thresholdRange) {
    mc.min = m.thresholdRange->min;
    mc.max = m.thresholdRange->max;
  } else if (kind == CheckKind::kRequestSuccessRate) {
    mc.min = m.threshold;
  } else {
    mc.max = m.threshold;
  }
  const bool builtin =
      kind == CheckKind::kRequestSuccessRate || kind == CheckKind::kRequestDuration;
  if (a.kind == MetricAnswer::Kind::kNoData) {
    mc.result = MetricCheck::Result::kNoData;
    if (builtin) {
      c.event([&] {
        return std::string("Halt advancement no values found for " + provider_ + " metric " +
                           m.name + " probably " + c.target + " is not receiving traffic");
      });
    } else if (kind == CheckKind::kInlineQuery) {
      c.event(
          [&] { return std::string("Halt advancement no values found for metric: " + m.name); });
    } else {
      c.event([&] {
        return std::string("Halt advancement no values found for custom metric: " + m.name);
      });
    }
    c.reason([&] { return std::string("metric " + m.name + ": no values found"); });
    c.rec.metrics.push_back(std::move(mc));
    return false;
  }
  if (a.kind == MetricAnswer::Kind::kError) {
    mc.result = MetricCheck::Result::kError;
    if (builtin) {
      c.event([&] { return std::string("Prometheus query failed: " + a.message); });
    } else {
      c.event([&] { return std::string("Metric query failed for " + m.name + ": " + a.message); });
    }
    c.reason([&] { return std::string("metric " + m.name + ": query failed"); });
    c.rec.metrics.push_back(std::move(mc));
    return false;
  }
  bool fail = false;
  std::string detail;
  if (kind == CheckKind::kRequestDuration) {
    // The observer truncates to whole ms (time.Duration(int64(value)) * Millisecond) and the
    // bounds are converted the same way, so 500.9 acts as 500 ms.
    const std::int64_t vms = goFloatToInt64(a.value);
    mc.value = static_cast<double>(vms);
    const std::int64_t v = goMillis(vms);
    if (m.thresholdRange) {
      if (m.thresholdRange->min && v < goMillis(goFloatToInt64(*m.thresholdRange->min))) {
        fail = true;
        if (c.text)
          detail = "request duration " + std::to_string(vms) + "ms < " +
                   std::to_string(goFloatToInt64(*m.thresholdRange->min)) + "ms";
      }
      if (!fail && m.thresholdRange->max && v > goMillis(goFloatToInt64(*m.thresholdRange->max))) {
        fail = true;
        if (c.text)
          detail = "request duration " + std::to_string(vms) + "ms > " +
                   std::to_string(goFloatToInt64(*m.thresholdRange->max)) + "ms";
      }
    } else if (v > goMillis(goFloatToInt64(m.threshold))) {
      fail = true;
      if (c.text)
        detail = "request duration " + std::to_string(vms) + "ms > " +
                 std::to_string(goFloatToInt64(m.threshold)) + "ms";
    }
  } else {
    const double v = a.value;
    mc.value = v;
    static const std::string successRate = "success rate";
    const std::string& what = kind == CheckKind::kRequestSuccessRate ? successRate : m.name;
    if (m.thresholdRange) {
      if (m.thresholdRange->min && v < *m.thresholdRange->min) {
        fail = true;
        if (c.text) detail = what + " " + num(v) + " < " + num(*m.thresholdRange->min);
      }
      if (!fail && m.thresholdRange->max && v > *m.thresholdRange->max) {
        fail = true;
        if (c.text) detail = what + " " + num(v) + " > " + num(*m.thresholdRange->max);
      }
    } else if (kind == CheckKind::kRequestSuccessRate) {
      if (m.threshold > v) {
        fail = true;
        if (c.text) detail = what + " " + num(v) + " < " + num(m.threshold);
      }
    } else if (v > m.threshold) {
      fail = true;
      if (c.text) detail = what + " " + num(v) + " > " + num(m.threshold);
    }
  }
  mc.result = fail ? MetricCheck::Result::kFail : MetricCheck::Result::kPass;
  c.rec.metrics.push_back(std::move(mc));
  if (fail) {
    c.event([&] { return std::string("Halt " + c.id + " advancement " + detail); });
    c.reason([&] { return std::string("metric " + m.name + ": " + detail); });
  }
  return !fail;
}

bool FlaggerEngine::runBuiltinMetricChecks(TickContext& c) const {
  // scheduler_metrics.go runBuiltinMetricChecks: every metric in spec order; the builtin
  // names and inline queries; the metric interval defaults to 1m on a loop copy.
  // The loop copies are made once, in the constructor (loopMetrics_).
  for (int i = 0; i < static_cast<int>(loopMetrics_.size()); ++i) {
    const MetricSpec& m = loopMetrics_[static_cast<std::size_t>(i)];
    if (m.name == "request-success-rate") {
      if (!checkValue(c, m, CheckKind::kRequestSuccessRate,
                      c.world.metric(c.t, m, i, CheckKind::kRequestSuccessRate))) {
        return false;
      }
    }
    if (m.name == "request-duration") {
      if (!checkValue(c, m, CheckKind::kRequestDuration,
                      c.world.metric(c.t, m, i, CheckKind::kRequestDuration))) {
        return false;
      }
    }
    if (!m.query.empty()) {
      if (!checkValue(c, m, CheckKind::kInlineQuery,
                      c.world.metric(c.t, m, i, CheckKind::kInlineQuery))) {
        return false;
      }
    }
  }
  return true;
}

bool FlaggerEngine::runTemplateMetricChecks(TickContext& c) const {
  // scheduler_metrics.go runMetricChecks: templateRef metrics (raw interval: the 1m default
  // is not applied here), then names that are neither builtin nor backed by a query fail.
  const auto& metrics = spec_.analysis.metrics;
  for (int i = 0; i < static_cast<int>(metrics.size()); ++i) {
    const MetricSpec& m = metrics[i];
    if (m.templateRef) {
      if (templates_[i] == nullptr) {
        const std::string ns =
            m.templateRef->namespace_.empty() ? spec_.namespace_ : m.templateRef->namespace_;
        MetricCheck mc;
        mc.name = m.name;
        mc.kind = CheckKind::kTemplate;
        mc.result = MetricCheck::Result::kError;
        mc.message = "metric template " + m.templateRef->name + " not found";
        c.rec.metrics.push_back(mc);
        c.event([&] {
          return std::string("Metric template " + m.templateRef->name + "." +
                             (ns.empty() ? "default" : ns) + " error: not found");
        });
        c.reason([&] {
          return std::string("metric " + m.name + ": template " + m.templateRef->name +
                             " not found");
        });
        return false;
      }
      if (!checkValue(c, m, CheckKind::kTemplate,
                      c.world.metric(c.t, m, i, CheckKind::kTemplate))) {
        return false;
      }
    } else if (m.name != "request-success-rate" && m.name != "request-duration" &&
               m.query.empty()) {
      MetricCheck mc;
      mc.name = m.name;
      mc.kind = CheckKind::kTemplate;
      mc.result = MetricCheck::Result::kError;
      mc.message = "no usable metrics template and query were configured";
      c.rec.metrics.push_back(mc);
      c.event([&] {
        return std::string(
            "Metric query failed for no usable metrics template and query were configured");
      });
      c.reason([&] {
        return std::string("metric " + m.name +
                           ": neither builtin nor backed by a query or template");
      });
      return false;
    }
  }
  return true;
}

bool FlaggerEngine::runAnalysis(TickContext& c) const {
  // scheduler.go runAnalysis: rollout hooks (type rollout or empty), builtin and inline
  // metrics, then template metrics; the first failure stops the tick.
  const auto& hooks = spec_.analysis.webhooks;
  for (int i = 0; i < static_cast<int>(hooks.size()); ++i) {
    const auto& h = hooks[i];
    if (h.type != WebhookType::kRollout) continue;
    const bool ok = c.world.webhook(c.t, h, i, Phase::kProgressing);
    c.rec.webhooks.push_back(HookCall{c.text ? h.name : std::string(), h.type, ok});
    if (!ok) {
      c.event([&] {
        return std::string("Halt " + c.id + " advancement external check " + h.name + " failed");
      });
      c.reason([&] { return std::string("rollout webhook " + h.name + " failed"); });
      return false;
    }
  }
  if (!runBuiltinMetricChecks(c)) return false;
  return runTemplateMetricChecks(c);
}

bool FlaggerEngine::runConfirmPromotionHooks(TickContext& c, int analysisIterations) const {
  // scheduler_hooks.go runConfirmPromotionHooks: the first denial moves to WaitingPromotion;
  // later denials set iterations to analysis.iterations - 1.
  const auto& hooks = spec_.analysis.webhooks;
  for (int i = 0; i < static_cast<int>(hooks.size()); ++i) {
    const auto& h = hooks[i];
    if (h.type != WebhookType::kConfirmPromotion) continue;
    const bool ok = c.world.webhook(c.t, h, i, Phase::kProgressing);
    c.rec.webhooks.push_back(HookCall{c.text ? h.name : std::string(), h.type, ok});
    if (!ok) {
      if (c.mem.phase != Phase::kWaitingPromotion) {
        setStatusPhase(c, Phase::kWaitingPromotion, analysisIterations);
        c.event([&] {
          return std::string("Halt " + c.id + " advancement waiting for promotion approval " +
                             h.name);
        });
      } else {
        c.state.status.iterations = analysisIterations - 1;
      }
      c.reason([&] {
        return std::string("confirm-promotion webhook " + h.name +
                           " denied: waiting for promotion approval");
      });
      return false;
    }
    c.event([&] { return std::string("Confirm-promotion check " + h.name + " passed"); });
  }
  return true;
}

void FlaggerEngine::runCanary(TickContext& c, int canaryWeight, int primaryWeight, int maxW,
                              bool mirrored) const {
  // scheduler.go runCanary
  if (canaryWeight < maxW) {
    const int step = nextStepWeight(canaryWeight);
    const int before = canaryWeight;
    if (spec_.analysis.mirror && canaryWeight == 0) {
      // One mirroring step before traffic shifting starts.
      if (!mirrored) {
        mirrored = true;
        primaryWeight = kTotalWeight;
        canaryWeight = 0;
      } else {
        mirrored = false;
        primaryWeight = kTotalWeight - step;
        canaryWeight = step;
      }
    } else {
      primaryWeight -= step;
      if (primaryWeight < 0) primaryWeight = 0;
      canaryWeight += step;
      if (canaryWeight > kTotalWeight) canaryWeight = kTotalWeight;  // capped at 100, not maxWeight
    }
    setRoutes(c, primaryWeight, canaryWeight, mirrored);
    c.state.status.canaryWeight = canaryWeight;
    c.event([&] {
      return std::string("Advance " + c.id + " canary weight " + std::to_string(canaryWeight));
    });
    if (mirrored) {
      c.reason([&] {
        return std::string("mirroring step: traffic mirrored to the canary, weights 100/0");
      });
    } else {
      c.reason([&] {
        return std::string("canary weight " + std::to_string(before) + " -> " +
                           std::to_string(canaryWeight) + " (step " + std::to_string(step) +
                           ", maxWeight " + std::to_string(maxW) + ")");
      });
    }
    return;
  }
  // canaryWeight >= maxWeight: promote.
  if (!runConfirmPromotionHooks(c, spec_.analysis.iterations)) return;
  c.event([&] {
    return std::string("Copying " + c.target + " template spec to " + spec_.targetName +
                       "-primary." + c.id.substr(c.id.find('.') + 1));
  });
  setStatusPhase(c, Phase::kPromoting, spec_.analysis.iterations);
  c.reason([&] {
    return std::string("canary weight " + std::to_string(canaryWeight) + " >= maxWeight " +
                       std::to_string(maxW) + ": promoting");
  });
}

void FlaggerEngine::runAB(TickContext& c, int analysisIterations) const {
  // scheduler.go runAB: route matched traffic to the canary and count iterations; then the
  // promotion gate; promote when iterations == status.iterations.
  if (analysisIterations > c.mem.iterations) {
    setRoutes(c, 0, kTotalWeight, false);
    c.state.status.iterations = c.mem.iterations + 1;
    c.event([&] {
      return std::string("Advance " + c.id + " canary iteration " +
                         std::to_string(c.mem.iterations + 1) + "/" +
                         std::to_string(analysisIterations));
    });
    c.reason([&] {
      return std::string("A/B iteration " + std::to_string(c.mem.iterations + 1) + "/" +
                         std::to_string(analysisIterations));
    });
    return;
  }
  if (!runConfirmPromotionHooks(c, analysisIterations)) return;
  if (analysisIterations == c.mem.iterations) {
    c.event([&] {
      return std::string("Copying " + c.target + " template spec to " + spec_.targetName +
                         "-primary." + c.id.substr(c.id.find('.') + 1));
    });
    setStatusPhase(c, Phase::kPromoting, analysisIterations);
    c.reason([&] { return std::string("A/B iterations done: promoting"); });
  }
}

void FlaggerEngine::runBlueGreen(TickContext& c, int analysisIterations, bool mirrored) const {
  // scheduler.go runBlueGreen
  if (analysisIterations > c.mem.iterations) {
    if (!kubernetesProvider_ && spec_.analysis.mirror && !mirrored) {
      setRoutes(c, kTotalWeight, 0, true);
    }
    c.state.status.iterations = c.mem.iterations + 1;
    c.event([&] {
      return std::string("Advance " + c.id + " canary iteration " +
                         std::to_string(c.mem.iterations + 1) + "/" +
                         std::to_string(analysisIterations));
    });
    c.reason([&] {
      return std::string("Blue/Green iteration " + std::to_string(c.mem.iterations + 1) + "/" +
                         std::to_string(analysisIterations));
    });
    return;
  }
  if (!runConfirmPromotionHooks(c, analysisIterations)) return;
  if (analysisIterations == c.mem.iterations) {
    if (!kubernetesProvider_) {
      c.event([&] {
        return std::string(spec_.analysis.mirror
                               ? "Stop traffic mirroring and route all traffic to canary"
                               : "Routing all traffic to canary");
      });
      setRoutes(c, 0, kTotalWeight, false);
    }
    c.state.status.iterations = c.mem.iterations + 1;
    c.reason([&] {
      return std::string(
          "Blue/Green iterations done: all live traffic on the canary for a last analysis");
    });
    return;
  }
  if (analysisIterations < c.mem.iterations) {
    c.event([&] {
      return std::string("Copying " + c.target + " template spec to " + spec_.targetName +
                         "-primary." + c.id.substr(c.id.find('.') + 1));
    });
    setStatusPhase(c, Phase::kPromoting, analysisIterations);
    c.reason([&] { return std::string("Blue/Green analysis done: promoting"); });
  }
}

void FlaggerEngine::runPromotionTrafficShift(TickContext& c, int canaryWeight,
                                             int primaryWeight) const {
  // scheduler.go runPromotionTrafficShift
  if (kubernetesProvider_) {
    setStatusPhase(c, Phase::kFinalising, spec_.analysis.iterations);
    c.reason([&] {
      return std::string("primary promoted (kubernetes provider: no routing): finalising");
    });
    return;
  }
  const int swp = spec_.analysis.stepWeightPromotion;
  if (swp == 0) {
    c.event([&] { return std::string("Routing all traffic to primary"); });
    setRoutes(c, kTotalWeight, 0, false);
    setStatusPhase(c, Phase::kFinalising, spec_.analysis.iterations);
    c.reason([&] {
      return std::string("primary promoted: all traffic back on the primary, finalising");
    });
    return;
  }
  if (canaryWeight > 0) {
    primaryWeight = std::min(kTotalWeight, primaryWeight + swp);
    canaryWeight = std::max(0, canaryWeight - swp);
    setRoutes(c, primaryWeight, canaryWeight, false);
    c.event([&] {
      return std::string("Advance " + c.id + " primary weight " + std::to_string(primaryWeight));
    });
    if (primaryWeight == kTotalWeight) {
      setStatusPhase(c, Phase::kFinalising, spec_.analysis.iterations);
      c.reason([&] {
        return std::string("stepWeightPromotion: primary weight " + std::to_string(primaryWeight) +
                           ", finalising");
      });
    } else {
      c.state.status.canaryWeight = canaryWeight;
      c.reason([&] {
        return std::string("stepWeightPromotion: primary weight " + std::to_string(primaryWeight));
      });
    }
  } else {
    c.reason([&] { return std::string("promoting: no canary traffic left to shift"); });
  }
}

TickRecord FlaggerEngine::tick(FlaggerState& state, double t, FlaggerWorld& world,
                               TickText text) const {
  TickRecord rec;
  tick(state, t, world, text, rec);
  return rec;
}

void FlaggerEngine::tick(FlaggerState& state, double t, FlaggerWorld& world, TickText text,
                         TickRecord& rec) const {
  // A fresh record that keeps the storage of the previous one (a batch reuses it every tick).
  rec.tick = 0;
  rec.t = t;
  rec.routes = Routes{};
  rec.status = CanaryStatus{};
  rec.events.clear();
  rec.reason.clear();
  rec.metrics.clear();
  rec.webhooks.clear();
  rec.failedCheck = false;
  rec.final = TickRecord::Final::kNone;
  const std::string& ns = namespace_;
  TickContext c{state, world, rec, state.status, t, id_, target_, text == TickText::kFull};
  auto finish = [&]() {
    rec.routes = state.routes;
    if (kubernetesProvider_) {
      // pkg/router/nop.go GetRoutes reports 0/100 once iterations > 0.
      rec.routes = state.status.iterations > 0 ? Routes{0, kTotalWeight, false}
                                               : Routes{kTotalWeight, 0, false};
    }
    rec.status = state.status;
    rec.failedCheck = state.status.failedChecks > c.mem.failedChecks;
  };
  const Phase phase = c.mem.phase;

  // 1. scheduler.go advanceCanary: a suspended Canary changes nothing.
  if (spec_.suspend) {
    c.event([&] { return std::string("skipping canary run as object is suspended"); });
    c.reason([&] { return std::string("spec.suspend: nothing changes"); });
    return finish();
  }

  // 12. shouldAdvance: true in the active phases; in Failed the status is re-synced first
  // (lastAppliedSpec := current target) while the change test still reads the in-memory copy.
  bool advance = inPhases(phase, {Phase::kProgressing, Phase::kWaiting, Phase::kWaitingPromotion,
                                  Phase::kPromoting, Phase::kFinalising});
  if (!advance) {
    advance = hasSpecChanged(c.mem, state.targetRevision);
    if (phase == Phase::kFailed) state.status.lastAppliedRevision = state.targetRevision;
  }
  if (!advance) {
    c.reason([&] { return std::string(std::string("no new revision: ") + toString(phase)); });
    return finish();
  }

  // 13. maxWeight.
  const int maxW = maxWeight();

  // 14. IsPrimaryReady (skipped when the analysis is skipped).
  if (!spec_.skipsAnalysis()) {
    const Readiness r = world.primaryReady(t, phase);
    if (r != Readiness::kReady) {
      if (r == Readiness::kWaiting) {
        c.event([&] {
          return std::string(spec_.targetName + "-primary." + ns +
                             " not ready: waiting for rollout to finish");
        });
        c.reason([&] { return std::string("primary not ready (retriable): tick held"); });
        return finish();
      }
      c.event([&] {
        return std::string(spec_.targetName + "-primary." + ns + " not ready: deployment \"" +
                           spec_.targetName + "-primary\" exceeded its progress deadline");
      });
      if (phase == Phase::kPromoting || phase == Phase::kFinalising) {
        handleFailedPromotion(c);
      } else {
        rollback(c, "primary progress deadline exceeded: rollback");
      }
      return finish();
    }
  }

  // 15. GetRoutes.
  Routes routes = state.routes;
  if (kubernetesProvider_) {
    routes = c.mem.iterations > 0 ? Routes{0, kTotalWeight, false} : Routes{kTotalWeight, 0, false};
  }

  // 16. checkCanaryStatus: outside the analysis phases, run the confirm-rollout gate and start
  // Progressing. The tick always ends here in those phases.
  if (!inPhases(phase, {Phase::kProgressing, Phase::kWaitingPromotion, Phase::kPromoting,
                        Phase::kFinalising})) {
    const Phase payload = state.status.phase;  // re-read: the persisted phase
    const auto& hooks = spec_.analysis.webhooks;
    for (int i = 0; i < static_cast<int>(hooks.size()); ++i) {
      const auto& h = hooks[i];
      if (h.type != WebhookType::kConfirmRollout) continue;
      const bool ok = world.webhook(t, h, i, payload);
      rec.webhooks.push_back(HookCall{c.text ? h.name : std::string(), h.type, ok});
      if (!ok) {
        if (state.status.phase != Phase::kWaiting) {
          setStatusPhase(c, Phase::kWaiting, spec_.analysis.iterations);
          c.event([&] {
            return std::string("Halt " + c.id + " advancement waiting for approval " + h.name);
          });
        }
        c.reason([&] {
          return std::string("confirm-rollout webhook " + h.name + " denied: waiting for approval");
        });
        return finish();
      }
      c.event([&] { return std::string("Confirm-rollout check " + h.name + " passed"); });
    }
    c.event([&] { return std::string("New revision detected! Scaling up " + c.target); });
    syncStatus(c, Phase::kProgressing, 0, 0, 0);
    c.reason([&] {
      return std::string(
          "new revision detected: canary scaled up, analysis starts on the next tick");
    });
    return finish();
  }

  // 17. hasCanaryRevisionChanged: a newer revision during the analysis restarts it
  // (confirm-rollout is not re-run).
  if (inPhases(phase, {Phase::kProgressing, Phase::kWaitingPromotion}) &&
      hasSpecChanged(c.mem, state.targetRevision)) {
    c.event(
        [&] { return std::string("New revision detected! Restarting analysis for " + c.target); });
    setRoutes(c, kTotalWeight, 0, false);
    syncStatus(c, Phase::kProgressing, 0, 0, 0);
    c.reason([&] {
      return std::string("new revision during analysis: restart (routes 100/0, status zeroed)");
    });
    return finish();
  }

  // 18. IsCanaryReady: waiting holds the tick; a deadline rolls back in any phase that gets
  // here, Promoting and Finalising included.
  {
    const Readiness r = world.canaryReady(t, phase);
    if (r == Readiness::kWaiting) {
      c.event([&] {
        return std::string("canary deployment " + c.target +
                           " not ready: waiting for rollout to finish");
      });
      c.reason([&] { return std::string("canary not ready (retriable): tick held"); });
      return finish();
    }
    if (r == Readiness::kDeadlineExceeded) {
      c.event([&] {
        return std::string("canary deployment " + c.target + " not ready: deployment \"" +
                           spec_.targetName + "\" exceeded its progress deadline");
      });
      rollback(c, "canary progress deadline exceeded: rollback");
      return finish();
    }
  }

  // 19. shouldSkipAnalysis: promote in one tick.
  if (spec_.skipsAnalysis()) {
    setRoutes(c, kTotalWeight, 0, false);
    c.event([&] {
      return std::string("Copying " + c.target + " template spec to " + spec_.targetName +
                         "-primary." + ns);
    });
    setStatusPhase(c, Phase::kSucceeded, spec_.analysis.iterations);
    rec.final = TickRecord::Final::kSkippedAnalysis;
    c.reason([&] {
      return std::string(spec_.hasAnalysis ? "skipAnalysis: promoted without analysis"
                                           : "no analysis block: promoted without analysis");
    });
    runPostRolloutHooks(c, Phase::kSucceeded);
    c.event([&] {
      return std::string("Promotion completed! Canary analysis was skipped for " + c.target);
    });
    return finish();
  }

  // 20. Rollback hooks in Progressing / Waiting / WaitingPromotion: the first 2xx rolls back.
  if (inPhases(phase, {Phase::kProgressing, Phase::kWaiting, Phase::kWaitingPromotion})) {
    if (runHooks(c, WebhookType::kRollback, phase, /*stopOnSuccess=*/true)) {
      c.event([&] { return std::string("Rolling back " + c.id + " manual webhook invoked"); });
      rollback(c, "rollback webhook answered 2xx: rollback");
      return finish();
    }
  }

  // 21. Promoting: shift traffic back to the primary.
  if (phase == Phase::kPromoting) {
    runPromotionTrafficShift(c, routes.canaryWeight, routes.primaryWeight);
    return finish();
  }

  // 22. Finalising: scale the canary to zero, Succeeded, post-rollout hooks.
  if (phase == Phase::kFinalising) {
    setStatusPhase(c, Phase::kSucceeded, spec_.analysis.iterations);
    rec.final = TickRecord::Final::kPromoted;
    c.reason([&] { return std::string("promotion finished: canary scaled to zero"); });
    runPostRolloutHooks(c, Phase::kSucceeded);
    c.event([&] { return std::string("Promotion completed! Scaling down " + c.target); });
    return finish();
  }

  // 23. Threshold gate, before any analysis: failedChecks >= threshold rolls back.
  if (inPhases(phase, {Phase::kProgressing, Phase::kWaitingPromotion}) &&
      c.mem.failedChecks >= spec_.analysisThreshold()) {
    rollback(c, c.text ? "failedChecks " + std::to_string(c.mem.failedChecks) + " >= threshold " +
                             std::to_string(spec_.analysisThreshold()) + ": rollback"
                       : std::string());
    return finish();
  }

  // 24. First analysis tick (no traffic, no iterations, not mirrored): pre-rollout hooks
  // only. Otherwise the analysis: rollout hooks and metrics. A failure adds one failed check.
  if (routes.canaryWeight == 0 && c.mem.iterations == 0 &&
      !(spec_.analysis.mirror && routes.mirrored)) {
    c.event([&] { return std::string("Starting canary analysis for " + c.target); });
    const auto& hooks = spec_.analysis.webhooks;
    for (int i = 0; i < static_cast<int>(hooks.size()); ++i) {
      const auto& h = hooks[i];
      if (h.type != WebhookType::kPreRollout) continue;
      const bool ok = world.webhook(t, h, i, Phase::kProgressing);
      rec.webhooks.push_back(HookCall{c.text ? h.name : std::string(), h.type, ok});
      if (!ok) {
        c.event([&] {
          return std::string("Halt " + c.id + " advancement pre-rollout check " + h.name +
                             " failed");
        });
        state.status.failedChecks = c.mem.failedChecks + 1;
        c.reason([&] {
          return std::string("pre-rollout webhook " + h.name + " failed: failedChecks " +
                             std::to_string(state.status.failedChecks));
        });
        return finish();
      }
      c.event([&] { return std::string("Pre-rollout check " + h.name + " passed"); });
    }
  } else if (!runAnalysis(c)) {
    state.status.failedChecks = c.mem.failedChecks + 1;
    c.reason(
        [&] { return rec.reason + ": failedChecks " + std::to_string(state.status.failedChecks); });
    return finish();
  }

  // 25. The kubernetes provider: no A/B, and iterations forced to 10 (in memory, every tick).
  int iterations = spec_.analysis.iterations;
  int matchCount = spec_.analysis.matchCount;
  if (kubernetesProvider_) {
    if (matchCount > 0) {
      c.event([&] {
        return std::string("A/B testing is not supported when using the kubernetes provider");
      });
      matchCount = 0;
    }
    if (iterations < 1) {
      c.event([&] {
        return std::string(
            "Progressive traffic is not supported when using the kubernetes provider");
      });
      c.event([&] { return std::string("Setting canaryAnalysis.iterations: 10"); });
      iterations = 10;
    }
  }

  // 26. Strategy (canary.go DeploymentStrategy).
  if (matchCount > 0 && iterations > 0) {
    runAB(c, iterations);
    return finish();
  }
  if (iterations > 0) {
    runBlueGreen(c, iterations, routes.mirrored);
    return finish();
  }

  // 27. Weights: confirm-traffic-increase gate (not while mirrored, not in Promoting /
  // WaitingPromotion / Finalising), then runCanary.
  if (nextStepWeight(routes.canaryWeight) > 0) {
    if (!routes.mirrored &&
        !inPhases(phase, {Phase::kPromoting, Phase::kWaitingPromotion, Phase::kFinalising})) {
      const auto& hooks = spec_.analysis.webhooks;
      for (int i = 0; i < static_cast<int>(hooks.size()); ++i) {
        const auto& h = hooks[i];
        if (h.type != WebhookType::kConfirmTrafficIncrease) continue;
        const bool ok = world.webhook(t, h, i, Phase::kProgressing);
        rec.webhooks.push_back(HookCall{c.text ? h.name : std::string(), h.type, ok});
        if (!ok) {
          c.event([&] {
            return std::string("Halt " + c.id +
                               " advancement waiting for traffic increase approval " + h.name);
          });
          c.reason([&] {
            return std::string("confirm-traffic-increase webhook " + h.name +
                               " denied: weight held at " + std::to_string(routes.canaryWeight));
          });
          return finish();
        }
        c.event(
            [&] { return std::string("Confirm-traffic-increase check " + h.name + " passed"); });
      }
    }
    runCanary(c, routes.canaryWeight, routes.primaryWeight, maxW, routes.mirrored);
  } else {
    c.reason([&] {
      return std::string("analysis passed; nextStepWeight is " +
                         std::to_string(nextStepWeight(routes.canaryWeight)) + ": no progress");
    });
  }
  return finish();
}

}  // namespace rolloutlab::core::flagger
