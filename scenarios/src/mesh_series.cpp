#include "rolloutlab/scenarios/mesh_series.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/number_format.h"
#include "rolloutlab/sim/seeds.h"

namespace rolloutlab::scenarios {

namespace pq = core::promql;
using pq::TimestampMs;

namespace {

constexpr int kMaxBuckets = 32;  // finite bounds + the +Inf bucket
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kUnknown = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

// Cumulative counts of one variant at one scrape, since the variant's origin.
struct Counts {
  std::int64_t ok = 0;
  std::int64_t err = 0;
  std::array<std::int64_t, kMaxBuckets> bOk{};   // per bucket (not cumulative); all requests when
  std::array<std::int64_t, kMaxBuckets> bErr{};  // the histogram has no status label
  double sumOk = 0;
  double sumErr = 0;
};

struct Point {
  std::int64_t k = 0;
  Counts c;
};
static_assert(std::is_trivially_copyable_v<Point>);

// The counts a layout with nb buckets (finite bounds + the +Inf one) uses: every reader stops
// at nb, so the rest of the arrays is never read. Copied by the C library's memcpy: the
// compiler's inline copy of a whole Point (552 bytes, `rep movsq`) was half of drawCounts' time.
void copyUsedCounts(Counts& to, const Counts& from, std::size_t nb) {
  to.ok = from.ok;
  to.err = from.err;
  to.sumOk = from.sumOk;
  to.sumErr = from.sumErr;
  std::memcpy(to.bOk.data(), from.bOk.data(), nb * sizeof(std::int64_t));
  std::memcpy(to.bErr.data(), from.bErr.data(), nb * sizeof(std::int64_t));
}

// A variant's realised scrapes, in k order. A point keeps its slot: the order is a list of
// slot numbers, so a point realised between two others moves four-byte numbers, not the
// 552-byte points after it. The slots are constructed when the storage grows and reused
// across runs; a new point copies only the used counts of its neighbour into its slot (what
// lies past nb in a slot is never read).
class Points {
 public:
  std::size_t size() const { return order_.size(); }
  Point& operator[](std::size_t i) { return slots_[order_[i]]; }
  Point& back() { return slots_[order_.back()]; }
  void clear() { order_.clear(); }
  // The position of the first point at or after k.
  std::size_t lowerBound(std::int64_t k) const {
    std::size_t lo = 0, hi = order_.size();
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (slots_[order_[mid]].k < k) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
  // One point with no counts.
  void start(std::int64_t k) {
    if (slots_.empty()) slots_.emplace_back();
    slots_[0] = Point{k, Counts{}};
    order_.assign(1, 0);
  }
  // A new last point at k with the last point's counts.
  Point& appendCopyOfLast(std::int64_t k, std::size_t nb) {
    Point& p = newSlot();
    copyUsedCounts(p.c, back().c, nb);
    p.k = k;
    order_.push_back(static_cast<std::uint32_t>(&p - slots_.data()));
    return p;
  }
  // A new point at k before position i (0 < i < size()) with the counts of the point before it.
  Point& insertCopyOfPrevious(std::size_t i, std::int64_t k, std::size_t nb) {
    Point& p = newSlot();
    copyUsedCounts(p.c, (*this)[i - 1].c, nb);
    p.k = k;
    order_.insert(order_.begin() + static_cast<std::ptrdiff_t>(i),
                  static_cast<std::uint32_t>(&p - slots_.data()));
    return p;
  }

 private:
  // The first slot no point holds (the slots in use are 0 .. size() - 1).
  Point& newSlot() {
    if (order_.size() == slots_.size()) slots_.emplace_back();
    return slots_[order_.size()];
  }
  std::vector<Point> slots_;
  std::vector<std::uint32_t> order_;  // slot numbers in k order
};

// Expected masses over an interval, as accumulate() writes them: the sums and the first n
// bucket masses (n rounded up to even); the rest is never read.
struct Acc {
  double total, err;
  std::array<double, kMaxBuckets> mOk, mErr;
  double meanOk, meanErr;  // sum of lambda * E[latency]
  double m2Ok, m2Err;      // sum of lambda * E[latency^2]
  double user, userErr, excess;
};

// What the world knows of a mix: cached per distinct mix.
struct MixStats {
  Mix mix;
  double p = 0;
  std::array<double, kMaxBuckets> q{};
  double mean = 0, m2 = 0;
};

bool sameMix(const Mix& a, const Mix& b) {
  if (a.components.size() != b.components.size()) return false;
  for (std::size_t i = 0; i < a.components.size(); ++i) {
    const auto& x = a.components[i];
    const auto& y = b.components[i];
    if (x.weight != y.weight || x.errorRate != y.errorRate || x.factor != y.factor ||
        x.kappa != y.kappa) {
      return false;
    }
  }
  return true;
}

}  // namespace

struct SeriesInfo {
  Variant v = Variant::kCanary;
  enum class Kind { kOk, kErr, kBucket, kCount, kSum } kind = Kind::kOk;
  int code = -1;  // 0 success, 1 error, -1 all
  int bucket = 0;
};

struct MeshSeries::State {
  // One traffic stream per variant, so reading the primary's series (a shadow judge, a
  // template comparing with the primary) never changes the canary's draws.
  core::Rng traffic[2] = {core::Rng{0}, core::Rng{0}};
  core::Rng totals{0}, gates{0}, errors{0}, models{0};
  TimestampMs phaseMs = 0;
  TimestampMs stepMs = 15000;

