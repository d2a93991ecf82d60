#include "rolloutlab/core/promql/memory_series_store.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>

namespace rolloutlab::core::promql {

namespace {
std::atomic<std::uint64_t> gNextSourceId{1};
}  // namespace

bool isStaleNaN(double v) { return std::bit_cast<std::uint64_t>(v) == kStaleNaNBits; }

double staleNaN() { return std::bit_cast<double>(kStaleNaNBits); }

SeriesSource::SeriesSource() : instanceId_(gNextSourceId.fetch_add(1)) {}

SeriesSource::SeriesSource(const SeriesSource&) : instanceId_(gNextSourceId.fetch_add(1)) {}

SeriesSource& SeriesSource::operator=(const SeriesSource& other) {
  if (this != &other) instanceId_ = gNextSourceId.fetch_add(1);
  return *this;
}

RangeSummary summarize(const Sample* begin, const Sample* end) {
  RangeSummary r;
  const Sample* prev = nullptr;
  for (const Sample* p = begin; p != end; ++p) {
    if (isStaleNaN(p->v)) continue;
    if (r.count == 0) {
      r.first = *p;
    } else {
      r.previous = *prev;
      // functions.go extrapolatedRate: `if currPoint.V < prevValue { resultValue += prevValue }`
      if (p->v < prev->v) r.resetCorrection += prev->v;
    }
    r.last = *p;
    prev = p;
    ++r.count;
  }
  return r;
}

RangeSummary SeriesSource::rangeSummary(SeriesRef s, TimestampMs from, TimestampMs to) {
  samples(s, from, to, scratch_);
  return summarize(scratch_.data(), scratch_.data() + scratch_.size());
}

void SeriesSource::rangeSummaries(const std::vector<SeriesRef>& refs, TimestampMs from,
                                  TimestampMs to, std::vector<RangeSummary>& out) {
  out.resize(refs.size());
  for (std::size_t k = 0; k < refs.size(); ++k) out[k] = rangeSummary(refs[k], from, to);
}

std::optional<Sample> SeriesSource::latest(SeriesRef s, TimestampMs t, TimestampMs lookback) {
  samples(s, t - lookback, t, scratch_);
  if (scratch_.empty() || isStaleNaN(scratch_.back().v)) return std::nullopt;
  return scratch_.back();
}

SeriesRef MemorySeriesStore::addSeries(const Labels& labels) {
  auto key = labels.key();
  auto it = byKey_.find(key);
  if (it != byKey_.end()) return it->second;
  const SeriesRef ref = series_.size();
  series_.push_back(Series{labels, {}, {}});
  byKey_.emplace(std::move(key), ref);
  ++generation_;
  return ref;
}

bool MemorySeriesStore::append(SeriesRef s, TimestampMs t, double v) {
  Series& ser = series_[s];
  if (!ser.t.empty() && t <= ser.t.back()) return false;
  ser.t.push_back(t);
  ser.v.push_back(v);
  ++sampleCount_;
  return true;
}

void MemorySeriesStore::select(const std::vector<Matcher>& matchers, std::vector<SeriesRef>& out) {
  out.clear();
  for (SeriesRef ref = 0; ref < series_.size(); ++ref) {
    const Labels& l = series_[ref].labels;
    bool ok = true;
    for (const auto& m : matchers) {
      if (!m.matches(l.get(m.name))) {
        ok = false;
        break;
      }
    }
    if (ok) out.push_back(ref);
  }
}

std::pair<std::size_t, std::size_t> MemorySeriesStore::window(const Series& s, TimestampMs from,
                                                              TimestampMs to) const {
  const auto lo = std::lower_bound(s.t.begin(), s.t.end(), from);
  const auto hi = std::upper_bound(lo, s.t.end(), to);
  return {static_cast<std::size_t>(lo - s.t.begin()), static_cast<std::size_t>(hi - s.t.begin())};
}

void MemorySeriesStore::samples(SeriesRef s, TimestampMs from, TimestampMs to,
                                std::vector<Sample>& out) {
  out.clear();
  const Series& ser = series_[s];
  const auto [lo, hi] = window(ser, from, to);
  for (std::size_t i = lo; i < hi; ++i) out.push_back(Sample{ser.t[i], ser.v[i]});
}

RangeSummary MemorySeriesStore::rangeSummary(SeriesRef s, TimestampMs from, TimestampMs to) {
  const Series& ser = series_[s];
  const auto [lo, hi] = window(ser, from, to);
  RangeSummary r;
  std::size_t prev = 0;
  for (std::size_t i = lo; i < hi; ++i) {
    const double v = ser.v[i];
    if (isStaleNaN(v)) continue;
    if (r.count == 0) {
      r.first = Sample{ser.t[i], v};
    } else {
      r.previous = Sample{ser.t[prev], ser.v[prev]};
      if (v < ser.v[prev]) r.resetCorrection += ser.v[prev];
    }
    prev = i;
    ++r.count;
  }
  if (r.count > 0) r.last = Sample{ser.t[prev], ser.v[prev]};
  return r;
}

std::optional<Sample> MemorySeriesStore::latest(SeriesRef s, TimestampMs t, TimestampMs lookback) {
  const Series& ser = series_[s];
  const auto it = std::upper_bound(ser.t.begin(), ser.t.end(), t);
  if (it == ser.t.begin()) return std::nullopt;
  const auto i = static_cast<std::size_t>(it - ser.t.begin()) - 1;
  if (ser.t[i] < t - lookback || isStaleNaN(ser.v[i])) return std::nullopt;
  return Sample{ser.t[i], ser.v[i]};
}

}  // namespace rolloutlab::core::promql
