#include "rolloutlab/core/judge/kayenta_judge.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

#include "judge_util.h"
#include "rolloutlab/core/diagnostics.h"
#include "stats/r_zeroin.h"

namespace rolloutlab::core::judge {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// commons-math Precision.equals(x, 0.0): within one ulp of zero.
bool isZeroUlp(double x) { return std::abs(x) <= std::numeric_limits<double>::denorm_min(); }

double signum(double x) { return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : 0.0); }

std::vector<double> sorted(std::span<const double> xs) {
  std::vector<double> v(xs.begin(), xs.end());
  std::sort(v.begin(), v.end());
  return v;
}

std::size_t distinctCount(std::span<const double> xs) {
  auto v = sorted(xs);
  return static_cast<std::size_t>(std::unique(v.begin(), v.end()) - v.begin());
}

// Average ranks (1-based, ties share the mean of their positions): NaturalRanking with
// TiesStrategy.AVERAGE. Inputs are finite here.
std::vector<double> averageRanks(std::span<const double> xs) {
  const std::size_t n = xs.size();
  std::vector<std::size_t> idx(n);
  for (std::size_t i = 0; i < n; ++i) idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(),
                   [&](std::size_t a, std::size_t b) { return xs[a] < xs[b]; });
  std::vector<double> ranks(n);
  std::size_t i = 0;
  while (i < n) {
    std::size_t j = i + 1;
    while (j < n && xs[idx[j]] == xs[idx[i]]) ++j;
    const double r = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k) ranks[idx[k]] = r;
    i = j;
  }
  return ranks;
}

bool allFinite(std::span<const double> xs) {
  return std::all_of(xs.begin(), xs.end(), [](double x) { return std::isfinite(x); });
}

}  // namespace

const char* toString(KayentaDirection d) {
  switch (d) {
    case KayentaDirection::kIncrease:
      return "increase";
    case KayentaDirection::kDecrease:
      return "decrease";
    case KayentaDirection::kEither:
      return "either";
  }
  return "either";
}
const char* toString(KayentaNanStrategy s) {
  return s == KayentaNanStrategy::kReplace ? "replace" : "remove";
}
const char* toString(KayentaOutlierStrategy s) {
  return s == KayentaOutlierStrategy::kRemove ? "remove" : "keep";
}
const char* toString(KayentaEffectMeasure m) {
  return m == KayentaEffectMeasure::kCles ? "cles" : "meanRatio";
}
const char* toString(KayentaLabel l) {
  switch (l) {
    case KayentaLabel::kPass:
      return "Pass";
    case KayentaLabel::kHigh:
      return "High";
    case KayentaLabel::kLow:
      return "Low";
    case KayentaLabel::kNodataFailMetric:
      return "NodataFailMetric";
    case KayentaLabel::kNodata:
      return "Nodata";
    case KayentaLabel::kError:
      return "Error";
  }
  return "Error";
}
const char* toString(KayentaScoreLabel l) {
  switch (l) {
    case KayentaScoreLabel::kPass:
      return "Pass";
    case KayentaScoreLabel::kMarginal:
      return "Marginal";
    case KayentaScoreLabel::kFail:
      return "Fail";
  }
  return "Fail";
}

KayentaDirection kayentaDirectionFromString(std::string_view s) {
  if (s == "increase") return KayentaDirection::kIncrease;
  if (s == "decrease") return KayentaDirection::kDecrease;
  return KayentaDirection::kEither;
}
KayentaNanStrategy kayentaNanStrategyFromString(std::string_view s) {
  return s == "replace" ? KayentaNanStrategy::kReplace : KayentaNanStrategy::kRemove;
}
KayentaOutlierStrategy kayentaOutlierStrategyFromString(std::string_view s) {
  return s == "remove" ? KayentaOutlierStrategy::kRemove : KayentaOutlierStrategy::kKeep;
}
KayentaEffectMeasure kayentaEffectMeasureFromString(std::string_view s) {
  return s == "cles" ? KayentaEffectMeasure::kCles : KayentaEffectMeasure::kMeanRatio;
}

