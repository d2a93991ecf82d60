// Label matchers with Prometheus' regular expressions, compiled by RE2.
//
// Prometheus 2.42 (the version the comparison tests run against) parses a matcher's value with
// Go's regexp/syntax and the `syntax.Perl` flags (ClassNL | OneLine | PerlX | UnicodeGroups),
// then compiles `"^(?:" + v + ")$"` (`model/labels/regexp.go`, `NewFastRegexMatcher`). RE2's
// default options (`posix_syntax` off, so `LikePerl`) are the same flags: `.` does not match
// `\n` unless `(?s)`, `^`/`$` are text anchors, negated classes match `\n`, and `\pN`, `\d`,
// `\b` and `[[:alpha:]]` are accepted. RE2 matches in time linear in the value and never
// recurses on it, unlike the backtracking `std::wregex` this replaced.
//
// Prometheus 3.0 compiles `"^(?s:" + v + ")$"` (`.` matches `\n`); rolloutlab follows 2.42
// until the pinned Prometheus moves.
#include "rolloutlab/core/promql/matcher.h"

#include <re2/re2.h>

#include <cstdint>
#include <utility>

#include "rolloutlab/core/promql/labels.h"

namespace rolloutlab::core::promql {

namespace {

constexpr char32_t kMaxRune = 0x10FFFF;
constexpr char32_t kReplacement = 0xFFFD;

// Decodes one UTF-8 code point from s at i; advances i. Returns kReplacement (advancing one
// byte) for an invalid sequence and sets *bad.
char32_t decodeOne(std::string_view s, std::size_t& i, bool* bad) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int n = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 1;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 2;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 3;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    ++i;
    if (bad) *bad = true;
    return kReplacement;
  }
  if (i + static_cast<std::size_t>(n) >= s.size()) {
    ++i;
    if (bad) *bad = true;
    return kReplacement;
  }
  for (int k = 1; k <= n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      if (bad) *bad = true;
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > kMaxRune || (cp >= 0xD800 && cp < 0xE000)) {
    ++i;
    if (bad) *bad = true;
    return kReplacement;
  }
  i += static_cast<std::size_t>(n) + 1;
  return cp;
}

bool isLiteralPattern(std::string_view p) {
  for (char c : p) {
    switch (c) {
      case '\\':
      case '.':
      case '+':
      case '*':
      case '?':
      case '(':
      case ')':
      case '|':
      case '[':
      case ']':
      case '{':
      case '}':
      case '^':
      case '$':
        return false;
      default:
        break;
    }
  }
  return true;
}

// Go's wording for each parse error (regexp/syntax `ErrorCode`), so that a message reads as
// Prometheus would print it.
const char* goErrorText(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    case RE2::ErrorPatternTooLarge:
      return "expression too large";
    default:
      return nullptr;
  }
}

// RE2 accepts `\C` (any byte), which Go's regexp rejects (regexp/syntax `parseEscape`).
// Returns the offset of a `\C` outside `\Q...\E`, or npos.
std::size_t findAnyByteEscape(std::string_view p) {
  bool quoted = false;
  for (std::size_t i = 0; i + 1 < p.size(); ++i) {
    if (p[i] != '\\') continue;
    const char next = p[i + 1];
    if (quoted) {
      if (next == 'E') quoted = false;
    } else if (next == 'Q') {
      quoted = true;
    } else if (next == 'C') {
      return i;
    }
    ++i;  // skip the escaped character
  }
  return std::string_view::npos;
}

// Go's regexp reads an invalid UTF-8 byte of the value as U+FFFD (one rune per byte); RE2
// would let no rune match it. The value is rewritten that way when it is not valid UTF-8.
std::string goRunes(std::string_view value, bool* changed) {
  std::string out;
  std::size_t i = 0;
  *changed = false;
  while (i < value.size()) {
    const std::size_t at = i;
    bool bad = false;
    decodeOne(value, i, &bad);
    if (bad) {
      if (!*changed) out.assign(value.substr(0, at));
      *changed = true;
      out += "\xEF\xBF\xBD";
    } else if (*changed) {
      out.append(value.substr(at, i - at));
    }
  }
  return out;
}

}  // namespace

struct LabelRegex::Compiled {
  explicit Compiled(std::string_view pattern) : re(pattern, options()) {}
  static RE2::Options options() {
    RE2::Options o;  // UTF-8, Perl-like syntax, `.` excludes \n: Go's syntax.Perl
    o.set_log_errors(false);
    o.set_never_capture(true);  // captures are never read; matching stays on the DFA
    return o;
  }
  RE2 re;
};

LabelRegex::LabelRegex(std::string_view pattern) : pattern_(pattern) {
  // A pattern without metacharacters matches exactly itself (Prometheus' FastRegexMatcher
  // reaches the same answer through its literal prefix); it must still be valid UTF-8.
  if (isLiteralPattern(pattern)) {
    std::size_t i = 0;
    while (i < pattern.size()) {
      bool bad = false;
      decodeOne(pattern, i, &bad);
      if (bad) {
        throw RegexError("error parsing regexp: invalid UTF-8: `" + std::string(pattern) + "`", 0);
      }
    }
    literal_ = true;
    return;
  }
  if (const std::size_t at = findAnyByteEscape(pattern); at != std::string_view::npos) {
    throw RegexError("error parsing regexp: invalid escape sequence: `\\C`", at);
  }
  // The pattern compiles on its own, then is matched whole (RE2::FullMatch): the same language
  // as `^(?:v)$`, without letting `a)|(b` through the wrapping group.
  auto compiled = std::make_shared<const Compiled>(pattern);
  if (!compiled->re.ok()) {
    const RE2& re = compiled->re;
    const std::string arg = re.error_arg();
    const std::size_t at = arg.empty() ? 0 : pattern.find(arg);
    const char* text = goErrorText(re.error_code());
    std::string what = "error parsing regexp: ";
    if (text == nullptr) {
      what += re.error();  // RE2's own message for a code Go has no word for
    } else if (re.error_code() == RE2::ErrorTrailingBackslash) {
      what += text;
    } else {
      what += std::string(text) + ": `" + arg + "`";
    }
    throw RegexError(what, at == std::string::npos ? 0 : at);
  }
  re_ = std::move(compiled);
}

bool LabelRegex::matches(std::string_view value) const {
  if (literal_) return value == pattern_;
  bool changed = false;
  const std::string fixed = goRunes(value, &changed);
  const std::string_view text = changed ? std::string_view(fixed) : value;
  return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), re_->re);
}

const char* toString(MatchType t) {
  switch (t) {
    case MatchType::kEqual:
      return "=";
    case MatchType::kNotEqual:
      return "!=";
    case MatchType::kRegex:
      return "=~";
    case MatchType::kNotRegex:
      return "!~";
  }
  return "?";
}

Matcher Matcher::make(MatchType type, std::string name, std::string value) {
  Matcher m;
  m.type = type;
  m.name = std::move(name);
  m.value = std::move(value);
  if (type == MatchType::kRegex || type == MatchType::kNotRegex) {
    m.regex = std::make_shared<const LabelRegex>(m.value);
  }
  return m;
}

bool Matcher::matches(std::string_view labelValue) const {
  switch (type) {
    case MatchType::kEqual:
      return labelValue == value;
    case MatchType::kNotEqual:
      return labelValue != value;
    case MatchType::kRegex:
      return regex->matches(labelValue);
    case MatchType::kNotRegex:
      return !regex->matches(labelValue);
  }
  return false;
}

std::string Matcher::toString() const { return name + promql::toString(type) + goQuote(value); }

}  // namespace rolloutlab::core::promql
