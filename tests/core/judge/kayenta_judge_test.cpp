// NetflixACAJudge rules, one test per rule. Expected values come from Kayenta's own suites
// (StatisticSuite, DetectorSuite, MannWhitneySuite, ClassifierSuite, ScorerSuite in
// spinnaker/kayenta), from R (wilcox.test and uniroot, tests/judge/make_reference.R), or by
// hand as written in each test.

#include "rolloutlab/core/judge/kayenta_judge.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "judge_test_util.h"
#include "rolloutlab/core/diagnostics.h"

using namespace rolloutlab::core::judge;
using rolloutlab::core::Rng;
using rolloutlab::test::judgeReference;
using rolloutlab::test::refNumber;
using rolloutlab::test::refVector;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

KayentaMetricConfig metric(const std::string& name) {
  KayentaMetricConfig m;
  m.name = name;
  m.groups = {"group"};
  return m;
}

KayentaMetricResult classify(const KayentaMetricConfig& m, std::vector<double> experiment,
                             std::vector<double> control, double tolerance = 0.25,
                             double level = 0.98) {
  Rng rng(1);
  return classifyKayentaMetric(m, experiment, control, rng, tolerance, level);
}

KayentaMetricResult labelled(const std::string& name, KayentaLabel label,
                             std::vector<std::string> groups = {"group"}, bool critical = false) {
  KayentaMetricResult r;
  r.name = name;
  r.label = label;
  r.groups = std::move(groups);
  r.critical = critical;
  return r;
}

// Kayenta's ClassifierSuite series (30 points each).
const std::vector<double> kLowSeries = {
    9.7767343120109462, 10.587071850477695, 7.8375506388901766, 9.3243326886113884,
    8.3774505409784421, 8.9359264399606282, 8.2707663324728511, 9.7484308126716925,
    11.623746715547156, 9.2753442679633942, 8.1538047749171518, 10.562020975754294,
    13.498135575451835, 11.054419256110332, 6.9538903590055092, 12.521008342195479,
    9.0216358603546443, 4.9234856699531662, 11.251360203607172, 11.598449508040337,
    8.435232204668182,  11.110228516867279, 10.70063380164755,  8.9212773652115249,
    10.086167067942661, 11.42107515483087,  9.3792347813644952, 7.7980320148552593,
    10.62339807275746,  11.909642062063739};
const std::vector<double> kHighSeries = {
    20.878412601720026, 21.78550581191622,  19.70828084717019,  15.859946903461562,
    19.510058772176841, 19.392005525270303, 22.926528314912101, 17.156530276709894,
    18.655117916226171, 23.422607911610392, 24.055817684156644, 22.62689958516501,
    21.979472967817678, 21.659318607218694, 20.067707574072426, 22.119570836305414,
    16.44037132663307,  21.559622826341268, 21.000181443489218, 17.779369411412663,
    17.806006358943584, 18.537200618386109, 20.555550300210797, 19.552928184468378,
    21.771118944087092, 21.809622806176627, 20.961762909905271, 20.977571577503021,
    19.106303205498794, 16.976918966987078};
const std::vector<double> kBaselineSeries = {
    11.1453586774086,   9.9618059885597017, 7.068574306369829,  7.3012661810483657,
    9.7944630265656727, 9.6037918603687302, 6.1867793350339388, 12.345599159550174,
    10.371891733859533, 8.6094300785016724, 9.913162673361084,  10.361375299003466,
    14.206800387518818, 10.946153754753301, 10.215876627044048, 11.739760899484603,
    10.907627468626439, 12.823353694464775, 8.1018609771732137, 8.4981616408804932,
    12.113441374697231, 13.272210809932028, 10.114579381663297, 6.9463958767978067,
    6.2105278541727778, 10.160401684903775, 8.3457712066455461, 8.383822063895833,
    7.0020205070083765, 10.755757401808442};

}  // namespace

// --- preprocessing and descriptive statistics ---------------------------------------------

