// Readers that a pipe, a device or a huge file cannot make spin or grow without bound: the
// line cap fails as soon as a line passes it (not at the end of input), a NUL byte fails at
// once, whole-file reads stop at their cap, and every YAML load goes through the alias budget.

#include "rolloutlab/core/bounded_input.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/replay/access_log.h"
#include "rolloutlab/replay/recording.h"
#include "rolloutlab/replay/traffic.h"
#include "rolloutlab/sim/mesh.h"

namespace core = rolloutlab::core;
namespace fs = std::filesystem;

namespace {

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// A FIFO fed by a thread: `chunk` repeated until the reader goes away or `limit` bytes went.
class FeedingFifo {
 public:
  FeedingFifo(const std::string& chunk, std::uint64_t limit) {
    path_ = (fs::temp_directory_path() /
             ("rolloutlab-fifo-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++)))
                .string();
    ::unlink(path_.c_str());
    if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
    writer_ = std::thread([this, chunk, limit] {
      std::FILE* f = std::fopen(path_.c_str(), "wb");  // blocks until the reader opens it
      if (f == nullptr) return;
      std::uint64_t sent = 0;
      while (sent < limit && !stop_) {
        if (std::fwrite(chunk.data(), 1, chunk.size(), f) != chunk.size()) break;  // EPIPE
        sent += chunk.size();
      }
      sent_ = sent;
      std::fclose(f);
    });
  }
  ~FeedingFifo() {
    stop_ = true;
    // Unblock a writer still waiting for a reader.
    const int fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK);
    writer_.join();
    if (fd >= 0) ::close(fd);
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::uint64_t sent() const { return sent_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
  std::thread writer_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> sent_{0};
};

double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST(BoundedInput, AnEndlessAccessLogLineFromAPipeFailsAtTheCapNotAtTheEnd) {
  std::signal(SIGPIPE, SIG_IGN);
  // 64 GiB of one line: before, the reader skipped it to its end (minutes to hours); now it
  // fails once the line passes 4 MiB.
  FeedingFifo fifo(std::string(1 << 16, 'x'), 64ull << 30);
  rolloutlab::replay::AccessLogOptions o;
  o.canaryMatch = "canary";
  rolloutlab::replay::TrafficRecording rec(rolloutlab::sim::meshLayout("istio"), 15, false);
  const auto start = std::chrono::steady_clock::now();
  const std::string err =
      errorOf([&] { rolloutlab::replay::ingestAccessLogs({fifo.path()}, o, rec); });
  EXPECT_EQ(err, fifo.path() + ":1: a line longer than 4 MiB (the limit for one access-log line)");
  EXPECT_LT(secondsSince(start), 10.0);
}

TEST(BoundedInput, AnEndlessLineInALineReaderFailsAtTheCap) {
  std::signal(SIGPIPE, SIG_IGN);
  FeedingFifo fifo(std::string(1 << 16, '7'), 64ull << 30);
  std::ifstream in(fifo.path(), std::ios::binary);
  core::LineReader lines(in, fifo.path(), "a sample file", 1u << 20);
  std::string line;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(errorOf([&] {
              while (lines.next(line)) {
              }
            }),
            fifo.path() + ":1: a line longer than 1 MiB (the limit for one line of a sample file)");
  EXPECT_LT(secondsSince(start), 10.0);
}

TEST(BoundedInput, LinesArriveAsAPipeSendsThem) {
  // A slow pipe's lines are handed over as they come: the reader does not wait to fill a buffer.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([w = fds[1]] {
    for (const char* s : {"first\n", "second\r\n", "third"}) {
      ASSERT_EQ(::write(w, s, std::strlen(s)), static_cast<ssize_t>(std::strlen(s)));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::close(w);
  });
  const std::string path = "/dev/fd/" + std::to_string(fds[0]);
  std::ifstream in(path, std::ios::binary);
  core::LineReader lines(in, "pipe", "a test");
  std::string l;
  ASSERT_TRUE(lines.next(l));
  EXPECT_EQ(l, "first");
  ASSERT_TRUE(lines.next(l));
  EXPECT_EQ(l, "second");
  ASSERT_TRUE(lines.next(l));
  EXPECT_EQ(l, "third");
  EXPECT_EQ(lines.lineNumber(), 3);
  EXPECT_FALSE(lines.next(l));
  writer.join();
  ::close(fds[0]);
}

TEST(BoundedInput, ANulByteIsRefusedAtOnce) {
  // /dev/zero never ends: it is refused at its first byte, in every reader.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(errorOf([] { core::readFileBounded("/dev/zero", 1ull << 30, "a test file"); }),
            "/dev/zero:1: a NUL byte: not a text file (a binary file or a device such as "
            "/dev/zero?)");
  EXPECT_EQ(errorOf([] { rolloutlab::replay::readMetricCsv("/dev/zero"); }),
            "/dev/zero:1: a NUL byte: not a text file (a binary file or a device such as "
            "/dev/zero?)");
  EXPECT_EQ(errorOf([] { rolloutlab::replay::readQueryRangeFile("/dev/zero", "m", std::nullopt); }),
            "/dev/zero:1: a NUL byte: not a text file (a binary file or a device such as "
            "/dev/zero?)");
  EXPECT_LT(secondsSince(start), 5.0);
  std::istringstream in(std::string("a\nb\nc\0d\n", 8));
  core::LineReader lines(in, "x.txt", "a test");
  std::string l;
  EXPECT_EQ(errorOf([&] {
              while (lines.next(l)) {
              }
            }),
            "x.txt:3: a NUL byte: not a text file (a binary file or a device such as /dev/zero?)");
}

TEST(BoundedInput, AWholeFileReadStopsAtItsCapNamingFileAndLimit) {
  std::istringstream in(std::string(5000, 'a'));
  EXPECT_EQ(errorOf([&] { core::readAllBounded(in, "big.json", 4096, "a query_range JSON file"); }),
            "big.json: larger than the 4 KiB limit for a query_range JSON file");
  std::istringstream ok(std::string(4096, 'a'));
  EXPECT_EQ(core::readAllBounded(ok, "ok.json", 4096, "x").size(), 4096u);
  // /dev/urandom sends NUL bytes soon enough; a device of endless text is stopped by the cap.
  std::ifstream yes("/dev/urandom", std::ios::binary);
  EXPECT_NE(errorOf([&] { core::readAllBounded(yes, "/dev/urandom", 1u << 20, "x"); }),
            "(no error)");
}

TEST(BoundedInput, OutOfMemoryNamesWhatWasBeingRead) {
  try {
    const core::ReadingScope outer("big.csv (a metric CSV file)");
    throw std::bad_alloc();
  } catch (const std::bad_alloc&) {
  }
  EXPECT_EQ(core::readingWhenFailed(), "big.csv (a metric CSV file)");
  // The innermost scope names the input; a later read starts afresh.
  try {
    const core::ReadingScope outer("spec.yaml (a YAML document)");
    const core::ReadingScope inner("traffic.csv (a traffic CSV file)");
    throw std::bad_alloc();
  } catch (const std::bad_alloc&) {
  }
  EXPECT_EQ(core::readingWhenFailed(), "traffic.csv (a traffic CSV file)");
  { const core::ReadingScope fresh("ok.csv (a metric CSV file)"); }
  EXPECT_EQ(core::readingWhenFailed(), "");
}

TEST(BoundedInput, EveryYamlLoadRefusesABillionLaughs) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  const char* names = "abcdefghi";
  for (int i = 1; i < 9; ++i) {
    bomb += std::string(1, names[i]) + ": &" + names[i] + " [";
    for (int k = 0; k < 10; ++k) bomb += std::string(k ? ", " : "") + "*" + names[i - 1];
    bomb += "]\n";
  }
  const auto start = std::chrono::steady_clock::now();
  try {
    rolloutlab::io::loadYaml(bomb);
    FAIL() << "accepted";
  } catch (const YAML::ParserException& e) {
    EXPECT_EQ(e.mark.line + 1, 4);
    EXPECT_NE(e.msg.find("document contains excessive aliasing"), std::string::npos) << e.msg;
  }
  EXPECT_THROW(rolloutlab::io::loadYamlAll("x: 1\n---\n" + bomb), YAML::ParserException);
  EXPECT_LT(secondsSince(start), 5.0);
  // Ordinary aliases stay fine.
  const YAML::Node n = rolloutlab::io::loadYaml("a: &x {p: 1}\nb: *x\n");
  EXPECT_EQ(n["b"]["p"].as<int>(), 1);
}

TEST(BoundedInput, CsvRecordingStreamsFromAPipe) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([w = fds[1]] {
    const std::string text =
        "time,variant,metric,value\n1704067200,canary,m,1\n1704067260,canary,m,2\n";
    ASSERT_EQ(::write(w, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(w);
  });
  const auto rs = rolloutlab::replay::readMetricCsv("/dev/fd/" + std::to_string(fds[0]));
  writer.join();
  ::close(fds[0]);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].series[0].values, (std::vector<double>{1, 2}));
  EXPECT_EQ(rs[0].step, 60);
}
