#include "timeline_worker.h"

#include <QMetaObject>

namespace rolloutlab::gui {

TimelineWorker::TimelineWorker(QObject* parent) : QObject(parent) {}

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
    auto timeline = std::make_shared<const Timeline>(job.second());
    // Queued to the GUI thread; dropped if the worker is gone by then.
    QMetaObject::invokeMethod(
        this,
        [this, ticket = job.first, timeline]() {
          --pending_;
          emit finished(ticket, timeline);
        },
        Qt::QueuedConnection);
  }
}

}  // namespace rolloutlab::gui
