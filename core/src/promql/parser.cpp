// PromQL lexer, parser and type checker for the supported subset.
//
// The lexer follows Prometheus 2.42 `promql/parser/lex.go` state by state (statements, inside
// braces, durations after `[`), so that the same inputs tokenize the same way. The parser is a
// precedence-climbing rewrite of the yacc grammar `generated_parser.y` with the same operator
// precedence (lowest first: `or`; `and` `unless`; comparisons; `+` `-`; `*` `/` `%` `atan2`;
// `^` right-associative; unary `+`/`-` binding like `*`; `offset` and `[...]` binding tightest)
// and the checks of `parse.go` `checkAST`, with Prometheus' error texts where it has them.
#include "parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "ast.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/promql/exposition.h"
#include "rolloutlab/core/promql/query.h"

namespace rolloutlab::core::promql {

namespace detail {

const char* documentedType(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
    case ValueType::kNone:
      break;
  }
  return "none";
}

const char* toString(BinOp op) {
  switch (op) {
    case BinOp::kAdd:
      return "+";
    case BinOp::kSub:
      return "-";
    case BinOp::kMul:
      return "*";
    case BinOp::kDiv:
      return "/";
    case BinOp::kMod:
      return "%";
    case BinOp::kPow:
      return "^";
    case BinOp::kAtan2:
      return "atan2";
    case BinOp::kEql:
      return "==";
    case BinOp::kNeq:
      return "!=";
    case BinOp::kGtr:
      return ">";
    case BinOp::kLss:
      return "<";
    case BinOp::kGte:
      return ">=";
    case BinOp::kLte:
      return "<=";
    case BinOp::kAnd:
      return "and";
    case BinOp::kOr:
      return "or";
    case BinOp::kUnless:
      return "unless";
  }
  return "?";
}

namespace {
using VT = ValueType;
const std::vector<FunctionInfo>& functionTable() {
  static const std::vector<FunctionInfo> table = {
      {"rate", Func::kRate, {VT::kMatrix}, 0, VT::kVector},
      {"irate", Func::kIrate, {VT::kMatrix}, 0, VT::kVector},
      {"increase", Func::kIncrease, {VT::kMatrix}, 0, VT::kVector},
      {"delta", Func::kDelta, {VT::kMatrix}, 0, VT::kVector},
      {"idelta", Func::kIdelta, {VT::kMatrix}, 0, VT::kVector},
      {"sum_over_time", Func::kSumOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"avg_over_time", Func::kAvgOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"min_over_time", Func::kMinOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"max_over_time", Func::kMaxOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"count_over_time", Func::kCountOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"last_over_time", Func::kLastOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"quantile_over_time", Func::kQuantileOverTime, {VT::kScalar, VT::kMatrix}, 0, VT::kVector},
      {"stddev_over_time", Func::kStddevOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"stdvar_over_time", Func::kStdvarOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"present_over_time", Func::kPresentOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"absent_over_time", Func::kAbsentOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"changes", Func::kChanges, {VT::kMatrix}, 0, VT::kVector},
      {"resets", Func::kResets, {VT::kMatrix}, 0, VT::kVector},
      {"abs", Func::kAbs, {VT::kVector}, 0, VT::kVector},
      {"ceil", Func::kCeil, {VT::kVector}, 0, VT::kVector},
      {"floor", Func::kFloor, {VT::kVector}, 0, VT::kVector},
      {"exp", Func::kExp, {VT::kVector}, 0, VT::kVector},
      {"sqrt", Func::kSqrt, {VT::kVector}, 0, VT::kVector},
      {"ln", Func::kLn, {VT::kVector}, 0, VT::kVector},
      {"log2", Func::kLog2, {VT::kVector}, 0, VT::kVector},
      {"log10", Func::kLog10, {VT::kVector}, 0, VT::kVector},
      {"sin", Func::kSin, {VT::kVector}, 0, VT::kVector},
      {"cos", Func::kCos, {VT::kVector}, 0, VT::kVector},
      {"tan", Func::kTan, {VT::kVector}, 0, VT::kVector},
      {"asin", Func::kAsin, {VT::kVector}, 0, VT::kVector},
      {"acos", Func::kAcos, {VT::kVector}, 0, VT::kVector},
      {"atan", Func::kAtan, {VT::kVector}, 0, VT::kVector},
      {"sinh", Func::kSinh, {VT::kVector}, 0, VT::kVector},
      {"cosh", Func::kCosh, {VT::kVector}, 0, VT::kVector},
      {"tanh", Func::kTanh, {VT::kVector}, 0, VT::kVector},
      {"asinh", Func::kAsinh, {VT::kVector}, 0, VT::kVector},
      {"acosh", Func::kAcosh, {VT::kVector}, 0, VT::kVector},
      {"atanh", Func::kAtanh, {VT::kVector}, 0, VT::kVector},
      {"deg", Func::kDeg, {VT::kVector}, 0, VT::kVector},
      {"rad", Func::kRad, {VT::kVector}, 0, VT::kVector},
      {"sgn", Func::kSgn, {VT::kVector}, 0, VT::kVector},
      {"pi", Func::kPi, {}, 0, VT::kScalar},
      {"round", Func::kRound, {VT::kVector, VT::kScalar}, 1, VT::kVector},
      {"clamp", Func::kClamp, {VT::kVector, VT::kScalar, VT::kScalar}, 0, VT::kVector},
      {"clamp_min", Func::kClampMin, {VT::kVector, VT::kScalar}, 0, VT::kVector},
      {"clamp_max", Func::kClampMax, {VT::kVector, VT::kScalar}, 0, VT::kVector},
      {"scalar", Func::kScalar, {VT::kVector}, 0, VT::kScalar},
      {"vector", Func::kVector, {VT::kScalar}, 0, VT::kVector},
      {"time", Func::kTime, {}, 0, VT::kScalar},
      {"timestamp", Func::kTimestamp, {VT::kVector}, 0, VT::kVector},
      {"absent", Func::kAbsent, {VT::kVector}, 0, VT::kVector},
      {"sort", Func::kSort, {VT::kVector}, 0, VT::kVector},
      {"sort_desc", Func::kSortDesc, {VT::kVector}, 0, VT::kVector},
      {"histogram_quantile", Func::kHistogramQuantile, {VT::kScalar, VT::kVector}, 0, VT::kVector},
  };
  return table;
}
}  // namespace

const FunctionInfo* findFunction(std::string_view name) {
  for (const auto& f : functionTable()) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

bool isPrometheusFunction(std::string_view name) {
  // promql/parser/functions.go (2.42) `Functions`.
  static const char* kAll[] = {"abs",
                               "absent",
                               "absent_over_time",
                               "acos",
                               "acosh",
                               "asin",
                               "asinh",
                               "atan",
                               "atanh",
                               "avg_over_time",
                               "ceil",
                               "changes",
                               "clamp",
                               "clamp_max",
                               "clamp_min",
                               "cos",
                               "cosh",
                               "count_over_time",
                               "days_in_month",
                               "day_of_month",
                               "day_of_week",
                               "day_of_year",
                               "deg",
                               "delta",
                               "deriv",
                               "exp",
                               "floor",
                               "histogram_count",
                               "histogram_sum",
                               "histogram_fraction",
                               "histogram_quantile",
                               "holt_winters",
                               "hour",
                               "idelta",
                               "increase",
                               "irate",
                               "label_replace",
                               "label_join",
                               "last_over_time",
                               "ln",
                               "log10",
                               "log2",
                               "max_over_time",
                               "min_over_time",
                               "minute",
                               "month",
                               "pi",
                               "predict_linear",
                               "present_over_time",
                               "quantile_over_time",
                               "rad",
                               "rate",
                               "resets",
                               "round",
                               "scalar",
                               "sgn",
                               "sin",
                               "sinh",
                               "sort",
                               "sort_desc",
                               "sqrt",
                               "stddev_over_time",
                               "stdvar_over_time",
                               "sum_over_time",
                               "tan",
                               "tanh",
                               "time",
                               "timestamp",
                               "vector",
                               "year"};
  for (const char* f : kAll) {
    if (name == f) return true;
  }
  return false;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Durations

bool parseDuration(std::string_view text, TimestampMs& ms, std::string* error) {
  // prometheus/common v0.39 model.ParseDuration.
  auto bad = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (text == "0") {
    ms = 0;
    return true;
  }
  if (text.empty()) return bad("empty duration string");
  struct Unit {
    const char* name;
    std::int64_t ms;
  };
  static const Unit kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                                {"w", 7LL * 24 * 3600 * 1000},
                                {"d", 24LL * 3600 * 1000},
                                {"h", 3600LL * 1000},
                                {"m", 60LL * 1000},
                                {"s", 1000},
                                {"ms", 1}};
  const std::string invalid = "not a valid duration string: " + goQuote(text);
  std::size_t i = 0;
  std::size_t nextUnit = 0;
  std::int64_t totalNs = 0;  // time.Duration arithmetic (nanoseconds)
  bool overflow = false;
  while (i < text.size()) {
    const std::size_t ds = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == ds || i == text.size()) return bad(invalid);
    std::string_view unit;
    if (text.substr(i).starts_with("ms")) {
      unit = "ms";
    } else {
      unit = text.substr(i, 1);
    }
    std::size_t u = nextUnit;
    while (u < std::size(kUnits) && unit != kUnits[u].name) ++u;
    if (u == std::size(kUnits)) return bad(invalid);
    nextUnit = u + 1;
    i += unit.size();
    std::int64_t n = 0;
    for (std::size_t k = ds; k < ds + (i - unit.size() - ds); ++k) {
      if (n > std::numeric_limits<std::int64_t>::max() / 10) {
        n = std::numeric_limits<std::int64_t>::max();
        break;
      }
      n = n * 10 + (text[k] - '0');
    }
    const std::int64_t multNs = kUnits[u].ms * 1000000;
    if (n > std::numeric_limits<std::int64_t>::max() / multNs) {
      overflow = true;
      continue;
    }
    const std::int64_t add = n * multNs;
    if (totalNs > std::numeric_limits<std::int64_t>::max() - add) {
      overflow = true;
      continue;
    }
    totalNs += add;
  }
  if (overflow) return bad("duration out of range");
  ms = totalNs / 1000000;
  return true;
}

TimestampMs apiTimeToMs(double seconds) {
  // web/api/v1/api.go parseTime + timestamp.FromTime.
  if (!(seconds >= -kMaxApiTimeSeconds && seconds <= kMaxApiTimeSeconds)) {
    if (seconds != seconds) return 0;
    return seconds > 0 ? std::numeric_limits<TimestampMs>::max()
                       : std::numeric_limits<TimestampMs>::min();
  }
  double ip = 0;
  double frac = std::modf(seconds, &ip);
  frac = std::round(frac * 1000) / 1000;
  auto sec = static_cast<std::int64_t>(ip);
  auto nsec = static_cast<std::int64_t>(frac * 1e9);
  if (nsec < 0 || nsec >= 1000000000) {  // time.Unix normalisation
    std::int64_t n = nsec / 1000000000;
    sec += n;
    nsec -= n * 1000000000;
    if (nsec < 0) {
      nsec += 1000000000;
      --sec;
    }
  }
  return sec * 1000 + nsec / 1000000;
}

// ---------------------------------------------------------------------------------------------
// Lexer

namespace {

using detail::AggOp;
using detail::Ast;
using detail::BinOp;
using detail::Cardinality;
using detail::Node;
using detail::NodeKind;
using detail::ValueType;

enum class Tok {
  kEof,
  kError,
  kIdentifier,
  kMetricIdentifier,
  kNumber,
  kString,
  kDuration,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kComma,
  kColon,
  kAt,
  kEql,  // =
  kEqlRegex,
  kNeqRegex,
  // operators
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,  // ==
  kNeq,
  kLss,
  kLte,
  kGtr,
  kGte,
  kLand,
  kLor,
  kLunless,
  kAtan2,
  // aggregators
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kCountValues,
  kQuantile,
  // keywords
  kOffset,
  kBy,
  kWithout,
  kOn,
  kIgnoring,
  kGroupLeft,
  kGroupRight,
  kBool,
  kStart,
  kEnd,
};

bool isAggregator(Tok t) { return t >= Tok::kSum && t <= Tok::kQuantile; }
bool isKeyword(Tok t) { return t >= Tok::kOffset; }
bool isOperator(Tok t) { return t >= Tok::kAdd && t <= Tok::kAtan2; }

struct Token {
  Tok type = Tok::kEof;
  std::size_t pos = 0;
  std::string_view val;
  std::string error;  // kError
};

struct Keyword {
  const char* word;
  Tok tok;
};
const Keyword kKeywords[] = {
    {"and", Tok::kLand},
    {"or", Tok::kLor},
    {"unless", Tok::kLunless},
    {"atan2", Tok::kAtan2},
    {"sum", Tok::kSum},
    {"avg", Tok::kAvg},
    {"count", Tok::kCount},
    {"min", Tok::kMin},
    {"max", Tok::kMax},
    {"group", Tok::kGroup},
    {"stddev", Tok::kStddev},
    {"stdvar", Tok::kStdvar},
    {"topk", Tok::kTopk},
    {"bottomk", Tok::kBottomk},
    {"count_values", Tok::kCountValues},
    {"quantile", Tok::kQuantile},
    {"offset", Tok::kOffset},
    {"by", Tok::kBy},
    {"without", Tok::kWithout},
    {"on", Tok::kOn},
    {"ignoring", Tok::kIgnoring},
    {"group_left", Tok::kGroupLeft},
    {"group_right", Tok::kGroupRight},
    {"bool", Tok::kBool},
    {"start", Tok::kStart},
    {"end", Tok::kEnd},
    {"inf", Tok::kNumber},
    {"nan", Tok::kNumber},
};

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlpha(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isAlnum(char c) { return isAlpha(c) || isDigit(c); }

// Go's %q of a rune starting at s[i] (one UTF-8 sequence), for messages.
std::string quoteRune(std::string_view s, std::size_t i) {
  if (i >= s.size()) return "EOF";
  std::size_t n = 1;
  const auto b = static_cast<unsigned char>(s[i]);
  if (b >= 0xF0) {
    n = 4;
  } else if (b >= 0xE0) {
    n = 3;
  } else if (b >= 0xC0) {
    n = 2;
  }
  n = std::min(n, s.size() - i);
  std::string r(s.substr(i, n));
  if (r == "'") return "'\\''";
  if (r == "\\") return "'\\\\'";
  if (r == "\n") return "'\\n'";
  if (r == "\t") return "'\\t'";
  return "'" + r + "'";
}

// Go's %#U of the rune starting at s[i]: U+0071 'q'.
std::string runeName(std::string_view s, std::size_t i) {
  static const char* kHex = "0123456789ABCDEF";
  std::uint32_t cp = static_cast<unsigned char>(s[i]);
  int extra = 0;
  if (cp >= 0xF0) {
    cp &= 0x07;
    extra = 3;
  } else if (cp >= 0xE0) {
    cp &= 0x0F;
    extra = 2;
  } else if (cp >= 0xC0) {
    cp &= 0x1F;
    extra = 1;
  }
  for (int k = 1; k <= extra && i + static_cast<std::size_t>(k) < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
  }
  std::string hex;
  for (int shift = cp > 0xFFFF ? 20 : 12; shift >= 0; shift -= 4) hex += kHex[(cp >> shift) & 15];
  return "U+" + hex + " " + quoteRune(s, i);
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    for (;;) {
      Token t = next();
      out.push_back(t);
      if (t.type == Tok::kEof || t.type == Tok::kError) break;
    }
    return out;
  }

 private:
  Token make(Tok t, std::size_t start) {
    Token k;
    k.type = t;
    k.pos = start;
    k.val = in_.substr(start, pos_ - start);
    return k;
  }
  Token error(std::size_t start, std::string msg) {
    Token k;
    k.type = Tok::kError;
    k.pos = start;
    k.error = std::move(msg);
    return k;
  }
  bool eof() const { return pos_ >= in_.size(); }
  char peek() const { return eof() ? '\0' : in_[pos_]; }

  void skipComment() {
    while (!eof() && in_[pos_] != '\n' && in_[pos_] != '\r') ++pos_;
  }

  Token next() {
    if (pendingDuration_) {
      // lex.go: after '[' (and its spaces) the state is lexDuration.
      pendingDuration_ = false;
      return lexDuration(pos_);
    }
    for (;;) {
      if (braceOpen_) {
        auto t = insideBraces();
        if (t) return *t;
        continue;
      }
      if (!eof() && in_[pos_] == '#') {
        skipComment();
        continue;
      }
      const std::size_t start = pos_;
      if (eof()) {
        if (parenDepth_ != 0) return error(start, "unclosed left parenthesis");
        if (bracketOpen_) return error(start, "unclosed left bracket");
        return make(Tok::kEof, start);
      }
      const char r = in_[pos_++];
      switch (r) {
        case ',':
          return make(Tok::kComma, start);
        case '*':
          return make(Tok::kMul, start);
        case '/':
          return make(Tok::kDiv, start);
        case '%':
          return make(Tok::kMod, start);
        case '+':
          return make(Tok::kAdd, start);
        case '-':
          return make(Tok::kSub, start);
        case '^':
          return make(Tok::kPow, start);
        case '=':
          if (peek() == '=') {
            ++pos_;
            return make(Tok::kEqlc, start);
          }
          if (peek() == '~') {
            return error(start, "unexpected character after '=': '~'");
          }
          return make(Tok::kEql, start);
        case '!':
          if (peek() == '=') {
            ++pos_;
            return make(Tok::kNeq, start);
          }
          return error(start, "unexpected character after '!': " + quoteRune(in_, pos_));
        case '<':
          if (peek() == '=') {
            ++pos_;
            return make(Tok::kLte, start);
          }
          return make(Tok::kLss, start);
        case '>':
          if (peek() == '=') {
            ++pos_;
            return make(Tok::kGte, start);
          }
          return make(Tok::kGtr, start);
        case '(':
          ++parenDepth_;
          return make(Tok::kLParen, start);
        case ')':
          --parenDepth_;
          // lex.go reports this after emitting the token: at the position just past it.
          if (parenDepth_ < 0) return error(pos_, "unexpected right parenthesis ')'");
          return make(Tok::kRParen, start);
        case '{':
          braceOpen_ = true;
          return make(Tok::kLBrace, start);
        case '[': {
          if (bracketOpen_) return error(start, "unexpected left bracket '['");
          gotColon_ = false;
          Token t = make(Tok::kLBracket, start);
          while (!eof() && isSpace(in_[pos_])) ++pos_;
          bracketOpen_ = true;
          pendingDuration_ = true;
          return t;
        }
        case ']':
          if (!bracketOpen_) return error(start, "unexpected right bracket ']'");
          bracketOpen_ = false;
          return make(Tok::kRBracket, start);
        case '@':
          return make(Tok::kAt, start);
        case '"':
        case '\'':
          return lexString(start, r);
        case '`':
          return lexRawString(start);
        default:
          break;
      }
      if (isSpace(r)) {
        while (!eof() && isSpace(in_[pos_])) ++pos_;
        continue;
      }
      if (isDigit(r) || (r == '.' && isDigit(peek()))) {
        pos_ = start;
        return lexNumberOrDuration(start);
      }
      if (isAlpha(r) || r == ':') {
        if (!bracketOpen_) {
          pos_ = start;
          return lexKeywordOrIdentifier(start);
        }
        // lex.go: inside brackets a letter or ':' is lexed as a colon token.
        if (gotColon_) return error(start, "unexpected colon " + quoteRune(in_, start));
        gotColon_ = true;
        return make(Tok::kColon, start);
      }
      return error(start, "unexpected character: " + quoteRune(in_, start));
    }
  }

  std::optional<Token> insideBraces() {
    if (!eof() && in_[pos_] == '#') {
      skipComment();
      return std::nullopt;
    }
    const std::size_t start = pos_;
    if (eof()) return error(start, "unexpected end of input inside braces");
    const char r = in_[pos_++];
    if (isSpace(r)) {
      while (!eof() && isSpace(in_[pos_])) ++pos_;
      return std::nullopt;
    }
    if (isAlpha(r)) {
      while (!eof() && isAlnum(in_[pos_])) ++pos_;
      return make(Tok::kIdentifier, start);
    }
    switch (r) {
      case ',':
        return make(Tok::kComma, start);
      case '"':
      case '\'':
        return lexString(start, r);
      case '`':
        return lexRawString(start);
      case '=':
        if (peek() == '~') {
          ++pos_;
          return make(Tok::kEqlRegex, start);
        }
        return make(Tok::kEql, start);
      case '!':
        if (peek() == '~') {
          ++pos_;
          return make(Tok::kNeqRegex, start);
        }
        if (peek() == '=') {
          ++pos_;
          return make(Tok::kNeq, start);
        }
        return error(start,
                     "unexpected character after '!' inside braces: " + quoteRune(in_, pos_));
      case '{':
        return error(start, "unexpected left brace '{'");
      case '}':
        braceOpen_ = false;
        return make(Tok::kRBrace, start);
      default:
        return error(start, "unexpected character inside braces: " + quoteRune(in_, start));
    }
  }

  Token lexString(std::size_t start, char quote) {
    for (;;) {
      if (eof()) return error(start, "unterminated quoted string");
      const char c = in_[pos_++];
      if (c == '\\') {
        if (eof()) return error(start, "escape sequence not terminated");
        const char e = in_[pos_++];
        int n = 0;
        int base = 0;
        std::uint32_t max = 0;
        switch (e) {
          case 'a':
          case 'b':
          case 'f':
          case 'n':
          case 'r':
          case 't':
          case 'v':
          case '\\':
            continue;
          case '0':
          case '1':
          case '2':
          case '3':
          case '4':
          case '5':
          case '6':
          case '7':
            n = 3;
            base = 8;
            max = 255;
            --pos_;
            break;
          case 'x':
            n = 2;
            base = 16;
            max = 255;
            break;
          case 'u':
            n = 4;
            base = 16;
            max = 0x10FFFF;
            break;
          case 'U':
            n = 8;
            base = 16;
            max = 0x10FFFF;
            break;
          default:
            if (e == quote) continue;
            return error(start, "unknown escape sequence " + runeName(in_, pos_ - 1));
        }
        std::uint32_t x = 0;
        for (int k = 0; k < n; ++k) {
          if (eof()) return error(start, "escape sequence not terminated");
          const char d = in_[pos_];
          int v = 16;
          if (d >= '0' && d <= '9') v = d - '0';
          if (d >= 'a' && d <= 'f') v = d - 'a' + 10;
          if (d >= 'A' && d <= 'F') v = d - 'A' + 10;
          if (v >= base) {
            return error(start,
                         "illegal character " + quoteRune(in_, pos_) + " in escape sequence");
          }
          x = x * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(v);
          ++pos_;
        }
        if (x > max || (x >= 0xD800 && x < 0xE000)) {
          return error(start, "escape sequence is an invalid Unicode code point");
        }
        continue;
      }
      if (c == '\n') return error(start, "unterminated quoted string");
      if (c == quote) return make(Tok::kString, start);
    }
  }

  Token lexRawString(std::size_t start) {
    for (;;) {
      if (eof()) return error(start, "unterminated raw string");
      if (in_[pos_++] == '`') return make(Tok::kString, start);
    }
  }

  // lex.go scanNumber: returns true when the number is not followed by a letter or digit.
  bool scanNumber() {
    std::string_view digits = "0123456789";
    if (peek() == '0' && pos_ + 1 < in_.size() && (in_[pos_ + 1] == 'x' || in_[pos_ + 1] == 'X')) {
      pos_ += 2;
      digits = "0123456789abcdefABCDEF";
    }
    while (!eof() && digits.find(in_[pos_]) != std::string_view::npos) ++pos_;
    if (peek() == '.') {
      ++pos_;
      while (!eof() && digits.find(in_[pos_]) != std::string_view::npos) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      while (!eof() && isDigit(in_[pos_])) ++pos_;
    }
    return eof() || !isAlnum(in_[pos_]);
  }

  bool acceptRemainingDuration() {
    auto accept = [&](std::string_view set) {
      if (!eof() && set.find(in_[pos_]) != std::string_view::npos) {
        ++pos_;
        return true;
      }
      return false;
    };
    if (!accept("smhdwy")) return false;
    accept("s");
    while (accept("0123456789")) {
      while (accept("0123456789")) {
      }
      if (!accept("smhdw")) return false;
      accept("s");
    }
    // lex.go: `!isAlphaNumeric(l.next())` consumes the character it looks at.
    if (eof()) return true;
    return !isAlnum(in_[pos_++]);
  }

  Token lexDuration(std::size_t start) {
    if (scanNumber()) return error(start, "missing unit character in duration");
    const std::size_t before = pos_;
    if (!acceptRemainingDuration()) {
      return error(start, "bad duration syntax: " + goQuote(in_.substr(start, pos_ - start)));
    }
    if (pos_ > before && !isAlnum(in_[pos_ - 1])) --pos_;
    return make(Tok::kDuration, start);
  }

  Token lexNumberOrDuration(std::size_t start) {
    if (scanNumber()) return make(Tok::kNumber, start);
    const std::size_t before = pos_;
    if (acceptRemainingDuration()) {
      if (pos_ > before && !isAlnum(in_[pos_ - 1])) --pos_;
      return make(Tok::kDuration, start);
    }
    return error(start,
                 "bad number or duration syntax: " + goQuote(in_.substr(start, pos_ - start)));
  }

  Token lexKeywordOrIdentifier(std::size_t start) {
    while (!eof() && (isAlnum(in_[pos_]) || in_[pos_] == ':')) ++pos_;
    const std::string_view word = in_.substr(start, pos_ - start);
    std::string lower(word);
    for (auto& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    for (const auto& k : kKeywords) {
      if (lower == k.word) return make(k.tok, start);
    }
    if (word.find(':') == std::string_view::npos) return make(Tok::kIdentifier, start);
    return make(Tok::kMetricIdentifier, start);
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  int parenDepth_ = 0;
  bool braceOpen_ = false;
  bool bracketOpen_ = false;
  bool gotColon_ = false;
  bool pendingDuration_ = false;
};

// ---------------------------------------------------------------------------------------------
// Parser

// Go's strconv.Unquote as Prometheus' strutil.Unquote applies it to lexed string tokens.
bool unquote(std::string_view s, std::string& out) {
  out.clear();
  if (s.size() < 2) return false;
  const char q = s.front();
  if (q != s.back()) return false;
  s = s.substr(1, s.size() - 2);
  if (q == '`') {
    out.assign(s);
    return true;
  }
  auto appendUtf8 = [&](std::uint32_t c) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i >= s.size()) return false;
    const char e = s[i];
    auto hexDigits = [&](int n, std::uint32_t& v) {
      v = 0;
      for (int k = 0; k < n; ++k) {
        if (++i >= s.size()) return false;
        const char d = s[i];
        int x = -1;
        if (d >= '0' && d <= '9') x = d - '0';
        if (d >= 'a' && d <= 'f') x = d - 'a' + 10;
        if (d >= 'A' && d <= 'F') x = d - 'A' + 10;
        if (x < 0) return false;
        v = v * 16 + static_cast<std::uint32_t>(x);
      }
      return true;
    };
    std::uint32_t v = 0;
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case 'x':
        if (!hexDigits(2, v)) return false;
        out += static_cast<char>(v);  // a byte, not a rune
        break;
      case 'u':
        if (!hexDigits(4, v)) return false;
        appendUtf8(v);
        break;
      case 'U':
        if (!hexDigits(8, v) || v > 0x10FFFF) return false;
        appendUtf8(v);
        break;
      default:
        if (e >= '0' && e <= '7') {
          if (i + 2 >= s.size()) return false;
          v = 0;
          for (std::size_t k = i; k < i + 3; ++k) {
            if (s[k] < '0' || s[k] > '7') return false;
            v = v * 8 + static_cast<std::uint32_t>(s[k] - '0');
          }
          i += 2;
          if (v > 255) return false;
          out += static_cast<char>(v);
          break;
        }
        if (e == q) {
          out += e;
          break;
        }
        return false;
    }
  }
  return true;
}

// parse.go `number`: strconv.ParseInt(val, 0, 64), else ParseFloat.
bool parseNumber(std::string_view v, double& out) {
  std::string_view digits = v;
  int base = 10;
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
    base = 16;
    digits = v.substr(2);
  } else if (v.size() > 1 && v[0] == '0') {
    base = 8;
    digits = v.substr(1);
  }
  std::int64_t n = 0;
  const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n, base);
  if (!digits.empty() && r.ec == std::errc() && r.ptr == digits.data() + digits.size()) {
    out = static_cast<double>(n);
    return true;
  }
  return parseGoFloat(v, out);
}

