#include "rolloutlab/io/documents.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rolloutlab::io {

namespace fs = std::filesystem;
using core::Diagnostic;
using core::Severity;

std::string Document::group() const {
  const auto slash = apiVersion.find('/');
  return slash == std::string::npos ? std::string() : apiVersion.substr(0, slash);
}

namespace {

Diagnostic makeError(const std::string& file, int line, const std::string& rule) {
  Diagnostic d;
  d.severity = Severity::kError;
  d.file = file;
  d.line = line;
  d.rule = rule;
  return d;
}

std::string scalarOr(const YAML::Node& n, const char* key) {
  if (!n.IsMap()) return {};
  const YAML::Node v = n[key];
  if (v && v.IsScalar()) return v.Scalar();
  return {};
}

// yaml-cpp reports a YAML syntax error with a 0-based mark; Kubernetes tools print 1-based
// lines.
void parseStream(const std::string& text, const std::string& file, DocumentSet& out,
                 bool requireObject) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    std::string msg = e.msg;
    out.diagnostics.add(makeError(file, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                                  "not valid YAML: " + msg));
    return;
  }
  int found = 0;
  int index = 0;
  const int errorsBefore = out.diagnostics.errors();
  for (auto& n : nodes) {
    const int idx = index++;
    if (!n || n.IsNull()) continue;  // empty document between separators
    Document d;
    d.file = file;
    d.index = idx;
    d.line = n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
    d.node = n;
    if (!n.IsMap()) {
      if (requireObject) {
        out.diagnostics.add(makeError(file, d.line,
                                      "document " + std::to_string(idx + 1) +
                                          " is not a Kubernetes object (a mapping with apiVersion "
                                          "and kind)"));
      }
      continue;
    }
    d.apiVersion = scalarOr(n, "apiVersion");
    d.kind = scalarOr(n, "kind");
    const YAML::Node md = n["metadata"];
    if (md && md.IsMap()) {
      d.name = scalarOr(md, "name");
      d.namespace_ = scalarOr(md, "namespace");
    }
    if (d.kind.empty() || d.apiVersion.empty()) {
      if (requireObject) {
        out.diagnostics.add(makeError(
            file, d.line,
            std::string("document ") + std::to_string(idx + 1) + " has no " +
                (d.apiVersion.empty() ? "apiVersion" : "kind") + ": not a Kubernetes object"));
      }
      continue;
    }
    ++found;
    out.documents.push_back(std::move(d));
  }
  if (found == 0 && requireObject && out.diagnostics.errors() == errorsBefore) {
    out.diagnostics.add(makeError(file, 0,
                                  nodes.empty() || std::all_of(nodes.begin(), nodes.end(),
                                                               [](const YAML::Node& x) {
                                                                 return !x || x.IsNull();
                                                               })
                                      ? "file is empty: no document"
                                      : "file holds no Kubernetes object"));
  }
}

bool isDocumentFile(const fs::path& p) {
  const auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

bool readWhole(const fs::path& p, std::uint64_t limit, std::string& out, std::string& why) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec) {
    why = "cannot read: " + ec.message();
    return false;
  }
  if (size > limit) {
    why = "file is too large (" + std::to_string(size) + " bytes, limit " + std::to_string(limit) + ")";
    return false;
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    why = std::string("cannot read: ") + std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

void readFile(const fs::path& p, const std::string& shown, const ReadOptions& opt,
              DocumentSet& out, bool requireObject) {
  std::string text, why;
  if (!readWhole(p, opt.maxFileBytes, text, why)) {
    out.diagnostics.add(makeError(shown, 0, why));
    return;
  }
  out.files.push_back(FileIdentity{shown, text.size(), sha256Hex(text)});
  if (text.find('\0') != std::string::npos) {
    out.diagnostics.add(makeError(shown, 0, "not valid YAML: file contains NUL bytes (binary?)"));
    return;
  }
  parseStream(text, shown, out, requireObject);
}

}  // namespace

DocumentSet readDocuments(const std::vector<std::string>& paths, const ReadOptions& options) {
  DocumentSet out;
  for (const auto& path : paths) {
    std::error_code ec;
    const fs::path p(path);
    const auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      out.diagnostics.add(makeError(path, 0, "no such file or directory"));
      continue;
    }
    if (fs::is_directory(st)) {
      std::vector<fs::path> files;
      fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec);
      for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const auto& e = *it;
        const std::string leaf = e.path().filename().string();
        if (e.is_directory()) {
          // Hidden folders (.git) and Helm charts' templates (Go templates, not YAML).
          if ((!leaf.empty() && leaf[0] == '.') ||
              (leaf == "templates" && fs::exists(e.path().parent_path() / "Chart.yaml"))) {
            it.disable_recursion_pending();
          }
          continue;
        }
        if (e.is_regular_file() && isDocumentFile(e.path())) files.push_back(e.path());
      }
      if (ec) {
        out.diagnostics.add(makeError(path, 0, "cannot read directory: " + ec.message()));
        continue;
      }
      std::sort(files.begin(), files.end());
      const std::size_t before = out.documents.size();
      for (const auto& f : files) {
        // In a repository walk, YAML files that hold no Kubernetes object (values files,
        // CI configs) are not errors; syntax errors still are.
        readFile(f, f.string(), options, out, /*requireObject=*/false);
      }
      if (out.documents.size() == before) {
        out.diagnostics.add(makeError(path, 0,
                                      files.empty() ? "directory holds no .yaml, .yml or .json file"
                                                    : "directory holds no Kubernetes object"));
      }
      continue;
    }
    readFile(p, path, options, out, /*requireObject=*/true);
  }
  return out;
}

DocumentSet readDocumentsFromString(const std::string& text, const std::string& name) {
  DocumentSet out;
  out.files.push_back(FileIdentity{name, text.size(), sha256Hex(text)});
  parseStream(text, name, out, true);
  return out;
}

// SHA-256 (FIPS 180-4), used to identify inputs in reports.
std::string sha256Hex(const std::string& bytes) {
  static const std::array<std::uint32_t, 64> k = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
      0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
      0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
      0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
      0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
      0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
      0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
      0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
      0xc67178f2};
  std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  std::string msg = bytes;
  const std::uint64_t bitlen = static_cast<std::uint64_t>(bytes.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>((bitlen >> (8 * i)) & 0xff));
  for (std::size_t off = 0; off < msg.size(); off += 64) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      const auto* b = reinterpret_cast<const unsigned char*>(msg.data() + off + 4 * i);
      w[i] = (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) | b[3];
    }
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const std::uint32_t ch = (e & f) ^ (~e & g);
      const std::uint32_t t1 = hh + S1 + ch + k[i] + w[i];
      const std::uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      const std::uint32_t t2 = S0 + maj;
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (std::uint32_t v : h) {
    for (int i = 7; i >= 0; --i) out.push_back(hex[(v >> (4 * i)) & 0xf]);
  }
  return out;
}

}  // namespace rolloutlab::io
