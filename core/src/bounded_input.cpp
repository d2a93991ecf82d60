#include "rolloutlab/core/bounded_input.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <utility>

#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::core {

namespace {

constexpr std::size_t kChunk = 64u << 10;

[[noreturn]] void refuse(const std::string& name, int line, const std::string& rule) {
  Diagnostic d;
  d.file = name;
  d.line = line;
  d.rule = rule;
  throw InputError(std::move(d));
}

// Up to `n` bytes of what `sb` holds now, or waits for at least one: a pipe fed slowly
// answers as its data comes rather than when `n` bytes have gathered.
std::size_t readSome(std::streambuf* sb, char* buf, std::size_t n) {
  std::streamsize avail = sb->in_avail();
  if (avail <= 0) {
    if (std::char_traits<char>::eq_int_type(sb->sgetc(), std::char_traits<char>::eof())) return 0;
    avail = std::max<std::streamsize>(sb->in_avail(), 1);
  }
  const auto want =
      static_cast<std::streamsize>(std::min<std::size_t>(n, static_cast<std::size_t>(avail)));
  const std::streamsize got = sb->sgetn(buf, want);
  return got > 0 ? static_cast<std::size_t>(got) : 0;
}

std::string nulRule() {
  return "a NUL byte: not a text file (a binary file or a device such as /dev/zero?)";
}

thread_local std::string tReading;
thread_local std::string tFailed;

}  // namespace

ReadingScope::ReadingScope(std::string what)
    : previous_(std::exchange(tReading, std::move(what))), exceptions_(std::uncaught_exceptions()) {
  tFailed.clear();  // a new read: an older failure is no longer news
}

ReadingScope::~ReadingScope() {
  // The innermost scope an exception leaves names the input (outer ones find it set).
  if (std::uncaught_exceptions() > exceptions_ && tFailed.empty()) {
    try {
      tFailed = tReading;
    } catch (...) {  // no memory left even for the name: the message says less
    }
  }
  tReading.swap(previous_);
}

std::string readingWhenFailed() { return tFailed; }

std::string formatBytes(std::uint64_t bytes) {
  if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0)
    return std::to_string(bytes >> 30) + " GiB";
  if (bytes >= (1ull << 20) && bytes % (1ull << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= (1ull << 10) && bytes % (1ull << 10) == 0)
    return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

std::string readAllBounded(std::istream& in, const std::string& name, std::uint64_t limit,
                           const std::string& what) {
  const ReadingScope scope(name + " (" + what + ")");
  std::streambuf* sb = in.rdbuf();
  std::string out;
  if (sb == nullptr) return out;
  char buf[kChunk];
  int line = 1;
  for (;;) {
    std::size_t got = 0;
    try {
      got = readSome(sb, buf, sizeof buf);
    } catch (const std::exception& e) {
      refuse(name, 0, std::string("cannot read: ") + e.what());
    }
    if (got == 0) break;
    if (const void* nul = std::memchr(buf, '\0', got)) {
      const auto at = static_cast<std::size_t>(static_cast<const char*>(nul) - buf);
      refuse(name, line + static_cast<int>(std::count(buf, buf + at, '\n')), nulRule());
    }
    if (out.size() + got > limit) {
      refuse(name, 0, "larger than the " + formatBytes(limit) + " limit for " + what);
    }
    line += static_cast<int>(std::count(buf, buf + got, '\n'));
    out.append(buf, got);
  }
  return out;
}

std::string readFileBounded(const std::string& path, std::uint64_t limit, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) refuse(path, 0, std::string("cannot read the file: ") + std::strerror(errno));
  return readAllBounded(in, path, limit, what);
}

LineReader::LineReader(std::istream& in, std::string name, std::string what, std::size_t maxLine)
    : in_(in),
      name_(std::move(name)),
      what_(std::move(what)),
      maxLine_(maxLine),
      scope_(name_ + " (" + what_ + ")") {}

bool LineReader::next(std::string& line) {
  line.clear();
  std::streambuf* sb = in_.rdbuf();
  bool any = false;
  for (;;) {
    if (pos_ == end_) {
      if (sb == nullptr || eof_) break;
      if (!buf_) buf_.reset(new char[kChunk]);
      try {
        end_ = readSome(sb, buf_.get(), kChunk);
      } catch (const std::exception& e) {
        refuse(name_, line_ + 1, std::string("cannot read: ") + e.what());
      }
      pos_ = 0;
      if (end_ == 0) {
        eof_ = true;
        break;
      }
    }
    any = true;
    const char* from = buf_.get() + pos_;
    const std::size_t n = end_ - pos_;
    const void* nl = std::memchr(from, '\n', n);
    const std::size_t take = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - from) : n;
    if (std::memchr(from, '\0', take) != nullptr) refuse(name_, line_ + 1, nulRule());
    if (line.size() + take > maxLine_) {
      refuse(name_, line_ + 1,
             "a line longer than " + formatBytes(maxLine_) + " (the limit for one line of " +
                 what_ + ")");
    }
    line.append(from, take);
    pos_ += take;
    if (nl != nullptr) {
      ++pos_;  // the newline
      break;
    }
  }
  if (!any) return false;
  ++line_;
  if (line_ == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

}  // namespace rolloutlab::core
