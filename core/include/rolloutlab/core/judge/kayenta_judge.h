#pragma once
/// A reproduction of Kayenta's NetflixACAJudge-v1.0 (spinnaker/kayenta, kayenta-judge and
/// kayenta-mannwhitney): per-metric preprocessing, the Mann-Whitney classifier, the weighted
/// group scorer and the pass/marginal score classifier, rule for rule.
///
/// One documented deviation: when canary and baseline each hold a single distinct value,
/// Kayenta adds Gaussian noise from an unseeded generator (MannWhitneyClassifier
/// .addGaussianNoise); here the noise comes from the caller's Rng, so results are
/// reproducible. The formulas of each rule are in docs/statistics-sequential.md.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rolloutlab/core/rng.h"

namespace rolloutlab::core::judge {

/// analysisConfigurations.canary.direction (BaseMetricClassifier.scala, MetricDirection).
enum class KayentaDirection {
  kIncrease,  ///< only an increase of the canary is a failure
  kDecrease,  ///< only a decrease of the canary is a failure
  kEither,    ///< both are failures
};
/// analysisConfigurations.canary.nanStrategy (NaNStrategy).
enum class KayentaNanStrategy {
  kRemove,   ///< NaN points are dropped
  kReplace,  ///< NaN points become 0.0
};
/// analysisConfigurations.canary.outliers.strategy (OutlierStrategy).
enum class KayentaOutlierStrategy {
  kKeep,    ///< no outlier removal
  kRemove,  ///< IQR outlier removal with reduced sensitivity
};
/// analysisConfigurations.canary.effectSize.measure.
enum class KayentaEffectMeasure {
  kMeanRatio,  ///< mean(canary) / mean(baseline)
  kCles,       ///< common-language effect size P(canary > baseline) + P(tie)/2
};
/// Metric classification labels (BaseMetricClassifier.scala).
enum class KayentaLabel {
  kPass,              ///< no significant difference (or not large enough)
  kHigh,              ///< canary significantly higher
  kLow,               ///< canary significantly lower
  kNodataFailMetric,  ///< data missing on a mustHaveData metric: counts as a failure
  kNodata,            ///< data missing: left out of the group score
  kError,             ///< the classifier failed (all observations tied in the rank test)
};
/// Summary score classification (ThresholdScoreClassifier.scala).
enum class KayentaScoreLabel {
  kPass,      ///< score >= pass
  kMarginal,  ///< marginal <= score < pass
  kFail,      ///< score < marginal
};

const char* toString(KayentaDirection d);
const char* toString(KayentaNanStrategy s);
const char* toString(KayentaOutlierStrategy s);
const char* toString(KayentaEffectMeasure m);
const char* toString(KayentaLabel l);
const char* toString(KayentaScoreLabel l);

/// Kayenta's parsers: an unknown string falls back to the default (either / remove / keep),
/// exactly as MetricDirection.parse etc. do. Strict front ends check the spelling first.
KayentaDirection kayentaDirectionFromString(std::string_view s);
KayentaNanStrategy kayentaNanStrategyFromString(std::string_view s);
KayentaOutlierStrategy kayentaOutlierStrategyFromString(std::string_view s);
/// "cles" is CLES; anything else is the mean ratio (NetflixACAJudge.classifyMetric).
KayentaEffectMeasure kayentaEffectMeasureFromString(std::string_view s);

/// One metric's canary settings (analysisConfigurations.canary.*), Kayenta's defaults.
struct KayentaMetricConfig {
  std::string name;
  std::vector<std::string> groups;
  KayentaDirection direction = KayentaDirection::kEither;
  KayentaNanStrategy nanStrategy = KayentaNanStrategy::kRemove;
  KayentaOutlierStrategy outlierStrategy = KayentaOutlierStrategy::kKeep;
  double outlierFactor = 3.0;  ///< IQR multiplier (> 0)
  bool critical = false;
  bool mustHaveData = false;
  bool muted = false;
  KayentaEffectMeasure effectMeasure = KayentaEffectMeasure::kMeanRatio;
  /// Effect-size gates; unset means 1.0 for meanRatio and 0.5 for cles.
  std::optional<double> allowedIncrease;
  std::optional<double> allowedDecrease;
  std::optional<double> criticalIncrease;
  std::optional<double> criticalDecrease;

  double defaultEffect() const { return effectMeasure == KayentaEffectMeasure::kCles ? 0.5 : 1.0; }
  double allowedIncreaseOrDefault() const { return allowedIncrease.value_or(defaultEffect()); }
  double allowedDecreaseOrDefault() const { return allowedDecrease.value_or(defaultEffect()); }
  double criticalIncreaseOrDefault() const { return criticalIncrease.value_or(defaultEffect()); }
  double criticalDecreaseOrDefault() const { return criticalDecrease.value_or(defaultEffect()); }
  bool isValid(std::string* error) const;
};

/// Score thresholds (CanaryClassifierThresholdsConfig); the documented examples are 75 / 50.
struct KayentaScoreThresholds {
  double pass = 75.0;      ///< percent, 0-100
  double marginal = 50.0;  ///< percent, 0-100, <= pass
};

/// A canary config subset: metrics, group weights and score thresholds, plus the two
/// constants NetflixACAJudge hard-codes (tolerance 0.25, confidence level 0.98).
struct KayentaJudgeConfig {
  std::vector<KayentaMetricConfig> metrics;
  /// classifier.groupWeights in the order written (percent; missing groups share the rest).
  std::vector<std::pair<std::string, double>> groupWeights;
  KayentaScoreThresholds thresholds;
  double tolerance = 0.25;        ///< tolerance band = tolerance * |estimate|
  double confidenceLevel = 0.98;  ///< Mann-Whitney interval level

