#include "rolloutlab/scenarios/flagger_world.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/flagger_queries.h"
#include "rolloutlab/sim/flagger_checks.h"

namespace rolloutlab::scenarios {

namespace fl = core::flagger;
namespace pq = core::promql;
using pq::TimestampMs;

// ---- FlaggerPlan ----------------------------------------------------------------------------

namespace {

int checkIndex(int metricIndex, fl::CheckKind kind) {
  return metricIndex * 4 + static_cast<int>(kind);
}

double intervalSeconds(const std::string& interval, double fallback) {
  pq::TimestampMs ms = 0;
  if (!interval.empty() && pq::parseDuration(interval, ms)) return static_cast<double>(ms) / 1000.0;
  return fallback;
}

}  // namespace

FlaggerPlan::FlaggerPlan(const fl::CanarySpec& canary,
                         std::vector<const fl::MetricTemplateSpec*> templates,
                         const CompiledScenario& scenario, const std::string& meshProvider)
    : engine_(canary, templates, fl::FlaggerEngineOptions{meshProvider}) {
  const Scenario& sc = scenario.spec();
  const std::string provider = canary.effectiveProvider(meshProvider);
  layout_ = meshLayout(sc.metrics.mesh.empty() ? provider : sc.metrics.mesh);
  if (!sc.metrics.buckets.empty()) {
    if (sc.metrics.buckets.size() + 1 > static_cast<std::size_t>(32)) {
      throw core::InputError({core::Severity::kError, sc.file, sc.line, 0, "spec.metrics.buckets",
                              "", "at most " + std::to_string(31) + " bucket bounds"});
    }
    layout_.buckets = sc.metrics.buckets;
  }
  workload_.ns = canary.namespace_.empty() ? "default" : canary.namespace_;
  workload_.target = canary.targetName;
  workload_.service = canary.serviceName.empty() ? canary.targetName : canary.serviceName;
  workload_.ingress = canary.ingressRef.empty() ? canary.targetName : canary.ingressRef;
  workload_.route = canary.routeRef.empty() ? canary.targetName : canary.routeRef;
  workload_.port = canary.servicePort > 0 ? canary.servicePort : 80;
  std::string revision;
  if (layout_.provider == "knative") {
    workload_.canaryName = sc.metrics.canaryRevision;
    workload_.primaryName = sc.metrics.primaryRevision;
    revision = knativeRevision(Variant::kCanary, workload_);
  }

  const auto& metrics = canary.analysis.metrics;
  const std::vector<CheckQuery> queries =
      flaggerCheckQueries(canary, templates, meshProvider, revision);
  checks_.assign(metrics.size() * 4, PreparedCheck{});
  auto where = [&](std::size_t i) {
    return core::Diagnostic{core::Severity::kError,
                            metrics[i].loc.file,
                            metrics[i].loc.line,
                            0,
                            "spec.analysis.metrics[" + std::to_string(i) + "]",
                            core::quoted(metrics[i].name),
                            ""};
  };
  auto prepare = [&](PreparedCheck& pc, const std::string& text, std::size_t i) {
    pc.query = text;
    try {
      pc.prepared = std::make_shared<const pq::PreparedQuery>(pq::parse(text));
      pc.source = PreparedCheck::Source::kQuery;
    } catch (const core::InputError& e) {
      const std::string msg = e.what();
      if (msg.find("not supported") != std::string::npos ||
          msg.find("unsupported") != std::string::npos) {
        auto d = where(i);
        d.rule = "the query uses PromQL outside rolloutlab's subset (" + msg +
                 "); model the metric under spec.metrics.models in the scenario";
        throw core::InputError(d);
      }
      // Prometheus rejects it too: the check errors every tick, as upstream.
      pc.source = PreparedCheck::Source::kError;
      pc.error = "bad_data: " + msg;
    }
  };
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const auto& m = metrics[i];
    const auto mit = sc.metrics.models.find(m.name);
    for (int k = 0; k < 4; ++k) {
      const auto kind = static_cast<fl::CheckKind>(k);
      const CheckQuery& q =
          queries[static_cast<std::size_t>(checkQueryIndex(static_cast<int>(i), kind))];
      PreparedCheck& pc = checks_[checkIndex(static_cast<int>(i), kind)];
      const bool runs = q.status != CheckQuery::Status::kNone ||
                        (kind == fl::CheckKind::kTemplate && m.templateRef.has_value());
      if (!runs) continue;
      if (mit != sc.metrics.models.end()) {
        pc.source = PreparedCheck::Source::kModel;
        pc.model = &mit->second;
        pc.windowSeconds =
            intervalSeconds(m.interval.empty() ? fl::kDefaultMetricInterval : m.interval, 60);
        continue;
      }
      switch (q.status) {
        case CheckQuery::Status::kNone:
          break;  // a missing template: the engine fails it
        case CheckQuery::Status::kUnsupportedProvider: {
          auto d = where(i);
          d.rule = "uses MetricTemplate " + q.templateName + " with provider " + q.providerType +
                   ", which rolloutlab cannot query: model it under spec.metrics.models." + m.name +
                   " in the scenario";
          throw core::InputError(d);
        }
        case CheckQuery::Status::kRenderError:
          pc.source = PreparedCheck::Source::kError;
          pc.error = q.error;
          break;
        case CheckQuery::Status::kQuery:
          if (kind == fl::CheckKind::kRequestSuccessRate ||
              kind == fl::CheckKind::kRequestDuration) {
            prepare(pc, q.text, i);
            pc.scale = q.scale;
          } else {
            // A query outside the subset fails like a render error here (as it always has).
            try {
              prepare(pc, q.text, i);
            } catch (const core::InputError& e) {
              pc.source = PreparedCheck::Source::kError;
              pc.error = std::string(kind == fl::CheckKind::kInlineQuery
                                         ? "bad_data: query render failed: "
                                         : "query render error: ") +
                         e.what();
            }
          }
          break;
      }
    }
  }
}

