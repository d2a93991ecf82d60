#pragma once
/// Surrogate models of operating characteristics over a space's numeric fields, fitted on the
/// runs the search has made: a logistic regression of a run's probability of an event
/// (a rollback of a good release, an escape of a bad one) on the fields scaled to [0, 1] with
/// their squares, fitted by iteratively reweighted least squares with a small ridge penalty;
/// and a weighted least-squares quadratic of a mean (time to promotion, excess errors). Both
/// use Eigen and are cheap next to one run.

#include <cstdint>
#include <vector>

namespace rolloutlab::tune {

/// Binomial observations: at feature point x (already scaled), k events in n trials.
struct BinomialObs {
  std::vector<double> x;
  std::int64_t k = 0;
  std::int64_t n = 0;
};

/// A mean observed at x, weighted by its number of runs.
struct MeanObs {
  std::vector<double> x;
  double mean = 0;
  double weight = 0;
};

/// The features of x: 1, x_i, x_i^2.
std::vector<double> quadraticFeatures(const std::vector<double>& x);

class LogisticModel {
 public:
  /// Fits by IRLS (at most 50 Newton steps) with ridge `lambda` on the non-intercept terms.
  /// Returns false when there are no observations or every point has n = 0.
  bool fit(const std::vector<BinomialObs>& obs, double lambda = 1e-3);
  double predict(const std::vector<double>& x) const;  ///< probability in (0, 1)
  const std::vector<double>& coefficients() const { return beta_; }

 private:
  std::vector<double> beta_;
};

class QuadraticModel {
 public:
  bool fit(const std::vector<MeanObs>& obs, double lambda = 1e-6);
  double predict(const std::vector<double>& x) const;

 private:
  std::vector<double> beta_;
};

}  // namespace rolloutlab::tune
