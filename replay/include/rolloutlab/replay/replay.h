#pragma once
/// Replays: a spec run against recorded production data (a live Prometheus, saved query_range
/// answers, CSV, request logs) exactly as the controller would have decided over that window.
///
/// ```
/// ReplaySpec spec = ...;                               // flags or a `Replay` document
/// auto rec = Recording::open(spec, targetOf(canary, "istio"));
/// FlaggerReplayPlan plan(canary, templates, "istio", *rec);
/// auto source = rec->makeSource();
/// auto result = replayFlagger(plan, *source, options);  // the trace, as `simulate` prints it
/// ```
///
/// The recording is loaded once (immutable, shared by threads); each run gets its own source.
/// Tick i (1-based) runs at `from + (i-1) * step`, where `t` in the trace counts from `from`.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/flagger/engine.h"
#include "rolloutlab/core/flagger/run.h"
#include "rolloutlab/core/promql/memory_series_store.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/replay/access_log.h"
#include "rolloutlab/replay/prometheus.h"
#include "rolloutlab/replay/recording.h"
#include "rolloutlab/replay/source.h"
#include "rolloutlab/replay/traffic.h"
#include "rolloutlab/sim/flagger_loop.h"
#include "rolloutlab/sim/mesh.h"
#include "rolloutlab/sim/run.h"
#include "rolloutlab/sim/scenario.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::replay {

/// Everything a replay reads, as the command line or a `Replay` document gives it.
struct ReplaySpec {
  std::string name = "replay";  ///< metadata.name of a document
  std::string file;             ///< the document's file (empty for flags)
  int line = 0;
  std::string description;
  sim::Release release = sim::Release::kGood;  ///< for batch reports
  double from = 0;                             ///< epoch seconds of the first tick
  double to = 0;                               ///< epoch seconds; the last tick is at or before it
  std::optional<double> step;  ///< tick interval, seconds; default the spec's analysis interval

  std::optional<PrometheusOptions> prometheus;  ///< a live server
  struct NamedFile {
    std::string metric;
    std::optional<Variant> variant;
    std::string path;
  };
  std::vector<NamedFile> queryRange;  ///< saved query_range answers by metric name
  std::vector<std::string> csv;       ///< CSV time series (time, variant, metric, value)
  std::vector<std::string> series;    ///< raw series: OpenMetrics text or query_range JSON

  std::vector<std::string> accessLogs;  ///< request logs (gzip allowed)
  AccessLogOptions logOptions;          ///< canaryMatch empty: `<service>-canary`
  double scrapeInterval = 15;           ///< seconds; the aggregation step of request logs
  Counterfactual counterfactual = Counterfactual::kNone;

  /// Readiness (`cluster`), gates (`webhooks`), the A/B match fraction and, for a model
  /// counterfactual, the canary's `effects` (its times count from `from`).
  std::optional<sim::Scenario> scenario;
  std::int64_t blockSteps = 0;  ///< bootstrap block length in steps (0: cube root of the steps)

  /// Checks the spec's own consistency (times, a source given, options that need each other);
  /// throws InputError naming the flag or field.
  void validate() const;

  /// Why shadow judges cannot run on this recording ("" when they can). They read per-tick
  /// request counts and latency histograms, which request logs and recorded raw series hold;
  /// CSV and saved query_range answers hold only the values of the spec's metrics.
  std::string judgesUnsupported() const;
  /// Throws InputError naming the document's file and line (or `--judge` for flags) when
  /// `judgesUnsupported()` says why.
  void requireJudgeInput() const;
};

/// The names a recording's variants go by: the mesh's series layout and the workload names
/// of the Canary (as the synthetic worlds label them).
struct ReplayTarget {
  sim::MeshLayout layout;
  sim::Workload workload;
  /// What marks a canary request in request logs when the replay does not say (empty:
  /// `<service>-canary`, Flagger's canary service).
  std::string canaryMatch;
};
/// The target of a Canary under a mesh provider (`--mesh-provider`).
ReplayTarget targetOf(const core::flagger::CanarySpec& canary, const std::string& meshProvider);

/// A recording loaded from a ReplaySpec for one target: immutable, shared by runs and threads.
class Recording {
 public:
  /// Reads every file (validated), streams the request logs and prepares the live client
  /// settings. Throws InputError for bad input.
  static std::shared_ptr<const Recording> open(const ReplaySpec& spec, const ReplayTarget& target);

  /// A fresh source for one thread (runs one after another with `reset`).
  std::unique_ptr<ReplaySource> makeSource() const;

  const ReplaySpec& spec() const { return spec_; }
  const ReplayTarget& target() const { return target_; }
  const NamedRecordings& named() const { return named_; }
  bool answersQueries() const;
  /// Why a query cannot be answered offline (PromQL outside the evaluator's subset), or "".
  std::string cannotEvaluate(const std::string& promql) const;
  /// True when runs can resample the recording (not for a live server or raw series).
  bool resamplable() const;
  /// Request-log ingestion figures (nullptr without logs).
  const IngestStats* ingest() const { return ingest_ ? &*ingest_ : nullptr; }
  const TrafficRecording* traffic() const { return traffic_.get(); }
  /// `prometheus http://...`, `2 query_range files, access logs (3 files, 1.2M requests)`, ...
  std::string describe() const;