const PreparedCheck& FlaggerPlan::check(int metricIndex, fl::CheckKind kind) const {
  return checks_[static_cast<std::size_t>(checkIndex(metricIndex, kind))];
}

// ---- world ----

namespace {

/// The world's series with the variants swapped: a query that selects the canary's series gets
/// the primary's, which carry the canary's labels. The canary's own query then reads the primary.
class SwappedVariants final : public pq::SeriesSource {
 public:
  explicit SwappedVariants(MeshSeries& s) : s_(s) {}
  void select(const std::vector<pq::Matcher>& matchers, std::vector<pq::SeriesRef>& out) override {
    s_.select(matchers, out);
    for (auto& r : out) r = s_.counterpart(r);
  }
  const pq::Labels& labels(pq::SeriesRef r) const override { return s_.labels(s_.counterpart(r)); }
  void samples(pq::SeriesRef r, TimestampMs from, TimestampMs to,
               std::vector<pq::Sample>& out) override {
    s_.samples(r, from, to, out);
  }
  pq::RangeSummary rangeSummary(pq::SeriesRef r, TimestampMs from, TimestampMs to) override {
    return s_.rangeSummary(r, from, to);
  }
  void rangeSummaries(const std::vector<pq::SeriesRef>& refs, TimestampMs from, TimestampMs to,
                      std::vector<pq::RangeSummary>& out) override {
    s_.rangeSummaries(refs, from, to, out);
  }
  std::optional<pq::Sample> latest(pq::SeriesRef r, TimestampMs t, TimestampMs lookback) override {
    return s_.latest(r, t, lookback);
  }
  std::uint64_t generation() const override { return s_.generation(); }

 private:
  MeshSeries& s_;
};

}  // namespace

FlaggerSyntheticWorld::FlaggerSyntheticWorld(const FlaggerPlan& plan,
                                             const CompiledScenario& scenario)
    : plan_(plan), scenario_(scenario), series_(plan.layout(), plan.workload(), scenario) {
  for (const auto& pc : plan.checks()) {
    queries_.push_back(pc.prepared ? std::make_shared<pq::PreparedQuery>(*pc.prepared) : nullptr);
  }
}

FlaggerSyntheticWorld::~FlaggerSyntheticWorld() = default;

