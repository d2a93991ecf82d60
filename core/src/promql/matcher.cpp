// RE2 → ECMAScript translation for label matchers.
//
// The RE2 rules reproduced here are those of Go's `regexp/syntax` parser (`parse.go`:
// `parseEscape`, `parseClass`, `parsePerlFlags`, `parseRepeat`) with the `syntax.Perl` flags
// that `regexp.Compile` uses (ClassNL | OneLine | PerlX | UnicodeGroups), as Prometheus 2.42
// compiles matchers (`model/labels/regexp.go`).
//
// GCC 12 reports a false -Wmaybe-uninitialized inside libstdc++'s <regex> (std::function in
// _StateT) at -O1; it is silenced for this file, the only one that includes <regex>.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "rolloutlab/core/promql/matcher.h"

#include <algorithm>
#include <regex>
#include <cstdint>
#include <utility>
#include <vector>

#include "rolloutlab/core/promql/labels.h"

namespace rolloutlab::core::promql {

namespace {

constexpr char32_t kMaxRune = 0x10FFFF;
constexpr char32_t kReplacement = 0xFFFD;
constexpr int kMaxRepeat = 1000;  // Go regexp/syntax: maximum {n,m} count

using Ranges = std::vector<std::pair<char32_t, char32_t>>;

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

bool isWordChar(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool isAlnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

void appendCodePoint(std::wstring& out, char32_t c) {
  static const wchar_t* kHex = L"0123456789ABCDEF";
  if (isAlnum(c)) {
    out += static_cast<wchar_t>(c);
  } else if (c <= 0xFFFF) {
    out += L"\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(c >> shift) & 15];
  } else {
    out += static_cast<wchar_t>(c);  // beyond the BMP: never an ECMAScript metacharacter
  }
}

void addRange(Ranges& r, char32_t lo, char32_t hi) { r.emplace_back(lo, hi); }

// Go's simple case folding restricted to what a label regex meets: ASCII letters, plus the two
// non-ASCII members of ASCII fold orbits (U+212A KELVIN SIGN ~ k, U+017F LONG S ~ s), as
// `unicode.SimpleFold` links them.
void foldRanges(Ranges& r) {
  const Ranges in = r;
  auto overlaps = [](const std::pair<char32_t, char32_t>& x, char32_t lo, char32_t hi) {
    return x.first <= hi && x.second >= lo;
  };
  auto contains = [](const std::pair<char32_t, char32_t>& x, char32_t c) {
    return x.first <= c && c <= x.second;
  };
  for (const auto& x : in) {
    if (overlaps(x, 'a', 'z')) {
      addRange(r, std::max<char32_t>(x.first, 'a') - 32, std::min<char32_t>(x.second, 'z') - 32);
    }
    if (overlaps(x, 'A', 'Z')) {
      addRange(r, std::max<char32_t>(x.first, 'A') + 32, std::min<char32_t>(x.second, 'Z') + 32);
    }
    if (contains(x, 'k') || contains(x, 'K')) addRange(r, 0x212A, 0x212A);
    if (contains(x, 's') || contains(x, 'S')) addRange(r, 0x017F, 0x017F);
    if (contains(x, 0x212A)) {
      addRange(r, 'k', 'k');
      addRange(r, 'K', 'K');
    }
    if (contains(x, 0x017F)) {
      addRange(r, 's', 's');
      addRange(r, 'S', 'S');
    }
  }
}

Ranges normalize(Ranges r) {
  std::sort(r.begin(), r.end());
  Ranges out;
  for (const auto& x : r) {
    if (!out.empty() && x.first <= out.back().second + 1) {
      out.back().second = std::max(out.back().second, x.second);
    } else {
      out.push_back(x);
    }
  }
  return out;
}

Ranges complement(const Ranges& in) {
  const Ranges r = normalize(in);
  Ranges out;
  char32_t next = 0;
  for (const auto& x : r) {
    if (x.first > next) out.emplace_back(next, x.first - 1);
    next = x.second + 1;
  }
  if (next <= kMaxRune) out.emplace_back(next, kMaxRune);
  return out;
}

struct Flags {
  bool foldCase = false;  // i
  bool dotNL = false;     // s
};

class Translator {
 public:
  explicit Translator(std::string_view p) : p_(p) {}

  std::wstring run() {
    Flags flags;
    parseSequenceList(flags, /*depth=*/0);
    if (i_ < p_.size()) fail("unexpected ): " + snippet(0, p_.size()), i_);
    return out_;
  }

 private:
  [[noreturn]] void fail(const std::string& what, std::size_t at) const {
    throw RegexError("error parsing regexp: " + what, at);
  }

  std::string snippet(std::size_t from, std::size_t to) const {
    return "`" + std::string(p_.substr(from, to - from)) + "`";
  }

  bool atEnd() const { return i_ >= p_.size(); }
  char peekByte() const { return p_[i_]; }

  char32_t nextRune() {
    bool bad = false;
    const std::size_t at = i_;
    const char32_t c = decodeOne(p_, i_, &bad);
    if (bad) fail("invalid UTF-8: " + snippet(0, p_.size()), at);
    return c;
  }

  void emitRanges(const Ranges& rs, bool negate) {
    const Ranges r = normalize(rs);
    if (r.empty()) {
      if (negate) {
        emitRanges({{0, kMaxRune}}, false);
      } else {
        out_ += L"(?!)";  // an empty class matches nothing
      }
      return;
    }
    out_ += negate ? L"[^" : L"[";
    for (const auto& [lo, hi] : r) {
      appendCodePoint(out_, lo);
      if (hi != lo) {
        out_ += L'-';
        appendCodePoint(out_, hi);
      }
    }
    out_ += L']';
  }

  void emitLiteral(char32_t c, const Flags& f) {
    if (f.foldCase) {
      Ranges r{{c, c}};
      foldRanges(r);
      if (normalize(r).size() > 1 || normalize(r)[0].first != normalize(r)[0].second) {
        emitRanges(r, false);
        return;
      }
    }
    appendCodePoint(out_, c);
  }

  // Parses alternatives until ')' (not consumed) or the end.
  void parseSequenceList(Flags& flags, int depth) {
    bool canRepeat = false;    // the previous item is an atom that may take a repetition
    bool afterRepeat = false;  // the previous item was a repetition operator
    while (!atEnd()) {
      const std::size_t start = i_;
      const char c = peekByte();
      switch (c) {
        case '|':
          ++i_;
          out_ += L'|';
          canRepeat = afterRepeat = false;
          continue;
        case ')':
          if (depth == 0) fail("unexpected ): " + snippet(0, p_.size()), i_);
          return;
        case '(':
          parseGroup(flags, depth);
          // A flag-only group `(?i)` leaves nothing to repeat.
          canRepeat = lastWasAtom_;
          afterRepeat = false;
          continue;
        case '*':
        case '+':
        case '?':
        case '{': {
          std::size_t end = 0;
          std::string rep;
          if (c == '{') {
            if (!parseRepeatBraces(rep, end)) {
              // Not a valid {n,m}: a literal brace, as in Go.
              ++i_;
              emitLiteral('{', flags);
              canRepeat = true;
              afterRepeat = false;
              continue;
            }
          } else {
            rep = std::string(1, c);
            end = i_ + 1;
          }
          std::size_t after = end;
          if (after < p_.size() && p_[after] == '?') ++after;  // non-greedy
          if (afterRepeat) {
            fail("invalid nested repetition operator: " + snippet(repeatStart_, after), start);
          }
          if (!canRepeat) {
            if (lastWasAssertion_) {
              fail("repetition of an assertion is not supported: " + snippet(start, after), start);
            }
            fail("missing argument to repetition operator: " + snippet(start, after), start);
          }
          for (char r : rep) out_ += static_cast<wchar_t>(r);
          if (after != end) out_ += L'?';
          repeatStart_ = start;
          i_ = after;
          afterRepeat = true;
          canRepeat = false;
          continue;
        }
        case '[':
          parseClass(flags);
          break;
        case '.':
          ++i_;
          if (flags.dotNL) {
            emitRanges({{0, kMaxRune}}, false);
          } else {
            emitRanges({{'\n', '\n'}}, true);
          }
          break;
        case '^':
          ++i_;
          out_ += L'^';
          canRepeat = afterRepeat = false;
          lastWasAssertion_ = true;
          continue;
        case '$':
          ++i_;
          out_ += L'$';
          canRepeat = afterRepeat = false;
          lastWasAssertion_ = true;
          continue;
        case '\\': {
          const bool atom = parseEscapeOutside(flags);
          canRepeat = atom;
          afterRepeat = false;
          lastWasAssertion_ = !atom;
          continue;
        }
        default:
          emitLiteral(nextRune(), flags);
          break;
      }
      canRepeat = true;
      afterRepeat = false;
      lastWasAssertion_ = false;
    }
  }

  // Parses "{n}", "{n,}" or "{n,m}" at i_ without consuming; returns false when it is not one.
  bool parseRepeatBraces(std::string& rep, std::size_t& end) {
    std::size_t j = i_ + 1;
    auto digits = [&](long& v) {
      const std::size_t s = j;
      v = 0;
      while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
        if (v < 100000) v = v * 10 + (p_[j] - '0');
        ++j;
      }
      return j > s;
    };
    long lo = 0;
    long hi = -1;
    if (!digits(lo)) return false;
    bool comma = false;
    if (j < p_.size() && p_[j] == ',') {
      comma = true;
      ++j;
      if (j < p_.size() && p_[j] != '}') {
        if (!digits(hi)) return false;
      }
    }
    if (j >= p_.size() || p_[j] != '}') return false;
    ++j;
    if (!comma) hi = lo;
    if (lo > kMaxRepeat || hi > kMaxRepeat || (hi >= 0 && hi < lo)) {
      fail("invalid repeat count: " + snippet(i_, j), i_);
    }
    rep = std::string(p_.substr(i_, j - i_));
    end = j;
    return true;
  }

  void parseGroup(Flags& flags, int depth) {
    const std::size_t start = i_;
    ++i_;  // '('
    Flags inner = flags;
    if (!atEnd() && peekByte() == '?') {
      // Perl group syntax.
      const std::string_view rest = p_.substr(i_);
      if (rest.starts_with("?P<")) {
        const std::size_t close = p_.find('>', i_);
        if (close == std::string_view::npos) {
          fail("invalid named capture: " + snippet(start, p_.size()), start);
        }
        const std::string_view name = p_.substr(i_ + 3, close - i_ - 3);
        if (name.empty() ||
            !std::all_of(name.begin(), name.end(), [](char ch) { return isWordChar(ch); })) {
          fail("invalid named capture: " + snippet(start, close + 1), start);
        }
        i_ = close + 1;
      } else {
        // Flags: (?flags) or (?flags:re)
        std::size_t j = i_ + 1;
        bool negate = false;
        bool sawNegFlag = false;
        Flags f = flags;
        for (;;) {
          if (j >= p_.size()) fail("missing closing ): " + snippet(start, p_.size()), start);
          const char ch = p_[j];
          if (ch == 'i' || ch == 's' || ch == 'U' || ch == 'm') {
            if (ch == 'm') {
              fail("the regexp flag m (multi-line) is not supported: " + snippet(start, j + 1),
                   start);
            }
            if (ch == 'i') f.foldCase = !negate;
            if (ch == 's') f.dotNL = !negate;
            // U (ungreedy) only swaps preferences; a full match does not depend on them.
            if (negate) sawNegFlag = true;
            ++j;
            continue;
          }
          if (ch == '-') {
            if (negate) fail("invalid or unsupported Perl syntax: " + snippet(start, j + 1), start);
            negate = true;
            ++j;
            continue;
          }
          if (ch == ':' || ch == ')') {
            if (negate && !sawNegFlag) {
              fail("invalid or unsupported Perl syntax: " + snippet(start, j + 1), start);
            }
            if (ch == ')') {
              // (?flags): applies to the rest of the current group.
              flags = f;
              i_ = j + 1;
              lastWasAtom_ = false;
              return;
            }
            inner = f;
            i_ = j + 1;
            break;
          }
          fail("invalid or unsupported Perl syntax: " + snippet(start, j + 1), start);
        }
      }
    }
    out_ += L"(?:";
    parseSequenceList(inner, depth + 1);
    if (atEnd()) fail("missing closing ): " + snippet(0, p_.size()), start);
    ++i_;  // ')'
    out_ += L')';
    lastWasAtom_ = true;
  }

  // Perl classes \d \s \w and their negations (Go's perlGroup: ASCII only).
  static bool perlClass(char c, Ranges& r) {
    switch (c) {
      case 'd':
      case 'D':
        addRange(r, '0', '9');
        break;
      case 's':
      case 'S':
        addRange(r, '\t', '\n');
        addRange(r, '\f', '\r');
        addRange(r, ' ', ' ');
        break;
      case 'w':
      case 'W':
        addRange(r, '0', '9');
        addRange(r, 'A', 'Z');
        addRange(r, '_', '_');
        addRange(r, 'a', 'z');
        break;
      default:
        return false;
    }
    if (c == 'D' || c == 'S' || c == 'W') r = complement(r);
    return true;
  }

  // Go's posixGroup.
  static bool posixClass(std::string_view name, Ranges& r) {
    if (name == "alnum") {
      r = {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}};
    } else if (name == "alpha") {
      r = {{'A', 'Z'}, {'a', 'z'}};
    } else if (name == "ascii") {
      r = {{0, 0x7F}};
    } else if (name == "blank") {
      r = {{'\t', '\t'}, {' ', ' '}};
    } else if (name == "cntrl") {
      r = {{0, 0x1F}, {0x7F, 0x7F}};
    } else if (name == "digit") {
      r = {{'0', '9'}};
    } else if (name == "graph") {
      r = {{'!', '~'}};
    } else if (name == "lower") {
      r = {{'a', 'z'}};
    } else if (name == "print") {
      r = {{' ', '~'}};
    } else if (name == "punct") {
      r = {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}};
    } else if (name == "space") {
      r = {{'\t', '\r'}, {' ', ' '}};
    } else if (name == "upper") {
      r = {{'A', 'Z'}};
    } else if (name == "word") {
      r = {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}, {'_', '_'}};
    } else if (name == "xdigit") {
      r = {{'0', '9'}, {'A', 'F'}, {'a', 'f'}};
    } else {
      return false;
    }
    return true;
  }

  // Parses an escape that denotes one code point (Go's parseEscape). i_ is at the backslash.
  char32_t parseCharEscape() {
    const std::size_t start = i_;
    ++i_;
    if (atEnd()) fail("trailing backslash at end of expression", start);
    const char32_t c = nextRune();
    switch (c) {
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        if (atEnd() || peekByte() < '0' || peekByte() > '7') break;
        [[fallthrough]];
      case '0': {
        char32_t r = c - '0';
        for (int k = 1; k < 3; ++k) {
          if (atEnd() || peekByte() < '0' || peekByte() > '7') break;
          r = r * 8 + static_cast<char32_t>(peekByte() - '0');
          ++i_;
        }
        return r;
      }
      case 'x': {
        if (atEnd()) break;
        auto hexVal = [](char h) -> int {
          if (h >= '0' && h <= '9') return h - '0';
          if (h >= 'a' && h <= 'f') return h - 'a' + 10;
          if (h >= 'A' && h <= 'F') return h - 'A' + 10;
          return -1;
        };
        if (peekByte() == '{') {
          ++i_;
          char32_t r = 0;
          int n = 0;
          while (!atEnd() && hexVal(peekByte()) >= 0) {
            r = r * 16 + static_cast<char32_t>(hexVal(peekByte()));
            ++i_;
            ++n;
            if (r > kMaxRune) break;
          }
          if (n == 0 || atEnd() || peekByte() != '}' || r > kMaxRune) break;
          ++i_;
          return r;
        }
        if (i_ + 1 >= p_.size() || hexVal(p_[i_]) < 0 || hexVal(p_[i_ + 1]) < 0) break;
        const char32_t r = static_cast<char32_t>(hexVal(p_[i_]) * 16 + hexVal(p_[i_ + 1]));
        i_ += 2;
        return r;
      }
      case 'a':
        return 7;
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'v':
        return '\v';
      default:
        if (c < 0x80 && !isAlnum(c)) return c;  // escaped punctuation
        break;
    }
    fail("invalid escape sequence: " + snippet(start, i_), start);
  }

  // An escape outside a class. Returns true when it produced an atom (repeatable).
  bool parseEscapeOutside(const Flags& flags) {
    const std::size_t start = i_;
    if (i_ + 1 >= p_.size()) fail("trailing backslash at end of expression", start);
    const char c = p_[i_ + 1];
    switch (c) {
      case 'A':
        i_ += 2;
        out_ += L'^';
        return false;
      case 'z':
        i_ += 2;
        out_ += L'$';
        return false;
      case 'b':
        i_ += 2;
        out_ += L"\\b";
        return false;
      case 'B':
        i_ += 2;
        out_ += L"\\B";
        return false;
      case 'Q': {
        i_ += 2;
        const std::size_t e = p_.find("\\E", i_);
        const std::size_t stop = e == std::string_view::npos ? p_.size() : e;
        // Go turns \Q...\E into a literal string; its last rune is what a repetition applies to.
        bool any = false;
        while (i_ < stop) {
          emitLiteral(nextRune(), flags);
          any = true;
        }
        if (e != std::string_view::npos) i_ = e + 2;
        if (!any) lastWasAssertion_ = false;
        return any;
      }
      case 'p':
      case 'P':
        fail("Unicode character classes are not supported: " +
                 snippet(start, std::min(p_.size(), start + 3)),
             start);
      case 'C':
        fail("\\C (any byte) is not supported", start);
      default:
        break;
    }
    Ranges r;
    if (perlClass(c, r)) {
      i_ += 2;
      if (flags.foldCase) foldRanges(r);
      emitRanges(r, false);
      return true;
    }
    emitLiteral(parseCharEscape(), flags);
    return true;
  }

  void parseClass(const Flags& flags) {
    const std::size_t start = i_;
    ++i_;  // '['
    bool negate = false;
    if (!atEnd() && peekByte() == '^') {
      negate = true;
      ++i_;
    }
    Ranges r;
    bool first = true;
    for (;;) {
      if (atEnd()) fail("missing closing ]: " + snippet(start, p_.size()), start);
      const char c = peekByte();
      if (c == ']' && !first) {
        ++i_;
        break;
      }
      // POSIX class [:name:] / [:^name:]
      if (c == '[' && i_ + 1 < p_.size() && p_[i_ + 1] == ':') {
        const std::size_t close = p_.find(":]", i_ + 2);
        if (close != std::string_view::npos) {
          std::string_view name = p_.substr(i_ + 2, close - i_ - 2);
          bool neg = false;
          if (name.starts_with('^')) {
            neg = true;
            name.remove_prefix(1);
          }
          Ranges pr;
          if (!posixClass(name, pr)) {
            fail("invalid character class range: " + snippet(i_, close + 2), i_);
          }
          if (neg) pr = complement(pr);
          r.insert(r.end(), pr.begin(), pr.end());
          i_ = close + 2;
          first = false;
          continue;
        }
      }
      if (c == '\\' && i_ + 1 < p_.size()) {
        const char e = p_[i_ + 1];
        Ranges pr;
        if (perlClass(e, pr)) {
          r.insert(r.end(), pr.begin(), pr.end());
          i_ += 2;
          first = false;
          continue;
        }
        if (e == 'p' || e == 'P') {
          fail("Unicode character classes are not supported: " + snippet(i_, i_ + 2), i_);
        }
      }
      const std::size_t itemStart = i_;
      const char32_t lo = classChar();
      char32_t hi = lo;
      if (i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
        ++i_;
        hi = classChar();
        if (hi < lo) fail("invalid character class range: " + snippet(itemStart, i_), itemStart);
      }
      addRange(r, lo, hi);
      first = false;
    }
    if (flags.foldCase) foldRanges(r);
    emitRanges(r, negate);
  }

  char32_t classChar() {
    if (atEnd()) fail("missing closing ]", i_);
    if (peekByte() == '\\') return parseCharEscape();
    return nextRune();
  }

  std::string_view p_;
  std::size_t i_ = 0;
  std::size_t repeatStart_ = 0;
  bool lastWasAtom_ = false;
  bool lastWasAssertion_ = false;
  std::wstring out_;
};

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

}  // namespace

struct LabelRegex::Compiled {
  std::wregex re;
};

std::wstring decodeUtf8(std::string_view s) {
  std::wstring out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) out += static_cast<wchar_t>(decodeOne(s, i, nullptr));
  return out;
}

std::wstring translateRe2(std::string_view pattern) { return Translator(pattern).run(); }

LabelRegex::LabelRegex(std::string_view pattern) : pattern_(pattern) {
  // A pattern without metacharacters matches exactly itself (Prometheus' FastRegexMatcher
  // reaches the same answer through its literal prefix); it must still be valid UTF-8.
  translated_ = translateRe2(pattern);
  if (isLiteralPattern(pattern)) {
    literal_ = true;
    return;
  }
  try {
    re_ = std::make_shared<const Compiled>(
        Compiled{std::wregex(translated_, std::regex::ECMAScript | std::regex::optimize)});
  } catch (const std::regex_error& e) {
    throw RegexError(std::string("error parsing regexp: ") + e.what(), 0);
  }
}

bool LabelRegex::matches(std::string_view value) const {
  if (literal_) return value == pattern_;
  const std::wstring w = decodeUtf8(value);
  return std::regex_match(w, re_->re);
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