 private:
  Recording() = default;
  ReplaySpec spec_;
  ReplayTarget target_;
  NamedRecordings named_;
  std::shared_ptr<core::promql::MemorySeriesStore> store_;
  std::unique_ptr<TrafficRecording> traffic_;
  std::optional<IngestStats> ingest_;
};

/// How one check of a Canary is answered in a replay.
struct ReplayCheck {
  enum class Source {
    kNone,   ///< the engine never runs this (metric, kind)
    kNamed,  ///< values recorded under the metric's name
    kQuery,  ///< the spec's query, sent to the server or evaluated on recorded series
    kError,  ///< the query cannot be built: every check errors
  };
  Source source = Source::kNone;
  std::string query;  ///< as Flagger sends it (also for kNamed, for the report)
  std::string error;
  double scale = 1.0;
  const MetricRecording* named = nullptr;
  SeriesPick pick;
};

/// A Canary compiled against a recording: its engine and how each check is answered. Throws
/// InputError when a metric has neither a named recording nor a query the source can answer.
class FlaggerReplayPlan {
 public:
  FlaggerReplayPlan(const core::flagger::CanarySpec& canary,
                    std::vector<const core::flagger::MetricTemplateSpec*> templates,
                    const std::string& meshProvider, std::shared_ptr<const Recording> recording);
  const core::flagger::FlaggerEngine& engine() const { return engine_; }
  const core::flagger::CanarySpec& canary() const { return engine_.spec(); }
  const Recording& recording() const { return *recording_; }
  const ReplayCheck& check(int metricIndex, core::flagger::CheckKind kind) const;
  /// The tick interval: the replay's step, else the analysis interval.
  double stepSeconds() const;

 private:
  core::flagger::FlaggerEngine engine_;
  std::shared_ptr<const Recording> recording_;
  std::vector<ReplayCheck> checks_;
};

/// The Flagger face of a replay source: readiness and gates from the ReplaySpec's Scenario (or
/// ready and passing), metrics from the source.
class FlaggerReplayWorld final : public sim::FlaggerRunWorld {
 public:
  FlaggerReplayWorld(const FlaggerReplayPlan& plan, ReplaySource& source);
  void reset(std::uint64_t seed);
  /// The engine's decision at t: routes and scale changes, passed on to the source.
  void afterTick(double t, const core::flagger::TickRecord& rec) override;
  /// The value of a check at t (for traces), as `metric` would answer it.
  core::flagger::MetricAnswer peek(double t, int metricIndex, core::flagger::CheckKind kind);

  core::flagger::Readiness primaryReady(double t, core::flagger::Phase phase) override;
  core::flagger::Readiness canaryReady(double t, core::flagger::Phase phase) override;
  bool webhook(double t, const core::flagger::WebhookSpec& hook, int index,
               core::flagger::Phase payload) override;
  core::flagger::MetricAnswer metric(double t, const core::flagger::MetricSpec& m, int index,
                                     core::flagger::CheckKind kind) override;

  // sim::FlaggerRunWorld
  std::optional<sim::RunTotals> runTotals(double t) override;
  bool answersCheck(int metricIndex, core::flagger::CheckKind kind) const override;
  core::flagger::MetricAnswer peekCheck(double t, int metricIndex,
                                        core::flagger::CheckKind kind) override {
    return peek(t, metricIndex, kind);
  }
  sim::IntervalTrafficSource* intervalTraffic() override;

 private:
  double epoch(double t) const { return from_ + t; }
  const FlaggerReplayPlan& plan_;
  ReplaySource& source_;
  const sim::Scenario* scenario_;
  double from_;
  core::Rng gates_{0};
  double upSince_ = 0;
  double tPromote_ = 0;
  core::flagger::Phase lastPhase_ = core::flagger::Phase::kInitialized;
  std::map<int, double> firstCall_;
};

struct ReplayRunOptions {
  std::uint64_t seed = 0;
  /// Bootstrap replicate (nullopt: the recording as it is).
  std::optional<std::uint64_t> replicate;
  bool measureAll = true;   ///< trace the value of every check on every tick
  bool checkOnline = true;  ///< ask a live server `vector(1)` before the first tick
  /// Shadow judges (nullptr or empty: none), as on synthetic runs: each reads the variants'
  /// request counts per tick interval (Canaries) or per minute (Rollouts) and records when and
  /// how it would have decided, without changing the run. The recording must hold request
  /// counters (`ReplaySpec::requireJudgeInput`). Must outlive the run.
  const std::vector<sim::JudgeSpec>* judges = nullptr;
};

/// Throws InputError when `options` attach shadow judges and the source holds no request
/// counters for them (naming the document's file and line, or `--judge` for flags).
void requireJudgeTraffic(const ReplaySpec& spec, ReplaySource& source,
                         const ReplayRunOptions& options);

/// Runs the replay with the one tick loop (sim/flagger_loop.h) and returns the trace as
/// `simulate` does. A live server that fails in a way
/// no controller saw throws EnvironmentError naming the tick.
sim::SimulationResult replayFlagger(const FlaggerReplayPlan& plan, ReplaySource& source,
                                    const ReplayRunOptions& options);
/// The same without a trace (the batch path).
sim::RunSummary runReplayFlagger(const FlaggerReplayPlan& plan, ReplaySource& source,
                                 const ReplayRunOptions& options);

}  // namespace rolloutlab::replay
