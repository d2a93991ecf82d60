#include "rolloutlab/io/decode.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <regex>
#include <set>

#include "rolloutlab/core/flagger/spec.h"
#include "rolloutlab/core/go/duration.h"

namespace rolloutlab::io {

using core::Diagnostic;
using core::Severity;

namespace {

// The scalar patterns below are matched by hand: std::regex recurses once per character and
// overflows the stack on a long scalar (a 200 000-digit number).
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool isOctal(char c) { return c >= '0' && c <= '7'; }

/// Index of the first character from `i` on that is neither `pred` nor '_'.
template <typename Pred>
std::size_t skipUnderscored(const std::string& s, std::size_t i, Pred pred) {
  while (i < s.size() && (pred(s[i]) || s[i] == '_')) ++i;
  return i;
}

std::size_t signEnd(const std::string& s) {
  return !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
}

bool isIntText(const std::string& s) {
  // YAML 1.1 ints as go-yaml v2 resolves them: [-+]?(0|[1-9][0-9_]*|0x[0-9a-fA-F_]+|0o?[0-7_]+)
  const std::size_t i = signEnd(s);
  const std::size_t n = s.size();
  if (i >= n) return false;
  if (s[i] == '0' && i + 1 == n) return true;
  if (s[i] >= '1' && s[i] <= '9') return skipUnderscored(s, i + 1, isDigit) == n;
  if (s[i] != '0') return false;
  if (s[i + 1] == 'x') return i + 2 < n && skipUnderscored(s, i + 2, isHex) == n;
  const std::size_t j = s[i + 1] == 'o' ? i + 2 : i + 1;
  return j < n && skipUnderscored(s, j, isOctal) == n;
}

bool isFloatText(const std::string& s) {
  // YAML 1.1 floats as go-yaml v2 resolves them:
  //   [-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?  |  [-+]?[0-9][0-9_]*([eE][-+]?[0-9]+)
  //   [-+]?\.(inf|Inf|INF)  |  \.(nan|NaN|NAN)
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return true;
  const std::size_t i = signEnd(s);
  const std::size_t n = s.size();
  const std::string rest = s.substr(i);
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF") return true;
  auto digitsEnd = [&](std::size_t k) {
    while (k < n && isDigit(s[k])) ++k;
    return k;
  };
  std::size_t j = i < n && isDigit(s[i]) ? skipUnderscored(s, i + 1, isDigit) : i;
  if (j < n && s[j] == '.') {  // first form: the exponent, if any, has a sign
    ++j;
    while (j < n && (isDigit(s[j]) || s[j] == '.')) ++j;
    if (j == n) return true;
    if (s[j] != 'e' && s[j] != 'E') return false;
    if (j + 1 >= n || (s[j + 1] != '-' && s[j + 1] != '+')) return false;
    const std::size_t e = digitsEnd(j + 2);
    return e > j + 2 && e == n;
  }
  // second form: digits, then a mandatory exponent whose sign is optional
  if (j == i || j >= n || (s[j] != 'e' && s[j] != 'E')) return false;
  std::size_t k = j + 1;
  if (k < n && (s[k] == '-' || s[k] == '+')) ++k;
  const std::size_t e = digitsEnd(k);
  return e > k && e == n;
}

bool isBoolText(const std::string& s) {
  static const std::set<std::string> b = {
      "y",    "Y",    "yes",   "Yes",   "YES",   "n",  "N",  "no", "No",  "NO",  "true",
      "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"};
  return b.count(s) > 0;
}

bool boolValue(const std::string& s) {
  static const std::set<std::string> t = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                          "True", "TRUE", "on",  "On",  "ON"};
  return t.count(s) > 0;
}

// A value for a message: valid UTF-8 as written, any other byte (and control characters) as
// \xNN, quoted, at most 80 characters.
std::string shownBytes(const std::string& s) {
  std::string out;
  std::size_t i = 0;
  auto hex = [&](unsigned char c) {
    static const char* digits = "0123456789abcdef";
    out += "\\x";
    out += digits[c >> 4];
    out += digits[c & 0xf];
  };
  while (i < s.size() && out.size() < 80) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xe  ? 3
                      : (c >> 3) == 0x1e ? 4
                                         : 0;
    bool valid = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; valid && k < len; ++k)
      valid = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (valid && len == 1 && (c < 0x20 || c == 0x7f)) valid = false;
    if (!valid) {
      hex(c);
      ++i;
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out.append(s, i, len);
    i += len;
  }
  if (i < s.size()) out += "...";
  return "\"" + out + "\"";
}

}  // namespace