  struct VariantState {
    bool active = false;
    std::int64_t originK = 0;
    Points pts;
    std::int64_t birthOk = kUnknown, birthErr = kUnknown;  // first scrape with a positive count
    std::int64_t zeroOkUpTo = kUnknown, zeroErrUpTo = kUnknown;
  } var[2];

  struct Segment {
    double from = -kInf;
    double live[2] = {0.0, 1.0};  // share of user traffic on canary / primary
    double mirror = 0.0;          // share of user traffic copied to the canary
  };
  std::vector<Segment> segments;
  double tUp = kInf, tDown = kInf;
  std::vector<MixStats> cache[2];
  // The stats of a stepwise behaviour's pieces (BehaviourModel::pieceKey), per variant.
  struct Piece {
    std::int64_t key = -1;
    MixStats stats;
  };
  std::vector<Piece> pieces[2];
  std::size_t lastPiece[2] = {0, 0};  // where the last piece was found
  std::vector<pq::Sample> scratch;
  // Reused storage of accumulate() and mixStats() (no allocation per call once warm).
  Mix mix;
  std::vector<MixtureComponent> mixParts;
  std::vector<double> cuts, breaks;
  // Bumped whenever a point is realised: the counts a range summary read stay valid while it
  // holds, so the series of one selector (a histogram's buckets, a counter's codes) share one
  // lookup of the scrapes they read.
  std::uint64_t version = 1;
  struct RangeMemo {
    std::uint64_t version = 0;  // 0: empty
    Variant v = Variant::kCanary;
    int group = 0;
    std::int64_t a = 0, b = 0, f = 0;
    const Counts* at[3] = {nullptr, nullptr, nullptr};  // f, b, b - 1 (into pts, or no counts)
    bool cumulated = false;                             // cumulative bucket counts of at[] below
    std::int64_t cumOk[3][kMaxBuckets];
    std::int64_t cumErr[3][kMaxBuckets];
  };
  std::array<RangeMemo, 4> memo{};
  std::size_t memoNext = 0;
  // Bumped whenever what accumulate() reads of the run changes (the share segments, the
  // canary's up and down times, the scrape phase): the expected masses between two scrapes
  // computed under one value are those accumulate() would compute again.
  std::uint64_t shape = 1;
  struct MassMemo {
    std::uint64_t shape = 0;  // 0: empty
    Variant v = Variant::kCanary;
    std::int64_t a = 0, b = 0;
    Acc acc;
  };
  std::array<MassMemo, 4> masses{};
  std::size_t massesNext = 0;
  void forgetMemo() {
    for (auto& m : memo) m.version = 0;  // never a realisation counter: no entry matches
    for (auto& m : masses) m.shape = 0;
    ++version;
    ++shape;
  }

  TimestampMs tMs(std::int64_t k) const { return phaseMs + k * stepMs; }
  double tSec(std::int64_t k) const { return static_cast<double>(tMs(k)) / 1000.0; }
  std::int64_t kAtOrBefore(TimestampMs ms) const {
    const TimestampMs d = ms - phaseMs;
    return d >= 0 ? d / stepMs : -((-d + stepMs - 1) / stepMs);
  }
  std::int64_t kAtOrAfter(TimestampMs ms) const {
    const TimestampMs d = ms - phaseMs;
    return d >= 0 ? (d + stepMs - 1) / stepMs : -((-d) / stepMs);
  }
};

namespace {

using State = MeshSeries::State;

const MixStats& mixOf(State& st, const CompiledScenario& sc, const MeshLayout& layout, Variant v,
                      double t);

const MixStats& mixStats(State& st, const CompiledScenario& sc, const MeshLayout& layout, Variant v,
                         double t) {
  const BehaviourModel& bm = sc.behaviour(v);
  auto& cache = st.cache[static_cast<int>(v)];
  // Without effects the mix is the baseline at every t: the one cached entry is it.
  if (bm.constant() && !cache.empty()) return cache.front();
  // Steps and endpoints only: the mix is that of the piece t falls in, whose stats were made
  // from the same mix the first time (equal keys, equal mixes, the same doubles).
  const std::int64_t key = bm.pieceKey(t);
  if (key < 0) return mixOf(st, sc, layout, v, t);
  auto& pieces = st.pieces[static_cast<int>(v)];
  std::size_t& last = st.lastPiece[static_cast<int>(v)];
  if (last < pieces.size() && pieces[last].key == key) return pieces[last].stats;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].key == key) {
      last = i;
      return pieces[i].stats;
    }
  }
  const MixStats& s = mixOf(st, sc, layout, v, t);
  if (pieces.size() >= 64) return s;
  pieces.push_back(State::Piece{key, s});
  last = pieces.size() - 1;
  return pieces.back().stats;
}

// The stats of the mix at t: from the cache of recent mixes, else computed.
const MixStats& mixOf(State& st, const CompiledScenario& sc, const MeshLayout& layout, Variant v,
                      double t) {
  auto& cache = st.cache[static_cast<int>(v)];
  Mix& mix = st.mix;
  sc.behaviour(v).at(t, mix, st.mixParts);
  for (const auto& c : cache) {
    if (sameMix(c.mix, mix)) return c;
  }
  MixStats s;
  s.p = mix.errorRate();
  std::vector<double> q;
  bucketProbabilities(mix, sc.behaviour(v).latency(), layout.buckets, layout.unitPerMs, q);
  for (std::size_t i = 0; i < q.size() && i < static_cast<std::size_t>(kMaxBuckets); ++i)
    s.q[i] = q[i];
  double mean = 0, var = 0;
  mixMoments(mix, sc.behaviour(v).latency(), mean, var);
  s.mean = mean * layout.unitPerMs;
  s.m2 = (var + mean * mean) * layout.unitPerMs * layout.unitPerMs;
  s.mix = mix;
  if (cache.size() >= 16) cache.erase(cache.begin());
  cache.push_back(std::move(s));
  return cache.back();
}