class ParseError : public std::exception {
 public:
  ParseError(std::size_t pos, std::string msg) : pos(pos), msg(std::move(msg)) {}
  std::size_t pos;
  std::string msg;
  const char* what() const noexcept override { return msg.c_str(); }
};

class Parser {
 public:
  Parser(std::string_view text, Ast& ast) : text_(text), ast_(ast) {}

  void run() {
    toks_ = Lexer(text_).run();
    if (peek().type == Tok::kEof) fail(0, "no expression found in input");
    const int root = parseExpr(0);
    if (peek().type != Tok::kEof) unexpected("", "");
    ast_.root = root;
    checkAst(root);
    const Node& r = ast_.nodes[static_cast<std::size_t>(root)];
    if (r.type == ValueType::kMatrix) {
      fail(r.pos,
           "range vector results are not supported by this evaluator (instant queries answer "
           "scalars and instant vectors); apply a function such as rate() to the range");
    }
    if (r.type == ValueType::kString) {
      fail(r.pos, "string results are not supported by this evaluator");
    }
  }

 private:
  [[noreturn]] void fail(std::size_t pos, std::string msg) {
    throw ParseError(pos, std::move(msg));
  }

  const Token& peek(std::size_t k = 0) const {
    const std::size_t i = std::min(idx_ + k, toks_.size() - 1);
    return toks_[i];
  }
  const Token& consume() {
    const Token& t = toks_[std::min(idx_, toks_.size() - 1)];
    if (idx_ < toks_.size() - 1) ++idx_;
    return t;
  }

