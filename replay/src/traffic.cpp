#include "rolloutlab/replay/traffic.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <unordered_map>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/replay/time.h"
#include "rolloutlab/sim/seeds.h"
#include "sampling.h"

namespace rolloutlab::replay {

namespace pq = core::promql;
using pq::TimestampMs;

namespace {

constexpr std::int64_t kMaxRows = 400000;  // ~70 days of 15 s steps
constexpr double kInf = std::numeric_limits<double>::infinity();
// The canary's recorded behaviour at a step is read from the nearest steps holding at least
// this many canary requests (or from all of them).
constexpr std::uint64_t kMinPooled = 200;

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

bool is5xx(int status) { return status >= 500 && status <= 599; }

// An `le` value as Envoy and the Prometheus clients write bucket bounds: the shortest decimal
// that reads back as the bound ("2500", "0.005", "3600000").
std::string fmtLe(double b) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, b, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

}  // namespace

const char* toString(Counterfactual c) {
  switch (c) {
    case Counterfactual::kNone:
      return "none";
    case Counterfactual::kModel:
      return "model";
    case Counterfactual::kRecordedCanary:
      return "recorded";
  }
  return "?";
}

std::optional<Counterfactual> counterfactualFromString(std::string_view s) {
  if (s == "none") return Counterfactual::kNone;
  if (s == "model") return Counterfactual::kModel;
  if (s == "recorded" || s == "recorded-canary") return Counterfactual::kRecordedCanary;
  return std::nullopt;
}

// ---- TrafficRecording ---------------------------------------------------------------------------

std::uint64_t TrafficRecording::Cell::requests() const {
  std::uint64_t n = 0;
  for (auto c : byCode) n += c;
  return n;
}

std::uint64_t TrafficRecording::Cell::errors() const {
  std::uint64_t n = errNoLatency;
  for (auto c : errBuckets) n += c;
  return n;
}

TrafficRecording::TrafficRecording(sim::MeshLayout layout, double stepSeconds,
                                   bool keepStableDetail)
    : layout_(std::move(layout)), keepDetail_(keepStableDetail) {
  stepMs_ = std::max<std::int64_t>(1, std::llround(stepSeconds * 1000.0));
  nb_ = layout_.buckets.size() + 1;
  if (nb_ > static_cast<std::size_t>(kMaxTrafficBuckets)) {
    throw core::InputError(
        {core::Severity::kError, "", 0, 0, "buckets", "",
         "at most " + std::to_string(kMaxTrafficBuckets - 1) + " bucket bounds"});
  }
  for (double b : layout_.buckets) boundsMs_.push_back(b / layout_.unitPerMs);
  codeIndex_.fill(-1);
}

int TrafficRecording::codeIndex(int status) {
  if (status < 0 || status > 999) return -1;
  std::int16_t& slot = codeIndex_[static_cast<std::size_t>(status)];
  if (slot >= 0) return slot;
  if (codes_.size() >= static_cast<std::size_t>(kMaxStatusCodes)) return -1;
  slot = static_cast<std::int16_t>(codes_.size());
  codes_.push_back(status);
  return slot;
}

std::size_t TrafficRecording::bucketOf(double ms) const {
  // Prometheus' `le`: a request equal to a bound is in that bound's bucket.
  return static_cast<std::size_t>(std::lower_bound(boundsMs_.begin(), boundsMs_.end(), ms) -
                                  boundsMs_.begin());
}

void TrafficRecording::binRange(std::uint16_t bin, double& lo, double& hi) const {
  const std::size_t b = bin / kSubBins;
  const int s = bin % kSubBins;
  double blo = b == 0 ? 0.0 : boundsMs_[b - 1];
  double bhi =
      b < boundsMs_.size() ? boundsMs_[b] : (boundsMs_.empty() ? 1e12 : boundsMs_.back() * 1000.0);
  if (b == 0) {
    lo = bhi * s / kSubBins;
    hi = bhi * (s + 1) / kSubBins;
    return;
  }
  const double r = std::log(bhi / blo);
  lo = blo * std::exp(r * s / kSubBins);
  hi = blo * std::exp(r * (s + 1) / kSubBins);
}

bool TrafficRecording::ensureRow(std::int64_t step, std::string* error) {
  if (rowCount_ == 0) {
    firstStep_ = step;
    rowCount_ = 1;
    cells_.assign(2, Cell{});
    return true;
  }
  const std::int64_t first = firstStep_;
  const std::int64_t end = firstStep_ + static_cast<std::int64_t>(rowCount_);
  if (step >= first && step < end) return true;
  const std::int64_t newFirst = std::min(first, step);
  const std::int64_t newEnd = std::max(end, step + 1);
  if (newEnd - newFirst > kMaxRows) {
    if (error) {
      *error = "a request at " + formatTime(static_cast<double>(step * stepMs_) / 1000.0) +
               " lies too far from the others (a recording spans at most " +
               std::to_string(kMaxRows) + " scrape steps)";
    }
    return false;
  }
  if (step < first) {
    cells_.insert(cells_.begin(), static_cast<std::size_t>((first - step) * 2), Cell{});
    firstStep_ = step;
  } else {
    cells_.resize(static_cast<std::size_t>((newEnd - newFirst) * 2));
  }
  rowCount_ = static_cast<std::size_t>(newEnd - newFirst);
  return true;
}

bool TrafficRecording::add(double endTime, Variant v, int status, double latencyMs,
                           std::string* error) {
  // Prometheus stores int64 milliseconds; a request said to end outside that range (a start
  // plus an absurd duration) has no scrape step.
  if (!(std::fabs(endTime) <= core::promql::kMaxApiTimeSeconds)) {
    if (error) *error = "the request's end time is outside what Prometheus can store";
    return false;
  }
  const auto ms = static_cast<std::int64_t>(std::floor(endTime * 1000.0));
  const std::int64_t step = floorDiv(ms, stepMs_);
  // A kept detail is keyed by the step shifted left 24 bits: the step must fit in 40 signed
  // bits (thousands of years from 1970 at any scrape interval; found by fuzzing).
  if (step >= (std::int64_t(1) << 39) || step < -(std::int64_t(1) << 39)) {
    if (error) *error = "the request's end time is outside the range a recording can hold";
    return false;
  }
  const int ci = codeIndex(status);
  if (ci < 0) {
    if (error) {
      *error = status < 0 || status > 999
                   ? "status " + std::to_string(status) + " is not an HTTP status"
                   : "more than " + std::to_string(kMaxStatusCodes) + " distinct status codes";
    }
    return false;
  }
  if (!ensureRow(step, error)) return false;
  Cell& c = cellAt(step - firstStep_, v);
  ++c.byCode[static_cast<std::size_t>(ci)];
  const bool err = is5xx(status);
  std::uint16_t bin = kNoLatencyBin;
  if (latencyMs >= 0 && std::isfinite(latencyMs)) {
    const std::size_t b = bucketOf(latencyMs);
    (err ? c.errBuckets : c.okBuckets)[b]++;
    (err ? c.errSumMs : c.okSumMs) += latencyMs;
    if (keepDetail_ && v == Variant::kPrimary) {
      double lo = 0, hi = 0;
      binRange(static_cast<std::uint16_t>(b * kSubBins), lo, hi);
      int s = 0;
      const double bhi = b < boundsMs_.size() ? boundsMs_[b] : 0.0;
      if (b == 0) {
        s = bhi > 0 ? static_cast<int>(latencyMs / bhi * kSubBins) : 0;
      } else {
        const double blo = boundsMs_[b - 1];
        const double top = b < boundsMs_.size() ? bhi : blo * 1000.0;
        s = static_cast<int>(
            std::floor(kSubBins * std::log(latencyMs / blo) / std::log(top / blo)));
      }
      s = std::clamp(s, 0, kSubBins - 1);
      bin = static_cast<std::uint16_t>(b * kSubBins + static_cast<std::size_t>(s));
    }
  } else {
    (err ? c.errNoLatency : c.okNoLatency)++;
  }
  if (keepDetail_ && v == Variant::kPrimary) {
    const std::uint64_t key =
        (static_cast<std::uint64_t>(step) << 24) ^ (static_cast<std::uint64_t>(ci) << 16) ^ bin;
    auto& d = pending_[key];
    d.code = static_cast<std::uint16_t>(ci);
    d.bin = bin;
    ++d.count;
    if (bin != kNoLatencyBin) d.sumMs += latencyMs;
  }
  return true;
}

void TrafficRecording::finish() {
  if (finished_) return;
  finished_ = true;
  // The code a counterfactual canary fails with must have a series.
  int errCode = std::atoi(layout_.errorCode.c_str());
  if (!is5xx(errCode)) errCode = 500;
  codeIndex(errCode);
  detail_.assign(rowCount_, {});
  for (const auto& [key, d] : pending_) {
    // The step was packed shifted left: an arithmetic shift brings back a negative one (a time
    // before 1970), where `key >> 24` gave a huge row index.
    const std::int64_t step = static_cast<std::int64_t>(key) >> 24;
    detail_[static_cast<std::size_t>(step - firstStep_)].push_back(d);
  }
  pending_ = {};
  for (auto& row : detail_) {
    std::sort(row.begin(), row.end(), [](const Detail& a, const Detail& b) {
      return a.code != b.code ? a.code < b.code : a.bin < b.bin;
    });
  }
}

std::uint64_t TrafficRecording::requests(Variant v) const {
  std::uint64_t n = 0;
  for (std::size_t r = 0; r < rowCount_; ++r) n += cell(static_cast<std::int64_t>(r), v).requests();
  return n;
}

double TrafficRecording::stableLatencyQuantile(double q) const {
  if (keepDetail_) {
    std::vector<std::uint64_t> bins(nb_ * kSubBins, 0);
    std::uint64_t total = 0;
    for (const auto& row : detail_) {
      for (const auto& d : row) {
        if (d.bin == kNoLatencyBin) continue;
        bins[d.bin] += d.count;
        total += d.count;
      }
    }
    if (total == 0) return std::numeric_limits<double>::quiet_NaN();
    const double rank = q * static_cast<double>(total);
    double acc = 0;
    for (std::size_t i = 0; i < bins.size(); ++i) {
      if (bins[i] == 0) continue;
      if (acc + static_cast<double>(bins[i]) >= rank) {
        double lo = 0, hi = 0;
        binRange(static_cast<std::uint16_t>(i), lo, hi);
        const double f = (rank - acc) / static_cast<double>(bins[i]);
        return lo > 0 ? lo * std::pow(hi / lo, f) : lo + (hi - lo) * f;
      }
      acc += static_cast<double>(bins[i]);
    }
  }
  // Bucket counts, interpolated as histogram_quantile does.
  std::vector<double> cum(nb_, 0.0);
  for (std::size_t r = 0; r < rowCount_; ++r) {
    const Cell& c = cell(static_cast<std::int64_t>(r), Variant::kPrimary);
    for (std::size_t b = 0; b < nb_; ++b) cum[b] += c.okBuckets[b] + c.errBuckets[b];
  }
  for (std::size_t b = 1; b < nb_; ++b) cum[b] += cum[b - 1];
  const double total = cum.back();
  if (total <= 0) return std::numeric_limits<double>::quiet_NaN();
  const double rank = q * total;
  for (std::size_t b = 0; b < nb_; ++b) {
    if (cum[b] >= rank) {
      if (b + 1 == nb_) return boundsMs_.empty() ? 0.0 : boundsMs_.back();
      const double lo = b == 0 ? 0.0 : boundsMs_[b - 1];
      const double below = b == 0 ? 0.0 : cum[b - 1];
      return lo + (boundsMs_[b] - lo) * (rank - below) / (cum[b] - below);
    }
  }
  return boundsMs_.empty() ? 0.0 : boundsMs_.back();
}

// ---- TrafficSeries ------------------------------------------------------------------------------

struct TrafficSeries::State {
  core::Rng rng{0};
  BlockResample resample;
  std::int64_t realized = 0;  // rows realised: [0, realized)
  std::size_t nSeries = 0;
  std::vector<double> values;       // realized * nSeries cumulative values
  std::vector<std::int64_t> birth;  // per series: first row with a value, -1 not yet
  // Running cumulative state per variant.
  struct Running {
    std::vector<std::int64_t> codes, ok, err;
    std::int64_t okNoLat = 0, errNoLat = 0;
    double okSum = 0, errSum = 0;
  } run[2];
  // Per realised row: cumulative user canary requests, 5xx and excess 5xx.
  std::vector<double> userReq, userErr, excess;
  struct Segment {
    double from;
    RouteShares s;
  };
  std::vector<Segment> segments;
  double upSince = kInf;
};

TrafficSeries::TrafficSeries(const TrafficRecording& recording, sim::Workload workload,
                             Counterfactual mode, const sim::Scenario* releaseModel,
                             double originEpoch)
    : rec_(recording),
      workload_(std::move(workload)),
      mode_(mode),
      origin_(originEpoch),
      st_(std::make_unique<State>()) {
  const auto& L = rec_.layout();
  if (mode_ == Counterfactual::kModel) {
    if (!rec_.hasDetail())
      throw std::logic_error("TrafficSeries: a model counterfactual needs the stable detail");
    // The release model acts on the recorded stable latency: its p50 and p99 anchor p99Factor.
    sim::BehaviourSpec base;
    base.errorRate = 0;
    double p50 = rec_.stableLatencyQuantile(0.5);
    double p99 = rec_.stableLatencyQuantile(0.99);
    if (!(p50 > 0)) p50 = 1;
    if (!(p99 > p50)) p99 = p50 * 2;
    base.latency.p50 = p50;
    base.latency.p99 = p99;
    medianMs_ = p50;
    model_ = std::make_unique<sim::BehaviourModel>(
        base, releaseModel ? releaseModel->effects : std::vector<sim::EffectSpec>{});
  }
  const bool classLabel = L.provider == "linkerd";
  const std::size_t nb = rec_.buckets();
  auto add = [&](Variant v, const std::string& name,
                 std::vector<std::pair<std::string, std::string>> extra, SeriesInfo info) {
    std::vector<pq::Label> items;
    for (const auto& [k, val] : L.labels(v, workload_)) items.push_back({k, val});
    items.push_back({"__name__", name});
    for (auto& [k, val] : extra) items.push_back({k, val});
    labels_.emplace_back(std::move(items));
    info_.push_back(info);
  };
  for (Variant v : {Variant::kCanary, Variant::kPrimary}) {
    if (!L.counter.empty()) {
      if (classLabel) {
        add(v, L.counter, {{L.codeLabel, L.successCode}}, {v, SeriesInfo::Kind::kClass, 0, 0});
        add(v, L.counter, {{L.codeLabel, L.errorCode}}, {v, SeriesInfo::Kind::kClass, 1, 0});
      } else {
        for (std::size_t c = 0; c < rec_.codes().size(); ++c) {
          add(v, L.counter, {{L.codeLabel, std::to_string(rec_.codes()[c])}},
              {v, SeriesInfo::Kind::kCode, static_cast<int>(c), 0});
        }
      }
    }
    if (!L.histogram.empty()) {
      const std::vector<int> classes =
          L.histogramByCode ? std::vector<int>{0, 1} : std::vector<int>{-1};
      for (int cls : classes) {
        std::vector<std::pair<std::string, std::string>> codeLbl;
        if (cls >= 0) codeLbl.emplace_back(L.codeLabel, cls == 0 ? L.successCode : L.errorCode);
        if (L.bucketsExported) {
          for (std::size_t i = 0; i < nb; ++i) {
            auto e = codeLbl;
            e.emplace_back("le", i + 1 < nb ? fmtLe(L.buckets[i]) : "+Inf");
            add(v, L.histogram + "_bucket", e,
                {v, SeriesInfo::Kind::kBucket, cls, static_cast<int>(i)});
          }
        }
        add(v, L.histogram + "_count", codeLbl, {v, SeriesInfo::Kind::kCount, cls, 0});
        add(v, L.histogram + "_sum", codeLbl, {v, SeriesInfo::Kind::kSum, cls, 0});
      }
    }
  }
  st_->nSeries = info_.size();
  reset(0, BlockResample());
}

TrafficSeries::~TrafficSeries() = default;

void TrafficSeries::reset(std::uint64_t seed, const BlockResample& resample) {
  State& st = *st_;
  st.rng.reseed(sim::streamSeed(seed, sim::SeedStream::kTrafficRouting));
  st.resample = resample;
  st.realized = 0;
  st.values.clear();
  st.birth.assign(st.nSeries, -1);
  const std::size_t C = rec_.codes().size();
  const std::size_t nb = rec_.buckets();
  for (auto& r : st.run) {
    r.codes.assign(C, 0);
    r.ok.assign(nb, 0);
    r.err.assign(nb, 0);
    r.okNoLat = r.errNoLat = 0;
    r.okSum = r.errSum = 0;
  }
  st.userReq.clear();
  st.userErr.clear();
  st.excess.clear();
  st.segments.assign(1, State::Segment{-kInf, RouteShares{}});
  st.upSince = kInf;
}

void TrafficSeries::setShares(double epoch, const RouteShares& s) {
  auto& segs = st_->segments;
  const auto& last = segs.back().s;
  if (last.canary != s.canary || last.primary != s.primary || last.mirror != s.mirror)
    segs.push_back({epoch, s});
}

void TrafficSeries::setCanaryScaled(double epoch, bool up) {
  if (up && !std::isfinite(st_->upSince)) st_->upSince = epoch;
}

namespace {

// Time-weighted mean shares over [a, b).
RouteShares meanShares(const std::vector<TrafficSeries::State::Segment>& segs, double a, double b) {
  RouteShares m{0, 0, 0};
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const double lo = std::max(a, segs[i].from);
    const double hi = std::min(b, i + 1 < segs.size() ? segs[i + 1].from : kInf);
    if (hi <= lo) continue;
    const double w = (hi - lo) / (b - a);
    m.canary += w * segs[i].s.canary;
    m.primary += w * segs[i].s.primary;
    m.mirror += w * segs[i].s.mirror;
  }
  return m;
}

// Increments of one variant over one row.
struct Inc {
  std::vector<std::int64_t> codes, ok, err;
  std::int64_t okNoLat = 0, errNoLat = 0;
  double okSum = 0, errSum = 0;
  void clear(std::size_t C, std::size_t nb) {
    codes.assign(C, 0);
    ok.assign(nb, 0);
    err.assign(nb, 0);
    okNoLat = errNoLat = 0;
    okSum = errSum = 0;
  }
};

// A pooled distribution of recorded outcomes (codes; buckets by class; sums).
struct Pool {
  std::vector<double> codes, ok, err;  // buckets include a last "no latency" slot
  double okSum = 0, errSum = 0, okLat = 0, errLat = 0;
  double total = 0;
};

}  // namespace