bool KayentaMetricConfig::isValid(std::string* error) const {
  const std::string at = "metrics[" + name + "].";
  if (name.empty()) return detail::fail(error, "metrics[].name", "\"\"", "must not be empty");
  if (!(outlierFactor > 0.0) || !std::isfinite(outlierFactor))
    return detail::failDouble(error, at + "outliers.outlierFactor", outlierFactor,
                              "must be greater than zero");
  const std::pair<const char*, const std::optional<double>*> gates[] = {
      {"allowedIncrease", &allowedIncrease},
      {"allowedDecrease", &allowedDecrease},
      {"criticalIncrease", &criticalIncrease},
      {"criticalDecrease", &criticalDecrease}};
  for (const auto& [field, value] : gates) {
    if (value->has_value() && !std::isfinite(**value))
      return detail::failDouble(error, at + "effectSize." + field, **value, "must be finite");
  }
  return true;
}

const KayentaMetricConfig* KayentaJudgeConfig::findMetric(std::string_view name) const {
  for (const auto& m : metrics)
    if (m.name == name) return &m;
  return nullptr;
}

bool KayentaJudgeConfig::isValid(std::string* error) const {
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    if (!metrics[i].isValid(error)) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (metrics[j].name == metrics[i].name)
        return detail::fail(error, "metrics[" + std::to_string(i) + "].name",
                            quoted(metrics[i].name), "duplicate metric name");
  }
  for (const auto& [group, w] : groupWeights) {
    if (!(w >= 0.0) || !std::isfinite(w))
      return detail::failDouble(error, "classifier.groupWeights." + group, w,
                                "must be a finite number >= 0");
  }
  if (!(thresholds.pass >= 0.0 && thresholds.pass <= 100.0))
    return detail::failDouble(error, "classifier.scoreThresholds.pass", thresholds.pass,
                              "must be in [0, 100]");
  if (!(thresholds.marginal >= 0.0 && thresholds.marginal <= thresholds.pass))
    return detail::failDouble(error, "classifier.scoreThresholds.marginal", thresholds.marginal,
                              "must be in [0, pass]");
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance))
    return detail::failDouble(error, "tolerance", tolerance, "must be a finite number >= 0");
  if (!(confidenceLevel > 0.0 && confidenceLevel < 1.0))
    return detail::failDouble(error, "confidenceLevel", confidenceLevel, "must be in (0, 1)");
  return true;
}

// --- descriptive statistics (J/stats/DescriptiveStatistics.scala via commons-math) ---------

double kayentaMean(std::span<const double> xs) {
  if (xs.empty()) return kNaN;
  const double n = static_cast<double>(xs.size());
  double sum = 0.0;
  for (double x : xs) sum += x;
  const double xbar = sum / n;
  double correction = 0.0;
  for (double x : xs) correction += x - xbar;
  return xbar + correction / n;
}

double kayentaVariance(std::span<const double> xs) {
  if (xs.empty()) return kNaN;
  if (xs.size() == 1) return 0.0;
  const double m = kayentaMean(xs);
  double accum = 0.0, accum2 = 0.0;
  for (double x : xs) {
    const double dev = x - m;
    accum += dev * dev;
    accum2 += dev;
  }
  const double len = static_cast<double>(xs.size());
  return (accum - (accum2 * accum2 / len)) / (len - 1.0);
}

double kayentaPercentile(std::span<const double> xs, double p) {
  if (xs.empty() || !(p > 0.0 && p <= 100.0)) return kNaN;
  if (xs.size() == 1) return xs[0];
  const auto v = sorted(xs);
  const int n = static_cast<int>(v.size());
  const double q = p / 100.0;
  const double pos = q == 0.0 ? 0.0 : (q == 1.0 ? static_cast<double>(n) : 1.0 + (n - 1) * q);
  const double fpos = std::floor(pos);
  const int intPos = static_cast<int>(fpos);
  const double dif = pos - fpos;
  if (pos < 1.0) return v[0];
  if (pos >= n) return v[static_cast<std::size_t>(n - 1)];
  const double lower = v[static_cast<std::size_t>(intPos - 1)];
  const double upper = v[static_cast<std::size_t>(intPos)];
  return lower + dif * (upper - lower);
}