  static std::string tokenDesc(const Token& t) {
    switch (t.type) {
      case Tok::kEof:
        return "end of input";
      case Tok::kIdentifier:
        return "identifier " + goQuote(t.val);
      case Tok::kMetricIdentifier:
        return "metric identifier " + goQuote(t.val);
      case Tok::kNumber:
        return "number " + goQuote(t.val);
      case Tok::kString:
        return "string " + goQuote(t.val);
      case Tok::kDuration:
        return "duration " + goQuote(t.val);
      default:
        break;
    }
    if (isOperator(t.type)) return "<op:" + std::string(t.val) + ">";
    if (isAggregator(t.type)) return "<aggr:" + std::string(t.val) + ">";
    if (isKeyword(t.type)) return "<" + std::string(t.val) + ">";
    return goQuote(t.val);
  }

  // parse.go `unexpected`; a lexer error is reported as itself.
  [[noreturn]] void unexpected(const std::string& context, const std::string& expected) {
    const Token& t = peek();
    if (t.type == Tok::kError) fail(t.pos, t.error);
    std::string msg = "unexpected " + tokenDesc(t);
    if (!context.empty()) msg += " in " + context;
    if (!expected.empty()) msg += ", expected " + expected;
    fail(t.pos, msg);
  }

  void expect(Tok type, const std::string& context, const std::string& expected) {
    if (peek().type != type) unexpected(context, expected);
    consume();
  }

