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
                 return j.mode == JudgeSpec::Mode::kKayenta &&
                        j.name == m->kayenta.canaryConfigName;
               })) {
      // Kayenta's canary config by name: rolloutlab's Kayenta-compatible judge on the series.
      a.source = Answer::Source::kJudge;
      for (const auto& j : judges_) {
        if (j.mode == JudgeSpec::Mode::kKayenta && j.name == m->kayenta.canaryConfigName)
          a.judge = &j;
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
    const long long step = !scopes.empty() && scopes.front().experimentScope.step > 0
                               ? scopes.front().experimentScope.step
                               : 60;
    const auto j = judgeWindows(series_, *a.judge, w.experimentStart, w.experimentEnd,
                                w.controlStart, w.controlEnd, static_cast<double>(step),
                                series_.rng(MeshSeries::Stream::kModels));
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

std::optional<RunTotals> ArgoSyntheticWorld::runTotals(double t) { return totals(t); }

void ArgoSyntheticWorld::onLook(double t) { series_.touch(Variant::kCanary, t); }

std::string ArgoSyntheticWorld::answerSource(const ar::Metric& metric) const {
  if (metric.provider == ar::ProviderKind::kKayenta && judge_ != nullptr) return "judge";
  switch (plan_.answer(metric).source) {
    case ArgoPlan::Answer::Source::kQuery:
      return "query";
    case ArgoPlan::Answer::Source::kModel:
      return "model";
    case ArgoPlan::Answer::Source::kJudge:
      return "judge";
    case ArgoPlan::Answer::Source::kError:
      break;
  }
  return {};
}

// ---- runs ---------------------------------------------------------------------------------------

namespace {

// The one reconcile loop (sim/src/argo_loop.cpp) over the scenario's duration.
sim::ArgoLoopOptions loopOptions(const CompiledScenario& sc, std::uint64_t seed,
                                 const std::vector<JudgeSpec>& judges) {
  sim::ArgoLoopOptions o;
  o.duration = sc.spec().duration;
  o.seed = seed;
  o.judges = &judges;
  return o;
}

}  // namespace

RunSummary runArgo(const ArgoPlan& plan, const CompiledScenario& scenario,
                   ArgoSyntheticWorld& world, std::uint64_t seed,
                   const std::vector<JudgeSpec>& judges) {
  world.reset(seed);
  return sim::runArgoLoop(plan.engine(), world, loopOptions(scenario, seed, judges));
}

ArgoSimulation simulateArgo(const ArgoPlan& plan, const CompiledScenario& scenario,
                            std::uint64_t seed, const std::vector<JudgeSpec>& judges,
                            std::vector<sim::ArgoMeasurement>* measurements) {
  ArgoSyntheticWorld world(plan, scenario);
  world.reset(seed);
  ArgoSimulation s;
  sim::ArgoLoopOptions o = loopOptions(scenario, seed, judges);
  o.measurements = measurements;
  s.summary = sim::runArgoLoop(plan.engine(), world, o, &s.run);
  return s;
}

}  // namespace rolloutlab::scenarios
