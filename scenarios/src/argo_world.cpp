#include "rolloutlab/scenarios/argo_world.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::scenarios {

namespace ar = core::argo;
namespace pq = core::promql;

namespace {

std::string key(const ar::Metric& m) { return m.name + "\n" + m.prometheusQuery; }

}  // namespace

// ---- shared with replays ----------------------------------------------------------------------

std::string argoMeshProvider(const ar::RolloutSpec& r) {
  if (!r.canary || !r.canary->trafficRouting) return "istio";
  const std::string& router = r.canary->router;
  if (router.find("istio") != std::string::npos) return "istio";
  if (router.find("nginx") != std::string::npos) return "nginx";
  if (router.find("smi") != std::string::npos) return "linkerd";
  if (router.find("appMesh") != std::string::npos) return "appmesh";
  if (router.find("traefik") != std::string::npos) return "traefik";
  if (router.find("apisix") != std::string::npos) return "apisix";
  if (router.find("ambassador") != std::string::npos) return "contour";
  return "istio";
}

Workload argoWorkload(const ar::RolloutSpec& rollout, const std::string& provider) {
  Workload w;
  w.ns = rollout.namespace_.empty() ? "default" : rollout.namespace_;
  w.target = rollout.name;
  w.canaryName = rollout.name + "-" + ar::kNewPodHash;
  w.primaryName = rollout.name + "-" + ar::kStablePodHash;
  std::string canarySvc, stableSvc;
  if (rollout.canary) {
    canarySvc = rollout.canary->canaryService;
    stableSvc = rollout.canary->stableService;
  } else if (rollout.blueGreen) {
    canarySvc = rollout.blueGreen->previewService;
    stableSvc = rollout.blueGreen->activeService;
  }
  w.service = stableSvc.empty() ? rollout.name : stableSvc;
  w.ingress = rollout.name;
  w.route = rollout.name;
  w.canaryExtra = {{"rollouts_pod_template_hash", ar::kNewPodHash}};
  w.primaryExtra = {{"rollouts_pod_template_hash", ar::kStablePodHash}};
  if (provider == "istio") {
    auto svc = [&](std::vector<std::pair<std::string, std::string>>& out, const std::string& name) {
      if (name.empty()) return;
      out.emplace_back("destination_service_name", name);
      out.emplace_back("destination_service", name + "." + w.ns + ".svc.cluster.local");
    };
    svc(w.canaryExtra, canarySvc);
    svc(w.primaryExtra, stableSvc);
  }
  return w;
}

double argoRouteMatch(const TrafficSpec& traffic, const ar::ManagedRoute& route) {
  const auto it = traffic.routeMatch.find(route.name);
  if (it != traffic.routeMatch.end()) return it->second;
  return route.kind == ar::ManagedRoute::Kind::kHeader ? traffic.matchFraction
                                                       : traffic.mirrorMatchFraction;
}

ar::ArgoTrafficSplit argoSplit(const ar::ArgoSnapshot& snapshot, const TrafficSpec& traffic) {
  return ar::argoTrafficSplit(
      snapshot, [&](const ar::ManagedRoute& r) { return argoRouteMatch(traffic, r); });
}

ar::ProviderAnswer argoPrometheusAnswer(const pq::QueryResult& res) {
  // metricproviders/prometheus/prometheus.go processResponse
  if (res.kind == pq::ResultKind::kError) return ar::ProviderAnswer::fail(res.error);
  if (res.kind == pq::ResultKind::kScalar)
    return ar::ProviderAnswer::of(ar::Value::number(res.scalar));
  std::vector<double> v;
  v.reserve(res.vector.size());
  for (const auto& e : res.vector) v.push_back(e.value);
  return ar::ProviderAnswer::of(ar::Value::floats(std::move(v)));
}

void checkArgoModel(const Scenario& sc, const ar::Metric& m, const MetricModelSpec& model) {
  const bool jobModel = model.kind == MetricModelSpec::Kind::kJob;
  if (jobModel != (m.provider == ar::ProviderKind::kJob)) {
    throw core::InputError(
        {core::Severity::kError, sc.file, sc.line, 0, "spec.metrics.models." + m.name, "",
         jobModel ? "a job model answers Job metrics only; metric \"" + m.name + "\" uses the " +
                        ar::toString(m.provider) + " provider"
                  : "metric \"" + m.name + "\" is a Job metric: model it with kind: job"});
  }
}

