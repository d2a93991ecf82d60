#pragma once
/// Bringing one document of a YAML text to a desired state with the smallest edit: the text is
/// compared field by field with the desired document and only the values that differ are
/// spliced (through the patcher of yaml_patch.h), so that every other byte — other documents,
/// key order, quoting, comments, kustomize and Helm markers — stays as the author wrote it.
///
/// Equality is semantic (YAML 1.2 core schema as Kubernetes reads it): `5` and `"5"` differ
/// (an integer and a string), `5` and `05`... are equal integers, `'a'` and `a` are the same
/// string, key order does not matter. A changed scalar keeps its quoting style where the new
/// value allows it; a changed block scalar (`|`, `>`) is rewritten as a literal block at its
/// own indentation. Sequence items are matched by their `name` (or, for other items, by
/// equality) so that inserting, removing or editing one item leaves the others' lines alone.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "rolloutlab/io/yaml_patch.h"

namespace rolloutlab::io {

/// One edit made by syncYamlDocument.
struct YamlChange {
  enum class Op { kSet, kAdd, kRemove };
  Op op = Op::kSet;
  std::string path;    ///< `spec.analysis.threshold`, `spec.steps[2]`
  std::string before;  ///< the old value as one line of YAML (empty when added)
  std::string after;   ///< the new value as one line of YAML (empty when removed)
};

struct YamlSyncResult {
  std::string text;
  std::vector<YamlChange> changes;
};

/// Returns `text` with document `documentIndex` edited until it equals `desired` (a document
/// parsed from another text). `ignoreTopLevel` names top-level keys left as they are (e.g.
/// `status`). Throws core::InputError when the document's root is not a mapping or an edit
/// cannot be made in place.
YamlSyncResult syncYamlDocument(const std::string& text, int documentIndex,
                                const YAML::Node& desired,
                                const std::vector<std::string>& ignoreTopLevel = {"status"});

/// True when two YAML nodes hold the same value (the equality syncYamlDocument uses).
bool yamlEqual(const YAML::Node& a, const YAML::Node& b);

/// A node as one line of YAML (flow collections, scalars quoted only where needed).
std::string yamlFlowText(const YAML::Node& n);

}  // namespace rolloutlab::io
