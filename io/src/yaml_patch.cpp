#include "rolloutlab/io/yaml_patch.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::io {

namespace {

using Pos = std::size_t;

[[noreturn]] void fail(int line, const YamlPath& path, const std::string& rule) {
  throw core::InputError({core::Severity::kError, "", line, 0, yamlPathString(path), "", rule});
}

bool isIndex(const std::string& s) {
  return !s.empty() && s.size() < 10 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ---- text helpers ---------------------------------------------------------------------------

struct Text {
  const std::string& s;
  std::string nl;  // the file's line break

  explicit Text(const std::string& t)
      : s(t), nl(t.find("\r\n") != std::string::npos ? "\r\n" : "\n") {}

  Pos lineStart(Pos p) const {
    while (p > 0 && s[p - 1] != '\n') --p;
    return p;
  }
  /// Index of the '\n' ending the line of p (or the text's size); a '\r' before it is excluded.
  Pos lineEnd(Pos p) const {
    Pos e = s.find('\n', p);
    if (e == std::string::npos) e = s.size();
    if (e > p && s[e - 1] == '\r') --e;
    return e;
  }
  Pos nextLine(Pos p) const {
    const Pos e = s.find('\n', p);
    return e == std::string::npos ? s.size() : e + 1;
  }
  int indent(Pos ls) const {
    int n = 0;
    while (ls + n < s.size() && s[ls + n] == ' ') ++n;
    return n;
  }
  bool blankOrComment(Pos ls) const {
    const Pos e = lineEnd(ls);
    for (Pos i = ls; i < e; ++i) {
      if (s[i] == '#') return true;
      if (s[i] != ' ' && s[i] != '\t') return false;
    }
    return true;
  }
  bool docMarker(Pos ls) const {
    for (const char* m : {"---", "..."}) {
      if (s.compare(ls, 3, m) == 0 &&
          (ls + 3 >= s.size() || s[ls + 3] == ' ' || s[ls + 3] == '\n' || s[ls + 3] == '\r' ||
           s[ls + 3] == '\t')) {
        return true;
      }
    }
    return false;
  }
  bool dashItem(Pos ls, int col) const {
    const Pos p = ls + static_cast<Pos>(col);
    return p < s.size() && s[p] == '-' &&
           (p + 1 >= s.size() || s[p + 1] == ' ' || s[p + 1] == '\n' || s[p + 1] == '\r');
  }
  /// The end of the content of a block node that starts on the line of `start` and whose
  /// lines are indented deeper than `col` (or at `col` as `- ` items when `dashAtCol`): the end
  /// of its last non-blank, non-comment line (its trailing comment included).
  Pos blockEnd(Pos start, int col, bool dashAtCol) const {
    Pos end = lineEnd(start);
    for (Pos ls = nextLine(start); ls < s.size(); ls = nextLine(ls)) {
      if (docMarker(ls)) break;
      if (blankOrComment(ls)) continue;
      const int in = indent(ls);
      if (in > col || (in == col && dashAtCol && dashItem(ls, col))) {
        end = lineEnd(ls);
        continue;
      }
      break;
    }
    return end;
  }
  /// Position after the bracket that closes the flow collection opened at `open`.
  Pos flowEnd(Pos open) const {
    int depth = 0;
    for (Pos i = open; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '"') {
        for (++i; i < s.size() && s[i] != '"'; ++i) {
          if (s[i] == '\\') ++i;
        }
      } else if (c == '\'') {
        for (++i; i < s.size(); ++i) {
          if (s[i] == '\'') {
            if (i + 1 < s.size() && s[i + 1] == '\'') {
              ++i;
            } else {
              break;
            }
          }
        }
      } else if (c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '\n')) {
        i = lineEnd(i);
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        if (--depth == 0) return i + 1;
      }
    }
    return s.size();
  }
  /// Skips a tag (`!x`) or an anchor (`&a`) and the spaces after it.
  Pos skipProperties(Pos p) const {
    while (p < s.size() && (s[p] == '!' || s[p] == '&')) {
      while (p < s.size() && s[p] != ' ' && s[p] != '\t' && s[p] != '\n') ++p;
      while (p < s.size() && (s[p] == ' ' || s[p] == '\t')) ++p;
    }
    return p;
  }
  /// The end of the scalar token starting at p.
  Pos scalarEnd(Pos p, bool flow) const {
    if (p >= s.size()) return p;
    if (s[p] == '"') {
      for (Pos i = p + 1; i < s.size(); ++i) {
        if (s[i] == '\\') {
          ++i;
        } else if (s[i] == '"') {
          return i + 1;
        }
      }
      return s.size();
    }
    if (s[p] == '\'') {
      for (Pos i = p + 1; i < s.size(); ++i) {
        if (s[i] == '\'') {
          if (i + 1 < s.size() && s[i + 1] == '\'') {
            ++i;
          } else {
            return i + 1;
          }
        }
      }
      return s.size();
    }
    Pos i = p;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '\n' || c == '\r') break;
      if (c == '#' && i > p && (s[i - 1] == ' ' || s[i - 1] == '\t')) break;
      if (flow && (c == ',' || c == ']' || c == '}')) break;
      if (c == ':' && (i + 1 >= s.size() || s[i + 1] == ' ' || s[i + 1] == '\t' ||
                       s[i + 1] == '\n' || s[i + 1] == '\r' ||
                       (flow && std::string(",[]{}").find(s[i + 1]) != std::string::npos))) {
        break;
      }
    }
    while (i > p && (s[i - 1] == ' ' || s[i - 1] == '\t')) --i;
    return i;
  }
};

