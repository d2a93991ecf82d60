// The workbench's models without Qt: spec documents (fields, patches, runs as timelines),
// recordings, OC rows, condition bands and the display formats.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/workbench/flagger_document.h"
#include "rolloutlab/app/workbench/oc_rows.h"
#include "rolloutlab/app/workbench/recordings.h"
#include "rolloutlab/app/workbench/rollout_document.h"
#include "rolloutlab/app/workbench/spec_document.h"
#include "rolloutlab/app/workspace.h"
#include "test_support.h"

using namespace rolloutlab;
namespace wb = rolloutlab::app::workbench;

namespace {

std::string library(const std::string& f) { return test::sourceDir() + "/scenarios/library/" + f; }

std::vector<std::unique_ptr<wb::SpecDocument>> exampleDocuments() {
  return wb::makeSpecDocuments(app::loadWorkspace({test::sourceDir() + "/examples"}));
}

wb::SpecDocument* byKey(std::vector<std::unique_ptr<wb::SpecDocument>>& docs,
                        const std::string& key) {
  for (auto& d : docs) {
    if (d->key() == key) return d.get();
  }
  return nullptr;
}

sim::Scenario scenario(const std::string& file) {
  const app::Workspace ws = app::loadWorkspace({library(file)});
  EXPECT_EQ(ws.scenarios.size(), 1u) << file;
  return ws.scenarios.at(0);
}

// The lines of `a` and `b` that differ (same line count expected).
std::vector<std::pair<std::string, std::string>> changedLines(const std::string& a,
                                                              const std::string& b) {
  std::istringstream x(a), y(b);
  std::vector<std::pair<std::string, std::string>> out;
  std::string l, m;
  while (true) {
    const bool more = static_cast<bool>(std::getline(x, l));
    const bool more2 = static_cast<bool>(std::getline(y, m));
    if (!more && !more2) break;
    if (more != more2 || l != m) out.emplace_back(more ? l : "", more2 ? m : "");
  }
  return out;
}

// The 95 % Wilson score interval of k successes in n (z = 1.959964).
std::pair<double, double> wilson(double k, double n) {
  const double z = 1.959964, p = k / n, z2n = z * z / n;
  const double mid = (p + z2n / 2) / (1 + z2n);
  const double half = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z2n);
  return {std::max(0.0, mid - half), std::min(1.0, mid + half)};
}

}  // namespace

TEST(WorkbenchModels, TheExamplesAreOneDocumentPerCanaryAndRollout) {
  auto docs = exampleDocuments();
  ASSERT_EQ(docs.size(), 3u);
  ASSERT_NE(byKey(docs, "Canary/test/podinfo"), nullptr);
  ASSERT_NE(byKey(docs, "Rollout/shop/storefront"), nullptr);
  EXPECT_EQ(byKey(docs, "Canary/test/podinfo")->kind(), "Canary");
  EXPECT_EQ(byKey(docs, "Rollout/shop/storefront")->kind(), "Rollout");
  for (const auto& d : docs) {
    EXPECT_TRUE(d->valid()) << d->key();
    EXPECT_FALSE(d->edited()) << d->key();
    EXPECT_EQ(d->text(), wb::readTextFile(d->file())) << d->key();
  }
}

TEST(WorkbenchModels, AFieldEditChangesOnlyItsValue) {
  auto docs = exampleDocuments();
  wb::SpecDocument* podinfo = byKey(docs, "Canary/test/podinfo");
  ASSERT_NE(podinfo, nullptr);
  const std::string before = podinfo->text();
  podinfo->setField("analysis.threshold", "2");
  const auto changed = changedLines(before, podinfo->text());
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_NE(changed[0].first.find("threshold:"), std::string::npos);
  EXPECT_NE(changed[0].second.find("threshold: 2"), std::string::npos) << changed[0].second;
  EXPECT_TRUE(podinfo->edited());
  bool seen = false;
  for (const auto& f : podinfo->fields()) {
    if (f.id != "analysis.threshold") continue;
    seen = true;
    EXPECT_EQ(f.value, "2");
  }
  EXPECT_TRUE(seen);
  podinfo->revert();
  EXPECT_EQ(podinfo->text(), before);
}

