#pragma once
/// The one number formatter of rolloutlab: std::to_chars, so the text never depends on the
/// process's locale (printf's `%g` writes "0,5" once a GUI or a caller has set LC_NUMERIC to
/// de_DE) and costs no snprintf. Go's `%v` of a float64 (Go semantics, "+Inf") stays in
/// go/format.h as the single Go formatter.

#include <string>

namespace rolloutlab::core {

/// The shortest text that reads back as exactly `v`: "0.1", "1e+22", "-0"; "nan" (whatever its
/// sign), "inf", "-inf".
std::string formatNumber(double v);

/// printf's "%.*f" in the C locale: `precision` digits after the point (0 to 100), correctly
/// rounded; "nan", "-nan", "inf", "-inf" as printf spells them.
std::string formatFixed(double v, int precision);

/// printf's "%.*g" in the C locale: `significantDigits` significant digits (0 counts as 1, at
/// most 100), trailing zeros removed, the exponent form when the exponent is < -4 or >= the
/// precision; "nan", "-nan", "inf", "-inf" as printf spells them. formatGeneral(v, 6) is "%g".
std::string formatGeneral(double v, int significantDigits = 6);

}  // namespace rolloutlab::core