// ---- rendering ---------------------------------------------------------------------------------

bool plainSafe(const std::string& v, bool flow) {
  if (v.empty() || v.front() == ' ' || v.back() == ' ' || v.back() == ':') return false;
  for (char c : v) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    if (flow && std::string(",[]{}").find(c) != std::string::npos) return false;
  }
  if (std::string("#,[]{}&*!|>'\"%@`").find(v.front()) != std::string::npos) return false;
  if (std::string("-?:").find(v.front()) != std::string::npos && (v.size() == 1 || v[1] == ' '))
    return false;
  if (v.find(": ") != std::string::npos || v.find(" #") != std::string::npos) return false;
  return true;
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

/// `style` is the first character of the scalar being replaced ('"', '\'' or anything else
/// for plain).
std::string renderScalar(const std::string& v, char style, bool flow) {
  if (style == '\'' && v.find_first_of("\n\r\t") == std::string::npos) {
    std::string o = "'";
    for (char c : v) o += c == '\'' ? std::string("''") : std::string(1, c);
    return o + "'";
  }
  if (style == '"' || !plainSafe(v, flow)) return doubleQuoted(v);
  return v;
}

std::string flowSequence(const std::vector<std::string>& items, bool padded) {
  std::string o = padded && !items.empty() ? "[ " : "[";
  for (std::size_t i = 0; i < items.size(); ++i)
    o += (i ? ", " : "") + renderScalar(items[i], 0, true);
  return o + (padded && !items.empty() ? " ]" : "]");
}

// ---- resolving a path --------------------------------------------------------------------------

struct Level {
  YAML::Node node;
  YAML::Node key;  // the key node that led here (when hasKey)
  bool hasKey = false;
  bool flow = false;  // this node or an ancestor is a flow collection
};

struct Resolved {
  std::vector<Level> levels;  // levels[i] is reached by path[0..i); levels[0] is the root
  std::size_t found = 0;      // number of path elements that exist
  bool complete(const YamlPath& p) const { return found == p.size(); }
};

int lineOf(const YAML::Node& n) { return n.Mark().line + 1; }