  int addNode(Node n) {
    // Prometheus' parser is generated (no recursion) and Go grows its stack; this recursive
    // parser, the type check and the evaluator need a bound on the tree's height instead (not a
    // PromQL rule: a query 1000 levels deep crashed with a stack overflow). Children come before
    // their parent, so each node's height is known when it is added.
    int height = 1;
    for (const int c : n.children)
      height = std::max(height, heights_[static_cast<std::size_t>(c)] + 1);
    if (n.param >= 0) height = std::max(height, heights_[static_cast<std::size_t>(n.param)] + 1);
    if (height > kMaxHeight) fail(n.pos, tooDeep());
    heights_.push_back(height);
    ast_.nodes.push_back(std::move(n));
    return static_cast<int>(ast_.nodes.size() - 1);
  }
  static constexpr int kMaxHeight = 200;
  static std::string tooDeep() {
    return "query is nested too deeply (more than " + std::to_string(kMaxHeight) + " levels)";
  }
  Node& node(int i) { return ast_.nodes[static_cast<std::size_t>(i)]; }

  // Binary operator precedence (generated_parser.y, lowest first); 0 = not a binary operator.
  static int precedence(Tok t) {
    switch (t) {
      case Tok::kLor:
        return 1;
      case Tok::kLand:
      case Tok::kLunless:
        return 2;
      case Tok::kEqlc:
      case Tok::kNeq:
      case Tok::kLss:
      case Tok::kLte:
      case Tok::kGtr:
      case Tok::kGte:
        return 3;
      case Tok::kAdd:
      case Tok::kSub:
        return 4;
      case Tok::kMul:
      case Tok::kDiv:
      case Tok::kMod:
      case Tok::kAtan2:
        return 5;
      case Tok::kPow:
        return 6;
      default:
        return 0;
    }
  }
  static constexpr int kPowPrecedence = 6;

