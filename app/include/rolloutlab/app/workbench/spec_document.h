#pragma once
/// The workbench's view of one rollout spec, whatever its kind: the manifest's text (as loaded
/// and as edited), the analysis fields the form edits, and what a run of it looks like on a
/// timeline. One subclass per kind (Flagger `Canary`, Argo `Rollout`); the views only see this
/// interface and the kind-neutral `Timeline`. No rollout decision is taken here: runs come from
/// the library's engines and worlds.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/replay/replay.h"
#include "rolloutlab/scenarios/mesh_series.h"
#include "rolloutlab/sim/scenario.h"

namespace rolloutlab::app::workbench {

class RecordingCache;

/// One editable field of a spec, as the form shows it.
struct SpecField {
  enum class Type {
    kInt,       ///< an integer, empty = absent (the upstream default applies)
    kNumber,    ///< a real number, empty = absent
    kDuration,  ///< a Go duration such as 1m or 30s
    kIntList,   ///< comma-separated integers (stepWeights)
    kBool,      ///< true or false, empty = absent
    kText,      ///< free text (an Argo condition such as `result[0] >= 0.99`)
  };
  std::string id;     ///< stable key, e.g. "analysis.threshold", "metrics.0.min"
  std::string group;  ///< form section, e.g. "Analysis", "Metric request-success-rate"
  std::string label;  ///< e.g. "threshold"
  Type type = Type::kInt;
  std::string value;        ///< the value as written ("" when absent)
  std::string placeholder;  ///< shown when empty, e.g. "default 1"
  std::string help;         ///< what the field does upstream
  int line = 0;             ///< line of the value in the text (0 when absent)
  /// The file the value is written in when it is not the spec's own (an Argo AnalysisTemplate
  /// kept in another file); empty for the spec's own file.
  std::string file;
  bool readOnly = false;  ///< shown for context (e.g. an analysis step), not edited in the form
};

/// A point of a chart with the text its tooltip shows.
struct TimelineMarker {
  enum class Kind {
    kPass,        ///< a metric check within its range
    kFail,        ///< a metric check outside its range
    kError,       ///< the query failed
    kNoData,      ///< the query returned no values
    kGateOpen,    ///< a webhook/gate let the rollout go on
    kGateClosed,  ///< a webhook/gate held or stopped it
    kTick,        ///< a scheduler tick (its status and the rule that decided it)
    kPromotion,   ///< the rollout reached its promoted end
    kRollback,    ///< the rollout was rolled back (or failed; Argo: aborted)
    kStep,        ///< an Argo canary step completed
    kPause,       ///< an Argo Rollout paused (a pause step, blue-green, an inconclusive run)
    kAnalysisSuccessful,    ///< an Argo AnalysisRun completed Successful
    kAnalysisFailed,        ///< an Argo AnalysisRun completed Failed
    kAnalysisInconclusive,  ///< an Argo AnalysisRun completed Inconclusive
    kAnalysisError,         ///< an Argo AnalysisRun completed Error
    kInconclusive,  ///< an Argo measurement met neither its success nor its failure condition
  };
  Kind kind = Kind::kTick;
  double t = 0;      ///< seconds from the detection tick
  double value = 0;  ///< y (percent for the weight lane, the metric's unit on a metric lane)
  std::string text;  ///< tooltip: what happened and the rule that fired
};

/// One metric check over time: the canary's values (what the engine compared), the primary's
/// (the same query on the primary), the range it is held against and a marker per check.
struct TimelineMetric {
  std::string name;  ///< e.g. "request-success-rate"
  std::string unit;  ///< "%", "ms" or ""
  std::optional<double> min, max;
  /// The condition the values are held against when it is not a plain range (Argo's
  /// `successCondition` / `failureCondition`), shown as written; min/max are then set only when
  /// the condition is a simple comparison of the value with a number.
  std::string condition;
  std::vector<std::pair<double, double>> canary;   ///< (t, value); ticks without a value left out
  std::vector<std::pair<double, double>> primary;  ///< (t, value)
  std::vector<TimelineMarker> checks;              ///< one per check the engine ran
};

/// A run of one spec in one scenario with one seed, as the timeline draws it.
struct Timeline {
  std::string title;    ///< "Canary test/podinfo × error-regression-1pt, seed 42"
  std::string error;    ///< set when the run could not be made (nothing else is then set)
  double duration = 0;  ///< seconds the chart spans
  std::vector<std::pair<double, double>> canaryWeight;  ///< (t, percent) after each tick/event
  std::vector<TimelineMarker> events;                   ///< ticks, gates, promotion, rollback
  std::vector<std::pair<double, double>> regression;    ///< [from, to) where the release misbehaves
  std::vector<TimelineMetric> metrics;
  std::string outcome;  ///< e.g. "rolled back at 7m (tick 8)"
  bool promoted = false;
  bool rolledBack = false;
  std::string summary;    ///< requests, errors, excess errors, peak weight
  double simulateMs = 0;  ///< wall time of the run (display only)
};

/// A spec loaded from a manifest, editable through its fields or its text.
class SpecDocument {
 public:
  virtual ~SpecDocument() = default;

