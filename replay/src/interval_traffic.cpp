#include "rolloutlab/replay/interval_traffic.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>

#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::replay {

namespace pq = core::promql;

namespace {

// Prometheus' default look-back of an instant selector (`--query.lookback-delta`).
constexpr pq::TimestampMs kLookbackMs = 5 * 60 * 1000;

pq::TimestampMs toMs(double epochSeconds) {
  return static_cast<pq::TimestampMs>(std::llround(epochSeconds * 1000.0));
}

// A bucket's `le` label as a number; nullopt when it is not one.
std::optional<double> parseLe(std::string_view s) {
  if (s == "+Inf" || s == "Inf" || s == "+inf" || s == "inf")
    return std::numeric_limits<double>::infinity();
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// A status value that counts as an error: Flagger's builtin queries count `5.*` codes (and
// Linkerd's `classification="failure"`) as errors (pkg/metrics/observers/*.go).
bool errorCode(const sim::MeshLayout& L, std::string_view code) {
  if (!L.errorCode.empty() && !std::isdigit(static_cast<unsigned char>(L.errorCode.front())))
    return code == L.errorCode;
  return !code.empty() && code.front() == '5';
}

}  // namespace

double counterIncrease(pq::SeriesSource& source, pq::SeriesRef s, pq::TimestampMs from,
                       pq::TimestampMs to) {
  if (to <= from) return 0;
  const pq::RangeSummary w = source.rangeSummary(s, from + 1, to);
  if (w.count == 0) return 0;
  const std::optional<pq::Sample> base = source.latest(s, from, kLookbackMs);
  double start = base ? base->v : 0.0;
  if (!std::isfinite(start)) start = 0;
  // From the start value to the first sample of the window (a decrease there is a reset too),
  // then across the window with the resets the evaluator's summary adds back.
  const double first = w.first.v < start ? w.first.v : w.first.v - start;
  return first + (w.last.v - w.first.v) + w.resetCorrection;
}

SeriesIntervalTraffic::SeriesIntervalTraffic(pq::SeriesSource& source, const ReplayTarget& target,
                                             double originEpoch)
    : source_(source), target_(target), origin_(originEpoch) {}

void SeriesIntervalTraffic::pick() {
  picked_ = true;
  const sim::MeshLayout& L = target_.layout;
  const bool countersHaveCodes = !L.counter.empty();
  const std::string requestsName = countersHaveCodes ? L.counter : L.histogram + "_count";
  std::vector<double> bounds;
  for (const Variant v : {Variant::kCanary, Variant::kPrimary}) {
    Picked& p = variants_[static_cast<int>(v)];
    std::vector<pq::Matcher> ms;
    for (const auto& [name, value] : L.labels(v, target_.workload))
      ms.push_back(pq::Matcher::make(pq::MatchType::kEqual, name, value));
    std::vector<pq::Matcher> requests = ms;
    requests.push_back(pq::Matcher::make(pq::MatchType::kEqual, "__name__", requestsName));
    std::vector<pq::SeriesRef> refs;
    source_.select(requests, refs);
    std::sort(refs.begin(), refs.end());  // a stable summation order
    for (const pq::SeriesRef s : refs) {
      p.requests.push_back(s);
      p.isError.push_back(errorCode(L, source_.labels(s).get(L.codeLabel)));
    }
    if (L.histogram.empty()) continue;
    std::vector<pq::Matcher> buckets = ms;
    buckets.push_back(
        pq::Matcher::make(pq::MatchType::kEqual, "__name__", L.histogram + "_bucket"));
    source_.select(buckets, refs);
    std::sort(refs.begin(), refs.end());
    for (const pq::SeriesRef s : refs) {
      const auto le = parseLe(source_.labels(s).get("le"));
      if (!le) continue;
      const double boundMs = std::isinf(*le) ? *le : *le / L.unitPerMs;
      p.buckets.push_back(s);
      p.le.push_back(boundMs);
      if (std::isfinite(boundMs)) bounds.push_back(boundMs);
    }
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  boundsMs_ = std::move(bounds);
}

std::vector<double> SeriesIntervalTraffic::boundsMs() {
  if (!picked_) pick();
  return boundsMs_;
}

sim::WindowCounts SeriesIntervalTraffic::window(Variant v, double from, double to) {
  if (!picked_) pick();
  const pq::TimestampMs a = toMs(origin_ + from);
  const pq::TimestampMs b = toMs(origin_ + to);
  const Picked& p = variants_[static_cast<int>(v)];
  sim::WindowCounts w;
  for (std::size_t i = 0; i < p.requests.size(); ++i) {
    const double inc = counterIncrease(source_, p.requests[i], a, b);
    (p.isError[i] ? w.err : w.ok) += inc;
  }
  if (p.buckets.empty()) return w;
  // Cumulative counts per bound (summed over series), then per bucket.
  const std::size_t nb = boundsMs_.size();
  std::vector<double> cumulative(nb + 1, 0.0);
  std::vector<bool> seen(nb + 1, false);
  for (std::size_t i = 0; i < p.buckets.size(); ++i) {
    const std::size_t k = std::isinf(p.le[i])
                              ? nb
                              : static_cast<std::size_t>(
                                    std::lower_bound(boundsMs_.begin(), boundsMs_.end(), p.le[i]) -
                                    boundsMs_.begin());
    cumulative[k] += counterIncrease(source_, p.buckets[i], a, b);
    seen[k] = true;
  }
  // A bound this variant does not export holds what the bound below it holds.
  for (std::size_t k = 1; k <= nb; ++k) {
    if (!seen[k]) cumulative[k] = cumulative[k - 1];
  }
  w.buckets.assign(nb + 1, 0.0);
  double below = 0;
  for (std::size_t k = 0; k <= nb; ++k) {
    w.buckets[k] = std::max(0.0, cumulative[k] - below);
    below = std::max(below, cumulative[k]);
  }
  return w;
}

std::string variantSelector(const std::string& name, const ReplayTarget& target, Variant v) {
  std::string out = name + "{";
  bool first = true;
  for (const auto& [label, value] : target.layout.labels(v, target.workload)) {
    out += (first ? "" : ",") + label + "=\"";
    for (char c : value) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += "\"";
    first = false;
  }
  return out + "}";
}

LiveIntervalTraffic::LiveIntervalTraffic(ReplaySource& server, const ReplayTarget& target,
                                         double originEpoch)
    : server_(server), target_(target), origin_(originEpoch) {}

LiveIntervalTraffic::~LiveIntervalTraffic() = default;

void LiveIntervalTraffic::fetch(double from, double to) {
  if (fetched_ && fetched_->first == from && fetched_->second == to) return;
  const sim::MeshLayout& L = target_.layout;
  std::vector<std::string> names{L.counter.empty() ? L.histogram + "_count" : L.counter};
  if (!L.histogram.empty()) names.push_back(L.histogram + "_bucket");
  // The samples the interval's counts need: the window and Prometheus' look-back before it.
  const pq::TimestampMs rangeMs = toMs(origin_ + to) - toMs(origin_ + from) + kLookbackMs;
  auto store = std::make_unique<pq::MemorySeriesStore>();
  for (const Variant v : {Variant::kCanary, Variant::kPrimary}) {
    for (const auto& name : names) {
      const std::string q =
          variantSelector(name, target_, v) + "[" + std::to_string(rangeMs) + "ms]";
      const InstantAnswer a = server_.query(q, origin_ + to);
      if (a.kind == InstantAnswer::Kind::kError)
        throw core::EnvironmentError("the shadow judges' query " + q + " failed: " + a.error);
      if (a.kind != InstantAnswer::Kind::kMatrix) continue;  // no series: an empty answer
      for (std::size_t i = 0; i < a.values.size() && i < a.times.size(); ++i)
        store->append(a.labels[i], toMs(a.times[i]), a.values[i]);
    }
  }
  counts_.reset();
  store_ = std::move(store);
  counts_ = std::make_unique<SeriesIntervalTraffic>(*store_, target_, origin_);
  fetched_ = std::make_pair(from, to);
}

sim::WindowCounts LiveIntervalTraffic::window(Variant v, double from, double to) {
  fetch(from, to);
  return counts_->window(v, from, to);
}

std::vector<double> LiveIntervalTraffic::boundsMs() {
  if (!counts_) return {};
  return counts_->boundsMs();
}

}  // namespace rolloutlab::replay