void FlaggerSyntheticWorld::reset(std::uint64_t seed) {
  series_.reset(seed);
  tPromote_ = std::numeric_limits<double>::infinity();
  lastPhase_ = fl::Phase::kInitialized;
  firstCall_.clear();
}

RunTotals FlaggerSyntheticWorld::totals(double t) { return series_.totals(t); }

void FlaggerSyntheticWorld::afterTick(double t, const fl::TickRecord& rec) {
  const fl::Phase phase = rec.status.phase;
  auto active = [](fl::Phase p) {
    return p == fl::Phase::kProgressing || p == fl::Phase::kWaitingPromotion ||
           p == fl::Phase::kPromoting || p == fl::Phase::kFinalising;
  };
  // checkCanaryStatus: ScaleFromZero when the analysis starts.
  if (phase == fl::Phase::kProgressing && !active(lastPhase_)) series_.scaleUp(t);
  if (phase == fl::Phase::kPromoting && lastPhase_ != fl::Phase::kPromoting) tPromote_ = t;
  if (rec.final == fl::TickRecord::Final::kPromoted ||
      rec.final == fl::TickRecord::Final::kRolledBack ||
      rec.final == fl::TickRecord::Final::kSkippedAnalysis) {
    series_.scaleDown(t);  // the canary is scaled to zero
  }
  lastPhase_ = phase;
  series_.touch(Variant::kCanary, t);

  // Routes -> shares of live traffic.
  const fl::CanarySpec& c = plan_.canary();
  double live0 = 0, live1 = 1, mirror = 0;
  if (plan_.engine().provider() == "kubernetes") {
    live0 = 0.0;  // no traffic shifting: live traffic stays on the primary service
    live1 = 1.0;
  } else {
    const double cw = rec.routes.canaryWeight / 100.0;
    const double pw = rec.routes.primaryWeight / 100.0;
    if (c.strategy() == fl::Strategy::kABTesting) {
      live0 = scenario_.spec().traffic.matchFraction * cw;
      live1 = 1.0 - live0;
    } else {
      live0 = cw;
      live1 = pw;
    }
    if (rec.routes.mirrored) {
      const int mw = c.analysis.mirrorWeight > 0 ? c.analysis.mirrorWeight : 100;
      mirror = live1 * mw / 100.0;
    }
  }
  series_.setShares(t, live0, live1, mirror);
}

// ---- the world's answers -----------------------------------------------------------------------

fl::Readiness FlaggerSyntheticWorld::canaryReady(double t, fl::Phase) {
  const ClusterSpec& cl = scenario_.spec().cluster;
  const double up = series_.canaryUpSince();
  if (!std::isfinite(up)) return fl::Readiness::kReady;
  const double since = t - up;
  const double deadline = plan_.canary().progressDeadline();
  if (cl.canaryNeverReady || cl.canaryStartup > deadline) {
    return since >= deadline ? fl::Readiness::kDeadlineExceeded : fl::Readiness::kWaiting;
  }
  return since >= cl.canaryStartup ? fl::Readiness::kReady : fl::Readiness::kWaiting;
}

fl::Readiness FlaggerSyntheticWorld::primaryReady(double t, fl::Phase phase) {
  const ClusterSpec& cl = scenario_.spec().cluster;
  if ((phase != fl::Phase::kPromoting && phase != fl::Phase::kFinalising) ||
      !std::isfinite(tPromote_)) {
    return fl::Readiness::kReady;
  }
  const double since = t - tPromote_;
  const double deadline = plan_.canary().progressDeadline();
  if (cl.primaryFailsPromotion || cl.primaryRollout > deadline) {
    return since >= deadline ? fl::Readiness::kDeadlineExceeded : fl::Readiness::kWaiting;
  }
  return since >= cl.primaryRollout ? fl::Readiness::kReady : fl::Readiness::kWaiting;
}

