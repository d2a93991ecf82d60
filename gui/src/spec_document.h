#pragma once
/// The workbench's view of one rollout spec, whatever its kind: the manifest's text (as loaded
/// and as edited), the analysis fields the form edits, and what a run of it looks like on a
/// timeline. One subclass per kind (Flagger `Canary` now, Argo `Rollout` later); the views only
/// see this interface and the kind-neutral `Timeline`. No rollout decision is taken here: runs
/// come from the library's engines and worlds.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/scenarios/scenario.h"

namespace rolloutlab::gui {

/// One editable field of a spec, as the form shows it.
struct SpecField {
  enum class Type {
    kInt,       ///< an integer, empty = absent (the upstream default applies)
    kNumber,    ///< a real number, empty = absent
    kDuration,  ///< a Go duration such as 1m or 30s
    kIntList,   ///< comma-separated integers (stepWeights)
  };
  std::string id;     ///< stable key, e.g. "analysis.threshold", "metrics.0.min"
  std::string group;  ///< form section, e.g. "Analysis", "Metric request-success-rate"
  std::string label;  ///< e.g. "threshold"
  Type type = Type::kInt;
  std::string value;        ///< the value as written ("" when absent)
  std::string placeholder;  ///< shown when empty, e.g. "default 1"
  std::string help;         ///< what the field does upstream
  int line = 0;             ///< line of the value in the text (0 when absent)
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
    kRollback,    ///< the rollout was rolled back (or failed)
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
  std::vector<std::pair<double, double>> canary;   ///< (t, value); ticks without a value left out
  std::vector<std::pair<double, double>> primary;  ///< (t, value)
  std::vector<TimelineMarker> checks;              ///< one per check the engine ran
};

/// A run of one spec in one scenario with one seed, as the timeline draws it.
struct Timeline {
  std::string title;    ///< "Canary test/podinfo × error-regression-1pt, seed 42"
  std::string error;    ///< set when the run could not be made (nothing else is then set)
  double duration = 0;  ///< seconds the chart spans
  std::vector<std::pair<double, int>> canaryWeight;   ///< (t, percent) after each tick
  std::vector<TimelineMarker> events;                 ///< ticks, gates, promotion, rollback
  std::vector<std::pair<double, double>> regression;  ///< [from, to) where the release misbehaves
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

  /// The kind: "Canary" (later "Rollout").
  virtual std::string kind() const = 0;
  /// A copy with the same texts, for pinning a variant.
  virtual std::unique_ptr<SpecDocument> clone() const = 0;
  /// The fields the form edits, with their current values.
  virtual std::vector<SpecField> fields() const = 0;
  /// Sets a field ("" removes it): the text is patched (only that value changes) and decoded
  /// again. Throws core::InputError when the text cannot be patched (e.g. it no longer parses).
  virtual void setField(const std::string& id, const std::string& value) = 0;
  /// Runs it in a scenario with a seed (errors are returned in Timeline::error).
  virtual Timeline simulate(const scenarios::Scenario& scenario, std::uint64_t seed,
                            const std::string& meshProvider) const = 0;
  /// A workspace holding just this spec (as edited) and what it refers to, for batches.
  virtual app::Workspace batchWorkspace() const = 0;

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
  bool edited() const { return text_ != originalText_; }
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
};

/// The specs of a workspace, one per Canary (and Rollout), in file order. Each reads its file's
/// text from disk to keep it for editing.
std::vector<std::unique_ptr<SpecDocument>> makeSpecDocuments(const app::Workspace& ws);

/// Display formatting, locale-independent: shortest round-trip numbers, durations as "7m30s".
std::string formatNumber(double v, int maxSignificant = 6);
std::string formatDuration(double seconds);

}  // namespace rolloutlab::gui
