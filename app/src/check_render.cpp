// The CI renderings of a CheckReport: JUnit XML, SARIF 2.1.0, Markdown and GitHub workflow
// commands. Pure functions of the report document (docs/ci.md shows each output).
#include "rolloutlab/app/check_render.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#include "rolloutlab/io/json_util.h"

namespace rolloutlab::app {
namespace {

using nlohmann::json;

// ---- Reading the report defensively: a missing or mistyped field is "unknown", never a throw.

const json& kNull() {
  static const json j;
  return j;
}
const json& field(const json& j, const char* key) {
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end()) return *it;
  }
  return kNull();
}
std::string text(const json& j, const char* key) {
  const json& v = field(j, key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return {};
}
bool hasNumber(const json& j, const char* key) { return field(j, key).is_number(); }
double number(const json& j, const char* key) {
  const json& v = field(j, key);
  return v.is_number() ? v.get<double>() : std::nan("");
}
long long integer(const json& j, const char* key) {
  const json& v = field(j, key);
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && std::fabs(d) < 9e15) return static_cast<long long>(d);
  }
  return 0;
}
const json& list(const json& j, const char* key) {
  static const json kEmpty = json::array();
  const json& v = field(j, key);
  return v.is_array() ? v : kEmpty;
}

// ---- UTF-8: every output is valid UTF-8; an invalid sequence becomes U+FFFD.

constexpr char32_t kReplacement = 0xFFFD;

