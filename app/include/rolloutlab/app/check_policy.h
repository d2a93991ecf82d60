#pragma once
/// A Policy (rolloutlab.io/v1alpha1): the risk budget `rolloutlab check` holds every Canary and
/// Rollout of a repository to. Rules scope constraints (the TuningSpace's constraint syntax) to
/// specs by namespace, label selector and path glob; every rule that matches a spec counts.
/// docs/check.md describes every field.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/tune/constraints.h"

namespace rolloutlab::io {
struct Document;
}

namespace rolloutlab::app {

/// One `matchExpressions` entry of a Kubernetes label selector.
struct LabelRequirement {
  std::string key;
  std::string op;  ///< In, NotIn, Exists, DoesNotExist
  std::vector<std::string> values;
};

/// What a spec is matched on.
struct SpecIdentity {
  std::string ns;                             ///< "default" when the manifest names none
  std::map<std::string, std::string> labels;  ///< metadata.labels
  std::string path;                           ///< relative to the repository root, `/`-separated
};

struct PolicyRule {
  std::string name;
  int line = 0;
  std::vector<std::string> namespaces;  ///< empty: any
  bool hasSelector = false;
  std::map<std::string, std::string> matchLabels;
  std::vector<LabelRequirement> matchExpressions;
  std::vector<std::string> paths;  ///< globs; empty: any
  std::vector<tune::Constraint> constraints;
  /// All given parts of `match` hold (an empty match holds for every spec).
  bool matches(const SpecIdentity& spec) const;
};

struct Policy {
  std::string file;  ///< empty for the built-in default
  int line = 0;
  std::string name;
  std::vector<PolicyRule> rules;
  std::vector<std::string> scenarios;  ///< paths, resolved against the policy file's folder
  std::optional<std::uint64_t> seed;
  std::optional<std::int64_t> initialRuns, maxRuns;
};

/// Decodes a Policy document strictly (unknown fields, wrong types, bad selectors and empty
/// rules are errors naming file, line, field, value and rule).
bool decodePolicy(const io::Document& doc, core::Diagnostics& diags, Policy& out);

/// The policy used when neither --policy nor exactly one Policy in the repository gives one:
/// rule `default`, every spec, falseRollbackRate <= 0.05 and escapeRate <= 0.5 over the suite.
Policy defaultPolicy();

/// A path glob: `*` any characters but `/`, `**` any characters (whole segments: `a/**/b`
/// also matches `a/b`), `?` one character but `/`; everything else literally.
bool globMatch(const std::string& glob, const std::string& path);

}  // namespace rolloutlab::app