ScalarKind scalarKind(const YAML::Node& n) {
  if (!n || n.IsNull()) return ScalarKind::kNull;
  if (!n.IsScalar()) return ScalarKind::kString;
  if (n.Tag() == "!") return ScalarKind::kString;  // quoted
  const std::string& s = n.Scalar();
  if (n.Tag() == "tag:yaml.org,2002:str") return ScalarKind::kString;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return ScalarKind::kNull;
  if (isBoolText(s)) return ScalarKind::kBool;
  // go-yaml v2 resolve() only types a plain scalar as a number when strconv parses it once
  // the underscores are dropped ("0x_" matches the int pattern but stays a string): checking
  // the parse here means no reader ever falls back to 0 for a "number" it cannot read.
  if (isIntText(s) && parseNumber(s)) return ScalarKind::kInt;
  if (isFloatText(s) && parseNumber(s)) return ScalarKind::kFloat;
  return ScalarKind::kString;
}

const char* typeName(const YAML::Node& n) {
  if (!n || n.IsNull()) return "null";
  if (n.IsMap()) return "object";
  if (n.IsSequence()) return "array";
  switch (scalarKind(n)) {
    case ScalarKind::kNull:
      return "null";
    case ScalarKind::kBool:
      return "boolean";
    case ScalarKind::kInt:
      return "integer";
    case ScalarKind::kFloat:
      return "number";
    case ScalarKind::kString:
      return "string";
  }
  return "?";
}

std::optional<double> parseNumber(const std::string& raw) {
  std::string s;
  s.reserve(raw.size());
  for (char c : raw)
    if (c != '_') s.push_back(c);
  if (s.empty()) return std::nullopt;
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF") {
    return std::numeric_limits<double>::infinity();
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -std::numeric_limits<double>::infinity();
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  const char* b = s.data();
  const char* e = s.data() + s.size();
  bool neg = false;
  if (*b == '+' || *b == '-') {
    neg = *b == '-';
    ++b;
  }
  if (e - b > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X')) {
    long long v = 0;
    auto r = std::from_chars(b + 2, e, v, 16);
    if (r.ec != std::errc() || r.ptr != e) return std::nullopt;
    return neg ? -static_cast<double>(v) : static_cast<double>(v);
  }
  if (e - b > 2 && b[0] == '0' && b[1] == 'o') {
    long long v = 0;
    auto r = std::from_chars(b + 2, e, v, 8);
    if (r.ec != std::errc() || r.ptr != e) return std::nullopt;
    return neg ? -static_cast<double>(v) : static_cast<double>(v);
  }
  double v = 0;
  auto r = std::from_chars(b, e, v);
  if (r.ec != std::errc() || r.ptr != e) return std::nullopt;
  return neg ? -v : v;
}

std::optional<long long> atoiText(const std::string& s) {
  // strconv.Atoi: base 10, an optional sign, no underscores, no spaces.
  if (s.empty()) return std::nullopt;
  const char* b = s.data() + (s[0] == '+' ? 1 : 0);
  const char* e = s.data() + s.size();
  if (b == e || *b == '+') return std::nullopt;
  long long v = 0;
  const auto r = std::from_chars(b, e, v);
  if (r.ec != std::errc() || r.ptr != e) return std::nullopt;
  return v;
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t bestD = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    std::vector<std::size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (std::size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= c.size(); ++j) {
        const std::size_t sub =
            prev[j - 1] + (std::tolower(static_cast<unsigned char>(word[i - 1])) !=
                           std::tolower(static_cast<unsigned char>(c[j - 1])));
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      }
      std::swap(prev, cur);
    }
    if (prev[c.size()] < bestD) {
      bestD = prev[c.size()];
      best = c;
    }
  }
  // Close enough to be a misspelling: at most a third of the word's letters differ.
  if (bestD <= std::max<std::size_t>(2, word.size() / 3)) return best;
  return {};
}

int Decoder::line(const YAML::Node& n) const {
  if (n && n.Mark().line >= 0) return n.Mark().line + 1;
  return doc_.line;
}

void Decoder::error(const YAML::Node& at, const std::string& path, const std::string& value,
                    const std::string& rule) {
  diags_.add(Diagnostic{Severity::kError, doc_.file, line(at), 0, path, value, rule});
}

void Decoder::warning(const YAML::Node& at, const std::string& path, const std::string& value,
                      const std::string& rule) {
  diags_.add(Diagnostic{Severity::kWarning, doc_.file, line(at), 0, path, value, rule});
}

std::string Decoder::shown(const YAML::Node& n) {
  if (!n) return {};
  if (n.IsScalar()) {
    return scalarKind(n) == ScalarKind::kString ? core::quoted(n.Scalar()) : n.Scalar();
  }
  if (n.IsMap()) return "{...}";
  if (n.IsSequence()) return "[...]";
  return "null";
}