template <typename F>
void forEachCodePoint(std::string_view s, F&& f) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      f(static_cast<char32_t>(b0));
      ++i;
      continue;
    }
    int len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4, cp = b0 & 0x07, min = 0x10000;
    }
    bool ok = len > 0 && i + static_cast<std::size_t>(len) <= n;
    for (int k = 1; ok && k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((b & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (b & 0x3F);
    }
    if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (!ok) {  // one U+FFFD per invalid lead byte; continuation bytes are skipped with it
      f(kReplacement);
      ++i;
      while (i < n && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
      continue;
    }
    f(cp);
    i += static_cast<std::size_t>(len);
  }
}

void appendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// ---- Numbers: locale-independent (to_chars), readable rather than round-trip.

// Three significant digits (0.0123, 41.5, 600), whole numbers from 1000 up, an exponent only
// below 1e-4.
std::string num(double v) {
  if (!std::isfinite(v)) return "unknown";
  char b[64];
  double a = std::fabs(v);
  std::to_chars_result r{};
  if (a >= 1000) {
    r = std::to_chars(b, b + sizeof b, std::round(v), std::chars_format::fixed, 0);
  } else if (a == 0 || a >= 1e-4) {
    r = std::to_chars(b, b + sizeof b, v, std::chars_format::general, 3);
  } else {
    r = std::to_chars(b, b + sizeof b, v, std::chars_format::scientific, 1);
  }
  return std::string(b, r.ptr);
}
// Two decimals (0.99), the scenario tables' precision.
std::string fixed2(double v) {
  if (!std::isfinite(v)) return "unknown";
  char b[64];
  auto r = std::to_chars(b, b + sizeof b, v, std::chars_format::fixed, 2);
  return std::string(b, r.ptr);
}

bool estimateKnown(const json& e) { return hasNumber(e, "value"); }

// "0.08 [0.06, 0.1]"; "unknown (no runs)" without a value.
std::string estimate(const json& e, std::string (*fmt)(double) = num) {
  if (!estimateKnown(e)) return "unknown (no runs)";
  std::string s = fmt(number(e, "value"));
  if (hasNumber(e, "lo") && hasNumber(e, "hi")) {
    s += " [" + fmt(number(e, "lo")) + ", " + fmt(number(e, "hi")) + "]";
  }
  return s;
}

// ---- The report's vocabulary.

// "Canary test/podinfo" ("Canary podinfo" without a namespace).
std::string specLabel(const json& spec) {
  std::string ns = text(spec, "namespace");
  std::string kind = text(spec, "kind");
  std::string name = text(spec, "name");
  return (kind.empty() ? "spec" : kind) + " " + (ns.empty() ? name : ns + "/" + name);
}

// "falseRollbackRate" or "escapeRate on bad-slow-leak".
// How a renderer escapes the report's strings (names, paths) inside its own prose.
using Escape = std::string (*)(std::string_view);
std::string plain(std::string_view s) { return std::string(s); }

std::string subject(const json& c, Escape esc = plain) {
  std::string s = esc(text(c, "measure"));
  std::string scenario = text(c, "scenario");
  if (!scenario.empty()) s += " on " + esc(scenario);
  return s;
}

// What a constraint's verdict means, in one sentence without a final period.
std::string finding(const json& c, Escape esc = plain) {
  const json& e = field(c, "estimate");
  std::string verdict = text(c, "verdict");
  std::string max = num(number(c, "max"));
  std::string rule = text(c, "rule");
  std::string tail = rule.empty() ? "" : " (rule " + esc(rule) + ")";
  if (!estimateKnown(e)) {
    return subject(c, esc) + " is unknown (no runs): it cannot be judged against the limit " + max +
           tail;
  }
  std::string s = subject(c, esc) + " = " + estimate(e);
  if (verdict == "violated") {
    return s + ", above the limit " + max + ": the whole 95% interval exceeds it" + tail;
  }
  if (verdict == "undecided") {
    return s + ": the 95% interval straddles the limit " + max + "; more runs would decide" + tail;
  }
  return s + ", within the limit " + max + tail;
}

// The manifest location a reviewer should change: the blame, else the spec's document.
struct Location {
  std::string file;
  long long line = 0;
  long long column = 0;
  std::string field;  // empty without a blame
};
Location blameOf(const json& spec, const json& c) {
  const json& b = field(c, "blame");
  Location l;
  if (b.is_object() && !text(b, "file").empty()) {
    l.file = text(b, "file");
    l.line = integer(b, "line");
    l.column = integer(b, "column");
    l.field = text(b, "field");
  } else {
    l.file = text(spec, "file");
    l.line = integer(spec, "line");
  }
  return l;
}
std::string where(const std::string& file, long long line, long long column = 0) {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  if (line > 0 && column > 0) s += ":" + std::to_string(column);
  return s;
}
std::string changeHint(const Location& l, Escape esc = plain) {
  if (l.field.empty()) return "see " + esc(where(l.file, l.line, l.column));
  return "change " + esc(l.field) + " at " + esc(where(l.file, l.line, l.column));
}

// A report error's message without the "file:line: " it may already start with (the location
// is rendered beside it).
std::string errorMessage(const json& e) {
  std::string m = text(e, "message");
  for (const std::string& prefix :
       {where(text(e, "file"), integer(e, "line")) + ": ", text(e, "file") + ": "}) {
    if (prefix.size() > 2 && m.compare(0, prefix.size(), prefix) == 0)
      return m.substr(prefix.size());
  }
  return m;
}

std::vector<const json*> constraintsWith(const json& spec, const char* verdict) {
  std::vector<const json*> out;
  for (const json& c : list(spec, "constraints")) {
    if (text(c, "verdict") == verdict) out.push_back(&c);
  }
  return out;
}

struct Measure {
  const char* id;
  const char* shortText;
  const char* fullText;
  const char* help;
};
// The tune vocabulary (tune/constraints.h, tune::Measure) and what a reviewer can do about each.
constexpr Measure kMeasures[] = {
    {"falseRollbackRate", "Good releases are rolled back too often",
     "The share of good releases the spec's analysis rolls back (rolled back / runs over the "
     "suite's good-release scenarios), with its 95% Wilson score interval. The policy constraint "
     "is violated when the whole interval lies above its maximum.",
     "The checks are too strict or too noisy for the traffic. Tolerate more failed checks "
     "(Flagger spec.analysis.threshold, Argo failureLimit), relax the metric thresholds, or "
     "lengthen the interval so that each check sees more requests. With a TuningSpace in the "
     "repository, `rolloutlab check` reports the nearest passing candidate."},
    {"escapeRate", "Bad releases are promoted too often",
     "The share of bad releases the spec's analysis promotes (promoted / runs over the suite's "
     "bad-release scenarios), with its 95% Wilson score interval. The policy constraint is "
     "violated when the whole interval lies above its maximum.",
     "The checks miss the regressions in the scenario suite. Tighten the metric thresholds, "
     "tolerate fewer failed checks, or analyse for longer before full promotion (more steps or "
     "iterations, a longer interval)."},
    {"meanExcessErrors", "Bad releases serve too many errors before they are stopped",
     "The mean number of errors a bad release serves above the baseline's error rate before "
     "rollback or promotion, with a normal 95% interval. The policy constraint is violated when "
     "the whole interval lies above its maximum.",
     "Expose less traffic to an unproven canary or stop it sooner: smaller step weights, a "
     "shorter interval, fewer failed checks tolerated."},
    {"meanTimeToPromotion", "Good releases take too long to promote",
     "The mean time in seconds from the start of the rollout to the promotion of a good "
     "release, with a normal 95% interval. The policy constraint is violated when the whole "
     "interval lies above its maximum.",
     "Shorten the rollout: larger step weights or fewer steps, a shorter interval or pauses, "
     "fewer iterations."},
};
constexpr const char* kInputRule = "inputError";

// ---- JUnit XML.

// Attribute values and text: &, <, >, " escaped; tab, newline and carriage return as
// character references in attributes (attribute-value normalisation would turn them into
// spaces) and CR in text; characters XML 1.0 forbids (other C0 controls, U+FFFE, U+FFFF)
// become U+FFFD.
std::string xml(std::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size());
  forEachCodePoint(s, [&](char32_t cp) {
    switch (cp) {
      case '&':
        out += "&amp;";
        return;
      case '<':
        out += "&lt;";
        return;
      case '>':
        out += "&gt;";
        return;
      case '"':
        out += attribute ? "&quot;" : "\"";
        return;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        return;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        return;
      case '\r':
        out += "&#13;";
        return;
      default:
        break;
    }
    if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF) cp = kReplacement;
    appendUtf8(out, cp);
  });
  return out;
}
std::string attr(const char* name, const std::string& value) {
  return std::string(" ") + name + "=\"" + xml(value, true) + "\"";
}