TEST(WorkbenchModels, ACanarysTimelineCarriesTheRuleThatFired) {
  // error-regression-5pt: the canary serves 5 points more errors than the primary's 0.2 %, so
  // its success rate (min 99) fails until failedChecks reaches the threshold (5) and Flagger
  // rolls back; the primary's values sit near 99.8 %.
  auto docs = exampleDocuments();
  const wb::SpecDocument* podinfo = byKey(docs, "Canary/test/podinfo");
  ASSERT_NE(podinfo, nullptr);
  const wb::Timeline tl = podinfo->simulate(scenario("error-regression-5pt.yaml"), 2, "istio");
  ASSERT_TRUE(tl.error.empty()) << tl.error;
  ASSERT_TRUE(tl.rolledBack) << tl.outcome;
  EXPECT_FALSE(tl.promoted);
  const auto& sr = tl.metrics.at(0);
  EXPECT_EQ(sr.name, "request-success-rate");
  EXPECT_EQ(sr.min, 99.0);
  int fails = 0;
  for (const auto& c : sr.checks) {
    if (c.kind != wb::TimelineMarker::Kind::kFail) continue;
    ++fails;
    EXPECT_LT(c.value, 99.0);
    EXPECT_NE(c.text.find("held against min 99: fail"), std::string::npos) << c.text;
  }
  EXPECT_GE(fails, 5);
  ASSERT_FALSE(sr.primary.empty());
  for (const auto& [t, v] : sr.primary) EXPECT_NEAR(v, 99.8, 0.2) << t;
  bool rollback = false;
  for (const auto& e : tl.events) {
    if (e.kind != wb::TimelineMarker::Kind::kRollback) continue;
    rollback = true;
    EXPECT_NE(e.text.find("rule: "), std::string::npos) << e.text;
  }
  EXPECT_TRUE(rollback);
  // Same seed, same timeline.
  EXPECT_EQ(podinfo->simulate(scenario("error-regression-5pt.yaml"), 2, "istio").summary,
            tl.summary);
}

TEST(WorkbenchModels, TheRegressionSpanFollowsTheScenario) {
  // intermittent-failure: +20 points of errors for 1 minute every 10 minutes from 2m on.
  const sim::CompiledScenario compiled(scenario("intermittent-failure.yaml"));
  const auto spans = wb::regressionSpans(compiled, 3600, 30);
  ASSERT_EQ(spans.size(), 6u);  // at 2m, 12m, ..., 52m within the hour
  for (std::size_t i = 0; i < spans.size(); ++i) {
    EXPECT_EQ(spans[i].first, 120.0 + 600.0 * static_cast<double>(i));
    EXPECT_EQ(spans[i].second, 180.0 + 600.0 * static_cast<double>(i));
  }
}

TEST(WorkbenchModels, ARolloutStepCanBeAppendedAndRemoved) {
  auto docs = exampleDocuments();
  wb::SpecDocument* storefront = byKey(docs, "Rollout/shop/storefront");
  ASSERT_NE(storefront, nullptr);
  const std::string before = storefront->text();
  auto steps = [&] {
    int n = 0;
    for (const auto& f : storefront->fields()) {
      if (f.id.rfind("steps.", 0) == 0 && f.group == "Canary steps") {
        const auto dot = f.id.find('.', 6);
        n = std::max(n, std::stoi(f.id.substr(6, dot - 6)) + 1);
      }
    }
    return n;
  };
  const int n = steps();
  ASSERT_GT(n, 0);
  storefront->runAction("steps.add.pause");
  EXPECT_EQ(steps(), n + 1);
  EXPECT_TRUE(storefront->valid());
  EXPECT_NE(storefront->text().find("pause: {duration: 1m}"), std::string::npos)
      << storefront->text();
  storefront->runAction("steps." + std::to_string(n) + ".remove");
  EXPECT_EQ(steps(), n);
  EXPECT_EQ(storefront->text(), before);
}

