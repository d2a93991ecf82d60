#pragma once
/// `rolloutlab check`: every Canary and Rollout of a repository (a folder, or a
/// multi-document stream such as `kustomize build` output) run over a scenario suite and held
/// to a Policy, each spec raced to a verdict on 95% intervals (tune/constraints.h) with the
/// batch engine's seeds. The result is the CheckReport document (docs/check.md), which the
/// renderers of check_render.h turn into JUnit, SARIF, Markdown and GitHub annotations.

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/app/check_policy.h"
#include "rolloutlab/io/json_util.h"

namespace rolloutlab::app {

struct CheckSettings {
  std::string repo;  ///< REPO_DIR as given ("-": `stdinText` is the stream)
  const std::string* stdinText = nullptr;
  std::optional<std::string> policyFile;   ///< --policy
  std::vector<std::string> scenarioPaths;  ///< --scenarios (empty: the policy's, else the library)
  std::optional<std::uint64_t> seed;
  std::optional<std::int64_t> initialRuns, maxRuns;
  int threads = 0;
  std::string meshProvider = "istio";
  std::optional<std::string> changedSince;
  /// The most runs the search for a suggestion may spend per spec (0: no suggestions).
  std::int64_t suggestBudget = 50000;
  /// Notes for the user (which policy, which library, why everything is checked).
  std::function<void(const std::string&)> note;
  /// Each error of a policy that does not decode (before the InputError that stops the check).
  std::function<void(const core::Diagnostic&)> error;
  /// Progress: (spec index, specs, spec key, runs done in this round, runs planned).
  std::function<void(std::size_t, std::size_t, const std::string&, std::int64_t, std::int64_t)>
      progress;
  const std::atomic<bool>* cancel = nullptr;
};

/// Defaults when neither the command line nor the policy sets them.
inline constexpr std::int64_t kCheckInitialRuns = 100;
inline constexpr std::int64_t kCheckMaxRuns = 1600;

struct CheckResult {
  io::Json report;  ///< the CheckReport document
  bool interrupted = false;
};

/// Runs the check. Throws core::InputError for bad input that stops it as a whole (a bad
/// policy, a bad scenario suite, an unknown revision), core::EnvironmentError when the
/// repository or Git cannot be read. Specs that cannot be checked are in the report's
/// `errors`.
CheckResult runCheckEngine(const CheckSettings& settings);

/// The exit code of a report: 2 when `errors` is not empty, 1 when a spec fails or is
/// undecided, 0 when every spec passes.
int checkExitCode(const io::Json& report);

/// The human table: one row per spec.
std::string checkTable(const io::Json& report);

}  // namespace rolloutlab::app
