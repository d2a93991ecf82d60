#pragma once
/// The `Script` document (rolloutlab.io/v1alpha1): drives an engine tick by tick with what
/// each check returns, to ask "what does the controller do if...".

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rolloutlab/core/flagger/engine.h"

namespace rolloutlab::core {

/// A scripted metric answer: a shorthand or a number checked against the threshold.
struct ScriptMetricValue {
  enum class Kind {
    kPass,    ///< a value inside the metric's threshold
    kFail,    ///< a value outside it
    kError,   ///< the query fails
    kNoData,  ///< no values found
    kNumber,  ///< this number, compared by the engine
  };
  Kind kind = Kind::kPass;
  double number = 0.0;
};
const char* toString(ScriptMetricValue::Kind k);

/// What a tick observes; unset fields fall back to the script's defaults, then to "all pass".
struct ScriptObservation {
  std::optional<flagger::Readiness> primaryReady;
  std::optional<flagger::Readiness> canaryReady;
  std::optional<bool> webhooks;              ///< pass/fail for every webhook
  std::map<std::string, bool> webhookByKey;  ///< by webhook type or webhook name
  std::optional<ScriptMetricValue> metrics;  ///< shorthand for every metric
  std::map<std::string, ScriptMetricValue> metricByName;
  /// Where each key of `webhookByKey` and `metricByName` is written (for diagnostics).
  std::map<std::string, int> webhookLines;
  std::map<std::string, int> metricLines;
};

/// `revision` of a tick: `new` is the controller noticing the new release, `changed` another
/// new revision arriving (both bump the target's pod template).
enum class RevisionEvent { kNone, kNew, kChanged };

struct ScriptTick {
  RevisionEvent revision = RevisionEvent::kNone;
  ScriptObservation obs;
  int line = 0;
};

struct ScriptField;

/// A value written in a script for an Argo metric's provider to return: a number, a string, a
/// bool, a list or a map (a web metric's JSON), or null. NaN and infinities are numbers.
struct ScriptDatum {
  enum class Kind { kNull, kNumber, kString, kBool, kList, kMap };
  Kind kind = Kind::kNull;
  double number = 0;
  std::string text;
  bool boolean = false;
  std::vector<ScriptDatum> items;
  std::vector<ScriptField> fields;
};

/// A key and its value, in a map. (Not a std::pair: clang 14 with libstdc++ 12 rejects a
/// std::pair of the still-incomplete ScriptDatum inside ScriptDatum in C++20.)
struct ScriptField {
  ScriptField(std::string k, ScriptDatum v) : first(std::move(k)), second(std::move(v)) {}
  std::string first;
  ScriptDatum second;
};

/// One scripted answer of an Argo metric's provider, consumed in order (the last one repeats
/// when the list runs out): a result, or a provider error. For a Job metric a number is the
/// Job's exit code (0 succeeds); for a Kayenta metric it is the judgment's score.
struct ScriptMeasurement {
  bool error = false;
  ScriptDatum value;
  int line = 0;
};

/// A user action at a time (seconds since the new revision): promote, promote-full, abort,
/// retry, pause, resume.
struct ScriptAction {
  double at = 0;
  std::string action;
  int line = 0;
};

struct Script {
  std::string name;
  std::string target;  ///< the Canary or Rollout to drive; empty = the only/first one
  std::string file;
  int line = 0;
  ScriptObservation defaults;
  std::vector<ScriptTick> ticks;
  // Argo Rollouts (event-driven; ticks are not used):
  std::map<std::string, std::vector<ScriptMeasurement>> measurements;  ///< by metric name
  std::map<std::string, int> measurementLines;  ///< where each metric's list is written
  std::optional<double> podStartup;  ///< seconds new pods take to become available (default 0)
  std::vector<ScriptAction> actions;
  std::optional<double> until;  ///< simulated seconds at most (default 3600)
  /// Where each field of `spec` is written (`ticks`, `measurements`, ...), for diagnostics.
  std::map<std::string, int> fieldLines;
};

}  // namespace rolloutlab::core
