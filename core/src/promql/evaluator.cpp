// Instant-query evaluation with Prometheus 2.42 semantics.
//
// Each rule cites the upstream function it reproduces (prometheus/prometheus v2.42.0):
// promql/engine.go (eval, rangeEval, matrixIterSlice, vectorSelectorSingle, aggregation,
// VectorBinop, VectorscalarBinop, vectorElemBinop, resultMetric, signatureFunc),
// promql/functions.go (extrapolatedRate, instantValue, aggrOverTime, simpleFunc, ...),
// promql/quantile.go (bucketQuantile, coalesceBuckets, ensureMonotonic, quantile).
//
// Caching: every node keeps its output buffer and the label bookkeeping it derived from its
// inputs. Label sets are handled by pointer; a derived set is interned per node, so equal
// contents share one pointer. Bookkeeping is memoised on the exact sequence of input label
// pointers, which stays the same from one evaluation to the next while the same series are
// present, so a steady-state evaluation does no hashing, no regex work and no allocation.
// Everything is dropped when the source or its generation changes. The shapes of Flagger's
// builtin queries take a fast path with the same reads and arithmetic ("the fast path" below).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numbers>
#include <unordered_map>
#include <utility>

#include "ast.h"
#include "parser.h"
#include "rolloutlab/core/promql/exposition.h"
#include "rolloutlab/core/promql/fast_path.h"
#include "rolloutlab/core/promql/query.h"

namespace rolloutlab::core::promql {

namespace detail {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct EvalError {
  std::string message;
};

[[noreturn]] void evalError(std::string msg) { throw EvalError{std::move(msg)}; }

const Labels& emptyLabels() {
  static const Labels kEmpty;
  return kEmpty;
}

struct Elem {
  const Labels* labels;
  double v;
};

// Interns label sets by content; addresses and ids are stable until clear().
class LabelArena {
 public:
  struct Interned {
    const Labels* labels;
    std::uint32_t id;
  };
  Interned intern(Labels&& l) {
    std::string key = l.key();
    auto it = byKey_.find(key);
    if (it != byKey_.end()) return it->second;
    store_.push_back(std::make_unique<Labels>(std::move(l)));
    Interned in{store_.back().get(), static_cast<std::uint32_t>(store_.size() - 1)};
    byKey_.emplace(std::move(key), in);
    return in;
  }
  std::size_t size() const { return store_.size(); }
  void clear() {
    byKey_.clear();
    store_.clear();
  }

 private:
  std::unordered_map<std::string, Interned> byKey_;
  std::vector<std::unique_ptr<Labels>> store_;
};

bool samePointers(const std::vector<const Labels*>& last, const std::vector<Elem>& in) {
  if (last.size() != in.size()) return false;
  for (std::size_t k = 0; k < in.size(); ++k) {
    if (last[k] != in[k].labels) return false;
  }
  return true;
}

void remember(std::vector<const Labels*>& last, const std::vector<Elem>& in) {
  last.resize(in.size());
  for (std::size_t k = 0; k < in.size(); ++k) last[k] = in[k].labels;
}

bool hasDuplicatePointers(std::vector<const Labels*>& scratch) {
  std::sort(scratch.begin(), scratch.end());
  return std::adjacent_find(scratch.begin(), scratch.end()) != scratch.end();
}

// Maps each input label set to a derived one (e.g. without __name__), memoised.
class LabelMapper {
 public:
  // Replaces the labels of `elems` in place. Returns true when two results share a label set.
  template <class Derive>
  bool apply(std::vector<Elem>& elems, Derive derive) {
    if (valid_ && samePointers(lastIn_, elems)) {
      for (std::size_t k = 0; k < elems.size(); ++k) elems[k].labels = lastOut_[k];
      return lastDup_;
    }
    remember(lastIn_, elems);
    lastOut_.resize(elems.size());
    for (std::size_t k = 0; k < elems.size(); ++k) {
      const Labels* in = elems[k].labels;
      auto it = cache_.find(in);
      const Labels* out = nullptr;
      if (it != cache_.end()) {
        out = it->second;
      } else {
        out = arena_.intern(derive(*in)).labels;
        cache_.emplace(in, out);
      }
      elems[k].labels = lastOut_[k] = out;
    }
    scratch_ = lastOut_;
    lastDup_ = hasDuplicatePointers(scratch_);
    valid_ = true;
    return lastDup_;
  }
  void reset() {
    valid_ = false;
    lastIn_.clear();
    lastOut_.clear();
    cache_.clear();
    arena_.clear();
  }

 private:
  bool valid_ = false;
  bool lastDup_ = false;
  std::vector<const Labels*> lastIn_, lastOut_, scratch_;
  std::unordered_map<const Labels*, const Labels*> cache_;
  LabelArena arena_;
};

// Interns keys (grouping keys, matching signatures) of label sets as small integers; equal
// ids mean equal key strings. Looked up by label pointer first.
class KeySpace {
 public:
  template <class KeyOf>
  int lookup(const Labels* in, KeyOf& keyOf) {
    auto it = cache_.find(in);
    if (it != cache_.end()) return it->second;
    std::string key = keyOf(*in);
    auto kit = ids_.find(key);
    int id = 0;
    if (kit != ids_.end()) {
      id = kit->second;
    } else {
      id = static_cast<int>(ids_.size());
      ids_.emplace(std::move(key), id);
    }
    cache_.emplace(in, id);
    return id;
  }
  std::size_t size() const { return ids_.size(); }
  void reset() {
    cache_.clear();
    ids_.clear();
  }

 private:
  std::unordered_map<const Labels*, int> cache_;
  std::unordered_map<std::string, int> ids_;
};

// The keys of a vector's elements, memoised on the sequence of label pointers.
class KeyMemo {
 public:
  template <class KeyOf>
  const std::vector<int>& apply(const std::vector<Elem>& elems, KeySpace& space, KeyOf keyOf) {
    if (valid_ && samePointers(lastIn_, elems)) return keys_;
    remember(lastIn_, elems);
    keys_.resize(elems.size());
    for (std::size_t k = 0; k < elems.size(); ++k) keys_[k] = space.lookup(elems[k].labels, keyOf);
    valid_ = true;
    return keys_;
  }
  void reset() {
    valid_ = false;
    lastIn_.clear();
    keys_.clear();
  }

