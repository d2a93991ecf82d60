// The hand-off of results from a worker thread to the GUI thread (gui/src/handoff.h): values
// come out in the order they were put, each once, and are freed on the thread that took them,
// never on the worker (a result whose last reference the worker drops after the GUI thread has
// used it is the pattern ThreadSanitizer cannot see ordered through Qt's event queue).

#include "handoff.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <utility>
#include <vector>

using rolloutlab::gui::Handoff;

namespace {

/// The threads that destroyed Tracked values, in order.
struct Frees {
  std::mutex mutex;
  std::vector<std::thread::id> threads;
  void add() {
    const std::lock_guard<std::mutex> lock(mutex);
    threads.push_back(std::this_thread::get_id());
  }
};

/// Records in `freedOn` the thread that destroys it (a moved-from one records nothing).
struct Tracked {
  int value = 0;
  Frees* freedOn = nullptr;
  Tracked(int v, Frees* f) : value(v), freedOn(f) {}
  Tracked(Tracked&& o) noexcept : value(o.value), freedOn(std::exchange(o.freedOn, nullptr)) {}
  Tracked& operator=(Tracked&&) = delete;
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  ~Tracked() {
    if (freedOn != nullptr) freedOn->add();
  }
};

}  // namespace

TEST(Handoff, ValuesPutOnAWorkerThreadComeOutInOrderAndAreFreedOnTheTakingThread) {
  Handoff<Tracked> handoff;
  Frees freed;
  std::thread worker([&]() {
    for (int i = 0; i < 1000; ++i) handoff.put(Tracked(i, &freed));
  });
  std::vector<int> seen;
  // Takes while the worker puts, as the GUI thread does on each notification.
  while (seen.size() < 1000) {
    for (Tracked& t : handoff.take()) seen.push_back(t.value);
    std::this_thread::yield();
  }
  worker.join();
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(seen[static_cast<std::size_t>(i)], i);
  // Each value freed once, here (the worker only moved them in, even as the queue grew).
  ASSERT_EQ(freed.threads.size(), 1000u);
  for (const auto& id : freed.threads) ASSERT_EQ(id, std::this_thread::get_id());
  EXPECT_TRUE(handoff.take().empty());
}