TEST(KayentaStatistics, PercentileIsCommonsMathR7) {
  // StatisticSuite "Basic Percentile" and "NIST Data"; R: quantile(x, p, type = 7).
  const std::vector<double> a = {0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5};
  EXPECT_NEAR(kayentaPercentile(a, 5), 0.175, 1e-12);
  EXPECT_DOUBLE_EQ(kayentaPercentile(a, 50), 1.75);
  EXPECT_DOUBLE_EQ(kayentaPercentile(a, 100), 3.5);
  const std::vector<double> b = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_DOUBLE_EQ(kayentaPercentile(b, 50), 4.5);
  const std::vector<double> nist = {95.1772, 95.1567, 95.1937, 95.1959, 95.1442, 95.0610,
                                    95.1591, 95.1195, 95.1772, 95.0925, 95.1990, 95.1682};
  EXPECT_NEAR(kayentaPercentile(nist, 90), 95.19568, 1e-12);
  EXPECT_DOUBLE_EQ(kayentaPercentile(std::vector<double>{1.0}, 100), 1.0);
  EXPECT_TRUE(std::isnan(kayentaPercentile(std::vector<double>{}, 50)));
}

TEST(KayentaStatistics, SummaryUsesSampleStdAndZerosWhenEmpty) {
  // StatisticSuite "List": mean 5.5, std sqrt(6 * 4.5^2 / 5) = 4.92950...
  const auto s = kayentaSummary(std::vector<double>{1.0, 1.0, 1.0, 10.0, 10.0, 10.0});
  EXPECT_EQ(s.count, 6);
  EXPECT_DOUBLE_EQ(s.mean, 5.5);
  EXPECT_NEAR(s.std, std::sqrt(24.3), 1e-12);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 10.0);
  const auto e = kayentaSummary(std::vector<double>{});
  EXPECT_EQ(e.count, 0);
  EXPECT_EQ(e.mean, 0.0);
  EXPECT_EQ(e.std, 0.0);
  EXPECT_EQ(kayentaSummary(std::vector<double>{4.0}).std, 0.0);
}

TEST(KayentaPreprocessing, NanRemoveDropsAndReplaceZeroes) {
  const std::vector<double> x = {1.0, kNaN, 3.0, kNaN};
  EXPECT_EQ(kayentaTransform(x, KayentaNanStrategy::kRemove, KayentaOutlierStrategy::kKeep, 3.0),
            (std::vector<double>{1.0, 3.0}));
  EXPECT_EQ(kayentaTransform(x, KayentaNanStrategy::kReplace, KayentaOutlierStrategy::kKeep, 3.0),
            (std::vector<double>{1.0, 0.0, 3.0, 0.0}));
}

TEST(KayentaPreprocessing, IqrDetectorMatchesKayentaSuite) {
  // DetectorSuite, factor 1.5 without reduced sensitivity.
  EXPECT_EQ(kayentaIqrOutliers(std::vector<double>{21, 23, 24, 25, 50, 29, 23, 21}, 1.5, false),
            (std::vector<bool>{false, false, false, false, true, false, false, false}));
  EXPECT_EQ(kayentaIqrOutliers(std::vector<double>{1, 1, 1, 5, -1, -1, -1, -5}, 1.5, false),
            (std::vector<bool>{false, false, false, true, false, false, false, true}));
  EXPECT_TRUE(kayentaIqrOutliers(std::vector<double>{}, 1.5, false).empty());
}

TEST(KayentaPreprocessing, ReduceSensitivityWidensFencesToP1AndP99) {
  // n = 12: Q1 = 3.75, Q3 = 9.25, IQR 5.5, Q3 + 1.5 IQR = 17.5; P99 = 20 + 0.89 * 1 = 20.89.
  const std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 21};
  auto plain = kayentaIqrOutliers(x, 1.5, false);
  EXPECT_TRUE(plain[10]);
  EXPECT_TRUE(plain[11]);
  auto reduced = kayentaIqrOutliers(x, 1.5, true);
  EXPECT_FALSE(reduced[10]);  // 20 < 20.89 is kept
  EXPECT_TRUE(reduced[11]);   // 21 > 20.89 is removed (strictly outside)
  // The judge always uses reduced sensitivity when outliers.strategy = remove.
  EXPECT_EQ(
      kayentaTransform(x, KayentaNanStrategy::kRemove, KayentaOutlierStrategy::kRemove, 1.5).size(),
      11u);
}

TEST(KayentaPreprocessing, OnlyPointsStrictlyOutsideTheFencesAreRemoved) {
  // {0..6}: Q1 = 1.5, Q3 = 4.5, IQR 3; factor 0.5 puts the fences exactly on 0 and 6
  // (P1 = 0.06 and P99 = 5.94 do not widen them): both ends stay.
  const std::vector<double> x = {0, 1, 2, 3, 4, 5, 6};
  for (bool reduce : {false, true}) {
    const auto on = kayentaIqrOutliers(x, 0.5, reduce);
    EXPECT_FALSE(on[0]);
    EXPECT_FALSE(on[6]);
    // factor 0.49: fences 0.03 and 5.97, both ends are strictly outside.
    const auto off = kayentaIqrOutliers(x, 0.49, reduce);
    EXPECT_TRUE(off[0]);
    EXPECT_TRUE(off[6]);
    EXPECT_FALSE(off[1]);
  }
}

