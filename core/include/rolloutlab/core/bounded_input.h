#pragma once
/// Reading input that a careless or hostile user may hand over: a file, a pipe or a device
/// (`/dev/zero`, `/dev/urandom`). Every reader either streams (memory proportional to what it
/// keeps, never to the input) or stops at a stated cap, and refuses at once what no text
/// format holds (a NUL byte), naming the file, the line and the limit.

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <string>

namespace rolloutlab::core {

/// Caps (docs/hardening.md lists them with what each applies to).
inline constexpr std::uint64_t kMaxDocumentBytes = 64ull << 20;  ///< a YAML/JSON spec or report
inline constexpr std::uint64_t kMaxDataFileBytes =
    512ull << 20;                                       ///< a file read whole (JSON, OpenMetrics)
inline constexpr std::size_t kMaxLineBytes = 4u << 20;  ///< one line of a line-based file

/// Reads all of `in`, shown as `name` in messages, for `what` ("query_range JSON"). Throws
/// InputError: at the first NUL byte ("name:line: a NUL byte: not a text file"), and as soon as
/// more than `limit` bytes came ("name: larger than the N-byte limit for WHAT"), so a device
/// that never ends costs at most `limit` bytes and a binary file almost nothing. A stream
/// that fails while reading is an InputError naming the file, too.
std::string readAllBounded(std::istream& in, const std::string& name, std::uint64_t limit,
                           const std::string& what);

/// Opens `path` and reads it with readAllBounded ("cannot read: REASON" when it cannot open).
std::string readFileBounded(const std::string& path, std::uint64_t limit, const std::string& what);

/// Names the input being read on this thread while it lives ("x.json (a query_range JSON
/// file)"). When an exception leaves the scope (out of memory while reading), the name is
/// kept, so the top-level message can say what was being read.
class ReadingScope {
 public:
  explicit ReadingScope(std::string what);
  ~ReadingScope();
  ReadingScope(const ReadingScope&) = delete;
  ReadingScope& operator=(const ReadingScope&) = delete;

 private:
  std::string previous_;
  int exceptions_;
};

/// What was being read when an exception last left a ReadingScope on this thread ("" if none).
std::string readingWhenFailed();

/// Lines of a stream, one at a time, in memory bounded by the longest line. A line longer
/// than `maxLine` bytes fails (InputError naming file and line) as soon as it passes the limit,
/// not at the end of input: a pipe or device that sends an endless line costs `maxLine`
/// bytes and stops. A NUL byte fails at once (a binary file or /dev/zero).
class LineReader {
 public:
  LineReader(std::istream& in, std::string name, std::string what,
             std::size_t maxLine = kMaxLineBytes);
  /// The next line without its "\n" (a trailing "\r" and, on line 1, a UTF-8 byte order
  /// mark are removed); false at the end.
  bool next(std::string& line);
  /// 1-based number of the line last returned.
  int lineNumber() const { return line_; }
  const std::string& name() const { return name_; }

 private:
  std::istream& in_;
  std::string name_;
  std::string what_;
  std::size_t maxLine_;
  ReadingScope scope_;
  int line_ = 0;
  std::unique_ptr<char[]> buf_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
};

/// "4 MiB", "512 MiB", "1000 bytes": a byte count for messages.
std::string formatBytes(std::uint64_t bytes);

}  // namespace rolloutlab::core