Resolved resolve(const std::string& text, int documentIndex, const YamlPath& path) {
  std::vector<YAML::Node> docs;
  try {
    docs = loadYamlAll(text);
  } catch (const YAML::Exception& e) {
    fail(e.mark.line + 1, path, "the text is not valid YAML: " + e.msg);
  }
  if (documentIndex < 0 || static_cast<std::size_t>(documentIndex) >= docs.size()) {
    fail(0, path,
         "there is no document " + std::to_string(documentIndex) + " (the text has " +
             std::to_string(docs.size()) + ")");
  }
  Resolved r;
  YAML::Node root = docs[static_cast<std::size_t>(documentIndex)];
  r.levels.push_back(
      {root, YAML::Node(), false, root.Style() == YAML::EmitterStyle::Flow && !root.IsScalar()});
  for (const auto& elem : path) {
    const Level& cur = r.levels.back();
    Level next;
    if (cur.node.IsMap()) {
      bool hit = false;
      for (auto it = cur.node.begin(); it != cur.node.end(); ++it) {
        if (it->first.IsScalar() && it->first.Scalar() == elem) {
          next.node = it->second;
          next.key = it->first;
          next.hasKey = true;
          hit = true;
          break;
        }
      }
      if (!hit) return r;
    } else if (cur.node.IsSequence()) {
      if (!isIndex(elem)) {
        fail(lineOf(cur.node),
             YamlPath(path.begin(), path.begin() + static_cast<long>(r.found) + 1),
             "is a sequence: the path needs an item index here");
      }
      const std::size_t i = std::stoul(elem);
      if (i >= cur.node.size()) {
        fail(lineOf(cur.node),
             YamlPath(path.begin(), path.begin() + static_cast<long>(r.found) + 1),
             "the sequence has " + std::to_string(cur.node.size()) + " item(s)");
      }
      next.node = cur.node[i];
    } else {
      return r;  // a scalar or null on the way: the caller decides
    }
    next.flow = cur.flow || (!next.node.IsScalar() && !next.node.IsNull() &&
                             next.node.Style() == YAML::EmitterStyle::Flow);
    r.levels.push_back(next);
    ++r.found;
  }
  return r;
}

/// The span of a scalar node's token, checked against what yaml-cpp read.
std::pair<Pos, Pos> scalarSpan(const Text& t, const YAML::Node& n, bool flow,
                               const YamlPath& path) {
  const Pos start = t.skipProperties(n.Mark().pos);
  if (start < t.s.size() && (t.s[start] == '|' || t.s[start] == '>')) {
    fail(lineOf(n), path, "is a block scalar (| or >): edit it in the text");
  }
  const Pos end = t.scalarEnd(start, flow);
  bool same = false;
  try {
    const YAML::Node back = loadYaml(t.s.substr(start, end - start));
    same = back.IsScalar() && back.Scalar() == n.Scalar();
  } catch (const YAML::Exception&) {
  }
  if (!same) fail(lineOf(n), path, "is a multi-line scalar: edit it in the text");
  return {start, end};
}

/// Indentation unit near a level: the column of a block mapping under a key minus the key's.
int indentStep(const Resolved& r, std::size_t upTo) {
  for (std::size_t i = upTo + 1; i-- > 1;) {
    const Level& l = r.levels[i];
    if (l.hasKey && l.node.IsMap() && !l.flow) {
      const int step = l.node.Mark().column - l.key.Mark().column;
      if (step > 0) return step;
    }
  }
  return 2;
}

std::string spaces(int n) { return std::string(static_cast<std::size_t>(std::max(0, n)), ' '); }

/// `k1:\n  k2: v` (block) or `k1: {k2: v}` (flow) for the keys still missing.
std::string nested(const std::vector<std::string>& keys, const std::string& value, bool flow,
                   int col, int step, const std::string& nl) {
  std::string o = renderScalar(keys.front(), 0, flow) + ":";
  if (keys.size() == 1) return o + " " + value;
  const std::vector<std::string> rest(keys.begin() + 1, keys.end());
  if (flow) return o + " {" + nested(rest, value, true, 0, 0, nl) + "}";
  return o + nl + spaces(col + step) + nested(rest, value, false, col + step, step, nl);
}

/// The position of the ':' after a mapping key.
Pos colonAfterKey(const Text& t, const YAML::Node& key, bool flow) {
  Pos p = t.scalarEnd(t.skipProperties(key.Mark().pos), flow);
  while (p < t.s.size() && (t.s[p] == ' ' || t.s[p] == '\t')) ++p;
  return p;  // at ':'
}