void TrafficSeries::realize(std::int64_t row) {
  State& st = *st_;
  row = std::min(row, rec_.rows() - 1);
  const std::size_t C = rec_.codes().size();
  const std::size_t nb = rec_.buckets();
  const double stepSec = rec_.stepSeconds();
  const auto& codes = rec_.codes();
  int errCodeIdx = -1;
  {
    int errCode = std::atoi(rec_.layout().errorCode.c_str());
    if (!(errCode >= 500 && errCode <= 599)) errCode = 500;
    for (std::size_t c = 0; c < C; ++c) {
      if (codes[c] == errCode) errCodeIdx = static_cast<int>(c);
    }
  }
  Inc inc[2];
  std::vector<std::int64_t> tmpOk(nb + 1), tmpErr(nb + 1);

  // Recorded outcomes of `v` pooled over the rows nearest to `s` holding >= kMinPooled requests.
  auto pool = [&](Variant v, std::int64_t s) {
    Pool p;
    p.codes.assign(C, 0);
    p.ok.assign(nb + 1, 0);
    p.err.assign(nb + 1, 0);
    std::uint64_t seen = 0;
    auto take = [&](std::int64_t r) {
      const auto& c = rec_.cell(r, v);
      for (std::size_t i = 0; i < C; ++i) p.codes[i] += c.byCode[i];
      for (std::size_t i = 0; i < nb; ++i) {
        p.ok[i] += c.okBuckets[i];
        p.err[i] += c.errBuckets[i];
        p.okLat += c.okBuckets[i];
        p.errLat += c.errBuckets[i];
      }
      p.ok[nb] += c.okNoLatency;
      p.err[nb] += c.errNoLatency;
      p.okSum += c.okSumMs;
      p.errSum += c.errSumMs;
      seen += c.requests();
    };
    take(s);
    for (std::int64_t h = 1; seen < kMinPooled && (s - h >= 0 || s + h < rec_.rows()); ++h) {
      if (s - h >= 0) take(s - h);
      if (s + h < rec_.rows()) take(s + h);
    }
    p.total = static_cast<double>(seen);
    return p;
  };
  // Adds n requests drawn from a pool to an increment.
  auto drawFrom = [&](const Pool& p, std::int64_t n, Inc& out, std::int64_t* errorsOut) {
    if (n <= 0 || p.total <= 0) return;
    std::vector<std::int64_t> byCode(C, 0);
    detail::multinomialAdd(st.rng, n, p.codes.data(), C, byCode.data());
    std::int64_t nOk = 0, nErr = 0;
    for (std::size_t i = 0; i < C; ++i) {
      out.codes[i] += byCode[i];
      (codes[i] >= 500 && codes[i] <= 599 ? nErr : nOk) += byCode[i];
    }
    if (errorsOut) *errorsOut += nErr;
    std::fill(tmpOk.begin(), tmpOk.end(), 0);
    std::fill(tmpErr.begin(), tmpErr.end(), 0);
    detail::multinomialAdd(st.rng, nOk, p.ok.data(), nb + 1, tmpOk.data());
    detail::multinomialAdd(st.rng, nErr, p.err.data(), nb + 1, tmpErr.data());
    for (std::size_t i = 0; i < nb; ++i) {
      out.ok[i] += tmpOk[i];
      out.err[i] += tmpErr[i];
    }
    out.okNoLat += tmpOk[nb];
    out.errNoLat += tmpErr[nb];
    std::int64_t okLat = 0, errLat = 0;
    for (std::size_t i = 0; i < nb; ++i) {
      okLat += tmpOk[i];
      errLat += tmpErr[i];
    }
    if (p.okLat > 0) out.okSum += static_cast<double>(okLat) * p.okSum / p.okLat;
    if (p.errLat > 0) out.errSum += static_cast<double>(errLat) * p.errSum / p.errLat;
  };

  for (std::int64_t r = st.realized; r <= row; ++r) {
    const std::int64_t s = st.resample.source(r);
    const double b = static_cast<double>(rec_.scrapeMs(r)) / 1000.0;
    const double a = b - stepSec;
    inc[0].clear(C, nb);
    inc[1].clear(C, nb);
    double userReq = 0, userErr = 0, excess = 0;
    if (mode_ == Counterfactual::kNone) {
      for (int vi = 0; vi < 2; ++vi) {
        const auto& c = rec_.cell(s, static_cast<Variant>(vi));
        for (std::size_t i = 0; i < C; ++i) inc[vi].codes[i] = c.byCode[i];
        for (std::size_t i = 0; i < nb; ++i) {
          inc[vi].ok[i] = c.okBuckets[i];
          inc[vi].err[i] = c.errBuckets[i];
        }
        inc[vi].okNoLat = c.okNoLatency;
        inc[vi].errNoLat = c.errNoLatency;
        inc[vi].okSum = c.okSumMs;
        inc[vi].errSum = c.errSumMs;
      }
      const auto& cc = rec_.cell(s, Variant::kCanary);
      const auto& pc = rec_.cell(s, Variant::kPrimary);
      userReq = static_cast<double>(cc.requests());
      userErr = static_cast<double>(cc.errors());
      const double ps = pc.requests() > 0
                            ? static_cast<double>(pc.errors()) / static_cast<double>(pc.requests())
                            : 0.0;
      excess = userErr - userReq * ps;
    } else {
      const RouteShares m = meanShares(st.segments, a, b);
      const double w = std::clamp(m.canary, 0.0, 1.0);
      const double mirrorOfPrimary = w < 1.0 ? std::clamp(m.mirror / (1.0 - w), 0.0, 1.0) : 0.0;
      Inc& canary = inc[0];
      Inc& primary = inc[1];
      if (mode_ == Counterfactual::kModel) {
        const sim::Mix mix = model_->at(0.5 * (a + b) - origin_);
        std::vector<double> weights;
        for (const auto& comp : mix.components) weights.push_back(comp.weight);
        std::vector<std::int64_t> parts(weights.size());
        for (const auto& d : rec_.detail(s)) {
          const std::int64_t n = d.count;
          const std::int64_t toCanary = w > 0 ? st.rng.binomial(n, w) : 0;
          const std::int64_t stay = n - toCanary;
          const std::int64_t mirrored =
              mirrorOfPrimary > 0 ? st.rng.binomial(stay, mirrorOfPrimary) : 0;
          const int status = codes[d.code];
          const bool wasErr = status >= 500 && status <= 599;
          const double meanMs = d.bin != TrafficRecording::kNoLatencyBin && n > 0
                                    ? d.sumMs / static_cast<double>(n)
                                    : 0;
          // The primary keeps what it recorded.
          if (stay > 0) {
            primary.codes[d.code] += stay;
            if (d.bin == TrafficRecording::kNoLatencyBin) {
              (wasErr ? primary.errNoLat : primary.okNoLat) += stay;
            } else {
              (wasErr ? primary.err : primary.ok)[d.bin / kSubBins] += stay;
              (wasErr ? primary.errSum : primary.okSum) += meanMs * static_cast<double>(stay);
            }
          }
          // The canary answers the rest as the release model says.
          for (int pass = 0; pass < 2; ++pass) {
            const std::int64_t k = pass == 0 ? toCanary : mirrored;
            if (k <= 0) continue;
            std::fill(parts.begin(), parts.end(), 0);
            detail::multinomialAdd(st.rng, k, weights.data(), weights.size(), parts.data());
            for (std::size_t ci = 0; ci < mix.components.size(); ++ci) {
              const std::int64_t kc = parts[ci];
              if (kc <= 0) continue;
              const auto& comp = mix.components[ci];
              std::int64_t conv = 0;
              if (!wasErr && comp.errorRate > 0)
                conv = st.rng.binomial(kc, std::min(1.0, comp.errorRate));
              const std::int64_t keepCode = kc - conv;
              canary.codes[d.code] += keepCode;
              if (conv > 0 && errCodeIdx >= 0)
                canary.codes[static_cast<std::size_t>(errCodeIdx)] += conv;
              const std::int64_t okN = wasErr ? 0 : keepCode;
              const std::int64_t errN = wasErr ? kc : conv;
              if (pass == 0) {
                userReq += static_cast<double>(kc);
                userErr += static_cast<double>(errN);
                if (!wasErr) excess += static_cast<double>(kc) * std::min(1.0, comp.errorRate);
              }
              if (d.bin == TrafficRecording::kNoLatencyBin) {
                canary.okNoLat += okN;
                canary.errNoLat += errN;
                continue;
              }
              // T(x) = factor * m * (x / m)^kappa; split the sub-bin across the buckets its image
              // spans, in proportion to the part of the sub-bin each receives.
              const double f = comp.factor, kap = comp.kappa, med = medianMs_ > 0 ? medianMs_ : 1.0;
              auto T = [&](double x) {
                return kap == 1.0 ? f * x : f * med * std::pow(x / med, kap);
              };
              auto Tinv = [&](double y) {
                return kap == 1.0 ? y / f : med * std::pow(y / (f * med), 1.0 / kap);
              };
              double lo = 0, hi = 0;
              rec_.binRange(d.bin, lo, hi);
              const bool linear = d.bin / kSubBins == 0;
              auto fracBelow = [&](double x) {
                if (x <= lo) return 0.0;
                if (x >= hi) return 1.0;
                return linear ? (x - lo) / (hi - lo) : std::log(x / lo) / std::log(hi / lo);
              };
              std::vector<double> share(nb, 0.0);
              double prev = 0.0;
              for (std::size_t bi = 0; bi + 1 < nb; ++bi) {
                const double boundMs = rec_.layout().buckets[bi] / rec_.layout().unitPerMs;
                const double fb = fracBelow(Tinv(boundMs));
                share[bi] = std::max(0.0, fb - prev);
                prev = std::max(prev, fb);
              }
              share[nb - 1] = std::max(0.0, 1.0 - prev);
              const double tMean = T(meanMs);
              detail::multinomialAdd(st.rng, okN, share.data(), nb, canary.ok.data());
              detail::multinomialAdd(st.rng, errN, share.data(), nb, canary.err.data());
              canary.okSum += tMean * static_cast<double>(okN);
              canary.errSum += tMean * static_cast<double>(errN);
            }
          }
        }
      } else {
        // Recorded canary: stable requests thinned exactly; moved requests behave as the
        // recorded canary requests of the nearest steps.
        const auto& sc = rec_.cell(s, Variant::kPrimary);
        const auto& kc = rec_.cell(s, Variant::kCanary);
        std::int64_t keptOk = 0, keptErr = 0, movedStable = 0;
        for (std::size_t i = 0; i < C; ++i) {
          const std::int64_t n = sc.byCode[i];
          const std::int64_t keep = n > 0 ? st.rng.binomial(n, 1.0 - w) : 0;
          primary.codes[i] += keep;
          movedStable += n - keep;
          (codes[i] >= 500 && codes[i] <= 599 ? keptErr : keptOk) += keep;
        }
        // Which of the kept requests carry which latency: without replacement from the step.
        std::fill(tmpOk.begin(), tmpOk.end(), 0);
        std::fill(tmpErr.begin(), tmpErr.end(), 0);
        std::vector<std::int64_t> okCounts(nb + 1), errCounts(nb + 1);
        for (std::size_t i = 0; i < nb; ++i) {
          okCounts[i] = sc.okBuckets[i];
          errCounts[i] = sc.errBuckets[i];
        }
        okCounts[nb] = sc.okNoLatency;
        errCounts[nb] = sc.errNoLatency;
        detail::hypergeometricAdd(st.rng, keptOk, okCounts.data(), nb + 1, tmpOk.data());
        detail::hypergeometricAdd(st.rng, keptErr, errCounts.data(), nb + 1, tmpErr.data());
        std::int64_t okLat = 0, errLat = 0, okLatAll = 0, errLatAll = 0;
        for (std::size_t i = 0; i < nb; ++i) {
          primary.ok[i] += tmpOk[i];
          primary.err[i] += tmpErr[i];
          okLat += tmpOk[i];
          errLat += tmpErr[i];
          okLatAll += okCounts[i];
          errLatAll += errCounts[i];
        }
        primary.okNoLat += tmpOk[nb];
        primary.errNoLat += tmpErr[nb];
        if (okLatAll > 0)
          primary.okSum += sc.okSumMs * static_cast<double>(okLat) / static_cast<double>(okLatAll);
        if (errLatAll > 0)
          primary.errSum +=
              sc.errSumMs * static_cast<double>(errLat) / static_cast<double>(errLatAll);
        // Recorded canary requests are users' requests too: routed like the rest.
        const std::int64_t nk = static_cast<std::int64_t>(kc.requests());
        const std::int64_t kToCanary = nk > 0 ? st.rng.binomial(nk, w) : 0;
        const std::int64_t kStay = nk - kToCanary;
        if (kStay > 0) drawFrom(pool(Variant::kPrimary, s), kStay, primary, nullptr);
        const std::int64_t toCanary = movedStable + kToCanary;
        const std::int64_t keptTotal = keptOk + keptErr + kStay;
        const std::int64_t mirrored =
            mirrorOfPrimary > 0 ? st.rng.binomial(keptTotal, mirrorOfPrimary) : 0;
        if (toCanary > 0 || mirrored > 0) {
          const Pool cp = pool(Variant::kCanary, s);
          std::int64_t errs = 0;
          drawFrom(cp, toCanary, canary, &errs);
          drawFrom(cp, mirrored, canary, nullptr);
          userReq = static_cast<double>(toCanary);
          userErr = static_cast<double>(errs);
          const Pool sp = pool(Variant::kPrimary, s);
          double pS = 0, pC = 0;
          for (std::size_t i = 0; i < C; ++i) {
            if (codes[i] >= 500 && codes[i] <= 599) {
              pS += sp.codes[i];
              pC += cp.codes[i];
            }
          }
          pS = sp.total > 0 ? pS / sp.total : 0;
          pC = cp.total > 0 ? pC / cp.total : 0;
          excess = static_cast<double>(toCanary) * (pC - pS);
        }
      }
    }
    // Cumulate and write the row's series values.
    for (int vi = 0; vi < 2; ++vi) {
      auto& R = st.run[vi];
      for (std::size_t i = 0; i < C; ++i) R.codes[i] += inc[vi].codes[i];
      for (std::size_t i = 0; i < nb; ++i) {
        R.ok[i] += inc[vi].ok[i];
        R.err[i] += inc[vi].err[i];
      }
      R.okNoLat += inc[vi].okNoLat;
      R.errNoLat += inc[vi].errNoLat;
      R.okSum += inc[vi].okSum;
      R.errSum += inc[vi].errSum;
    }
    const double unit = rec_.layout().unitPerMs;
    const std::size_t base = st.values.size();
    st.values.resize(base + st.nSeries);
    for (std::size_t si = 0; si < st.nSeries; ++si) {
      const SeriesInfo& info = info_[si];
      const auto& R = st.run[static_cast<int>(info.v)];
      double v = 0, group = 0;
      switch (info.kind) {
        case SeriesInfo::Kind::kCode:
          v = static_cast<double>(R.codes[static_cast<std::size_t>(info.code)]);
          group = v;
          break;
        case SeriesInfo::Kind::kClass: {
          std::int64_t n = 0;
          for (std::size_t i = 0; i < C; ++i) {
            const bool e = codes[i] >= 500 && codes[i] <= 599;
            if (e == (info.code == 1)) n += R.codes[i];
          }
          v = static_cast<double>(n);
          group = v;
          break;
        }
        case SeriesInfo::Kind::kBucket:
        case SeriesInfo::Kind::kCount:
        case SeriesInfo::Kind::kSum: {
          std::int64_t below = 0, all = 0;
          for (std::size_t i = 0; i < nb; ++i) {
            const std::int64_t n = (info.code != 1 ? R.ok[i] : 0) + (info.code != 0 ? R.err[i] : 0);
            all += n;
            if (static_cast<int>(i) <= info.bucket) below += n;
          }
          group = static_cast<double>(all);
          if (info.kind == SeriesInfo::Kind::kBucket) {
            v = static_cast<double>(below);
          } else if (info.kind == SeriesInfo::Kind::kCount) {
            v = static_cast<double>(all);
          } else {
            v = ((info.code != 1 ? R.okSum : 0.0) + (info.code != 0 ? R.errSum : 0.0)) * unit;
          }
          break;
        }
      }
      st.values[base + si] = v;
      if (st.birth[si] < 0 && group > 0) st.birth[si] = r;
    }
    const double prevReq = st.userReq.empty() ? 0.0 : st.userReq.back();
    const double prevErr = st.userErr.empty() ? 0.0 : st.userErr.back();
    const double prevEx = st.excess.empty() ? 0.0 : st.excess.back();
    st.userReq.push_back(prevReq + userReq);
    st.userErr.push_back(prevErr + userErr);
    st.excess.push_back(prevEx + excess);
  }
  st.realized = std::max(st.realized, row + 1);
}