std::string scenarioLines(const json& spec) {
  std::string s;
  for (const json& row : list(spec, "scenarios")) {
    bool bad = field(row, "bad").is_boolean() && field(row, "bad").get<bool>();
    s += "  " + text(row, "name") +
         (bad ? " (bad release): escaped " : " (good release): promoted ") +
         estimate(field(row, "promoted"), fixed2) + ", rolled back " +
         estimate(field(row, "rolledBack"), fixed2) + ", " + std::to_string(integer(row, "runs")) +
         " runs\n";
  }
  return s.empty() ? s : "Scenarios:\n" + s;
}

std::string suggestionLines(const json& spec) {
  const json& sg = field(spec, "suggestion");
  if (!sg.is_object()) return {};
  std::string s = "What to change (nearest passing candidate of " + text(sg, "space") +
                  ", candidate verdict " + text(sg, "verdict") + "):\n";
  for (const json& ch : list(sg, "changes")) {
    std::string path = text(ch, "path").empty() ? text(ch, "field") : text(ch, "path");
    s += "  " + path + ": " + text(ch, "from") + " -> " + text(ch, "to") + " at " +
         where(text(ch, "file"), integer(ch, "line")) + "\n";
  }
  return s;
}

}  // namespace

std::string renderCheckJUnit(const json& report) {
  const json& specs = list(report, "specs");
  const json& errors = list(report, "errors");
  long long failures = 0;
  for (const json& spec : specs) failures += text(spec, "verdict") != "pass";

  std::string o = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  o += "  <testsuite" + attr("name", "rolloutlab check") + attr("package", "rolloutlab") +
       attr("id", "0") + attr("timestamp", "1970-01-01T00:00:00") + attr("hostname", "localhost") +
       attr("tests", std::to_string(specs.size() + errors.size())) +
       attr("failures", std::to_string(failures)) + attr("errors", std::to_string(errors.size())) +
       attr("skipped", "0") + attr("time", "0") + ">\n";
  o += "    <properties>\n";
  auto property = [&o](const char* name, const std::string& value) {
    if (!value.empty()) o += "      <property" + attr("name", name) + attr("value", value) + "/>\n";
  };
  const json& policy = field(report, "policy");
  const json& runs = field(report, "runs");
  const json& changed = field(report, "changedSince");
  property("verdict", text(report, "verdict"));
  property("repo", text(report, "repo"));
  property("policy", text(policy, "name"));
  property("policyFile", text(policy, "file"));
  property("seed", text(report, "seed"));
  property("runs.initial", text(runs, "initial"));
  property("runs.max", text(runs, "max"));
  property("changedSince.ref", text(changed, "ref"));
  property("changedSince.commit", text(changed, "commit"));
  property("version", text(report, "version"));
  o += "    </properties>\n";

  for (const json& spec : specs) {
    std::string verdict = text(spec, "verdict");
    std::string ns = text(spec, "namespace");
    o += "    <testcase" + attr("classname", text(spec, "kind") + (ns.empty() ? "" : "/" + ns)) +
         attr("name", text(spec, "name")) + attr("file", text(spec, "file")) + attr("time", "0");
    if (verdict == "pass") {
      o += "/>\n";
      continue;
    }
    auto violated = constraintsWith(spec, "violated");
    auto undecided = constraintsWith(spec, "undecided");
    std::string message;
    std::string type;
    if (verdict == "fail") {
      type = "violated";
      message = std::to_string(violated.size()) +
                (violated.size() == 1 ? " constraint violated" : " constraints violated");
      for (const json* c : violated) message += "; " + finding(*c);
    } else if (verdict == "undecided") {
      type = "undecided";
      message = std::to_string(undecided.size()) +
                (undecided.size() == 1 ? " constraint" : " constraints") + " undecided after " +
                std::to_string(integer(spec, "runs")) + " runs (undecided does not pass)";
      for (const json* c : undecided) message += "; " + finding(*c);
    } else {
      type = verdict.empty() ? "unknown" : verdict;
      message = "verdict " + (verdict.empty() ? std::string("unknown") : verdict);
    }
    std::string body = specLabel(spec) + " (" + where(text(spec, "file"), integer(spec, "line")) +
                       "): " + verdict + " after " + std::to_string(integer(spec, "runs")) +
                       " runs\n";
    for (const json& c : list(spec, "constraints")) {
      std::string v = text(c, "verdict");
      body += v + ": " + finding(c);
      if (v != "met") body += "; " + changeHint(blameOf(spec, c));
      body += "\n";
    }
    body += scenarioLines(spec) + suggestionLines(spec);
    o += ">\n      <failure" + attr("message", message) + attr("type", type) + ">" +
         xml(body, false) + "</failure>\n    </testcase>\n";
  }
  for (const json& e : errors) {
    std::string loc = where(text(e, "file"), integer(e, "line"));
    o += "    <testcase" + attr("classname", "bad-input") + attr("name", loc) +
         attr("file", text(e, "file")) + attr("time", "0") + ">\n      <error" +
         attr("message", errorMessage(e)) + attr("type", "bad input") + ">" +
         xml(loc + ": " + errorMessage(e) + "\n", false) + "</error>\n    </testcase>\n";
  }
  o += "    <system-out/>\n    <system-err/>\n  </testsuite>\n</testsuites>\n";
  return o;
}