TEST(KayentaEffectSizes, MeanRatioIsNanWhenAMeanIsZero) {
  // StatisticSuite: 10 / 1 = 10, 10 / 100 = 0.1.
  EXPECT_DOUBLE_EQ(kayentaMeanRatio(std::vector<double>(5, 1.0), std::vector<double>(5, 10.0)),
                   10.0);
  EXPECT_DOUBLE_EQ(kayentaMeanRatio(std::vector<double>(5, 100.0), std::vector<double>(5, 10.0)),
                   0.1);
  EXPECT_TRUE(std::isnan(kayentaMeanRatio(std::vector<double>{0, 0}, std::vector<double>{1, 2})));
  EXPECT_TRUE(std::isnan(kayentaMeanRatio(std::vector<double>{1, 2}, std::vector<double>{-1, 1})));
}

TEST(KayentaEffectSizes, ClesCountsTiesAsHalf) {
  // By hand: canary {3, 4, 5} vs baseline {1, 2, 3}: 8 wins and one tie of 9 pairs.
  EXPECT_NEAR(kayentaCles(std::vector<double>{1, 2, 3}, std::vector<double>{3, 4, 5}), 8.5 / 9,
              1e-15);
  EXPECT_DOUBLE_EQ(kayentaCles(std::vector<double>{1, 2}, std::vector<double>{1, 2}), 0.5);
}

// --- the Mann-Whitney computation ------------------------------------------------------------

TEST(KayentaMannWhitney, KayentaSuiteIntervalAndEstimate) {
  // MannWhitneySuite "Confidence Interval & Estimate" (level 0.95): [6, 39], estimate 22.5.
  const auto r = kayentaMannWhitney(std::vector<double>{10, 20, 30, 40},
                                    std::vector<double>{1, 2, 3, 4}, 0.95);
  EXPECT_NEAR(r.lower, 6.0, 1e-6);
  EXPECT_NEAR(r.upper, 39.0, 1e-6);
  EXPECT_NEAR(r.estimate, 22.5, 1e-6);
}

TEST(KayentaMannWhitney, IntervalMatchesRWilcoxTestAt98Percent) {
  // R: wilcox.test(x, y, conf.int = TRUE, conf.level = 0.98, exact = FALSE, correct = TRUE).
  // Both are roots found to 1e-4: agreement within 2e-4 in the data's units.
  for (const auto& c : judgeReference("kayenta_mann_whitney.json")) {
    const auto x = refVector(c["experiment"]);
    const auto y = refVector(c["control"]);
    const auto r = kayentaMannWhitney(x, y, 0.98);
    EXPECT_NEAR(r.lower, refNumber(c["lower"]), 2e-4) << c["experiment"].size();
    EXPECT_NEAR(r.upper, refNumber(c["upper"]), 2e-4) << c["experiment"].size();
  }
}

TEST(KayentaMannWhitney, EstimateKeepsTheContinuityCorrection) {
  // Kayenta's estimate is the root of the corrected statistic (R drops the correction there):
  // compare with R's uniroot of the corrected function at tol 1e-4 and at tol 1e-12.
  int differ = 0;
  for (const auto& c : judgeReference("kayenta_mann_whitney.json")) {
    const auto r = kayentaMannWhitney(refVector(c["experiment"]), refVector(c["control"]), 0.98);
    EXPECT_NEAR(r.estimate, refNumber(c["kayentaEstimate"]), 2e-4);
    EXPECT_NEAR(r.estimate, refNumber(c["kayentaEstimateTight"]), 1e-4);
    differ += std::abs(r.estimate - refNumber(c["rEstimate"])) > 1e-3;
  }
  EXPECT_GE(differ, 2);  // on small samples the two estimates visibly differ
}

TEST(KayentaMannWhitney, AllTiedObservationsThrow) {
  EXPECT_THROW(kayentaWilcoxonDiff(0.0, 0.0, std::vector<double>{2, 2}, std::vector<double>{2, 2}),
               std::domain_error);
}

