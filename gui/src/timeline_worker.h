#pragma once
/// Runs timelines off the GUI thread (replays: reading recordings, querying a live
/// Prometheus). One run at a time on one background thread; a new request replaces one still
/// waiting, and each result comes back to the GUI thread with the ticket it was asked under, so
/// the caller can drop results it no longer wants.

#include <QObject>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "handoff.h"
#include "workbench_models.h"

namespace rolloutlab::gui {

class TimelineWorker : public QObject {
  Q_OBJECT

 public:
  explicit TimelineWorker(QObject* parent = nullptr);
  /// Drops the waiting request and waits for the run in progress (a live server's run ends at
  /// its timeouts at the latest).
  ~TimelineWorker() override;

  /// Queues `run` under `ticket`, replacing a request that has not started yet. `run` must own
  /// or share everything it reads (it runs on another thread) and must not throw.
  void submit(quint64 ticket, std::function<Timeline()> run);
  /// True from submit() until the last result has been delivered.
  bool busy() const { return pending_ > 0; }

 signals:
  /// A run ended (on the GUI thread).
  void finished(quint64 ticket, std::shared_ptr<const rolloutlab::gui::Timeline> timeline);
  /// Emitted on the worker's thread when it put a result in results_ (queued to takeResults).
  void resultsWaiting(QPrivateSignal);

 private:
  void loop();
  /// On the GUI thread: delivers the results waiting (finished()).
  void takeResults();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<std::pair<quint64, std::function<Timeline()>>> next_;
  bool stop_ = false;
  int pending_ = 0;  // GUI thread only: requests not yet delivered (or dropped)
  Handoff<std::pair<quint64, Timeline>> results_;  // runs ended, by ticket
  std::thread thread_;
};

}  // namespace rolloutlab::gui