RunSummary argoRunSummary(const ar::ArgoEngine& engine, const ar::ArgoState& state,
                          ar::ArgoRun& run, double end, double peak) {
  RunSummary sum;
  sum.engine = "argo";
  run.end = end;
  run.outcome = ar::argoOutcomeOf(run.events);
  const ar::ArgoOutcome& o = run.outcome;
  sum.result = ar::toString(o.result);
  sum.outcome.t = o.t;
  switch (o.result) {
    case ar::ArgoOutcome::Result::kPromoted:
      sum.outcome.result = core::flagger::Outcome::Result::kPromoted;
      sum.outcome.phase = core::flagger::Phase::kSucceeded;
      sum.timeToDecision = o.t;
      sum.timeToPromotion = o.t;
      break;
    case ar::ArgoOutcome::Result::kAborted:
      sum.outcome.result = core::flagger::Outcome::Result::kRolledBack;
      sum.outcome.phase = core::flagger::Phase::kFailed;
      sum.timeToDecision = o.t;
      break;
    default:
      sum.outcome.result = core::flagger::Outcome::Result::kInProgress;
      sum.outcome.phase = core::flagger::Phase::kProgressing;
      sum.outcome.t = end;
      break;
  }
  sum.ticks = state.reconciles;
  sum.peakCanaryWeight = static_cast<int>(std::lround(peak));
  // The measurements the analyses took: every completed one is a check; Failed, Inconclusive
  // and Error ones failed.
  for (const auto& rv : engine.snapshot(state, end).runs) {
    for (const auto& mv : rv.metrics) {
      sum.metricChecks += mv.count + mv.error;
      sum.failedMetricChecks += mv.failed + mv.inconclusive + mv.error;
    }
  }
  return sum;
}

// ---- ArgoPlan ---------------------------------------------------------------------------------

ArgoPlan::ArgoPlan(const ar::RolloutSpec& rollout, const ar::TemplateCatalog& catalog,
                   const CompiledScenario& scenario, const std::vector<JudgeSpec>& judges)
    : engine_(std::make_unique<ar::ArgoEngine>(rollout, catalog)), judges_(judges) {
  const Scenario& sc = scenario.spec();
  layout_ = meshLayout(sc.metrics.mesh.empty() ? argoMeshProvider(rollout) : sc.metrics.mesh);
  if (!sc.metrics.buckets.empty()) {
    if (sc.metrics.buckets.size() > 31) {
      throw core::InputError({core::Severity::kError, sc.file, sc.line, 0, "spec.metrics.buckets",
                              "", "at most 31 bucket bounds"});
    }
    layout_.buckets = sc.metrics.buckets;
  }
  workload_ = argoWorkload(rollout, layout_.provider);
  // Every metric of every analysis.
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
    Answer a;
    const auto mit = sc.metrics.models.find(m->name);
    if (mit != sc.metrics.models.end()) {
      a.source = Answer::Source::kModel;
      a.model = &mit->second;
      a.windowSeconds = m->intervalSeconds().value_or(60);
      checkArgoModel(sc, *m, mit->second);
    } else if (m->provider == ar::ProviderKind::kKayenta &&
               std::any_of(judges_.begin(), judges_.end(), [&](const JudgeSpec& j) {
                 return j.mode == JudgeSpec::Mode::kKayenta && j.name == m->kayenta.canaryConfigName;
               })) {
      // Kayenta's canary config by name: rolloutlab's Kayenta-compatible judge on the series.
      a.source = Answer::Source::kJudge;
      for (const auto& j : judges_) {
        if (j.mode == JudgeSpec::Mode::kKayenta && j.name == m->kayenta.canaryConfigName) a.judge = &j;
      }
    } else if (m->provider == ar::ProviderKind::kPrometheus) {
      try {
        a.query = std::make_shared<const pq::PreparedQuery>(pq::parse(m->prometheusQuery));
        a.source = Answer::Source::kQuery;
      } catch (const core::InputError& e) {
        const std::string msg = e.what();
        if (msg.find("not supported") != std::string::npos ||
            msg.find("unsupported") != std::string::npos) {
          throw core::InputError(
              {core::Severity::kError, m->loc.file, m->loc.line, 0, "metric " + m->name,
               core::quoted(m->prometheusQuery),
               "the query uses PromQL outside rolloutlab's subset (" + msg +
                   "); model the metric under spec.metrics.models in the scenario"});
        }
        a.source = Answer::Source::kError;  // Prometheus rejects it too: every measurement errors
        a.error = "bad_data: " + msg;
      }
    } else {
      throw core::InputError(
          {core::Severity::kError, sc.file, sc.line, 0, "spec.metrics.models", "",
           "metric \"" + m->name + "\" uses the " + ar::toString(m->provider) +
               " provider, which rolloutlab cannot query: model it under spec.metrics.models." +
               m->name + " in the scenario"});
    }
    answers_.emplace(k, std::move(a));
  }
}