// --- classification rules (MannWhitneyClassifier.classify) ---------------------------------

TEST(KayentaClassify, MissingDataIsNodata) {
  const auto r = classify(metric("m"), {}, {1, 2, 3, 4, 5});
  EXPECT_EQ(r.label, KayentaLabel::kNodata);
  EXPECT_FALSE(r.critical);
  EXPECT_EQ(r.reason, "Missing data for m");
}

TEST(KayentaClassify, MissingDataOnCriticalMetricIsCriticalNodata) {
  auto m = metric("m");
  m.critical = true;
  const auto r = classify(m, {}, {1, 2, 3});
  EXPECT_EQ(r.label, KayentaLabel::kNodata);
  EXPECT_TRUE(r.critical);
  m.mustHaveData = true;  // mustHaveData on a critical metric stays a critical Nodata
  EXPECT_EQ(classify(m, {1, 2}, {}).label, KayentaLabel::kNodata);
}

TEST(KayentaClassify, MissingDataWithMustHaveDataIsNodataFailMetric) {
  auto m = metric("m");
  m.mustHaveData = true;
  const auto r = classify(m, {kNaN, kNaN}, {1, 2, 3});
  EXPECT_EQ(r.label, KayentaLabel::kNodataFailMetric);
  EXPECT_FALSE(r.critical);
}

TEST(KayentaClassify, MissingDataWithNanReplaceIsPass) {
  auto m = metric("m");
  m.nanStrategy = KayentaNanStrategy::kReplace;
  EXPECT_EQ(classify(m, {}, {1, 2, 3}).label, KayentaLabel::kPass);
  // With replace, NaNs are zeros, not missing: {0, 0} vs {0, 0} is identical data.
  EXPECT_EQ(classify(m, {kNaN, kNaN}, {0, 0}).reason, "The Canary and Baseline data are identical");
}

TEST(KayentaClassify, IdenticalDataPasses) {
  const auto r = classify(metric("m"), {1, 2, 3, 4, 5}, {5, 4, 3, 2, 1});
  EXPECT_EQ(r.label, KayentaLabel::kPass);
  EXPECT_EQ(r.reason, "The Canary and Baseline data are identical");
  EXPECT_FALSE(r.interval.has_value());
}

TEST(KayentaClassify, OneDistinctValueOverBothSamplesPasses) {
  const auto r = classify(metric("m"), {1, 1, 1}, {1, 1});
  EXPECT_EQ(r.label, KayentaLabel::kPass);
  EXPECT_TRUE(r.reason.empty());
  EXPECT_FALSE(r.interval.has_value());
}

TEST(KayentaClassify, OneDistinctValuePerSampleGetsSeededNoise) {
  // Canary all 5, baseline all 1: noise of sd value * 1e-5 makes the rank test possible; the
  // shift is obvious, so High. The noise comes from the caller's Rng: same seed, same result.
  Rng a(99), b(99), c(100);
  const std::vector<double> x(10, 5.0), y(10, 1.0);
  const auto ra = classifyKayentaMetric(metric("m"), x, y, a);
  const auto rb = classifyKayentaMetric(metric("m"), x, y, b);
  const auto rc = classifyKayentaMetric(metric("m"), x, y, c);
  EXPECT_EQ(ra.label, KayentaLabel::kHigh);
  EXPECT_EQ(ra.interval->estimate, rb.interval->estimate);
  EXPECT_NE(ra.ratio, rc.ratio);  // the ratio is taken on the noisy values
  EXPECT_NEAR(ra.ratio, 5.0, 1e-4);
}

TEST(KayentaClassify, HighWhenIntervalAboveBandAndRatioAllowed) {
  // ClassifierSuite "High Metric" (tolerance 0.10, level 0.95).
  const auto r = classify(metric("high-metric"), kHighSeries, kBaselineSeries, 0.10, 0.95);
  EXPECT_EQ(r.label, KayentaLabel::kHigh);
  EXPECT_EQ(r.reason, "high-metric was classified as High");
  EXPECT_GT(r.interval->lower, r.upperBound);
}

TEST(KayentaClassify, LowWhenIntervalBelowBand) {
  // ClassifierSuite "Low Metric": the canary series is the baseline of "High".
  const auto r = classify(metric("low-metric"), kLowSeries, kHighSeries, 0.10, 0.95);
  EXPECT_EQ(r.label, KayentaLabel::kLow);
  EXPECT_LT(r.interval->upper, r.lowerBound);
}

