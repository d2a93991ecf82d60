// Closed forms of the sequential tests against R (tests/judge/make_reference.R writes the
// vectors with R 4.2's lbeta, lgamma and arithmetic): 1e-12 relative, as the statistics
// reference (row 8 and 9 of its proposal table) asks.

#include <gtest/gtest.h>

#include "judge_test_util.h"
#include "rolloutlab/core/judge/count_test.h"
#include "rolloutlab/core/judge/msprt.h"
#include "rolloutlab/core/judge/special_functions.h"

using namespace rolloutlab::core::judge;
using rolloutlab::test::closeRelative;
using rolloutlab::test::judgeReference;
using rolloutlab::test::refNumber;
using rolloutlab::test::refVector;

namespace {
constexpr double kRel = 1e-12;
}

TEST(MsprtReference, LogLambdaMatchesRClosedForm) {
  int n = 0;
  for (const auto& c : judgeReference("msprt.json")) {
    if (c["kind"] != "formula") continue;
    const double variance = refNumber(c["V"]) / refNumber(c["n"]);
    const double got = normalMixtureLogLikelihoodRatio(
        refNumber(c["delta"]), variance, refNumber(c["theta0"]), refNumber(c["tau2"]));
    EXPECT_PRED3(closeRelative, got, refNumber(c["logLambda"]), kRel) << c.dump();
    const auto iv = normalMixtureConfidenceInterval(refNumber(c["delta"]), variance,
                                                    refNumber(c["tau2"]), 0.05);
    EXPECT_PRED3(closeRelative, 0.5 * (iv.upper - iv.lower), refNumber(c["halfWidth05"]), 1e-12)
        << c.dump();
    ++n;
  }
  EXPECT_EQ(n, 144);
}

TEST(MsprtReference, MeanContrastFromDataMatchesR) {
  int n = 0;
  for (const auto& c : judgeReference("msprt.json")) {
    if (c["kind"] != "data") continue;
    MsprtOptions o;
    o.contrast = refNumber(c["contrast"]);
    o.tau = refNumber(c["tau"]);
    o.sigmaBaseline = refNumber(c["sigmaBaseline"]);
    o.sigmaCanary = refNumber(c["sigmaCanary"]);
    MeanContrastMsprt t(o);
    t.update(Moments::fromSamples(refVector(c["baseline"])),
             Moments::fromSamples(refVector(c["canary"])));
    EXPECT_PRED3(closeRelative, t.sequence().estimate(), refNumber(c["estimate"]), kRel);
    EXPECT_PRED3(closeRelative, t.sequence().variance(), refNumber(c["variance"]), kRel);
    EXPECT_PRED3(closeRelative, t.sequence().logLikelihoodRatio(), refNumber(c["logLambda"]), kRel);
    EXPECT_PRED3(closeRelative, t.sequence().currentInterval().lower, refNumber(c["lower05"]),
                 kRel);
    EXPECT_PRED3(closeRelative, t.sequence().currentInterval().upper, refNumber(c["upper05"]),
                 kRel);
    ++n;
  }
  EXPECT_EQ(n, 4);
}

TEST(MsprtReference, ProportionDifferenceMatchesR) {
  int n = 0;
  for (const auto& c : judgeReference("msprt.json")) {
    if (c["kind"] != "proportion") continue;
    ProportionMsprt t(0.0, refNumber(c["tau"]), 0.05);
    t.update(static_cast<std::int64_t>(refNumber(c["nA"])),
             static_cast<std::int64_t>(refNumber(c["xA"])),
             static_cast<std::int64_t>(refNumber(c["nB"])),
             static_cast<std::int64_t>(refNumber(c["xB"])));
    EXPECT_PRED3(closeRelative, t.sequence().estimate(), refNumber(c["estimate"]), kRel);
    EXPECT_PRED3(closeRelative, t.sequence().variance(), refNumber(c["variance"]), kRel);
    EXPECT_PRED3(closeRelative, t.sequence().logLikelihoodRatio(), refNumber(c["logLambda"]), kRel);
    ++n;
  }
  EXPECT_EQ(n, 4);
}

TEST(CountTestReference, TwoArmLogBayesFactorMatchesRLbeta) {
  int n = 0;
  for (const auto& c : judgeReference("count_test.json")) {
    if (c["kind"] != "twoArm") continue;
    const auto nA = static_cast<std::int64_t>(refNumber(c["nA"]));
    const auto nB = static_cast<std::int64_t>(refNumber(c["nB"]));
    const double rho = refNumber(c["rho"]);
    const double want = refNumber(c["logBF"]);
    EXPECT_PRED3(closeRelative,
                 betaBinomialLogBayesFactor(nA, nB, rho, refNumber(c["a"]), refNumber(c["b"])),
                 want, kRel)
        << c.dump();
    // The incremental object in one batch, and split into batches at the same allocation.
    const double m = refNumber(c["a"]) + refNumber(c["b"]);
    RateRatioTest one(CountTestOptions{0.05, m});
    one.update(nA, nB, rho);
    EXPECT_PRED3(closeRelative, one.logBayesFactor(), want, kRel) << c.dump();
    RateRatioTest split(CountTestOptions{0.05, m});
    split.update(nA / 3, nB / 2, rho);
    split.update(0, 0, rho);
    split.update(nA - nA / 3, nB - nB / 2, rho);
    EXPECT_PRED3(closeRelative, split.logBayesFactor(), want, kRel) << c.dump();
    ++n;
  }
  EXPECT_EQ(n, 30);
}

