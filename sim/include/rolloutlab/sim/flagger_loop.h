#pragma once
/// The one Flagger tick loop: a new revision at t = 0, then `advanceCanary` on every tick of the
/// analysis interval until a final phase or the end of the run, in any world (a synthetic one
/// or a recording). The world answers the engine; observers watch (a trace recorder); shadow
/// judges read the world's per-interval traffic; the summary is made here, the same for every
/// world.
///
/// Tick n (1-based) runs at t = (n - 1) * interval: Flagger's job runs `advanceCanary` once at
/// once and then on every tick of a Go `time.Ticker` with the analysis interval
/// (pkg/controller/job.go `CanaryJob.Start`), and a ticker's ticks stay on the grid of its
/// period (a slow handler drops ticks, it never shifts them), so the tick time is a product,
/// not a running sum.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/flagger/engine.h"
#include "rolloutlab/core/flagger/run.h"
#include "rolloutlab/sim/run.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::sim {

/// A world a Flagger run ticks in: the engine's FlaggerWorld, plus what the loop and its
/// observers read.
class FlaggerRunWorld : public core::flagger::FlaggerWorld {
 public:
  /// The engine's decision at t: new routes and phase changes (scale-up, promotion, scale-down).
  virtual void afterTick(double t, const core::flagger::TickRecord& rec) = 0;
  /// What the run cost up to t; nullopt when the world cannot tell.
  virtual std::optional<RunTotals> runTotals(double t) = 0;
  /// Whether the check (metric, kind) of the spec is answered at all (the engine may run it).
  virtual bool answersCheck(int metricIndex, core::flagger::CheckKind kind) const = 0;
  /// The value of a check at t without disturbing the run (for traces).
  virtual core::flagger::MetricAnswer peekCheck(double t, int metricIndex,
                                                core::flagger::CheckKind kind) = 0;
  /// The primary's value of the check at t without disturbing the run; nullopt when the world
  /// cannot tell.
  virtual std::optional<core::flagger::MetricAnswer> peekPrimaryCheck(
      double t, int metricIndex, core::flagger::CheckKind kind) {
    (void)t, (void)metricIndex, (void)kind;
    return std::nullopt;
  }
  /// Where shadow judges read per-interval traffic; nullptr when the world holds no request
  /// counts.
  virtual IntervalTrafficSource* intervalTraffic() = 0;
};

struct FlaggerLoopOptions {
  double interval = 60;    ///< seconds between ticks
  double duration = 0;     ///< the last tick is at or before it (seconds from the first)
  std::uint64_t seed = 0;  ///< the run's seed (the shadow judges' streams)
  /// Shadow judges (nullptr or empty: none): each observes, from the second tick, the
  /// interval since the previous tick.
  const std::vector<JudgeSpec>* judges = nullptr;
  /// Appended to the message of an EnvironmentError raised in tick n at t (a replay names the
  /// tick and the time); unset: the error passes as it is.
  std::function<std::string(int tick, double t)> stoppedAt;
};

/// Watches a Flagger run tick by tick.
class FlaggerObserver {
 public:
  virtual ~FlaggerObserver() = default;
  /// After the tick's decision, the world's update and the judges' look.
  virtual void onTick(const core::flagger::TickRecord& rec, FlaggerRunWorld& world,
                      const ShadowJudges& judges) = 0;
  /// The run's end, in the engine's own terms.
  virtual void onEnd(const core::flagger::Outcome& outcome) { (void)outcome; }
};

/// The trace of a run: every tick, the value of every check of the spec on every tick
/// (`measureAll`; those the engine did not run are peeked), the primary's value of each
/// (`measurePrimary`), and the judges' verdicts per tick. None of it changes the run.
class FlaggerTraceRecorder final : public FlaggerObserver {
 public:
  FlaggerTraceRecorder(const core::flagger::CanarySpec& canary, SimulationResult& out,
                       bool measureAll, bool measurePrimary)
      : canary_(canary), out_(out), measureAll_(measureAll), measurePrimary_(measurePrimary) {}
  void onTick(const core::flagger::TickRecord& rec, FlaggerRunWorld& world,
              const ShadowJudges& judges) override;
  void onEnd(const core::flagger::Outcome& outcome) override { out_.run.outcome = outcome; }

 private:
  const core::flagger::CanarySpec& canary_;
  SimulationResult& out_;
  bool measureAll_;
  bool measurePrimary_;
};

/// Runs the loop in `world` (reset by the caller) and returns the run's summary. The
/// observer (may be null) sees every tick.
RunSummary runFlaggerLoop(const core::flagger::FlaggerEngine& engine, FlaggerRunWorld& world,
                          const FlaggerLoopOptions& options, FlaggerObserver* observer = nullptr);

/// The same with a trace: `out.run`, `out.measured`, `out.judgeTicks` and `out.summary`.
void runFlaggerTrace(const core::flagger::FlaggerEngine& engine, FlaggerRunWorld& world,
                     const FlaggerLoopOptions& options, bool measureAll, bool measurePrimary,
                     SimulationResult& out);

}  // namespace rolloutlab::sim