const ArgoPlan::Answer& ArgoPlan::answer(const ar::Metric& m) const { return answers_.at(key(m)); }

// ---- world --------------------------------------------------------------------------------------

ArgoSyntheticWorld::ArgoSyntheticWorld(const ArgoPlan& plan, const CompiledScenario& scenario)
    : plan_(plan), scenario_(scenario), series_(plan.layout(), plan.workload(), scenario) {
  for (const auto& [k, a] : plan.answers()) {
    if (a.query) queries_[k] = std::make_shared<pq::PreparedQuery>(*a.query);
  }
}

ArgoSyntheticWorld::~ArgoSyntheticWorld() = default;

void ArgoSyntheticWorld::reset(std::uint64_t seed) {
  series_.reset(seed);
  canaryUp_ = false;
}

RunTotals ArgoSyntheticWorld::totals(double t) { return series_.totals(t); }

void ArgoSyntheticWorld::afterInstant(double t, const ar::ArgoState& state) {
  const int newPods = state.newRS ? state.newRS->replicas : 0;
  if (newPods > 0 && !canaryUp_) {
    series_.scaleUp(t);
    canaryUp_ = true;
  } else if (newPods == 0 && canaryUp_) {
    series_.scaleDown(t);
    canaryUp_ = false;
  }
  // The router's split: the weight, header routes (matching requests to the canary whatever the
  // weight) and mirror routes (copies to the canary that its series count and users never see).
  const ar::ArgoTrafficSplit split =
      argoSplit(plan_.engine().snapshot(state, t), scenario_.spec().traffic);
  series_.setShares(t, split.canary, split.stable, split.mirrored);
}

double ArgoSyntheticWorld::podStartup(double, bool newRevision) {
  if (!newRevision) return 0.0;  // the stable template's pods start as fast as they always did
  const ClusterSpec& c = scenario_.spec().cluster;
  if (c.canaryNeverReady) return std::numeric_limits<double>::infinity();
  return c.canaryStartup;
}

std::optional<double> ArgoSyntheticWorld::modelValue(double t, const ArgoPlan::Answer& a,
                                                     std::string* noData) {
  const MetricModelSpec& mod = *a.model;
  if (mod.kind == MetricModelSpec::Kind::kNormal) {
    const bool bad = scenario_.regressionActive(t);
    const double mean = bad ? mod.badMean : mod.mean;
    const double sd = bad ? mod.badSd : mod.sd;
    return (mean + sd * series_.rng(MeshSeries::Stream::kModels).normal()) * mod.scale;
  }
  const MeshLayout& L = plan_.layout();
  const MeshSeries::WindowCounts w = series_.window(Variant::kCanary, t - a.windowSeconds, t);
  if (w.ok + w.err <= 0) {
    *noData = "no requests in the window";
    return std::nullopt;
  }
  if (mod.kind == MetricModelSpec::Kind::kErrorRatePercent)
    return 100.0 * w.err / (w.ok + w.err) * mod.scale;
  if (mod.kind == MetricModelSpec::Kind::kSuccessRatePercent)
    return 100.0 * w.ok / (w.ok + w.err) * mod.scale;
  // Latency quantile, interpolated inside its bucket (as flagger_world.cpp).
  const std::size_t nb = L.buckets.size();
  std::vector<double> cum(nb + 1);
  double acc = 0;
  for (std::size_t i = 0; i <= nb; ++i) {
    acc += w.buckets[i];
    cum[i] = acc;
  }
  if (acc <= 0) {
    *noData = "no requests in the window";
    return std::nullopt;
  }
  const double rank = mod.quantile * acc;
  std::size_t i = 0;
  while (i < nb && cum[i] < rank) ++i;
  if (i == nb) return L.buckets.back() / L.unitPerMs * mod.scale;
  const double lo = i == 0 ? 0.0 : L.buckets[i - 1];
  const double below = i == 0 ? 0.0 : cum[i - 1];
  const double in = cum[i] - below;
  const double v = in > 0 ? lo + (L.buckets[i] - lo) * (rank - below) / in : L.buckets[i];
  return v / L.unitPerMs * mod.scale;
}

