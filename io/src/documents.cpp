#include "rolloutlab/io/documents.h"

#include <openssl/evp.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "rolloutlab/core/bounded_input.h"

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

// yaml-cpp builds an alias as a second reference to the anchored node, so loading a
// "billion laughs" is cheap but every decoder that walks the tree (flattening, argument
// substitution, JSON output) walks each copy: a 3 KB file expands to gigabytes. Kubernetes
// never sees such a file: kubectl and the API server convert YAML with go-yaml (through
// sigs.k8s.io/yaml), which refuses it while decoding. This pass applies go-yaml's rules to
// the event stream before any decoder runs (gopkg.in/yaml.v2 decode.go, decoder.unmarshal
// and allowedAliasRatio; decoder.alias for an anchor that contains itself): every node
// decoded counts, those decoded through an alias also count as aliased, and a document is
// refused once more than 100 nodes are aliased, more than 1000 are decoded and the aliased
// share exceeds the allowed ratio (99% up to 400000 nodes, falling linearly to 10% at
// 4000000). Counts are kept per document and saturate, so the pass itself never expands.
class AliasBudget : public YAML::EventHandler {
 public:
  struct Refused {
    int line = 0;
    std::string rule;
  };

  explicit AliasBudget(const std::string& text) : text_(text) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    // yaml-cpp 0.7 (Debian 12) never consumes a flow-entry token (`,`) met where a document's
    // node should start (`,`, `"x",`, `- a\n, b` at the top level): it reports an empty
    // document and starts the next one at the same token, forever. A document that starts
    // where the previous one did is that loop; every real document consumes a token.
    if (lastStart_ && *lastStart_ == mark.pos) {
      const char c = mark.pos >= 0 && static_cast<std::size_t>(mark.pos) < text_.size()
                         ? text_[static_cast<std::size_t>(mark.pos)]
                         : '\0';
      throw Refused{mark.line + 1, c == ','
                                       ? "not valid YAML: ',' outside a flow collection ([...] "
                                         "or {...}) at column " +
                                             std::to_string(mark.column + 1)
                                       : "not valid YAML: the parser makes no progress at column " +
                                             std::to_string(mark.column + 1)};
    }
    lastStart_ = mark.pos;
    decoded_ = aliased_ = 0;
    size_.clear();
    names_.clear();
    open_.clear();
    stack_.clear();
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { leaf(anchor); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    leaf(anchor);
  }
  void OnAnchor(const YAML::Mark&, const std::string& name) override { pendingName_ = name; }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const std::string name = names_.count(anchor) ? names_[anchor] : std::to_string(anchor);
    if (open_.count(anchor)) {
      throw Refused{mark.line + 1, "YAML alias *" + name + ": anchor \"" + name +
                                       "\" value contains itself (go-yaml, which kubectl uses, "
                                       "refuses it)"};
    }
    const auto it = size_.find(anchor);
    const std::uint64_t target = it == size_.end() ? 1 : it->second;
    add(1 + target, target, mark, name);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  static constexpr std::uint64_t kCap = std::uint64_t(1) << 62;
  static std::uint64_t sum(std::uint64_t a, std::uint64_t b) { return std::min(kCap, a + b); }

  // gopkg.in/yaml.v2 decode.go allowedAliasRatio.
  static double allowedRatio(std::uint64_t decoded) {
    if (decoded <= 400000) return 0.99;
    if (decoded >= 4000000) return 0.10;
    return 0.99 - 0.89 * (static_cast<double>(decoded - 400000) / 3600000.0);
  }

