#include "rolloutlab/io/yaml_sync.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/decode.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::io {

namespace {

bool isNullish(const YAML::Node& n) { return !n || !n.IsDefined() || n.IsNull(); }

bool boolValue(const std::string& s) {
  std::string l = s;
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return l == "true" || l == "yes" || l == "on" || l == "y";
}

std::string doubleQuoted(const std::string& v) {
  std::string o = "\"";
  for (char c : v) {
    switch (c) {
      case '"':
        o += "\\\"";
        break;
      case '\\':
        o += "\\\\";
        break;
      case '\n':
        o += "\\n";
        break;
      case '\t':
        o += "\\t";
        break;
      case '\r':
        o += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char b[8];
          std::snprintf(b, sizeof b, "\\x%02x", static_cast<unsigned char>(c));
          o += b;
        } else {
          o += c;
        }
    }
  }
  return o + "\"";
}

/// True when `v` written plain reads back as the same string (not a number, bool or null, and
/// no character that YAML would read as structure).
bool plainString(const std::string& v, bool flow) {
  if (v.empty() || v.front() == ' ' || v.back() == ' ' || v.back() == ':') return false;
  for (char c : v) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    if (flow && std::string(",[]{}").find(c) != std::string::npos) return false;
  }
  if (std::string("#,[]{}&*!|>'\"%@`").find(v.front()) != std::string::npos) return false;
  if (std::string("-?:").find(v.front()) != std::string::npos && (v.size() == 1 || v[1] == ' '))
    return false;
  if (v.find(": ") != std::string::npos || v.find(" #") != std::string::npos) return false;
  try {
    const YAML::Node back = loadYaml(v);
    return back.IsScalar() && back.Scalar() == v && scalarKind(back) == ScalarKind::kString &&
           !boolValue(v) && v != "n" && v != "N" && v != "no" && v != "No" && v != "NO" &&
           v != "off" && v != "Off" && v != "OFF";
  } catch (const YAML::Exception&) {
    return false;
  }
}

/// A scalar of `desired` as YAML text; `style` is the first character of the scalar it
/// replaces ('"', '\'' or 0 for plain or none).
std::string scalarText(const YAML::Node& d, char style, bool flow) {
  if (isNullish(d)) return "null";
  const ScalarKind k = scalarKind(d);
  const std::string& v = d.Scalar();
  if (k != ScalarKind::kString) return v;  // numbers, booleans as the edited file wrote them
  if (style == '\'' && v.find_first_of("\n\r\t") == std::string::npos) {
    std::string o = "'";
    for (char c : v) o += c == '\'' ? std::string("''") : std::string(1, c);
    return o + "'";
  }
  if (style == '"' || !plainString(v, flow)) return doubleQuoted(v);
  return v;
}

std::string flowText(const YAML::Node& n, bool flow) {
  if (isNullish(n)) return "null";
  if (n.IsScalar()) return scalarText(n, 0, flow);
  std::string o;
  if (n.IsSequence()) {
    o = "[";
    for (std::size_t i = 0; i < n.size(); ++i) o += (i ? ", " : "") + flowText(n[i], true);
    return o + "]";
  }
  o = "{";
  bool first = true;
  for (auto it = n.begin(); it != n.end(); ++it) {
    o += (first ? "" : ", ") + flowText(it->first, true) + ": " + flowText(it->second, true);
    first = false;
  }
  return o + "}";
}

/// `key: value` for one-key mappings in a block sequence (`- setWeight: 20`), else flow text.
std::string itemText(const YAML::Node& n) {
  if (n.IsMap() && n.size() == 1) {
    const auto it = n.begin();
    return flowText(it->first, true) + ": " + flowText(it->second, true);
  }
  return flowText(n, true);
}

std::string identity(const YAML::Node& n) {
  if (n.IsMap()) {
    const YAML::Node name = n["name"];
    if (name && name.IsScalar()) return "name=" + name.Scalar();
  }
  return "value=" + flowText(n, true);
}

