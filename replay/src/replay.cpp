#include "rolloutlab/replay/replay.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/flagger_queries.h"
#include "rolloutlab/core/promql/exposition.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/replay/interval_traffic.h"
#include "rolloutlab/replay/time.h"
#include "rolloutlab/sim/flagger_checks.h"
#include "rolloutlab/sim/seeds.h"

namespace rolloutlab::replay {

namespace fl = core::flagger;
namespace pq = core::promql;

namespace {

constexpr std::int64_t kMaxTicks = 100000;

[[noreturn]] void bad(const ReplaySpec& s, const std::string& field, const std::string& value,
                      const std::string& rule) {
  throw core::InputError({core::Severity::kError, s.file, s.line, 0, field, value, rule});
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

// ---- ReplaySpec ---------------------------------------------------------------------------------

void ReplaySpec::validate() const {
  const bool doc = !file.empty();
  if (!std::isfinite(from) || !std::isfinite(to))
    bad(*this, doc ? "spec.from" : "--from", "", "is required");
  if (!(to > from)) {
    bad(*this, doc ? "spec.to" : "--to", formatTime(to),
        "must be after from (" + formatTime(from) + ")");
  }
  if (step && !(*step > 0))
    bad(*this, doc ? "spec.step" : "--step", formatNumber(*step), "must be > 0");
  if (step && (to - from) / *step > static_cast<double>(kMaxTicks)) {
    bad(*this, doc ? "spec.step" : "--step", formatNumber(*step),
        "gives more than " + std::to_string(kMaxTicks) + " ticks over the window");
  }
  const bool offlineQueries = !series.empty() || !accessLogs.empty();
  if (!prometheus && queryRange.empty() && csv.empty() && !offlineQueries) {
    bad(*this, doc ? "spec.source" : "source", "",
        "name at least one source: --prometheus, --query-range, --csv, --series or --access-log");
  }
  if (prometheus && offlineQueries) {
    bad(*this, doc ? "spec.source" : "--prometheus", "",
        "a live Prometheus and recorded series (--series, --access-log) both answer queries: give "
        "one of them");
  }
  if (!series.empty() && !accessLogs.empty()) {
    bad(*this, doc ? "spec.source" : "--series", "",
        "--series and --access-log both answer queries: give one of them");
  }
  if (counterfactual != Counterfactual::kNone && accessLogs.empty()) {
    bad(*this, doc ? "spec.counterfactual" : "--counterfactual", toString(counterfactual),
        "re-routes recorded requests: it needs request logs (--access-log)");
  }
  if (!accessLogs.empty() && !(scrapeInterval > 0)) {
    bad(*this, doc ? "spec.accessLogs.scrapeInterval" : "--scrape-interval",
        formatNumber(scrapeInterval), "must be > 0");
  }
  if (blockSteps < 0)
    bad(*this, doc ? "spec.bootstrap.blockSteps" : "--block-steps", std::to_string(blockSteps),
        "must be >= 0");
  if (prometheus) {
    std::string why;
    if (!prometheus->isValid(&why)) bad(*this, doc ? "spec.prometheus" : "--prometheus", "", why);
  }
}

std::string ReplaySpec::judgesUnsupported() const {
  if (!accessLogs.empty() || !series.empty() || prometheus) return {};
  return "the judge needs request counts and latency histograms; the recording holds only metric "
         "values (CSV, query_range answers of the spec's metrics): add request logs "
         "(accessLogs), raw series (series) or a Prometheus (prometheus)";
}

void ReplaySpec::requireJudgeInput() const {
  const std::string why = judgesUnsupported();
  if (why.empty()) return;
  bad(*this, file.empty() ? "--judge" : "spec.source", core::quoted(name), why);
}

ReplayTarget targetOf(const fl::CanarySpec& canary, const std::string& meshProvider) {
  ReplayTarget t;
  const std::string provider = canary.effectiveProvider(meshProvider);
  try {
    t.layout = sim::meshLayout(provider);
  } catch (const core::InputError&) {
    t.layout.provider = provider;  // only request logs need the layout; they say so when opened
  }
  t.workload.ns = canary.namespace_.empty() ? "default" : canary.namespace_;
  t.workload.target = canary.targetName;
  t.workload.service = canary.serviceName.empty() ? canary.targetName : canary.serviceName;
  t.workload.ingress = canary.ingressRef.empty() ? canary.targetName : canary.ingressRef;
  t.workload.route = canary.routeRef.empty() ? canary.targetName : canary.routeRef;
  t.workload.port = canary.servicePort > 0 ? canary.servicePort : 80;
  return t;
}

// ---- Recording ----------------------------------------------------------------------------------

std::shared_ptr<const Recording> Recording::open(const ReplaySpec& spec,
                                                 const ReplayTarget& target) {
  spec.validate();
  // A model counterfactual plays the recorded stable requests through the release model (the
  // Scenario's effects, TrafficSeries): with none, the canary behaves like the stable. That is
  // an A/A replay for a good release; for a release said to be bad it is a mistake.
  if (spec.counterfactual == Counterfactual::kModel && spec.release == sim::Release::kBad &&
      (!spec.scenario || spec.scenario->effects.empty())) {
    bad(spec, spec.file.empty() ? "--counterfactual" : "spec.counterfactual", "model",
        spec.scenario ? "the release is bad but the Scenario " + core::quoted(spec.scenario->name) +
                            " has no effects: the canary would behave like the stable"
                      : "the release is bad but no release model is given (a Scenario with "
                        "effects: spec.scenario or --scenario): the canary would behave like the "
                        "stable");
  }
  std::shared_ptr<Recording> r(new Recording());
  r->spec_ = spec;
  r->target_ = target;
  for (const auto& f : spec.queryRange)
    r->named_.add(readQueryRangeFile(f.path, f.metric, f.variant));
  for (const auto& f : spec.csv) {
    for (auto& m : readMetricCsv(f)) r->named_.add(std::move(m));
  }
  if (!spec.series.empty()) {
    r->store_ = std::make_shared<pq::MemorySeriesStore>();
    for (const auto& f : spec.series) {
      if (endsWith(f, ".json")) {
        loadQueryRangeSeries(f, *r->store_);
      } else {
        pq::ExpositionOptions o;
        o.fileName = f;
        // Saved scrapes often lack the final `# EOF` of OpenMetrics.
        o.requireEof = false;
        pq::loadExpositionFile(f, *r->store_, o);
      }
    }
  }
  if (!spec.accessLogs.empty()) {
    if (target.layout.histogram.empty() && target.layout.counter.empty()) {
      // meshLayout throws the list of supported providers.
      sim::meshLayout(target.layout.provider);
    }
    AccessLogOptions lo = spec.logOptions;
    if (lo.canaryMatch.empty())
      lo.canaryMatch =
          target.canaryMatch.empty() ? target.workload.service + "-canary" : target.canaryMatch;
    r->traffic_ = std::make_unique<TrafficRecording>(target.layout, spec.scrapeInterval,
                                                     spec.counterfactual == Counterfactual::kModel);
    r->ingest_ = ingestAccessLogs(spec.accessLogs, lo, *r->traffic_);
    r->traffic_->finish();
    r->spec_.logOptions = lo;
    const std::string where = spec.file.empty() ? "--access-log" : "spec.accessLogs";
    if (spec.counterfactual == Counterfactual::kRecordedCanary && r->ingest_->canary == 0) {
      bad(spec, where, "",
          "no request matched the canary (\"" + lo.canaryMatch +
              "\"): a recorded-canary counterfactual needs some");
    }
    if (spec.counterfactual != Counterfactual::kNone && r->ingest_->primary == 0) {
      bad(spec, where, "", "no request was recorded on the stable version: nothing to re-route");
    }
    const double first = static_cast<double>(r->traffic_->firstStep()) * r->traffic_->stepSeconds();
    const double last =
        static_cast<double>(r->traffic_->scrapeMs(r->traffic_->rows() - 1)) / 1000.0;
    if (spec.from > last || spec.to < first) {
      bad(spec, spec.file.empty() ? "--from" : "spec.from", formatTime(spec.from),
          "the request logs cover " + formatTime(first) + " to " + formatTime(last) +
              ", outside the replay window");
    }
  }
  if (!r->named_.empty() && !spec.prometheus && !r->store_ && !r->traffic_) {
    if (spec.from > r->named_.lastTime() || spec.to < r->named_.firstTime()) {
      bad(spec, spec.file.empty() ? "--from" : "spec.from", formatTime(spec.from),
          "the recorded values cover " + formatTime(r->named_.firstTime()) + " to " +
              formatTime(r->named_.lastTime()) + ", outside the replay window");
    }
  }
  return r;
}

bool Recording::answersQueries() const {
  return spec_.prometheus.has_value() || store_ || traffic_;
}

std::string Recording::cannotEvaluate(const std::string& promql) const {
  if (spec_.prometheus) return {};
  try {
    (void)pq::parse(promql);
  } catch (const core::InputError& e) {
    const std::string msg = e.what();
    if (msg.find("not supported") != std::string::npos ||
        msg.find("unsupported") != std::string::npos)
      return msg;
  }
  return {};
}

bool Recording::resamplable() const {
  return !spec_.prometheus && !store_ && (traffic_ || !named_.empty());
}

std::string Recording::describe() const {
  std::vector<std::string> parts;
  if (spec_.prometheus) parts.push_back("prometheus " + spec_.prometheus->url);
  if (!spec_.queryRange.empty()) {
    parts.push_back(std::to_string(spec_.queryRange.size()) + " query_range file" +
                    (spec_.queryRange.size() == 1 ? "" : "s"));
  }
  if (!spec_.csv.empty())
    parts.push_back(std::to_string(spec_.csv.size()) + " CSV file" +
                    (spec_.csv.size() == 1 ? "" : "s"));
  if (store_) {
    parts.push_back(std::to_string(store_->seriesCount()) + " recorded series (" +
                    std::to_string(store_->sampleCount()) + " samples)");
  }
  if (ingest_) {
    parts.push_back("access logs (" + std::to_string(spec_.accessLogs.size()) + " file" +
                    (spec_.accessLogs.size() == 1 ? "" : "s") + ", " +
                    std::to_string(ingest_->requests) + " requests" +
                    (spec_.counterfactual != Counterfactual::kNone
                         ? std::string(", counterfactual ") + toString(spec_.counterfactual)
                         : std::string()) +
                    ")");
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// ---- the composite source -----------------------------------------------------------------------

namespace {

// Label pairs that only the variant's series carry (e.g. destination_workload="podinfo").
std::vector<pq::Label> identifyingLabels(const ReplayTarget& t, Variant v) {
  if (t.layout.counter.empty() && t.layout.histogram.empty()) {
    // No layout for this provider: the workload names alone.
    return {};
  }
  const auto mine = t.layout.labels(v, t.workload);
  const auto other =
      t.layout.labels(v == Variant::kCanary ? Variant::kPrimary : Variant::kCanary, t.workload);
  std::vector<pq::Label> out;
  for (const auto& p : mine) {
    if (std::find(other.begin(), other.end(), p) == other.end() && !p.second.empty())
      out.push_back({p.first, p.second});
  }
  return out;
}

SeriesPick pickSeries(const MetricRecording& r, const ReplayTarget& t, Variant v) {
  SeriesPick pick;
  if (r.series.size() <= 1) {
    pick.index = r.series.empty() ? -1 : 0;
    return pick;
  }
  const auto ids = identifyingLabels(t, v);
  int found = -1;
  int matches = 0;
  for (std::size_t i = 0; i < r.series.size(); ++i) {
    const auto& L = r.series[i].labels;
    bool all = !ids.empty();
    for (const auto& id : ids) {
      if (L.get(id.name) != id.value) all = false;
    }
    if (!all) {
      // Without a mesh layout: a label valued exactly the workload's name.
      const std::string name =
          v == Variant::kCanary ? t.workload.target : t.workload.target + "-primary";
      all = ids.empty() &&
            std::any_of(L.begin(), L.end(), [&](const pq::Label& l) { return l.value == name; });
    }
    if (all) {
      found = static_cast<int>(i);
      ++matches;
    }
  }
  pick.index = matches == 1 ? found : -1;
  return pick;
}

class RecordingSource final : public ReplaySource {
 public:
  explicit RecordingSource(const Recording& rec) : rec_(rec) {
    const ReplaySpec& s = rec.spec();
    if (s.prometheus) live_ = std::make_unique<PrometheusSource>(*s.prometheus);
    if (rec.traffic()) {
      traffic_ =
          std::make_unique<TrafficSeries>(*rec.traffic(), rec.target().workload, s.counterfactual,
                                          s.scenario ? &*s.scenario : nullptr, s.from);
    }
  }
  void setStore(std::shared_ptr<const pq::MemorySeriesStore> shared) {
    // Each source evaluates on its own copy: the evaluator's caches are per source object.
    if (shared) store_ = std::make_unique<pq::MemorySeriesStore>(*shared);
  }

  void reset(std::uint64_t seed, std::optional<std::uint64_t> replicate) override {
    resample_ = BlockResample();
    if (replicate) {
      if (!rec_.resamplable()) {
        throw core::InputError(
            {core::Severity::kError, rec_.spec().file, rec_.spec().line, 0, "bootstrap", "",
             rec_.spec().prometheus
                 ? "a live Prometheus cannot be resampled; save the series (query_range files, "
                   "CSV) or use request logs"
                 : "recorded raw series (--series) cannot be resampled; use query_range files, CSV "
                   "or request logs"});
      }
      const std::uint64_t rs = sim::replicateResampleSeed(seed, *replicate);
      if (const TrafficRecording* t = rec_.traffic()) {
        resample_ = BlockResample(static_cast<double>(t->firstStep()) * t->stepSeconds(),
                                  t->stepSeconds(), t->rows(), rec_.spec().blockSteps, rs);
      } else {
        const double step = rec_.named().step() > 0 ? rec_.named().step() : 60.0;
        const double origin = std::floor(rec_.named().firstTime() / step) * step;
        const auto steps =
            static_cast<std::int64_t>(std::floor((rec_.named().lastTime() - origin) / step)) + 1;
        resample_ = BlockResample(origin, step, steps, rec_.spec().blockSteps, rs);
      }
    }
    if (traffic_) traffic_->reset(seed, resample_);
    if (live_) live_->reset(seed, replicate);
  }

  bool answersQueries() const override { return live_ || store_ || traffic_; }

  InstantAnswer query(const std::string& promql, double epochSeconds) override {
    if (live_) return live_->query(promql, epochSeconds);
    pq::SeriesSource* src = store_ ? static_cast<pq::SeriesSource*>(store_.get()) : traffic_.get();
    if (src == nullptr) return InstantAnswer::failure("no source answers queries");
    auto it = prepared_.find(promql);
    if (it == prepared_.end()) {
      try {
        it =
            prepared_.emplace(promql, std::make_unique<pq::PreparedQuery>(pq::parse(promql))).first;
      } catch (const core::InputError& e) {
        // What Prometheus answers with HTTP 400.
        return InstantAnswer::failure(std::string("bad_data: ") + e.what());
      }
    }
    const pq::QueryResult& r = it->second->evaluate(*src, epochSeconds);
    InstantAnswer a;
    switch (r.kind) {
      case pq::ResultKind::kScalar:
        a.kind = InstantAnswer::Kind::kScalar;
        a.scalar = r.scalar;
        break;
      case pq::ResultKind::kError:
        a = InstantAnswer::failure("execution: " + r.error);
        break;
      case pq::ResultKind::kVector:
        for (const auto& e : r.vector) {
          a.labels.push_back(*e.labels);
          a.values.push_back(e.value);
        }
        break;
    }
    return a;
  }

  bool hasNamed(std::string_view metric, Variant v) const override {
    return rec_.named().find(metric, v) != nullptr;
  }

  NamedAnswer named(std::string_view metric, Variant v, double epochSeconds) override {
    const MetricRecording* r = rec_.named().find(metric, v);
    if (r == nullptr) return {};
    auto it = picks_.find({r, static_cast<int>(v)});
    if (it == picks_.end())
      it = picks_.emplace(std::make_pair(r, static_cast<int>(v)), pickSeries(*r, rec_.target(), v))
               .first;
    return NamedRecordings::valueAt(*r, it->second, resample_.sourceTime(epochSeconds));
  }

  std::vector<double> namedVector(std::string_view metric, Variant v,
                                  double epochSeconds) override {
    std::vector<double> out;
    const MetricRecording* r = rec_.named().find(metric, v);
    if (r == nullptr) return out;
    const double at = resample_.sourceTime(epochSeconds);
    for (std::size_t i = 0; i < r->series.size(); ++i) {
      const NamedAnswer a = NamedRecordings::valueAt(*r, SeriesPick{static_cast<int>(i)}, at);
      if (a.kind == NamedAnswer::Kind::kValue) out.push_back(a.value);
    }
    return out;
  }

  void checkOnline(double epochSeconds) override {
    if (live_) live_->client().checkOnline(epochSeconds);
  }

  void setRoutes(double epochSeconds, const RouteShares& shares) override {
    if (traffic_) traffic_->setShares(epochSeconds, shares);
  }
  void setCanaryScaled(double epochSeconds, bool up) override {
    if (traffic_) traffic_->setCanaryScaled(epochSeconds, up);
  }
  std::optional<RunTotals> totals(double epochSeconds) override {
    if (traffic_) return traffic_->totals(epochSeconds);
    return std::nullopt;
  }
  std::string describe() const override { return rec_.describe(); }

  sim::IntervalTrafficSource* intervalTraffic() override {
    if (live_) {
      // The server's own series, fetched per interval.
      if (!live_interval_)
        live_interval_ =
            std::make_unique<LiveIntervalTraffic>(*live_, rec_.target(), rec_.spec().from);
      return live_interval_.get();
    }
    if (!interval_) {
      // The same series the spec's queries run on: aggregated request logs or recorded series.
      pq::SeriesSource* src =
          traffic_ ? static_cast<pq::SeriesSource*>(traffic_.get()) : store_.get();
      if (src == nullptr) return nullptr;
      interval_ = std::make_unique<SeriesIntervalTraffic>(*src, rec_.target(), rec_.spec().from);
    }
    return interval_.get();
  }

 private:
  const Recording& rec_;
  std::unique_ptr<PrometheusSource> live_;
  std::unique_ptr<pq::MemorySeriesStore> store_;
  std::unique_ptr<TrafficSeries> traffic_;
  BlockResample resample_;
  std::map<std::string, std::unique_ptr<pq::PreparedQuery>> prepared_;
  std::map<std::pair<const MetricRecording*, int>, SeriesPick> picks_;
  std::unique_ptr<SeriesIntervalTraffic> interval_;
  std::unique_ptr<LiveIntervalTraffic> live_interval_;
};

}  // namespace

std::unique_ptr<ReplaySource> Recording::makeSource() const {
  auto s = std::make_unique<RecordingSource>(*this);
  s->setStore(store_);
  return s;
}

// ---- FlaggerReplayPlan --------------------------------------------------------------------------

FlaggerReplayPlan::FlaggerReplayPlan(const fl::CanarySpec& canary,
                                     std::vector<const fl::MetricTemplateSpec*> templates,
                                     const std::string& meshProvider,
                                     std::shared_ptr<const Recording> recording)
    : engine_(canary, templates, fl::FlaggerEngineOptions{meshProvider}),
      recording_(std::move(recording)) {
  const auto& metrics = canary.analysis.metrics;
  const auto queries = sim::flaggerCheckQueries(canary, templates, meshProvider);
  checks_.assign(metrics.size() * 4, ReplayCheck{});
  const Recording& rec = *recording_;
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const auto& m = metrics[i];
    auto where = [&]() {
      return core::Diagnostic{core::Severity::kError,
                              m.loc.file,
                              m.loc.line,
                              0,
                              "spec.analysis.metrics[" + std::to_string(i) + "]",
                              core::quoted(m.name),
                              ""};
    };
    const MetricRecording* named = rec.named().find(m.name, Variant::kCanary);
    for (int k = 0; k < 4; ++k) {
      const auto kind = static_cast<fl::CheckKind>(k);
      const auto& q =
          queries[static_cast<std::size_t>(sim::checkQueryIndex(static_cast<int>(i), kind))];
      const bool runs = q.status != sim::CheckQuery::Status::kNone ||
                        (kind == fl::CheckKind::kTemplate && m.templateRef.has_value());
      if (!runs) continue;
      ReplayCheck& c =
          checks_[static_cast<std::size_t>(sim::checkQueryIndex(static_cast<int>(i), kind))];
      c.query = q.text;
      c.scale = q.scale;
      if (named != nullptr) {
        c.source = ReplayCheck::Source::kNamed;
        c.named = named;
        c.pick = pickSeries(*named, rec.target(), Variant::kCanary);
        continue;
      }
      switch (q.status) {
        case sim::CheckQuery::Status::kNone:
          break;  // a missing template: the engine fails it
        case sim::CheckQuery::Status::kUnsupportedProvider: {
          auto d = where();
          d.rule = "uses MetricTemplate " + q.templateName + " with provider " + q.providerType +
                   ", which a replay cannot query: record its values under the metric's name "
                   "(--query-range " +
                   m.name + "=FILE or a CSV)";
          throw core::InputError(d);
        }
        case sim::CheckQuery::Status::kRenderError:
          c.source = ReplayCheck::Source::kError;
          c.error = q.error;
          break;
        case sim::CheckQuery::Status::kQuery: {
          if (!rec.answersQueries()) {
            auto d = where();
            d.rule =
                "has no recorded values under its name and no source answers its query: give "
                "--query-range " +
                m.name + "=FILE, a CSV with its values, --prometheus, --series or --access-log";
            throw core::InputError(d);
          }
          const std::string why = rec.cannotEvaluate(q.text);
          if (!why.empty()) {
            auto d = where();
            d.rule = "the query uses PromQL outside rolloutlab's subset (" + why +
                     "); record its values under the metric's name or replay against --prometheus";
            throw core::InputError(d);
          }
          c.source = ReplayCheck::Source::kQuery;
          break;
        }
      }
    }
  }
}

const ReplayCheck& FlaggerReplayPlan::check(int metricIndex, fl::CheckKind kind) const {
  return checks_[static_cast<std::size_t>(sim::checkQueryIndex(metricIndex, kind))];
}

double FlaggerReplayPlan::stepSeconds() const {
  const auto& s = recording_->spec();
  return s.step ? *s.step : canary().analysisIntervalSeconds();
}

// ---- FlaggerReplayWorld -------------------------------------------------------------------------

FlaggerReplayWorld::FlaggerReplayWorld(const FlaggerReplayPlan& plan, ReplaySource& source)
    : plan_(plan),
      source_(source),
      scenario_(plan.recording().spec().scenario ? &*plan.recording().spec().scenario : nullptr),
      from_(plan.recording().spec().from) {}

void FlaggerReplayWorld::reset(std::uint64_t seed) {
  gates_.reseed(sim::streamSeed(seed, sim::SeedStream::kReplayGates));
  upSince_ = std::numeric_limits<double>::infinity();
  tPromote_ = std::numeric_limits<double>::infinity();
  lastPhase_ = fl::Phase::kInitialized;
  firstCall_.clear();
}

void FlaggerReplayWorld::afterTick(double t, const fl::TickRecord& rec) {
  // The same bookkeeping as the synthetic world (scenarios/src/flagger_world.cpp afterTick).
  const fl::Phase phase = rec.status.phase;
  auto active = [](fl::Phase p) {
    return p == fl::Phase::kProgressing || p == fl::Phase::kWaitingPromotion ||
           p == fl::Phase::kPromoting || p == fl::Phase::kFinalising;
  };
  if (phase == fl::Phase::kProgressing && !active(lastPhase_)) {
    upSince_ = t;
    source_.setCanaryScaled(epoch(t), true);
  }
  if (phase == fl::Phase::kPromoting && lastPhase_ != fl::Phase::kPromoting) tPromote_ = t;
  if (rec.final == fl::TickRecord::Final::kPromoted ||
      rec.final == fl::TickRecord::Final::kRolledBack ||
      rec.final == fl::TickRecord::Final::kSkippedAnalysis) {
    source_.setCanaryScaled(epoch(t), false);
  }
  lastPhase_ = phase;
  const fl::CanarySpec& c = plan_.canary();
  RouteShares s;
  if (plan_.engine().provider() == "kubernetes") {
    s = {0.0, 1.0, 0.0};
  } else {
    const double cw = rec.routes.canaryWeight / 100.0;
    const double pw = rec.routes.primaryWeight / 100.0;
    if (c.strategy() == fl::Strategy::kABTesting) {
      const double match = scenario_ ? scenario_->traffic.matchFraction : 0.1;
      s.canary = match * cw;
      s.primary = 1.0 - s.canary;
    } else {
      s.canary = cw;
      s.primary = pw;
    }
    if (rec.routes.mirrored) {
      const int mw = c.analysis.mirrorWeight > 0 ? c.analysis.mirrorWeight : 100;
      s.mirror = s.primary * mw / 100.0;
    }
  }
  source_.setRoutes(epoch(t), s);
}

fl::Readiness FlaggerReplayWorld::canaryReady(double t, fl::Phase) {
  if (scenario_ == nullptr || !std::isfinite(upSince_)) return fl::Readiness::kReady;
  const sim::ClusterSpec& cl = scenario_->cluster;
  const double since = t - upSince_;
  const double deadline = plan_.canary().progressDeadline();
  if (cl.canaryNeverReady || cl.canaryStartup > deadline) {
    return since >= deadline ? fl::Readiness::kDeadlineExceeded : fl::Readiness::kWaiting;
  }
  return since >= cl.canaryStartup ? fl::Readiness::kReady : fl::Readiness::kWaiting;
}

fl::Readiness FlaggerReplayWorld::primaryReady(double t, fl::Phase phase) {
  if (scenario_ == nullptr || (phase != fl::Phase::kPromoting && phase != fl::Phase::kFinalising) ||
      !std::isfinite(tPromote_)) {
    return fl::Readiness::kReady;
  }
  const sim::ClusterSpec& cl = scenario_->cluster;
  const double since = t - tPromote_;
  const double deadline = plan_.canary().progressDeadline();
  if (cl.primaryFailsPromotion || cl.primaryRollout > deadline) {
    return since >= deadline ? fl::Readiness::kDeadlineExceeded : fl::Readiness::kWaiting;
  }
  return since >= cl.primaryRollout ? fl::Readiness::kReady : fl::Readiness::kWaiting;
}

bool FlaggerReplayWorld::webhook(double t, const fl::WebhookSpec& hook, int index, fl::Phase) {
  // Never calls the hook's URL: gates pass (rollback hooks do not ask for a rollback) unless the
  // Scenario says otherwise.
  if (scenario_ == nullptr) return hook.type != fl::WebhookType::kRollback;
  const auto& gates = scenario_->webhooks;
  auto it = gates.find(hook.name);
  if (it == gates.end()) it = gates.find(fl::toString(hook.type));
  if (it == gates.end()) return hook.type != fl::WebhookType::kRollback;
  const sim::GateSpec& g = it->second;
  const auto fc = firstCall_.emplace(index, t).first;
  switch (g.kind) {
    case sim::GateSpec::Kind::kPass:
      return true;
    case sim::GateSpec::Kind::kFail:
      return false;
    case sim::GateSpec::Kind::kPassAfter:
      return t - fc->second >= g.after;
    case sim::GateSpec::Kind::kFlaky:
      return gates_.uniform() >= g.failProbability;
  }
  return true;
}

fl::MetricAnswer FlaggerReplayWorld::metric(double t, const fl::MetricSpec&, int index,
                                            fl::CheckKind kind) {
  const ReplayCheck& c = plan_.check(index, kind);
  switch (c.source) {
    case ReplayCheck::Source::kNone:
    case ReplayCheck::Source::kError:
      return fl::MetricAnswer::error(c.error.empty() ? "no query" : c.error);
    case ReplayCheck::Source::kNamed: {
      const NamedAnswer a =
          source_.named(plan_.canary().analysis.metrics[static_cast<std::size_t>(index)].name,
                        Variant::kCanary, epoch(t));
      // prometheus.go RunQuery: NaN reads as ErrNoValuesFound.
      if (a.kind == NamedAnswer::Kind::kNoData || std::isnan(a.value))
        return fl::MetricAnswer::noData("no values found");
      return fl::MetricAnswer::of(a.value * c.scale);
    }
    case ReplayCheck::Source::kQuery: {
      const InstantAnswer ia = source_.query(c.query, epoch(t));
      const fl::ProviderAnswer pa = fl::readPrometheusAnswer(ia.asQueryResult());
      switch (pa.outcome) {
        case fl::ProviderOutcome::kValue:
          return fl::MetricAnswer::of(pa.value * c.scale);
        case fl::ProviderOutcome::kNoValues:
          return fl::MetricAnswer::noData("no values found");
        case fl::ProviderOutcome::kError:
          return fl::MetricAnswer::error(pa.error);
      }
      break;
    }
  }
  return fl::MetricAnswer::error("unreachable");
}

fl::MetricAnswer FlaggerReplayWorld::peek(double t, int metricIndex, fl::CheckKind kind) {
  const auto& m = plan_.canary().analysis.metrics[static_cast<std::size_t>(metricIndex)];
  return metric(t, m, metricIndex, kind);
}

std::optional<sim::RunTotals> FlaggerReplayWorld::runTotals(double t) {
  return source_.totals(epoch(t));
}

bool FlaggerReplayWorld::answersCheck(int metricIndex, fl::CheckKind kind) const {
  return plan_.check(metricIndex, kind).source != ReplayCheck::Source::kNone;
}

sim::IntervalTrafficSource* FlaggerReplayWorld::intervalTraffic() {
  return source_.intervalTraffic();
}

// ---- shadow judges ------------------------------------------------------------------------------

void requireJudgeTraffic(const ReplaySpec& spec, ReplaySource& source,
                         const ReplayRunOptions& options) {
  if (options.judges == nullptr || options.judges->empty()) return;
  if (source.intervalTraffic() != nullptr) return;
  spec.requireJudgeInput();
  throw core::InputError({core::Severity::kError, spec.file, spec.line, 0,
                          spec.file.empty() ? "--judge" : "spec.source", core::quoted(spec.name),
                          "this source holds no request counters for shadow judges"});
}

// ---- runs ---------------------------------------------------------------------------------------

namespace {

// The one tick loop (sim/src/flagger_loop.cpp) in the recording's world: the source and the
// world reset, the judges' input checked, a live server asked before the first tick.
template <class Run>
void runLoop(const FlaggerReplayPlan& plan, ReplaySource& source, const ReplayRunOptions& opt,
             FlaggerReplayWorld& world, Run run) {
  source.reset(opt.seed, opt.replicate);
  world.reset(opt.seed);
  const ReplaySpec& spec = plan.recording().spec();
  requireJudgeTraffic(spec, source, opt);
  if (opt.checkOnline && spec.prometheus) {
    // scheduler_metrics.go checkMetricProviderAvailability: the provider must answer vector(1).
    try {
      source.checkOnline(spec.from);
    } catch (const DeadlineExceeded& e) {
      throw DeadlineExceeded(std::string(e.what()) + "; the replay stopped before its first tick");
    }
  }
  sim::FlaggerLoopOptions o;
  o.interval = plan.stepSeconds();
  o.duration = spec.to - spec.from;
  o.seed = opt.seed;
  o.judges = opt.judges;
  o.stoppedAt = [&spec](int n, double t) {
    return "; the replay stopped at tick " + std::to_string(n) + " (t=" + formatNumber(t) + "s, " +
           formatTime(spec.from + t) + ")";
  };
  run(o);
}

}  // namespace

sim::SimulationResult replayFlagger(const FlaggerReplayPlan& plan, ReplaySource& source,
                                    const ReplayRunOptions& options) {
  FlaggerReplayWorld world(plan, source);
  sim::SimulationResult res;
  runLoop(plan, source, options, world, [&](const sim::FlaggerLoopOptions& o) {
    sim::runFlaggerTrace(plan.engine(), world, o, options.measureAll, false, res);
  });
  return res;
}

sim::RunSummary runReplayFlagger(const FlaggerReplayPlan& plan, ReplaySource& source,
                                 const ReplayRunOptions& options) {
  FlaggerReplayWorld world(plan, source);
  sim::RunSummary sum;
  runLoop(plan, source, options, world, [&](const sim::FlaggerLoopOptions& o) {
    sum = sim::runFlaggerLoop(plan.engine(), world, o);
  });
  return sum;
}

}  // namespace rolloutlab::replay
