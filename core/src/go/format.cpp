#include "rolloutlab/core/go/format.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace rolloutlab::core::go {

// Go strconv/ftoa.go `%g` with the shortest precision: the decision between %e and %f uses a
// precision of 6 (`if shortest { eprec = 6 }`), and %e prints at least two exponent digits.
std::string goFloat(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f == 0) return std::signbit(f) ? "-0" : "0";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  std::string out;
  std::size_t i = 0;
  if (sci[0] == '-') {
    out += '-';
    i = 1;
  }
  std::string digits;
  for (; i < sci.size() && sci[i] != 'e'; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  int exp10 = 0;
  std::from_chars(sci.data() + i + (sci[i + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exp10);
  const int nd = static_cast<int>(digits.size());
  const int dp = exp10 + 1;  // position of the decimal point
  if (exp10 < -4 || exp10 >= 6) {
    out += digits[0];
    if (nd > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    out += 'e';
    out += exp10 < 0 ? '-' : '+';
    const int e = std::abs(exp10);
    if (e < 10) out += '0';
    out += std::to_string(e);
    return out;
  }
  if (dp <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-dp), '0');
    out += digits;
  } else if (dp >= nd) {
    out += digits;
    out.append(static_cast<std::size_t>(dp - nd), '0');
  } else {
    out.append(digits, 0, static_cast<std::size_t>(dp));
    out += '.';
    out.append(digits, static_cast<std::size_t>(dp), std::string::npos);
  }
  return out;
}

std::string goQuote(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out + '"';
}

std::string goRune(char32_t r) {
  static const char* kHex = "0123456789ABCDEF";
  std::string hex;
  for (char32_t v = r; v > 0 || hex.size() < 4; v >>= 4) hex.insert(hex.begin(), kHex[v & 15]);
  std::string out = "U+" + hex;
  if (r >= 0x20 && r != 0x7f) {
    out += " '";
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
    out += '\'';
  }
  return out;
}

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// Decimal exponent of the leading significant digit of a decimal literal, to tell overflow
// from underflow when from_chars reports a value out of range.
int leadingExponent(std::string_view s) {
  int intDigits = 0;
  int leadingFractionZeros = 0;
  bool seenNonZero = false;
  bool inFraction = false;
  std::size_t i = 0;
  for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
    if (s[i] == '.') {
      inFraction = true;
    } else if (!inFraction) {
      if (seenNonZero || s[i] != '0') {
        seenNonZero = true;
        ++intDigits;
      }
    } else if (!seenNonZero) {
      if (s[i] == '0') {
        ++leadingFractionZeros;
      } else {
        seenNonZero = true;
      }
    }
  }
  int e = 0;
  if (i < s.size()) {
    std::string_view rest = s.substr(i + 1);
    if (!rest.empty() && rest[0] == '+') rest.remove_prefix(1);
    std::from_chars(rest.data(), rest.data() + rest.size(), e);
  }
  return (intDigits > 0 ? intDigits - 1 : -leadingFractionZeros - 1) + e;
}

}  // namespace

// Go strconv/atof.go `ParseFloat`: optional sign, then `inf`/`infinity` (any case), or `nan`
// without a sign, or a decimal literal, or a hexadecimal literal that must carry a p exponent.
ParseStatus parseGoFloat(std::string_view s, double* out) {
  if (s.empty()) return ParseStatus::kSyntax;
  if (equalsIgnoreCase(s, "nan")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return ParseStatus::kOk;
  }
  bool negative = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (equalsIgnoreCase(body, "inf") || equalsIgnoreCase(body, "infinity")) {
    *out = negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
    return ParseStatus::kOk;
  }
  if (body.empty() || body[0] == '+' || body[0] == '-') return ParseStatus::kSyntax;
  double v = 0;
  std::from_chars_result res{};
  bool hex = false;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    hex = true;
    body.remove_prefix(2);
    if (body.find_first_of("pP") == std::string_view::npos) return ParseStatus::kSyntax;
    res = std::from_chars(body.data(), body.data() + body.size(), v, std::chars_format::hex);
  } else {
    for (const char c : body) {
      if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
        return ParseStatus::kSyntax;
      }
    }
    res = std::from_chars(body.data(), body.data() + body.size(), v, std::chars_format::general);
  }
  if (res.ptr != body.data() + body.size()) {
    if (res.ec != std::errc::result_out_of_range) return ParseStatus::kSyntax;
  }
  if (res.ec == std::errc::invalid_argument) return ParseStatus::kSyntax;
  if (res.ec == std::errc::result_out_of_range) {
    if (hex || leadingExponent(body) > 0) {
      *out = negative ? -std::numeric_limits<double>::infinity()
                      : std::numeric_limits<double>::infinity();
      return ParseStatus::kRange;
    }
    v = 0;  // underflow rounds to zero without an error in Go
  }
  *out = negative ? -v : v;
  return ParseStatus::kOk;
}

// Go strconv/atoi.go `ParseInt(s, 10, 64)`: optional sign, decimal digits only.
ParseStatus parseGoInt(std::string_view s, std::int64_t* out) {
  std::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty()) return ParseStatus::kSyntax;
  std::uint64_t v = 0;
  bool overflow = false;
  for (const char c : body) {
    if (c < '0' || c > '9') return ParseStatus::kSyntax;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
      overflow = true;
    } else {
      v = v * 10 + d;
    }
  }
  const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  if (overflow || v > limit) {
    *out = negative ? std::numeric_limits<std::int64_t>::min()
                    : std::numeric_limits<std::int64_t>::max();
    return ParseStatus::kRange;
  }
  *out = negative ? static_cast<std::int64_t>(~v + 1) : static_cast<std::int64_t>(v);
  return ParseStatus::kOk;
}

std::string numError(std::string_view function, std::string_view input, ParseStatus status) {
  return "strconv." + std::string(function) + ": parsing " + goQuote(input) + ": " +
         (status == ParseStatus::kRange ? "value out of range" : "invalid syntax");
}

std::int64_t goFloatToInt(double f) {
  // CVTTSD2SQ: NaN and values outside [-2^63, 2^63) give the "integer indefinite" value.
  if (std::isnan(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0) {
    return std::numeric_limits<std::int64_t>::min();
  }
  return static_cast<std::int64_t>(f);
}

}  // namespace rolloutlab::core::go
