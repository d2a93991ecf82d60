#pragma once
/// Label matchers (`=`, `!=`, `=~`, `!~`) with Prometheus' regular-expression semantics.
///
/// Prometheus compiles a matcher's regex as Go RE2 syntax, fully anchored:
/// `regexp.Compile("^(?:" + v + ")$")` (`model/labels/regexp.go`, `NewFastRegexMatcher`), and a
/// label that a series lacks matches as the empty string (`model/labels/matcher.go`). Here the
/// pattern is compiled by RE2 (the C++ library Go's regexp reimplements): the same syntax
/// (Unicode classes `\pL`, flags `imsU`, no look-arounds or back-references), matched in time
/// linear in the value. Go's exceptions are kept: `\C` is refused, and an invalid UTF-8 byte of
/// a value reads as U+FFFD.

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace rolloutlab::core::promql {

/// A compiled, fully anchored RE2-syntax regular expression.
class LabelRegex {
 public:
  /// Compiles `pattern`; throws `RegexError` (with Go's wording) when Go's regexp would reject
  /// it.
  explicit LabelRegex(std::string_view pattern);

  /// True when the whole of `value` matches (Prometheus' `FastRegexMatcher.MatchString`).
  bool matches(std::string_view value) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  bool literal_ = false;  ///< the pattern has no metacharacters: plain string equality
  struct Compiled;        ///< the RE2 object, kept out of this header
  std::shared_ptr<const Compiled> re_;
};

/// Thrown for a pattern Go's regexp rejects. `offset` is the byte offset inside the pattern.
class RegexError : public std::runtime_error {
 public:
  RegexError(const std::string& what, std::size_t offset)
      : std::runtime_error(what), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

enum class MatchType {
  kEqual,     ///< `=`
  kNotEqual,  ///< `!=`
  kRegex,     ///< `=~`
  kNotRegex,  ///< `!~`
};

/// `=`, `!=`, `=~` or `!~`.
const char* toString(MatchType t);

/// One label matcher. An absent label matches as the empty string.
struct Matcher {
  MatchType type = MatchType::kEqual;
  std::string name;
  std::string value;
  std::shared_ptr<const LabelRegex> regex;  ///< set for kRegex and kNotRegex

  /// Builds a matcher, compiling the regex for the regex types (throws `RegexError`).
  static Matcher make(MatchType type, std::string name, std::string value);

  bool matches(std::string_view labelValue) const;
  /// `name="value"` as Prometheus prints it.
  std::string toString() const;
};

}  // namespace rolloutlab::core::promql