 private:
  bool valid_ = false;
  std::vector<const Labels*> lastIn_;
  std::vector<int> keys_;
};

// A key over a subset of labels: `on` keeps only `names`, otherwise all but `names` and
// __name__ (engine.go signatureFunc; the same subsets as generateGroupingKey for by/without).
std::string subsetKey(const Labels& l, const std::vector<std::string>& names, bool keep) {
  std::string out;
  for (const auto& lab : l) {
    const bool listed = std::find(names.begin(), names.end(), lab.name) != names.end();
    if (keep ? !listed : (listed || lab.name == kMetricNameLabel)) continue;
    out += lab.name;
    out += '\xff';
    out += lab.value;
    out += '\xff';
  }
  return out;
}

Labels subsetLabels(const Labels& l, const std::vector<std::string>& names, bool keep) {
  std::vector<Label> out;
  for (const auto& lab : l) {
    const bool listed = std::find(names.begin(), names.end(), lab.name) != names.end();
    if (keep ? !listed : (listed || lab.name == kMetricNameLabel)) continue;
    out.push_back(lab);
  }
  return Labels(std::move(out));
}

Labels dropName(const Labels& l) { return l.withoutMetricName(); }

// ---- numeric helpers reproducing Go's math package where C differs ----

// Go math.Max: +Inf wins over NaN; NaN otherwise wins; +0 beats -0.
double goMax(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) return kNaN;
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}

// Go math.Min: -Inf wins over NaN; NaN otherwise wins; -0 beats +0.
double goMin(double x, double y) {
  if (std::isinf(x) && x < 0) return x;
  if (std::isinf(y) && y < 0) return y;
  if (std::isnan(x) || std::isnan(y)) return kNaN;
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

// functions.go kahanSumInc.
void kahanSumInc(double inc, double& sum, double& c) {
  const double t = sum + inc;
  if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

// Go's Duration.Seconds() of a millisecond duration.
double durationSeconds(TimestampMs ms) {
  const std::int64_t ns = ms * 1000000;
  const std::int64_t sec = ns / 1000000000;
  const std::int64_t nsec = ns % 1000000000;
  return static_cast<double>(sec) + static_cast<double>(nsec) / 1e9;
}

// quantile.go quantile (the `quantile` aggregation and quantile_over_time). Sorts `values`.
double quantileOf(double q, std::vector<double>& values) {
  if (values.empty() || std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  // vectorByValueHeap ordering: NaN sorts first.
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lowerIndex = std::max(0.0, std::floor(rank));
  const double upperIndex = std::min(n - 1, lowerIndex + 1);
  const double weight = rank - std::floor(rank);
  return values[static_cast<std::size_t>(lowerIndex)] * (1 - weight) +
         values[static_cast<std::size_t>(upperIndex)] * weight;
}

struct Bucket {
  double upperBound;
  double count;
};

// quantile.go bucketQuantile (with coalesceBuckets and ensureMonotonic).
double bucketQuantile(double q, std::vector<Bucket>& buckets) {
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  // Bounds already strictly increasing (distinct, in order) are what the sort would give.
  bool sorted = true;
  for (std::size_t k = 1; k < buckets.size() && sorted; ++k)
    sorted = buckets[k - 1].upperBound < buckets[k].upperBound;
  if (!sorted) {
    std::sort(buckets.begin(), buckets.end(),
              [](const Bucket& a, const Bucket& b) { return a.upperBound < b.upperBound; });
  }
  if (!(std::isinf(buckets.back().upperBound) && buckets.back().upperBound > 0)) return kNaN;
  // coalesceBuckets: merge buckets with the same upper bound.
  std::size_t n = 0;
  Bucket last = buckets[0];
  for (std::size_t k = 1; k < buckets.size(); ++k) {
    if (buckets[k].upperBound == last.upperBound) {
      last.count += buckets[k].count;
    } else {
      buckets[n++] = last;
      last = buckets[k];
    }
  }
  buckets[n++] = last;
  buckets.resize(n);
  // ensureMonotonic: the envelope of the counts.
  double max = buckets[0].count;
  for (std::size_t k = 1; k < buckets.size(); ++k) {
    if (buckets[k].count > max) {
      max = buckets[k].count;
    } else if (buckets[k].count < max) {
      buckets[k].count = max;
    }
  }
  if (buckets.size() < 2) return kNaN;
  const double observations = buckets.back().count;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  // sort.Search over len-1: the first bucket whose count >= rank.
  std::size_t b = 0;
  {
    std::size_t lo = 0;
    std::size_t hi = buckets.size() - 1;
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (!(buckets[mid].count >= rank)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    b = lo;
  }
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].upperBound;
  if (b == 0 && buckets[0].upperBound <= 0) return buckets[0].upperBound;
  double bucketStart = 0;
  const double bucketEnd = buckets[b].upperBound;
  double count = buckets[b].count;
  if (b > 0) {
    bucketStart = buckets[b - 1].upperBound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

// engine.go vectorElemBinop / scalarBinop for floats: value and keep.
std::pair<double, bool> elemBinop(BinOp op, double l, double r) {
  switch (op) {
    case BinOp::kAdd:
      return {l + r, true};
    case BinOp::kSub:
      return {l - r, true};
    case BinOp::kMul:
      return {l * r, true};
    case BinOp::kDiv:
      return {l / r, true};
    case BinOp::kPow:
      return {std::pow(l, r), true};
    case BinOp::kMod:
      return {std::fmod(l, r), true};
    case BinOp::kAtan2:
      return {std::atan2(l, r), true};
    case BinOp::kEql:
      return {l, l == r};
    case BinOp::kNeq:
      return {l, l != r};
    case BinOp::kGtr:
      return {l, l > r};
    case BinOp::kLss:
      return {l, l < r};
    case BinOp::kGte:
      return {l, l >= r};
    case BinOp::kLte:
      return {l, l <= r};
    default:
      return {kNaN, false};
  }
}

struct GroupAcc {
  double value = 0;
  double mean = 0;
  std::int64_t count = 0;
  std::vector<double> values;  // quantile
};

struct NodeState {
  // selectors
  bool selected = false;
  std::vector<SeriesRef> refs;
  std::vector<const Labels*> seriesLabels;
  std::vector<TimestampMs> times;  // instant selector: the sample times (timestamp())
  // range-vector calls: output labels per selected series
  std::vector<const Labels*> outLabels;
  bool mayCollide = false;
  LabelArena arena;
  // output
  std::vector<Elem> vec;
  // memos
  LabelMapper mapper;
  KeySpace space;            // aggregation groups, histogram groups, matching signatures
  KeyMemo memoL;             // keys of the (left-hand) input
  KeyMemo memoR;             // keys of the right-hand input
  std::vector<int> localOf;  // key → local group, per evaluation
  std::vector<int> order;    // local group → key
  std::vector<const Labels*> groupLabels;  // key → output labels (interned)
  std::vector<std::uint32_t> groupIds;     // key → interned id
  std::vector<GroupAcc> acc;
  std::vector<std::vector<Bucket>> buckets;
  std::vector<double> leOf;  // per input position: the parsed `le`
  std::vector<char> leOk;    // per input position: `le` present and a float
  std::unordered_map<const Labels*, std::pair<bool, double>> leCache;
  std::vector<const Labels*> lastLeIn;
  // fast path, histogram_quantile: per series its `le` group; per group the parsed bound
  std::vector<int> fastGroupOf;
  std::vector<double> fastLeOf;
  std::vector<char> fastLeOk;
  // fast path, histogram_quantile: the bounds in the order they last came, the permutation
  // that sorts them (valid when they are distinct), and reordering scratch
  std::vector<double> fastPermBounds;
  std::vector<std::size_t> fastPerm;
  bool fastPermValid = false;
  std::vector<Bucket> fastSorted;
  // binary matching
  struct PairMemo {
    const Labels* l = nullptr;
    const Labels* r = nullptr;
    LabelArena::Interned result{nullptr, 0};
  };
  std::vector<PairMemo> pairMemo;  // per left-hand position
  std::vector<std::uint32_t> sigStamp;
  std::vector<int> sigPos;
  std::vector<std::uint32_t> usedStamp;
  std::vector<std::uint32_t> idStamp;
  std::vector<std::uint32_t> outIds;
  std::vector<std::pair<int, std::uint32_t>> sigIds;
  // scratch
  std::vector<RangeSummary> summaries;  // fast path: the range summaries of a selection
  std::vector<Sample> samples;
  std::vector<double> values;
  std::vector<const Labels*> ptrs;

  void reset() {
    selected = false;
    refs.clear();
    seriesLabels.clear();
    outLabels.clear();
    mayCollide = false;
    arena.clear();
    mapper.reset();
    space.reset();
    memoL.reset();
    memoR.reset();
    groupLabels.clear();
    groupIds.clear();
    leCache.clear();
    lastLeIn.clear();
    fastGroupOf.clear();
    fastLeOf.clear();
    fastLeOk.clear();
    fastPermBounds.clear();
    fastPerm.clear();
    fastPermValid = false;
    pairMemo.clear();
    sigStamp.clear();
    sigPos.clear();
    usedStamp.clear();
    idStamp.clear();
  }
};

}  // namespace

struct EvalState {
  std::vector<NodeState> nodes;
  QueryResult result;
  // Whether the query has one of the shapes the fast path answers (decided once per binding:
  // -1 not yet, 0 no, 1 yes).
  int fast = -1;
  bool bound = false;
  std::uint64_t sourceId = 0;
  std::uint64_t generation = 0;
  std::uint32_t stamp = 0;
};

namespace {

class Evaluator {
 public:
  Evaluator(const Ast& ast, EvalState& st, SeriesSource& src, TimestampMs t, TimestampMs lookback)
      : ast_(ast), st_(st), src_(src), t_(t), lookback_(lookback) {}

  // Whether the fast path answers the query (see "the fast path" below).
  static bool hasFastShape(const Ast& ast) { return fastShape(ast, ast.root); }

  void run(bool fastPath) {
    QueryResult& r = st_.result;
    r.error.clear();
    r.vector.clear();
    try {
      if (fastPath) {
        if (st_.fast < 0)
          st_.fast = fastShape(ast_, ast_.root) && fastSeriesDistinct(ast_.root) ? 1 : 0;
        if (st_.fast == 1) {
          double v = 0;
          r.kind = ResultKind::kVector;
          if (fastValue(ast_.root, v)) r.vector.push_back(VectorElement{&emptyLabels(), v});
          return;
        }
      }
      const Node& root = node(ast_.root);
      if (root.type == ValueType::kScalar) {
        r.kind = ResultKind::kScalar;
        r.scalar = evalScalar(ast_.root);
      } else {
        const auto& v = evalVector(ast_.root);
        r.kind = ResultKind::kVector;
        r.vector.reserve(v.size());
        for (const auto& e : v) r.vector.push_back(VectorElement{e.labels, e.v});
      }
    } catch (const EvalError& e) {
      r.kind = ResultKind::kError;
      r.vector.clear();
      r.error = e.message;
    }
  }

 private:
  const Node& node(int i) const { return ast_.nodes[static_cast<std::size_t>(i)]; }
  NodeState& state(int i) { return st_.nodes[static_cast<std::size_t>(i)]; }
  std::uint32_t nextStamp() {
    if (++st_.stamp == 0) {
      for (auto& ns : st_.nodes) {
        std::fill(ns.sigStamp.begin(), ns.sigStamp.end(), 0);
        std::fill(ns.usedStamp.begin(), ns.usedStamp.end(), 0);
        std::fill(ns.idStamp.begin(), ns.idStamp.end(), 0);
      }
      st_.stamp = 1;
    }
    return st_.stamp;
  }

  // ---- selection ----

  void ensureSelected(int i) {
    NodeState& ns = state(i);
    if (ns.selected) return;
    const Node& n = node(i);
    src_.select(n.matchers, ns.refs);
    // The TSDB yields series ordered by labels (labels.Compare).
    std::vector<std::pair<const Labels*, SeriesRef>> sorted;
    sorted.reserve(ns.refs.size());
    for (SeriesRef r : ns.refs) sorted.emplace_back(&src_.labels(r), r);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return compare(*a.first, *b.first) < 0; });
    ns.refs.clear();
    ns.seriesLabels.clear();
    for (const auto& [l, r] : sorted) {
      ns.refs.push_back(r);
      ns.seriesLabels.push_back(l);
    }
    ns.selected = true;
  }

  // ---- scalars ----

  double evalScalar(int i) {
    const Node& n = node(i);
    switch (n.kind) {
      case NodeKind::kNumber:
        return n.number;
      case NodeKind::kParen:
        return evalScalar(n.children[0]);
      case NodeKind::kUnary: {
        const double v = evalScalar(n.children[0]);
        return n.negate ? -v : v;
      }
      case NodeKind::kBinary: {
        const double l = evalScalar(n.children[0]);
        const double r = evalScalar(n.children[1]);
        const auto [v, keep] = elemBinop(n.binOp, l, r);
        if (isComparison(n.binOp)) return keep ? 1.0 : 0.0;  // scalarBinop: btos
        return v;
      }
      case NodeKind::kCall:
        switch (n.fn->func) {
          case Func::kScalar: {
            const auto& v = evalVector(n.children[0]);
            return v.size() == 1 ? v[0].v : kNaN;
          }
          case Func::kTime:
            return static_cast<double>(t_) / 1000;
          case Func::kPi:
            return std::numbers::pi;
          default:
            break;
        }
        break;
      default:
        break;
    }
    evalError("internal error: node is not a scalar");
  }

  // ---- vectors ----

  const std::vector<Elem>& evalVector(int i) {
    const Node& n = node(i);
    switch (n.kind) {
      case NodeKind::kParen:
        return evalVector(n.children[0]);
      case NodeKind::kVectorSelector:
        return evalSelector(i);
      case NodeKind::kUnary:
        return evalUnary(i);
      case NodeKind::kCall:
        return evalCall(i);
      case NodeKind::kAggregate:
        return evalAggregate(i);
      case NodeKind::kBinary:
        return evalBinary(i);
      default:
        break;
    }
    evalError("internal error: node is not an instant vector");
  }

  // engine.go vectorSelectorSingle: the latest sample in [T - offset - lookback, T - offset]
  // (2.x; Prometheus 3 excludes the look-back's start).
  const std::vector<Elem>& evalSelector(int i) {
    ensureSelected(i);
    const Node& n = node(i);
    NodeState& ns = state(i);
    ns.vec.clear();
    ns.times.clear();
    const TimestampMs ref = t_ - n.offset;
    for (std::size_t k = 0; k < ns.refs.size(); ++k) {
      const auto s = src_.latest(ns.refs[k], ref, lookback_);
      if (!s) continue;
      ns.vec.push_back(Elem{ns.seriesLabels[k], s->v});
      ns.times.push_back(s->t);
    }
    return ns.vec;
  }

  // engine.go eval UnaryExpr: `-` negates and drops the metric name; `+` is the identity.
  const std::vector<Elem>& evalUnary(int i) {
    const Node& n = node(i);
    const auto& in = evalVector(n.children[0]);
    if (!n.negate) return in;
    NodeState& ns = state(i);
    ns.vec.assign(in.begin(), in.end());
    for (auto& e : ns.vec) e.v = -e.v;
    if (ns.mapper.apply(ns.vec, dropName)) {
      evalError("vector cannot contain metrics with the same labelset");
    }
    return ns.vec;
  }

  // ---- functions ----

  static int matrixArg(const Ast& ast, const Node& n) {
    for (std::size_t a = 0; a < n.children.size(); ++a) {
      if (ast.nodes[static_cast<std::size_t>(n.children[a])].type == ValueType::kMatrix) {
        return static_cast<int>(a);
      }
    }
    return -1;
  }

  static int unwrap(const Ast& ast, int i) {
    while (ast.nodes[static_cast<std::size_t>(i)].kind == NodeKind::kParen) {
      i = ast.nodes[static_cast<std::size_t>(i)].children[0];
    }
    return i;
  }

  const std::vector<Elem>& evalCall(int i) {
    const Node& n = node(i);
    const int m = matrixArg(ast_, n);
    if (m >= 0) return evalRangeCall(i, m);
    NodeState& ns = state(i);
    const Func f = n.fn->func;
    switch (f) {
      case Func::kVector:
        // functions.go funcVector: one sample without labels.
        ns.vec.assign(1, Elem{&emptyLabels(), evalScalar(n.children[0])});
        return ns.vec;
      case Func::kAbsent: {
        const auto& in = evalVector(n.children[0]);
        ns.vec.clear();
        if (in.empty()) ns.vec.push_back(Elem{&n.absentLabels, 1});
        return ns.vec;
      }
      case Func::kSort:
      case Func::kSortDesc: {
        const auto& in = evalVector(n.children[0]);
        ns.vec.assign(in.begin(), in.end());
        // functions.go funcSort / funcSortDesc: NaN last in both directions.
        if (f == Func::kSort) {
          std::stable_sort(ns.vec.begin(), ns.vec.end(), [](const Elem& a, const Elem& b) {
            if (std::isnan(b.v)) return !std::isnan(a.v);
            return a.v < b.v;
          });
        } else {
          std::stable_sort(ns.vec.begin(), ns.vec.end(), [](const Elem& a, const Elem& b) {
            if (std::isnan(b.v)) return !std::isnan(a.v);
            return a.v > b.v;
          });
        }
        return ns.vec;
      }
      case Func::kHistogramQuantile:
        return evalHistogramQuantile(i);
      case Func::kTimestamp: {
        const int arg = unwrap(ast_, n.children[0]);
        const auto& in = evalVector(n.children[0]);
        ns.vec.assign(in.begin(), in.end());
        if (node(arg).kind == NodeKind::kVectorSelector) {
          // engine.go: timestamp() of a selector reads the samples' own times.
          const auto& times = state(arg).times;
          for (std::size_t k = 0; k < ns.vec.size(); ++k) {
            ns.vec[k].v = static_cast<double>(times[k]) / 1000;
          }
        } else {
          for (auto& e : ns.vec) e.v = static_cast<double>(t_) / 1000;
        }
        if (ns.mapper.apply(ns.vec, dropName)) {
          evalError("vector cannot contain metrics with the same labelset");
        }
        return ns.vec;
      }
      default:
        break;
    }
    // simpleFunc-style functions: value mapped, metric name dropped.
    double a1 = 0;
    double a2 = 0;
    if (n.children.size() > 1) a1 = evalScalar(n.children[1]);
    if (n.children.size() > 2) a2 = evalScalar(n.children[2]);
    const auto& in = evalVector(n.children[0]);
    ns.vec.assign(in.begin(), in.end());
    if (f == Func::kClamp && a2 < a1) {
      ns.vec.clear();  // funcClamp: max < min gives an empty vector
      return ns.vec;
    }
    const double toNearestInverse = n.children.size() > 1 ? 1.0 / a1 : 1.0;
    for (auto& e : ns.vec) {
      const double v = e.v;
      switch (f) {
        case Func::kAbs:
          e.v = std::fabs(v);
          break;
        case Func::kCeil:
          e.v = std::ceil(v);
          break;
        case Func::kFloor:
          e.v = std::floor(v);
          break;
        case Func::kExp:
          e.v = std::exp(v);
          break;
        case Func::kSqrt:
          e.v = std::sqrt(v);
          break;
        case Func::kLn:
          e.v = std::log(v);
          break;
        case Func::kLog2:
          e.v = std::log2(v);
          break;
        case Func::kLog10:
          e.v = std::log10(v);
          break;
        case Func::kSin:
          e.v = std::sin(v);
          break;
        case Func::kCos:
          e.v = std::cos(v);
          break;
        case Func::kTan:
          e.v = std::tan(v);
          break;
        case Func::kAsin:
          e.v = std::asin(v);
          break;
        case Func::kAcos:
          e.v = std::acos(v);
          break;
        case Func::kAtan:
          e.v = std::atan(v);
          break;
        case Func::kSinh:
          e.v = std::sinh(v);
          break;
        case Func::kCosh:
          e.v = std::cosh(v);
          break;
        case Func::kTanh:
          e.v = std::tanh(v);
          break;
        case Func::kAsinh:
          e.v = std::asinh(v);
          break;
        case Func::kAcosh:
          e.v = std::acosh(v);
          break;
        case Func::kAtanh:
          e.v = std::atanh(v);
          break;
        case Func::kDeg:
          e.v = v * 180 / std::numbers::pi;
          break;
        case Func::kRad:
          e.v = v * std::numbers::pi / 180;
          break;
        case Func::kSgn:
          e.v = v < 0 ? -1.0 : (v > 0 ? 1.0 : v);
          break;
        case Func::kRound:
          // funcRound: ties round up.
          e.v = std::floor(v * toNearestInverse + 0.5) / toNearestInverse;
          break;
        case Func::kClamp:
          e.v = goMax(a1, goMin(a2, v));
          break;
        case Func::kClampMin:
          e.v = goMax(a1, v);
          break;
        case Func::kClampMax:
          e.v = goMin(a1, v);
          break;
        default:
          evalError("internal error: unhandled function");
      }
    }
    if (ns.mapper.apply(ns.vec, dropName)) {
      evalError("vector cannot contain metrics with the same labelset");
    }
    return ns.vec;
  }

  const std::vector<Elem>& evalRangeCall(int i, int matrixIndex) {
    const Node& n = node(i);
    NodeState& ns = state(i);
    const int msIdx = n.children[static_cast<std::size_t>(matrixIndex)];
    const Node& ms = node(unwrap(ast_, msIdx));
    const int vsIdx = ms.children[0];
    const Node& vs = node(vsIdx);
    const Func f = n.fn->func;
    double q = 0;
    if (f == Func::kQuantileOverTime) q = evalScalar(n.children[0]);
    ensureSelected(vsIdx);
    NodeState& sel = state(vsIdx);
    prepareRangeOutput(i, vsIdx);
    // engine.go: maxt = T - offset, mint = maxt - range, both ends included (2.x; Prometheus 3
    // excludes samples at mint).
    const TimestampMs maxt = t_ - vs.offset;
    const TimestampMs mint = maxt - ms.range;
    ns.vec.clear();
    bool anyPoints = false;
    for (std::size_t k = 0; k < sel.refs.size(); ++k) {
      const SeriesRef ref = sel.refs[k];
      double out = 0;
      bool have = false;
      switch (f) {
        case Func::kRate:
        case Func::kIncrease:
        case Func::kDelta: {
          const RangeSummary s = src_.rangeSummary(ref, mint, maxt);
          anyPoints |= s.count > 0;
          have =
              extrapolatedRate(s, mint, maxt, ms.range, f != Func::kDelta, f == Func::kRate, out);
          break;
        }
        case Func::kIrate:
        case Func::kIdelta: {
          const RangeSummary s = src_.rangeSummary(ref, mint, maxt);
          anyPoints |= s.count > 0;
          have = instantValue(s, f == Func::kIrate, out);
          break;
        }
        case Func::kCountOverTime:
        case Func::kPresentOverTime:
        case Func::kAbsentOverTime:
        case Func::kLastOverTime: {
          const RangeSummary s = src_.rangeSummary(ref, mint, maxt);
          anyPoints |= s.count > 0;
          if (s.count > 0) {
            have = true;
            out = f == Func::kCountOverTime  ? static_cast<double>(s.count)
                  : f == Func::kLastOverTime ? s.last.v
                                             : 1.0;
          }
          break;
        }
        default: {
          src_.samples(ref, mint, maxt, ns.samples);
          std::erase_if(ns.samples, [](const Sample& s) { return isStaleNaN(s.v); });
          if (ns.samples.empty()) break;
          anyPoints = true;
          have = true;
          out = overTime(f, q, ns.samples, ns.values);
          break;
        }
      }
      if (have) ns.vec.push_back(Elem{ns.outLabels[k], out});
    }
    if (f == Func::kAbsentOverTime) {
      // engine.go: absent_over_time answers 1 only when no series had a sample.
      ns.vec.clear();
      if (!anyPoints) ns.vec.push_back(Elem{&n.absentLabels, 1});
      return ns.vec;
    }
    if (ns.mayCollide && ns.vec.size() > 1) {
      ns.ptrs.clear();
      for (const auto& e : ns.vec) ns.ptrs.push_back(e.labels);
      if (hasDuplicatePointers(ns.ptrs)) {
        evalError("vector cannot contain metrics with the same labelset");
      }
    }
    return ns.vec;
  }

  // Output labels per series of a range-vector call: last_over_time keeps the metric name,
  // the others drop it. mayCollide: two series share a label set once it is dropped.
  void prepareRangeOutput(int i, int vsIdx) {
    NodeState& ns = state(i);
    const NodeState& sel = state(vsIdx);
    if (ns.outLabels.size() == sel.refs.size()) return;
    const Func f = node(i).fn->func;
    ns.outLabels.clear();
    ns.arena.clear();
    for (const Labels* l : sel.seriesLabels) {
      ns.outLabels.push_back(f == Func::kLastOverTime ? l : ns.arena.intern(dropName(*l)).labels);
    }
    ns.ptrs = ns.outLabels;
    ns.mayCollide = hasDuplicatePointers(ns.ptrs);
  }

  // ---- the fast path ----
  //
  // The shapes of Flagger's builtin queries (flagger_queries.cpp: every observer's
  // request-success-rate and request-duration) each give at most one element, labelled {}:
  //   sum(rate(S[r]))                                   (no grouping; rate or increase)
  //   histogram_quantile(<number>, sum by (le) (rate(S[r])))
  //   (X), X op Y, X op <number>, <number> op X         (op one of + - * /, no bool, no matching
  //                                                      modifiers; X, Y of these shapes)
  // The fast path answers them without the generic vectors and label bookkeeping: the same
  // source reads (rangeSummary per selected series, in the same order, left operand first)
  // and the same arithmetic in the same order (extrapolatedRate, the aggregation's running
  // sum, bucketQuantile, elemBinop), so the answer is the generic path's to the bit. A
  // selection whose series collide once their name is dropped (an evaluation error on the
  // generic path) keeps the generic path. tests/core/promql/fast_path_test.cpp and
  // tests/app/scenarios/fast_path_library_test.cpp compare both paths; setFastPath(false) or
  // ROLLOUTLAB_PROMQL_FAST_PATH=0 turns the fast path off.

  // rate(S[r]) or increase(S[r]) of a plain matrix selector: the call's node, else -1.
  static int fastRateCall(const Ast& ast, int i) {
    auto node = [&](int k) -> const Node& { return ast.nodes[static_cast<std::size_t>(k)]; };
    const Node& n = node(unwrap(ast, i));
    if (n.kind != NodeKind::kCall || n.fn == nullptr) return -1;
    if (n.fn->func != Func::kRate && n.fn->func != Func::kIncrease) return -1;
    if (n.children.size() != 1) return -1;
    if (node(unwrap(ast, n.children[0])).kind != NodeKind::kMatrixSelector) return -1;
    return unwrap(ast, i);
  }

  static bool isNumber(const Ast& ast, int i) {
    return ast.nodes[static_cast<std::size_t>(unwrap(ast, i))].kind == NodeKind::kNumber;
  }

  static bool fastShape(const Ast& ast, int i) {
    auto node = [&](int k) -> const Node& { return ast.nodes[static_cast<std::size_t>(k)]; };
    const Node& n = node(i);
    switch (n.kind) {
      case NodeKind::kParen:
        return fastShape(ast, n.children[0]);
      case NodeKind::kAggregate:
        return n.aggOp == AggOp::kSum && n.param < 0 && !n.without && n.grouping.empty() &&
               fastRateCall(ast, n.children[0]) >= 0;
      case NodeKind::kCall: {
        if (n.fn == nullptr || n.fn->func != Func::kHistogramQuantile) return false;
        if (n.children.size() != 2 || !isNumber(ast, n.children[0])) return false;
        const Node& a = node(unwrap(ast, n.children[1]));
        return a.kind == NodeKind::kAggregate && a.aggOp == AggOp::kSum && a.param < 0 &&
               !a.without && a.grouping.size() == 1 && a.grouping[0] == kBucketLabel &&
               fastRateCall(ast, a.children[0]) >= 0;
      }
      case NodeKind::kBinary: {
        if (n.binOp != BinOp::kAdd && n.binOp != BinOp::kSub && n.binOp != BinOp::kMul &&
            n.binOp != BinOp::kDiv) {
          return false;
        }
        if (n.returnBool || n.hasVectorMatching || n.card != Cardinality::kOneToOne) return false;
        const int l = n.children[0];
        const int r = n.children[1];
        const bool ln = node(l).type == ValueType::kScalar;
        const bool rn = node(r).type == ValueType::kScalar;
        if (ln && rn) return false;
        if (ln) return isNumber(ast, l) && fastShape(ast, r);
        if (rn) return isNumber(ast, r) && fastShape(ast, l);
        return fastShape(ast, l) && fastShape(ast, r);
      }
      default:
        return false;
    }
  }

  // Selects every selector of a fast shape (selection reads no samples) and checks that no
  // rate call's series collide once their names are dropped.
  bool fastSeriesDistinct(int i) {
    const Node& n = node(i);
    if (const int c = fastRateCall(ast_, i); c >= 0) {
      const int vsIdx = node(unwrap(ast_, node(c).children[0])).children[0];
      ensureSelected(vsIdx);
      prepareRangeOutput(c, vsIdx);
      return !state(c).mayCollide;
    }
    for (const int ch : n.children) {
      if (node(ch).type == ValueType::kScalar) continue;
      if (!fastSeriesDistinct(ch)) return false;
    }
    return true;
  }

  // evalRangeCall + evalAggregate for sum(rate(S[r])): calls each(value) per series with a
  // rate, in the selection's order.
  template <class Each>
  void fastRates(int call, Each&& each) {
    const Node& n = node(call);
    const Node& ms = node(unwrap(ast_, n.children[0]));
    const int vsIdx = ms.children[0];
    const Node& vs = node(vsIdx);
    const NodeState& sel = state(vsIdx);
    const bool isRate = n.fn->func == Func::kRate;
    const TimestampMs maxt = t_ - vs.offset;
    const TimestampMs mint = maxt - ms.range;
    // Every series' summary first (the reads in the selection's order), then the rates.
    std::vector<RangeSummary>& sums = state(call).summaries;
    src_.rangeSummaries(sel.refs, mint, maxt, sums);
    RateTerms terms;
    for (std::size_t k = 0; k < sums.size(); ++k) {
      double out = 0;
      if (counterRate(sums[k], mint, maxt, ms.range, isRate, terms, out)) each(k, out);
    }
  }

  // What extrapolatedRate derives from a summary's times and sample count alone, kept for the
  // next series with the same ones (a histogram's buckets, a counter's codes read the same
  // scrapes): the same operations on the same operands, so the same doubles.
  struct RateTerms {
    bool valid = false;
    TimestampMs firstT = 0, lastT = 0;
    std::size_t count = 0;
    double durationToStart = 0, durationToEnd = 0, sampledInterval = 0;
    double averageDurationBetweenSamples = 0, extrapolationThreshold = 0;
    double factor = 0;  // when durationToStart is not lowered to the counter's zero point
  };

  // extrapolatedRate(s, rangeStart, rangeEnd, range, isCounter = true, isRate, out), its
  // per-summary terms taken from `terms` when the times and count are those of the last call.
  static bool counterRate(const RangeSummary& s, TimestampMs rangeStart, TimestampMs rangeEnd,
                          TimestampMs range, bool isRate, RateTerms& terms, double& out) {
    if (s.count < 2) return false;
    if (!terms.valid || terms.firstT != s.first.t || terms.lastT != s.last.t ||
        terms.count != s.count) {
      terms.valid = true;
      terms.firstT = s.first.t;
      terms.lastT = s.last.t;
      terms.count = s.count;
      terms.durationToStart = static_cast<double>(s.first.t - rangeStart) / 1000;
      terms.durationToEnd = static_cast<double>(rangeEnd - s.last.t) / 1000;
      terms.sampledInterval = static_cast<double>(s.last.t - s.first.t) / 1000;
      terms.averageDurationBetweenSamples =
          terms.sampledInterval / static_cast<double>(s.count - 1);
      terms.extrapolationThreshold = terms.averageDurationBetweenSamples * 1.1;
      terms.factor = rateFactor(terms, terms.durationToStart, range, isRate);
    }
    double resultValue = s.last.v - s.first.v;
    resultValue += s.resetCorrection;
    double factor = terms.factor;
    if (resultValue > 0 && s.first.v >= 0) {
      // Counters cannot be negative: do not extrapolate below the counter's zero point.
      const double durationToZero = terms.sampledInterval * (s.first.v / resultValue);
      if (durationToZero < terms.durationToStart)
        factor = rateFactor(terms, durationToZero, range, isRate);
    }
    out = resultValue * factor;
    return true;
  }

  // extrapolatedRate's factor from its terms and the duration to the start.
  static double rateFactor(const RateTerms& terms, double durationToStart, TimestampMs range,
                           bool isRate) {
    double extrapolateToInterval = terms.sampledInterval;
    if (durationToStart < terms.extrapolationThreshold) {
      extrapolateToInterval += durationToStart;
    } else {
      extrapolateToInterval += terms.averageDurationBetweenSamples / 2;
    }
    if (terms.durationToEnd < terms.extrapolationThreshold) {
      extrapolateToInterval += terms.durationToEnd;
    } else {
      extrapolateToInterval += terms.averageDurationBetweenSamples / 2;
    }
    double factor = extrapolateToInterval / terms.sampledInterval;
    if (isRate) factor /= durationSeconds(range);
    return factor;
  }

  // The value of a fast shape at t_; false when its vector is empty.
  bool fastValue(int i, double& out) {
    const Node& n = node(i);
    switch (n.kind) {
      case NodeKind::kParen:
        return fastValue(n.children[0], out);
      case NodeKind::kAggregate: {
        // engine.go aggregation, sum without grouping: the first value, then += in order.
        bool any = false;
        fastRates(fastRateCall(ast_, n.children[0]), [&](std::size_t, double v) {
          out = any ? out + v : v;
          any = true;
        });
        return any;
      }
      case NodeKind::kCall:
        return fastHistogramQuantile(i, out);
      case NodeKind::kBinary: {
        const int l = n.children[0];
        const int r = n.children[1];
        if (node(l).type == ValueType::kScalar) {
          const double s = evalScalar(l);
          double v = 0;
          if (!fastValue(r, v)) return false;
          out = elemBinop(n.binOp, s, v).first;  // VectorscalarBinop with the sides swapped
          return true;
        }
        if (node(r).type == ValueType::kScalar) {
          const double s = evalScalar(r);
          double v = 0;
          if (!fastValue(l, v)) return false;
          out = elemBinop(n.binOp, v, s).first;
          return true;
        }
        // Both operands are evaluated before matching, the left one first.
        double lv = 0;
        double rv = 0;
        const bool lp = fastValue(l, lv);
        const bool rp = fastValue(r, rv);
        if (!lp || !rp) return false;
        out = elemBinop(n.binOp, lv, rv).first;
        return true;
      }
      default:
        return false;
    }
  }

  // histogram_quantile(q, sum by (le) (rate(S[r]))): the `le` groups in the order of their
  // first element with a rate (as the aggregation orders its output), each summed in order;
  // the buckets whose `le` parses, in that order, to bucketQuantile.
  bool fastHistogramQuantile(int i, double& out) {
    const Node& n = node(i);
    NodeState& ns = state(i);
    const double q = evalScalar(n.children[0]);
    const int call = fastRateCall(ast_, node(unwrap(ast_, n.children[1])).children[0]);
    const Node& ms = node(unwrap(ast_, node(call).children[0]));
    const NodeState& sel = state(ms.children[0]);
    if (ns.fastGroupOf.size() != sel.refs.size()) {
      // Per series: its `le` group (series with equal `le` values share one) and the group's
      // parsed bound; a missing or malformed `le` skips the group (strconv.ParseFloat).
      ns.fastGroupOf.clear();
      ns.fastLeOf.clear();
      ns.fastLeOk.clear();
      std::unordered_map<std::string, int> ids;
      for (const Labels* l : sel.seriesLabels) {
        const std::string le(l->get(kBucketLabel));
        auto [it, fresh] = ids.emplace(le, static_cast<int>(ids.size()));
        if (fresh) {
          double ub = 0;
          const bool ok = parseGoFloat(le, ub);
          ns.fastLeOf.push_back(ub);
          ns.fastLeOk.push_back(ok ? 1 : 0);
        }
        ns.fastGroupOf.push_back(it->second);
      }
    }
    const std::size_t numGroups = ns.fastLeOf.size();
    ns.localOf.assign(numGroups, -1);
    ns.order.clear();
    ns.values.clear();
    fastRates(call, [&](std::size_t k, double v) {
      int& local = ns.localOf[static_cast<std::size_t>(ns.fastGroupOf[k])];
      if (local < 0) {
        local = static_cast<int>(ns.order.size());
        ns.order.push_back(ns.fastGroupOf[k]);
        ns.values.push_back(v);
      } else {
        ns.values[static_cast<std::size_t>(local)] += v;
      }
    });
    if (ns.buckets.empty()) ns.buckets.emplace_back();
    std::vector<Bucket>& buckets = ns.buckets[0];
    buckets.clear();
    for (std::size_t g = 0; g < ns.order.size(); ++g) {
      const auto id = static_cast<std::size_t>(ns.order[g]);
      if (ns.fastLeOk[id]) buckets.push_back(Bucket{ns.fastLeOf[id], ns.values[g]});
    }
    if (buckets.empty()) return false;
    sortByBound(ns, buckets);
    out = bucketQuantile(q, buckets);
    return true;
  }

  // The groups' bounds come in the selection's order, the same on every evaluation while the
  // same groups have rates: the permutation that sorts them is found once and then applied.
  // Distinct bounds have one sorted order, the one bucketQuantile's sort gives, and
  // bucketQuantile finds them in it and does not sort again. Bounds that are not distinct (or
  // NaN) are left to bucketQuantile's sort, as before.
  static void sortByBound(NodeState& ns, std::vector<Bucket>& buckets) {
    const std::size_t n = buckets.size();
    bool same = ns.fastPermBounds.size() == n;
    for (std::size_t i = 0; same && i < n; ++i)
      same = ns.fastPermBounds[i] == buckets[i].upperBound;
    if (!same) {
      ns.fastPermValid = false;
      ns.fastPermBounds.resize(n);
      ns.fastPerm.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        ns.fastPermBounds[i] = buckets[i].upperBound;
        ns.fastPerm[i] = i;
        if (std::isnan(buckets[i].upperBound)) return;
      }
      std::sort(ns.fastPerm.begin(), ns.fastPerm.end(), [&](std::size_t x, std::size_t y) {
        return ns.fastPermBounds[x] < ns.fastPermBounds[y];
      });
      ns.fastPermValid = true;
      for (std::size_t i = 1; i < n && ns.fastPermValid; ++i)
        ns.fastPermValid =
            ns.fastPermBounds[ns.fastPerm[i - 1]] < ns.fastPermBounds[ns.fastPerm[i]];
    }
    if (!ns.fastPermValid) return;
    ns.fastSorted.resize(n);
    for (std::size_t i = 0; i < n; ++i) ns.fastSorted[i] = buckets[ns.fastPerm[i]];
    buckets.swap(ns.fastSorted);
  }

  // functions.go extrapolatedRate.
  static bool extrapolatedRate(const RangeSummary& s, TimestampMs rangeStart, TimestampMs rangeEnd,
                               TimestampMs range, bool isCounter, bool isRate, double& out) {
    if (s.count < 2) return false;
    double resultValue = s.last.v - s.first.v;
    if (isCounter) resultValue += s.resetCorrection;
    double durationToStart = static_cast<double>(s.first.t - rangeStart) / 1000;
    const double durationToEnd = static_cast<double>(rangeEnd - s.last.t) / 1000;
    const double sampledInterval = static_cast<double>(s.last.t - s.first.t) / 1000;
    const double averageDurationBetweenSamples = sampledInterval / static_cast<double>(s.count - 1);
    if (isCounter && resultValue > 0 && s.first.v >= 0) {
      // Counters cannot be negative: do not extrapolate below the counter's zero point.
      const double durationToZero = sampledInterval * (s.first.v / resultValue);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    const double extrapolationThreshold = averageDurationBetweenSamples * 1.1;
    double extrapolateToInterval = sampledInterval;
    if (durationToStart < extrapolationThreshold) {
      extrapolateToInterval += durationToStart;
    } else {
      extrapolateToInterval += averageDurationBetweenSamples / 2;
    }
    if (durationToEnd < extrapolationThreshold) {
      extrapolateToInterval += durationToEnd;
    } else {
      extrapolateToInterval += averageDurationBetweenSamples / 2;
    }
    double factor = extrapolateToInterval / sampledInterval;
    if (isRate) factor /= durationSeconds(range);
    out = resultValue * factor;
    return true;
  }

  // functions.go instantValue (irate, idelta): the last two samples.
  static bool instantValue(const RangeSummary& s, bool isRate, double& out) {
    if (s.count < 2) return false;
    double resultValue = 0;
    if (isRate && s.last.v < s.previous.v) {
      resultValue = s.last.v;  // counter reset
    } else {
      resultValue = s.last.v - s.previous.v;
    }
    const TimestampMs sampledInterval = s.last.t - s.previous.t;
    if (sampledInterval == 0) return false;
    if (isRate) resultValue /= static_cast<double>(sampledInterval) / 1000;
    out = resultValue;
    return true;
  }

  static double overTime(Func f, double q, const std::vector<Sample>& pts,
                         std::vector<double>& scratch) {
    switch (f) {
      case Func::kSumOverTime: {
        double sum = 0;
        double c = 0;
        for (const auto& p : pts) kahanSumInc(p.v, sum, c);
        if (std::isinf(sum)) return sum;
        return sum + c;
      }
      case Func::kAvgOverTime: {
        double mean = 0;
        double count = 0;
        double c = 0;
        for (const auto& p : pts) {
          count++;
          if (std::isinf(mean)) {
            if (std::isinf(p.v) && (mean > 0) == (p.v > 0)) continue;
            if (!std::isinf(p.v) && !std::isnan(p.v)) continue;
          }
          kahanSumInc(p.v / count - mean / count, mean, c);
        }
        if (std::isinf(mean)) return mean;
        return mean + c;
      }
      case Func::kMaxOverTime: {
        double max = pts[0].v;
        for (const auto& p : pts) {
          if (p.v > max || std::isnan(max)) max = p.v;
        }
        return max;
      }
      case Func::kMinOverTime: {
        double min = pts[0].v;
        for (const auto& p : pts) {
          if (p.v < min || std::isnan(min)) min = p.v;
        }
        return min;
      }
      case Func::kQuantileOverTime: {
        scratch.clear();
        for (const auto& p : pts) scratch.push_back(p.v);
        return quantileOf(q, scratch);
      }
      case Func::kStddevOverTime:
      case Func::kStdvarOverTime: {
        double count = 0;
        double mean = 0;
        double cMean = 0;
        double aux = 0;
        double cAux = 0;
        for (const auto& p : pts) {
          count++;
          const double delta = p.v - (mean + cMean);
          kahanSumInc(delta / count, mean, cMean);
          kahanSumInc(delta * (p.v - (mean + cMean)), aux, cAux);
        }
        const double var = (aux + cAux) / count;
        return f == Func::kStddevOverTime ? std::sqrt(var) : var;
      }
      case Func::kChanges: {
        double changes = 0;
        double prev = pts[0].v;
        for (std::size_t k = 1; k < pts.size(); ++k) {
          const double cur = pts[k].v;
          if (!(cur == prev || (std::isnan(cur) && std::isnan(prev)))) changes++;
          prev = cur;
        }
        return changes;
      }
      case Func::kResets: {
        double resets = 0;
        double prev = pts[0].v;
        for (std::size_t k = 1; k < pts.size(); ++k) {
          const double cur = pts[k].v;
          if (cur < prev) resets++;
          prev = cur;
        }
        return resets;
      }
      default:
        break;
    }
    evalError("internal error: unhandled range function");
  }

  // functions.go funcHistogramQuantile + quantile.go bucketQuantile (classic buckets).
  const std::vector<Elem>& evalHistogramQuantile(int i) {
    const Node& n = node(i);
    NodeState& ns = state(i);
    const double q = evalScalar(n.children[0]);
    const auto& in = evalVector(n.children[1]);
    // Grouped by all labels but `le` (the metric name included); output without le and name.
    auto groupKey = [](const Labels& l) {
      std::string k;
      for (const auto& lab : l) {
        if (lab.name == kBucketLabel) continue;
        k += lab.name;
        k += '\xff';
        k += lab.value;
        k += '\xff';
      }
      return k;
    };
    const auto& keys = ns.memoL.apply(in, ns.space, groupKey);
    if (!samePointers(ns.lastLeIn, in)) {
      remember(ns.lastLeIn, in);
      ns.leOf.resize(in.size());
      ns.leOk.resize(in.size());
      for (std::size_t k = 0; k < in.size(); ++k) {
        const Labels* l = in[k].labels;
        auto it = ns.leCache.find(l);
        if (it == ns.leCache.end()) {
          // strconv.ParseFloat of `le`; a missing or malformed one skips the sample.
          double ub = 0;
          const bool ok = parseGoFloat(l->get(kBucketLabel), ub);
          it = ns.leCache.emplace(l, std::make_pair(ok, ub)).first;
        }
        ns.leOk[k] = it->second.first ? 1 : 0;
        ns.leOf[k] = it->second.second;
      }
    }
    const std::size_t numKeys = ns.space.size();
    if (ns.groupLabels.size() < numKeys) {
      ns.groupLabels.resize(numKeys, nullptr);
      ns.groupIds.resize(numKeys, 0);
    }
    ns.localOf.assign(numKeys, -1);
    ns.order.clear();
    for (std::size_t k = 0; k < in.size(); ++k) {
      if (!ns.leOk[k]) continue;
      const auto key = static_cast<std::size_t>(keys[k]);
      int& local = ns.localOf[key];
      if (local < 0) {
        local = static_cast<int>(ns.order.size());
        ns.order.push_back(keys[k]);
        if (ns.groupLabels[key] == nullptr) {
          Labels out = *in[k].labels;
          out.remove(kBucketLabel);
          out.remove(kMetricNameLabel);
          const auto interned = ns.arena.intern(std::move(out));
          ns.groupLabels[key] = interned.labels;
          ns.groupIds[key] = interned.id;
        }
        if (ns.buckets.size() <= static_cast<std::size_t>(local)) ns.buckets.emplace_back();
        ns.buckets[static_cast<std::size_t>(local)].clear();
      }
      ns.buckets[static_cast<std::size_t>(local)].push_back(Bucket{ns.leOf[k], in[k].v});
    }
    ns.vec.clear();
    for (std::size_t g = 0; g < ns.order.size(); ++g) {
      const auto key = static_cast<std::size_t>(ns.order[g]);
      ns.vec.push_back(Elem{ns.groupLabels[key], bucketQuantile(q, ns.buckets[g])});
    }
    // Two groups that differ only by metric name collide once the name is dropped (rangeEval).
    if (ns.vec.size() > 1) {
      const std::uint32_t stamp = nextStamp();
      if (ns.idStamp.size() < ns.arena.size()) ns.idStamp.resize(ns.arena.size(), 0);
      for (const int key : ns.order) {
        const auto id = ns.groupIds[static_cast<std::size_t>(key)];
        if (ns.idStamp[id] == stamp) {
          evalError("vector cannot contain metrics with the same labelset");
        }
        ns.idStamp[id] = stamp;
      }
    }
    return ns.vec;
  }

  // ---- aggregation (engine.go aggregation) ----

  const std::vector<Elem>& evalAggregate(int i) {
    const Node& n = node(i);
    NodeState& ns = state(i);
    double param = 0;
    if (n.param >= 0) param = evalScalar(n.param);
    const auto& in = evalVector(n.children[0]);
    const auto& keys = ns.memoL.apply(in, ns.space, [&](const Labels& l) {
      // engine.go generateGroupingKey: `by` hashes the listed labels, `without` all others
      // except __name__.
      return subsetKey(l, n.grouping, !n.without);
    });
    const std::size_t numKeys = ns.space.size();
    if (ns.groupLabels.size() < numKeys) ns.groupLabels.resize(numKeys, nullptr);
    ns.localOf.assign(numKeys, -1);
    ns.order.clear();
    for (std::size_t k = 0; k < in.size(); ++k) {
      const double v = in[k].v;
      const auto key = static_cast<std::size_t>(keys[k]);
      int& local = ns.localOf[key];
      if (local < 0) {
        local = static_cast<int>(ns.order.size());
        ns.order.push_back(keys[k]);
        if (ns.groupLabels[key] == nullptr) {
          Labels out;
          if (n.without) {
            out = subsetLabels(*in[k].labels, n.grouping, false);
          } else if (!n.grouping.empty()) {
            out = subsetLabels(*in[k].labels, n.grouping, true);
          }
          ns.groupLabels[key] = ns.arena.intern(std::move(out)).labels;
        }
        if (ns.acc.size() <= static_cast<std::size_t>(local)) ns.acc.emplace_back();
        GroupAcc& a = ns.acc[static_cast<std::size_t>(local)];
        a.value = v;
        a.mean = v;
        a.count = 1;
        a.values.clear();
        switch (n.aggOp) {
          case AggOp::kStddev:
          case AggOp::kStdvar:
            a.value = 0;
            break;
          case AggOp::kQuantile:
            a.values.push_back(v);
            break;
          case AggOp::kGroup:
            a.value = 1;
            break;
          default:
            break;
        }
        continue;
      }
      GroupAcc& a = ns.acc[static_cast<std::size_t>(local)];
      switch (n.aggOp) {
        case AggOp::kSum:
          a.value += v;
          break;
        case AggOp::kAvg:
          a.count++;
          if (std::isinf(a.mean)) {
            if (std::isinf(v) && (a.mean > 0) == (v > 0)) break;
            if (!std::isinf(v) && !std::isnan(v)) break;
          }
          a.mean += v / static_cast<double>(a.count) - a.mean / static_cast<double>(a.count);
          break;
        case AggOp::kGroup:
          break;
        case AggOp::kMax:
          if (a.value < v || std::isnan(a.value)) a.value = v;
          break;
        case AggOp::kMin:
          if (a.value > v || std::isnan(a.value)) a.value = v;
          break;
        case AggOp::kCount:
          a.count++;
          break;
        case AggOp::kStddev:
        case AggOp::kStdvar: {
          a.count++;
          const double delta = v - a.mean;
          a.mean += delta / static_cast<double>(a.count);
          a.value += delta * (v - a.mean);
          break;
        }
        case AggOp::kQuantile:
          a.values.push_back(v);
          break;
      }
    }
    ns.vec.clear();
    for (std::size_t g = 0; g < ns.order.size(); ++g) {
      GroupAcc& a = ns.acc[g];
      double v = a.value;
      switch (n.aggOp) {
        case AggOp::kAvg:
          v = a.mean;
          break;
        case AggOp::kCount:
          v = static_cast<double>(a.count);
          break;
        case AggOp::kStdvar:
          v = a.value / static_cast<double>(a.count);
          break;
        case AggOp::kStddev:
          v = std::sqrt(a.value / static_cast<double>(a.count));
          break;
        case AggOp::kQuantile:
          v = quantileOf(param, a.values);
          break;
        default:
          break;
      }
      ns.vec.push_back(Elem{ns.groupLabels[static_cast<std::size_t>(ns.order[g])], v});
    }
    return ns.vec;
  }

  // ---- binary operators ----

  const std::vector<Elem>& evalBinary(int i) {
    const Node& n = node(i);
    const Node& l = node(n.children[0]);
    const Node& r = node(n.children[1]);
    if (l.type == ValueType::kScalar) {
      const double s = evalScalar(n.children[0]);
      return vectorScalar(i, evalVector(n.children[1]), s, true);
    }
    if (r.type == ValueType::kScalar) {
      const double s = evalScalar(n.children[1]);
      return vectorScalar(i, evalVector(n.children[0]), s, false);
    }
    const auto& lhs = evalVector(n.children[0]);
    const auto& rhs = evalVector(n.children[1]);
    if (isSetOp(n.binOp)) return setOp(i, lhs, rhs);
    return vectorBinop(i, lhs, rhs);
  }

  // engine.go VectorscalarBinop.
  const std::vector<Elem>& vectorScalar(int i, const std::vector<Elem>& vec, double scalar,
                                        bool swap) {
    const Node& n = node(i);
    NodeState& ns = state(i);
    ns.vec.clear();
    const bool cmp = isComparison(n.binOp);
    for (const auto& e : vec) {
      double lv = e.v;
      double rv = scalar;
      if (swap) std::swap(lv, rv);
      auto [value, keep] = elemBinop(n.binOp, lv, rv);
      if (cmp && swap) value = rv;  // comparisons keep the vector element's value
      if (n.returnBool) {
        value = keep ? 1.0 : 0.0;
        keep = true;
      }
      if (keep) ns.vec.push_back(Elem{e.labels, value});
    }
    if (dropsMetricName(n.binOp) || n.returnBool) {
      if (ns.mapper.apply(ns.vec, dropName)) {
        evalError("vector cannot contain metrics with the same labelset");
      }
    }
    return ns.vec;
  }

  std::string signatureKey(const Node& n, const Labels& l) const {
    // engine.go signatureFunc: `on` keeps the listed labels; `ignoring` drops them and
    // __name__.
    return subsetKey(l, n.matchingLabels, n.on);
  }

  Labels matchLabels(const Node& n, const Labels& l) const {
    return subsetLabels(l, n.matchingLabels, n.on);
  }

  // engine.go VectorAnd / VectorOr / VectorUnless.
  const std::vector<Elem>& setOp(int i, const std::vector<Elem>& lhs,
                                 const std::vector<Elem>& rhs) {
    const Node& n = node(i);
    NodeState& ns = state(i);
    ns.vec.clear();
    auto keyOf = [&](const Labels& l) { return signatureKey(n, l); };
    switch (n.binOp) {
      case BinOp::kAnd:
        if (lhs.empty() || rhs.empty()) return ns.vec;
        break;
      case BinOp::kOr:
        if (lhs.empty()) {
          ns.vec.assign(rhs.begin(), rhs.end());
          return ns.vec;
        }
        if (rhs.empty()) {
          ns.vec.assign(lhs.begin(), lhs.end());
          return ns.vec;
        }
        break;
      default:  // unless
        if (lhs.empty() || rhs.empty()) {
          ns.vec.assign(lhs.begin(), lhs.end());
          return ns.vec;
        }
        break;
    }
    // Both sides share one key space so that equal signatures get equal ids.
    const auto& lk = ns.memoL.apply(lhs, ns.space, keyOf);
    const auto& rk = ns.memoR.apply(rhs, ns.space, keyOf);
    const std::uint32_t stamp = nextStamp();
    if (ns.sigStamp.size() < ns.space.size()) ns.sigStamp.resize(ns.space.size(), 0);
    if (n.binOp == BinOp::kOr) {
      for (std::size_t k = 0; k < lhs.size(); ++k) {
        ns.sigStamp[static_cast<std::size_t>(lk[k])] = stamp;
        ns.vec.push_back(lhs[k]);
      }
      for (std::size_t k = 0; k < rhs.size(); ++k) {
        if (ns.sigStamp[static_cast<std::size_t>(rk[k])] != stamp) ns.vec.push_back(rhs[k]);
      }
      return ns.vec;
    }
    for (std::size_t k = 0; k < rhs.size(); ++k) {
      ns.sigStamp[static_cast<std::size_t>(rk[k])] = stamp;
    }
    const bool wantMatch = n.binOp == BinOp::kAnd;
    for (std::size_t k = 0; k < lhs.size(); ++k) {
      const bool matched = ns.sigStamp[static_cast<std::size_t>(lk[k])] == stamp;
      if (matched == wantMatch) ns.vec.push_back(lhs[k]);
    }
    return ns.vec;
  }

  // engine.go resultMetric.
  Labels resultMetric(const Node& n, const Labels& lhs, const Labels& rhs) const {
    Labels out = lhs;
    if (dropsMetricName(n.binOp)) out.remove(kMetricNameLabel);
    if (n.card == Cardinality::kOneToOne) {
      if (n.on) {
        out.keepOnly(n.matchingLabels);
      } else {
        for (const auto& name : n.matchingLabels) out.remove(name);
      }
    }
    for (const auto& name : n.include) {
      // Included labels come from the "one" side.
      out.set(name, rhs.get(name));
    }
    if (n.returnBool) out.remove(kMetricNameLabel);
    return out;
  }

  // engine.go VectorBinop (one-to-one, many-to-one, one-to-many).
  const std::vector<Elem>& vectorBinop(int i, const std::vector<Elem>& lhsIn,
                                       const std::vector<Elem>& rhsIn) {
    const Node& n = node(i);
    NodeState& ns = state(i);
    ns.vec.clear();
    if (lhsIn.empty() || rhsIn.empty()) return ns.vec;  // nothing can match
    // One-to-many is evaluated as many-to-one with the sides swapped.
    const bool swapped = n.card == Cardinality::kOneToMany;
    const auto& lhs = swapped ? rhsIn : lhsIn;
    const auto& rhs = swapped ? lhsIn : rhsIn;
    auto keyOf = [&](const Labels& l) { return signatureKey(n, l); };
    const auto& lk =
        swapped ? ns.memoR.apply(lhs, ns.space, keyOf) : ns.memoL.apply(lhs, ns.space, keyOf);
    const auto& rk =
        swapped ? ns.memoL.apply(rhs, ns.space, keyOf) : ns.memoR.apply(rhs, ns.space, keyOf);
    const std::size_t numKeys = ns.space.size();
    if (ns.sigStamp.size() < numKeys) {
      ns.sigStamp.resize(numKeys, 0);
      ns.sigPos.resize(numKeys, -1);
      ns.usedStamp.resize(numKeys, 0);
    }
    // The "one" side may not hold two series with the same signature.
    const std::uint32_t rhsStamp = nextStamp();
    for (std::size_t k = 0; k < rhs.size(); ++k) {
      const auto sig = static_cast<std::size_t>(rk[k]);
      if (ns.sigStamp[sig] == rhsStamp) {
        const Labels& dup = *rhs[static_cast<std::size_t>(ns.sigPos[sig])].labels;
        evalError("found duplicate series for the match group " +
                  matchLabels(n, *rhs[k].labels).toString() + " on the " +
                  (swapped ? "left" : "right") + " hand-side of the operation: [" +
                  rhs[k].labels->toString() + ", " + dup.toString() +
                  "];many-to-many matching not allowed: matching labels must be unique on one "
                  "side");
      }
      ns.sigStamp[sig] = rhsStamp;
      ns.sigPos[sig] = static_cast<int>(k);
    }
    if (ns.pairMemo.size() < lhs.size()) ns.pairMemo.resize(lhs.size());
    const std::uint32_t used = nextStamp();
    bool repeatedSig = false;
    ns.outIds.clear();
    ns.sigIds.clear();
    for (std::size_t k = 0; k < lhs.size(); ++k) {
      const auto sig = static_cast<std::size_t>(lk[k]);
      if (ns.sigStamp[sig] != rhsStamp) continue;
      const Elem& rs = rhs[static_cast<std::size_t>(ns.sigPos[sig])];
      const Elem& ls = lhs[k];
      double vl = ls.v;
      double vr = rs.v;
      if (swapped) std::swap(vl, vr);
      auto [value, keep] = elemBinop(n.binOp, vl, vr);
      if (n.returnBool) {
        value = keep ? 1.0 : 0.0;
      } else if (!keep) {
        continue;
      }
      auto& memo = ns.pairMemo[k];
      if (memo.l != ls.labels || memo.r != rs.labels || memo.result.labels == nullptr) {
        memo.l = ls.labels;
        memo.r = rs.labels;
        memo.result = ns.arena.intern(resultMetric(n, *ls.labels, *rs.labels));
      }
      if (ns.usedStamp[sig] == used) repeatedSig = true;
      ns.usedStamp[sig] = used;
      ns.vec.push_back(Elem{memo.result.labels, value});
      ns.outIds.push_back(memo.result.id);
      ns.sigIds.emplace_back(static_cast<int>(sig), memo.result.id);
    }
    // The checks VectorBinop makes while matching carry no detail of the offending element, so
    // they can be made once matching is done, in the same order of precedence.
    if (repeatedSig) {
      if (n.card == Cardinality::kOneToOne) {
        evalError(
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
      }
      std::sort(ns.sigIds.begin(), ns.sigIds.end());
      if (std::adjacent_find(ns.sigIds.begin(), ns.sigIds.end()) != ns.sigIds.end()) {
        evalError("multiple matches for labels: grouping labels must ensure unique matches");
      }
    }
    // rangeEval: the result may not hold one label set twice.
    if (ns.vec.size() > 1) {
      const std::uint32_t seen = nextStamp();
      if (ns.idStamp.size() < ns.arena.size()) ns.idStamp.resize(ns.arena.size(), 0);
      for (const auto id : ns.outIds) {
        if (ns.idStamp[id] == seen)
          evalError("vector cannot contain metrics with the same labelset");
        ns.idStamp[id] = seen;
      }
    }
    return ns.vec;
  }

  const Ast& ast_;
  EvalState& st_;
  SeriesSource& src_;
  TimestampMs t_;
  TimestampMs lookback_;
};

}  // namespace
}  // namespace detail

namespace {

// -1: not read yet from the environment; 0 off; 1 on.
std::atomic<int> gFastPath{-1};

}  // namespace

bool fastPathEnabled() {
  int v = gFastPath.load(std::memory_order_relaxed);
  if (v < 0) {
    const char* env = std::getenv("ROLLOUTLAB_PROMQL_FAST_PATH");
    v = env != nullptr && std::string_view(env) == "0" ? 0 : 1;
    gFastPath.store(v, std::memory_order_relaxed);
  }
  return v == 1;
}

void setFastPath(bool enabled) { gFastPath.store(enabled ? 1 : 0, std::memory_order_relaxed); }

PreparedQuery::PreparedQuery(std::shared_ptr<const detail::Ast> ast, QueryOptions options)
    : ast_(std::move(ast)), options_(options), state_(std::make_unique<detail::EvalState>()) {
  state_->nodes.resize(ast_->nodes.size());
}

PreparedQuery::PreparedQuery(const PreparedQuery& other)
    : ast_(other.ast_), options_(other.options_), state_(std::make_unique<detail::EvalState>()) {
  state_->nodes.resize(ast_->nodes.size());
}

PreparedQuery& PreparedQuery::operator=(const PreparedQuery& other) {
  if (this != &other) {
    ast_ = other.ast_;
    options_ = other.options_;
    state_ = std::make_unique<detail::EvalState>();
    state_->nodes.resize(ast_->nodes.size());
  }
  return *this;
}

PreparedQuery::PreparedQuery(PreparedQuery&&) noexcept = default;
PreparedQuery& PreparedQuery::operator=(PreparedQuery&&) noexcept = default;
PreparedQuery::~PreparedQuery() = default;

const QueryResult& PreparedQuery::evaluate(SeriesSource& source, double timeSeconds) {
  return evaluateAt(source, apiTimeToMs(timeSeconds));
}

const QueryResult& PreparedQuery::evaluateAt(SeriesSource& source, TimestampMs t) {
  detail::EvalState& st = *state_;
  const std::uint64_t id = source.instanceId();
  const std::uint64_t gen = source.generation();
  if (!st.bound || st.sourceId != id || st.generation != gen) {
    for (auto& ns : st.nodes) ns.reset();
    st.fast = -1;
    st.bound = true;
    st.sourceId = id;
    st.generation = gen;
  }
  detail::Evaluator(*ast_, st, source, t, options_.lookbackDelta).run(fastPathEnabled());
  return st.result;
}

const std::string& PreparedQuery::text() const { return ast_->text; }

bool hasFastShape(std::string_view query) {
  return detail::Evaluator::hasFastShape(*parseAst(query));
}

bool PreparedQuery::isScalar() const {
  return ast_->nodes[static_cast<std::size_t>(ast_->root)].type == detail::ValueType::kScalar;
}

PreparedQuery parse(std::string_view query, const QueryOptions& options) {
  return PreparedQuery(parseAst(query), options);
}

}  // namespace rolloutlab::core::promql
