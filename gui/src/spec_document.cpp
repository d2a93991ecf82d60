#include "spec_document.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "flagger_document.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::gui {

void SpecDocument::setText(const std::string& text) {
  text_ = text;
  decode();
}

std::vector<std::unique_ptr<SpecDocument>> makeSpecDocuments(const app::Workspace& ws) {
  std::vector<std::unique_ptr<SpecDocument>> out;
  for (const auto& c : ws.canaries) {
    std::ifstream in(c.loc.file, std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    // Which document of the file the Canary is: the one starting on its line.
    int index = 0;
    const io::DocumentSet docs = io::readDocumentsFromString(text, c.loc.file);
    for (const auto& d : docs.documents) {
      if (d.line == c.loc.line) index = d.index;
    }
    out.push_back(
        std::make_unique<FlaggerSpecDocument>(c, c.loc.file, index, text, ws.metricTemplates));
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

}  // namespace rolloutlab::gui