// ---- SARIF 2.1.0.

namespace {

// A URI reference for a repository-relative path: unreserved characters and '/' as they are,
// every other byte percent-encoded (so a ':' in the first segment cannot read as a scheme).
std::string uriPath(const std::string& path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// FNV-1a, 64 bits: a fingerprint that depends only on its input bytes.
std::string fingerprint(const std::vector<std::string>& parts) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::string& p : parts) {
    for (char ch : p) {
      h ^= static_cast<unsigned char>(ch);
      h *= 0x100000001b3ULL;
    }
    h ^= 0xFF;  // a separator no UTF-8 text contains
    h *= 0x100000001b3ULL;
  }
  static const char* kHex = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) s[static_cast<std::size_t>(i)] = kHex[h & 0xF];
  return s;
}

io::Json sarifLocation(const std::string& file, long long line, long long column) {
  io::Json phys = io::Json::object();
  phys["artifactLocation"] = {{"uri", uriPath(file)}, {"uriBaseId", "%SRCROOT%"}};
  if (line > 0) {
    io::Json region = {{"startLine", line}};
    if (column > 0) region["startColumn"] = column;
    phys["region"] = region;
  }
  return io::Json{{"physicalLocation", phys}};
}

io::Json sarifEstimate(const json& e) {
  io::Json o = io::Json::object();
  for (const char* k : {"value", "lo", "hi"}) {
    o[k] = hasNumber(e, k) ? io::jnum(number(e, k)) : io::Json(nullptr);
  }
  o["n"] = integer(e, "n");
  return o;
}

}  // namespace