const State::Segment& segmentAt(const State& st, double t) {
  // Segments are few and appended in time order: scan from the end.
  for (auto it = st.segments.rbegin(); it != st.segments.rend(); ++it) {
    if (it->from <= t) return *it;
  }
  return st.segments.front();
}

// Pairs of doubles: element-wise arithmetic, each lane the scalar operation's IEEE result.
typedef double Double2 __attribute__((vector_size(16)));

Double2 load2(const double* p) {
  Double2 x;
  std::memcpy(&x, p, sizeof x);
  return x;
}

void store2(double* p, Double2 x) { std::memcpy(p, &x, sizeof x); }

// ok[k] += okScale * q[k] and err[k] += errScale * q[k] for k < n, rounded up to an even n
// (the arrays hold kMaxBuckets; an entry past n is zero in q and never read). `first`: the
// arrays hold nothing yet and are written 0 + okScale * q[k], the same sums without reading
// (or first zeroing) them.
void addMasses(double* ok, double* err, const double* q, double okScale, double errScale,
               std::size_t n, bool first) {
  const Double2 so = {okScale, okScale};
  const Double2 se = {errScale, errScale};
  if (first) {
    const Double2 zero = {0.0, 0.0};
    for (std::size_t k = 0; k < n; k += 2) {
      const Double2 qk = load2(q + k);
      store2(ok + k, zero + so * qk);
      store2(err + k, zero + se * qk);
    }
    return;
  }
  for (std::size_t k = 0; k < n; k += 2) {
    const Double2 qk = load2(q + k);
    store2(ok + k, load2(ok + k) + so * qk);
    store2(err + k, load2(err + k) + se * qk);
  }
}

// Expected masses of a variant over (a, b], written into acc (its earlier contents unread).
void accumulate(State& st, const CompiledScenario& sc, const MeshLayout& layout, Variant v,
                double a, double b, Acc& acc) {
  acc.total = acc.err = acc.meanOk = acc.meanErr = acc.m2Ok = acc.m2Err = 0;
  acc.user = acc.userErr = acc.excess = 0;
  const std::size_t n = layout.buckets.size() + 1;
  bool masses = false;  // the bucket masses written
  auto zeroMasses = [&] {
    const std::size_t even = std::min<std::size_t>((n + 1) / 2 * 2, kMaxBuckets);
    std::fill_n(acc.mOk.begin(), even, 0.0);
    std::fill_n(acc.mErr.begin(), even, 0.0);
  };
  if (b <= a) {
    zeroMasses();
    return;
  }
  const bool canary = v == Variant::kCanary;
  std::vector<double>& cuts = st.cuts;
  cuts.clear();
  auto add = [&](double x) {
    if (x > a && x < b) cuts.push_back(x);
  };
  for (const auto& s : st.segments) add(s.from);
  if (canary) {
    add(st.tUp);
    add(st.tDown);
    std::vector<double>& bp = st.breaks;
    bp.clear();
    sc.behaviour(v).breakpoints(a, b, bp);
    for (double x : bp) add(x);
    if (sc.behaviour(v).rampingIn(a, b)) {
      const double step = static_cast<double>(st.stepMs) / 1000.0;
      for (double x = std::floor(a / step) * step + step; x < b; x += step) add(x);
    }
  }
  // No cut inside (a, b), the usual case: the one interval, without sorting.
  const bool whole = cuts.empty();
  if (!whole) {
    cuts.push_back(a);
    cuts.push_back(b);
    std::sort(cuts.begin(), cuts.end());
  }
  const double loadRps = sc.spec().traffic.loadTestRps;
  const std::size_t pieces = whole ? 1 : cuts.size() - 1;
  for (std::size_t i = 0; i < pieces; ++i) {
    const double lo = whole ? a : cuts[i], hi = whole ? b : cuts[i + 1];
    if (hi <= lo) continue;
    const double mid = 0.5 * (lo + hi);
    const auto& seg = segmentAt(st, mid);
    const double userShare = seg.live[static_cast<int>(v)];
    const double mirror = canary ? seg.mirror : 0.0;
    double rpsInt = 0.0;
    if (userShare + mirror > 0) rpsInt = sc.traffic().integral(lo, hi);
    const double user = userShare * rpsInt;
    double lam = user + mirror * rpsInt;
    if (canary && loadRps > 0 && mid >= st.tUp && mid < st.tDown) lam += loadRps * (hi - lo);
    if (lam <= 0) continue;
    const MixStats& ms = mixStats(st, sc, layout, v, mid);
    acc.total += lam;
    acc.err += lam * ms.p;
    // mOk[k] += lam * (1 - p) * q[k] and mErr[k] += lam * p * q[k], the products grouped as
    // written ((lam * (1 - p)) * q[k]), two buckets per instruction.
    addMasses(acc.mOk.data(), acc.mErr.data(), ms.q.data(), lam * (1 - ms.p), lam * ms.p, n,
              !masses);
    masses = true;
    acc.meanOk += lam * (1 - ms.p) * ms.mean;
    acc.meanErr += lam * ms.p * ms.mean;
    acc.m2Ok += lam * (1 - ms.p) * ms.m2;
    acc.m2Err += lam * ms.p * ms.m2;
    if (canary && user > 0) {
      acc.user += user;
      acc.userErr += user * ms.p;
      const MixStats& pm = mixStats(st, sc, layout, Variant::kPrimary, mid);
      acc.excess += user * (ms.p - pm.p);
    }
  }
  if (!masses) zeroMasses();
}

