#include "rolloutlab/sim/flagger_loop.h"

#include <algorithm>
#include <string>
#include <utility>

#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::sim {

namespace fl = core::flagger;

RunOutcome runOutcome(const fl::Outcome& o) {
  RunOutcome r;
  switch (o.result) {
    case fl::Outcome::Result::kPromoted:
      r.decision = RunOutcome::Decision::kPromoted;
      break;
    case fl::Outcome::Result::kRolledBack:
      r.decision = RunOutcome::Decision::kRolledBack;
      break;
    case fl::Outcome::Result::kPromotionFailed:
      r.decision = RunOutcome::Decision::kPromotionFailed;
      break;
    case fl::Outcome::Result::kSkippedAnalysis:
      r.decision = RunOutcome::Decision::kSkippedAnalysis;
      break;
    case fl::Outcome::Result::kInProgress:
      r.decision = RunOutcome::Decision::kNone;
      break;
  }
  r.result = fl::toString(o.result);
  r.phase = fl::toString(o.phase);
  r.tick = o.tick;
  r.t = o.t;
  return r;
}

void FlaggerTraceRecorder::onTick(const fl::TickRecord& rec, FlaggerRunWorld& world,
                                  const ShadowJudges& judges) {
  out_.judgeTicks.push_back(judges.kinds());
  std::vector<MeasuredValue> row;
  if (measureAll_) {
    const auto& metrics = canary_.analysis.metrics;
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      for (int k = 0; k < 4; ++k) {
        const auto kind = static_cast<fl::CheckKind>(k);
        if (!world.answersCheck(static_cast<int>(i), kind)) continue;
        MeasuredValue mv;
        mv.name = metrics[i].name;
        mv.kind = kind;
        if (metrics[i].thresholdRange) {
          mv.min = metrics[i].thresholdRange->min;
          mv.max = metrics[i].thresholdRange->max;
        }
        bool found = false;
        for (const auto& c : rec.metrics) {
          if (c.name == mv.name && c.kind == kind) {
            found = true;
            mv.checkedByEngine = true;
            mv.answer =
                c.result == fl::MetricCheck::Result::kNoData  ? fl::MetricAnswer::noData(c.message)
                : c.result == fl::MetricCheck::Result::kError ? fl::MetricAnswer::error(c.message)
                                                              : fl::MetricAnswer::of(c.value);
          }
        }
        if (!found) mv.answer = world.peekCheck(rec.t, static_cast<int>(i), kind);
        if (measurePrimary_) mv.primary = world.peekPrimaryCheck(rec.t, static_cast<int>(i), kind);
        row.push_back(std::move(mv));
      }
    }
  }
  out_.measured.push_back(std::move(row));
  out_.run.ticks.push_back(rec);
}

RunSummary runFlaggerLoop(const fl::FlaggerEngine& engine, FlaggerRunWorld& world,
                          const FlaggerLoopOptions& opt, FlaggerObserver* observer) {
  // The traffic source is asked for only when judges are attached (a recording builds it on
  // demand).
  const bool judged = opt.judges != nullptr && !opt.judges->empty();
  ShadowJudges judges(opt.judges, opt.seed, judged ? world.intervalTraffic() : nullptr);
  fl::FlaggerState state;
  RunSummary sum;
  fl::Outcome outcome;
  int n = 0;
  double prevT = 0;
  fl::TickRecord rec;  // one record for every tick: the engine overwrites it, keeping its storage
  for (double t = 0; t <= opt.duration + 1e-9; t = n * opt.interval) {
    ++n;
    if (n == 1) state.targetRevision = 1;  // the new release, noticed on the first tick
    try {
      // Without an observer nobody reads the record's words: the engine skips building them.
      engine.tick(state, t, world,
                  observer != nullptr ? fl::TickText::kFull : fl::TickText::kDecisionsOnly, rec);
      rec.tick = n;
      world.afterTick(t, rec);
      for (const auto& m : rec.metrics) {
        ++sum.metricChecks;
        if (m.result != fl::MetricCheck::Result::kPass) ++sum.failedMetricChecks;
      }
      // From the second tick, every judge looks at the interval since the previous tick.
      if (n > 1) judges.observe(n, prevT, t);
      if (observer != nullptr) observer->onTick(rec, world, judges);
    } catch (const core::EnvironmentError& e) {
      if (!opt.stoppedAt) throw;
      throw core::EnvironmentError(std::string(e.what()) + opt.stoppedAt(n, t));
    }
    sum.peakCanaryWeight = std::max(sum.peakCanaryWeight, rec.routes.canaryWeight);
    outcome.tick = n;
    outcome.t = t;
    outcome.phase = rec.status.phase;
    prevT = t;
    if (rec.final != fl::TickRecord::Final::kNone) {
      switch (rec.final) {
        case fl::TickRecord::Final::kPromoted:
          outcome.result = fl::Outcome::Result::kPromoted;
          break;
        case fl::TickRecord::Final::kRolledBack:
          outcome.result = fl::Outcome::Result::kRolledBack;
          break;
        case fl::TickRecord::Final::kPromotionFailed:
          outcome.result = fl::Outcome::Result::kPromotionFailed;
          break;
        case fl::TickRecord::Final::kSkippedAnalysis:
          outcome.result = fl::Outcome::Result::kSkippedAnalysis;
          break;
        case fl::TickRecord::Final::kNone:
          break;
      }
      break;
    }
  }
  if (observer != nullptr) observer->onEnd(outcome);
  sum.outcome = runOutcome(outcome);
  sum.engine = "flagger";
  sum.ticks = n;
  if (outcome.result != fl::Outcome::Result::kInProgress) sum.timeToDecision = outcome.t;
  if (outcome.result == fl::Outcome::Result::kPromoted) sum.timeToPromotion = outcome.t;
  if (auto tot = world.runTotals(outcome.t)) sum.totals = *tot;
  sum.judges = judges.verdicts();
  if (engine.provider() == "kubernetes") {
    // The router reports 0/100 during iterations, but live traffic stays on the primary.
    sum.peakCanaryWeight = 0;
  }
  return sum;
}

void runFlaggerTrace(const fl::FlaggerEngine& engine, FlaggerRunWorld& world,
                     const FlaggerLoopOptions& options, bool measureAll, bool measurePrimary,
                     SimulationResult& out) {
  FlaggerTraceRecorder recorder(engine.spec(), out, measureAll, measurePrimary);
  out.summary = runFlaggerLoop(engine, world, options, &recorder);
}

}  // namespace rolloutlab::sim
