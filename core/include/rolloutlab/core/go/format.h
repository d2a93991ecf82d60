#pragma once
/// Go's formatting and parsing of scalars, as far as expr's and Argo's messages and helpers use
/// them: fmt `%v` of a float64, strconv.Quote, strconv.ParseFloat and strconv.ParseInt (base 10),
/// and the float64 → int64 conversion of Go on amd64.

#include <cstdint>
#include <string>
#include <string_view>

namespace rolloutlab::core::go {

// fmt `%v` of a float64, i.e. strconv.FormatFloat(f, 'g', -1, 64): shortest round-trip digits,
// exponent form when the decimal exponent is < -4 or >= 6: `0.95`, `1e+06`, `1.5e-07`, `+Inf`.
std::string goFloat(double f);

// strconv.Quote: `"a\"b"`.
std::string goQuote(std::string_view s);

// fmt `%#U` of a character: `U+0040 '@'`.
std::string goRune(char32_t r);

enum class ParseStatus { kOk, kSyntax, kRange };

// strconv.ParseFloat(s, 64): decimal or hexadecimal (with a p exponent) numbers, `inf`,
// `infinity`, `nan` in any case. On kRange *out is ±Inf (overflow).
ParseStatus parseGoFloat(std::string_view s, double* out);
// strconv.ParseInt(s, 10, 64).
ParseStatus parseGoInt(std::string_view s, std::int64_t* out);
// The message of the *strconv.NumError: `strconv.ParseFloat: parsing "x": invalid syntax`.
std::string numError(std::string_view function, std::string_view input, ParseStatus status);

// Go's int64(f) on amd64: truncation; NaN and out-of-range values give math.MinInt64.
std::int64_t goFloatToInt(double f);

}  // namespace rolloutlab::core::go