/// Matched (i in a, j in b) pairs, monotone, from the longest common subsequence of identities
/// with the unmatched items of each gap paired in order.
std::vector<std::pair<std::size_t, std::size_t>> matchItems(const std::vector<std::string>& a,
                                                            const std::vector<std::string>& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> L(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      L[i][j] = a[i] == b[j] ? L[i + 1][j + 1] + 1 : std::max(L[i + 1][j], L[i][j + 1]);
  std::vector<std::pair<std::size_t, std::size_t>> lcs;
  for (std::size_t i = 0, j = 0; i < n && j < m;) {
    if (a[i] == b[j]) {
      lcs.emplace_back(i++, j++);
    } else if (L[i + 1][j] >= L[i][j + 1]) {
      ++i;
    } else {
      ++j;
    }
  }
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t pi = 0, pj = 0;
  lcs.emplace_back(n, m);  // sentinel
  for (const auto& [i, j] : lcs) {
    for (std::size_t k = 0; pi + k < i && pj + k < j; ++k) out.emplace_back(pi + k, pj + k);
    if (i < n) out.emplace_back(i, j);
    pi = i + 1;
    pj = j + 1;
  }
  return out;
}

struct Syncer {
  std::string original;  // the text the O nodes were read from
  std::string text;      // the text being edited
  int doc = 0;
  std::vector<YamlChange> changes;

  char styleAt(const YAML::Node& o) const {
    const auto pos = static_cast<std::size_t>(std::max(0, o.Mark().pos));
    if (pos >= original.size()) return 0;
    const char c = original[pos];
    return c == '"' || c == '\'' || c == '|' || c == '>' ? c : 0;
  }

  void record(YamlChange::Op op, const YamlPath& path, const std::string& before,
              const std::string& after) {
    changes.push_back({op, yamlPathString(path), before, after});
  }

  /// Whether `path` lies inside a flow collection of the current text.
  bool inFlow(const YamlPath& path) const {
    YAML::Node n = loadYamlAll(text).at(static_cast<std::size_t>(doc));
    for (const auto& e : path) {
      if (!n.IsScalar() && !n.IsNull() && n.Style() == YAML::EmitterStyle::Flow) return true;
      if (n.IsMap()) {
        n = n[e];
      } else if (n.IsSequence()) {
        n = n[std::stoul(e)];
      } else {
        return false;
      }
      if (!n) return false;
    }
    return false;
  }

  /// Replaces a block scalar (`|` or `>`) at `path` by a literal block holding `value`.
  void replaceBlockScalar(const YamlPath& path, const YAML::Node& o, const std::string& value) {
    // Locate it in the current text (positions moved since `original` was read).
    YAML::Node n = loadYamlAll(text).at(static_cast<std::size_t>(doc));
    for (const auto& e : path) n = n.IsSequence() ? n[std::stoul(e)] : n[e];
    std::size_t start = static_cast<std::size_t>(n.Mark().pos);
    while (start < text.size() && text[start] != '|' && text[start] != '>') ++start;
    std::size_t ls = start;
    while (ls > 0 && text[ls - 1] != '\n') --ls;
    std::size_t parentIndent = 0;
    while (ls + parentIndent < text.size() && text[ls + parentIndent] == ' ') ++parentIndent;
    // The block's lines: blank lines or lines indented deeper than the line of the indicator.
    std::size_t headerEnd = text.find('\n', start);
    if (headerEnd == std::string::npos) headerEnd = text.size();
    std::size_t end = headerEnd, p = headerEnd, contentIndent = 0;
    while (p < text.size()) {
      const std::size_t lineStart = p + 1;
      if (lineStart > text.size()) break;
      std::size_t e = text.find('\n', lineStart);
      if (e == std::string::npos) e = text.size();
      std::size_t ind = 0;
      while (lineStart + ind < e && text[lineStart + ind] == ' ') ++ind;
      const bool blank =
          lineStart + ind == e || (text[lineStart + ind] == '\r' && lineStart + ind + 1 == e);
      if (!blank && ind <= parentIndent) break;
      if (!blank) {
        if (contentIndent == 0) contentIndent = ind;
        end = e;
      }
      p = e;
      if (e >= text.size()) break;
    }
    if (end > 0 && text[end - 1] == '\r') --end;
    if (contentIndent == 0) contentIndent = parentIndent + 2;
    const std::string nl = text.find("\r\n") != std::string::npos ? "\r\n" : "\n";
    std::string body = value;
    std::string chomp = "-";
    if (!body.empty() && body.back() == '\n') {
      body.pop_back();
      chomp = (!body.empty() && body.back() == '\n') ? "+" : "";
      if (chomp == "+") body.pop_back();
    }
    std::string out = "|" + chomp;
    std::size_t from = 0;
    while (from <= body.size()) {
      std::size_t e = body.find('\n', from);
      if (e == std::string::npos) e = body.size();
      const std::string line = body.substr(from, e - from);
      out += nl + (line.empty() ? "" : std::string(contentIndent, ' ') + line);
      from = e + 1;
    }
    text = text.substr(0, start) + out + text.substr(end);
    record(YamlChange::Op::kSet, path, flowText(o, true), flowText(YAML::Node(value), true));
  }

  void setValue(const YamlPath& path, const YAML::Node& o, const YAML::Node& d) {
    const char style = isNullish(o) || !o.IsScalar() ? 0 : styleAt(o);
    if ((style == '|' || style == '>') && d.IsScalar() && scalarKind(d) == ScalarKind::kString &&
        d.Scalar().find('\n') != std::string::npos) {
      replaceBlockScalar(path, o, d.Scalar());
      return;
    }
    const bool flow = inFlow(path);
    const std::string value = d.IsScalar() || isNullish(d)
                                  ? scalarText(d, style == '|' || style == '>' ? 0 : style, flow)
                                  : flowText(d, flow);
    if (style == '|' || style == '>') {
      // A block scalar becomes one line: the patcher replaces a block value via its key.
      replaceBlockScalarByLine(path, value);
    } else {
      text = patchYamlFlow(text, doc, path, value);
    }
    record(YamlChange::Op::kSet, path, isNullish(o) ? "null" : flowText(o, true), value);
  }

  void replaceBlockScalarByLine(const YamlPath& path, const std::string& value) {
    // Write a one-line literal block first (so that the span is a literal), then the value.
    replaceBlockScalar(path, YAML::Node(), "x");
    changes.pop_back();
    YAML::Node n = loadYamlAll(text).at(static_cast<std::size_t>(doc));
    for (const auto& e : path) n = n.IsSequence() ? n[std::stoul(e)] : n[e];
    std::size_t start = static_cast<std::size_t>(n.Mark().pos);
    while (start < text.size() && text[start] != '|') ++start;
    std::size_t end = text.find('\n', start);
    end = text.find('\n', end + 1);
    if (end == std::string::npos) end = text.size();
    if (end > 0 && text[end - 1] == '\r') --end;
    text = text.substr(0, start) + value + text.substr(end);
  }

  void syncMap(const YamlPath& path, const YAML::Node& o, const YAML::Node& d,
               const std::vector<std::string>& ignore) {
    std::set<std::string> seen;
    for (auto it = d.begin(); it != d.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string key = it->first.Scalar();
      seen.insert(key);
      if (std::find(ignore.begin(), ignore.end(), key) != ignore.end()) continue;
      YamlPath p = path;
      p.push_back(key);
      std::optional<YAML::Node> ov;
      for (auto jt = o.begin(); jt != o.end(); ++jt) {
        if (jt->first.IsScalar() && jt->first.Scalar() == key) ov.emplace(jt->second);
      }
      if (!ov) {
        const std::string value = flowText(it->second, inFlow(path));
        text = patchYamlFlow(text, doc, p, value);
        record(YamlChange::Op::kAdd, p, "", value);
      } else {
        sync(p, *ov, it->second);
      }
    }
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string key = it->first.Scalar();
      if (seen.count(key) || std::find(ignore.begin(), ignore.end(), key) != ignore.end()) continue;
      YamlPath p = path;
      p.push_back(key);
      text = removeYamlKey(text, doc, p);
      record(YamlChange::Op::kRemove, p, flowText(it->second, true), "");
    }
  }

  void syncSequence(const YamlPath& path, const YAML::Node& o, const YAML::Node& d) {
    std::vector<std::string> a, b;
    for (std::size_t i = 0; i < o.size(); ++i) a.push_back(identity(o[i]));
    for (std::size_t j = 0; j < d.size(); ++j) b.push_back(identity(d[j]));
    const auto pairs = matchItems(a, b);
    std::vector<bool> keep(o.size(), false);
    std::vector<std::optional<std::size_t>> from(d.size());
    for (const auto& [i, j] : pairs) {
      keep[i] = true;
      from[j] = i;
    }
    for (std::size_t i = o.size(); i-- > 0;) {
      if (keep[i]) continue;
      YamlPath p = path;
      p.push_back(std::to_string(i));
      text = removeYamlSequenceItem(text, doc, path, i);
      record(YamlChange::Op::kRemove, p, flowText(o[i], true), "");
    }
    for (std::size_t j = 0; j < d.size(); ++j) {
      YamlPath p = path;
      p.push_back(std::to_string(j));
      if (from[j]) {
        sync(p, o[*from[j]], d[j]);
      } else {
        const std::string item =
            d[j].IsMap() && d[j].size() == 1 ? itemText(d[j]) : flowText(d[j], true);
        text = insertYamlSequenceItem(text, doc, path, j, item);
        record(YamlChange::Op::kAdd, p, "", flowText(d[j], true));
      }
    }
  }

  void sync(const YamlPath& path, const YAML::Node& o, const YAML::Node& d,
            const std::vector<std::string>& ignore = {}) {
    if (yamlEqual(o, d)) return;
    if (!isNullish(o) && !isNullish(d) && o.IsMap() && d.IsMap())
      return syncMap(path, o, d, ignore);
    if (!isNullish(o) && !isNullish(d) && o.IsSequence() && d.IsSequence())
      return syncSequence(path, o, d);
    if (path.empty()) {
      throw core::InputError({core::Severity::kError, "", o.Mark().line + 1, 0, "", "",
                              "the document's root is not a mapping"});
    }
    setValue(path, o, d);
  }
};

}  // namespace