std::string renderCheckSarif(const json& report) {
  io::Json rules = io::Json::array();
  for (const Measure& m : kMeasures) {
    rules.push_back({{"id", m.id},
                     {"name", m.id},
                     {"shortDescription", {{"text", m.shortText}}},
                     {"fullDescription", {{"text", m.fullText}}},
                     {"help", {{"text", m.help}}},
                     {"defaultConfiguration", {{"level", "error"}}}});
  }
  rules.push_back({{"id", kInputRule},
                   {"name", kInputRule},
                   {"shortDescription", {{"text", "A spec could not be checked"}}},
                   {"fullDescription",
                    {{"text",
                      "The manifest could not be decoded or compiled into a simulation, so no "
                      "verdict was reached for it (`rolloutlab check` exits with code 2)."}}},
                   {"help",
                    {{"text",
                      "Fix the field the message names; `rolloutlab validate` on the file reports "
                      "the same error."}}},
                   {"defaultConfiguration", {{"level", "error"}}}});
  auto ruleIndex = [](const std::string& id) -> long long {
    long long i = 0;
    for (const Measure& m : kMeasures) {
      if (id == m.id) return i;
      ++i;
    }
    return -1;
  };

  io::Json results = io::Json::array();
  for (const json& spec : list(report, "specs")) {
    for (const json& c : list(spec, "constraints")) {
      std::string verdict = text(c, "verdict");
      if (verdict != "violated" && verdict != "undecided") continue;
      Location l = blameOf(spec, c);
      std::string measure = text(c, "measure");
      std::string msg = specLabel(spec) + ": " + finding(c) + ".";
      if (!l.field.empty()) msg += " Change " + l.field + ".";
      io::Json r = io::Json::object();
      r["ruleId"] = measure;
      if (long long i = ruleIndex(measure); i >= 0) r["ruleIndex"] = i;
      r["level"] = verdict == "violated" ? "error" : "warning";
      r["message"] = {{"text", msg}};
      r["locations"] = io::Json::array({sarifLocation(l.file, l.line, l.column)});
      r["partialFingerprints"] = {
          {"rolloutlabFinding/v1",
           fingerprint({text(spec, "kind"), text(spec, "namespace"), text(spec, "name"),
                        text(c, "rule"), measure, text(c, "scenario"), l.field})}};
      io::Json props = io::Json::object();
      props["spec"] = specLabel(spec);
      props["rule"] = text(c, "rule");
      props["max"] = hasNumber(c, "max") ? io::jnum(number(c, "max")) : io::Json(nullptr);
      props["estimate"] = sarifEstimate(field(c, "estimate"));
      if (!text(c, "scenario").empty()) props["scenario"] = text(c, "scenario");
      r["properties"] = props;
      results.push_back(r);
    }
  }
  for (const json& e : list(report, "errors")) {
    io::Json r = io::Json::object();
    r["ruleId"] = kInputRule;
    r["ruleIndex"] = static_cast<long long>(std::size(kMeasures));
    r["level"] = "error";
    r["message"] = {{"text", errorMessage(e)}};
    r["locations"] = io::Json::array({sarifLocation(text(e, "file"), integer(e, "line"), 0)});
    r["partialFingerprints"] = {
        {"rolloutlabFinding/v1", fingerprint({kInputRule, text(e, "file"), errorMessage(e)})}};
    results.push_back(r);
  }

  io::Json driver = io::Json::object();
  driver["name"] = "rolloutlab";
  std::string version = text(report, "version");
  if (!version.empty()) driver["version"] = version;
  driver["rules"] = rules;
  io::Json run = io::Json::object();
  run["tool"] = {{"driver", driver}};
  run["results"] = results;
  io::Json props = io::Json::object();
  props["verdict"] = text(report, "verdict");
  props["seed"] = field(report, "seed").is_number() ? io::Json::parse(field(report, "seed").dump())
                                                    : io::Json(nullptr);
  props["policy"] = text(field(report, "policy"), "name");
  run["properties"] = props;
  io::Json doc = io::Json::object();
  doc["$schema"] =
      "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
  doc["version"] = "2.1.0";
  doc["runs"] = io::Json::array({run});
  return io::dumpJson(doc);
}