TEST(KayentaClassify, PassWhenNoSignificantShift) {
  // ClassifierSuite "Pass Metric".
  EXPECT_EQ(classify(metric("m"), kLowSeries, kBaselineSeries, 0.10, 0.95).label,
            KayentaLabel::kPass);
}

TEST(KayentaClassify, ToleranceBandPassesASignificantSmallShift) {
  // R (last case of kayenta_mann_whitney.json): 98% interval [0.0606, 0.779] excludes 0, but
  // its lower end is below 0.25 * |0.42| = 0.105: Kayenta passes the metric.
  const auto c = judgeReference("kayenta_mann_whitney.json").back();
  Rng rng(1);
  const auto r =
      classifyKayentaMetric(metric("m"), refVector(c["experiment"]), refVector(c["control"]), rng);
  EXPECT_GT(r.interval->lower, 0.0);
  EXPECT_LT(r.interval->lower, r.upperBound);
  EXPECT_NEAR(r.upperBound, 0.105, 1e-4);
  EXPECT_EQ(r.label, KayentaLabel::kPass);
}

TEST(KayentaClassify, DirectionIncreaseIgnoresLowAndDecreaseIgnoresHigh) {
  // ClassifierSuite "Directional Test: Increase / Decrease / High Metric / Low Metric".
  auto up = metric("m");
  up.direction = KayentaDirection::kIncrease;
  EXPECT_EQ(classify(up, kLowSeries, kHighSeries, 0.10, 0.95).label, KayentaLabel::kPass);
  EXPECT_EQ(classify(up, kHighSeries, kBaselineSeries, 0.10, 0.95).label, KayentaLabel::kHigh);
  auto down = metric("m");
  down.direction = KayentaDirection::kDecrease;
  EXPECT_EQ(classify(down, kHighSeries, kBaselineSeries, 0.10, 0.95).label, KayentaLabel::kPass);
  EXPECT_EQ(classify(down, kLowSeries, kHighSeries, 0.10, 0.95).label, KayentaLabel::kLow);
}

TEST(KayentaClassify, MeanRatioGateNeedsTheAllowedIncrease) {
  // The High series has mean ratio about 2.0 against the baseline: allowedIncrease 2.5 passes.
  auto m = metric("m");
  m.allowedIncrease = 2.5;
  const auto r = classify(m, kHighSeries, kBaselineSeries, 0.10, 0.95);
  EXPECT_NEAR(r.ratio, 2.0, 0.1);
  EXPECT_EQ(r.label, KayentaLabel::kPass);
  m.allowedIncrease = 1.5;
  EXPECT_EQ(classify(m, kHighSeries, kBaselineSeries, 0.10, 0.95).label, KayentaLabel::kHigh);
}

TEST(KayentaClassify, ClesGateUsesTheCommonLanguageEffectSize) {
  // Every canary point is above every baseline point: CLES = 1. allowedIncrease 0.8 -> High.
  auto m = metric("m");
  m.effectMeasure = KayentaEffectMeasure::kCles;
  m.allowedIncrease = 0.8;
  auto r = classify(m, kHighSeries, kBaselineSeries, 0.20, 0.98);
  EXPECT_DOUBLE_EQ(r.effectSize, 1.0);
  EXPECT_EQ(r.label, KayentaLabel::kHigh);
  EXPECT_NEAR(r.ratio, kayentaMeanRatio(kBaselineSeries, kHighSeries),
              1e-15);  // still the mean ratio
  // Unset gates default to 0.5 for cles.
  EXPECT_DOUBLE_EQ(metric("x").defaultEffect(), 1.0);
  EXPECT_DOUBLE_EQ(m.allowedDecreaseOrDefault(), 0.5);
}

TEST(KayentaClassify, NanEffectSkipsTheGate) {
  // Baseline mean 0 makes the mean ratio NaN: the gate is skipped and the rank test decides.
  auto m = metric("m");
  m.allowedIncrease = 100.0;
  const auto r = classify(m, {10, 11, 12, 13, 14, 15, 16, 17}, {-1, 1, -2, 2, -3, 3, -4, 4});
  EXPECT_TRUE(std::isnan(r.effectSize));
  EXPECT_EQ(r.label, KayentaLabel::kHigh);
}

