#pragma once
/// What a worker thread hands to the GUI thread (results, progress counts), in the order it
/// was put. The worker put()s a value, then emits a signal of its own that carries nothing,
/// connected with Qt::QueuedConnection to a slot that take()s everything waiting. So the values
/// move from one thread to the other under a std::mutex and are destroyed on the GUI thread,
/// the threads share nothing else, and ThreadSanitizer sees the whole hand-off: Qt's event
/// queue synchronizes through futexes it cannot see, so data that only the queue orders (a
/// lambda's captures posted with QMetaObject::invokeMethod, a shared_ptr whose last reference
/// Qt drops on the worker) looks unsynchronized to it.

#include <mutex>
#include <utility>
#include <vector>

namespace rolloutlab::gui {

template <typename T>
class Handoff {
 public:
  /// On the worker thread.
  void put(T value) {
    const std::lock_guard<std::mutex> lock(mutex_);
    items_.push_back(std::move(value));
  }
  /// On the GUI thread: every value put so far and not taken yet, oldest first.
  std::vector<T> take() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(items_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<T> items_;
};

}  // namespace rolloutlab::gui