/// Gives a null value (written as nothing, `~` or `null`) the value text `valueText`; in block
/// style a mapping value goes on the next lines (`blockLines`, already indented).
std::string fillNull(const Text& t, const Level& parent, const Level& nullLevel,
                     const std::string& inlineText, const std::string& blockLines,
                     const YamlPath& path) {
  if (!nullLevel.hasKey) fail(lineOf(nullLevel.node), path, "has no key to attach a value to");
  const Pos colon = colonAfterKey(t, nullLevel.key, parent.flow);
  if (colon >= t.s.size() || t.s[colon] != ':')
    fail(lineOf(nullLevel.key), path, "cannot find the key's ':'");
  // An explicit null token right after the colon is replaced.
  Pos p = colon + 1;
  while (p < t.s.size() && (t.s[p] == ' ' || t.s[p] == '\t')) ++p;
  Pos tokEnd = p;
  for (const char* tok : {"~", "null", "Null", "NULL"}) {
    const std::size_t n = std::char_traits<char>::length(tok);
    if (t.s.compare(p, n, tok) == 0) {
      const Pos e = p + n;
      if (e >= t.s.size() || std::string(" \t\r\n,}]#").find(t.s[e]) != std::string::npos)
        tokEnd = e;
    }
  }
  if (tokEnd > p || parent.flow || blockLines.empty()) {
    const Pos from = tokEnd > p ? p : colon + 1;
    const std::string text = (tokEnd > p ? "" : " ") + inlineText;
    return t.s.substr(0, from) + text + t.s.substr(tokEnd > p ? tokEnd : colon + 1);
  }
  const Pos at = t.lineEnd(colon);
  return t.s.substr(0, at) + blockLines + t.s.substr(at);
}

/// Adds the missing keys `path[r.found..]` with `valueText` (already rendered).
std::string insertMissing(const Text& t, const Resolved& r, const YamlPath& path,
                          const std::string& valueText) {
  const std::vector<std::string> missing(path.begin() + static_cast<long>(r.found), path.end());
  for (const auto& k : missing) {
    if (isIndex(k) && r.levels.back().node.IsSequence())
      fail(0, path, "cannot add a sequence item");
  }
  const Level& last = r.levels.back();
  const YAML::Node& m = last.node;
  if (m.IsNull()) {
    if (r.levels.size() < 2) fail(0, path, "the document is empty");
    const int col = last.key.Mark().column;
    const int step = indentStep(r, r.levels.size() - 2);
    const bool flow = r.levels[r.levels.size() - 2].flow;
    const std::string inlineText = "{" + nested(missing, valueText, true, 0, 0, t.nl) + "}";
    const std::string block =
        t.nl + spaces(col + step) + nested(missing, valueText, false, col + step, step, t.nl);
    return fillNull(t, r.levels[r.levels.size() - 2], last, inlineText,
                    flow ? std::string() : block, path);
  }
  if (!m.IsMap()) {
    fail(lineOf(m), YamlPath(path.begin(), path.begin() + static_cast<long>(r.found)),
         "is not a mapping, so it cannot hold " + missing.front());
  }
  if (last.flow) {
    const Pos open = t.skipProperties(m.Mark().pos);
    if (open >= t.s.size() || t.s[open] != '{')
      fail(lineOf(m), path, "cannot find the mapping's '{'");
    const Pos close = t.flowEnd(open) - 1;
    Pos q = close;
    while (q > open + 1 && std::isspace(static_cast<unsigned char>(t.s[q - 1]))) --q;
    const std::string entry = nested(missing, valueText, true, 0, 0, t.nl);
    if (q == open + 1) return t.s.substr(0, open + 1) + entry + t.s.substr(q);
    return t.s.substr(0, q) + ", " + entry + t.s.substr(q);
  }
  // Block mapping: a new last entry, at the column of its keys.
  // (YAML::Node assignment writes through to the node; keep keys in optionals instead.)
  std::optional<YAML::Node> lastKey;
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (!lastKey || it->first.Mark().pos > lastKey->Mark().pos) lastKey.emplace(it->first);
  }
  const int col = m.Mark().column;
  const int step = indentStep(r, r.levels.size() - 1);
  const Pos at = t.blockEnd(static_cast<Pos>(lastKey->Mark().pos), col, true);
  return t.s.substr(0, at) + t.nl + spaces(col) +
         nested(missing, valueText, false, col, step, t.nl) + t.s.substr(at);
}

}  // namespace

std::string yamlPathString(const YamlPath& path) {
  std::string o;
  for (const auto& e : path) {
    if (isIndex(e)) {
      o += "[" + e + "]";
    } else {
      o += (o.empty() ? "" : ".") + e;
    }
  }
  return o;
}

