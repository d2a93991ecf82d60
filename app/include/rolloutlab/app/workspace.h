#pragma once
/// A workspace: everything rolloutlab found under the paths a user named (a GitOps repo,
/// files), decoded and validated, with one entry per object for `validate`.

#include <string>
#include <vector>

#include "rolloutlab/app/check_policy.h"
#include "rolloutlab/core/argo/analysis.h"
#include "rolloutlab/core/argo/spec.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/flagger/spec.h"
#include "rolloutlab/core/script.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/replay/replay.h"
#include "rolloutlab/sim/scenario.h"
#include "rolloutlab/sim/shadow_judge.h"
#include "rolloutlab/tune/space.h"

namespace rolloutlab::app {

/// One object found, as `validate` lists it.
struct ObjectEntry {
  std::string file;
  int line = 0;
  std::string kind;
  std::string name;     ///< namespace/name (or name)
  std::string summary;  ///< e.g. "canary (istio), interval 1m, threshold 5, ..."
  bool valid = true;
};

/// A document of a kind rolloutlab does not analyse (listed, then skipped).
struct SkippedEntry {
  std::string file;
  int line = 0;
  std::string apiVersion;
  std::string kind;
  std::string name;
};

struct Workspace {
  std::vector<io::FileIdentity> files;
  std::vector<core::flagger::CanarySpec> canaries;
  std::vector<core::flagger::MetricTemplateSpec> metricTemplates;
  std::vector<core::argo::RolloutSpec> rollouts;
  core::argo::TemplateCatalog argoTemplates;  ///< AnalysisTemplates and ClusterAnalysisTemplates
  std::vector<core::Script> scripts;
  std::vector<sim::Scenario> scenarios;
  std::vector<sim::JudgeSpec> judges;
  std::vector<replay::ReplaySpec>
      replays;  ///< `Replay` documents: recordings a spec can be run against
  std::vector<tune::TuningSpace>
      tuningSpaces;              ///< `TuningSpace` documents (`rolloutlab tune --space`)
  std::vector<Policy> policies;  ///< `Policy` documents (`rolloutlab check`)
  std::vector<ObjectEntry> objects;
  std::vector<SkippedEntry> skipped;
  core::Diagnostics diagnostics;

  /// The Canary to run: by name (or namespace/name), else the first in file order.
  /// Throws InputError when the name matches nothing or nothing is loaded.
  const core::flagger::CanarySpec& canary(const std::string& name) const;
  /// The Argo Rollout of that name (or namespace/name); nullptr when none is loaded.
  const core::argo::RolloutSpec* rollout(const std::string& name) const;
  /// True when the object to run is an Argo Rollout: `name` names one, or `name` is empty and
  /// the first Canary or Rollout in file order is a Rollout.
  bool targetsRollout(const std::string& name) const;
};

/// Reads and decodes every path. Decoding problems are in `diagnostics`; objects with errors
/// are listed in `objects` (valid = false) but not in the typed lists. With `stdinText`, a
/// path `-` is that text (a multi-document stream), named `<stdin>` in diagnostics.
Workspace loadWorkspace(const std::vector<std::string>& paths,
                        const std::string* stdinText = nullptr);

/// Decodes documents already read (what loadWorkspace does after reading its paths).
Workspace decodeWorkspace(io::DocumentSet docs);

/// Turns warnings into errors (`--strict`).
void makeWarningsErrors(core::Diagnostics& diags);

}  // namespace rolloutlab::app