std::vector<bool> kayentaIqrOutliers(std::span<const double> xs, double factor,
                                     bool reduceSensitivity) {
  std::vector<bool> out(xs.size(), false);
  if (xs.empty()) return out;
  // IQRDetector.calculateIQR
  const double p75 = kayentaPercentile(xs, 75);
  const double p25 = kayentaPercentile(xs, 25);
  const double iqr = p75 - p25;
  double lowerFence = p25 - factor * iqr;
  double upperFence = p75 + factor * iqr;
  if (reduceSensitivity) {
    lowerFence = std::min(kayentaPercentile(xs, 1), lowerFence);
    upperFence = std::max(kayentaPercentile(xs, 99), upperFence);
  }
  for (std::size_t i = 0; i < xs.size(); ++i) out[i] = xs[i] > upperFence || xs[i] < lowerFence;
  return out;
}

std::vector<double> kayentaTransform(std::span<const double> xs, KayentaNanStrategy nan,
                                     KayentaOutlierStrategy outliers, double outlierFactor) {
  std::vector<double> v;
  v.reserve(xs.size());
  for (double x : xs) {
    if (std::isnan(x)) {
      if (nan == KayentaNanStrategy::kReplace) v.push_back(0.0);
    } else {
      v.push_back(x);
    }
  }
  if (outliers != KayentaOutlierStrategy::kRemove) return v;
  const auto flags = kayentaIqrOutliers(v, outlierFactor, /*reduceSensitivity=*/true);
  std::vector<double> kept;
  kept.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!flags[i]) kept.push_back(v[i]);
  return kept;
}

KayentaStats kayentaSummary(std::span<const double> xs) {
  KayentaStats s;
  s.count = static_cast<std::int64_t>(xs.size());
  if (xs.empty()) return s;
  s.mean = kayentaMean(xs);
  s.std = std::sqrt(kayentaVariance(xs));
  s.min = *std::min_element(xs.begin(), xs.end());
  s.max = *std::max_element(xs.begin(), xs.end());
  return s;
}

double kayentaMeanRatio(std::span<const double> control, std::span<const double> experiment) {
  const double c = kayentaMean(control);
  const double e = kayentaMean(experiment);
  if (c == 0.0 || e == 0.0) return kNaN;
  return e / c;
}

double kayentaCles(std::span<const double> control, std::span<const double> experiment) {
  std::vector<double> all(experiment.begin(), experiment.end());
  all.insert(all.end(), control.begin(), control.end());
  const auto ranks = averageRanks(all);
  const double m = static_cast<double>(experiment.size());
  const double n = static_cast<double>(control.size());
  double r1 = 0.0;
  for (std::size_t i = 0; i < experiment.size(); ++i) r1 += ranks[i];
  // Kayenta evaluates m(m+1) and 2nm in 32-bit integers; doubles here (same value below 2^31).
  return (2.0 * r1 - m * (m + 1.0)) / (2.0 * n * m);
}

// --- Mann-Whitney (MW/scala/.../MannWhitney.scala, MW/java/.../BrentSolver.java) ----------

double kayentaWilcoxonDiff(double mu, double quantile, std::span<const double> x,
                           std::span<const double> y) {
  // Rank (x - mu) ++ y with average ranks; the rank sum of x, the tie groups' t^3 - t.
  const auto xs = sorted(x);
  const auto ys = sorted(y);
  const std::size_t nx = xs.size(), ny = ys.size();
  std::vector<double> xm(nx);
  for (std::size_t i = 0; i < nx; ++i) xm[i] = xs[i] - mu;
  double rankSumX = 0.0;
  double ties = 0.0;
  std::size_t i = 0, j = 0, pos = 0;
  while (i < nx || j < ny) {
    const double v = (j >= ny || (i < nx && xm[i] <= ys[j])) ? xm[i] : ys[j];
    std::size_t cx = 0, cy = 0;
    while (i < nx && xm[i] == v) ++i, ++cx;
    while (j < ny && ys[j] == v) ++j, ++cy;
    const std::size_t t = cx + cy;
    const double avg = (static_cast<double>(pos + 1) + static_cast<double>(pos + t)) / 2.0;
    rankSumX += static_cast<double>(cx) * avg;
    const double td = static_cast<double>(t);
    ties += std::pow(td, 3) - td;
    pos += t;
  }
  const double xLen = static_cast<double>(nx);
  const double yLen = static_cast<double>(ny);
  const double dz = rankSumX - xLen * (xLen + 1) / 2 - xLen * yLen / 2;
  const double correction = signum(dz) * 0.5;
  const double sigma = std::sqrt((xLen * yLen / 12) *
                                 ((xLen + yLen + 1) - ties / ((xLen + yLen) * (xLen + yLen - 1))));
  if (sigma == 0.0)
    throw std::domain_error("cannot compute confidence interval when all observations are tied");
  return (dz - correction) / sigma - quantile;
}