// The expected masses of a variant between scrapes a and b (accumulate over their times),
// remembered while the run's shape holds: a bridge's whole interval is usually one the
// forward draw or the previous bridge of the same bisection accumulated. The reference stays
// valid until the call after next; `keep` (a result the caller still reads) is not reused.
const Acc& massesBetween(State& st, const CompiledScenario& sc, const MeshLayout& layout, Variant v,
                         std::int64_t a, std::int64_t b, const Acc* keep = nullptr) {
  for (const auto& m : st.masses) {
    if (m.shape == st.shape && m.v == v && m.a == a && m.b == b) return m.acc;
  }
  State::MassMemo* m = &st.masses[st.massesNext++ % st.masses.size()];
  if (&m->acc == keep) m = &st.masses[st.massesNext++ % st.masses.size()];
  m->shape = 0;
  accumulate(st, sc, layout, v, st.tSec(a), st.tSec(b), m->acc);
  m->shape = st.shape;
  m->v = v;
  m->a = a;
  m->b = b;
  return m->acc;
}

void multinomial(core::Rng& rng, std::int64_t n, const double* mass, std::size_t k,
                 std::int64_t* out) {
  double rest = 0;
  for (std::size_t i = 0; i < k; ++i) rest += mass[i];
  for (std::size_t i = 0; i < k && n > 0; ++i) {
    if (mass[i] <= 0) continue;
    if (i + 1 == k || mass[i] >= rest) {
      out[i] += n;
      n = 0;
      break;
    }
    const std::int64_t x = rng.binomial(n, mass[i] / rest);
    out[i] += x;
    n -= x;
    rest -= mass[i];
  }
  if (n > 0) out[k - 1] += n;  // rounding left mass: the last bucket (+Inf) takes it
}

// A sum of n latencies with the given first and second moments (normal approximation).
double drawSum(core::Rng& rng, std::int64_t n, double mean, double m2) {
  if (n <= 0) return 0.0;
  const double var = std::max(0.0, m2 - mean * mean);
  const double nd = static_cast<double>(n);
  return std::max(0.0, nd * mean + std::sqrt(nd * var) * rng.normal());
}

}  // namespace

// ---- series ----

MeshSeries::MeshSeries(MeshLayout layout, Workload workload, const CompiledScenario& scenario)
    : layout_(std::move(layout)),
      workload_(std::move(workload)),
      scenario_(scenario),
      st_(std::make_unique<State>()) {
  const MeshLayout& L = layout_;
  const std::size_t nb = L.buckets.size();
  auto addSeries = [&](Variant v, const std::string& name,
                       std::vector<std::pair<std::string, std::string>> extra,
                       SeriesInfo::Kind kind, int code, int bucket) {
    auto lbl = L.labels(v, workload_);
    lbl.emplace_back("__name__", name);
    for (auto& e : extra) lbl.push_back(std::move(e));
    std::vector<pq::Label> items;
    for (auto& [k, val] : lbl) items.push_back({k, val});
    labels_.emplace_back(std::move(items));
    series_.push_back(SeriesInfo{v, kind, code, bucket});
  };
  auto fmtLe = [](double b) {
    // Shortest representation that round-trips, as Prometheus client libraries format le.
    for (int prec = 1; prec <= 17; ++prec) {
      std::string s = core::formatGeneral(b, prec);
      if (std::strtod(s.c_str(), nullptr) == b) return s;
    }
    return core::formatGeneral(b, 17);
  };
  for (Variant v : {Variant::kCanary, Variant::kPrimary}) {
    if (!L.counter.empty()) {
      addSeries(v, L.counter, {{L.codeLabel, L.successCode}}, SeriesInfo::Kind::kOk, 0, 0);
      addSeries(v, L.counter, {{L.codeLabel, L.errorCode}}, SeriesInfo::Kind::kErr, 1, 0);
    }
    std::vector<std::string> histograms;
    if (!L.histogram.empty()) histograms.push_back(L.histogram);
    histograms.insert(histograms.end(), L.histogramTwins.begin(), L.histogramTwins.end());
    for (const std::string& histogram : histograms) {
      const std::vector<int> codes =
          L.histogramByCode ? std::vector<int>{0, 1} : std::vector<int>{-1};
      for (int code : codes) {
        std::vector<std::pair<std::string, std::string>> codeLbl;
        if (code >= 0) codeLbl.emplace_back(L.codeLabel, code == 0 ? L.successCode : L.errorCode);
        if (L.bucketsExported) {
          for (std::size_t i = 0; i <= nb; ++i) {
            auto e = codeLbl;
            e.emplace_back("le", i < nb ? fmtLe(L.buckets[i]) : "+Inf");
            addSeries(v, histogram + "_bucket", e, SeriesInfo::Kind::kBucket, code,
                      static_cast<int>(i));
          }
        }
        addSeries(v, histogram + "_count", codeLbl, SeriesInfo::Kind::kCount, code, 0);
        addSeries(v, histogram + "_sum", codeLbl, SeriesInfo::Kind::kSum, code, 0);
      }
    }
  }
}