ar::ProviderAnswer ArgoSyntheticWorld::measure(const ar::MeasureRequest& r) {
  const MetricsSpec& ms = scenario_.spec().metrics;
  for (const auto& o : ms.outages) {
    if (r.t >= o.from && r.t < o.to)
      return ar::ProviderAnswer::fail("metrics backend unavailable (scenario outage)");
  }
  if (ms.queryErrorRate > 0 &&
      series_.rng(MeshSeries::Stream::kErrors).uniform() < ms.queryErrorRate) {
    return ar::ProviderAnswer::fail("query failed (scenario query error rate)");
  }
  const ArgoPlan::Answer& a = plan_.answer(*r.metric);
  switch (a.source) {
    case ArgoPlan::Answer::Source::kJudge:  // only Kayenta metrics are judged
    case ArgoPlan::Answer::Source::kError:
      return ar::ProviderAnswer::fail(a.error);
    case ArgoPlan::Answer::Source::kQuery: {
      pq::PreparedQuery& q = *queries_.at(key(*r.metric));
      return argoPrometheusAnswer(q.evaluate(series_, MeshSeries::epochSeconds(r.t)));
    }
    case ArgoPlan::Answer::Source::kModel: {
      std::string noData;
      const auto v = modelValue(r.t, a, &noData);
      if (r.metric->provider == ar::ProviderKind::kPrometheus) {
        // A modelled Prometheus metric answers as a one-element vector (empty without data).
        return ar::ProviderAnswer::of(v ? ar::Value::floats({*v}) : ar::Value::floats({}));
      }
      if (!v) return ar::ProviderAnswer::fail(noData);
      return ar::ProviderAnswer::of(ar::Value::number(*v));  // a JSON number
    }
  }
  return ar::ProviderAnswer::fail("unreachable");
}

ar::JobAnswer ArgoSyntheticWorld::job(const ar::MeasureRequest& r) {
  const ArgoPlan::Answer& a = plan_.answer(*r.metric);
  ar::JobAnswer j;
  const MetricModelSpec& mod = *a.model;
  const double p = scenario_.regressionActive(r.t) ? mod.badFailProbability : mod.failProbability;
  j.succeeded = series_.rng(MeshSeries::Stream::kModels).uniform() >= p;
  j.duration = mod.duration;
  return j;
}

ar::KayentaAnswer ArgoSyntheticWorld::kayenta(const ar::KayentaRequest& r) {
  if (judge_ != nullptr) return judge_->judge(r);
  const ArgoPlan::Answer& a = plan_.answer(*r.metric);
  ar::KayentaAnswer k;
  if (a.source == ArgoPlan::Answer::Source::kJudge) {
    if (r.scopes.empty()) {
      k.kind = ar::KayentaAnswer::Kind::kError;
      k.message = "the kayenta metric has no scopes";
      return k;
    }
    const auto& w = r.scopes.front();
    const auto& scopes = r.metric->kayenta.scopes;
    const long long step = !scopes.empty() && scopes.front().experimentScope.step > 0 ? scopes.front().experimentScope.step : 60;
    const auto j = judgeWindows(series_, *a.judge, w.experimentStart, w.experimentEnd, w.controlStart, w.controlEnd,
                                static_cast<double>(step), series_.rng(MeshSeries::Stream::kModels));
    k.score = j.score;
    return k;
  }
  if (a.source != ArgoPlan::Answer::Source::kModel) {
    k.kind = ar::KayentaAnswer::Kind::kError;
    k.message = "no Kayenta judge and no model";
    return k;
  }
  std::string noData;
  const auto v = modelValue(r.t, a, &noData);
  if (!v) {
    k.kind = ar::KayentaAnswer::Kind::kError;
    k.message = noData;
    return k;
  }
  k.score = std::clamp(*v, 0.0, 100.0);
  return k;
}

