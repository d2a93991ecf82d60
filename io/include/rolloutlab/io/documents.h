#pragma once
/// Reading YAML documents: files, multi-document streams and directories (a GitOps repo),
/// with every problem reported as a Diagnostic naming file and line.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::io {

/// One YAML document of a stream, with its Kubernetes identity read off its top level.
struct Document {
  std::string file;  ///< the path as it was found
  int line = 0;      ///< 1-based line where the document's content starts
  int index = 0;     ///< 0-based position in its file
  YAML::Node node;
  std::string apiVersion;
  std::string kind;
  std::string name;        ///< metadata.name
  std::string namespace_;  ///< metadata.namespace
  /// "group" of apiVersion ("flagger.app" of "flagger.app/v1beta1"; "" for core objects).
  std::string group() const;
};

/// A file that was read: its path, size and content hash (for traceable reports).
struct FileIdentity {
  std::string path;
  std::uint64_t bytes = 0;
  std::string sha256;  ///< hex
};

struct DocumentSet {
  std::vector<Document> documents;
  std::vector<FileIdentity> files;
  core::Diagnostics diagnostics;
};

struct ReadOptions {
  /// Files larger than this are refused (a spec or scenario is never this big).
  std::uint64_t maxFileBytes = 64ull << 20;
};

/// Reads every path: a file (YAML or JSON, possibly multi-document) or a directory walked
/// recursively for *.yaml, *.yml and *.json in sorted order (hidden folders and Helm chart
/// templates are skipped). Errors (missing path, unreadable file, YAML syntax, an empty file,
/// a file or folder with no Kubernetes object, a file too large) go to `diagnostics`;
/// documents of files that failed to parse are not returned.
DocumentSet readDocuments(const std::vector<std::string>& paths, const ReadOptions& options = {});

/// Reads one YAML text (for tests and for data that does not come from a file).
DocumentSet readDocumentsFromString(const std::string& text, const std::string& name);

/// YAML::LoadAll behind the alias budget every reader of YAML applies (go-yaml's refusal of a
/// "billion laughs", which kubectl and the API server share): a refused text throws
/// YAML::ParserException at the line of the alias, like a syntax error, so callers that
/// report YAML errors report it too. Every load of a user's YAML goes through here or
/// through readDocuments.
std::vector<YAML::Node> loadYamlAll(const std::string& text);

/// One document (YAML::Load), guarded the same way.
YAML::Node loadYaml(const std::string& text);

/// SHA-256 of a byte string, lowercase hex.
std::string sha256Hex(const std::string& bytes);

}  // namespace rolloutlab::io