TEST(KayentaClassify, CriticalHighWithDefaultGates) {
  // ClassifierSuite "Critical High (Default Thresholds)".
  auto m = metric("high-metric");
  m.critical = true;
  const auto r = classify(m, {20, 22, 21, 25, 30}, {1, 2.2, 1.1, 2.5, 3}, 0.10, 0.95);
  EXPECT_EQ(r.label, KayentaLabel::kHigh);
  EXPECT_TRUE(r.critical);
  EXPECT_EQ(r.reason, "The metric high-metric was classified as High (Critical)");
}

TEST(KayentaClassify, CriticalGateAboveTheRatioLeavesANonCriticalHigh) {
  // ClassifierSuite "Critical Effect Size: High": ratio 23.6 / 1.96 = 12.04 < 13.
  auto m = metric("m");
  m.critical = true;
  m.allowedIncrease = 5.0;
  m.criticalIncrease = 13.0;
  const auto r = classify(m, {20, 22, 21, 25, 30}, {1, 2.2, 1.1, 2.5, 3}, 0.10, 0.95);
  EXPECT_EQ(r.label, KayentaLabel::kHigh);
  EXPECT_FALSE(r.critical);
  // "Critical Effect Size: Critical Low": criticalDecrease 1.2 >= ratio 0.1.
  auto low = metric("m");
  low.critical = true;
  low.criticalDecrease = 1.2;
  const auto l = classify(low, {2, 2, 2, 2, 3}, {10, 20.2, 10.1, 20.5, 30}, 0.10, 0.95);
  EXPECT_EQ(l.label, KayentaLabel::kLow);
  EXPECT_TRUE(l.critical);
}

TEST(KayentaClassify, NonFiniteValuesAreAnError) {
  const auto r = classify(metric("m"), {1, 2, std::numeric_limits<double>::infinity()}, {1, 2, 4});
  EXPECT_EQ(r.label, KayentaLabel::kError);
  EXPECT_FALSE(r.critical);
  EXPECT_EQ(r.reason, "Metric Classification Failed");
}

TEST(KayentaClassify, OutlierRemovalRunsBeforeTheTest) {
  // One huge canary spike among equal series: with outliers removed the data are identical.
  auto m = metric("m");
  std::vector<double> base = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
  std::vector<double> canary = base;
  canary.push_back(1000.0);
  m.outlierStrategy = KayentaOutlierStrategy::kRemove;
  const auto r = classify(m, canary, base);
  EXPECT_EQ(r.reason, "The Canary and Baseline data are identical");
  EXPECT_EQ(r.experimentStats.count, 10);
}

// --- scoring (WeightedSumScorer, ThresholdScoreClassifier) ---------------------------------

TEST(KayentaScore, GroupScoreIsShareOfPassAmongCountedLabels) {
  // ScorerSuite: Pass -> 100; High -> 0; Pass+High -> 50; Pass+High+Low -> 33.33.
  const KayentaScoreThresholds t;
  EXPECT_EQ(scoreKayenta({labelled("a", KayentaLabel::kPass)}, {}, t).score, 100.0);
  EXPECT_EQ(scoreKayenta({labelled("a", KayentaLabel::kHigh)}, {}, t).score, 0.0);
  EXPECT_EQ(
      scoreKayenta({labelled("a", KayentaLabel::kPass), labelled("b", KayentaLabel::kHigh)}, {}, t)
          .score,
      50.0);
  EXPECT_EQ(scoreKayenta({labelled("a", KayentaLabel::kPass), labelled("b", KayentaLabel::kHigh),
                          labelled("c", KayentaLabel::kLow)},
                         {}, t)
                .score,
            33.33);
  // NodataFailMetric counts as a failure, Nodata and Error are left out.
  EXPECT_EQ(scoreKayenta(
                {labelled("a", KayentaLabel::kPass), labelled("b", KayentaLabel::kNodataFailMetric),
                 labelled("c", KayentaLabel::kError)},
                {}, t)
                .score,
            50.0);
}