void MeshSeries::reset(std::uint64_t seed) {
  State& st = *st_;
  // The streams of the one registry (sim/seeds.h).
  using sim::SeedStream;
  st.traffic[0].reseed(sim::streamSeed(seed, SeedStream::kTrafficCanary));
  st.traffic[1].reseed(sim::streamSeed(seed, SeedStream::kTrafficPrimary));
  st.totals.reseed(sim::streamSeed(seed, SeedStream::kTotals));
  st.gates.reseed(sim::streamSeed(seed, SeedStream::kGates));
  st.errors.reseed(sim::streamSeed(seed, SeedStream::kQueryErrors));
  st.models.reseed(sim::streamSeed(seed, SeedStream::kModels));
  st.stepMs =
      static_cast<TimestampMs>(std::llround(scenario_.spec().metrics.scrapeInterval * 1000.0));
  // Where the scrapes fall relative to the ticks: uniform over one scrape interval.
  core::Rng phase(sim::streamSeed(seed, SeedStream::kScrapePhase));
  st.phaseMs = static_cast<TimestampMs>(phase.uniform() * static_cast<double>(st.stepMs));
  for (auto& v : st.var) {
    // A fresh variant that keeps its points' storage (a run realises dozens of scrapes).
    Points pts = std::move(v.pts);
    pts.clear();
    v = State::VariantState{};
    v.pts = std::move(pts);
  }
  st.forgetMemo();
  // The primary has been serving for hours: its series exist from 2 h before t = 0.
  auto& p = st.var[static_cast<int>(Variant::kPrimary)];
  p.active = true;
  p.originK = st.kAtOrBefore(-7200 * 1000);
  p.pts.start(p.originK);
  p.birthOk = p.birthErr = p.originK;
  st.segments.assign(1, State::Segment{});
  st.tUp = st.tDown = kInf;
}