  static BinOp binOpOf(Tok t) {
    switch (t) {
      case Tok::kAdd:
        return BinOp::kAdd;
      case Tok::kSub:
        return BinOp::kSub;
      case Tok::kMul:
        return BinOp::kMul;
      case Tok::kDiv:
        return BinOp::kDiv;
      case Tok::kMod:
        return BinOp::kMod;
      case Tok::kPow:
        return BinOp::kPow;
      case Tok::kAtan2:
        return BinOp::kAtan2;
      case Tok::kEqlc:
        return BinOp::kEql;
      case Tok::kNeq:
        return BinOp::kNeq;
      case Tok::kGtr:
        return BinOp::kGtr;
      case Tok::kLss:
        return BinOp::kLss;
      case Tok::kGte:
        return BinOp::kGte;
      case Tok::kLte:
        return BinOp::kLte;
      case Tok::kLand:
        return BinOp::kAnd;
      case Tok::kLor:
        return BinOp::kOr;
      default:
        return BinOp::kUnless;
    }
  }

  int parseExpr(int minPrec) {
    // Every nesting (parentheses, unary operators, arguments, `^`) recurses through here.
    if (++depth_ > kMaxHeight) fail(peek().pos, tooDeep());
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    int lhs = parseUnary();
    for (;;) {
      const Token& op = peek();
      const int prec = precedence(op.type);
      if (prec == 0 || prec < minPrec) break;
      consume();
      Node b;
      b.kind = NodeKind::kBinary;
      b.binOp = binOpOf(op.type);
      b.pos = node(lhs).pos;
      parseBinModifiers(b);
      // `^` is right-associative; all others left-associative.
      const int rhs = parseExpr(op.type == Tok::kPow ? prec : prec + 1);
      b.children = {lhs, rhs};
      b.end = node(rhs).end;
      lhs = addNode(std::move(b));
    }
    return lhs;
  }