TEST(KayentaScore, GroupWeightsAndSharedRemainder) {
  const KayentaScoreThresholds t;
  // ScorerSuite "Two Groups, Three Metrics": weights 75/25, group-2 fails -> 75.
  const std::vector<std::pair<std::string, double>> w = {{"group-1", 75.0}, {"group-2", 25.0}};
  EXPECT_EQ(scoreKayenta({labelled("a", KayentaLabel::kPass, {"group-1"}),
                          labelled("b", KayentaLabel::kPass, {"group-1"}),
                          labelled("c", KayentaLabel::kHigh, {"group-2"})},
                         w, t)
                .score,
            75.0);
  // By hand: weight 40 for g1; g2 and g3 share (100 - 40) / 2 = 30 each.
  // g1 100, g2 50, g3 0 -> 40 + 15 + 0 = 55.
  const auto j = scoreKayenta(
      {labelled("a", KayentaLabel::kPass, {"g1"}), labelled("b", KayentaLabel::kPass, {"g2"}),
       labelled("c", KayentaLabel::kHigh, {"g2"}), labelled("d", KayentaLabel::kLow, {"g3"})},
      {{"g1", 40.0}}, t);
  EXPECT_EQ(j.score, 55.0);
  ASSERT_EQ(j.groups.size(), 3u);
  EXPECT_EQ(j.groups[1].score, 50.0);
}

TEST(KayentaScore, WeightedGroupWithoutMetricsContributesZero) {
  // Weights {a: 50, b: 50}, only group a has metrics and all pass: 50, never 100.
  const auto j = scoreKayenta({labelled("x", KayentaLabel::kPass, {"a"})},
                              {{"a", 50.0}, {"b", 50.0}}, KayentaScoreThresholds{});
  EXPECT_EQ(j.score, 50.0);
  EXPECT_EQ(j.classification, KayentaScoreLabel::kMarginal);
}

TEST(KayentaScore, GroupWithOnlyNodataCountsAsFullMarks) {
  // ScorerSuite "Two Groups, one Pass, one Nodata": the nodata group scores 0 but counts 100.
  const auto j = scoreKayenta(
      {labelled("a", KayentaLabel::kPass, {"p"}), labelled("b", KayentaLabel::kPass, {"p"}),
       labelled("c", KayentaLabel::kNodata, {"n"})},
      {}, KayentaScoreThresholds{});
  EXPECT_EQ(j.score, 100.0);
  EXPECT_TRUE(j.groups[1].noData);
  EXPECT_EQ(j.groups[1].score, 0.0);
}

TEST(KayentaScore, CriticalFailureOverridesToZero) {
  // ScorerSuite "one good (normal), one fail (critical)".
  auto crit = labelled("b", KayentaLabel::kHigh, {"group"}, true);
  crit.reason = "The metric b was classified as High (Critical)";
  const auto j =
      scoreKayenta({labelled("a", KayentaLabel::kPass), crit}, {}, KayentaScoreThresholds{});
  EXPECT_EQ(j.score, 0.0);
  EXPECT_EQ(j.reason, "Canary Failed: The metric b was classified as High (Critical)");
  EXPECT_EQ(j.classification, KayentaScoreLabel::kFail);
  // A critical metric that passes does not trigger it ("one low (normal), one good (critical)").
  EXPECT_EQ(scoreKayenta({labelled("a", KayentaLabel::kLow),
                          labelled("b", KayentaLabel::kPass, {"group"}, true)},
                         {}, KayentaScoreThresholds{})
                .score,
            50.0);
}

TEST(KayentaScore, HalfOrMoreNodataOverridesToZero) {
  const KayentaScoreThresholds t;
  const auto two =
      scoreKayenta({labelled("a", KayentaLabel::kPass), labelled("b", KayentaLabel::kPass),
                    labelled("c", KayentaLabel::kNodata), labelled("d", KayentaLabel::kNodata)},
                   {}, t);
  EXPECT_EQ(two.score, 0.0);
  EXPECT_EQ(two.reason, "Canary Failed: 50% or more metrics returned NODATA");
  const auto one =
      scoreKayenta({labelled("a", KayentaLabel::kPass), labelled("b", KayentaLabel::kPass),
                    labelled("c", KayentaLabel::kPass), labelled("d", KayentaLabel::kNodata)},
                   {}, t);
  EXPECT_EQ(one.score, 100.0);
}

TEST(KayentaScore, MutedMetricsAreReportedButNotScored) {
  auto muted = labelled("b", KayentaLabel::kHigh);
  muted.muted = true;
  const auto j =
      scoreKayenta({labelled("a", KayentaLabel::kPass), muted}, {}, KayentaScoreThresholds{});
  EXPECT_EQ(j.score, 100.0);
  EXPECT_EQ(j.metrics.size(), 2u);
}

