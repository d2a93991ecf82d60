#include "rolloutlab/core/rng.h"

#include <array>
#include <cstring>
#include <limits>

namespace rolloutlab::core {

namespace {
// Records top-level draws only (samplers that call samplers are one draw).
struct DrawScope {
  DrawLog* log;
  static thread_local int depth;
  // Inline, with the recording out of line: every draw pays only the test of `current`.
  [[gnu::always_inline]] DrawScope(DrawLog::Kind k, double a, std::int64_t n)
      : log(DrawLog::current) {
    if (log != nullptr) [[unlikely]]
      enter(k, a, n);
  }
  [[gnu::always_inline]] ~DrawScope() {
    if (log != nullptr) [[unlikely]]
      --depth;
  }
  [[gnu::noinline]] void enter(DrawLog::Kind k, double a, std::int64_t n) {
    if (depth++ == 0) log->draws.push_back({k, a, n});
  }
};
thread_local int DrawScope::depth = 0;
}  // namespace

std::uint64_t stableHash(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t deriveSeed(std::uint64_t master, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  std::uint64_t st = master;
  std::uint64_t h = splitmix64(st);
  for (std::uint64_t part : {a, b, c}) {
    st = h ^ part;
    h = splitmix64(st);
  }
  return h;
}

void Rng::reseed(std::uint64_t seed) {
  std::uint64_t st = seed;
  for (auto& w : s_) w = splitmix64(st);
}

double Rng::normal() {
  DrawScope scope(DrawLog::Kind::kNormal, 0, 0);
  double u, v, s;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  return u * std::sqrt(-2.0 * std::log(s) / s);
}

double Rng::gamma(double shape) {
  DrawScope scope(DrawLog::Kind::kGamma, shape, 0);
  if (!(shape > 0.0)) return 0.0;
  if (shape < 1.0) {
    const double g = gamma(shape + 1.0);
    return g * std::pow(uniformPos(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniformPos();
    if (u < 1.0 - 0.0331 * (x * x) * (x * x)) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

namespace {

std::array<double, 128> makeLogFactTable() {
  std::array<double, 128> t{};
  t[0] = 0.0;
  for (int i = 1; i < 128; ++i) t[i] = t[i - 1] + std::log(static_cast<double>(i));
  return t;
}
const std::array<double, 128> kLogFact = makeLogFactTable();

// Stirling series for log Gamma(k + 1) with three correction terms (error < 1e-15 at k>=128).
double stirlingLogFactorial(std::int64_t k) {
  const double x = static_cast<double>(k) + 1.0;
  const double ix = 1.0 / x;
  const double ix2 = ix * ix;
  return (x - 0.5) * std::log(x) - x + 0.91893853320467274178 +
         ix * (1.0 / 12.0 - ix2 * (1.0 / 360.0 - ix2 * (1.0 / 1260.0)));
}

// The values above the table, remembered by k per thread: a batch's binomials at one bucket
// draw k (and n - k) from a few hundred values, so most exact tests ask for a value asked for
// before (97% in the regression case, 85% in the good case, with 2^15 entries). A memo of a
// pure function: a value found is the series' own, bit for bit, whatever ran before.
constexpr int kMemoBits = 15;
struct LogFactorialMemo {
  struct Entry {
    std::int64_t k;  // 0 is never asked (k >= 128 here)
    double value;
  };
  Entry entry[1 << kMemoBits];  // a key beside its value: one cache line per lookup
};
// Allocated (512 KiB, zeroed) by a thread's first large logFactorial and freed when the thread
// ends; the pointer is a plain thread_local, so a lookup pays no TLS initialisation check.
thread_local LogFactorialMemo* tLogFactorialMemo = nullptr;
struct LogFactorialMemoOwner {
  ~LogFactorialMemoOwner() {
    delete tLogFactorialMemo;
    tLogFactorialMemo = nullptr;
  }
};
thread_local LogFactorialMemoOwner tLogFactorialMemoOwner;

[[gnu::noinline]] LogFactorialMemo& newLogFactorialMemo() {
  (void)&tLogFactorialMemoOwner;  // registers the thread's owner, which frees the memo
  tLogFactorialMemo = new LogFactorialMemo{};
  return *tLogFactorialMemo;
}

LogFactorialMemo& threadLogFactorialMemo() {
  return tLogFactorialMemo ? *tLogFactorialMemo : newLogFactorialMemo();
}

// logFactorial with the thread's memo in hand (a sampler's exact test takes it once).
double logFactorialIn(LogFactorialMemo& memo, std::int64_t k) {
  if (k < 128) return kLogFact[static_cast<std::size_t>(k < 0 ? 0 : k)];
  const std::size_t i = (static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15ULL) >> (64 - kMemoBits);
  LogFactorialMemo::Entry& e = memo.entry[i];
  if (e.k == k) return e.value;
  e.value = stirlingLogFactorial(k);
  e.k = k;
  return e.value;
}

}  // namespace

double logFactorial(std::int64_t k) {
  if (k < 128) return kLogFact[static_cast<std::size_t>(k < 0 ? 0 : k)];
  return logFactorialIn(threadLogFactorialMemo(), k);
}

std::int64_t Rng::poisson(double mean) {
  DrawScope scope(DrawLog::Kind::kPoisson, mean, 0);
  if (!(mean > 0.0)) return 0;
  if (mean < 10.0) {
    // Multiplication (inversion) method.
    const double enlam = std::exp(-mean);
    std::int64_t x = 0;
    double prod = 1.0;
    for (;;) {
      prod *= uniform();
      if (prod > enlam) {
        ++x;
      } else {
        return x;
      }
    }
  }
  // PTRS: transformed rejection with squeeze (Hormann 1993).
  const double slam = std::sqrt(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  bool logged = false;
  double loglam = 0.0;
  for (;;) {
    const double u = uniform() - 0.5;
    const double v = uniformPos();
    const double us = 0.5 - std::fabs(u);
    const double kd = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (kd < 0.0) continue;
    const auto k = static_cast<std::int64_t>(kd);
    if (us >= 0.07 && v <= vr) return k;
    if (us < 0.013 && v > us) continue;
    // log(mean) serves only this exact test (most draws end at the squeeze): taken here.
    if (!logged) {
      logged = true;
      loglam = std::log(mean);
    }
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -mean + kd * loglam - logFactorial(k)) {
      return k;
    }
  }
}

std::int64_t Rng::binomialLogged(std::int64_t n, double p) {
  DrawScope scope(DrawLog::Kind::kBinomial, p, n);
  return binomialUnlogged(n, p);
}

namespace {

// log1p(-p) of the inversion sampler, remembered by p's bits per thread: a bridge between two
// scrapes splits every bucket with the same probability (equal mixes give equal ratios), so
// seven calls in ten ask for a value asked for shortly before. A memo of a pure function: a
// value found is log1p's own, bit for bit, whatever ran on the thread before.
struct Log1pMemo {
  std::uint64_t key[64];  // p's bits; 0 (p = +0) is never asked, p > 0 here
  double value[64];
};
thread_local Log1pMemo tLog1pMemo{};

double log1pOfMinus(double p) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &p, sizeof bits);
  const std::size_t i = (bits * 0x9E3779B97F4A7C15ULL) >> 58;
  if (tLog1pMemo.key[i] == bits) return tLog1pMemo.value[i];
  const double v = std::log1p(-p);
  tLog1pMemo.key[i] = bits;
  tLog1pMemo.value[i] = v;
  return v;
}

}  // namespace

std::int64_t Rng::binomialAtMostHalf(std::int64_t n, double p) {
  const double q = 1.0 - p;
  const double np = static_cast<double>(n) * p;
  if (np < 10.0) {
    // Inversion by the recurrence P(x+1) = P(x) * (n-x)/(x+1) * p/q.
    const double s = p / q;
    const double a = static_cast<double>(n + 1) * s;
    double r = std::exp(static_cast<double>(n) * log1pOfMinus(p));
    double u = uniform();
    std::int64_t x = 0;
    while (u > r) {
      u -= r;
      ++x;
      if (x > n) {
        // Rounding left mass in the tail: restart (probability ~1e-16).
        u = uniform();
        x = 0;
        r = std::exp(static_cast<double>(n) * log1pOfMinus(p));
        continue;
      }
      r *= (a / static_cast<double>(x) - s);
    }
    return x;
  }
  // BTRS: transformed rejection with squeeze (Hormann 1993).
  const double spq = std::sqrt(np * q);
  const double b = 1.15 + 2.53 * spq;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = np + 0.5;
  const double vr = 0.92 - 4.2 / b;
  const double alpha = (2.83 + 5.1 / b) * spq;
  // The mode's log-probability terms serve only the exact test after a failed squeeze (most
  // draws end at the squeeze): computed then, once, by the same expressions.
  LogFactorialMemo* memo = nullptr;  // set with the mode's terms
  double lpq = 0.0, h = 0.0;
  std::int64_t m = 0;
  for (;;) {
    const double u = uniform() - 0.5;
    double v = uniformPos();
    const double us = 0.5 - std::fabs(u);
    const double kd = std::floor((2.0 * a / us + b) * u + c);
    if (kd < 0.0 || kd > static_cast<double>(n)) continue;
    const auto k = static_cast<std::int64_t>(kd);
    if (us >= 0.07 && v <= vr) return k;
    if (memo == nullptr) {
      memo = &threadLogFactorialMemo();
      lpq = std::log(p / q);
      m = static_cast<std::int64_t>(std::floor(static_cast<double>(n + 1) * p));
      h = logFactorialIn(*memo, m) + logFactorialIn(*memo, n - m);
    }
    v = std::log(v * alpha / (a / (us * us) + b));
    if (v <= h - logFactorialIn(*memo, k) - logFactorialIn(*memo, n - k) +
                 static_cast<double>(k - m) * lpq) {
      return k;
    }
  }
}

std::int64_t Rng::negativeBinomial(double mean, double k) {
  if (!(mean > 0.0)) return 0;
  if (!(k > 0.0) || !std::isfinite(k)) return poisson(mean);
  return poisson(gamma(k) * mean / k);
}

}  // namespace rolloutlab::core