// Kayenta's Brent solver: R's zeroin iteration (stats/r_zeroin.h) at tolerance 1e-4 and at
// most 1000 iterations, a root found exactly when |f| is within one ulp of 0.
double kayentaBrent(double ax, double bx, double fa, double fb,
                    const std::function<double(double)>& f) {
  return stats::detail::rZeroin2(ax, bx, fa, fb, f, 1e-4, 1000, isZeroUlp).root;
}

KayentaMannWhitney kayentaMannWhitney(std::span<const double> experiment,
                                      std::span<const double> control, double confidenceLevel) {
  if (experiment.empty() || control.empty())
    throw std::domain_error("Mann-Whitney needs data in both samples");
  const auto& x = experiment;
  const auto& y = control;
  const double alpha = 1.0 - confidenceLevel;
  const double muMin =
      *std::min_element(x.begin(), x.end()) - *std::max_element(y.begin(), y.end());
  const double muMax =
      *std::max_element(x.begin(), x.end()) - *std::min_element(y.begin(), y.end());
  auto findRoot = [&](double zq) {
    const double fLower = kayentaWilcoxonDiff(muMin, zq, x, y);
    const double fUpper = kayentaWilcoxonDiff(muMax, zq, x, y);
    if (fLower <= 0) return muMin;
    if (fUpper >= 0) return muMax;
    return kayentaBrent(muMin, muMax, fLower, fUpper,
                        [&](double d) { return kayentaWilcoxonDiff(d, zq, x, y); });
  };
  const double zQuant =
      boost::math::quantile(boost::math::normal_distribution<double>(0.0, 1.0), alpha / 2);
  KayentaMannWhitney r;
  r.lower = findRoot(-zQuant);
  r.upper = findRoot(zQuant);
  const double fLower = kayentaWilcoxonDiff(muMin, 0, x, y);
  const double fUpper = kayentaWilcoxonDiff(muMax, 0, x, y);
  r.estimate = kayentaBrent(muMin, muMax, fLower, fUpper,
                            [&](double d) { return kayentaWilcoxonDiff(d, 0, x, y); });
  return r;
}

// --- classification (J/classifiers/metric/MannWhitneyClassifier.scala) --------------------

