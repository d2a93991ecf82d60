// Spinnaker's canary stage rules (orca-kayenta RunCanaryIntervalsStage.kt,
// MonitorKayentaCanaryTask.kt, AggregateCanaryResultsTask.kt), one test per rule.

#include "rolloutlab/core/judge/kayenta_stage.h"

#include <gtest/gtest.h>

using namespace rolloutlab::core::judge;

namespace {
KayentaStageConfig stage(std::int64_t lifetimeMin, std::optional<std::int64_t> intervalMin) {
  KayentaStageConfig c;
  c.lifetimeSeconds = lifetimeMin * 60;
  if (intervalMin) c.intervalSeconds = *intervalMin * 60;
  return c;
}
}  // namespace

TEST(KayentaStageSchedule, JudgmentCountIsWholeMinuteDivision) {
  EXPECT_EQ(stage(60, 25).judgmentCount(), 2);            // floor(60 / 25)
  EXPECT_EQ(stage(60, std::nullopt).judgmentCount(), 1);  // one judgment at the end
  EXPECT_EQ(stage(60, 0).judgmentCount(), 1);             // 0 means the lifetime
  EXPECT_EQ(stage(60, 90).judgmentCount(), 1);            // longer than the lifetime
  auto c = stage(0, 30);
  c.lifetimeSeconds = 3690;  // 61.5 minutes count as 61
  EXPECT_EQ(c.judgmentCount(), 2);
}

TEST(KayentaStageSchedule, GrowingWindowsStartAfterWarmup) {
  auto c = stage(45, 15);
  c.warmupSeconds = 600;
  const auto w = kayentaWindows(c);
  ASSERT_EQ(w.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(w[i].experimentStart, 600);
    EXPECT_EQ(w[i].experimentEnd, 600 + 900 * (i + 1));
    EXPECT_EQ(w[i].judgeAtSeconds, w[i].experimentEnd);
  }
}

TEST(KayentaStageSchedule, SlidingWindowsCoverTheLookback) {
  auto c = stage(45, 15);
  c.warmupSeconds = 600;
  c.lookbackSeconds = 1200;
  const auto w = kayentaWindows(c);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].experimentStart, 300);  // 1500 - 1200
  EXPECT_EQ(w[2].experimentStart, 3300 - 1200);
  EXPECT_EQ(w[2].experimentEnd, 3300);
}

TEST(KayentaStageSchedule, BaselineOffsetShiftsOnlyTheControlWindow) {
  auto c = stage(30, 10);
  c.baselineOffsetSeconds = 3600;
  const auto w = kayentaWindows(c);
  EXPECT_EQ(w[1].experimentEnd, 1200);
  EXPECT_EQ(w[1].controlEnd, 1200 - 3600);
  EXPECT_EQ(w[1].controlStart, -3600);
}

TEST(KayentaStageVerdict, IntermediateScoreAtMarginalEndsTheStage) {
  KayentaStage s(stage(60, 20));  // 3 judgments, thresholds 75 / 50
  EXPECT_EQ(s.addScore(80), KayentaStageStatus::kRunning);
  // The judge calls 50 "Marginal"; the stage fails on score <= marginal.
  EXPECT_EQ(s.addScore(50), KayentaStageStatus::kFailed);
  EXPECT_EQ(s.reason(), "Canary score is not above the marginal score threshold.");
  EXPECT_EQ(s.addScore(100), KayentaStageStatus::kFailed);  // ended
  EXPECT_EQ(s.scores().size(), 2u);
}

TEST(KayentaStageVerdict, OnlyTheLastScoreDecides) {
  KayentaStage up(stage(60, 20));
  up.addScore(51);
  up.addScore(60);
  EXPECT_EQ(up.addScore(75), KayentaStageStatus::kSucceeded);  // >= pass
  EXPECT_EQ(up.reason(), "Final canary score 75 met or exceeded the pass score threshold.");
  KayentaStage down(stage(60, 20));
  down.addScore(100);
  down.addScore(100);
  EXPECT_EQ(down.addScore(74.99), KayentaStageStatus::kFailed);
  EXPECT_EQ(down.reason(), "Final canary score 74.99 is below the pass score threshold.");
}

TEST(KayentaStageVerdict, WithoutThresholdsEveryScoreSucceeds) {
  auto c = stage(10, std::nullopt);
  c.thresholds.reset();
  KayentaStage s(c);
  EXPECT_EQ(s.addScore(0), KayentaStageStatus::kSucceeded);
  EXPECT_EQ(s.reason(), "No score thresholds were specified.");
}

TEST(KayentaStageConfig, RejectsSubMinuteLifetimeAndInterval) {
  std::string err;
  auto c = stage(0, std::nullopt);
  c.lifetimeSeconds = 30;
  EXPECT_FALSE(c.isValid(&err));
  EXPECT_EQ(err, "lifetimeSeconds = 30: must be at least 60 (Orca counts whole minutes)");
  auto d = stage(10, 0);
  d.intervalSeconds = 30;
  EXPECT_FALSE(d.isValid(&err));
  EXPECT_THROW(KayentaStage{d}, std::invalid_argument);
}