  const KayentaMetricConfig* findMetric(std::string_view name) const;
  bool isValid(std::string* error) const;
};

/// count, mean, std (n - 1), min, max after preprocessing (DescriptiveStatistics.summary):
/// all 0 for an empty series.
struct KayentaStats {
  std::int64_t count = 0;
  double mean = 0.0;
  double std = 0.0;
  double min = 0.0;
  double max = 0.0;
};

/// The Mann-Whitney interval and estimate for the shift experiment - control.
struct KayentaMannWhitney {
  double lower = 0.0;
  double upper = 0.0;
  double estimate = 0.0;
};

/// commons-math Mean (sum / n plus the mean-deviation correction); NaN when empty.
double kayentaMean(std::span<const double> xs);
/// commons-math bias-corrected Variance (0 for one value, NaN when empty).
double kayentaVariance(std::span<const double> xs);
/// commons-math Percentile with EstimationType.R_7, p in (0, 100]; NaN when empty.
double kayentaPercentile(std::span<const double> xs, double p);
/// IQRDetector.detect: true marks an outlier. reduceSensitivity widens the fences to
/// min(P1, Q1 - f IQR) and max(P99, Q3 + f IQR); points strictly outside are outliers.
std::vector<bool> kayentaIqrOutliers(std::span<const double> xs, double factor,
                                     bool reduceSensitivity);
/// NaN handling then outlier removal (NetflixACAJudge.transformMetric).
std::vector<double> kayentaTransform(std::span<const double> xs, KayentaNanStrategy nan,
                                     KayentaOutlierStrategy outliers, double outlierFactor);
KayentaStats kayentaSummary(std::span<const double> xs);
/// EffectSizes.meanRatio: mean(experiment) / mean(control), NaN if either mean is 0.
double kayentaMeanRatio(std::span<const double> control, std::span<const double> experiment);
/// EffectSizes.cles from the rank sum of the experiment (average ranks for ties).
double kayentaCles(std::span<const double> control, std::span<const double> experiment);

/// MannWhitney.wilcoxonDiff: the continuity-corrected, tie-corrected standardized rank-sum of
/// (x - mu) against y, minus `quantile`. Throws std::domain_error when sigma is 0.
double kayentaWilcoxonDiff(double mu, double quantile, std::span<const double> x,
                           std::span<const double> y);
/// BrentSolver.solve: zeroin on [ax, bx] with absolute tolerance 1e-4 and at most 1000 steps.
double kayentaBrent(double ax, double bx, double fa, double fb,
                    const std::function<double(double)>& f);
/// MannWhitney.mannWhitneyUTest(x = experiment, y = control, level): the interval ends are
/// the roots at -/+ z_{alpha/2}, each clamped to [min x - max y, max x - min y]; the
/// estimate is the root at 0 with the continuity correction kept (R drops it there).
KayentaMannWhitney kayentaMannWhitney(std::span<const double> experiment,
                                      std::span<const double> control, double confidenceLevel);

/// One metric's result (CanaryAnalysisResult fields that the judge fills in).
struct KayentaMetricResult {
  std::string name;
  std::vector<std::string> groups;
  KayentaLabel label = KayentaLabel::kPass;
  std::string reason;  ///< empty when Kayenta reports none
  bool critical = false;
  bool muted = false;
  double ratio = 1.0;  ///< resultMetadata.ratio: the mean ratio (NaN if a mean is 0)
  /// The interval, estimate, band and effect size when the rank test ran.
  std::optional<KayentaMannWhitney> interval;
  double lowerBound = 0.0;  ///< -tolerance |estimate|
  double upperBound = 0.0;  ///< +tolerance |estimate|
  double effectSize = 1.0;  ///< mean ratio or CLES, as configured
  KayentaStats experimentStats;
  KayentaStats controlStats;
};

/// MannWhitneyClassifier.classify after NetflixACAJudge.transformMetric. `rng` feeds the noise
/// added to one-distinct-value samples. Never throws on data: a failure becomes kError.
KayentaMetricResult classifyKayentaMetric(const KayentaMetricConfig& config,
                                          std::span<const double> experiment,
                                          std::span<const double> control, Rng& rng,
                                          double tolerance = 0.25, double confidenceLevel = 0.98);

struct KayentaGroupScore {
  std::string name;
  double score = 0.0;  ///< percent; 0 with noData
  bool noData = false;
};

/// The judge's result for one analysis window.
struct KayentaJudgment {
  std::vector<KayentaMetricResult> metrics;  ///< in input order, muted ones included
  std::vector<KayentaGroupScore> groups;     ///< in order of first appearance
  double score = 0.0;                        ///< summary score, rounded to 2 decimals
  KayentaScoreLabel classification = KayentaScoreLabel::kFail;
  std::string reason;  ///< why an override applied, else empty
};

/// WeightedSumScorer.score + ThresholdScoreClassifier.classify over classified metrics.
KayentaJudgment scoreKayenta(std::vector<KayentaMetricResult> results,
                             const std::vector<std::pair<std::string, double>>& groupWeights,
                             const KayentaScoreThresholds& thresholds);

/// The experiment (canary) and control (baseline) series of one metric for one window.
struct KayentaMetricData {
  std::string name;
  std::vector<double> experiment;
  std::vector<double> control;
};

/// NetflixACAJudge.judge: classify every metric in `data` with its config, then score.
/// Throws InputError when a metric has no config (Kayenta: IllegalArgumentException).
KayentaJudgment judgeKayenta(const KayentaJudgeConfig& config,
                             std::span<const KayentaMetricData> data, Rng& rng);

/// Precision.round(x, 2) as commons-math does it: the shortest decimal form of x rounded
/// half-up (away from zero) to `decimals` places.
double kayentaRound(double x, int decimals);

}  // namespace rolloutlab::core::judge