TEST(KayentaScore, RoundsHalfUpOnTheShortestDecimal) {
  // commons-math Precision.round goes through Double.toString: 2.675 -> 2.68 (the binary
  // value is 2.67499999...); 2/3 * 100 -> 66.67; 0.125 -> 0.13.
  EXPECT_EQ(kayentaRound(2.675, 2), 2.68);
  EXPECT_EQ(kayentaRound(200.0 / 3.0, 2), 66.67);
  EXPECT_EQ(kayentaRound(0.125, 2), 0.13);
  EXPECT_EQ(kayentaRound(99.994999, 2), 99.99);
  EXPECT_EQ(kayentaRound(99.995, 2), 100.0);
  EXPECT_EQ(kayentaRound(0.0, 2), 0.0);
  EXPECT_EQ(kayentaRound(1e-9, 2), 0.0);
}

TEST(KayentaScore, ThresholdClassificationIsInclusive) {
  const KayentaScoreThresholds t{75.0, 50.0};
  // 3 of 4 pass -> exactly 75 -> Pass: one non-critical failure among 4 metrics cannot fail.
  std::vector<KayentaMetricResult> four = {
      labelled("a", KayentaLabel::kPass), labelled("b", KayentaLabel::kPass),
      labelled("c", KayentaLabel::kPass), labelled("d", KayentaLabel::kHigh)};
  EXPECT_EQ(scoreKayenta(four, {}, t).classification, KayentaScoreLabel::kPass);
  four[2].label = KayentaLabel::kLow;  // 50 -> Marginal
  EXPECT_EQ(scoreKayenta(four, {}, t).classification, KayentaScoreLabel::kMarginal);
  four[1].label = KayentaLabel::kLow;  // 25 -> Fail
  EXPECT_EQ(scoreKayenta(four, {}, t).classification, KayentaScoreLabel::kFail);
}

TEST(KayentaJudge, JudgesEveryMetricWithItsConfigAndRejectsUnknownNames) {
  KayentaJudgeConfig cfg;
  cfg.metrics = {metric("latency"), metric("errors")};
  cfg.metrics[1].groups = {"errors"};
  std::string err;
  ASSERT_TRUE(cfg.isValid(&err)) << err;
  std::vector<KayentaMetricData> data = {{"latency", kHighSeries, kBaselineSeries},
                                         {"errors", kLowSeries, kLowSeries}};
  Rng rng(3);
  const auto j = judgeKayenta(cfg, data, rng);
  ASSERT_EQ(j.metrics.size(), 2u);
  EXPECT_EQ(j.metrics[0].label, KayentaLabel::kHigh);
  EXPECT_EQ(j.metrics[1].label, KayentaLabel::kPass);
  // Two groups, 50 each: 0 and 100 -> 50 -> Marginal at 75/50.
  EXPECT_EQ(j.score, 50.0);
  EXPECT_EQ(j.classification, KayentaScoreLabel::kMarginal);
  data.push_back({"cpu", {1}, {2}});
  EXPECT_THROW(judgeKayenta(cfg, data, rng), rolloutlab::core::InputError);
}

TEST(KayentaJudge, ConfigValidationNamesTheField) {
  KayentaJudgeConfig cfg;
  cfg.metrics = {metric("a")};
  cfg.metrics[0].outlierFactor = 0.0;
  std::string err;
  EXPECT_FALSE(cfg.isValid(&err));
  EXPECT_EQ(err, "metrics[a].outliers.outlierFactor = 0: must be greater than zero");
  cfg.metrics[0].outlierFactor = 3.0;
  cfg.thresholds = {50.0, 75.0};
  EXPECT_FALSE(cfg.isValid(&err));
  EXPECT_EQ(err, "classifier.scoreThresholds.marginal = 75: must be in [0, pass]");
}

TEST(KayentaParse, UnknownStringsFallBackLikeKayenta) {
  EXPECT_EQ(kayentaDirectionFromString("sideways"), KayentaDirection::kEither);
  EXPECT_EQ(kayentaDirectionFromString("increase"), KayentaDirection::kIncrease);
  EXPECT_EQ(kayentaNanStrategyFromString("none"), KayentaNanStrategy::kRemove);
  EXPECT_EQ(kayentaNanStrategyFromString("replace"), KayentaNanStrategy::kReplace);
  EXPECT_EQ(kayentaOutlierStrategyFromString("none"), KayentaOutlierStrategy::kKeep);
  EXPECT_EQ(kayentaEffectMeasureFromString("cles"), KayentaEffectMeasure::kCles);
  EXPECT_EQ(kayentaEffectMeasureFromString("cohen"), KayentaEffectMeasure::kMeanRatio);
}
