#include "rolloutlab/app/workbench/spec_document.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "rolloutlab/app/workbench/flagger_document.h"
#include "rolloutlab/app/workbench/rollout_document.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::app::workbench {

void SpecDocument::setText(const std::string& text) {
  text_ = text;
  decode();
}

void SpecDocument::runAction(const std::string& id) {
  throw core::InputError(
      {core::Severity::kError, file_, 0, 0, id, "", "not an action of this spec"});
}

bool SpecDocument::edited() const {
  if (text_ != originalText_) return true;
  for (const auto& l : linked_) {
    if (l.text != l.originalText) return true;
  }
  return false;
}

const std::string* SpecDocument::textOf(const std::string& file) const {
  if (file.empty() || file == file_) return &text_;
  for (const auto& l : linked_) {
    if (l.file == file) return &l.text;
  }
  return nullptr;
}

const std::string* SpecDocument::originalTextOf(const std::string& file) const {
  if (file.empty() || file == file_) return &originalText_;
  for (const auto& l : linked_) {
    if (l.file == file) return &l.originalText;
  }
  return nullptr;
}

bool SpecDocument::setTextOf(const std::string& file, const std::string& text) {
  if (file.empty() || file == file_) {
    setText(text);
    return true;
  }
  for (auto& l : linked_) {
    if (l.file != file) continue;
    l.text = text;
    decode();
    return true;
  }
  return false;
}

std::map<std::string, std::string> SpecDocument::texts() const {
  std::map<std::string, std::string> out{{file_, text_}};
  for (const auto& l : linked_) out[l.file] = l.text;
  return out;
}

void SpecDocument::setTexts(const std::map<std::string, std::string>& texts) {
  for (const auto& [file, text] : texts) {
    if (file == file_) {
      text_ = text;
      continue;
    }
    for (auto& l : linked_) {
      if (l.file == file) l.text = text;
    }
  }
  decode();
}

void SpecDocument::revert() {
  text_ = originalText_;
  for (auto& l : linked_) l.text = l.originalText;
  decode();
}

void SpecDocument::markSaved(const std::string& file) {
  if (file.empty() || file == file_) originalText_ = text_;
  for (auto& l : linked_) {
    if (l.file == file) l.originalText = l.text;
  }
}

void SpecDocument::renameFile(const std::string& to) {
  file_ = to;
  decode();
}

std::string readTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

int documentIndexAt(const std::string& text, const std::string& file, int line) {
  int index = 0;
  const io::DocumentSet docs = io::readDocumentsFromString(text, file);
  for (const auto& d : docs.documents) {
    if (d.line == line) index = d.index;
  }
  return index;
}

std::vector<std::unique_ptr<SpecDocument>> makeSpecDocuments(const app::Workspace& ws) {
  // Canaries and Rollouts in the order their files were read, then by line.
  struct Entry {
    std::size_t file;
    int line;
    const core::flagger::CanarySpec* canary;
    const core::argo::RolloutSpec* rollout;
  };
  auto fileIndex = [&ws](const std::string& f) {
    for (std::size_t i = 0; i < ws.files.size(); ++i) {
      if (ws.files[i].path == f) return i;
    }
    return ws.files.size();
  };
  std::vector<Entry> entries;
  for (const auto& c : ws.canaries)
    entries.push_back({fileIndex(c.loc.file), c.loc.line, &c, nullptr});
  for (const auto& r : ws.rollouts)
    entries.push_back({fileIndex(r.loc.file), r.loc.line, nullptr, &r});
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.file != b.file ? a.file < b.file : a.line < b.line;
  });
  std::vector<std::unique_ptr<SpecDocument>> out;
  for (const auto& e : entries) {
    if (e.canary != nullptr) {
      const auto& c = *e.canary;
      const std::string text = readTextFile(c.loc.file);
      out.push_back(std::make_unique<FlaggerSpecDocument>(
          c, c.loc.file, documentIndexAt(text, c.loc.file, c.loc.line), text, ws.metricTemplates));
    } else {
      out.push_back(std::make_unique<RolloutSpecDocument>(*e.rollout, ws.argoTemplates, ws.judges));
    }
  }
  return out;
}

std::vector<std::pair<double, double>> regressionSpans(const scenarios::CompiledScenario& compiled,
                                                       double duration, double grid) {
  std::vector<std::pair<double, double>> out;
  std::vector<double> edges{0.0, duration};
  compiled.behaviour(scenarios::Variant::kCanary).breakpoints(0.0, duration, edges);
  if (grid > 0) {
    for (double t = grid; t < duration; t += grid) edges.push_back(t);
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
    if (!compiled.regressionActive((edges[i] + edges[i + 1]) / 2)) continue;
    if (!out.empty() && out.back().second == edges[i]) {
      out.back().second = edges[i + 1];
    } else {
      out.emplace_back(edges[i], edges[i + 1]);
    }
  }
  return out;
}

std::string formatNumber(double v, int maxSignificant) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // Shortest round-trip text, unless that needs more digits than asked for.
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  std::size_t digits = 0;
  for (char c : s) {
    if (c == 'e') break;
    if (c >= '0' && c <= '9') ++digits;
  }
  if (static_cast<int>(digits) > maxSignificant) {
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, maxSignificant);
    s.assign(buf, r.ptr);
  }
  return s;
}

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds)) return "-";
  std::string sign = seconds < 0 ? "-" : "";
  long long total = std::llround(std::fabs(seconds));
  const long long h = total / 3600, m = total % 3600 / 60, s = total % 60;
  std::string o = sign;
  if (h > 0) o += std::to_string(h) + "h";
  if (m > 0) o += std::to_string(m) + "m";
  if (s > 0 || (h == 0 && m == 0)) o += std::to_string(s) + "s";
  return o;
}

}  // namespace rolloutlab::app::workbench
