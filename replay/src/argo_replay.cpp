#include "rolloutlab/replay/argo_replay.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/replay/time.h"
#include "rolloutlab/sim/argo_loop.h"
#include "rolloutlab/sim/argo_mesh.h"
#include "rolloutlab/sim/seeds.h"

namespace rolloutlab::replay {

namespace ar = core::argo;
namespace sc = sim;

namespace {

std::string key(const ar::Metric& m) { return m.name + "\n" + m.prometheusQuery; }

const char* modelKindName(sc::MetricModelSpec::Kind k) {
  switch (k) {
    case sc::MetricModelSpec::Kind::kErrorRatePercent:
      return "errorRatePercent";
    case sc::MetricModelSpec::Kind::kSuccessRatePercent:
      return "successRatePercent";
    case sc::MetricModelSpec::Kind::kLatencyQuantile:
      return "latencyQuantile";
    case sc::MetricModelSpec::Kind::kNormal:
      return "normal";
    case sc::MetricModelSpec::Kind::kJob:
      return "job";
  }
  return "?";
}

// An instant query's answer as Argo's Prometheus provider reads it
// (metricproviders/prometheus/prometheus.go processResponse): a matrix is every sample of every
// series, flattened in order; a string is not a type it supports.
ar::ProviderAnswer argoAnswer(const InstantAnswer& a) {
  switch (a.kind) {
    case InstantAnswer::Kind::kMatrix:
      return ar::ProviderAnswer::of(ar::Value::floats(a.values));
    case InstantAnswer::Kind::kString:
      return ar::ProviderAnswer::fail("Prometheus metric type not supported");
    default:
      return sc::argoPrometheusAnswer(a.asQueryResult());
  }
}

}  // namespace

const char* toString(ArgoReplayAnswer::Source s) {
  switch (s) {
    case ArgoReplayAnswer::Source::kNamed:
      return "named";
    case ArgoReplayAnswer::Source::kQuery:
      return "query";
    case ArgoReplayAnswer::Source::kModel:
      return "model";
  }
  return "?";
}

ReplayTarget targetOf(const ar::RolloutSpec& rollout) {
  ReplayTarget t;
  const std::string provider = sc::argoMeshProvider(rollout);
  try {
    t.layout = sc::meshLayout(provider);
  } catch (const core::InputError&) {
    t.layout.provider = provider;  // only request logs need the layout; they say so when opened
  }
  t.workload = sc::argoWorkload(rollout, provider);
  // The service the router sends the new revision's traffic to marks its requests in logs.
  if (rollout.canary && !rollout.canary->canaryService.empty()) {
    t.canaryMatch = rollout.canary->canaryService;
  } else if (rollout.blueGreen && !rollout.blueGreen->previewService.empty()) {
    t.canaryMatch = rollout.blueGreen->previewService;
  }
  return t;
}

// ---- ArgoReplayPlan -----------------------------------------------------------------------------

ArgoReplayPlan::ArgoReplayPlan(const ar::RolloutSpec& rollout, const ar::TemplateCatalog& catalog,
                               std::shared_ptr<const Recording> recording)
    : engine_(std::make_unique<ar::ArgoEngine>(rollout, catalog)),
      recording_(std::move(recording)) {
  const Recording& rec = *recording_;
  const ReplaySpec& spec = rec.spec();
  if (spec.scenario) scenario_ = std::make_unique<sc::CompiledScenario>(*spec.scenario);
  const std::string how = spec.file.empty() ? "--scenario" : "the Replay's scenario";

  std::vector<const ar::Metric*> metrics;
  for (const auto& [i, p] : engine_->stepAnalyses()) {
    for (const auto& m : p.metrics) metrics.push_back(&m);
  }
  for (const auto* p : {&engine_->backgroundAnalysis(), &engine_->prePromotionAnalysis(),
                        &engine_->postPromotionAnalysis()}) {
    if (*p) {
      for (const auto& m : (*p)->metrics) metrics.push_back(&m);
    }
  }
  for (const ar::Metric* m : metrics) {
    const std::string k = key(*m);
    if (answers_.count(k)) continue;
    auto fail = [&](const std::string& value, const std::string& rule) {
      return core::InputError(
          {core::Severity::kError, m->loc.file, m->loc.line, 0, "metric " + m->name, value, rule});
    };
    const std::string recordIt =
        "record its values under the metric's name (--query-range " + m->name + "=FILE or a CSV)";
    const std::string modelIt = "model it under spec.metrics.models." + m->name + " in " + how;
    const sc::MetricModelSpec* model = nullptr;
    if (spec.scenario) {
      const auto it = spec.scenario->metrics.models.find(m->name);
      if (it != spec.scenario->metrics.models.end()) model = &it->second;
    }
    const bool prometheus = m->provider == ar::ProviderKind::kPrometheus;
    ArgoReplayAnswer a;
    std::string unevaluable;
    if (prometheus && rec.answersQueries()) unevaluable = rec.cannotEvaluate(m->prometheusQuery);
    if (m->provider != ar::ProviderKind::kJob &&
        rec.named().find(m->name, Variant::kCanary) != nullptr) {
      a.source = ArgoReplayAnswer::Source::kNamed;
    } else if (prometheus && rec.answersQueries() && unevaluable.empty()) {
      a.source = ArgoReplayAnswer::Source::kQuery;
    } else if (model != nullptr) {
      sc::checkArgoModel(*spec.scenario, *m, *model);
      if (model->kind != sc::MetricModelSpec::Kind::kNormal &&
          model->kind != sc::MetricModelSpec::Kind::kJob) {
        throw core::InputError(
            {core::Severity::kError, spec.scenario->file, spec.scenario->line, 0,
             "spec.metrics.models." + m->name + ".kind", modelKindName(model->kind),
             "is computed from synthesized traffic, which a replay does not have: use kind "
             "normal, or " +
                 recordIt});
      }
      a.source = ArgoReplayAnswer::Source::kModel;
      a.model = model;
    } else if (prometheus && !rec.answersQueries()) {
      throw fail("",
                 "has no recorded values under its name and no source answers its query: give "
                 "--query-range " +
                     m->name +
                     "=FILE, a CSV with its values, --prometheus, --series or --access-log, or " +
                     modelIt);
    } else if (prometheus) {
      throw fail(core::quoted(m->prometheusQuery),
                 "the query uses PromQL outside rolloutlab's subset (" + unevaluable + "); " +
                     recordIt + ", replay against --prometheus, or " + modelIt);
    } else if (m->provider == ar::ProviderKind::kJob) {
      throw fail("",
                 "is a Job metric, and a replay runs no Jobs: model it with kind: job under "
                 "spec.metrics.models." +
                     m->name + " in " + how);
    } else {
      throw fail("", std::string("uses the ") + ar::toString(m->provider) +
                         " provider, which a replay cannot query: " + recordIt + ", or " + modelIt);
    }
    answers_.emplace(k, a);
  }
}

ArgoReplayPlan::~ArgoReplayPlan() = default;

const ArgoReplayAnswer& ArgoReplayPlan::answer(const ar::Metric& m) const {
  return answers_.at(key(m));
}

// ---- ArgoReplayWorld ----------------------------------------------------------------------------

ArgoReplayWorld::ArgoReplayWorld(const ArgoReplayPlan& plan, ReplaySource& source)
    : plan_(plan), source_(source), from_(plan.recording().spec().from) {}

void ArgoReplayWorld::reset(std::uint64_t seed) {
  models_.reseed(sim::streamSeed(seed, sim::SeedStream::kReplayModels));
  canaryUp_ = false;
}

void ArgoReplayWorld::afterInstant(double t, const ar::ArgoState& state) {
  // The same bookkeeping as the synthetic world (scenarios/src/argo_world.cpp afterInstant).
  const int newPods = state.newRS ? state.newRS->replicas : 0;
  if (newPods > 0 && !canaryUp_) {
    source_.setCanaryScaled(epoch(t), true);
    canaryUp_ = true;
  } else if (newPods == 0 && canaryUp_) {
    source_.setCanaryScaled(epoch(t), false);
    canaryUp_ = false;
  }
  // canaryWeight is the share of production traffic on the new revision in both strategies
  // (blue-green: 0 until the active service switches, then 100); header and mirror routes take
  // their matching share first (match fractions from the Replay's Scenario, else the defaults).
  const sc::CompiledScenario* scenario = plan_.scenario();
  const ar::ArgoTrafficSplit split = sc::argoSplit(
      plan_.engine().snapshot(state, t), scenario ? scenario->spec().traffic : sc::TrafficSpec{});
  source_.setRoutes(epoch(t), RouteShares{split.canary, split.stable, split.mirrored});
}

double ArgoReplayWorld::podStartup(double, bool newRevision) {
  // As the synthetic world: the stable template's pods start as fast as they always did.
  const sc::CompiledScenario* s = plan_.scenario();
  if (!newRevision || s == nullptr) return 0.0;
  const sc::ClusterSpec& c = s->spec().cluster;
  if (c.canaryNeverReady) return std::numeric_limits<double>::infinity();
  return c.canaryStartup;
}

double ArgoReplayWorld::modelValue(double t, const sc::MetricModelSpec& mod) {
  // kNormal, as the synthetic world draws it: the bad values while the Scenario's effects act.
  const bool bad = plan_.scenario() != nullptr && plan_.scenario()->regressionActive(t);
  const double mean = bad ? mod.badMean : mod.mean;
  const double sd = bad ? mod.badSd : mod.sd;
  return (mean + sd * models_.normal()) * mod.scale;
}

ar::ProviderAnswer ArgoReplayWorld::measure(const ar::MeasureRequest& r) {
  const ar::Metric& m = *r.metric;
  const ArgoReplayAnswer& a = plan_.answer(m);
  const bool prometheus = m.provider == ar::ProviderKind::kPrometheus;
  ar::ProviderAnswer pa;
  switch (a.source) {
    case ArgoReplayAnswer::Source::kNamed:
      if (prometheus) {
        // What the recorded query answered at that time: every series present, in order.
        pa = ar::ProviderAnswer::of(
            ar::Value::floats(source_.namedVector(m.name, Variant::kCanary, epoch(r.t))));
      } else {
        const NamedAnswer n = source_.named(m.name, Variant::kCanary, epoch(r.t));
        pa = n.kind == NamedAnswer::Kind::kValue
                 ? ar::ProviderAnswer::of(ar::Value::number(n.value))
                 : ar::ProviderAnswer::fail("no value recorded under \"" + m.name + "\" at " +
                                            formatTime(epoch(r.t)));
      }
      break;
    case ArgoReplayAnswer::Source::kQuery:
      pa = argoAnswer(source_.query(m.prometheusQuery, epoch(r.t)));
      break;
    case ArgoReplayAnswer::Source::kModel: {
      const double v = modelValue(r.t, *a.model);
      // A modelled Prometheus metric answers as a one-element vector, others as a JSON number.
      pa = ar::ProviderAnswer::of(prometheus ? ar::Value::floats({v}) : ar::Value::number(v));
      break;
    }
  }
  return pa;
}

ar::JobAnswer ArgoReplayWorld::job(const ar::MeasureRequest& r) {
  const ArgoReplayAnswer& a = plan_.answer(*r.metric);
  const sc::MetricModelSpec& mod = *a.model;
  const bool bad = plan_.scenario() != nullptr && plan_.scenario()->regressionActive(r.t);
  ar::JobAnswer j;
  j.succeeded = models_.uniform() >= (bad ? mod.badFailProbability : mod.failProbability);
  j.duration = mod.duration;
  return j;
}

ar::KayentaAnswer ArgoReplayWorld::kayenta(const ar::KayentaRequest& r) {
  const ar::Metric& m = *r.metric;
  const ArgoReplayAnswer& a = plan_.answer(m);
  ar::KayentaAnswer k;
  if (a.source == ArgoReplayAnswer::Source::kNamed) {
    const NamedAnswer n = source_.named(m.name, Variant::kCanary, epoch(r.t));
    if (n.kind == NamedAnswer::Kind::kValue && !std::isnan(n.value)) {
      k.score = std::clamp(n.value, 0.0, 100.0);
    } else {
      k.kind = ar::KayentaAnswer::Kind::kError;
      k.message = "no score recorded under \"" + m.name + "\" at " + formatTime(epoch(r.t));
    }
  } else {
    k.score = std::clamp(modelValue(r.t, *a.model), 0.0, 100.0);
  }
  return k;
}

std::optional<sim::RunTotals> ArgoReplayWorld::runTotals(double t) {
  return source_.totals(epoch(t));
}

sim::IntervalTrafficSource* ArgoReplayWorld::intervalTraffic() { return source_.intervalTraffic(); }

std::string ArgoReplayWorld::answerSource(const ar::Metric& metric) const {
  return toString(plan_.answer(metric).source);
}

// ---- runs ---------------------------------------------------------------------------------------

namespace {

// The one reconcile loop (sim/src/argo_loop.cpp) in the recording's world: the source and the
// world reset, a live server asked before the first step, the judges' input checked.
sc::RunSummary loop(const ArgoReplayPlan& plan, ReplaySource& source, const ReplayRunOptions& opt,
                    ArgoReplayWorld& world, ar::ArgoRun* keep,
                    std::vector<ArgoMeasurement>* measurements = nullptr) {
  source.reset(opt.seed, opt.replicate);
  world.reset(opt.seed);
  const ReplaySpec& spec = plan.recording().spec();
  if (opt.checkOnline && spec.prometheus) {
    try {
      source.checkOnline(spec.from);
    } catch (const DeadlineExceeded& e) {
      throw DeadlineExceeded(std::string(e.what()) + "; the replay stopped before its first step");
    }
  }
  requireJudgeTraffic(spec, source, opt);
  sim::ArgoLoopOptions o;
  o.duration = spec.to - spec.from;
  o.seed = opt.seed;
  o.judges = opt.judges;
  o.measurements = measurements;
  o.stoppedAt = [&spec](double t) {
    return "; the replay stopped at t=" + formatNumber(t) + "s (" + formatTime(spec.from + t) + ")";
  };
  return sim::runArgoLoop(plan.engine(), world, o, keep);
}

}  // namespace

sc::ArgoSimulation replayArgo(const ArgoReplayPlan& plan, ReplaySource& source,
                              const ReplayRunOptions& options,
                              std::vector<ArgoMeasurement>* measurements) {
  ArgoReplayWorld world(plan, source);
  sc::ArgoSimulation s;
  s.summary = loop(plan, source, options, world, &s.run, measurements);
  return s;
}

sc::RunSummary runReplayArgo(const ArgoReplayPlan& plan, ReplaySource& source,
                             const ReplayRunOptions& options) {
  ArgoReplayWorld world(plan, source);
  return loop(plan, source, options, world, nullptr);
}

}  // namespace rolloutlab::replay
