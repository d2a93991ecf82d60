#pragma once
// R's root finder, reproduced step for step so that roots agree with R's to the last bit.
//
// R's uniroot() (src/library/stats/R/nlm.R) calls R_zeroin2 (src/library/stats/src/zeroin.c):
// Brent's zeroin (R. P. Brent, "Algorithms for Minimization without Derivatives", 1973, ch. 4;
// the C transcription of Forsythe, Malcolm and Moler's ZEROIN), started from a bracket whose
// function values the caller already has. Each iteration keeps b the best approximation, c the
// far end of the bracket and a the previous b; it tries inverse quadratic interpolation (linear
// when only two distinct points are known), falls back to bisection when the interpolated step
// leaves [b, c] or is not at least half the step before last, never steps by less than
// tol_act = 2 eps |b| + tol / 2, and stops when |c - b| / 2 <= tol_act or f(b) == 0.
// Written here from that description; every floating-point operation is in the order R
// evaluates it (no fused multiply-add), which is what bitwise agreement needs.

#include <cmath>
#include <limits>

namespace rolloutlab::core::stats::detail {

/// R's uniroot default tolerance, .Machine$double.eps^0.25.
inline const double kUnirootDefaultTol = std::pow(std::numeric_limits<double>::epsilon(), 0.25);

/// The outcome of rZeroin2: the root R returns, the iterations used (-1: maxit reached, as R
/// reports it) and R's estimated precision |c - b| (-1 when not converged).
struct ZeroinResult {
  double root = 0.0;
  int iterations = 0;
  double precision = 0.0;
};

/// f(x) == 0, R_zeroin2's test for a root found exactly.
struct ExactZero {
  bool operator()(double v) const { return v == 0.0; }
};

/// R_zeroin2(ax, bx, fa, fb, f, tol, maxit): fa = f(ax), fb = f(bx) given by the caller, of
/// opposite signs (or one of them zero). f is called once per iteration. `isZero` is the test
/// for a root found exactly (R: f == 0; Kayenta's Brent solver, the same iteration otherwise,
/// takes |f| within one ulp of 0).
template <typename F, typename IsZero = ExactZero>
ZeroinResult rZeroin2(double ax, double bx, double fa, double fb, F&& f, double tol,
                      int maxit = 1000, IsZero isZero = {}) {
  constexpr double kEps = std::numeric_limits<double>::epsilon();
  ZeroinResult out;
  if (isZero(fa)) return {ax, 0, 0.0};
  if (isZero(fb)) return {bx, 0, 0.0};
  double a = ax;
  double b = bx;
  double c = a;
  double fc = fa;
  for (int left = maxit + 1; left-- > 0;) {
    const double prevStep = b - a;
    if (std::fabs(fc) < std::fabs(fb)) {
      // Make b the best approximation so far.
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const double tolAct = 2 * kEps * std::fabs(b) + tol / 2;
    double newStep = (c - b) / 2;
    if (std::fabs(newStep) <= tolAct || isZero(fb)) {
      out.root = b;
      out.iterations = maxit + 1 - (left + 1);
      out.precision = std::fabs(c - b);
      return out;
    }
    if (std::fabs(prevStep) >= tolAct && std::fabs(fa) > std::fabs(fb)) {
      // Interpolation step p / q, with the division delayed.
      double p = 0.0;
      double q = 0.0;
      const double cb = c - b;
      if (a == c) {
        const double t1 = fb / fa;  // secant through (a, fa), (b, fb)
        p = cb * t1;
        q = 1.0 - t1;
      } else {
        // Inverse quadratic through (a, fa), (b, fb), (c, fc).
        const double qa = fa / fc;
        const double t1 = fb / fc;
        const double t2 = fb / fa;
        p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1.0));
        q = (qa - 1.0) * (t1 - 1.0) * (t2 - 1.0);
      }
      if (p > 0.0) {
        q = -q;
      } else {
        p = -p;
      }
      // Accept it when b + p/q stays well inside [b, c] and the step is not too large.
      if (p < (0.75 * cb * q - std::fabs(tolAct * q) / 2) && p < std::fabs(prevStep * q / 2)) {
        newStep = p / q;
      }
    }
    if (std::fabs(newStep) < tolAct) newStep = newStep > 0.0 ? tolAct : -tolAct;
    a = b;
    fa = fb;
    b += newStep;
    fb = f(b);
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      // Keep the root bracketed between b and c.
      c = a;
      fc = fa;
    }
  }
  out.root = b;
  out.iterations = -1;
  out.precision = -1.0;
  return out;
}

}  // namespace rolloutlab::core::stats::detail