  /// The kind: "Canary" or "Rollout".
  virtual std::string kind() const = 0;
  /// A copy with the same texts, for pinning a variant.
  virtual std::unique_ptr<SpecDocument> clone() const = 0;
  /// The fields the form edits, with their current values.
  virtual std::vector<SpecField> fields() const = 0;
  /// Sets a field ("" removes it): the text is patched (only that value changes) and decoded
  /// again. Throws core::InputError when the text cannot be patched (e.g. it no longer parses).
  virtual void setField(const std::string& id, const std::string& value) = 0;
  /// Runs it in a scenario with a seed as `rolloutlab simulate --seed S` does (app::simulateRun
  /// on batchWorkspace()) and draws the run (timelineOf); errors are returned in
  /// Timeline::error.
  virtual Timeline simulate(const scenarios::Scenario& scenario, std::uint64_t seed,
                            const std::string& meshProvider) const = 0;
  /// Runs it against a recording (a `Replay` document): as recorded, or bootstrap replicate
  /// `replicate`, with the seed and options `rolloutlab simulate --seed S [--replicate R]` gives
  /// it (app::replayRun). The recording is opened through `cache`. Errors (a file that
  /// cannot be read, a metric the recording cannot answer, a server that fails) are returned in
  /// Timeline::error. A live Prometheus is queried: never call it on the GUI thread.
  virtual Timeline replay(const replay::ReplaySpec& recording, std::uint64_t seed,
                          std::optional<std::uint64_t> replicate, const std::string& meshProvider,
                          RecordingCache& cache) const = 0;
  /// A workspace holding just this spec (as edited) and what it refers to, for batches.
  virtual app::Workspace batchWorkspace() const = 0;
  /// How the kind names the unwanted end of an update in tables and summaries.
  struct OutcomeWords {
    std::string rolledBack = "Rolled back";  ///< a column header ("Aborted" for Argo)
    std::string rollbacks = "rollbacks";     ///< "false rollbacks of good releases"
  };
  virtual OutcomeWords outcomeWords() const { return {}; }

  /// Structural edits the form offers beside its fields (an Argo Rollout: append, insert after
  /// a step, move up or down, or remove a canary step).
  struct Action {
    std::string id;       ///< e.g. "steps.2.remove", "steps.add.pause"
    std::string group;    ///< the form section it belongs to
    std::string label;    ///< the button's text
    std::string help;     ///< its tooltip
    std::string fieldId;  ///< shown beside this field's row; empty: at the end of the group
    /// Empty: a button of its own. Else the text of a drop-down button gathering the actions
    /// of the same row and menu (e.g. "+" for the steps to insert after a step).
    std::string menu;
  };
  virtual std::vector<Action> actions() const { return {}; }
  /// Runs an action: the text is patched and decoded again, as setField does. Throws
  /// core::InputError when it cannot be done.
  virtual void runAction(const std::string& id);