// ---- GitHub workflow commands.

namespace {

// Data (the message): %, CR, LF encoded; properties also ':' and ','
// (actions/toolkit packages/core/src/command.ts, escapeData / escapeProperty).
std::string ghEscape(std::string_view s, bool property) {
  std::string out;
  forEachCodePoint(s, [&](char32_t cp) {
    switch (cp) {
      case '%':
        out += "%25";
        return;
      case '\r':
        out += "%0D";
        return;
      case '\n':
        out += "%0A";
        return;
      case ':':
        out += property ? "%3A" : ":";
        return;
      case ',':
        out += property ? "%2C" : ",";
        return;
      default:  // other control characters would garble the log line
        appendUtf8(out, (cp < 0x20 && cp != '\t') || cp == 0x7F ? kReplacement : cp);
    }
  });
  return out;
}

std::string ghCommand(const char* level, const std::string& file, long long line, long long col,
                      const std::string& title, const std::string& message) {
  std::string s = std::string("::") + level;
  std::vector<std::string> props;
  if (!file.empty()) props.push_back("file=" + ghEscape(file, true));
  if (line > 0) props.push_back("line=" + std::to_string(line));
  if (line > 0 && col > 0) props.push_back("col=" + std::to_string(col));
  props.push_back("title=" + ghEscape(title, true));
  for (std::size_t i = 0; i < props.size(); ++i) s += (i == 0 ? " " : ",") + props[i];
  return s + "::" + ghEscape(message, false) + "\n";
}

}  // namespace

std::string renderCheckGithub(const json& report) {
  std::string o;
  for (const json& spec : list(report, "specs")) {
    for (const json& c : list(spec, "constraints")) {
      std::string verdict = text(c, "verdict");
      if (verdict != "violated" && verdict != "undecided") continue;
      Location l = blameOf(spec, c);
      std::string msg = finding(c) + ".";
      if (!l.field.empty()) msg += " Change " + l.field + ".";
      o += ghCommand(verdict == "violated" ? "error" : "warning", l.file, l.line, l.column,
                     specLabel(spec) + ": " + subject(c) + " " + verdict, msg);
    }
    const json& sg = field(spec, "suggestion");
    if (!sg.is_object()) continue;
    for (const json& ch : list(sg, "changes")) {
      std::string path = text(ch, "path").empty() ? text(ch, "field") : text(ch, "path");
      o += ghCommand("notice", text(ch, "file"), integer(ch, "line"), 0,
                     specLabel(spec) + ": suggested change",
                     "Set " + path + " from " + text(ch, "from") + " to " + text(ch, "to") +
                         ": the nearest passing candidate of " + text(sg, "space") +
                         " (candidate verdict " + text(sg, "verdict") + ").");
    }
  }
  for (const json& e : list(report, "errors")) {
    o += ghCommand("error", text(e, "file"), integer(e, "line"), 0, "rolloutlab check: bad input",
                   errorMessage(e));
  }
  return o;
}

// ---- Markdown.