  void parseBinModifiers(Node& b) {
    if (peek().type == Tok::kBool) {
      consume();
      b.returnBool = true;
    }
    if (peek().type == Tok::kOn || peek().type == Tok::kIgnoring) {
      b.on = consume().type == Tok::kOn;
      b.hasVectorMatching = true;
      b.matchingLabels = parseGroupingLabels();
      if (peek().type == Tok::kGroupLeft || peek().type == Tok::kGroupRight) {
        b.card =
            consume().type == Tok::kGroupLeft ? Cardinality::kManyToOne : Cardinality::kOneToMany;
        if (peek().type == Tok::kLParen) b.include = parseGroupingLabels();
      }
    }
  }

  static bool isMaybeLabel(Tok t) {
    return t == Tok::kIdentifier || t == Tok::kMetricIdentifier || isAggregator(t) ||
           isKeyword(t) || t == Tok::kLand || t == Tok::kLor || t == Tok::kLunless ||
           t == Tok::kAtan2;
  }

  std::vector<std::string> parseGroupingLabels() {
    if (peek().type != Tok::kLParen) unexpected("grouping opts", "\"(\"");
    consume();
    std::vector<std::string> labels;
    if (peek().type == Tok::kRParen) {
      consume();
      return labels;
    }
    for (;;) {
      const Token& t = peek();
      if (!isMaybeLabel(t.type)) unexpected("grouping opts", "label");
      const std::string_view name = t.val;
      if (name.empty() || !isAlpha(name[0]) ||
          !std::all_of(name.begin(), name.end(), [](char c) { return isAlnum(c); })) {
        unexpected("grouping opts", "label");
      }
      consume();
      labels.emplace_back(name);
      if (peek().type == Tok::kComma) {
        consume();
        if (peek().type == Tok::kRParen) {
          consume();
          return labels;
        }
        continue;
      }
      if (peek().type == Tok::kRParen) {
        consume();
        return labels;
      }
      unexpected("grouping opts", "\",\" or \")\"");
    }
  }

  int parseUnary() {
    const Token& t = peek();
    if (t.type == Tok::kAdd || t.type == Tok::kSub) {
      const bool neg = t.type == Tok::kSub;
      const std::size_t pos = t.pos;
      consume();
      // unary_expr: `unary_op expr %prec MUL` — the operand extends over `^` and postfix
      // modifiers only.
      const int operand = parseExpr(kPowPrecedence);
      Node& o = node(operand);
      if (o.kind == NodeKind::kNumber) {
        if (neg) o.number = -o.number;
        o.pos = pos;
        return operand;
      }
      Node u;
      u.kind = NodeKind::kUnary;
      u.negate = neg;
      u.pos = pos;
      u.end = o.end;
      u.children = {operand};
      return addNode(std::move(u));
    }
    return parsePostfix(parsePrimary());
  }

  int parsePostfix(int e) {
    for (;;) {
      const Token& t = peek();
      if (t.type == Tok::kLBracket) {
        const std::size_t open = t.pos;
        consume();
        const Token& d = peek();
        if (d.type != Tok::kDuration) unexpected("subquery selector", "duration");
        const TimestampMs range = durationValue(d);
        consume();
        if (peek().type == Tok::kColon) {
          fail(open, "subqueries are not supported by this evaluator");
        }
        if (peek().type != Tok::kRBracket) unexpected("subquery or range", "\":\" or \"]\"");
        const std::size_t close = peek().pos;
        consume();
        Node& vs = node(e);
        if (vs.kind != NodeKind::kVectorSelector) {
          fail(open, "ranges only allowed for vector selectors");
        }
        if (vs.hasOffset) fail(open, "no offset modifiers allowed before range");
        Node m;
        m.kind = NodeKind::kMatrixSelector;
        m.pos = vs.pos;
        m.end = close + 1;
        m.range = range;
        m.children = {e};
        e = addNode(std::move(m));
        continue;
      }
      if (t.type == Tok::kOffset) {
        consume();
        bool neg = false;
        if (peek().type == Tok::kSub) {
          consume();
          neg = true;
        }
        const Token& d = peek();
        if (d.type != Tok::kDuration) unexpected("offset", "duration");
        const TimestampMs off = durationValue(d);
        consume();
        Node& target = node(e);
        Node* vs = nullptr;
        if (target.kind == NodeKind::kVectorSelector) {
          vs = &target;
        } else if (target.kind == NodeKind::kMatrixSelector) {
          vs = &node(target.children[0]);
        } else {
          fail(target.pos,
               "offset modifier must be preceded by an instant vector selector or range vector "
               "selector or a subquery");
        }
        if (vs->hasOffset) fail(target.pos, "offset may not be set multiple times");
        vs->hasOffset = true;
        vs->offset = neg ? -off : off;
        target.end = d.pos + d.val.size();
        continue;
      }
      if (t.type == Tok::kAt) {
        fail(t.pos, "the @ modifier is not supported by this evaluator");
      }
      return e;
    }
  }

  TimestampMs durationValue(const Token& d) {
    TimestampMs ms = 0;
    std::string err;
    if (!parseDuration(d.val, ms, &err)) fail(d.pos, err);
    if (ms == 0) fail(d.pos, "duration must be greater than 0");
    return ms;
  }

  int parsePrimary() {
    const Token& t = peek();
    switch (t.type) {
      case Tok::kNumber: {
        Node n;
        n.kind = NodeKind::kNumber;
        n.pos = t.pos;
        n.end = t.pos + t.val.size();
        if (!parseNumber(t.val, n.number)) {
          fail(t.pos, "error parsing number: strconv.ParseFloat: parsing " + goQuote(t.val) +
                          ": invalid syntax");
        }
        consume();
        return addNode(std::move(n));
      }
      case Tok::kString: {
        Node n;
        n.kind = NodeKind::kString;
        n.pos = t.pos;
        n.end = t.pos + t.val.size();
        if (!unquote(t.val, n.str)) fail(t.pos, "error unquoting string " + goQuote(t.val));
        consume();
        return addNode(std::move(n));
      }
      case Tok::kLParen: {
        const std::size_t open = t.pos;
        consume();
        const int inner = parseExpr(0);
        if (peek().type != Tok::kRParen) unexpected("", "");
        const std::size_t close = peek().pos;
        consume();
        Node p;
        p.kind = NodeKind::kParen;
        p.pos = open;
        p.end = close + 1;
        p.children = {inner};
        return addNode(std::move(p));
      }
      case Tok::kLBrace:
        return parseSelector("", t.pos);
      case Tok::kIdentifier:
        if (peek(1).type == Tok::kLParen) return parseCall();
        return parseSelectorNamed();
      case Tok::kMetricIdentifier:
        return parseSelectorNamed();
      default:
        break;
    }
    if (isAggregator(t.type)) {
      const Tok n = peek(1).type;
      if (n == Tok::kLParen || n == Tok::kBy || n == Tok::kWithout) return parseAggregate();
      return parseSelectorNamed();
    }
    // Keywords that the grammar also accepts as metric names (metric_identifier).
    if (t.type == Tok::kBy || t.type == Tok::kWithout || t.type == Tok::kOffset ||
        t.type == Tok::kLand || t.type == Tok::kLor || t.type == Tok::kLunless ||
        t.type == Tok::kStart || t.type == Tok::kEnd) {
      return parseSelectorNamed();
    }
    unexpected("", "");
  }