TEST(CountTestReference, KArmLogBayesFactorMatchesRLgamma) {
  int n = 0;
  for (const auto& c : judgeReference("count_test.json")) {
    if (c["kind"] != "kArm") continue;
    std::vector<std::int64_t> counts;
    for (double x : refVector(c["counts"])) counts.push_back(static_cast<std::int64_t>(x));
    const auto alloc = refVector(c["allocation"]);
    const auto conc = refVector(c["concentration"]);
    EXPECT_PRED3(closeRelative, dirichletMultinomialLogBayesFactor(counts, alloc, conc),
                 refNumber(c["logBF"]), kRel);
    DirichletMultinomialTest t(static_cast<int>(counts.size()), CountTestOptions{0.05, 100.0});
    t.update(counts, alloc);
    EXPECT_PRED3(closeRelative, t.logBayesFactor(), refNumber(c["logBF"]), kRel);
    ++n;
  }
  EXPECT_EQ(n, 4);
}

TEST(CountTestReference, TimeVaryingAllocationRecursionMatchesR) {
  int n = 0;
  for (const auto& c : judgeReference("count_test.json")) {
    if (c["kind"] != "sequence") continue;
    const auto nA = refVector(c["nA"]);
    const auto nB = refVector(c["nB"]);
    const auto rho = refVector(c["rho"]);
    const auto logBF = refVector(c["logBF"]);
    RateRatioTest t(CountTestOptions{refNumber(c["alpha"]), refNumber(c["concentration"])});
    for (std::size_t k = 0; k < nA.size(); ++k) {
      t.update(static_cast<std::int64_t>(nA[k]), static_cast<std::int64_t>(nB[k]), rho[k]);
      EXPECT_PRED3(closeRelative, t.logBayesFactor(), logBF[k], kRel) << "batch " << k;
    }
    // The confidence set at the last look, by R's uniroot at 1e-14.
    EXPECT_PRED3(closeRelative, t.rateRatioEstimate(), refNumber(c["estimate"]), 1e-9);
    EXPECT_PRED3(closeRelative, t.currentRateRatioInterval().lower, refNumber(c["lower"]), 1e-9);
    EXPECT_PRED3(closeRelative, t.currentRateRatioInterval().upper, refNumber(c["upper"]), 1e-9);
    ++n;
  }
  EXPECT_EQ(n, 3);
}

TEST(CountTestReference, KArmTimeVaryingRecursionMatchesR) {
  for (const auto& c : judgeReference("count_test.json")) {
    if (c["kind"] != "kArmSequence") continue;
    const int k = static_cast<int>(refNumber(c["arms"]));
    const auto counts = refVector(c["counts"]);
    const auto alloc = refVector(c["allocation"]);
    const auto logBF = refVector(c["logBF"]);
    DirichletMultinomialTest t(k, CountTestOptions{0.05, refNumber(c["concentration"])});
    for (std::size_t b = 0; b < logBF.size(); ++b) {
      std::vector<std::int64_t> n;
      std::vector<double> a;
      for (int i = 0; i < k; ++i) {
        n.push_back(static_cast<std::int64_t>(counts[b * k + i]));
        a.push_back(alloc[b * k + i]);
      }
      t.update(n, a);
      EXPECT_PRED3(closeRelative, t.logBayesFactor(), logBF[b], kRel) << "batch " << b;
    }
    return;
  }
  FAIL() << "no kArmSequence case";
}

TEST(SpecialFunctions, LogBetaIsSymmetricAndMatchesLgammaForSmallArguments) {
  for (double a : {0.3, 1.0, 2.5, 9.0, 12.0, 40.0, 1e4}) {
    for (double b : {0.7, 3.0, 10.0, 55.5, 2e5}) {
      EXPECT_DOUBLE_EQ(logBeta(a, b), logBeta(b, a));
      const double direct = std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
      EXPECT_NEAR(logBeta(a, b), direct, 1e-9 * std::max(1.0, std::abs(direct)));
    }
  }
  EXPECT_TRUE(std::isinf(logBeta(0.0, 3.0)));
  EXPECT_TRUE(std::isnan(logBeta(-1.0, 3.0)));
}
