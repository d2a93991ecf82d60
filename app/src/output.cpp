#include "rolloutlab/app/output.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>

#include "rolloutlab/core/version.h"

namespace rolloutlab::app {

namespace {

using Json = io::Json;

// Words some YAML reader (1.1 or 1.2) resolves to something other than a string.
bool reservedWord(const std::string& s) {
  std::string l;
  for (char c : s) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const char* kWords[] = {"true", "false", "yes",  "no",  "on", "off",
                                 "y",    "n",     "null", "nan", "inf"};
  for (const char* w : kWords) {
    if (l == w) return true;
  }
  return false;
}

// A string that every reader reads back plain: a letter or '_' or '/' first, then letters,
// digits and `_ . / - ( ) % +` or single inner spaces; no ':', '#', quotes or flow indicators.
bool plainSafe(const std::string& s) {
  if (s.empty() || reservedWord(s)) return false;
  const unsigned char f = static_cast<unsigned char>(s.front());
  if (!(std::isalpha(f) || f == '_' || f == '/')) return false;
  if (s.back() == ' ') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isalnum(c) || c == '_' || c == '.' || c == '/' || c == '-' || c == '(' || c == ')' ||
        c == '%' || c == '+')
      continue;
    if (c == ' ' && i + 1 < s.size() && s[i + 1] != ' ') continue;
    return false;
  }
  return true;
}

// A double-quoted YAML string: JSON's escapes are YAML's; DEL and C1 controls, which YAML does
// not allow raw, are escaped too.
std::string quoted(const std::string& s) {
  const std::string j = Json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(j[i]);
    if (c == 0x7f) {
      out += "\\x7f";
    } else if (c == 0xc2 && i + 1 < j.size() && static_cast<unsigned char>(j[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(j[i + 1]) <= 0x9f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", static_cast<unsigned char>(j[i + 1]));
      out += b;
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string scalar(const Json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return plainSafe(s) ? s : quoted(s);
  }
  std::string t = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (v.is_number_float()) {
    // YAML 1.1 readers see a float only with a '.' in the mantissa: 1e-05 -> 1.0e-05.
    const auto e = t.find_first_of("eE");
    if (e != std::string::npos && t.find('.') == std::string::npos) t.insert(e, ".0");
  }
  return t;
}

bool isScalar(const Json& v) { return !v.is_object() && !v.is_array(); }

// Arrays of scalars (or of such arrays) are written in flow style: `[1, 2]`, `[[0, 3], [5, 1]]`.
bool flowable(const Json& v) {
  if (isScalar(v)) return true;
  if (!v.is_array()) return v.empty();
  for (const auto& e : v) {
    if (!flowable(e) || e.is_object()) return false;
  }
  return true;
}

std::string flow(const Json& v) {
  if (v.is_object()) return "{}";
  if (!v.is_array()) return scalar(v);
  std::string s = "[";
  bool first = true;
  for (const auto& e : v) {
    s += (first ? "" : ", ") + flow(e);
    first = false;
  }
  return s + "]";
}

void write(std::string& out, const Json& v, int indent);

// A value after `key:` or `- `: inline when flowable, else on the next lines.
void writeMember(std::string& out, const Json& v, int indent) {
  if (flowable(v) || v.empty()) {
    out += " " + flow(v) + "\n";
    return;
  }
  out += "\n";
  write(out, v, indent);
}

void write(std::string& out, const Json& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      out += pad + scalar(Json(it.key())) + ":";
      writeMember(out, it.value(), indent + 2);
    }
    return;
  }
  if (v.is_array()) {
    for (const auto& e : v) {
      if (e.is_object() && !e.empty()) {
        // `- key: value` with the item's other keys aligned under the first.
        std::string item;
        write(item, e, indent + 2);
        out += pad + "- " + item.substr(static_cast<std::size_t>(indent) + 2);
      } else {
        out += pad + "-";
        writeMember(out, e, indent + 2);
      }
    }
    return;
  }
  out += pad + scalar(v) + "\n";
}

// Index just past the decimal digits of s from i.
std::size_t skipDigits(const std::string& s, std::size_t i) {
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i;
}

std::size_t skipSign(const std::string& s) {
  return !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
}

// The YAML 1.2 core schema's patterns, matched by hand: std::regex recurses once per character
// and overflows the stack on a long scalar (100 000 digits).
bool isYamlInt(const std::string& s) {  // [-+]?[0-9]+
  const std::size_t b = skipSign(s);
  const std::size_t e = skipDigits(s, b);
  return e > b && e == s.size();
}

bool isYamlFloat(const std::string& s) {  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  std::size_t i = skipSign(s);
  if (i < s.size() && s[i] == '.') {
    const std::size_t e = skipDigits(s, i + 1);
    if (e == i + 1) return false;
    i = e;
  } else {
    const std::size_t e = skipDigits(s, i);
    if (e == i) return false;
    i = e;
    if (i < s.size() && s[i] == '.') i = skipDigits(s, i + 1);
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    const std::size_t e = skipDigits(s, i);
    if (e == i) return false;
    i = e;
  }
  return i == s.size();
}

bool isOneOf(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words) {
    if (s == w) return true;
  }
  return false;
}