YAML::Node Decoder::child(const YAML::Node& map, const char* key) {
  if (!map || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::optional<std::string> Decoder::str(const YAML::Node& map, const char* key,
                                        const std::string& path) {
  const YAML::Node n = child(map, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar() || scalarKind(n) != ScalarKind::kString) {
    error(n, path, shown(n), std::string("must be a string, not ") + typeName(n));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<long long> Decoder::integer(const YAML::Node& map, const char* key,
                                          const std::string& path) {
  const YAML::Node n = child(map, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar() || scalarKind(n) != ScalarKind::kInt) {
    error(n, path, shown(n), std::string("must be an integer, not ") + typeName(n));
    return std::nullopt;
  }
  const auto v = parseNumber(n.Scalar());
  if (!v || std::fabs(*v) > 9.0e15) {
    error(n, path, shown(n), "integer out of range");
    return std::nullopt;
  }
  return static_cast<long long>(*v);
}

std::optional<long long> Decoder::goInt(const YAML::Node& map, const char* key,
                                        const std::string& path) {
  const YAML::Node n = child(map, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  const auto k = n.IsScalar() ? scalarKind(n) : ScalarKind::kString;
  if (k != ScalarKind::kInt && k != ScalarKind::kFloat) {
    error(n, path, shown(n), std::string("must be a number, not ") + typeName(n));
    return std::nullopt;
  }
  const auto v = parseNumber(n.Scalar());
  if (!v || !std::isfinite(*v) || *v != std::floor(*v)) {
    error(n, path, shown(n), "must be a whole number (the controller decodes it into an int)");
    return std::nullopt;
  }
  if (std::fabs(*v) > 2147483647.0) {
    error(n, path, shown(n), "out of range for an int");
    return std::nullopt;
  }
  return static_cast<long long>(*v);
}

std::optional<double> Decoder::number(const YAML::Node& map, const char* key,
                                      const std::string& path) {
  const YAML::Node n = child(map, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  const auto k = n.IsScalar() ? scalarKind(n) : ScalarKind::kString;
  if (k != ScalarKind::kInt && k != ScalarKind::kFloat) {
    error(n, path, shown(n), std::string("must be a number, not ") + typeName(n));
    return std::nullopt;
  }
  const auto v = parseNumber(n.Scalar());
  if (!v) {
    error(n, path, shown(n), "must be a number");
    return std::nullopt;
  }
  if (!std::isfinite(*v)) {
    error(n, path, shown(n), "must be a finite number (JSON has no NaN or Inf)");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Decoder::boolean(const YAML::Node& map, const char* key,
                                     const std::string& path) {
  const YAML::Node n = child(map, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar() || scalarKind(n) != ScalarKind::kBool) {
    error(n, path, shown(n), std::string("must be a boolean, not ") + typeName(n));
    return std::nullopt;
  }
  return boolValue(n.Scalar());
}

std::optional<std::string> Decoder::objectName(const YAML::Node& md) {
  if (!require(md, "name", "metadata.name")) return std::nullopt;
  auto name = str(md, "name", "metadata.name");
  if (!name) return std::nullopt;
  // k8s.io/apimachinery pkg/api/validation NameIsDNSSubdomain -> validation.IsDNS1123Subdomain,
  // which apiextensions-apiserver (customresource/validator.go) applies to every custom
  // resource: Canary, MetricTemplate, Rollout, AnalysisTemplate, ClusterAnalysisTemplate.
  static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  const std::string& s = *name;
  const YAML::Node n = child(md, "name");
  if (s.size() > 253) {
    error(n, "metadata.name", shownBytes(s),
          "must be no more than 253 characters (the API server refuses the object)");
  } else if (!std::regex_match(s, re)) {
    error(n, "metadata.name", shownBytes(s),
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
          "'-' or '.', and must start and end with an alphanumeric character (the API server "
          "refuses the object)");
  }
  return name;
}

std::optional<IntOrStringValue> Decoder::intOrString(const YAML::Node& map, const char* key,
                                                     const std::string& path,
                                                     IntOrStringText text) {
  const YAML::Node n = child(map, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  const auto k = n.IsScalar() ? scalarKind(n) : ScalarKind::kString;
  if (n.IsScalar() && k == ScalarKind::kInt) {
    // intstr.IntOrString holds an int32 (k8s.io/apimachinery/pkg/util/intstr, UnmarshalJSON):
    // a larger number does not decode, so the API server refuses the object. Read past that
    // bound it was narrowed to the controller's int32 with the wrong value (or UB, as a pause).
    const auto v = parseNumber(n.Scalar());
    if (!v || *v > 2147483647.0 || *v < -2147483648.0) {
      error(n, path, shown(n),
            "out of range for an int-or-string's int32 (the API server refuses the object)");
      return std::nullopt;
    }
    return IntOrStringValue{true, static_cast<long long>(*v), {}};
  }
  if (!n.IsScalar() || k != ScalarKind::kString) {
    error(n, path, shown(n), std::string("must be an integer or a string, not ") + typeName(n));
    return std::nullopt;
  }
  const std::string& s = n.Scalar();
  switch (text) {
    case IntOrStringText::kAny:
      break;
    case IntOrStringText::kInteger:
      // IntOrString.IntValue is strconv.Atoi with the error dropped: any other word reads 0.
      // A "{{args.x}}" placeholder is resolved before the controller reads it.
      if (!atoiText(s) && s.find("{{") == std::string::npos) {
        error(n, path, shown(n), "must be an integer");
        return std::nullopt;
      }
      break;
    case IntOrStringText::kIntegerOrPercent: {
      // intstr.GetScaledValueFromIntOrPercent: a string must be "<integer>%".
      const bool percent = s.size() > 1 && s.back() == '%' && atoiText(s.substr(0, s.size() - 1));
      if (!percent && !atoiText(s)) {
        error(n, path, shown(n), "must be an integer or a percentage (e.g. 25%)");
        return std::nullopt;
      }
      break;
    }
  }
  return IntOrStringValue{false, 0, s};
}

std::optional<double> Decoder::durationValue(const YAML::Node& n, const std::string& path) {
  if (n.IsScalar()) {
    const auto k = scalarKind(n);
    if (k == ScalarKind::kInt || k == ScalarKind::kFloat) {
      // Seconds within Go's time.Duration, like a duration string (parseGoDuration bounds
      // those): what reads this casts it to int64 seconds and milliseconds.
      if (auto v = parseNumber(n.Scalar()); v && *v >= 0 && *v <= core::go::kMaxDurationSeconds) {
        return *v;
      }
    } else if (k == ScalarKind::kString) {
      if (auto v = core::flagger::parseGoDuration(n.Scalar()); v && *v >= 0) return *v;
    }
  }
  error(n, path, shown(n),
        "must be a duration (e.g. 30s, 1h30m) or seconds >= 0, at most 2562047h (Go's "
        "time.Duration)");
  return std::nullopt;
}

std::optional<double> Decoder::duration(const YAML::Node& map, const char* key,
                                        const std::string& path) {
  const YAML::Node n = child(map, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  return durationValue(n, path);
}

YAML::Node Decoder::object(const YAML::Node& map, const char* key, const std::string& path) {
  const YAML::Node n = child(map, key);
  if (!n.IsDefined() || n.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  if (!n.IsMap()) {
    error(n, path, shown(n), std::string("must be an object, not ") + typeName(n));
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return n;
}

YAML::Node Decoder::array(const YAML::Node& map, const char* key, const std::string& path) {
  const YAML::Node n = child(map, key);
  if (!n.IsDefined() || n.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  if (!n.IsSequence()) {
    error(n, path, shown(n), std::string("must be an array, not ") + typeName(n));
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return n;
}

bool Decoder::expectMap(const YAML::Node& n, const std::string& path) {
  if (n && n.IsMap()) return true;
  error(n, path, shown(n), std::string("must be an object, not ") + typeName(n));
  return false;
}

void Decoder::checkDuplicates(const YAML::Node& map, const std::string& path) {
  if (!map || !map.IsMap()) return;
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string& k = it->first.Scalar();
    if (!seen.insert(k).second) {
      error(it->first, pathJoin(path, k), "",
            "duplicate field: the key is already defined in this mapping");
    }
  }
}

void Decoder::checkFields(const YAML::Node& map, const std::string& path,
                          std::initializer_list<const char*> known, Severity severity,
                          const std::string& unknownRule) {
  if (!map || !map.IsMap()) return;
  checkDuplicates(map, path);
  std::vector<std::string> names(known.begin(), known.end());
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
    if (std::find(names.begin(), names.end(), k) != names.end()) continue;
    const std::string near = nearest(k, names);
    std::string rule = "unknown field";
    if (!near.empty()) rule += " (did you mean \"" + near + "\"?)";
    if (!unknownRule.empty()) rule += "; " + unknownRule;
    diags_.add(Diagnostic{severity, doc_.file, line(it->first), 0, pathJoin(path, k), "", rule});
  }
}

bool Decoder::require(const YAML::Node& map, const char* key, const std::string& path) {
  const YAML::Node n = child(map, key);
  if (n.IsDefined() && !n.IsNull()) return true;
  error(map, path, "", "required field is missing");
  return false;
}

}  // namespace rolloutlab::io