namespace {

const Counts kNoCounts{};

// The counts of a variant at a scrape k not realised yet, drawn: after the last realised one,
// or between two (at: the position of the first realised after k; size(): none). Out of line:
// realize() below, inlined into its callers, finds the realised ones without this function's frame.
[[gnu::noinline]] const Counts& drawCounts(State& st, const CompiledScenario& sc,
                                           const MeshLayout& L, Variant v, std::int64_t k,
                                           std::size_t at) {
  auto& pts = st.var[static_cast<int>(v)].pts;
  const std::size_t nb = L.buckets.size() + 1;
  const bool byCode = L.histogramByCode;
  const double dispersion = sc.spec().traffic.dispersion;
  core::Rng& rng = st.traffic[static_cast<int>(v)];
  if (at == pts.size()) {
    // Forward: a fresh draw of everything between the last realised scrape and k.
    const Acc& acc = massesBetween(st, sc, L, v, pts.back().k, k);
    const std::int64_t lastK = pts.back().k;
    Point& p = pts.appendCopyOfLast(k, nb);  // the last counts, then the draws added to them
    ++st.version;
    if (acc.total > 0) {
      const std::int64_t n =
          dispersion > 0
              ? rng.negativeBinomial(acc.total, dispersion * static_cast<double>(k - lastK))
              : rng.poisson(acc.total);
      const std::int64_t e = rng.binomial(n, acc.err / acc.total);
      const std::int64_t s = n - e;
      p.c.ok += s;
      p.c.err += e;
      if (L.bucketsExported) {
        if (byCode) {
          multinomial(rng, s, acc.mOk.data(), nb, p.c.bOk.data());
          multinomial(rng, e, acc.mErr.data(), nb, p.c.bErr.data());
        } else {
          std::array<double, kMaxBuckets> m;
          for (std::size_t i = 0; i < nb; i += 2)
            store2(m.data() + i, load2(acc.mOk.data() + i) + load2(acc.mErr.data() + i));
          multinomial(rng, n, m.data(), nb, p.c.bOk.data());
        }
      }
      const double okMass = acc.total - acc.err;
      if (byCode) {
        if (s > 0) p.c.sumOk += drawSum(rng, s, acc.meanOk / okMass, acc.m2Ok / okMass);
        if (e > 0) p.c.sumErr += drawSum(rng, e, acc.meanErr / acc.err, acc.m2Err / acc.err);
      } else if (n > 0) {
        p.c.sumOk += drawSum(rng, n, (acc.meanOk + acc.meanErr) / acc.total,
                             (acc.m2Ok + acc.m2Err) / acc.total);
      }
    }
    return p.c;
  }
  // Bridge: split what happened between the realised neighbours, category by category.
  const std::int64_t loK = pts[at - 1].k, hiK = pts[at].k;
  const Acc& a = massesBetween(st, sc, L, v, loK, k);
  const Acc& b = massesBetween(st, sc, L, v, loK, hiK, &a);
  // The new point in its place first, a copy of the lower neighbour's counts, then the draws
  // added to it.
  Point& p = pts.insertCopyOfPrevious(at, k, nb);
  const Point& lo = pts[at - 1];
  const Point& hi = pts[at + 1];
  auto split = [&](std::int64_t n, double part, double whole) -> std::int64_t {
    if (n <= 0) return 0;
    const double prob = whole > 0 ? std::clamp(part / whole, 0.0, 1.0) : 0.5;
    return rng.binomial(n, prob);
  };
  const std::int64_t dOk = split(hi.c.ok - lo.c.ok, a.total - a.err, b.total - b.err);
  const std::int64_t dErr = split(hi.c.err - lo.c.err, a.err, b.err);
  p.c.ok += dOk;
  p.c.err += dErr;
  if (L.bucketsExported) {
    for (std::size_t i = 0; i < nb; ++i) {
      if (byCode) {
        p.c.bOk[i] += split(hi.c.bOk[i] - lo.c.bOk[i], a.mOk[i], b.mOk[i]);
        p.c.bErr[i] += split(hi.c.bErr[i] - lo.c.bErr[i], a.mErr[i], b.mErr[i]);
      } else {
        p.c.bOk[i] += split(hi.c.bOk[i] - lo.c.bOk[i], a.mOk[i] + a.mErr[i], b.mOk[i] + b.mErr[i]);
      }
    }
  }
  auto share = [](double d, std::int64_t part, std::int64_t whole) {
    return whole > 0 ? d * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
  };
  if (byCode) {
    p.c.sumOk += share(hi.c.sumOk - lo.c.sumOk, dOk, hi.c.ok - lo.c.ok);
    p.c.sumErr += share(hi.c.sumErr - lo.c.sumErr, dErr, hi.c.err - lo.c.err);
  } else {
    p.c.sumOk +=
        share(hi.c.sumOk - lo.c.sumOk, dOk + dErr, (hi.c.ok - lo.c.ok) + (hi.c.err - lo.c.err));
  }
  ++st.version;
  return p.c;
}

// The counts of a variant at scrape k, drawing them if needed. The reference is valid until the
// next call (points may move): copy it to keep it across one.
inline const Counts& realize(State& st, const CompiledScenario& sc, const MeshLayout& L, Variant v,
                             std::int64_t k) {
  auto& vs = st.var[static_cast<int>(v)];
  if (!vs.active || k <= vs.originK) return kNoCounts;
  auto& pts = vs.pts;
  // Scrapes are mostly asked for at or after the last realised one: look there first, then
  // at the one before it (a range's previous scrape).
  if (pts.back().k == k) return pts.back().c;
  if (pts.size() >= 2 && pts[pts.size() - 2].k == k) return pts[pts.size() - 2].c;
  const std::size_t at = pts.back().k < k ? pts.size() : pts.lowerBound(k);
  if (at != pts.size() && pts[at].k == k) return pts[at].c;
  return drawCounts(st, sc, L, v, k, at);
}

double seriesValue(const SeriesInfo& s, const Counts& c) {
  switch (s.kind) {
    case SeriesInfo::Kind::kOk:
      return static_cast<double>(c.ok);
    case SeriesInfo::Kind::kErr:
      return static_cast<double>(c.err);
    case SeriesInfo::Kind::kCount:
      return static_cast<double>(s.code == 0 ? c.ok : s.code == 1 ? c.err : c.ok + c.err);
    case SeriesInfo::Kind::kSum:
      return s.code == 1 ? c.sumErr : s.code == 0 ? c.sumOk : c.sumOk + c.sumErr;
    case SeriesInfo::Kind::kBucket: {
      const auto& b = s.code == 1 ? c.bErr : c.bOk;
      std::int64_t sum = 0;
      for (int i = 0; i <= s.bucket; ++i) sum += b[static_cast<std::size_t>(i)];
      return static_cast<double>(sum);
    }
  }
  return 0.0;
}

// Which birth a series waits for: 0 = first success, 1 = first error, 2 = first request.
int birthGroup(const SeriesInfo& s) {
  if (s.kind == SeriesInfo::Kind::kOk) return 0;
  if (s.kind == SeriesInfo::Kind::kErr) return 1;
  return s.code == 0 ? 0 : s.code == 1 ? 1 : 2;
}

bool born(int group, const Counts& c) {
  return group == 0 ? c.ok > 0 : group == 1 ? c.err > 0 : c.ok + c.err > 0;
}

// The first scrape in [a, b] at which the series exists, or kNever.
std::int64_t firstExisting(State& st, const CompiledScenario& sc, const MeshLayout& L, Variant v,
                           int group, std::int64_t a, std::int64_t b) {
  auto& vs = st.var[static_cast<int>(v)];
  if (!vs.active) return kNever;
  if (v == Variant::kPrimary) return std::max(a, vs.originK);
  a = std::max(a, vs.originK + 1);
  if (a > b) return kNever;
  auto birth = [&](int g) -> std::int64_t& { return g == 0 ? vs.birthOk : vs.birthErr; };
  auto zeroUpTo = [&](int g) -> std::int64_t& { return g == 0 ? vs.zeroOkUpTo : vs.zeroErrUpTo; };
  if (group == 2) {
    const std::int64_t x = firstExisting(st, sc, L, v, 0, a, b);
    const std::int64_t y = firstExisting(st, sc, L, v, 1, a, b);
    return std::min(x, y);
  }
  std::int64_t& bk = birth(group);
  if (bk != kUnknown) return bk <= b ? std::max(a, bk) : kNever;
  std::int64_t lo = std::max(a - 1, zeroUpTo(group));  // known not born at lo (or lo < a)
  if (lo < a) {
    if (born(group, realize(st, sc, L, v, a))) return a;
    lo = a;
  }
  if (lo >= b) return kNever;
  if (!born(group, realize(st, sc, L, v, b))) {
    zeroUpTo(group) = std::max(zeroUpTo(group), b);
    return kNever;
  }
  std::int64_t hi = b;
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (born(group, realize(st, sc, L, v, mid))) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  bk = hi;
  return hi;
}

}  // namespace

void MeshSeries::select(const std::vector<pq::Matcher>& matchers, std::vector<pq::SeriesRef>& out) {
  out.clear();
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    bool ok = true;
    for (const auto& m : matchers) {
      if (!m.matches(labels_[i].get(m.name))) {
        ok = false;
        break;
      }
    }
    if (ok) out.push_back(i);
  }
}

const pq::Labels& MeshSeries::labels(pq::SeriesRef s) const { return labels_[s]; }

pq::SeriesRef MeshSeries::counterpart(pq::SeriesRef s) const {
  // The constructor adds the canary's series, then the primary's in the same order.
  const std::size_t half = series_.size() / 2;
  return s < half ? s + half : s - half;
}

