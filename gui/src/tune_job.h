#pragma once
/// Runs a tune (app's SpecPatcher and BatchEvaluator under tune::runSearch, the driver of
/// `rolloutlab tune`) off the GUI thread. Progress and the result come back to the GUI thread
/// as signals; cancel() sets the search's cancel flag and the search ends with what it has, its
/// result marked partial, as the CLI's Ctrl-C does.

#include <QObject>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "handoff.h"
#include "rolloutlab/app/tune_runner.h"
#include "rolloutlab/sim/scenario.h"
#include "rolloutlab/tune/search.h"
#include "rolloutlab/tune/space.h"

namespace rolloutlab::gui {

/// A TuningSpace decoded from the text of an editor: the space, or the problems of the text
/// (each naming `file`, line, field and rule).
struct ParsedSpace {
  std::shared_ptr<const tune::TuningSpace> space;  ///< null when the text has an error
  core::Diagnostics diagnostics;
  bool ok() const { return space != nullptr; }
};
/// Decodes `text` (named `file` in messages) strictly, as `rolloutlab tune --space` does: it
/// must hold exactly one TuningSpace.
ParsedSpace parseTuningSpace(const std::string& text, const std::string& file);

/// What a tune runs: the space, the spec's files (its own and the templates its fields edit,
/// as edited, in that order), the scenarios and the options `rolloutlab tune` takes.
struct TuneRequest {
  std::shared_ptr<const tune::TuningSpace> space;
  std::vector<std::pair<std::string, std::string>> specFiles;
  std::vector<sim::Scenario> scenarios;
  std::uint64_t seed = 0;
  int threads = 0;          ///< 0: one per core
  std::int64_t budget = 0;  ///< 0: no limit
  std::string meshProvider = "istio";
};

/// A finished (or cancelled, or refused) tune.
struct TuneOutcome {
  std::shared_ptr<const tune::TuningSpace> space;
  /// The spec's files the tune patched, as they were when it started.
  std::vector<std::pair<std::string, std::string>> specFiles;
  /// Writes a candidate into specFiles (null when the tune could not start).
  std::shared_ptr<const app::SpecPatcher> patcher;
  tune::SearchResult result;
  std::vector<tune::ScenarioInfo> scenarios;
  std::uint64_t seed = 0;
  std::uint64_t remeasureSeed = 0;  ///< `batch --seed` of the re-measure's runs
  std::string error;                ///< set when the tune could not run (nothing else is then set)
  double seconds = 0;
};

class TuneJob : public QObject {
  Q_OBJECT

 public:
  explicit TuneJob(QObject* parent = nullptr);
  /// Cancels a running tune and waits for its thread.
  ~TuneJob() override;

  /// Starts the tune on a background thread; false when one is already running.
  bool start(TuneRequest request);
  /// Asks the running tune to stop; finished() follows with the result so far (partial).
  void cancel();
  bool running() const { return running_; }

 signals:
  /// Runs done and planned in the current step, runs spent so far in all, and the step (on the
  /// GUI thread, a few times a second).
  void progress(qint64 done, qint64 planned, qint64 total, const QString& stage);
  /// The tune ended (on the GUI thread).
  void finished(std::shared_ptr<const rolloutlab::gui::TuneOutcome> outcome);
  /// Emitted on the tune's threads when they put news in news_ (queued to takeNews).
  void newsWaiting(QPrivateSignal);

 private:
  /// What the tune's threads tell the GUI thread: progress, or (last) the outcome.
  struct News {
    qint64 done = 0;
    qint64 planned = 0;
    qint64 total = 0;
    std::string stage;
    std::optional<TuneOutcome> outcome;
  };
  void join();
  /// On the GUI thread: delivers the news waiting (progress(), finished()).
  void takeNews();

  std::thread thread_;
  std::atomic<bool> cancel_{false};
  bool running_ = false;
  Handoff<News> news_;
};

}  // namespace rolloutlab::gui