std::string patchYamlScalar(const std::string& text, int documentIndex, const YamlPath& path,
                            const std::string& newValue) {
  if (path.empty()) fail(0, path, "an empty path names the whole document");
  const Text t(text);
  const Resolved r = resolve(text, documentIndex, path);
  if (!r.complete(path)) {
    return insertMissing(t, r, path, renderScalar(newValue, 0, r.levels.back().flow));
  }
  const Level& target = r.levels.back();
  const bool flowCtx = r.levels[r.levels.size() - 2].flow;
  if (target.node.IsNull()) {
    return fillNull(t, r.levels[r.levels.size() - 2], target, renderScalar(newValue, 0, flowCtx),
                    std::string(), path);
  }
  if (!target.node.IsScalar()) {
    fail(lineOf(target.node), path,
         target.node.IsMap() ? "is a mapping, not a scalar" : "is a sequence, not a scalar");
  }
  const auto [a, b] = scalarSpan(t, target.node, flowCtx, path);
  const std::string rendered = renderScalar(newValue, text[a], flowCtx);
  return text.substr(0, a) + rendered + text.substr(b);
}

std::string patchYamlSequence(const std::string& text, int documentIndex, const YamlPath& path,
                              const std::vector<std::string>& items) {
  if (path.empty()) fail(0, path, "an empty path names the whole document");
  const Text t(text);
  const Resolved r = resolve(text, documentIndex, path);
  if (!r.complete(path)) return insertMissing(t, r, path, flowSequence(items, false));
  const Level& target = r.levels.back();
  const bool flowCtx = r.levels[r.levels.size() - 2].flow;
  if (target.node.IsNull()) {
    return fillNull(t, r.levels[r.levels.size() - 2], target, flowSequence(items, false),
                    std::string(), path);
  }
  if (target.node.IsScalar()) {
    const auto [a, b] = scalarSpan(t, target.node, flowCtx, path);
    return text.substr(0, a) + flowSequence(items, false) + text.substr(b);
  }
  if (!target.node.IsSequence()) fail(lineOf(target.node), path, "is a mapping, not a sequence");
  const Pos start = t.skipProperties(target.node.Mark().pos);
  if (target.flow) {
    const Pos end = t.flowEnd(start);
    const bool padded = start + 1 < text.size() && text[start + 1] == ' ';
    return text.substr(0, start) + flowSequence(items, padded) + text.substr(end);
  }
  const int col = target.node.Mark().column;
  const Pos end = t.blockEnd(start, col, true);
  if (items.empty()) return text.substr(0, start) + "[]" + text.substr(end);
  std::string o;
  for (std::size_t i = 0; i < items.size(); ++i) {
    o += (i ? t.nl + spaces(col) : std::string()) + "- " + renderScalar(items[i], 0, false);
  }
  return text.substr(0, start) + o + text.substr(end);
}

std::string removeYamlKey(const std::string& text, int documentIndex, const YamlPath& path) {
  if (path.empty()) fail(0, path, "an empty path names the whole document");
  const Text t(text);
  const Resolved r = resolve(text, documentIndex, path);
  if (!r.complete(path)) return text;
  const Level& target = r.levels.back();
  const Level& parent = r.levels[r.levels.size() - 2];
  if (!parent.node.IsMap())
    fail(lineOf(target.node), path, "is a sequence item, not a mapping entry");
  const YAML::Node& key = target.key;
  const Pos keyPos = t.skipProperties(key.Mark().pos);
  if (parent.flow) {
    // key: value, then one comma on either side.
    Pos end;
    const Pos colon = colonAfterKey(t, key, true);
    if (target.node.IsNull()) {
      end = colon + 1;
    } else if (target.node.IsScalar()) {
      end = scalarSpan(t, target.node, true, path).second;
    } else {
      end = t.flowEnd(t.skipProperties(target.node.Mark().pos));
    }
    Pos after = end;
    while (after < text.size() && std::isspace(static_cast<unsigned char>(text[after]))) ++after;
    if (after < text.size() && text[after] == ',') {
      ++after;
      while (after < text.size() && (text[after] == ' ' || text[after] == '\t')) ++after;
      return text.substr(0, keyPos) + text.substr(after);
    }
    Pos before = keyPos;
    while (before > 0 && std::isspace(static_cast<unsigned char>(text[before - 1]))) --before;
    if (before > 0 && text[before - 1] == ',') return text.substr(0, before - 1) + text.substr(end);
    return text.substr(0, keyPos) + text.substr(end);
  }
  const int col = key.Mark().column;
  const Pos ls = t.lineStart(keyPos);
  const Pos end = t.blockEnd(keyPos, col, true);
  if (t.indent(ls) == col) {
    // The key starts its line: drop the entry's lines.
    const Pos cut = end < text.size() ? t.nextLine(end) : end;
    return text.substr(0, ls) + text.substr(cut);
  }
  // The first key of a sequence item (`- name: x`): the next key moves up behind the dash.
  std::optional<YAML::Node> nextKey;
  for (auto it = parent.node.begin(); it != parent.node.end(); ++it) {
    const int p = it->first.Mark().pos;
    if (p > key.Mark().pos && (!nextKey || p < nextKey->Mark().pos)) nextKey.emplace(it->first);
  }
  if (!nextKey) return text.substr(0, keyPos) + "{}" + text.substr(end);
  return text.substr(0, keyPos) +
         text.substr(t.skipProperties(static_cast<Pos>(nextKey->Mark().pos)));
}