namespace {

// Inline text: Markdown and HTML specials backslash-escaped (CommonMark escapes any ASCII
// punctuation), line breaks and tabs as spaces, C0 controls as U+FFFD.
std::string md(std::string_view s) {
  std::string out;
  forEachCodePoint(s, [&](char32_t cp) {
    if (cp == '\r' || cp == '\n' || cp == '\t') {
      out += ' ';
      return;
    }
    if (cp < 0x20 || cp == 0x7F) cp = kReplacement;
    switch (cp) {
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '<':
      case '>':
      case '|':
      case '#':
      case '!':
      case '~':
      case '&':
      case '$':
        out += '\\';
        break;
      default:
        break;
    }
    appendUtf8(out, cp);
  });
  return out;
}

const char* icon(const std::string& verdict) {
  if (verdict == "pass" || verdict == "met") return "✅";
  if (verdict == "fail" || verdict == "violated") return "❌";
  return "❔";
}

std::string mdHeader(const json& report) {
  const json& counts = field(report, "counts");
  const json& errors = list(report, "errors");
  std::string verdict = text(report, "verdict");
  // Any input that could not be checked makes the run bad input (exit 2), whatever the
  // verdict of the specs that were checked.
  std::string v = md(verdict.empty() ? "unknown" : verdict);
  std::string s = "## ";
  if (errors.empty()) {
    s += std::string(icon(verdict)) + " rolloutlab check: " + v;
  } else {
    s += "❌ rolloutlab check: " + std::to_string(errors.size()) +
         (errors.size() == 1 ? " input" : " inputs") +
         " could not be checked; the checked specs: " + v;
  }
  long long nspecs = integer(counts, "specs");
  s += "\n\n**" + std::to_string(nspecs) + (nspecs == 1 ? " spec" : " specs") +
       "**: " + std::to_string(integer(counts, "passed")) + " passed, " +
       std::to_string(integer(counts, "failed")) + " failed, " +
       std::to_string(integer(counts, "undecided")) + " undecided (undecided does not pass)";
  const json& policy = field(report, "policy");
  std::string pfile = text(policy, "file");
  s += " · policy " + md(text(policy, "name")) + " (" + (pfile.empty() ? "built in" : md(pfile)) +
       ")";
  s += " · seed " + md(text(report, "seed"));
  const json& runs = field(report, "runs");
  if (hasNumber(runs, "initial")) {
    s += " · " + text(runs, "initial") + " to " + text(runs, "max") + " runs per scenario";
  }
  s += "\n";
  if (const json& partial = field(report, "partial"); partial.is_boolean() && partial.get<bool>()) {
    s += "\n**Interrupted**: only the specs below were checked; the others have no verdict.\n";
  }
  const json& changed = field(report, "changedSince");
  if (changed.is_object()) {
    std::string commit = text(changed, "commit").substr(0, 12);
    std::size_t files = list(changed, "files").size();
    s += "\nOnly specs changed since " + md(text(changed, "ref")) +
         (commit.empty() ? "" : " (" + md(commit) + ")") + ": " + std::to_string(files) +
         (files == 1 ? " file" : " files") + ".\n";
  }
  if (nspecs == 0 && list(report, "specs").empty()) s += "\nNo specs were checked.\n";
  return s;
}

// The errors listed in the summary; the rest are counted.
constexpr std::size_t kMarkdownErrors = 50;

std::string mdErrors(const json& report) {
  const json& errors = list(report, "errors");
  if (errors.empty()) return {};
  std::string s = "\n### ❌ Inputs that could not be checked\n\n";
  std::size_t shown = 0;
  for (const json& e : errors) {
    if (shown++ == kMarkdownErrors) break;
    s += "- " + md(where(text(e, "file"), integer(e, "line"))) + ": " + md(errorMessage(e)) + "\n";
  }
  if (errors.size() > kMarkdownErrors) {
    s += "- and " + std::to_string(errors.size() - kMarkdownErrors) +
         " more (the JUnit, SARIF or JSON report lists every one)\n";
  }
  return s;
}

std::string mdSpecLine(const json& spec) {
  return "- " + std::string(icon(text(spec, "verdict"))) + " " + md(specLabel(spec)) + ": " +
         md(text(spec, "verdict")) + " (" + md(where(text(spec, "file"), integer(spec, "line"))) +
         ", " + std::to_string(integer(spec, "runs")) + " runs)\n";
}

std::string mdSpec(const json& spec) {
  std::string verdict = text(spec, "verdict");
  std::string s = std::string("\n### ") + icon(verdict) + " " + md(specLabel(spec)) + ": " +
                  md(verdict) + "\n\n";
  s += md(where(text(spec, "file"), integer(spec, "line"))) + " · " +
       std::to_string(integer(spec, "runs")) + " runs";
  std::string rules;
  for (const json& r : list(spec, "rules")) {
    if (r.is_string()) rules += (rules.empty() ? "" : ", ") + md(r.get<std::string>());
  }
  if (!rules.empty()) s += " · rules: " + rules;
  s += "\n";
  const json& rows = list(spec, "scenarios");
  if (!rows.empty()) {
    s += "\n| Scenario | Release | Promoted (escapes if bad) | Rolled back | Runs |\n"
         "|---|---|---|---|---:|\n";
    for (const json& row : rows) {
      bool bad = field(row, "bad").is_boolean() && field(row, "bad").get<bool>();
      s += "| " + md(text(row, "name")) + " | " + (bad ? "bad" : "good") + " | " +
           estimate(field(row, "promoted"), fixed2) + " | " +
           estimate(field(row, "rolledBack"), fixed2) + " | " +
           std::to_string(integer(row, "runs")) + " |\n";
    }
  }
  const json& constraints = list(spec, "constraints");
  if (!constraints.empty()) {
    s += "\n";
    for (const json& c : constraints) {
      std::string v = text(c, "verdict");
      s += std::string("- ") + icon(v) + " " + md(v) + ": " + finding(c, md);
      if (v != "met") s += "; " + changeHint(blameOf(spec, c), md);
      s += "\n";
    }
  }
  const json& sg = field(spec, "suggestion");
  if (sg.is_object()) {
    s += "\n**What to change**: the nearest passing candidate of " + md(text(sg, "space")) +
         " (candidate verdict " + md(text(sg, "verdict")) + ")\n\n" +
         "| Field | From | To | Where |\n|---|---|---|---|\n";
    for (const json& ch : list(sg, "changes")) {
      std::string path = text(ch, "path").empty() ? text(ch, "field") : text(ch, "path");
      s += "| " + md(path) + " | " + md(text(ch, "from")) + " | " + md(text(ch, "to")) + " | " +
           md(where(text(ch, "file"), integer(ch, "line"))) + " |\n";
    }
    const json& chars = field(sg, "characteristics");
    std::string with;
    for (const Measure& m : kMeasures) {
      const json& e = field(chars, m.id);
      if (e.is_object())
        with += (with.empty() ? "" : " · ") + std::string(m.id) + " " + estimate(e);
    }
    if (!with.empty()) s += "\nWith it: " + with + "\n";
  }
  return s;
}

// Cuts `s` to at most `n` bytes at a code point boundary.
std::string cutUtf8(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace

std::string renderCheckMarkdown(const json& report, std::size_t limit) {
  const json& specs = list(report, "specs");
  std::string head = mdHeader(report) + mdErrors(report);
  std::vector<std::string> full;
  std::size_t total = head.size();
  for (const json& spec : specs) {
    full.push_back(mdSpec(spec));
    total += full.back().size();
  }
  if (total <= limit) {
    std::string o = head;
    for (const std::string& s : full) o += s;
    return o;
  }
  // Too long for a comment: passing specs become one line each (under one heading), then the
  // last sections go.
  std::vector<std::string> parts;
  std::string passing;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (text(specs[i], "verdict") == "pass") {
      passing += mdSpecLine(specs[i]);
    } else {
      parts.push_back(full[i]);
    }
  }
  if (!passing.empty()) parts.insert(parts.begin(), "\n### ✅ Passing specs\n\n" + passing);
  std::string o = head;
  std::size_t shown = 0;
  const std::string kNote =
      "\n*%s left out: this summary is capped at " + std::to_string(limit) +
      " bytes to fit a pull-request comment; the JUnit, SARIF or JSON report of the same run "
      "has every spec.*\n";
  std::size_t reserve = kNote.size() + 24;
  for (; shown < parts.size(); ++shown) {
    if (o.size() + parts[shown].size() + (shown + 1 < parts.size() ? reserve : 0) > limit) break;
    o += parts[shown];
  }
  if (shown < parts.size()) {
    // Count the specs left out: a part is one non-passing spec, or the passing list.
    std::size_t left = 0;
    for (std::size_t i = shown; i < parts.size(); ++i) {
      left += (i == 0 && !passing.empty())
                  ? static_cast<std::size_t>(std::count(passing.begin(), passing.end(), '\n'))
                  : 1;
    }
    std::string what = std::to_string(left) + (left == 1 ? " spec" : " specs");
    std::string note = kNote;
    note.replace(note.find("%s"), 2, what);
    if (o.size() + note.size() > limit)
      o = cutUtf8(o, limit > note.size() ? limit - note.size() : 0);
    o += note;
  }
  return cutUtf8(o, limit);
}

}  // namespace rolloutlab::app