namespace {

// The memo of the scrapes (f, b, b - 1) a range (a, b] of a variant's birth group reads: the
// entry found then, unchanged since (same realisation counter), else a new one. The calls
// below would draw nothing and find the same points again.
State::RangeMemo& rangeMemo(State& st, const CompiledScenario& sc, const MeshLayout& L, Variant v,
                            int group, std::int64_t a, std::int64_t b) {
  for (auto& e : st.memo) {
    if (e.version == st.version && e.v == v && e.group == group && e.a == a && e.b == b) return e;
  }
  const std::int64_t f = firstExisting(st, sc, L, v, group, a, b);
  State::RangeMemo* m = &st.memo[st.memoNext++ % st.memo.size()];
  m->at[0] = m->at[1] = m->at[2] = nullptr;
  m->cumulated = false;
  m->v = v;
  m->group = group;
  m->a = a;
  m->b = b;
  m->f = f;
  if (f != kNever && f <= b) {
    // Realise all three first, in the order the summary reads them (each may move the
    // points), then take the references.
    (void)realize(st, sc, L, v, f);
    (void)realize(st, sc, L, v, b);
    if (b > f) (void)realize(st, sc, L, v, b - 1);
    m->at[0] = &realize(st, sc, L, v, f);
    m->at[1] = &realize(st, sc, L, v, b);
    m->at[2] = b > f ? &realize(st, sc, L, v, b - 1) : &kNoCounts;
  }
  m->version = st.version;
  return *m;
}

// The summary of series si over the range (a, b] whose scrapes memo m holds (r is empty).
void fillSummary(State& st, const MeshLayout& L, const SeriesInfo& si, State::RangeMemo& m,
                 std::int64_t b, pq::RangeSummary& r) {
  if (m.f == kNever || m.f > b) return;
  r.count = static_cast<std::size_t>(b - m.f + 1);
  double v[3];
  if (si.kind == SeriesInfo::Kind::kBucket) {
    // A histogram's buckets read the same three scrapes: cumulate their counts once.
    if (!m.cumulated) {
      const std::size_t nb = L.buckets.size() + 1;
      for (int i = 0; i < 3; ++i) {
        const Counts& c = *m.at[i];
        std::int64_t ok = 0, err = 0;
        for (std::size_t j = 0; j < nb; ++j) {
          ok += c.bOk[j];
          err += c.bErr[j];
          m.cumOk[i][j] = ok;
          m.cumErr[i][j] = err;
        }
      }
      m.cumulated = true;
    }
    const auto j = static_cast<std::size_t>(si.bucket);
    for (int i = 0; i < 3; ++i)
      v[i] = static_cast<double>(si.code == 1 ? m.cumErr[i][j] : m.cumOk[i][j]);
  } else {
    for (int i = 0; i < 3; ++i) v[i] = seriesValue(si, *m.at[i]);
  }
  r.first = {MeshSeries::kEpochMs + st.tMs(m.f), v[0]};
  r.last = {MeshSeries::kEpochMs + st.tMs(b), v[1]};
  if (r.count >= 2) r.previous = {MeshSeries::kEpochMs + st.tMs(b - 1), v[2]};
}

}  // namespace

pq::RangeSummary MeshSeries::rangeSummary(pq::SeriesRef s, TimestampMs from, TimestampMs to) {
  State& st = *st_;
  const SeriesInfo& si = series_[s];
  pq::RangeSummary r;
  const std::int64_t a = st.kAtOrAfter(from - kEpochMs);
  const std::int64_t b = st.kAtOrBefore(to - kEpochMs);
  if (a > b) return r;
  fillSummary(st, layout_, si, rangeMemo(st, scenario_, layout_, si.v, birthGroup(si), a, b), b, r);
  return r;
}

void MeshSeries::rangeSummaries(const std::vector<pq::SeriesRef>& refs, TimestampMs from,
                                TimestampMs to, std::vector<pq::RangeSummary>& out) {
  // rangeSummary for each series in order, its range's scrapes found once: the memo the
  // previous series used, while nothing was realised since (the same one rangeSummary's
  // search would find), else the search.
  State& st = *st_;
  out.assign(refs.size(), pq::RangeSummary{});
  const std::int64_t a = st.kAtOrAfter(from - kEpochMs);
  const std::int64_t b = st.kAtOrBefore(to - kEpochMs);
  if (a > b) return;
  State::RangeMemo* m = nullptr;
  for (std::size_t k = 0; k < refs.size(); ++k) {
    const SeriesInfo& si = series_[refs[k]];
    const int group = birthGroup(si);
    if (m == nullptr || m->version != st.version || m->v != si.v || m->group != group)
      m = &rangeMemo(st, scenario_, layout_, si.v, group, a, b);
    fillSummary(st, layout_, si, *m, b, out[k]);
  }
}

std::optional<pq::Sample> MeshSeries::latest(pq::SeriesRef s, TimestampMs t, TimestampMs lookback) {
  State& st = *st_;
  const SeriesInfo& si = series_[s];
  const std::int64_t b = st.kAtOrBefore(t - kEpochMs);
  const std::int64_t a = st.kAtOrAfter(t - lookback - kEpochMs);
  if (a > b) return std::nullopt;
  const std::int64_t f = firstExisting(st, scenario_, layout_, si.v, birthGroup(si), b, b);
  if (f == kNever) return std::nullopt;
  return pq::Sample{kEpochMs + st.tMs(b),
                    seriesValue(si, realize(st, scenario_, layout_, si.v, b))};
}

