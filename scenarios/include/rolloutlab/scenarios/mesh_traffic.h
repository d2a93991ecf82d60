#pragma once
/// The synthesized series as shadow judges and Kayenta-compatible judges read them.

#include <vector>

#include "rolloutlab/core/judge/kayenta_judge.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/scenarios/mesh_series.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::scenarios {

/// The synthesized series as a traffic source for shadow judges.
class MeshIntervalTraffic final : public sim::IntervalTrafficSource {
 public:
  explicit MeshIntervalTraffic(MeshSeries& series) : series_(series) {}
  sim::WindowCounts window(sim::Variant v, double from, double to) override;
  std::vector<double> boundsMs() override;

 private:
  MeshSeries& series_;
};

/// Reads the tick interval (from, to] off the synthesized series (both variants; scrapes at or
/// before).
sim::TickTraffic tickTraffic(MeshSeries& series, double from, double to);

/// Kayenta's judgment of a canary analysis window read off the series: per `step` seconds,
/// one point per metric for the experiment (canary) and the control (primary), judged with
/// the Judge's NetflixACAJudge config. Returns the summary score (0-100).
core::judge::KayentaJudgment judgeWindows(MeshSeries& series, const sim::JudgeSpec& judge,
                                          double experimentStart, double experimentEnd,
                                          double controlStart, double controlEnd, double step,
                                          core::Rng& rng);

}  // namespace rolloutlab::scenarios