namespace {

/// `flowYaml` checked: one line that parses as one YAML node.
YAML::Node checkOneLine(const std::string& flowYaml, const YamlPath& path) {
  if (flowYaml.find_first_of("\r\n") != std::string::npos || flowYaml.empty())
    fail(0, path, "the new value must be one line of YAML");
  try {
    return loadYaml(flowYaml);
  } catch (const YAML::Exception& e) {
    fail(0, path, "the new value is not valid YAML: " + e.msg);
  }
}

/// The position of the `-` that introduces a block sequence item starting at `itemPos`.
Pos dashBefore(const Text& t, Pos itemPos, int line, const YamlPath& path) {
  Pos p = itemPos;
  while (p > 0 &&
         (t.s[p - 1] == ' ' || t.s[p - 1] == '\t' || t.s[p - 1] == '\n' || t.s[p - 1] == '\r')) {
    --p;
  }
  if (p == 0 || t.s[p - 1] != '-') fail(line, path, "cannot find the item's '-'");
  return p - 1;
}

/// The end of a flow collection's item (a scalar or a nested collection) starting at `start`.
Pos flowItemEnd(const Text& t, const YAML::Node& item, Pos start, const YamlPath& path) {
  if (item.IsScalar()) return scalarSpan(t, item, true, path).second;
  if (item.IsNull()) return start;
  return t.flowEnd(start);
}

}  // namespace

std::string patchYamlFlow(const std::string& text, int documentIndex, const YamlPath& path,
                          const std::string& flowYaml) {
  if (path.empty()) fail(0, path, "an empty path names the whole document");
  checkOneLine(flowYaml, path);
  const Text t(text);
  const Resolved r = resolve(text, documentIndex, path);
  if (!r.complete(path)) return insertMissing(t, r, path, flowYaml);
  const Level& target = r.levels.back();
  const Level& parent = r.levels[r.levels.size() - 2];
  if (target.node.IsNull()) return fillNull(t, parent, target, flowYaml, std::string(), path);
  if (target.node.IsScalar()) {
    const auto [a, b] = scalarSpan(t, target.node, parent.flow, path);
    return text.substr(0, a) + flowYaml + text.substr(b);
  }
  const Pos start = t.skipProperties(target.node.Mark().pos);
  if (target.flow) return text.substr(0, start) + flowYaml + text.substr(t.flowEnd(start));
  // A block collection: its lines go; the new value follows the key (or the item's dash).
  const int col = target.node.Mark().column;
  const Pos end =
      target.node.IsMap() ? t.blockEnd(start, col - 1, false) : t.blockEnd(start, col, true);
  if (target.hasKey) {
    const Pos colon = colonAfterKey(t, target.key, parent.flow);
    if (colon >= text.size() || text[colon] != ':')
      fail(lineOf(target.key), path, "cannot find the key's ':'");
    return text.substr(0, colon + 1) + " " + flowYaml + text.substr(end);
  }
  return text.substr(0, start) + flowYaml + text.substr(end);
}

