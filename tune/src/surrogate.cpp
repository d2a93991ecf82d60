#include "rolloutlab/tune/surrogate.h"

#include <Eigen/Dense>
#include <cmath>

namespace rolloutlab::tune {

std::vector<double> quadraticFeatures(const std::vector<double>& x) {
  std::vector<double> f;
  f.reserve(1 + 2 * x.size());
  f.push_back(1.0);
  for (double v : x) f.push_back(v);
  for (double v : x) f.push_back(v * v);
  return f;
}

namespace {

double dot(const std::vector<double>& beta, const std::vector<double>& f) {
  double s = 0;
  for (std::size_t i = 0; i < beta.size() && i < f.size(); ++i) s += beta[i] * f[i];
  return s;
}

}  // namespace

bool LogisticModel::fit(const std::vector<BinomialObs>& obs, double lambda) {
  beta_.clear();
  std::vector<const BinomialObs*> use;
  for (const auto& o : obs) {
    if (o.n > 0) use.push_back(&o);
  }
  if (use.empty()) return false;
  const std::size_t p = quadraticFeatures(use.front()->x).size();
  Eigen::MatrixXd X(static_cast<Eigen::Index>(use.size()), static_cast<Eigen::Index>(p));
  Eigen::VectorXd k(static_cast<Eigen::Index>(use.size())),
      n(static_cast<Eigen::Index>(use.size()));
  for (std::size_t i = 0; i < use.size(); ++i) {
    const auto f = quadraticFeatures(use[i]->x);
    for (std::size_t j = 0; j < p; ++j)
      X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = f[j];
    k(static_cast<Eigen::Index>(i)) = static_cast<double>(use[i]->k);
    n(static_cast<Eigen::Index>(i)) = static_cast<double>(use[i]->n);
  }
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(p));
  // Start at the pooled rate (a zero rate starts at a small one: the logit stays finite).
  const double pooled = std::clamp((k.sum() + 0.5) / (n.sum() + 1.0), 1e-6, 1 - 1e-6);
  beta(0) = std::log(pooled / (1 - pooled));
  Eigen::MatrixXd ridge =
      Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(p)) *
      lambda;
  ridge(0, 0) = 0;
  for (int it = 0; it < 50; ++it) {
    const Eigen::VectorXd eta = X * beta;
    Eigen::VectorXd mu(eta.size()), w(eta.size());
    for (Eigen::Index i = 0; i < eta.size(); ++i) {
      const double m = 1.0 / (1.0 + std::exp(-std::clamp(eta(i), -30.0, 30.0)));
      mu(i) = m;
      w(i) = std::max(n(i) * m * (1 - m), 1e-10);
    }
    // Newton step on the penalised log-likelihood: (X'WX + R) d = X'(k - n mu) - R beta.
    const Eigen::MatrixXd H = X.transpose() * w.asDiagonal() * X + ridge;
    const Eigen::VectorXd g = X.transpose() * (k - n.cwiseProduct(mu)) - ridge * beta;
    const Eigen::VectorXd d = H.ldlt().solve(g);
    if (!d.allFinite()) break;
    beta += d;
    if (d.cwiseAbs().maxCoeff() < 1e-8) break;
  }
  beta_.assign(beta.data(), beta.data() + beta.size());
  return true;
}

double LogisticModel::predict(const std::vector<double>& x) const {
  if (beta_.empty()) return 0.5;
  const double eta = dot(beta_, quadraticFeatures(x));
  return 1.0 / (1.0 + std::exp(-std::clamp(eta, -30.0, 30.0)));
}

bool QuadraticModel::fit(const std::vector<MeanObs>& obs, double lambda) {
  beta_.clear();
  std::vector<const MeanObs*> use;
  for (const auto& o : obs) {
    if (o.weight > 0 && std::isfinite(o.mean)) use.push_back(&o);
  }
  if (use.empty()) return false;
  const std::size_t p = quadraticFeatures(use.front()->x).size();
  Eigen::MatrixXd X(static_cast<Eigen::Index>(use.size()), static_cast<Eigen::Index>(p));
  Eigen::VectorXd y(static_cast<Eigen::Index>(use.size())),
      w(static_cast<Eigen::Index>(use.size()));
  for (std::size_t i = 0; i < use.size(); ++i) {
    const auto f = quadraticFeatures(use[i]->x);
    for (std::size_t j = 0; j < p; ++j)
      X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = f[j];
    y(static_cast<Eigen::Index>(i)) = use[i]->mean;
    w(static_cast<Eigen::Index>(i)) = use[i]->weight;
  }
  Eigen::MatrixXd ridge =
      Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(p)) *
      lambda;
  ridge(0, 0) = 0;
  const Eigen::MatrixXd A = X.transpose() * w.asDiagonal() * X + ridge * w.sum();
  const Eigen::VectorXd b = X.transpose() * w.asDiagonal() * y;
  const Eigen::VectorXd beta = A.ldlt().solve(b);
  if (!beta.allFinite()) return false;
  beta_.assign(beta.data(), beta.data() + beta.size());
  return true;
}

double QuadraticModel::predict(const std::vector<double>& x) const {
  if (beta_.empty()) return std::nan("");
  return dot(beta_, quadraticFeatures(x));
}

}  // namespace rolloutlab::tune