void MeshSeries::samples(pq::SeriesRef s, TimestampMs from, TimestampMs to,
                         std::vector<pq::Sample>& out) {
  out.clear();
  State& st = *st_;
  const SeriesInfo& si = series_[s];
  const std::int64_t a = st.kAtOrAfter(from - kEpochMs);
  const std::int64_t b = st.kAtOrBefore(to - kEpochMs);
  if (a > b) return;
  const std::int64_t f = firstExisting(st, scenario_, layout_, si.v, birthGroup(si), a, b);
  if (f == kNever) return;
  for (std::int64_t k = f; k <= b; ++k) {
    out.push_back(
        {kEpochMs + st.tMs(k), seriesValue(si, realize(st, scenario_, layout_, si.v, k))});
  }
}

RunTotals MeshSeries::totals(double t) {
  State& st = *st_;
  RunTotals tot;
  auto& cv = st.var[static_cast<int>(Variant::kCanary)];
  if (!cv.active) return tot;
  const MeshLayout& L = layout_;
  // Counts up to the last scrape at or before t, plus a draw of what happened after it, up to t.
  const std::int64_t k = st.kAtOrBefore(static_cast<TimestampMs>(std::llround(t * 1000.0)));
  const Counts& c = realize(st, scenario_, L, Variant::kCanary, k);
  std::int64_t ok = c.ok, err = c.err;
  Acc tail;
  accumulate(st, scenario_, L, Variant::kCanary, std::max(st.tSec(k), st.tSec(cv.originK)), t,
             tail);
  if (tail.total > 0) {
    const std::int64_t n = st.totals.poisson(tail.total);
    const std::int64_t e = st.totals.binomial(n, tail.err / tail.total);
    ok += n - e;
    err += e;
  }
  Acc acc;
  accumulate(st, scenario_, L, Variant::kCanary, st.tSec(cv.originK), t, acc);
  const std::int64_t n = ok + err;
  // Requests that came from users (not mirrored copies or the load tester).
  const double okMass = acc.total - acc.err;
  const std::int64_t userOk =
      okMass > 0 ? st.totals.binomial(ok, std::min(1.0, (acc.user - acc.userErr) / okMass)) : 0;
  const std::int64_t userErr =
      acc.err > 0 ? st.totals.binomial(err, std::min(1.0, acc.userErr / acc.err)) : 0;
  (void)n;
  tot.canaryRequests = static_cast<double>(userOk + userErr);
  tot.canaryErrors = static_cast<double>(userErr);
  tot.excessErrors = acc.excess;
  return tot;
}

void MeshSeries::setShares(double t, double canaryLive, double primaryLive, double mirror) {
  State& st = *st_;
  State::Segment seg;
  seg.from = t;
  seg.live[0] = canaryLive;
  seg.live[1] = primaryLive;
  seg.mirror = mirror;
  const auto& last = st.segments.back();
  if (last.live[0] != seg.live[0] || last.live[1] != seg.live[1] || last.mirror != seg.mirror) {
    st.segments.push_back(seg);
    ++st.shape;
  }
}

void MeshSeries::scaleUp(double t) {
  State& st = *st_;
  auto& c = st.var[static_cast<int>(Variant::kCanary)];
  if (!c.active) {
    c.active = true;
    c.originK = st.kAtOrBefore(static_cast<TimestampMs>(std::llround(t * 1000.0)));
    c.pts.start(c.originK);
    ++st.version;
  }
  st.tUp = t;
  st.tDown = kInf;
  ++st.shape;
}

void MeshSeries::scaleDown(double t) {
  st_->tDown = t;
  ++st_->shape;
}

double MeshSeries::canaryUpSince() const { return st_->tUp; }

core::Rng& MeshSeries::rng(Stream s) {
  switch (s) {
    case Stream::kGates:
      return st_->gates;
    case Stream::kErrors:
      return st_->errors;
    case Stream::kModels:
      return st_->models;
  }
  return st_->models;
}

MeshSeries::WindowCounts MeshSeries::window(Variant v, double from, double to) {
  State& st = *st_;
  const std::int64_t b = st.kAtOrBefore(static_cast<TimestampMs>(std::llround(to * 1000.0)));
  const std::int64_t a = st.kAtOrBefore(static_cast<TimestampMs>(std::llround(from * 1000.0)));
  const Counts cb = realize(st, scenario_, layout_, v, b);
  const Counts ca = realize(st, scenario_, layout_, v, a);
  WindowCounts w;
  w.ok = static_cast<double>(cb.ok - ca.ok);
  w.err = static_cast<double>(cb.err - ca.err);
  const std::size_t nb = layout_.buckets.size();
  w.buckets.assign(nb + 1, 0.0);
  for (std::size_t i = 0; i <= nb; ++i) {
    w.buckets[i] = static_cast<double>((cb.bOk[i] - ca.bOk[i]) + (cb.bErr[i] - ca.bErr[i]));
  }
  return w;
}

void MeshSeries::touch(Variant v, double t) {
  State& st = *st_;
  (void)realize(st, scenario_, layout_, v,
                st.kAtOrBefore(static_cast<TimestampMs>(std::llround(t * 1000.0))));
}

std::shared_ptr<void> MeshSeries::save() const { return std::make_shared<State>(*st_); }

void MeshSeries::restore(const std::shared_ptr<void>& saved) {
  *st_ = *static_cast<const State*>(saved.get());
  st_->forgetMemo();  // its counts point into the copy's points
}

MeshSeries::~MeshSeries() = default;

}  // namespace rolloutlab::scenarios