  /// A file other than the spec's own that its fields edit (an Argo Rollout's
  /// AnalysisTemplates): its text as loaded and as edited.
  struct LinkedText {
    std::string file;
    std::string originalText;
    std::string text;
  };
  const std::vector<LinkedText>& linkedTexts() const { return linked_; }
  /// The text of the spec's own file or of a linked one; nullptr for any other file.
  const std::string* textOf(const std::string& file) const;
  const std::string* originalTextOf(const std::string& file) const;
  /// Replaces the text of the spec's own file or of a linked one (edited by hand) and decodes
  /// again; false (nothing changed) for any other file.
  bool setTextOf(const std::string& file, const std::string& text);
  /// Every text by file (the spec's own and the linked ones), to restore later.
  std::map<std::string, std::string> texts() const;
  /// Sets the texts of the files named (others keep theirs) and decodes once.
  void setTexts(const std::map<std::string, std::string>& texts);
  /// Every text back as loaded.
  void revert();
  /// The text of `file` (the spec's own or a linked one) is what the file now holds: it
  /// becomes the text "as loaded" (after a save).
  void markSaved(const std::string& file);
  /// The spec's own file is now `to` (after a Save As): the texts stay, the spec decodes again
  /// and names the new file.
  virtual void renameFile(const std::string& to);

  /// Replaces the text (edited by hand) and decodes it again.
  void setText(const std::string& text);
  /// `Kind/namespace/name` as batches key it (the name as loaded).
  const std::string& key() const { return key_; }
  /// `namespace/name`.
  const std::string& name() const { return name_; }
  const std::string& file() const { return file_; }
  int documentIndex() const { return documentIndex_; }
  /// The file's text as loaded, and as edited.
  const std::string& originalText() const { return originalText_; }
  const std::string& text() const { return text_; }
  /// True when any text (the spec's own or a linked one) differs from the file as loaded.
  bool edited() const;
  /// Problems of the current text (this document only); valid() when none is an error.
  const core::Diagnostics& diagnostics() const { return diagnostics_; }
  bool valid() const { return valid_; }
  /// 1-based line of the document in its file.
  int line() const { return line_; }

 protected:
  /// Decodes `text_` into the kind's spec; sets diagnostics_ and valid_ (keeps the last valid
  /// spec when the new text is invalid).
  virtual void decode() = 0;

  std::string key_, name_, file_;
  int documentIndex_ = 0;
  int line_ = 0;
  std::string originalText_, text_;
  core::Diagnostics diagnostics_;
  bool valid_ = true;
  std::vector<LinkedText> linked_;
};

/// The specs of a workspace, one per Canary and Rollout, in file order. Each reads its file's
/// text (and a Rollout its templates' files) from disk to keep it for editing.
std::vector<std::unique_ptr<SpecDocument>> makeSpecDocuments(const app::Workspace& ws);

/// The file's text as on disk ("" when it cannot be read).
std::string readTextFile(const std::string& path);
/// The 0-based index of the document of `text` that starts on `line` (0 when none does).
int documentIndexAt(const std::string& text, const std::string& file, int line);

/// The spans [from, to) of [0, duration) where the scenario's release misbehaves: its canary
/// behaviour tested between consecutive breakpoints of its effects and on a grid of `grid`
/// seconds (for drifts).
std::vector<std::pair<double, double>> regressionSpans(const scenarios::CompiledScenario& scenario,
                                                       double duration, double grid);

/// Display formatting, locale-independent: shortest round-trip numbers, durations as "7m30s".
std::string formatNumber(double v, int maxSignificant = 6);
std::string formatDuration(double seconds);

}  // namespace rolloutlab::app::workbench