KayentaMetricResult classifyKayentaMetric(const KayentaMetricConfig& config,
                                          std::span<const double> experimentIn,
                                          std::span<const double> controlIn, Rng& rng,
                                          double tolerance, double confidenceLevel) {
  KayentaMetricResult r;
  r.name = config.name;
  r.groups = config.groups;
  r.muted = config.muted;
  auto experiment = kayentaTransform(experimentIn, config.nanStrategy, config.outlierStrategy,
                                     config.outlierFactor);
  auto control =
      kayentaTransform(controlIn, config.nanStrategy, config.outlierStrategy, config.outlierFactor);
  r.experimentStats = kayentaSummary(experiment);
  r.controlStats = kayentaSummary(control);

  // 1. Missing data.
  if (experiment.empty() || control.empty()) {
    r.ratio = 1.0;
    if (config.nanStrategy == KayentaNanStrategy::kRemove) {
      r.reason = "Missing data for " + config.name;
      if (config.mustHaveData && !config.critical) {
        r.label = KayentaLabel::kNodataFailMetric;
        r.critical = false;
      } else {
        r.label = KayentaLabel::kNodata;
        r.critical = config.critical;
      }
    } else {
      r.label = KayentaLabel::kPass;
    }
    return r;
  }
  // 2. Identical data.
  if (sorted(experiment) == sorted(control)) {
    r.label = KayentaLabel::kPass;
    r.reason = "The Canary and Baseline data are identical";
    r.ratio = 1.0;
    return r;
  }
  // 3. A single distinct value over both samples.
  {
    std::vector<double> all(experiment);
    all.insert(all.end(), control.begin(), control.end());
    if (distinctCount(all) == 1) {
      r.label = KayentaLabel::kPass;
      r.ratio = 1.0;
      return r;
    }
  }
  // Infinite values make Kayenta's rank arithmetic meaningless; report them as an error.
  if (!allFinite(experiment) || !allFinite(control)) {
    r.label = KayentaLabel::kError;
    r.reason = "Metric Classification Failed";
    r.ratio = kNaN;
    return r;
  }
  // 4. Mann-Whitney with the tolerance band and the effect-size gates.
  if (distinctCount(experiment) == 1 && distinctCount(control) == 1) {
    // MannWhitneyClassifier.addGaussianNoise: sd = value * 1e-5, experiment first.
    for (auto* v : {&experiment, &control}) {
      const double scale = v->front() * 1e-5;
      for (double& x : *v) x = x + (rng.normal() * scale + 0.0);
    }
  }
  KayentaMannWhitney mw;
  try {
    mw = kayentaMannWhitney(experiment, control, confidenceLevel);
  } catch (const std::domain_error&) {
    // NetflixACAJudge.classifyMetric catches the exception: Error, not critical, no ratio.
    r.label = KayentaLabel::kError;
    r.reason = "Metric Classification Failed";
    r.ratio = kNaN;
    return r;
  }
  r.interval = mw;
  const double critical = tolerance * std::abs(mw.estimate);
  r.lowerBound = -1 * critical;
  r.upperBound = critical;
  r.ratio = kayentaMeanRatio(control, experiment);
  r.effectSize = config.effectMeasure == KayentaEffectMeasure::kCles
                     ? kayentaCles(control, experiment)
                     : kayentaMeanRatio(control, experiment);
  const double effect = r.effectSize;
  const bool isHigh = (config.direction == KayentaDirection::kIncrease ||
                       config.direction == KayentaDirection::kEither) &&
                      mw.lower > r.upperBound &&
                      (std::isnan(effect) || effect >= config.allowedIncreaseOrDefault());
  const bool isLow = (config.direction == KayentaDirection::kDecrease ||
                      config.direction == KayentaDirection::kEither) &&
                     mw.upper < r.lowerBound &&
                     (std::isnan(effect) || effect <= config.allowedDecreaseOrDefault());
  if (isHigh) {
    r.label = KayentaLabel::kHigh;
    r.reason = config.name + " was classified as High";
  } else if (isLow) {
    r.label = KayentaLabel::kLow;
    r.reason = config.name + " was classified as Low";
  } else {
    r.label = KayentaLabel::kPass;
  }
  // 5. Critical gates.
  if (config.critical && r.label == KayentaLabel::kHigh &&
      (std::isnan(effect) || effect >= config.criticalIncreaseOrDefault())) {
    r.critical = true;
    r.reason = "The metric " + config.name + " was classified as High (Critical)";
  } else if (config.critical && r.label == KayentaLabel::kLow &&
             (std::isnan(effect) || effect <= config.criticalDecreaseOrDefault())) {
    r.critical = true;
    r.reason = "The metric " + config.name + " was classified as Low (Critical)";
  }
  return r;
}

// --- scoring (J/scorers/WeightedSumScorer.scala, J/classifiers/score/...) -----------------

double kayentaRound(double x, int decimals) {
  if (!std::isfinite(x)) return x;
  // Shortest decimal digits of x, then half-up rounding on the decimal string.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  const bool negative = s[0] == '-';
  if (negative) s.erase(0, 1);
  const auto ePos = s.find('e');
  const int exponent = std::atoi(s.c_str() + ePos + 1);
  std::string digits;
  for (std::size_t k = 0; k < ePos; ++k)
    if (s[k] != '.') digits += s[k];
  // value = 0.digits * 10^(exponent + 1); keep (exponent + 1 + decimals) digits.
  const int keep = exponent + 1 + decimals;
  if (keep < 0) return negative ? -0.0 : 0.0;
  std::string kept = digits.substr(0, std::min<std::size_t>(digits.size(), keep));
  while (static_cast<int>(kept.size()) < keep) kept += '0';
  bool roundUp =
      keep < static_cast<int>(digits.size()) && digits[static_cast<std::size_t>(keep)] >= '5';
  std::string number = kept.empty() ? "0" : kept;
  if (roundUp) {
    int k = static_cast<int>(number.size()) - 1;
    while (k >= 0 && number[static_cast<std::size_t>(k)] == '9')
      number[static_cast<std::size_t>(k--)] = '0';
    if (k < 0) {
      number.insert(number.begin(), '1');
    } else {
      ++number[static_cast<std::size_t>(k)];
    }
  }
  const std::string text = (negative ? "-" : "") + number + "e-" + std::to_string(decimals);
  double out = 0.0;
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out;
}

