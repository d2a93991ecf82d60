#include "support.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/number_format.h"

namespace rolloutlab::core::stats::detail {

void fail(const std::string& field, const std::string& value, const std::string& rule) {
  Diagnostic d;
  d.field = field;
  d.value = value;
  d.rule = rule;
  throw InputError(std::move(d));
}

std::string formatNumber(double v) { return core::formatNumber(v); }

void requireFinite(std::span<const double> values, const char* name) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      fail(std::string(name) + "[" + std::to_string(i) + "]", formatNumber(values[i]),
           "must be a finite number");
    }
  }
}

void requireSize(std::span<const double> values, std::size_t minimum, const char* name) {
  if (values.size() < minimum) {
    fail(name, std::to_string(values.size()) + " values",
         "needs at least " + std::to_string(minimum) + " observation" + (minimum == 1 ? "" : "s"));
  }
}

void requireConfLevel(double level, const char* name) {
  if (!(level > 0.0 && level < 1.0)) {
    fail(name, formatNumber(level), "must be a number strictly between 0 and 1");
  }
}

namespace {

// ---- R's pnorm: Cody's rational approximations (W. J. Cody, "Rational Chebyshev
// approximations for the error function", Math. Comp. 1969; ANORM of ACM TOMS algorithm 715,
// 1993) as R's src/nmath/pnorm.c, pnorm_both, evaluates them: the break at 0.67448975 and
// sqrt(32), and exp(-x^2/2) computed as exp(-xsq^2/2) exp(-del/2) with xsq = x rounded toward
// zero to a multiple of 1/16, so that the tails keep full relative accuracy.

constexpr double kCodyA[5] = {2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582,
                              18154.981253343561249, 0.065682337918207449113};
constexpr double kCodyB[4] = {47.20258190468824187, 976.09855173777669322, 10260.932208618978205,
                              45507.789335026729956};
constexpr double kCodyC[9] = {
    0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979,
    597.27027639480026226,  2494.5375852903726711, 6848.1904505362823326,
    11602.651437647350124,  9842.7148383839780218, 1.0765576773720192317e-8};
constexpr double kCodyD[8] = {22.266688044328115691, 235.38790178262499861, 1519.377599407554805,
                              6485.558298266760755,  18615.571640885098091, 34900.952721145977266,
                              38912.003286093271411, 19685.429676859990727};
constexpr double kCodyP[6] = {0.21589853405795699,   0.1274011611602473639,
                              0.022235277870649807,  0.001421619193227893466,
                              2.9112874951168792e-5, 0.02307344176494017303};
constexpr double kCodyQ[5] = {1.28426009614491121, 0.468238212480865118, 0.0659881378689285515,
                              0.00378239633202758244, 7.29751555083966205e-5};
constexpr double kOneOverSqrt2Pi = 0.398942280401432677939946059934;
constexpr double kSqrt32 = 5.656854249492380195206754896838;

// Lower (lower = true) or upper tail of the standard normal at x, non-log scale.
double codyNormalTail(double x, bool lower) {
  if (std::isnan(x)) return x;
  const double y = std::fabs(x);
  double cum = 0.0;
  double ccum = 0.0;
  // exp(-x^2 / 2) * temp with the 1/16 split of x (R's do_del), then the tails swapped for x > 0.
  const auto tails = [&](double xv, double temp) {
    const double xsq = std::trunc(xv * 16) / 16;
    const double del = (xv - xsq) * (xv + xsq);
    cum = std::exp(-xsq * xsq * 0.5) * std::exp(-del * 0.5) * temp;
    ccum = 1.0 - cum;
    if (x > 0.0) std::swap(cum, ccum);
  };
  if (y <= 0.67448975) {
    double xnum = 0.0;
    double xden = 0.0;
    if (y > std::numeric_limits<double>::epsilon() * 0.5) {
      const double xsq = x * x;
      xnum = kCodyA[4] * xsq;
      xden = xsq;
      for (int i = 0; i < 3; ++i) {
        xnum = (xnum + kCodyA[i]) * xsq;
        xden = (xden + kCodyB[i]) * xsq;
      }
    }
    const double temp = x * (xnum + kCodyA[3]) / (xden + kCodyB[3]);
    return lower ? 0.5 + temp : 0.5 - temp;
  }
  if (y <= kSqrt32) {
    double xnum = kCodyC[8] * y;
    double xden = y;
    for (int i = 0; i < 7; ++i) {
      xnum = (xnum + kCodyC[i]) * y;
      xden = (xden + kCodyD[i]) * y;
    }
    tails(y, (xnum + kCodyC[7]) / (xden + kCodyD[7]));
    return lower ? cum : ccum;
  }
  if ((lower && -37.5193 < x && x < 8.2924) || (!lower && -8.2924 < x && x < 37.5193)) {
    const double xsq = 1.0 / (x * x);
    double xnum = kCodyP[5] * xsq;
    double xden = xsq;
    for (int i = 0; i < 4; ++i) {
      xnum = (xnum + kCodyP[i]) * xsq;
      xden = (xden + kCodyQ[i]) * xsq;
    }
    double temp = xsq * (xnum + kCodyP[4]) / (xden + kCodyQ[4]);
    temp = (kOneOverSqrt2Pi - temp) / y;
    tails(x, temp);
    return lower ? cum : ccum;
  }
  // So far out that the probability is 0 or 1 in double.
  const bool positive = x > 0;
  return (positive == lower) ? 1.0 : 0.0;
}

// ---- R's qnorm: Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988), with R's
// src/nmath/qnorm.c handling of the upper tail (1 - p formed as 0.5 - p + 0.5, and the tail
// probability itself used for r so that both tails are exactly symmetric).

constexpr double kWichuraA[8] = {
    3.387132872796366608,  133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
    45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727};
constexpr double kWichuraB[8] = {1.0,
                                 42.313330701600911252,
                                 687.1870074920579083,
                                 5394.1960214247511077,
                                 21213.794301586595867,
                                 39307.89580009271061,
                                 28729.085735721942674,
                                 5226.495278852854561};
constexpr double kWichuraC[8] = {1.42343711074968357734,   4.6303378461565452959,
                                 5.7694972214606914055,    3.64784832476320460504,
                                 1.27045825245236838258,   0.24178072517745061177,
                                 0.0227238449892691845833, 7.7454501427834140764e-4};
constexpr double kWichuraD[8] = {1.0,
                                 2.05319162663775882187,
                                 1.6763848301838038494,
                                 0.68976733498510000455,
                                 0.14810397642748007459,
                                 0.0151986665636164571966,
                                 5.475938084995344946e-4,
                                 1.05075007164441684324e-9};
constexpr double kWichuraE[8] = {6.6579046435011037772,     5.4637849111641143699,
                                 1.7848265399172913358,     0.29656057182850489123,
                                 0.026532189526576123093,   0.0012426609473880784386,
                                 2.71155556874348757815e-5, 2.01033439929228813265e-7};
constexpr double kWichuraF[8] = {1.0,
                                 0.59983220655588793769,
                                 0.13692988092273580531,
                                 0.0148753612908506148525,
                                 7.868691311456132591e-4,
                                 1.8463183175100546818e-5,
                                 1.4215117583164458887e-7,
                                 2.04426310338993978564e-15};

// Horner from the highest coefficient: (((c7 r + c6) r + ...) r + c0), R's operation order.
double horner(const double (&c)[8], double r) {
  double v = c[7];
  for (int i = 6; i >= 0; --i) v = v * r + c[i];
  return v;
}

double wichuraQuantile(double p, bool lower) {
  if (std::isnan(p)) return p;
  if (p <= 0.0) return lower ? -INFINITY : INFINITY;
  if (p >= 1.0) return lower ? INFINITY : -INFINITY;
  const double pLower = lower ? p : 0.5 - p + 0.5;
  const double q = pLower - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * horner(kWichuraA, r) / horner(kWichuraB, r);
  }
  // r = min(p, 1 - p), taken from the tail the caller gave where that is the small one.
  double r = q > 0 ? (lower ? 0.5 - p + 0.5 : p) : pLower;
  r = std::sqrt(-std::log(r));
  double value = 0.0;
  if (r <= 5.0) {
    r += -1.6;
    value = horner(kWichuraC, r) / horner(kWichuraD, r);
  } else {
    r += -5.0;
    value = horner(kWichuraE, r) / horner(kWichuraF, r);
  }
  return q < 0.0 ? -value : value;
}

}  // namespace

double pnorm(double z) { return codyNormalTail(z, true); }
double pnormUpper(double z) { return codyNormalTail(z, false); }
double qnorm(double p) { return wichuraQuantile(p, true); }
double qnormUpper(double p) { return wichuraQuantile(p, false); }

}  // namespace rolloutlab::core::stats::detail