bool FlaggerSyntheticWorld::webhook(double t, const fl::WebhookSpec& hook, int index, fl::Phase) {
  const auto& gates = scenario_.spec().webhooks;
  auto it = gates.find(hook.name);
  if (it == gates.end()) it = gates.find(fl::toString(hook.type));
  if (it == gates.end()) {
    // No word in the scenario: gates open, and rollback hooks do not ask for a rollback.
    return hook.type != fl::WebhookType::kRollback;
  }
  const GateSpec& g = it->second;
  auto [fc, inserted] = firstCall_.emplace(index, t);
  switch (g.kind) {
    case GateSpec::Kind::kPass:
      return true;
    case GateSpec::Kind::kFail:
      return false;
    case GateSpec::Kind::kPassAfter:
      return t - fc->second >= g.after;
    case GateSpec::Kind::kFlaky:
      return series_.rng(MeshSeries::Stream::kGates).uniform() >= g.failProbability;
  }
  (void)inserted;
  return true;
}

fl::MetricAnswer FlaggerSyntheticWorld::metric(double t, const fl::MetricSpec& m, int index,
                                               fl::CheckKind kind) {
  const MetricsSpec& ms = scenario_.spec().metrics;
  for (const auto& o : ms.outages) {
    if (t >= o.from && t < o.to)
      return fl::MetricAnswer::error("metrics backend unavailable (scenario outage)");
  }
  if (ms.queryErrorRate > 0 &&
      series_.rng(MeshSeries::Stream::kErrors).uniform() < ms.queryErrorRate) {
    return fl::MetricAnswer::error("query failed (scenario query error rate)");
  }
  (void)m;
  return answer(t, index, kind, Variant::kCanary);
}

fl::MetricAnswer FlaggerSyntheticWorld::answer(double t, int index, fl::CheckKind kind, Variant v) {
  const PreparedCheck& pc = plan_.check(index, kind);
  const std::size_t ci = static_cast<std::size_t>(index * 4 + static_cast<int>(kind));
  switch (pc.source) {
    case PreparedCheck::Source::kNone:
    case PreparedCheck::Source::kError:
      return fl::MetricAnswer::error(pc.error.empty() ? "no query" : pc.error);
    case PreparedCheck::Source::kQuery: {
      pq::SeriesSource* source = &series_;
      pq::PreparedQuery* query = queries_[ci].get();
      if (v == Variant::kPrimary) {
        if (!swapped_) swapped_ = std::make_unique<SwappedVariants>(series_);
        if (primaryQueries_.empty()) primaryQueries_.resize(queries_.size());
        if (!primaryQueries_[ci])
          primaryQueries_[ci] = std::make_shared<pq::PreparedQuery>(*pc.prepared);
        source = swapped_.get();
        query = primaryQueries_[ci].get();
      }
      const auto& r = query->evaluate(*source, MeshSeries::epochSeconds(t));
      const fl::ProviderAnswer pa = fl::readPrometheusAnswer(r);
      switch (pa.outcome) {
        case fl::ProviderOutcome::kValue:
          return fl::MetricAnswer::of(pa.value * pc.scale);
        case fl::ProviderOutcome::kNoValues:
          return fl::MetricAnswer::noData("no values found");
        case fl::ProviderOutcome::kError:
          return fl::MetricAnswer::error(pa.error);
      }
      break;
    }
    case PreparedCheck::Source::kModel: {
      const MetricModelSpec& mod = *pc.model;
      if (mod.kind == MetricModelSpec::Kind::kJob) {
        return fl::MetricAnswer::error("a job model answers Argo Job metrics only");
      }
      if (mod.kind == MetricModelSpec::Kind::kNormal) {
        // The primary never regresses: it draws from the model's baseline.
        const bool bad = v == Variant::kCanary && scenario_.regressionActive(t);
        const double mean = bad ? mod.badMean : mod.mean;
        const double sd = bad ? mod.badSd : mod.sd;
        return fl::MetricAnswer::of(
            (mean + sd * series_.rng(MeshSeries::Stream::kModels).normal()) * mod.scale);
      }
      const MeshLayout& L = plan_.layout();
      const MeshSeries::WindowCounts w = series_.window(v, t - pc.windowSeconds, t);
      const double dOk = w.ok;
      const double dErr = w.err;
      if (dOk + dErr <= 0) return fl::MetricAnswer::noData("no requests in the window");
      if (mod.kind == MetricModelSpec::Kind::kErrorRatePercent) {
        return fl::MetricAnswer::of(100.0 * dErr / (dOk + dErr) * mod.scale);
      }
      if (mod.kind == MetricModelSpec::Kind::kSuccessRatePercent) {
        return fl::MetricAnswer::of(100.0 * dOk / (dOk + dErr) * mod.scale);
      }
      // Latency quantile from the window's bucket counts, interpolated inside the bucket.
      const std::size_t nb = L.buckets.size();
      std::vector<double> cum(nb + 1);
      double acc = 0;
      for (std::size_t i = 0; i <= nb; ++i) {
        acc += w.buckets[i];
        cum[i] = acc;
      }
      if (acc <= 0) return fl::MetricAnswer::noData("no requests in the window");
      const double rank = mod.quantile * acc;
      std::size_t i = 0;
      while (i < nb && cum[i] < rank) ++i;
      if (i == nb) return fl::MetricAnswer::of(L.buckets.back() / L.unitPerMs * mod.scale);
      const double lo = i == 0 ? 0.0 : L.buckets[i - 1];
      const double below = i == 0 ? 0.0 : cum[i - 1];
      const double inBucket = cum[i] - below;
      const double q =
          inBucket > 0 ? lo + (L.buckets[i] - lo) * (rank - below) / inBucket : L.buckets[i];
      return fl::MetricAnswer::of(q / L.unitPerMs * mod.scale);
    }
  }
  return fl::MetricAnswer::error("unreachable");
}