KayentaJudgment scoreKayenta(std::vector<KayentaMetricResult> results,
                             const std::vector<std::pair<std::string, double>>& groupWeights,
                             const KayentaScoreThresholds& thresholds) {
  KayentaJudgment j;
  j.metrics = std::move(results);
  std::vector<const KayentaMetricResult*> active;
  for (const auto& m : j.metrics)
    if (!m.muted) active.push_back(&m);

  // Group scores: 100 * #Pass / (#Pass + #High + #Low + #NodataFailMetric).
  struct Tally {
    int pass = 0, counted = 0;
  };
  std::vector<std::pair<std::string, Tally>> tallies;
  for (const auto* m : active) {
    for (const auto& g : m->groups) {
      auto it =
          std::find_if(tallies.begin(), tallies.end(), [&](const auto& t) { return t.first == g; });
      if (it == tallies.end()) {
        tallies.push_back({g, {}});
        it = tallies.end() - 1;
      }
      switch (m->label) {
        case KayentaLabel::kPass:
          ++it->second.pass;
          ++it->second.counted;
          break;
        case KayentaLabel::kHigh:
        case KayentaLabel::kLow:
        case KayentaLabel::kNodataFailMetric:
          ++it->second.counted;
          break;
        default:
          break;
      }
    }
  }
  for (const auto& [name, t] : tallies) {
    KayentaGroupScore g;
    g.name = name;
    g.noData = t.counted == 0;
    g.score = g.noData ? 0.0 : (t.pass / static_cast<double>(t.counted)) * 100;
    j.groups.push_back(g);
  }

  // Overrides: a critical metric that did not pass, then >= 50% Nodata.
  const KayentaMetricResult* criticalFailure = nullptr;
  for (const auto* m : active)
    if (m->critical && m->label != KayentaLabel::kPass) {
      criticalFailure = m;
      break;
    }
  std::size_t nodata = 0;
  for (const auto* m : active) nodata += m->label == KayentaLabel::kNodata;
  const double nodataPercent =
      static_cast<double>(nodata) / static_cast<double>(active.size()) * 100;
  if (criticalFailure) {
    j.score = 0.0;
    j.reason = "Canary Failed: " + criticalFailure->reason;
  } else if (nodataPercent >= 50) {
    j.score = 0.0;
    j.reason = "Canary Failed: 50% or more metrics returned NODATA";
  } else {
    double weightSum = 0.0;
    for (const auto& [name, w] : groupWeights) weightSum += w;
    std::size_t unweighted = 0;
    for (const auto& g : j.groups) {
      const bool has = std::any_of(groupWeights.begin(), groupWeights.end(),
                                   [&](const auto& w) { return w.first == g.name; });
      unweighted += !has;
    }
    const double calculatedWeight =
        unweighted > 0 ? (100 - weightSum) / static_cast<double>(unweighted) : 0.0;
    double summary = 0.0;
    for (const auto& g : j.groups) {
      const double effective = g.noData ? 100.0 : g.score;
      double weight = calculatedWeight;
      for (const auto& [name, w] : groupWeights)
        if (name == g.name) {
          weight = w;
          break;
        }
      summary += effective * (weight / 100);
    }
    j.score = kayentaRound(summary, 2);
  }
  if (j.score >= thresholds.pass) {
    j.classification = KayentaScoreLabel::kPass;
  } else if (j.score >= thresholds.marginal) {
    j.classification = KayentaScoreLabel::kMarginal;
  } else {
    j.classification = KayentaScoreLabel::kFail;
  }
  return j;
}

KayentaJudgment judgeKayenta(const KayentaJudgeConfig& config,
                             std::span<const KayentaMetricData> data, Rng& rng) {
  std::vector<KayentaMetricResult> results;
  results.reserve(data.size());
  for (const auto& d : data) {
    const auto* mc = config.findMetric(d.name);
    if (!mc) {
      Diagnostic diag;
      diag.field = "metrics";
      diag.value = quoted(d.name);
      diag.rule = "no metric config with this name";
      throw InputError(diag);
    }
    results.push_back(classifyKayentaMetric(*mc, d.experiment, d.control, rng, config.tolerance,
                                            config.confidenceLevel));
  }
  return scoreKayenta(std::move(results), config.groupWeights, config.thresholds);
}

}  // namespace rolloutlab::core::judge