bool yamlEqual(const YAML::Node& a, const YAML::Node& b) {
  if (isNullish(a) || isNullish(b)) return isNullish(a) && isNullish(b);
  if (a.IsScalar() != b.IsScalar() || a.IsMap() != b.IsMap() || a.IsSequence() != b.IsSequence())
    return false;
  if (a.IsScalar()) {
    const ScalarKind ka = scalarKind(a), kb = scalarKind(b);
    if (ka != kb) return false;
    switch (ka) {
      case ScalarKind::kNull:
        return true;
      case ScalarKind::kBool:
        return boolValue(a.Scalar()) == boolValue(b.Scalar());
      case ScalarKind::kInt:
      case ScalarKind::kFloat: {
        const auto x = parseNumber(a.Scalar()), y = parseNumber(b.Scalar());
        if (x && y && *x != *x && *y != *y) return true;  // both NaN
        return x && y ? *x == *y : a.Scalar() == b.Scalar();
      }
      case ScalarKind::kString:
        return a.Scalar() == b.Scalar();
    }
    return false;
  }
  if (a.IsSequence()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!yamlEqual(a[i], b[i])) return false;
    return true;
  }
  std::size_t na = 0, nb = 0;
  for (auto it = a.begin(); it != a.end(); ++it) ++na;
  for (auto it = b.begin(); it != b.end(); ++it) ++nb;
  if (na != nb) return false;
  // Keys compare as their text (a flow collection as key, `{{x}}` in a Helm-ish template,
  // compares as its flow text).
  const auto keyText = [](const YAML::Node& k) {
    return k.IsScalar() ? k.Scalar() : "\x01" + flowText(k, true);
  };
  for (auto it = a.begin(); it != a.end(); ++it) {
    bool found = false;
    for (auto jt = b.begin(); jt != b.end(); ++jt) {
      if (keyText(jt->first) == keyText(it->first)) {
        if (!yamlEqual(it->second, jt->second)) return false;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

std::string yamlFlowText(const YAML::Node& n) { return flowText(n, true); }

YamlSyncResult syncYamlDocument(const std::string& text, int documentIndex,
                                const YAML::Node& desired,
                                const std::vector<std::string>& ignoreTopLevel) {
  std::vector<YAML::Node> docs;
  try {
    docs = loadYamlAll(text);
  } catch (const YAML::Exception& e) {
    throw core::InputError({core::Severity::kError, "", e.mark.line + 1, 0, "", "",
                            "the text is not valid YAML: " + e.msg});
  }
  if (documentIndex < 0 || static_cast<std::size_t>(documentIndex) >= docs.size()) {
    throw core::InputError({core::Severity::kError, "", 0, 0, "", "",
                            "there is no document " + std::to_string(documentIndex)});
  }
  const YAML::Node o = docs[static_cast<std::size_t>(documentIndex)];
  if (!o.IsMap() || !desired.IsMap()) {
    throw core::InputError({core::Severity::kError, "", o.Mark().line + 1, 0, "", "",
                            "the document's root is not a mapping"});
  }
  Syncer s{text, text, documentIndex, {}};
  s.sync({}, o, desired, ignoreTopLevel);
  return {s.text, s.changes};
}

}  // namespace rolloutlab::io
