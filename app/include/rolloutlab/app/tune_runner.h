#pragma once
/// The tuner's two links to the rest of rolloutlab: a candidate's field values written into the
/// user's own manifest as a minimal YAML patch (so the recommendation can be emitted byte for
/// byte but for the tuned fields), and the batch engine as the tuner's Evaluator (a candidate
/// is its patched manifest decoded again, compiled against each scenario and run on the
/// batch's seeds: run r of scenario s uses replicateSeed(pairSeed(streamSeed, spec, s), r),
/// the seed `batch --seed streamSeed` gives it, the same for every candidate).

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/yaml_patch.h"
#include "rolloutlab/tune/search.h"

namespace rolloutlab::app {

/// One changed value of a manifest.
struct FilePatch {
  std::string file;
  int document = 0;   ///< 0-based within its file
  std::string field;  ///< the TuningSpace field it comes from
  std::string path;   ///< spec.analysis.threshold
  std::string from;   ///< as written before (empty when the key was absent)
  std::string to;
};

/// The spec files of a tune (read once) and how a candidate's values are written into them.
class SpecPatcher {
 public:
  /// `files` are the spec files' paths and texts in load order; the target is the Canary or
  /// Rollout the space names (`space.target`, else the first). Throws InputError (naming the
  /// space's file and the field's line) when a field does not fit the target.
  SpecPatcher(std::vector<std::pair<std::string, std::string>> files,
              const tune::TuningSpace& space);

  /// The batch key of the target (Canary/ns/name, Rollout/ns/name) and its file.
  const std::string& targetKey() const { return targetKey_; }
  const std::string& targetFile() const { return files_[targetFile_].first; }
  bool argo() const { return argo_; }

  /// Why field `k` changes what a recording in trace mode shows (the canary's weights, how long
  /// they hold, the window a query measures), or "" for a decision field (a threshold, a bound,
  /// a failure limit) a recording of metric values answers soundly.
  const std::string& shapesTraffic(std::size_t k) const { return sites_[k].shapesTraffic; }

  /// The changes a candidate makes (a value equal to the original is no change).
  std::vector<FilePatch> patches(const tune::Candidate& c) const;
  /// The files with the candidate's values written in (every file, changed or not).
  std::vector<std::pair<std::string, std::string>> apply(const tune::Candidate& c) const;
  /// The candidate's manifests decoded (errors in `diagnostics`).
  Workspace decode(const tune::Candidate& c) const;

 private:
  struct Edit;  // one scalar, sequence or flow value at a path
  std::vector<Edit> edits(const tune::Candidate& c) const;

  std::vector<std::pair<std::string, std::string>> files_;
  const tune::TuningSpace& space_;
  std::size_t targetFile_ = 0;
  int targetDoc_ = 0;
  std::string targetKey_;
  bool argo_ = false;
  // Per field: where its value goes (file index, document, paths).
  struct Site {
    std::size_t file = 0;
    int doc = 0;
    std::vector<io::YamlPath> paths;  ///< several for pause (every timed pause step)
    io::YamlPath sequence;            ///< setWeights: the steps
    std::vector<std::size_t> setWeightSteps;
    bool rebuildable = false;  ///< setWeights: the steps are setWeight/pause only
    std::vector<std::string>
        pauseAfter;  ///< setWeights: the pause step after each setWeight ("" none)
    std::vector<std::string> original;  ///< the values as written, per path
    std::string shapesTraffic;          ///< see shapesTraffic()
  };
  std::vector<Site> sites_;
};

/// Whether a Replay is one deterministic run: replayed as recorded (no `model`
/// counterfactual, whose release model draws) and without a Scenario (whose gates and
/// readiness may draw).
bool replayRunsOnce(const replay::ReplaySpec& r);

/// The batch engine as the tuner's evaluator. Replays follow the scenarios: each is run as it
/// was recorded (no bootstrap resample), once per candidate when `replayRunsOnce`, else on
/// the replicate seeds as a scenario.
class BatchEvaluator final : public tune::Evaluator {
 public:
  BatchEvaluator(const SpecPatcher& patcher, const std::vector<sim::Scenario>& scenarios,
                 std::uint64_t seed, int threads, std::string meshProvider,
                 std::vector<replay::ReplaySpec> replays = {});
  ~BatchEvaluator() override;
  const std::vector<tune::ScenarioInfo>& scenarios() const override { return info_; }
  bool run(const std::vector<tune::Candidate>& candidates, const std::vector<tune::Task>& tasks,
           std::vector<std::vector<tune::RunOutcome>>& out) override;
  void release(std::size_t candidate) override;

  /// The seed `batch --seed` would need to give the runs of a stream.
  std::uint64_t streamSeed(int stream) const;
  /// Called from the calling thread about 5 times a second: (runs done in this call, planned).
  std::function<void(std::int64_t, std::int64_t)> progress;
  const std::atomic<bool>* cancel = nullptr;
  /// Runs made so far (all calls).
  std::int64_t runsMade() const { return runsMade_; }

 private:
  struct Compiled;
  Compiled& compiled(std::size_t index, const tune::Candidate& c);

  const SpecPatcher& patcher_;
  const std::vector<sim::Scenario>& scenarioList_;
  std::vector<replay::ReplaySpec> replays_;
  /// Per replay, opened on the first candidate (the target's names do not change).
  std::vector<std::shared_ptr<const replay::Recording>> recordings_;
  std::vector<std::unique_ptr<sim::CompiledScenario>> worlds_;
  std::vector<tune::ScenarioInfo> info_;
  std::uint64_t seed_;
  int threads_;
  std::string mesh_;
  std::map<std::size_t, std::unique_ptr<Compiled>> cache_;
  std::int64_t runsMade_ = 0;
};

// ---- The checks a tune makes before any run (`rolloutlab tune` and the workbench's Tune view) --

/// Every constraint's scenario is one of `scenarioNames`; else an InputError at the
/// constraint's line ("names no scenario of <suite>").
void checkConstraintScenarios(const tune::TuningSpace& space,
                              const std::vector<std::string>& scenarioNames,
                              const std::string& suite);
/// Every value of every field written into the spec and decoded with the spec's own rules: a
/// value they refuse is an InputError naming the space, the patched paths and the rule.
void checkFieldValues(const tune::TuningSpace& space, const SpecPatcher& patcher,
                      std::uint64_t seed);

}  // namespace rolloutlab::app