  int parseSelectorNamed() {
    const Token& t = consume();
    const std::string name(t.val);
    if (peek().type == Tok::kLBrace) return parseSelector(name, t.pos);
    Node n;
    n.kind = NodeKind::kVectorSelector;
    n.pos = t.pos;
    n.end = t.pos + t.val.size();
    n.metricName = name;
    n.matchers.push_back(Matcher::make(MatchType::kEqual, std::string(kMetricNameLabel), name));
    return addNode(std::move(n));
  }

  int parseSelector(const std::string& name, std::size_t start) {
    expect(Tok::kLBrace, "label matching", "\"{\"");
    Node n;
    n.kind = NodeKind::kVectorSelector;
    n.pos = start;
    n.metricName = name;
    while (peek().type != Tok::kRBrace) {
      const Token& lt = peek();
      if (lt.type != Tok::kIdentifier) unexpected("label matching", "identifier or \"}\"");
      const std::string label(lt.val);
      consume();
      const Token& op = peek();
      MatchType mt = MatchType::kEqual;
      switch (op.type) {
        case Tok::kEql:
          mt = MatchType::kEqual;
          break;
        case Tok::kNeq:
          mt = MatchType::kNotEqual;
          break;
        case Tok::kEqlRegex:
          mt = MatchType::kRegex;
          break;
        case Tok::kNeqRegex:
          mt = MatchType::kNotRegex;
          break;
        default:
          unexpected("label matching", "label matching operator");
      }
      consume();
      const Token& vt = peek();
      if (vt.type != Tok::kString) unexpected("label matching", "string");
      std::string value;
      if (!unquote(vt.val, value)) fail(vt.pos, "error unquoting string " + goQuote(vt.val));
      try {
        n.matchers.push_back(Matcher::make(mt, label, value));
      } catch (const RegexError& e) {
        fail(lt.pos, e.what());
      }
      consume();
      if (peek().type == Tok::kComma) {
        consume();
        continue;
      }
      if (peek().type != Tok::kRBrace) unexpected("label matching", "\",\" or \"}\"");
    }
    n.end = peek().pos + 1;
    consume();  // '}'
    if (!name.empty()) {
      n.matchers.push_back(Matcher::make(MatchType::kEqual, std::string(kMetricNameLabel), name));
    }
    return addNode(std::move(n));
  }

  std::vector<int> parseCallArgs(const std::string& context) {
    expect(Tok::kLParen, context, "\"(\"");
    std::vector<int> args;
    if (peek().type == Tok::kRParen) {
      consume();
      return args;
    }
    for (;;) {
      args.push_back(parseExpr(0));
      if (peek().type == Tok::kComma) {
        const std::size_t commaPos = peek().pos;
        consume();
        if (peek().type == Tok::kRParen)
          fail(commaPos, "trailing commas not allowed in function call args");
        continue;
      }
      if (peek().type == Tok::kRParen) {
        consume();
        return args;
      }
      unexpected("", "");
    }
  }

  int parseCall() {
    const Token& nameTok = consume();
    const std::string name(nameTok.val);
    const auto* fn = detail::findFunction(name);
    if (fn == nullptr) {
      if (detail::isPrometheusFunction(name)) {
        fail(nameTok.pos, "function " + goQuote(name) + " is not supported by this evaluator");
      }
      fail(nameTok.pos, "unknown function with name " + goQuote(name));
    }
    Node n;
    n.kind = NodeKind::kCall;
    n.pos = nameTok.pos;
    n.fn = fn;
    n.children = parseCallArgs("");
    n.end = toks_[idx_ - 1].pos + 1;
    return addNode(std::move(n));
  }

  int parseAggregate() {
    const Token& opTok = consume();
    const std::string opName(opTok.val);
    Node n;
    n.kind = NodeKind::kAggregate;
    n.pos = opTok.pos;
    switch (opTok.type) {
      case Tok::kSum:
        n.aggOp = AggOp::kSum;
        break;
      case Tok::kAvg:
        n.aggOp = AggOp::kAvg;
        break;
      case Tok::kMin:
        n.aggOp = AggOp::kMin;
        break;
      case Tok::kMax:
        n.aggOp = AggOp::kMax;
        break;
      case Tok::kCount:
        n.aggOp = AggOp::kCount;
        break;
      case Tok::kGroup:
        n.aggOp = AggOp::kGroup;
        break;
      case Tok::kStddev:
        n.aggOp = AggOp::kStddev;
        break;
      case Tok::kStdvar:
        n.aggOp = AggOp::kStdvar;
        break;
      case Tok::kQuantile:
        n.aggOp = AggOp::kQuantile;
        break;
      default:
        fail(opTok.pos, "aggregation " + goQuote(opName) + " is not supported by this evaluator");
    }
    bool modifier = false;
    auto parseModifier = [&] {
      if (peek().type == Tok::kBy || peek().type == Tok::kWithout) {
        n.without = consume().type == Tok::kWithout;
        n.grouping = parseGroupingLabels();
        std::sort(n.grouping.begin(), n.grouping.end());
        modifier = true;
      }
    };
    parseModifier();
    if (peek().type != Tok::kLParen) unexpected("aggregation", "");
    std::vector<int> args = parseCallArgs("aggregation");
    n.end = toks_[idx_ - 1].pos + 1;
    if (!modifier) parseModifier();
    if (args.empty()) fail(n.pos, "no arguments for aggregate expression provided");
    const std::size_t desired = n.aggOp == AggOp::kQuantile ? 2 : 1;
    if (args.size() != desired) {
      fail(n.pos, "wrong number of arguments for aggregate expression provided, expected " +
                      std::to_string(desired) + ", got " + std::to_string(args.size()));
    }
    if (desired == 2) n.param = args[0];
    n.children = {args.back()};
    return addNode(std::move(n));
  }

  // ---- type checking (parse.go checkAST) ----

  static int unwrapParens(const Ast& ast, int i) {
    while (ast.nodes[static_cast<std::size_t>(i)].kind == NodeKind::kParen) {
      i = ast.nodes[static_cast<std::size_t>(i)].children[0];
    }
    return i;
  }

  void expectType(int i, ValueType want, const std::string& context) {
    const ValueType t = checkAst(i);
    if (t != want) {
      fail(node(i).pos, std::string("expected type ") + documentedType(want) + " in " + context +
                            ", got " + documentedType(t));
    }
  }