// ---- runs ---------------------------------------------------------------------------------------

namespace {

// Shadow judges and the canary's series are read every minute of simulated time, whether or not
// judges are attached, so that attaching them never changes the run's draws.
constexpr double kCadence = 60.0;

RunSummary loop(const ArgoPlan& plan, const CompiledScenario& sc, ArgoSyntheticWorld& world,
                std::uint64_t seed, ar::ArgoRun* keep, const std::vector<JudgeSpec>& judgeSpecs) {
  world.reset(seed);
  std::vector<std::unique_ptr<ShadowJudge>> judges;
  for (std::size_t i = 0; i < judgeSpecs.size(); ++i) {
    judges.push_back(makeShadowJudge(judgeSpecs[i], core::deriveSeed(seed, 100 + i)));
  }
  double lastLook = 0;
  int looks = 0;
  auto lookUpTo = [&](double until) {
    while (lastLook + kCadence <= until + 1e-9) {
      const double c = lastLook + kCadence;
      world.series().touch(Variant::kCanary, c);
      if (!judges.empty()) {
        const TickTraffic tr = tickTraffic(world.series(), lastLook, c);
        ++looks;
        for (auto& j : judges) j->observe(looks, tr);
      }
      lastLook = c;
    }
  };
  const ar::ArgoEngine& engine = plan.engine();
  ar::ArgoRun local;
  ar::ArgoRun& run = keep ? *keep : local;
  ar::ArgoState state = engine.initialState();
  engine.applyNewRevision(state, 0.0, world, run.events);
  world.afterInstant(0.0, state);
  const double duration = sc.spec().duration;
  double t = 0;
  double peak = 0;
  for (const auto& e : run.events) peak = std::max(peak, e.state.canaryWeight);
  for (;;) {
    // Stop once the update is decided and nothing but clean-ups remain (a rollout waiting on a
    // human with nothing scheduled stops below: no wake-up).
    const ar::ArgoSnapshot snap = engine.snapshot(state, t);
    if ((snap.promoted && snap.phase == ar::RolloutPhase::kHealthy) || snap.abort) break;
    const double next = engine.nextWakeUp(state, t);
    if (!std::isfinite(next) || next > duration) break;
    lookUpTo(next);
    t = next;
    const std::size_t before = run.events.size();
    engine.settle(state, t, world, run.events);
    world.afterInstant(t, state);
    for (std::size_t i = before; i < run.events.size(); ++i)
      peak = std::max(peak, run.events[i].state.canaryWeight);
    if (!keep && run.events.size() > 64) {
      // The batch keeps no trace: only the stretch the outcome is dated from.
      run.events.erase(
          run.events.begin(),
          run.events.begin() + static_cast<std::ptrdiff_t>(ar::finalStretchStart(run.events)));
    }
  }
  RunSummary sum = argoRunSummary(engine, state, run, t, peak);
  sum.totals = world.totals(sum.outcome.t);
  lookUpTo(sum.outcome.t);
  for (const auto& j : judges) sum.judges.push_back(j->verdict());
  return sum;
}

}  // namespace

RunSummary runArgo(const ArgoPlan& plan, const CompiledScenario& scenario,
                   ArgoSyntheticWorld& world, std::uint64_t seed, const std::vector<JudgeSpec>& judges) {
  return loop(plan, scenario, world, seed, nullptr, judges);
}

ArgoSimulation simulateArgo(const ArgoPlan& plan, const CompiledScenario& scenario,
                            std::uint64_t seed, const std::vector<JudgeSpec>& judges) {
  ArgoSyntheticWorld world(plan, scenario);
  ArgoSimulation s;
  s.summary = loop(plan, scenario, world, seed, &s.run, judges);
  return s;
}

}  // namespace rolloutlab::scenarios
