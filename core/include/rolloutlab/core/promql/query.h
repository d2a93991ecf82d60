#pragma once
/// A PromQL-subset evaluator that answers instant queries as Prometheus 2.42 does.
///
/// Parse once, evaluate many times:
/// ```
/// PreparedQuery q = parse(text);              // throws InputError naming line:column
/// const QueryResult& r = q.evaluate(store, t); // t in seconds since the epoch
/// ```
/// The subset (docs/promql.md): selectors with `=`, `!=`, `=~`, `!~`; ranges and `offset`;
/// `rate`, `irate`, `increase`, `delta`, `idelta`, `*_over_time`, `changes`, `resets`;
/// `sum`/`avg`/`min`/`max`/`count`/`group`/`stddev`/`stdvar`/`quantile` with `by`/`without`;
/// `histogram_quantile`; arithmetic, comparisons (with `bool`), `and`/`or`/`unless`, vector
/// matching with `on`/`ignoring`/`group_left`/`group_right`; `vector`, `scalar`, `abs`, `ceil`,
/// `floor`, `round`, `clamp*`, `absent*`, math functions, `time`, `timestamp`, `sort*`.
/// Outside it (subqueries, `@`, `topk`, `label_replace`, ...) parsing fails with an error
/// that names the construct.
///
/// Speed: a prepared query caches the selector → series resolution per (source instance,
/// generation) and the label bookkeeping of every node, so a steady-state evaluation does no
/// regex work and no allocation. A PreparedQuery is not thread-safe; copy it per thread (a copy
/// shares the parsed tree and gets fresh caches).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rolloutlab/core/promql/labels.h"
#include "rolloutlab/core/promql/series_source.h"

namespace rolloutlab::core::promql {

namespace detail {
struct Ast;
struct EvalState;
}  // namespace detail

/// The kind of an instant query's answer.
enum class ResultKind {
  kScalar,  ///< a single number
  kVector,  ///< an instant vector (possibly empty)
  kError,   ///< an execution error (what Prometheus answers with HTTP 422)
};

/// One element of an instant vector.
struct VectorElement {
  const Labels* labels = nullptr;  ///< valid until the next evaluation of the same query
  double value = 0;
};

/// The answer of one evaluation.
struct QueryResult {
  ResultKind kind = ResultKind::kVector;
  double scalar = 0;                  ///< for kScalar
  std::vector<VectorElement> vector;  ///< for kVector, in Prometheus' order where it has one
  std::string error;                  ///< for kError: Prometheus' message text
};

/// Evaluation settings (Prometheus server flags).
struct QueryOptions {
  /// `--query.lookback-delta`, milliseconds (default 5 m).
  TimestampMs lookbackDelta = 5 * 60 * 1000;
};

/// A parsed, type-checked query with its evaluation caches.
class PreparedQuery {
 public:
  PreparedQuery(const PreparedQuery& other);
  PreparedQuery& operator=(const PreparedQuery& other);
  PreparedQuery(PreparedQuery&&) noexcept;
  PreparedQuery& operator=(PreparedQuery&&) noexcept;
  ~PreparedQuery();

  /// Evaluates at `timeSeconds` (seconds since the epoch, converted to milliseconds as the
  /// HTTP API converts `time=`: see `apiTimeToMs`). The result stays valid until the next call.
  const QueryResult& evaluate(SeriesSource& source, double timeSeconds);
  /// Evaluates at `t` milliseconds since the epoch.
  const QueryResult& evaluateAt(SeriesSource& source, TimestampMs t);

  /// The query text as given.
  const std::string& text() const;
  /// True when the query's type is scalar (else instant vector).
  bool isScalar() const;

 private:
  friend PreparedQuery parse(std::string_view, const QueryOptions&);
  PreparedQuery(std::shared_ptr<const detail::Ast> ast, QueryOptions options);

  std::shared_ptr<const detail::Ast> ast_;
  QueryOptions options_;
  std::unique_ptr<detail::EvalState> state_;
};

/// Parses and type-checks `query`. Throws `InputError` whose message reads like Prometheus':
/// `query: 1:35: parse error: unclosed left parenthesis` (line:column, 1-based, columns in
/// bytes); `Diagnostic::line`/`column` carry the position.
PreparedQuery parse(std::string_view query, const QueryOptions& options = {});

/// The largest |time| in seconds whose milliseconds fit a TimestampMs (int64 ms: about 292
/// million years either side of 1970). Readers of recorded times refuse what lies outside.
inline constexpr double kMaxApiTimeSeconds = 9223372036854775.0;

/// The HTTP API's conversion of a `time=` parameter given in seconds (`web/api/v1/api.go`
/// `parseTime`: the fraction rounded to ms, then `time.Unix(sec, nsec)` and integer ms).
/// A time outside +-kMaxApiTimeSeconds saturates at the TimestampMs range (NaN reads 0);
/// callers validate first.
TimestampMs apiTimeToMs(double seconds);

/// Parses a Prometheus duration (`model.ParseDuration`: `1y2w3d4h5m6s7ms`, units in that order,
/// each at most once, or `0`) into milliseconds. Returns false with `error` set when invalid.
bool parseDuration(std::string_view text, TimestampMs& ms, std::string* error = nullptr);

}  // namespace rolloutlab::core::promql