  ValueType checkAst(int i) {
    Node& n = node(i);
    switch (n.kind) {
      case NodeKind::kNumber:
        n.type = ValueType::kScalar;
        break;
      case NodeKind::kString:
        n.type = ValueType::kString;
        break;
      case NodeKind::kParen:
        n.type = checkAst(n.children[0]);
        break;
      case NodeKind::kVectorSelector:
        checkSelector(n);
        n.type = ValueType::kVector;
        break;
      case NodeKind::kMatrixSelector:
        checkAst(n.children[0]);
        n.type = ValueType::kMatrix;
        break;
      case NodeKind::kAggregate: {
        expectType(n.children[0], ValueType::kVector, "aggregation expression");
        if (n.aggOp == AggOp::kQuantile) {
          expectType(n.param, ValueType::kScalar, "aggregation parameter");
        }
        node(i).type = ValueType::kVector;
        break;
      }
      case NodeKind::kCall: {
        const auto* fn = n.fn;
        const std::size_t nargs = fn->argTypes.size();
        const std::size_t given = n.children.size();
        if (fn->variadic == 0) {
          if (nargs != given) {
            fail(n.pos, "expected " + std::to_string(nargs) + " argument(s) in call to " +
                            goQuote(fn->name) + ", got " + std::to_string(given));
          }
        } else {
          const std::size_t na = nargs - 1;
          if (na > given) {
            fail(n.pos, "expected at least " + std::to_string(na) + " argument(s) in call to " +
                            goQuote(fn->name) + ", got " + std::to_string(given));
          }
          if (na + static_cast<std::size_t>(fn->variadic) < given) {
            fail(n.pos, "expected at most " + std::to_string(na + fn->variadic) +
                            " argument(s) in call to " + goQuote(fn->name) + ", got " +
                            std::to_string(given));
          }
        }
        const std::vector<int> args = n.children;
        for (std::size_t a = 0; a < args.size(); ++a) {
          const std::size_t ti = std::min(a, nargs - 1);
          expectType(args[a], fn->argTypes[ti], "call to function " + goQuote(fn->name));
        }
        Node& c = node(i);
        c.type = fn->returnType;
        if (fn->func == detail::Func::kAbsent || fn->func == detail::Func::kAbsentOverTime) {
          c.absentLabels = absentLabels(args[0]);
        }
        break;
      }
      case NodeKind::kUnary: {
        const ValueType t = checkAst(n.children[0]);
        if (t != ValueType::kScalar && t != ValueType::kVector) {
          fail(node(i).pos,
               std::string("unary expression only allowed on expressions of type scalar or "
                           "instant vector, got \"") +
                   documentedType(t) + "\"");
        }
        node(i).type = t;
        break;
      }
      case NodeKind::kBinary:
        checkBinary(i);
        break;
    }
    return node(i).type;
  }

  // functions.go createLabelsForAbsentFunction.
  Labels absentLabels(int arg) {
    const Node& a = node(arg);  // Prometheus looks at the argument itself, not through parens
    const Node* vs = nullptr;
    if (a.kind == NodeKind::kVectorSelector) vs = &a;
    if (a.kind == NodeKind::kMatrixSelector) vs = &node(a.children[0]);
    Labels out;
    if (vs == nullptr) return out;
    std::vector<std::string> has;
    for (const auto& m : vs->matchers) {
      if (m.name == kMetricNameLabel) continue;
      if (m.type == MatchType::kEqual && std::find(has.begin(), has.end(), m.name) == has.end()) {
        out.set(m.name, m.value);
        has.push_back(m.name);
      } else {
        out.remove(m.name);
      }
    }
    return out;
  }

  void checkSelector(const Node& n) {
    if (!n.metricName.empty()) {
      for (std::size_t k = 0; k + 1 < n.matchers.size(); ++k) {
        if (n.matchers[k].name == kMetricNameLabel) {
          fail(n.pos, "metric name must not be set twice: " + goQuote(n.metricName) + " or " +
                          goQuote(n.matchers[k].value));
        }
      }
      return;
    }
    for (const auto& m : n.matchers) {
      if (!m.matches("")) return;
    }
    fail(n.pos, "vector selector must contain at least one non-empty matcher");
  }

  void checkBinary(int i) {
    const int l = node(i).children[0];
    const int r = node(i).children[1];
    const ValueType lt = checkAst(l);
    const ValueType rt = checkAst(r);
    Node& n = node(i);
    // parse.go opRange: the operator's position, past the whitespace after the left operand.
    std::size_t opPos = node(l).end;
    while (opPos < text_.size() && isSpace(text_[opPos])) ++opPos;
    if (n.returnBool && !detail::isComparison(n.binOp)) {
      fail(opPos, "bool modifier can only be used on comparison operators");
    }
    if (detail::isComparison(n.binOp) && !n.returnBool && lt == ValueType::kScalar &&
        rt == ValueType::kScalar) {
      fail(opPos, "comparisons between scalars must use BOOL modifier");
    }
    if (detail::isSetOp(n.binOp) && n.card == Cardinality::kOneToOne) {
      n.card = Cardinality::kManyToMany;
    }
    for (const auto& l1 : n.matchingLabels) {
      for (const auto& l2 : n.include) {
        if (l1 == l2 && n.on) {
          fail(opPos, "label " + goQuote(l1) + " must not occur in ON and GROUP clause at once");
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      fail(node(l).pos, "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      fail(node(r).pos, "binary expression must contain only scalar and instant vector types");
    }
    if (lt != ValueType::kVector || rt != ValueType::kVector) {
      if (!n.matchingLabels.empty()) {
        fail(n.pos, "vector matching only allowed between instant vectors");
      }
      n.hasVectorMatching = false;
    } else if (detail::isSetOp(n.binOp)) {
      if (n.card == Cardinality::kOneToMany || n.card == Cardinality::kManyToOne) {
        fail(n.pos, std::string("no grouping allowed for \"") + detail::toString(n.binOp) +
                        "\" operation");
      }
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && detail::isSetOp(n.binOp)) {
      fail(n.pos, std::string("set operator \"") + detail::toString(n.binOp) +
                      "\" not allowed in binary scalar expression");
    }
    n.type = (lt == ValueType::kScalar && rt == ValueType::kScalar) ? ValueType::kScalar
                                                                    : ValueType::kVector;
  }

  std::string_view text_;
  Ast& ast_;
  std::vector<Token> toks_;
  std::size_t idx_ = 0;
  std::vector<int> heights_;  // of ast_.nodes, by index
  int depth_ = 0;             // parseExpr calls in progress
};

}  // namespace

// Position → "line:column" as parse.go ParseErr.Error computes it (1-based, bytes).
static std::pair<int, int> lineColumn(std::string_view text, std::size_t pos) {
  int line = 1;
  std::size_t lastBreak = std::string_view::npos;
  for (std::size_t k = 0; k < pos && k < text.size(); ++k) {
    if (text[k] == '\n') {
      ++line;
      lastBreak = k;
    }
  }
  const auto col =
      static_cast<int>(lastBreak == std::string_view::npos ? pos + 1 : pos - lastBreak);
  return {line, col};
}

std::shared_ptr<const detail::Ast> parseAst(std::string_view query) {
  auto ast = std::make_shared<detail::Ast>();
  ast->text.assign(query);
  try {
    Parser(ast->text, *ast).run();
  } catch (const ParseError& e) {
    const auto [line, col] = lineColumn(query, e.pos);
    Diagnostic d;
    d.field = "query";
    d.line = line;
    d.column = col;
    d.rule = std::to_string(line) + ":" + std::to_string(col) + ": parse error: " + e.msg;
    throw InputError(d);
  }
  return ast;
}

}  // namespace rolloutlab::core::promql
