// Lexer and parser for Argo conditions. Both follow expr v1.17.8 `parser/lexer` (state.go,
// lexer.go, utils.go) and `parser/parser.go` rule by rule, so that what parses, how it
// associates, and the first error with its position are the same. Constructs outside the
// supported subset are parsed far enough to be named in an error.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "program.h"
#include "rolloutlab/core/go/format.h"

namespace rolloutlab::core::argo::detail {

using go::goQuote;
using go::goRune;
using go::numError;
using go::parseGoFloat;
using go::ParseStatus;

ExprError Program::errorAt(std::int32_t pos, std::string message) const {
  // file/error.go `Bind`: line counts newlines, column counts characters since the line start.
  ExprError e;
  e.message = std::move(message);
  int line = 1;
  int column = 0;
  std::int32_t runes = 0;
  for (std::size_t i = 0; i < source.size() && runes < pos; ++i) {
    const auto c = static_cast<unsigned char>(source[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    if (c == '\n') {
      ++line;
      column = 0;
    } else {
      ++column;
    }
    ++runes;
  }
  e.line = line;
  e.column = column + 1;
  return e;
}

namespace {

enum class TokenKind { kIdentifier, kNumber, kString, kBytes, kOperator, kBracket, kEOF };

struct Token {
  TokenKind kind = TokenKind::kEOF;
  std::string value;
  std::int32_t pos = 0;

  bool is(TokenKind k) const { return kind == k; }
  bool is(TokenKind k, std::string_view v) const { return kind == k && value == v; }

  // lexer/token.go `String`: `Operator(">=")`, `EOF`.
  std::string toString() const {
    static const char* kNames[] = {"Identifier", "Number",  "String", "Bytes",
                                   "Operator",   "Bracket", "EOF"};
    const std::string name = kNames[static_cast<int>(kind)];
    if (value.empty()) return name;
    return name + "(" + goQuote(value) + ")";
  }
};

constexpr char32_t kEofRune = 0xFFFFFFFF;

bool isLetter(char32_t r) { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
bool isDigit(char32_t r) { return r >= '0' && r <= '9'; }
// parser/utils `IsAlphabetic` / `IsAlphaNumeric` (ASCII letters; see docs for the subset).
bool isAlphabetic(char32_t r) { return r == '_' || r == '$' || isLetter(r); }
bool isAlphaNumeric(char32_t r) { return isAlphabetic(r) || isDigit(r); }
bool isSpace(char32_t r) {
  return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r' || r == 0x85 ||
         r == 0xA0;
}

struct LexError {
  std::int32_t pos;
  std::string message;
};

// parser/lexer: a state machine over characters that emits tokens with their character offset.
class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  // All tokens up to EOF, or up to a lexing error (then `error` is set).
  std::vector<Token> run(std::optional<LexError>& error) {
    while (!error_ && !done_) root();
    error = error_;
    return std::move(tokens_);
  }

 private:
  std::string_view src_;
  std::size_t startByte_ = 0, endByte_ = 0;
  std::int32_t startRune_ = 0, endRune_ = 0;
  bool eof_ = false;
  bool done_ = false;
  std::vector<Token> tokens_;
  std::optional<LexError> error_;

  char32_t decode(std::size_t at, std::size_t* size) const {
    const auto c = static_cast<unsigned char>(src_[at]);
    auto cont = [&](std::size_t k) -> int {
      if (at + k >= src_.size()) return -1;
      const auto b = static_cast<unsigned char>(src_[at + k]);
      return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
    };
    if (c < 0x80) {
      *size = 1;
      return c;
    }
    if ((c & 0xE0) == 0xC0) {
      const int b1 = cont(1);
      if (b1 >= 0 && c >= 0xC2) {
        *size = 2;
        return (static_cast<char32_t>(c & 0x1F) << 6) | static_cast<char32_t>(b1);
      }
    } else if ((c & 0xF0) == 0xE0) {
      const int b1 = cont(1), b2 = cont(2);
      if (b1 >= 0 && b2 >= 0) {
        *size = 3;
        return (static_cast<char32_t>(c & 0x0F) << 12) | (static_cast<char32_t>(b1) << 6) |
               static_cast<char32_t>(b2);
      }
    } else if ((c & 0xF8) == 0xF0) {
      const int b1 = cont(1), b2 = cont(2), b3 = cont(3);
      if (b1 >= 0 && b2 >= 0 && b3 >= 0) {
        *size = 4;
        return (static_cast<char32_t>(c & 0x07) << 18) | (static_cast<char32_t>(b1) << 12) |
               (static_cast<char32_t>(b2) << 6) | static_cast<char32_t>(b3);
      }
    }
    *size = 1;
    return 0xFFFD;  // utf8.RuneError
  }

  char32_t next() {
    if (endByte_ >= src_.size()) {
      eof_ = true;
      return kEofRune;
    }
    std::size_t size = 1;
    const char32_t r = decode(endByte_, &size);
    endByte_ += size;
    ++endRune_;
    return r;
  }

  char32_t peek() const {
    if (endByte_ >= src_.size()) return kEofRune;
    std::size_t size = 1;
    return decode(endByte_, &size);
  }

  void backup() {
    if (eof_) {
      eof_ = false;
    } else if (endRune_ > 0) {
      // Back over one rune as `next` decoded it: a lone continuation byte (an invalid sequence
      // is one RuneError of one byte, as Go's []rune(source) makes it) is not part of the rune
      // before it. Walking back over every continuation byte looped forever on `res\x8flt`.
      std::size_t b = endByte_ - 1;
      for (int k = 0; k < 3 && b > 0 && (static_cast<unsigned char>(src_[b]) & 0xC0) == 0x80; ++k)
        --b;
      std::size_t size = 1;
      decode(b, &size);
      endByte_ = b + size == endByte_ ? b : endByte_ - 1;
      --endRune_;
    }
  }

  std::string_view word() const { return src_.substr(startByte_, endByte_ - startByte_); }
  void commit() {
    startByte_ = endByte_;
    startRune_ = endRune_;
  }
  void emitValue(TokenKind k, std::string value) {
    tokens_.push_back(Token{k, std::move(value), startRune_});
    commit();
  }
  void emit(TokenKind k) { emitValue(k, std::string(word())); }

  bool accept(std::string_view valid) {
    const char32_t r = peek();
    if (r != kEofRune && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) {
      next();
      return true;
    }
    return false;
  }
  void acceptRun(std::string_view valid) {
    while (accept(valid)) {
    }
  }

  void error(std::string message) {
    if (error_) return;
    std::int32_t end = endRune_;
    if (eof_) ++end;
    error_ = LexError{end - 1, std::move(message)};
  }

  void root() {
    const char32_t r = next();
    if (r == kEofRune) {
      // lexer.go `emitEOF`: the EOF token sits on the last character.
      tokens_.push_back(Token{TokenKind::kEOF, "", endRune_ > 0 ? endRune_ - 1 : 0});
      commit();
      done_ = true;
    } else if (isSpace(r)) {
      commit();
    } else if (r == '\'' || r == '"') {
      scanString(r);
    } else if (r == '`') {
      scanRawString();
    } else if ((r == 'b' || r == 'B') && (peek() == '\'' || peek() == '"')) {
      const char32_t quote = next();
      scanQuoted(quote);
      if (!error_) emit(TokenKind::kBytes);
    } else if (isDigit(r)) {
      backup();
      number();
    } else if (r == '?') {
      accept(".?");
      emit(TokenKind::kOperator);
    } else if (r == '/') {
      slash();
    } else if (r == '#') {
      pointer();
    } else if (r == '|') {
      accept("|");
      emit(TokenKind::kOperator);
    } else if (r == ':') {
      accept(":");
      emit(TokenKind::kOperator);
    } else if (r == '(' || r == '[' || r == '{' || r == ')' || r == ']' || r == '}') {
      emit(TokenKind::kBracket);
    } else if (r == ',' || r == ';' || r == '%' || r == '+' || r == '-' || r == '^') {
      emit(TokenKind::kOperator);
    } else if (r == '&' || r == '!' || r == '=' || r == '*' || r == '<' || r == '>') {
      accept("&=*");
      emit(TokenKind::kOperator);
    } else if (r == '.') {
      backup();
      dot();
    } else if (isAlphaNumeric(r)) {
      backup();
      identifier();
    } else {
      error("unrecognized character: " + goRune(r));
    }
  }

  void number() {
    if (!scanNumber()) {
      error("bad number syntax: " + goQuote(word()));
      return;
    }
    emit(TokenKind::kNumber);
  }

  bool scanNumber() {
    std::string_view digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (accept("oO")) {
        digits = "01234567_";
      } else if (accept("bB")) {
        digits = "01_";
      }
    }
    acceptRun(digits);
    const std::size_t endB = endByte_;
    const std::int32_t endR = endRune_;
    if (accept(".")) {
      if (peek() == '.') {  // `1..2`: a range, not a fraction
        endByte_ = endB;
        endRune_ = endR;
        return true;
      }
      acceptRun(digits);
    }
    if (accept("eE")) {
      accept("+-");
      acceptRun(digits);
    }
    if (const char32_t p = peek(); p != kEofRune && isAlphaNumeric(p)) {
      next();
      return false;
    }
    return true;
  }

  void dot() {
    next();
    if (accept("0123456789")) {
      backup();
      number();
      return;
    }
    accept(".");
    emit(TokenKind::kOperator);
  }

  void identifier() {
    for (;;) {
      const char32_t r = next();
      if (r != kEofRune && isAlphaNumeric(r)) continue;
      backup();
      break;
    }
    const std::string_view w = word();
    if (w == "not") {
      notOperator();
    } else if (w == "in" || w == "or" || w == "and" || w == "matches" || w == "contains" ||
               w == "startsWith" || w == "endsWith" || w == "let" || w == "if" || w == "else") {
      emit(TokenKind::kOperator);
    } else {
      emit(TokenKind::kIdentifier);
    }
  }

  // state.go `not`: `not in`, `not contains`, ... are two operator tokens.
  void notOperator() {
    emit(TokenKind::kOperator);
    acceptRun(" ");
    commit();
    const std::size_t endB = endByte_;
    const std::int32_t endR = endRune_;
    for (;;) {
      const char32_t r = next();
      if (r != kEofRune && isAlphaNumeric(r)) continue;
      backup();
      break;
    }
    const std::string_view w = word();
    if (w == "in" || w == "matches" || w == "contains" || w == "startsWith" || w == "endsWith") {
      emit(TokenKind::kOperator);
    } else {
      endByte_ = endB;
      endRune_ = endR;
    }
  }

  void slash() {
    if (accept("/")) {
      for (;;) {
        const char32_t r = next();
        if (r == kEofRune || r == '\n') break;
      }
      commit();
      return;
    }
    if (accept("*")) {
      for (;;) {
        const char32_t r = next();
        if (r == kEofRune) {
          error("unclosed comment");
          return;
        }
        if (r == '*' && accept("/")) break;
      }
      commit();
      return;
    }
    emit(TokenKind::kOperator);
  }

  void pointer() {
    accept("#");
    emit(TokenKind::kOperator);
    for (;;) {
      const char32_t r = next();
      if (r != kEofRune && isAlphaNumeric(r)) continue;
      backup();
      if (!word().empty()) emit(TokenKind::kIdentifier);
      return;
    }
  }

  static int digitVal(char32_t ch) {
    if (ch >= '0' && ch <= '9') return static_cast<int>(ch - '0');
    const char32_t l = ch | 0x20;
    if (l >= 'a' && l <= 'f') return static_cast<int>(l - 'a' + 10);
    return 16;
  }

  char32_t scanDigits(char32_t ch, int base, int n) {
    while (n > 0 && ch != kEofRune && digitVal(ch) < base) {
      ch = next();
      --n;
    }
    if (n > 0) error("invalid char escape");
    return ch;
  }

  // lexer.go `scanEscape`: validates an escape; only the literal's own quote may be escaped.
  char32_t scanEscape(char32_t quote) {
    char32_t ch = next();
    switch (ch) {
      case 'a':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
      case '\\':
        return next();
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        return scanDigits(ch, 8, 3);
      case 'x':
        return scanDigits(next(), 16, 2);
      case 'u':
        if (peek() == '{') {
          next();
          int digits = 0;
          while (peek() != '}') {
            if (peek() == kEofRune || digitVal(peek()) >= 16 || digits >= 6) {
              error("invalid char escape");
              return kEofRune;
            }
            next();
            ++digits;
          }
          if (digits == 0) {
            error("invalid char escape");
            return kEofRune;
          }
          next();
          return next();
        }
        return scanDigits(next(), 16, 4);
      case 'U':
        return scanDigits(next(), 16, 8);
      default:
        if (ch == quote) return next();
        error("invalid char escape");
        return ch;
    }
  }

  void scanQuoted(char32_t quote) {
    char32_t ch = next();
    while (ch != quote) {
      if (ch == '\n' || ch == kEofRune) {
        error("literal not terminated");
        return;
      }
      if (ch == '\\') {
        ch = scanEscape(quote);
        if (error_) return;
      } else {
        ch = next();
      }
    }
  }

  void scanString(char32_t quote) {
    scanQuoted(quote);
    if (error_) return;
    std::string value;
    if (!unescape(word(), &value)) {
      error("unable to unescape string");
      return;
    }
    emitValue(TokenKind::kString, std::move(value));
  }

  void scanRawString() {
    // Backquoted strings are raw; a doubled backquote stands for one.
    std::string value;
    for (;;) {
      char32_t ch = next();
      while (ch == '`' && peek() == '`') {
        next();
        value += '`';
        ch = next();
      }
      if (ch == '`') break;
      if (ch == kEofRune) {
        error("literal not terminated");
        return;
      }
      appendUtf8(value, ch);
    }
    emitValue(TokenKind::kString, std::move(value));
  }

  static void appendUtf8(std::string& out, char32_t r) {
    if (r < 0x80) {
      out += static_cast<char>(r);
    } else if (r < 0x800) {
      out += static_cast<char>(0xC0 | (r >> 6));
      out += static_cast<char>(0x80 | (r & 0x3F));
    } else if (r < 0x10000) {
      out += static_cast<char>(0xE0 | (r >> 12));
      out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (r & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (r >> 18));
      out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (r & 0x3F));
    }
  }

  // lexer/utils.go `unescape` / `unescapeChar` on the quoted literal.
  static bool unescape(std::string_view quotedText, std::string* out) {
    std::string_view s = quotedText.substr(1, quotedText.size() - 2);
    while (!s.empty()) {
      const char c = s[0];
      if (c == '\r') {  // newlines are normalized to \n
        *out += '\n';
        s.remove_prefix(s.size() > 1 && s[1] == '\n' ? 2 : 1);
        continue;
      }
      if (c != '\\') {
        *out += c;
        s.remove_prefix(1);
        continue;
      }
      if (s.size() <= 1) return false;
      const char e = s[1];
      s.remove_prefix(2);
      switch (e) {
        case 'a':
          *out += '\a';
          break;
        case 'b':
          *out += '\b';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'n':
          *out += '\n';
          break;
        case 'r':
          *out += '\r';
          break;
        case 't':
          *out += '\t';
          break;
        case 'v':
          *out += '\v';
          break;
        case '\\':
          *out += '\\';
          break;
        case '\'':
          *out += '\'';
          break;
        case '"':
          *out += '"';
          break;
        case '`':
          *out += '`';
          break;
        case '?':
          *out += '?';
          break;
        case 'x':
        case 'X':
        case 'u':
        case 'U': {
          char32_t v = 0;
          if (e == 'u' && !s.empty() && s[0] == '{') {
            s.remove_prefix(1);
            int digits = 0;
            while (!s.empty() && s[0] != '}') {
              const int d = digitVal(static_cast<unsigned char>(s[0]));
              if (d >= 16 || digits >= 6) return false;
              v = (v << 4) | static_cast<char32_t>(d);
              s.remove_prefix(1);
              ++digits;
            }
            if (s.empty() || digits == 0) return false;
            s.remove_prefix(1);
          } else {
            const std::size_t n = (e == 'x' || e == 'X') ? 2 : e == 'u' ? 4 : 8;
            if (s.size() < n) return false;
            for (std::size_t j = 0; j < n; ++j) {
              const int d = digitVal(static_cast<unsigned char>(s[j]));
              if (d >= 16) return false;
              v = (v << 4) | static_cast<char32_t>(d);
            }
            s.remove_prefix(n);
          }
          if (v > 0x10FFFF) return false;
          appendUtf8(*out, v);
          break;
        }
        case '0':
        case '1':
        case '2':
        case '3': {
          if (s.size() < 2) return false;
          char32_t v = static_cast<char32_t>(e - '0');
          for (int j = 0; j < 2; ++j) {
            if (s[j] < '0' || s[j] > '7') return false;
            v = v * 8 + static_cast<char32_t>(s[j] - '0');
          }
          s.remove_prefix(2);
          appendUtf8(*out, v);
          break;
        }
        default:
          return false;
      }
    }
    return true;
  }
};

struct BinaryInfo {
  std::string_view name;
  int precedence;
  bool rightAssociative;
};

// parser/operator/operator.go `Binary`.
const BinaryInfo* binaryOperator(std::string_view v) {
  static const BinaryInfo kOps[] = {
      {"|", 0, false},         {"or", 10, false},       {"||", 10, false},
      {"and", 15, false},      {"&&", 15, false},       {"==", 20, false},
      {"!=", 20, false},       {"<", 20, false},        {">", 20, false},
      {">=", 20, false},       {"<=", 20, false},       {"in", 20, false},
      {"matches", 20, false},  {"contains", 20, false}, {"startsWith", 20, false},
      {"endsWith", 20, false}, {"..", 25, false},       {"+", 30, false},
      {"-", 30, false},        {"*", 60, false},        {"/", 60, false},
      {"%", 60, false},        {"**", 100, true},       {"^", 100, true},
      {"??", 500, false},
  };
  for (const auto& op : kOps) {
    if (op.name == v) return &op;
  }
  return nullptr;
}

// parser/operator/operator.go `Unary`.
int unaryPrecedence(std::string_view v) {
  if (v == "not" || v == "!") return 50;
  if (v == "-" || v == "+") return 90;
  return -1;
}

bool isComparison(std::string_view v) { return v == "<" || v == ">" || v == ">=" || v == "<="; }

bool allowedNegateSuffix(std::string_view v) {
  return v == "contains" || v == "matches" || v == "startsWith" || v == "endsWith" || v == "in";
}

std::optional<Op> binaryOp(std::string_view v) {
  if (v == "or" || v == "||") return Op::kOr;
  if (v == "and" || v == "&&") return Op::kAnd;
  if (v == "==") return Op::kEqual;
  if (v == "!=") return Op::kNotEqual;
  if (v == "<") return Op::kLess;
  if (v == ">") return Op::kMore;
  if (v == "<=") return Op::kLessOrEqual;
  if (v == ">=") return Op::kMoreOrEqual;
  if (v == "in") return Op::kIn;
  if (v == "contains") return Op::kContains;
  if (v == "startsWith") return Op::kStartsWith;
  if (v == "endsWith") return Op::kEndsWith;
  if (v == "+") return Op::kAdd;
  if (v == "-") return Op::kSubtract;
  if (v == "*") return Op::kMultiply;
  if (v == "/") return Op::kDivide;
  if (v == "%") return Op::kModulo;
  if (v == "**" || v == "^") return Op::kExponent;
  if (v == "??") return Op::kCoalesce;
  return std::nullopt;  // `|`, `matches`, `..`
}

// parser.go `predicates`: builtins whose arguments include a predicate.
struct PredicateSpec {
  std::string_view name;
  int args;      // total
  int optional;  // trailing optional arguments
  int predicateIndex;
};
const PredicateSpec* predicateBuiltin(std::string_view name) {
  static const PredicateSpec kSpecs[] = {
      {"all", 2, 0, 1},       {"none", 2, 0, 1},     {"any", 2, 0, 1},
      {"one", 2, 0, 1},       {"filter", 2, 0, 1},   {"map", 2, 0, 1},
      {"count", 2, 1, 1},     {"sum", 2, 1, 1},      {"find", 2, 0, 1},
      {"findIndex", 2, 0, 1}, {"findLast", 2, 0, 1}, {"findLastIndex", 2, 0, 1},
      {"groupBy", 2, 0, 1},   {"sortBy", 3, 1, 1},   {"reduce", 3, 1, 1},
  };
  for (const auto& s : kSpecs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// builtin/builtin.go `Builtins`: names that parse as builtin calls.
bool isExprBuiltin(std::string_view name) {
  static const std::string_view kNames[] = {
      "len",       "type",       "abs",        "ceil",       "floor",      "round",   "int",
      "float",     "string",     "trim",       "trimPrefix", "trimSuffix", "upper",   "lower",
      "split",     "splitAfter", "replace",    "repeat",     "join",       "indexOf", "lastIndexOf",
      "hasPrefix", "hasSuffix",  "max",        "min",        "mean",       "median",  "toJSON",
      "fromJSON",  "toBase64",   "fromBase64", "now",        "duration",   "date",    "timezone",
      "first",     "last",       "get",        "take",       "keys",       "values",  "toPairs",
      "fromPairs", "reverse",    "uniq",       "concat",     "flatten",    "sort",    "bitand",
      "bitor",     "bitxor",     "bitnand",    "bitnot",     "bitshl",     "bitshr",  "bitushr"};
  for (const auto n : kNames) {
    if (n == name) return true;
  }
  return false;
}

std::optional<Builtin> supportedBuiltin(std::string_view name) {
  if (name == "len") return Builtin::kLen;
  if (name == "abs") return Builtin::kAbs;
  if (name == "max") return Builtin::kMax;
  if (name == "min") return Builtin::kMin;
  if (name == "mean") return Builtin::kMean;
  if (name == "all") return Builtin::kAll;
  if (name == "any") return Builtin::kAny;
  if (name == "none") return Builtin::kNone;
  if (name == "one") return Builtin::kOne;
  if (name == "filter") return Builtin::kFilter;
  if (name == "map") return Builtin::kMap;
  if (name == "count") return Builtin::kCount;
  if (name == "sum") return Builtin::kSum;
  return std::nullopt;
}

std::optional<EnvFunction> envFunction(std::string_view name) {
  if (name == "asInt") return EnvFunction::kAsInt;
  if (name == "asFloat") return EnvFunction::kAsFloat;
  if (name == "isNaN") return EnvFunction::kIsNaN;
  if (name == "isInf") return EnvFunction::kIsInf;
  if (name == "isNil") return EnvFunction::kIsNil;
  if (name == "default") return EnvFunction::kDefault;
  return std::nullopt;
}

std::string unsupported(std::string_view what) {
  return std::string(what) + " is not supported by rolloutlab's Argo condition evaluator";
}

class Parser {
 public:
  Parser(Program& program, std::vector<Token> tokens, std::optional<LexError> lexError)
      : program_(program), tokens_(std::move(tokens)), lexError_(std::move(lexError)) {}

  void run() {
    next();
    const std::int32_t root = parseSequenceExpression();
    if (!failed() && !current_.is(TokenKind::kEOF)) {
      error("unexpected token " + current_.toString());
    }
    if (error_) {
      program_.compileError = program_.errorAt(error_->pos, error_->message);
      program_.root = -1;
    } else {
      program_.root = root;
    }
  }

 private:
  Program& program_;
  std::vector<Token> tokens_;
  std::optional<LexError> lexError_;
  std::size_t index_ = 0;
  Token current_;
  std::optional<LexError> error_;
  int depth_ = 0;
  int nesting_ = 0;
  static constexpr std::size_t kMaxNodes = 10000;
  static constexpr int kMaxNesting = 256;

  bool failed() const { return error_.has_value(); }

  void errorAt(const Token& t, std::string message) {
    if (!error_) error_ = LexError{t.pos, std::move(message)};
  }
  void error(std::string message) { errorAt(current_, std::move(message)); }

  void next() {
    if (index_ < tokens_.size()) {
      current_ = tokens_[index_++];
      return;
    }
    if (lexError_) {
      if (!error_) error_ = lexError_;
      return;
    }
    error("unexpected end of expression");
  }

  // Steps back to the token before current_ (the parser's stash).
  void unread(const Token& previous) {
    --index_;
    current_ = previous;
  }

  void expect(TokenKind k, std::string_view v) {
    if (current_.is(k, v)) {
      next();
      return;
    }
    error("unexpected token " + current_.toString());
  }

  std::int32_t add(Node n) {
    // parser.go `checkNodeLimit` with conf.DefaultMaxNodes.
    if (program_.nodes.size() >= kMaxNodes) {
      error("compilation failed: expression exceeds maximum allowed nodes");
    }
    // The checker and the interpreter recurse over the tree: bound its height (not an expr
    // rule; Go's stacks grow, ours do not).
    std::int32_t height = 0;
    auto below = [&](std::int32_t child) {
      if (child >= 0) {
        height = std::max(height, program_.nodes[static_cast<std::size_t>(child)].height);
      }
    };
    below(n.a);
    below(n.b);
    below(n.c);
    for (std::int32_t k = 0; k < n.argCount; ++k) {
      below(program_.args[static_cast<std::size_t>(n.firstArg + k)]);
    }
    n.height = height + 1;
    if (n.height > kMaxNesting) error("expression is nested too deeply");
    program_.nodes.push_back(std::move(n));
    return static_cast<std::int32_t>(program_.nodes.size() - 1);
  }

  std::int32_t addArgs(const std::vector<std::int32_t>& args) {
    const auto first = static_cast<std::int32_t>(program_.args.size());
    program_.args.insert(program_.args.end(), args.begin(), args.end());
    return first;
  }

  std::int32_t parseSequenceExpression() {
    const std::int32_t node = parseExpression(0);
    if (!failed() && current_.is(TokenKind::kOperator, ";")) {
      const Token semicolon = current_;
      next();
      if (current_.is(TokenKind::kEOF)) return node;  // a trailing `;` is allowed
      errorAt(semicolon, unsupported("a sequence of expressions (;)"));
    }
    return node;
  }

  std::int32_t parseExpression(int precedence) {
    if (failed()) return -1;
    // Go grows its stack; a fixed one needs a bound on nesting (not an expr rule).
    if (nesting_ >= kMaxNesting) {
      error("expression is nested too deeply");
      return -1;
    }
    ++nesting_;
    const std::int32_t node = parseExpressionBody(precedence);
    --nesting_;
    return node;
  }

  std::int32_t parseExpressionBody(int precedence) {
    if (precedence == 0 && current_.is(TokenKind::kOperator, "let")) {
      error(unsupported("let"));
      return -1;
    }
    if (precedence == 0 && current_.is(TokenKind::kOperator, "if")) {
      error(unsupported("if {} else {}"));
      return -1;
    }
    std::int32_t left = parsePrimary();
    std::string prevOperator;
    Token opToken = current_;
    while (opToken.is(TokenKind::kOperator) && !failed()) {
      const bool negate = opToken.is(TokenKind::kOperator, "not");
      Token notToken;
      if (negate) {
        const Token backup = current_;
        next();
        if (failed()) break;
        if (allowedNegateSuffix(current_.value)) {
          const BinaryInfo* op = binaryOperator(current_.value);
          if (op && op->precedence >= precedence) {
            notToken = current_;
            opToken = current_;
          } else {
            unread(backup);
            break;
          }
        } else {
          error("unexpected token " + current_.toString());
          break;
        }
      }
      const BinaryInfo* op = binaryOperator(opToken.value);
      if (!op || op->precedence < precedence) break;
      next();
      if (opToken.value == "|") {
        errorAt(opToken, unsupported("the pipe operator (|)"));
        break;
      }
      if (prevOperator == "??" && opToken.value != "??" && !opToken.is(TokenKind::kBracket, "(")) {
        errorAt(opToken, "Operator (" + opToken.value +
                             ") and coalesce expressions (?"
                             "?) cannot be mixed. Wrap either by "
                             "parentheses.");
        break;
      }
      if (isComparison(opToken.value)) {
        left = parseComparison(left, opToken, op->precedence);
      } else {
        const std::int32_t right =
            parseExpression(op->rightAssociative ? op->precedence : op->precedence + 1);
        const auto kind = binaryOp(opToken.value);
        if (!kind) {
          errorAt(opToken, unsupported("the " + opToken.value + " operator"));
          break;
        }
        Node n;
        n.kind = NodeKind::kBinary;
        n.op = *kind;
        n.a = left;
        n.b = right;
        n.pos = opToken.pos;
        n.text = opToken.value;
        left = add(std::move(n));
        if (negate) {
          Node u;
          u.kind = NodeKind::kUnary;
          u.op = Op::kNot;
          u.a = left;
          u.pos = notToken.pos;
          u.text = "not";
          left = add(std::move(u));
        }
      }
      prevOperator = opToken.value;
      opToken = current_;
    }
    if (precedence == 0) left = parseConditional(left);
    return left;
  }

  std::int32_t parseConditional(std::int32_t node) {
    while (!failed() && current_.is(TokenKind::kOperator, "?")) {
      next();
      std::int32_t e1 = -1, e2 = -1;
      if (!current_.is(TokenKind::kOperator, ":")) {
        e1 = parseExpression(0);
        expect(TokenKind::kOperator, ":");
        e2 = parseExpression(0);
      } else {
        next();
        e1 = node;
        e2 = parseExpression(0);
      }
      Node n;
      n.kind = NodeKind::kConditional;
      n.a = node;
      n.b = e1;
      n.c = e2;
      n.pos = current_.pos;
      node = add(std::move(n));
    }
    return node;
  }

  std::int32_t parsePrimary() {
    if (failed()) return -1;
    const Token token = current_;
    if (token.is(TokenKind::kOperator)) {
      const int precedence = unaryPrecedence(token.value);
      if (precedence >= 0) {
        next();
        const std::int32_t expr = parseExpression(precedence);
        Node n;
        n.kind = NodeKind::kUnary;
        n.op = (token.value == "-") ? Op::kNegate : (token.value == "+") ? Op::kPlus : Op::kNot;
        n.a = expr;
        n.pos = token.pos;
        n.text = token.value;
        return parsePostfixExpression(add(std::move(n)));
      }
    }
    if (token.is(TokenKind::kBracket, "(")) {
      next();
      const std::int32_t expr = parseSequenceExpression();
      expect(TokenKind::kBracket, ")");
      return parsePostfixExpression(expr);
    }
    if (depth_ > 0 &&
        (token.is(TokenKind::kOperator, "#") || token.is(TokenKind::kOperator, "."))) {
      Node n;
      n.kind = NodeKind::kPointer;
      n.pos = token.pos;
      if (token.is(TokenKind::kOperator, "#")) {
        next();
        if (current_.is(TokenKind::kIdentifier)) {
          n.text = current_.value;
          next();
        }
      }
      return parsePostfixExpression(add(std::move(n)));
    }
    if (token.is(TokenKind::kOperator, "::")) {
      error(unsupported("::"));
      return -1;
    }
    return parseSecondary();
  }

  std::int32_t parseSecondary() {
    const Token token = current_;
    std::int32_t node = -1;
    switch (token.kind) {
      case TokenKind::kIdentifier: {
        next();
        Node n;
        n.pos = token.pos;
        if (token.value == "true" || token.value == "false") {
          n.kind = NodeKind::kBool;
          n.boolValue = token.value == "true";
          return add(std::move(n));
        }
        if (token.value == "nil") {
          n.kind = NodeKind::kNil;
          return add(std::move(n));
        }
        if (current_.is(TokenKind::kBracket, "(")) {
          node = parseCall(token);
        } else {
          if (token.value == "$env") {
            errorAt(token, unsupported("$env"));
            return -1;
          }
          n.kind = token.value == "result" ? NodeKind::kResult : NodeKind::kIdentifier;
          n.text = token.value;
          node = add(std::move(n));
        }
        break;
      }
      case TokenKind::kNumber:
        next();
        return parseNumber(token);
      case TokenKind::kString: {
        next();
        Node n;
        n.kind = NodeKind::kString;
        n.pos = token.pos;
        n.constant = static_cast<std::int32_t>(program_.constants.size());
        program_.constants.push_back(Value::string(token.value));
        node = add(std::move(n));
        break;
      }
      case TokenKind::kBytes:
        errorAt(token, unsupported("a bytes literal"));
        return -1;
      default:
        if (token.is(TokenKind::kBracket, "[")) {
          node = parseArrayExpression(token);
        } else if (token.is(TokenKind::kBracket, "{")) {
          errorAt(token, unsupported("a map literal"));
          return -1;
        } else {
          error("unexpected token " + token.toString());
          return -1;
        }
    }
    return parsePostfixExpression(node);
  }

  // parser.go `parseSecondary` for numbers: underscores are dropped, then the literal is read
  // as hexadecimal, float (it has `.` or `e`), binary, octal or decimal, in that order.
  std::int32_t parseNumber(const Token& token) {
    std::string value;
    for (const char c : token.value) {
      if (c != '_') value += c;
    }
    std::string lower = value;
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    Node n;
    n.pos = token.pos;
    auto integer = [&](std::string_view digits, int base, const char* what) -> std::int32_t {
      std::uint64_t v = 0;
      bool bad = digits.empty(), range = false;
      for (const char c : digits) {
        const int d = (c >= '0' && c <= '9')   ? c - '0'
                      : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                      : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                               : 99;
        if (d >= base) {
          bad = true;
          break;
        }
        if (v > (UINT64_MAX - static_cast<std::uint64_t>(d)) / static_cast<std::uint64_t>(base)) {
          range = true;
        } else {
          v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
        }
      }
      if (!bad && (range || v > static_cast<std::uint64_t>(INT64_MAX))) {
        errorAt(current_, std::string("invalid ") + what +
                              " literal: " + numError("ParseInt", value, ParseStatus::kRange));
        return -1;
      }
      if (bad) {
        errorAt(current_, std::string("invalid ") + what +
                              " literal: " + numError("ParseInt", value, ParseStatus::kSyntax));
        return -1;
      }
      n.kind = NodeKind::kInteger;
      n.intValue = static_cast<std::int64_t>(v);
      return add(n);
    };
    if (lower.rfind("0x", 0) == 0) return integer(std::string_view(value).substr(2), 16, "hex");
    if (lower.find_first_of(".e") != std::string::npos) {
      double f = 0;
      const ParseStatus st = parseGoFloat(value, &f);
      if (st != ParseStatus::kOk) {
        errorAt(current_, "invalid float literal: " + numError("ParseFloat", value, st));
        return -1;
      }
      n.kind = NodeKind::kFloat;
      n.floatValue = f;
      return add(n);
    }
    if (lower.rfind("0b", 0) == 0) return integer(std::string_view(value).substr(2), 2, "binary");
    if (lower.rfind("0o", 0) == 0) return integer(std::string_view(value).substr(2), 8, "octal");
    return integer(value, 10, "integer");
  }

  std::int32_t parseCall(const Token& token) {
    if (const PredicateSpec* spec = predicateBuiltin(token.value)) {
      expect(TokenKind::kBracket, "(");
      std::vector<std::int32_t> args;
      for (int i = 0; i < spec->args; ++i) {
        const bool optional = i >= spec->args - spec->optional;
        if (optional) {
          if (current_.is(TokenKind::kBracket, ")")) break;
        } else if (current_.is(TokenKind::kBracket, ")")) {
          error("expected at least " + std::to_string(spec->args) + " arguments");
        }
        if (i > 0) expect(TokenKind::kOperator, ",");
        args.push_back(i == spec->predicateIndex ? parsePredicate() : parseExpression(0));
        if (failed()) return -1;
      }
      if (current_.is(TokenKind::kOperator, ",")) next();
      expect(TokenKind::kBracket, ")");
      if (failed()) return -1;
      const auto builtin = supportedBuiltin(token.value);
      if (!builtin) {
        errorAt(token, unsupported(token.value + "()"));
        return -1;
      }
      return addCall(NodeKind::kBuiltin, static_cast<std::uint8_t>(*builtin), token, args);
    }
    if (isExprBuiltin(token.value)) {
      const auto args = parseArguments();
      if (failed()) return -1;
      const auto builtin = supportedBuiltin(token.value);
      if (!builtin) {
        errorAt(token, unsupported(token.value + "()"));
        return -1;
      }
      return addCall(NodeKind::kBuiltin, static_cast<std::uint8_t>(*builtin), token, args);
    }
    const auto args = parseArguments();
    if (failed()) return -1;
    if (const auto fn = envFunction(token.value)) {
      return addCall(NodeKind::kCallEnv, static_cast<std::uint8_t>(*fn), token, args);
    }
    Node callee;
    callee.kind = token.value == "result" ? NodeKind::kResult : NodeKind::kIdentifier;
    callee.text = token.value;
    callee.pos = token.pos;
    const std::int32_t calleeIndex = add(std::move(callee));
    const std::int32_t call = addCall(NodeKind::kCallValue, 0, token, args);
    program_.nodes[static_cast<std::size_t>(call)].a = calleeIndex;
    return call;
  }

  std::int32_t addCall(NodeKind kind, std::uint8_t fn, const Token& token,
                       const std::vector<std::int32_t>& args) {
    Node n;
    n.kind = kind;
    n.fn = fn;
    n.pos = token.pos;
    n.text = token.value;
    n.firstArg = addArgs(args);
    n.argCount = static_cast<std::int32_t>(args.size());
    return add(std::move(n));
  }

  std::vector<std::int32_t> parseArguments() {
    std::vector<std::int32_t> args;
    expect(TokenKind::kBracket, "(");
    while (!failed() && !current_.is(TokenKind::kBracket, ")")) {
      if (!args.empty()) expect(TokenKind::kOperator, ",");
      if (current_.is(TokenKind::kBracket, ")")) break;
      args.push_back(parseExpression(0));
    }
    expect(TokenKind::kBracket, ")");
    return args;
  }

  std::int32_t parsePredicate() {
    const Token start = current_;
    const bool withBrackets = current_.is(TokenKind::kBracket, "{");
    if (withBrackets) next();
    ++depth_;
    program_.maxPredicateDepth = std::max(program_.maxPredicateDepth, depth_);
    std::int32_t body = -1;
    if (withBrackets) {
      body = parseSequenceExpression();
    } else {
      body = parseExpression(0);
      if (current_.is(TokenKind::kOperator, ";")) error("wrap predicate with brackets { and }");
    }
    --depth_;
    if (withBrackets) expect(TokenKind::kBracket, "}");
    Node n;
    n.kind = NodeKind::kPredicate;
    n.a = body;
    n.pos = start.pos;
    return add(std::move(n));
  }

  std::int32_t parseArrayExpression(const Token& token) {
    std::vector<std::int32_t> elements;
    expect(TokenKind::kBracket, "[");
    while (!failed() && !current_.is(TokenKind::kBracket, "]")) {
      if (!elements.empty()) {
        expect(TokenKind::kOperator, ",");
        if (current_.is(TokenKind::kBracket, "]")) break;
      }
      elements.push_back(parseExpression(0));
    }
    expect(TokenKind::kBracket, "]");
    Node n;
    n.kind = NodeKind::kArray;
    n.pos = token.pos;
    n.firstArg = addArgs(elements);
    n.argCount = static_cast<std::int32_t>(elements.size());
    return add(std::move(n));
  }

  static bool isValidIdentifier(std::string_view s) {
    if (s.empty() || !isAlphabetic(static_cast<unsigned char>(s[0]))) return false;
    for (const char c : s) {
      if (!isAlphaNumeric(static_cast<unsigned char>(c))) return false;
    }
    return true;
  }

  std::int32_t parsePostfixExpression(std::int32_t node) {
    Token postfix = current_;
    while (!failed() && (postfix.is(TokenKind::kOperator) || postfix.is(TokenKind::kBracket))) {
      if (postfix.value == "." || postfix.value == "?.") {
        if (postfix.value == "?.") {
          errorAt(postfix, unsupported("optional chaining (?.)"));
          return -1;
        }
        next();
        const Token property = current_;
        next();
        if (failed()) return -1;
        if (property.kind != TokenKind::kIdentifier &&
            (property.kind != TokenKind::kOperator || !isValidIdentifier(property.value))) {
          error("expected name");
          return -1;
        }
        Node name;
        name.kind = NodeKind::kString;
        name.pos = property.pos;
        name.constant = static_cast<std::int32_t>(program_.constants.size());
        program_.constants.push_back(Value::string(property.value));
        Node member;
        member.kind = NodeKind::kMember;
        member.a = node;
        member.b = add(std::move(name));
        member.pos = property.pos;
        member.text = property.value;
        if (current_.is(TokenKind::kBracket, "(")) {
          member.boolValue = true;  // a method call
          const std::int32_t callee = add(std::move(member));
          const auto args = parseArguments();
          if (failed()) return -1;
          node = addCall(NodeKind::kCallValue, 0, property, args);
          program_.nodes[static_cast<std::size_t>(node)].a = callee;
        } else {
          node = add(std::move(member));
        }
      } else if (postfix.value == "[") {
        next();
        if (current_.is(TokenKind::kOperator, ":")) {
          errorAt(postfix, unsupported("slicing ([:])"));
          return -1;
        }
        const std::int32_t from = parseExpression(0);
        if (failed()) return -1;
        if (current_.is(TokenKind::kOperator, ":")) {
          errorAt(postfix, unsupported("slicing ([:])"));
          return -1;
        }
        Node member;
        member.kind = NodeKind::kMember;
        member.a = node;
        member.b = from;
        member.pos = postfix.pos;
        node = add(std::move(member));
        expect(TokenKind::kBracket, "]");
      } else {
        break;
      }
      postfix = current_;
    }
    return node;
  }

  std::int32_t parseComparison(std::int32_t left, Token token, int precedence) {
    std::int32_t root = -1;
    for (;;) {
      const std::int32_t comparator = parseExpression(precedence + 1);
      Node cmp;
      cmp.kind = NodeKind::kBinary;
      cmp.op = *binaryOp(token.value);
      cmp.a = left;
      cmp.b = comparator;
      cmp.pos = token.pos;
      cmp.text = token.value;
      const std::int32_t cmpIndex = add(std::move(cmp));
      if (root < 0) {
        root = cmpIndex;
      } else {
        Node both;
        both.kind = NodeKind::kBinary;
        both.op = Op::kAnd;
        both.a = root;
        both.b = cmpIndex;
        both.pos = token.pos;
        both.text = "&&";
        root = add(std::move(both));
      }
      left = comparator;
      token = current_;
      if (!(token.is(TokenKind::kOperator) && isComparison(token.value) && !failed())) break;
      next();
    }
    return root;
  }
};

}  // namespace

void parse(Program& program) {
  std::optional<LexError> lexError;
  Lexer lexer(program.source);
  std::vector<Token> tokens = lexer.run(lexError);
  Parser parser(program, std::move(tokens), std::move(lexError));
  parser.run();
}

}  // namespace rolloutlab::core::argo::detail