TEST(WorkbenchModels, ARecordingIsOpenedOncePerTarget) {
  const app::Workspace rec =
      app::loadWorkspace({test::sourceDir() + "/examples/replays/podinfo-error-spike.yaml"});
  ASSERT_EQ(rec.replays.size(), 1u);
  auto docs = exampleDocuments();
  const wb::SpecDocument* podinfo = byKey(docs, "Canary/test/podinfo");
  ASSERT_NE(podinfo, nullptr);
  wb::RecordingCache cache;
  const wb::Timeline a = podinfo->replay(rec.replays[0], 1, std::nullopt, "istio", cache);
  const wb::Timeline b = podinfo->replay(rec.replays[0], 1, std::nullopt, "istio", cache);
  ASSERT_TRUE(a.error.empty()) << a.error;
  EXPECT_EQ(cache.opened(), 1);
  EXPECT_EQ(a.outcome, b.outcome);
  // The recording is a bad release (the success rate falls to 97.6 %, min 99): rolled back.
  EXPECT_TRUE(a.rolledBack) << a.outcome;
  EXPECT_EQ(wb::replayRunText(rec.replays[0], 1, std::nullopt),
            "recorded 2024-03-05T10:00:00Z .. 2024-03-05T10:30:00Z, as recorded, seed 1");
}

TEST(WorkbenchModels, OcRowsAreTheBatchReportsNumbers) {
  const app::Workspace specs = app::loadWorkspace({test::sourceDir() + "/examples/apps/podinfo"});
  const app::Workspace scen =
      app::loadWorkspace({library("good-high-traffic.yaml"), library("error-regression-5pt.yaml")});
  app::BatchOptions o;
  o.runs = 20;
  o.seed = 3;
  o.threads = 1;
  const app::BatchResult r = app::runBatch(app::batchSpecs(specs, "istio"), scen.scenarios, {}, o);
  const auto rows = wb::ocRows(r);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    EXPECT_EQ(row.runs, 20);
    EXPECT_LE(row.promoted.value + row.rolledBack.value, 1.0 + 1e-12) << row.scenario;
    // The interval is Wilson's for the count behind the proportion.
    for (const auto* p : {&row.promoted, &row.rolledBack}) {
      const auto [lo, hi] = wilson(std::round(p->value * 20), 20);
      EXPECT_NEAR(p->lo, lo, 1e-6) << row.scenario;
      EXPECT_NEAR(p->hi, hi, 1e-6) << row.scenario;
    }
  }
  const auto s = wb::ocSummary(r);
  // A 5-point error regression is caught every time (min 99 against 94.8 %): no escape, and
  // 0 of 20 has the Wilson interval [0, 0.1611].
  EXPECT_EQ(s.escapes.value, 0.0);
  EXPECT_NEAR(s.escapes.hi, 0.16113, 1e-4);
  EXPECT_EQ(s.escapes.text(), "0% [0, 16.1]");
}

TEST(WorkbenchModels, DisplayFormats) {
  EXPECT_EQ(wb::formatDuration(450), "7m30s");
  EXPECT_EQ(wb::formatDuration(3600), "1h");
  EXPECT_EQ(wb::formatDuration(0), "0s");
  EXPECT_EQ(wb::formatDuration(-90), "-1m30s");
  EXPECT_EQ(wb::formatNumber(0.1), "0.1");
  EXPECT_EQ(wb::formatNumber(99.8), "99.8");
  EXPECT_EQ(wb::formatNumber(1234567.0, 4), "1.235e+06");
}

TEST(ConditionRange, ReadsOneComparisonWithANumber) {
  using wb::conditionRange;
  auto r = conditionRange("result[0] >= 0.95", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->min, 0.95);
  EXPECT_FALSE(r->max);
  r = conditionRange("len(result) == 0 || result[0] >= 0.99", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->min, 0.99);
  r = conditionRange("result < 500", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->max, 500.0);
  r = conditionRange("0.9 <= result[0]", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->min, 0.9);
  // A failure condition: the value passes where it does not hold.
  r = conditionRange("result[0] < 0.9", false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->min, 0.9);
  r = conditionRange("result[0] > 1e3", false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->max, 1000.0);
  EXPECT_FALSE(conditionRange("result[0] >= 0.9 && result[1] >= 0.9", true));
  EXPECT_FALSE(conditionRange("result[1] >= 0.9", true));
  EXPECT_FALSE(conditionRange("asInt(result) == 1", true));
  EXPECT_FALSE(conditionRange("", true));
}

// A hostile template's condition (a megabyte of blanks around a comparison) is not a single
// comparison to draw, and reading it must not recurse once per character.
TEST(ConditionRange, AHugeConditionIsNotABandAndDoesNotOverflowTheStack) {
  const std::string blanks(1 << 20, ' ');
  EXPECT_FALSE(wb::conditionRange("result[0] >=" + blanks + "0.9", true));
  EXPECT_FALSE(wb::conditionRange(blanks + "result[0] >= 0.9", true));
}
