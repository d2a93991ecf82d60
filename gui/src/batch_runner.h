#pragma once
/// Runs Monte Carlo batches (app::runBatch) off the GUI thread. Progress and the result come
/// back to the GUI thread as signals; cancel() sets the library's cancel flag, and the runs
/// finished by then are kept (the result is marked partial).

#include <QObject>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "handoff.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/scenarios/mesh_series.h"

namespace rolloutlab::gui {

/// One spec to run over the scenarios: a workspace holding it (see
/// SpecDocument::batchWorkspace) and a label for the report.
struct BatchJob {
  std::string label;
  app::Workspace workspace;
};

/// What a finished (or cancelled, or failed) batch gives: one result per job, in job order.
struct BatchOutcome {
  std::vector<std::string> labels;
  std::vector<app::BatchResult> results;
  bool cancelled = false;
  std::string error;  ///< set when the batch could not run (e.g. a metric no scenario evaluates)
  double seconds = 0;
};

class BatchRunner : public QObject {
  Q_OBJECT

 public:
  explicit BatchRunner(QObject* parent = nullptr);
  /// Cancels a running batch and waits for its threads.
  ~BatchRunner() override;

  /// Starts the jobs one after the other on a background thread; false when a batch is
  /// already running. Every job runs with the same options (so with the same seeds) over the
  /// scenarios and the recordings (`replays`: each replicate a bootstrap resample of the
  /// recording, as `rolloutlab batch` runs them; the recordings are read on that thread).
  bool start(std::vector<BatchJob> jobs, std::vector<scenarios::Scenario> scenarios,
             app::BatchOptions options, std::string meshProvider,
             std::vector<replay::ReplaySpec> replays = {});
  /// Asks the running batch to stop; finished() follows with the runs done so far.
  void cancel();
  bool running() const { return running_; }

 signals:
  /// Runs done and planned over all jobs (on the GUI thread, a few times a second).
  void progress(qint64 done, qint64 total);
  /// The batch ended (on the GUI thread).
  void finished(std::shared_ptr<const rolloutlab::gui::BatchOutcome> outcome);
  /// Emitted on the batch's threads when they put news in news_ (queued to takeNews).
  void newsWaiting(QPrivateSignal);

 private:
  /// What the batch's threads tell the GUI thread: runs done, or (last) the outcome.
  struct News {
    qint64 done = 0;
    std::optional<BatchOutcome> outcome;
  };
  void join();
  /// On the GUI thread: delivers the news waiting (progress(), finished()).
  void takeNews();

  std::thread thread_;
  std::atomic<bool> cancel_{false};
  bool running_ = false;
  qint64 total_ = 0;  // runs planned over all jobs of the batch running
  Handoff<News> news_;
};

}  // namespace rolloutlab::gui