std::string insertYamlSequenceItem(const std::string& text, int documentIndex, const YamlPath& path,
                                   std::size_t index, const std::string& itemYaml) {
  if (path.empty()) fail(0, path, "an empty path names the whole document");
  const YAML::Node item = checkOneLine(itemYaml, path);
  // In flow style a `key: value` item needs its braces.
  const std::string flowItem =
      item.IsMap() && item.Style() != YAML::EmitterStyle::Flow ? "{" + itemYaml + "}" : itemYaml;
  const Text t(text);
  const Resolved r = resolve(text, documentIndex, path);
  if (!r.complete(path) || r.levels.back().node.IsNull()) {
    if (index != 0) fail(0, path, "the sequence is empty: the only place for an item is 0");
    return patchYamlFlow(text, documentIndex, path, "[" + flowItem + "]");
  }
  const Level& target = r.levels.back();
  const YAML::Node& seq = target.node;
  if (!seq.IsSequence()) fail(lineOf(seq), path, "is not a sequence");
  if (index > seq.size()) {
    fail(lineOf(seq), path,
         "the sequence has " + std::to_string(seq.size()) + " item(s): no place " +
             std::to_string(index));
  }
  const Pos open = t.skipProperties(seq.Mark().pos);
  if (target.flow) {
    if (index < seq.size()) {
      const Pos at = t.skipProperties(seq[index].Mark().pos);
      return text.substr(0, at) + flowItem + ", " + text.substr(at);
    }
    const Pos close = t.flowEnd(open) - 1;
    Pos q = close;
    while (q > open + 1 && std::isspace(static_cast<unsigned char>(text[q - 1]))) --q;
    if (q == open + 1) return text.substr(0, q) + flowItem + text.substr(q);
    return text.substr(0, q) + ", " + flowItem + text.substr(q);
  }
  // Block: the first item's dash gives the items' column.
  const Pos firstDash = dashBefore(t, t.skipProperties(seq[0].Mark().pos), lineOf(seq[0]), path);
  const int col = static_cast<int>(firstDash - t.lineStart(firstDash));
  if (index < seq.size()) {
    const Pos dash =
        dashBefore(t, t.skipProperties(seq[index].Mark().pos), lineOf(seq[index]), path);
    const Pos ls = t.lineStart(dash);
    if (t.indent(ls) != static_cast<int>(dash - ls))
      fail(lineOf(seq[index]), path, "the item does not start its line: edit it in the text");
    return text.substr(0, ls) + spaces(col) + "- " + itemYaml + t.nl + text.substr(ls);
  }
  const Pos lastDash = dashBefore(t, t.skipProperties(seq[seq.size() - 1].Mark().pos),
                                  lineOf(seq[seq.size() - 1]), path);
  const Pos end = t.blockEnd(lastDash, col, false);
  return text.substr(0, end) + t.nl + spaces(col) + "- " + itemYaml + text.substr(end);
}

std::string removeYamlSequenceItem(const std::string& text, int documentIndex, const YamlPath& path,
                                   std::size_t index) {
  if (path.empty()) fail(0, path, "an empty path names the whole document");
  const Text t(text);
  const Resolved r = resolve(text, documentIndex, path);
  if (!r.complete(path)) fail(0, path, "there is no such sequence");
  const Level& target = r.levels.back();
  const YAML::Node& seq = target.node;
  if (!seq.IsSequence()) fail(lineOf(seq), path, "is not a sequence");
  if (index >= seq.size()) {
    fail(lineOf(seq), path,
         "the sequence has " + std::to_string(seq.size()) + " item(s): no item " +
             std::to_string(index));
  }
  const YAML::Node item = seq[index];
  const Pos start = t.skipProperties(item.Mark().pos);
  if (target.flow) {
    const Pos end = flowItemEnd(t, item, start, path);
    Pos after = end;
    while (after < text.size() && std::isspace(static_cast<unsigned char>(text[after]))) ++after;
    if (after < text.size() && text[after] == ',') {
      ++after;
      while (after < text.size() && (text[after] == ' ' || text[after] == '\t')) ++after;
      return text.substr(0, start) + text.substr(after);
    }
    Pos before = start;
    while (before > 0 && std::isspace(static_cast<unsigned char>(text[before - 1]))) --before;
    if (before > 0 && text[before - 1] == ',') return text.substr(0, before - 1) + text.substr(end);
    return text.substr(0, start) + text.substr(end);
  }
  if (seq.size() == 1) return patchYamlFlow(text, documentIndex, path, "[]");
  const Pos dash = dashBefore(t, start, lineOf(item), path);
  const Pos ls = t.lineStart(dash);
  const int col = static_cast<int>(dash - ls);
  if (t.indent(ls) != col)
    fail(lineOf(item), path, "the item does not start its line: edit it in the text");
  const Pos end = t.blockEnd(dash, col, false);
  const Pos cut = end < text.size() ? t.nextLine(end) : end;
  return text.substr(0, ls) + text.substr(cut);
}

}  // namespace rolloutlab::io
