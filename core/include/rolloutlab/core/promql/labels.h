#pragma once
/// Label sets as Prometheus models them: name/value pairs sorted by name, names unique.
///
/// Ordering and equality follow Prometheus 2.42 `model/labels/labels.go` (`Compare`): pairs are
/// compared position by position, name first, then value, bytewise; a shorter set that is a
/// prefix of a longer one sorts first. The TSDB returns the series of a selection in this order,
/// so aggregation and matching see them in the order Prometheus sees them.

#include <compare>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rolloutlab::core::promql {

/// The label that carries the metric name.
inline constexpr std::string_view kMetricNameLabel = "__name__";
/// The label that carries a classic histogram bucket's upper bound.
inline constexpr std::string_view kBucketLabel = "le";

/// One label.
struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
};

/// A set of labels, kept sorted by name with unique names. Empty values are not stored
/// (Prometheus treats an empty value as an absent label).
class Labels {
 public:
  Labels() = default;
  /// Builds a set from pairs in any order; a later duplicate name replaces an earlier one, an
  /// empty value removes the label.
  Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);
  explicit Labels(std::vector<Label> labels);

  /// The value of `name`, or an empty view when absent.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const { return !get(name).empty(); }
  /// Sets (or, with an empty value, removes) a label.
  void set(std::string_view name, std::string_view value);
  /// Removes a label if present.
  void remove(std::string_view name);
  /// Keeps only the listed labels.
  void keepOnly(const std::vector<std::string>& names);

  std::size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  const std::vector<Label>& items() const { return labels_; }
  auto begin() const { return labels_.begin(); }
  auto end() const { return labels_.end(); }

  /// A copy without `__name__`.
  Labels withoutMetricName() const;

  /// `{__name__="up", job="x"}`, as Prometheus' `Labels.String` writes a set in messages.
  std::string toString() const;

  /// An unambiguous byte string of the whole set, usable as a hash key.
  std::string key() const;

  bool operator==(const Labels&) const = default;

 private:
  std::vector<Label> labels_;
};

/// Prometheus' `labels.Compare`: negative, zero or positive.
int compare(const Labels& a, const Labels& b);

/// A Go-style quoted string (`strconv.Quote` for printable ASCII; other bytes escaped), as
/// Prometheus prints label values in messages.
std::string goQuote(std::string_view s);

}  // namespace rolloutlab::core::promql