RunTotals TrafficSeries::totals(double epoch) {
  RunTotals t;
  const std::int64_t stepMs = rec_.stepMs();
  auto rowAt = [&](double e) {
    // The last row whose scrape is at or before e.
    const auto ms = static_cast<std::int64_t>(std::floor(e * 1000.0 + 1e-6));
    return floorDiv(ms, stepMs) - rec_.firstStep() - 1;
  };
  const std::int64_t hi = std::min(rowAt(epoch), rec_.rows() - 1);
  if (hi < 0) return t;
  realize(hi);
  const State& st = *st_;
  std::int64_t lo = -1;
  if (mode_ == Counterfactual::kNone) lo = std::min(rowAt(origin_), hi);
  auto at = [&](const std::vector<double>& v, std::int64_t r) {
    return r < 0 ? 0.0 : v[static_cast<std::size_t>(r)];
  };
  t.canaryRequests = at(st.userReq, hi) - at(st.userReq, lo);
  t.canaryErrors = at(st.userErr, hi) - at(st.userErr, lo);
  t.excessErrors = at(st.excess, hi) - at(st.excess, lo);
  return t;
}

void TrafficSeries::select(const std::vector<pq::Matcher>& matchers,
                           std::vector<pq::SeriesRef>& out) {
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

const pq::Labels& TrafficSeries::labels(pq::SeriesRef s) const { return labels_[s]; }

void TrafficSeries::samples(pq::SeriesRef s, TimestampMs from, TimestampMs to,
                            std::vector<pq::Sample>& out) {
  out.clear();
  if (rec_.rows() == 0 || to < from) return;
  const std::int64_t stepMs = rec_.stepMs();
  // Rows whose scrape time (first + r + 1) * step lies in [from, to].
  std::int64_t lo = floorDiv(from + stepMs - 1, stepMs) - rec_.firstStep() - 1;
  std::int64_t hi = floorDiv(to, stepMs) - rec_.firstStep() - 1;
  lo = std::max<std::int64_t>(lo, 0);
  hi = std::min(hi, rec_.rows() - 1);
  if (lo > hi) return;
  realize(hi);
  const State& st = *st_;
  const std::int64_t birth = st.birth[s];
  if (birth < 0 || birth > hi) return;
  lo = std::max(lo, birth);
  for (std::int64_t r = lo; r <= hi; ++r) {
    out.push_back({rec_.scrapeMs(r), st.values[static_cast<std::size_t>(r) * st.nSeries + s]});
  }
}

}  // namespace rolloutlab::replay
