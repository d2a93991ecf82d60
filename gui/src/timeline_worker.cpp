#include "timeline_worker.h"

namespace rolloutlab::gui {

TimelineWorker::TimelineWorker(QObject* parent) : QObject(parent) {
  connect(this, &TimelineWorker::resultsWaiting, this, &TimelineWorker::takeResults,
          Qt::QueuedConnection);
}

TimelineWorker::~TimelineWorker() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    next_.reset();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TimelineWorker::submit(quint64 ticket, std::function<Timeline()> run) {
  bool replaced = false;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    replaced = next_.has_value();
    next_.emplace(ticket, std::move(run));
  }
  if (!replaced) ++pending_;
  if (!thread_.joinable()) thread_ = std::thread([this]() { loop(); });
  wake_.notify_one();
}

void TimelineWorker::loop() {
  for (;;) {
    std::pair<quint64, std::function<Timeline()>> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this]() { return stop_ || next_.has_value(); });
      if (stop_) return;
      job = std::move(*next_);
      next_.reset();
    }
    // Handed over by value (see Handoff): no reference to the timeline is ever dropped here.
    results_.put({job.first, job.second()});
    emit resultsWaiting(QPrivateSignal());
  }
}

void TimelineWorker::takeResults() {
  for (auto& [ticket, timeline] : results_.take()) {
    --pending_;
    emit finished(ticket, std::make_shared<const Timeline>(std::move(timeline)));
  }
}

}  // namespace rolloutlab::gui
