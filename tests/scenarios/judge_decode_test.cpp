// Judge documents with a latency-distribution metric: the bundled example decodes, and bad
// values are refused with one line naming file, line, field, value and rule.
#include "rolloutlab/io/judge_decode.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rolloutlab/io/documents.h"
#include "test_support.h"

namespace sc = rolloutlab::sim;
namespace jd = rolloutlab::core::judge;

namespace {

std::vector<std::string> decodeErrors(const std::string& metric, sc::JudgeSpec* out = nullptr) {
  const std::string text =
      "apiVersion: rolloutlab.io/v1alpha1\nkind: Judge\nmetadata: {name: t}\nspec:\n"
      "  sequential:\n    alpha: 0.05\n    metrics:\n      - " +
      metric + "\n";
  auto docs = rolloutlab::io::readDocumentsFromString(text, "judge.yaml");
  rolloutlab::core::Diagnostics diags;
  sc::JudgeSpec j;
  const bool ok = rolloutlab::io::decodeJudge(docs.documents.at(0), diags, j);
  std::vector<std::string> errs;
  for (const auto& d : diags.items) errs.push_back(d.toString());
  EXPECT_EQ(ok, errs.empty());
  if (out) *out = j;
  return errs;
}

}  // namespace

TEST(JudgeDecode, LatencyDistributionMetricDecodes) {
  sc::JudgeSpec j;
  const auto errs = decodeErrors(
      "{name: tail, source: latencyDistribution, quantile: 0.95, allowedChange: 0.1, "
      "concentration: 50}",
      &j);
  ASSERT_TRUE(errs.empty()) << errs[0];
  ASSERT_EQ(j.sequential.metrics.size(), 1u);
  const auto& m = j.sequential.metrics[0];
  EXPECT_EQ(m.kind, jd::SequentialMetricKind::kLatencyDistribution);
  EXPECT_EQ(m.quantile, 0.95);
  EXPECT_EQ(m.allowedChange, 0.1);
  EXPECT_EQ(m.concentration, 50.0);
  ASSERT_EQ(j.sources.size(), 1u);
  EXPECT_EQ(j.sources[0], sc::ShadowSource::kLatencyDistribution);
}

TEST(JudgeDecode, TheBundledTailJudgeDecodes) {
  auto set = rolloutlab::io::readDocuments(
      {rolloutlab::test::sourceDir() + "/examples/judges/tail-latency.yaml"});
  ASSERT_EQ(set.documents.size(), 1u);
  rolloutlab::core::Diagnostics diags;
  sc::JudgeSpec j;
  ASSERT_TRUE(rolloutlab::io::decodeJudge(set.documents[0], diags, j))
      << (diags.items.empty() ? "" : diags.items[0].toString());
  ASSERT_EQ(j.sequential.metrics.size(), 2u);
  EXPECT_EQ(j.sequential.metrics[1].kind, jd::SequentialMetricKind::kLatencyDistribution);
  EXPECT_EQ(j.sequential.metrics[1].quantile, 0.99);
}

TEST(JudgeDecode, LatencyDistributionBadValuesNameFileLineFieldAndRule) {
  EXPECT_EQ(decodeErrors("{name: tail, source: latencyDistribution, quantile: 1.5}"),
            std::vector<std::string>{"judge.yaml:8: spec.sequential.metrics[0]: "
                                     "metrics[tail].quantile = 1.5: must be in (0, 1)"});
  EXPECT_EQ(decodeErrors("{name: tail, source: latencyDistribution, concentration: 0}"),
            std::vector<std::string>{"judge.yaml:8: spec.sequential.metrics[0]: "
                                     "metrics[tail].concentration = 0: must be positive and "
                                     "finite"});
  const auto typed = decodeErrors("{name: tail, source: latencyDistribution, quantile: high}");
  ASSERT_EQ(typed.size(), 1u);
  EXPECT_EQ(typed[0].rfind("judge.yaml:8: spec.sequential.metrics[0].quantile = ", 0), 0u)
      << typed[0];
  const auto unknown = decodeErrors("{name: tail, source: latencyDistribution, quantiles: 0.9}");
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].rfind("judge.yaml:8: spec.sequential.metrics[0].quantiles", 0), 0u)
      << unknown[0];
  // Kayenta compares one value per tick: the histogram's buckets are the sequential judge's.
  const std::string kayenta =
      "apiVersion: rolloutlab.io/v1alpha1\nkind: Judge\nmetadata: {name: k}\nspec:\n"
      "  kayenta:\n    metrics:\n      - {name: l, source: latencyDistribution, groups: [g]}\n";
  auto docs = rolloutlab::io::readDocumentsFromString(kayenta, "k.yaml");
  rolloutlab::core::Diagnostics diags;
  sc::JudgeSpec j;
  EXPECT_FALSE(rolloutlab::io::decodeJudge(docs.documents.at(0), diags, j));
  ASSERT_GE(diags.items.size(), 1u);
  EXPECT_EQ(diags.items[0].toString(),
            "k.yaml:7: spec.kayenta.metrics[0].source = \"latencyDistribution\": must be one of "
            "errorRate, successRate, latencyP99, latencyMean");
}