fl::MetricAnswer FlaggerSyntheticWorld::peek(double t, int metricIndex, fl::CheckKind kind) {
  // Evaluate on a copy of the run's state so the run's own draws are untouched.
  const auto saved = series_.save();
  const auto savedCalls = firstCall_;
  const fl::MetricSpec& m = plan_.canary().analysis.metrics[static_cast<std::size_t>(metricIndex)];
  fl::MetricAnswer a = metric(t, m, metricIndex, kind);
  series_.restore(saved);
  firstCall_ = savedCalls;
  return a;
}

fl::MetricAnswer FlaggerSyntheticWorld::peekPrimary(double t, int metricIndex, fl::CheckKind kind) {
  for (const auto& o : scenario_.spec().metrics.outages) {
    if (t >= o.from && t < o.to)
      return fl::MetricAnswer::error("metrics backend unavailable (scenario outage)");
  }
  const auto saved = series_.save();
  fl::MetricAnswer a = answer(t, metricIndex, kind, Variant::kPrimary);
  series_.restore(saved);
  return a;
}

std::optional<RunTotals> FlaggerSyntheticWorld::runTotals(double t) { return totals(t); }

bool FlaggerSyntheticWorld::answersCheck(int metricIndex, fl::CheckKind kind) const {
  return plan_.check(metricIndex, kind).source != PreparedCheck::Source::kNone;
}

// ---- runs ---------------------------------------------------------------------------------------

namespace {

// The one tick loop (sim/src/flagger_loop.cpp) over the scenario's duration, a tick every
// analysis interval.
sim::FlaggerLoopOptions loopOptions(const FlaggerPlan& plan, const CompiledScenario& sc,
                                    std::uint64_t seed, const std::vector<JudgeSpec>& judges) {
  sim::FlaggerLoopOptions o;
  o.interval = plan.canary().analysisIntervalSeconds();
  o.duration = sc.spec().duration;
  o.seed = seed;
  o.judges = &judges;
  return o;
}

}  // namespace

RunSummary runFlagger(const FlaggerPlan& plan, const CompiledScenario& sc,
                      FlaggerSyntheticWorld& world, std::uint64_t seed,
                      const std::vector<JudgeSpec>& judges) {
  world.reset(seed);
  return sim::runFlaggerLoop(plan.engine(), world, loopOptions(plan, sc, seed, judges));
}

SimulationResult simulateFlagger(const FlaggerPlan& plan, const CompiledScenario& sc,
                                 std::uint64_t seed, bool measureAll, bool measurePrimary,
                                 const std::vector<JudgeSpec>& judges) {
  FlaggerSyntheticWorld world(plan, sc);
  world.reset(seed);
  SimulationResult res;
  sim::runFlaggerTrace(plan.engine(), world, loopOptions(plan, sc, seed, judges), measureAll,
                       measurePrimary, res);
  return res;
}

}  // namespace rolloutlab::scenarios
