#pragma once
/// Label matchers (`=`, `!=`, `=~`, `!~`) with Prometheus' regular-expression semantics.
///
/// Prometheus compiles a matcher's regex as Go RE2 syntax, fully anchored:
/// `regexp.Compile("^(?:" + v + ")$")` (`model/labels/regexp.go`, `NewFastRegexMatcher`), and a
/// label that a series lacks matches as the empty string (`model/labels/matcher.go`). Here the
/// RE2 pattern is translated into an equivalent ECMAScript pattern for `std::wregex`, matched
/// against the value decoded from UTF-8 (one element per code point, as Go's matcher walks
/// runes). Syntax RE2 rejects (look-arounds, back-references) and RE2 features without an
/// equivalent here (Unicode classes `\pN`, the `m` flag, `\C`) are rejected with an error that
/// names the construct.

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace rolloutlab::core::promql {

/// A compiled, fully anchored RE2-syntax regular expression.
class LabelRegex {
 public:
  /// Compiles `pattern`; throws `RegexError` when Go's regexp would reject it or when it uses
  /// a construct that this translation does not support.
  explicit LabelRegex(std::string_view pattern);

  /// True when the whole of `value` matches (Prometheus' `FastRegexMatcher.MatchString`).
  bool matches(std::string_view value) const;

  const std::string& pattern() const { return pattern_; }
  /// The translated ECMAScript pattern (for diagnostics and tests).
  const std::wstring& translated() const { return translated_; }

 private:
  std::string pattern_;
  std::wstring translated_;
  bool literal_ = false;  ///< the pattern has no metacharacters: plain string equality
  struct Compiled;        ///< the std::wregex, kept out of this header
  std::shared_ptr<const Compiled> re_;
};

/// Thrown for a pattern Go's regexp rejects or the translation cannot express. `offset` is the
/// byte offset inside the pattern.
class RegexError : public std::runtime_error {
 public:
  RegexError(const std::string& what, std::size_t offset)
      : std::runtime_error(what), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

/// Translates an RE2 pattern into the ECMAScript pattern used by `LabelRegex` (anchoring is
/// applied by full matching). Throws `RegexError`.
std::wstring translateRe2(std::string_view pattern);

/// Decodes UTF-8 into code points; an invalid byte becomes U+FFFD as in Go's range loop.
std::wstring decodeUtf8(std::string_view s);

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