// YAML 1.2 core schema resolution of a plain scalar.
Json resolvePlain(const std::string& s) {
  if (isOneOf(s, {"~", "null", "Null", "NULL", ""})) return Json(nullptr);
  if (isOneOf(s, {"true", "True", "TRUE"})) return Json(true);
  if (isOneOf(s, {"false", "False", "FALSE"})) return Json(false);
  if (isYamlInt(s)) {
    const char* b = s.data() + (s[0] == '+' ? 1 : 0);
    const char* e = s.data() + s.size();
    if (s[0] != '-') {
      std::uint64_t u = 0;
      if (std::from_chars(b, e, u).ec == std::errc()) return Json(u);
    } else {
      std::int64_t i = 0;
      if (std::from_chars(b, e, i).ec == std::errc()) return Json(i);
    }
  }
  if (isYamlFloat(s)) {  // an integer too large for 64 bits included
    double d = 0;
    const char* b = s.data() + (s[0] == '+' ? 1 : 0);
    std::from_chars(b, s.data() + s.size(), d);
    return Json(d);
  }
  if (isOneOf(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"}))
    return Json(s[0] == '-' ? -std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::infinity());
  if (isOneOf(s, {".nan", ".NaN", ".NAN"})) return Json(std::numeric_limits<double>::quiet_NaN());
  return Json(s);
}

}  // namespace

Json document(const std::string& kind, const Json& body) {
  Json j;
  j["apiVersion"] = kApiVersion;
  j["kind"] = kind;
  j["version"] = core::version();
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() == "apiVersion" || it.key() == "kind" || it.key() == "version") continue;
    j[it.key()] = it.value();
  }
  return j;
}

std::string toYaml(const Json& j) {
  if (flowable(j) || j.empty()) return flow(j) + "\n";
  std::string out;
  write(out, j, 0);
  return out;
}

std::string render(const Json& doc, const std::string& format) {
  return format == "yaml" ? toYaml(doc) : io::dumpJson(doc);
}

Json yamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      Json j = Json::object();
      for (auto it = node.begin(); it != node.end(); ++it)
        j[it->first.Scalar()] = yamlToJson(it->second);
      return j;
    }
    case YAML::NodeType::Sequence: {
      Json j = Json::array();
      for (const auto& e : node) j.push_back(yamlToJson(e));
      return j;
    }
    case YAML::NodeType::Scalar:
      // yaml-cpp tags a quoted scalar "!", a plain one "?".
      return node.Tag() == "?" ? resolvePlain(node.Scalar()) : Json(node.Scalar());
    default:
      return Json(nullptr);
  }
}

}  // namespace rolloutlab::app