  void add(std::uint64_t nodes, std::uint64_t aliased, const YAML::Mark& mark,
           const std::string& name) {
    decoded_ = sum(decoded_, nodes);
    aliased_ = sum(aliased_, aliased);
    if (!stack_.empty()) stack_.back().size = sum(stack_.back().size, nodes);
    if (aliased_ > 100 && decoded_ > 1000 &&
        static_cast<double>(aliased_) / static_cast<double>(decoded_) > allowedRatio(decoded_)) {
      throw Refused{mark.line + 1,
                    "YAML alias *" + name +
                        ": document contains excessive aliasing (it expands to at least " +
                        std::to_string(decoded_) + " nodes, " + std::to_string(aliased_) +
                        " of them copies; go-yaml, which kubectl uses, "
                        "refuses it)"};
    }
  }
  void name(YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor && !pendingName_.empty()) names_[anchor] = pendingName_;
    pendingName_.clear();
  }
  void leaf(YAML::anchor_t anchor) {
    name(anchor);
    decoded_ = sum(decoded_, 1);
    if (!stack_.empty()) stack_.back().size = sum(stack_.back().size, 1);
    if (anchor != YAML::NullAnchor) size_[anchor] = 1;
  }
  void open(YAML::anchor_t anchor) {
    name(anchor);
    decoded_ = sum(decoded_, 1);
    stack_.push_back({anchor, 1});
    if (anchor != YAML::NullAnchor) open_.insert(anchor);
  }
  void close() {
    if (stack_.empty()) return;
    const Open o = stack_.back();
    stack_.pop_back();
    if (!stack_.empty()) stack_.back().size = sum(stack_.back().size, o.size);
    if (o.anchor != YAML::NullAnchor) {
      size_[o.anchor] = o.size;
      open_.erase(o.anchor);
    }
  }

  struct Open {
    YAML::anchor_t anchor;
    std::uint64_t size;  // nodes of the subtree, aliases expanded
  };
  std::uint64_t decoded_ = 0;
  std::uint64_t aliased_ = 0;
  std::map<YAML::anchor_t, std::uint64_t> size_;
  std::map<YAML::anchor_t, std::string> names_;
  std::set<YAML::anchor_t> open_;
  std::vector<Open> stack_;
  std::string pendingName_;
  const std::string& text_;
  std::optional<int> lastStart_;
};

// Runs AliasBudget over every document of `text`; the refusal, if any. YAML syntax errors are
// left to the loader, which reports them.
std::optional<AliasBudget::Refused> refuseAliasBombs(const std::string& text) {
  std::istringstream in(text);
  AliasBudget budget(text);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(budget)) {
    }
  } catch (const AliasBudget::Refused& r) {
    return r;
  } catch (const YAML::Exception&) {
  }
  return std::nullopt;
}

// yaml-cpp reports a YAML syntax error with a 0-based mark; Kubernetes tools print 1-based
// lines.
void parseStream(const std::string& text, const std::string& file, DocumentSet& out,
                 bool requireObject) {
  if (const auto refused = refuseAliasBombs(text)) {
    out.diagnostics.add(makeError(file, refused->line, refused->rule));
    return;
  }
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    std::string msg = e.msg;
    out.diagnostics.add(
        makeError(file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "not valid YAML: " + msg));
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
    out.diagnostics.add(
        makeError(file, 0,
                  nodes.empty() || std::all_of(nodes.begin(), nodes.end(),
                                               [](const YAML::Node& x) { return !x || x.IsNull(); })
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
    why = "file is too large (" + std::to_string(size) + " bytes, limit " + std::to_string(limit) +
          ")";
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

void readFile(const fs::path& p, const std::string& shown, const ReadOptions& opt, DocumentSet& out,
              bool requireObject) {
  const core::ReadingScope scope(shown + " (a YAML document)");
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

std::vector<YAML::Node> loadYamlAll(const std::string& text) {
  if (const auto refused = refuseAliasBombs(text)) {
    YAML::Mark mark;
    mark.line = refused->line - 1;
    throw YAML::ParserException(mark, refused->rule);
  }
  return YAML::LoadAll(text);
}

YAML::Node loadYaml(const std::string& text) {
  if (const auto refused = refuseAliasBombs(text)) {
    YAML::Mark mark;
    mark.line = refused->line - 1;
    throw YAML::ParserException(mark, refused->rule);
  }
  return YAML::Load(text);
}

DocumentSet readDocumentsFromString(const std::string& text, const std::string& name) {
  DocumentSet out;
  out.files.push_back(FileIdentity{name, text.size(), sha256Hex(text)});
  parseStream(text, name, out, true);
  return out;
}

// SHA-256 (FIPS 180-4) through OpenSSL's libcrypto, used to identify inputs in reports.
std::string sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1 ||
      size != 32) {
    throw core::EnvironmentError("libcrypto could not compute a SHA-256 digest");
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace rolloutlab::io
