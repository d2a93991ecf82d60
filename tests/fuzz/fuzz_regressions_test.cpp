// What fuzzing found stays fixed: every input under tests/data/fuzz-regressions/<target>/ (a
// crash, hang or runaway allocation libFuzzer reported, docs/fuzzing.md) goes through the same
// harness as fuzz_<target>, as do the committed seeds of fuzz/corpus/<target>/. Each must
// finish quickly; the sanitizer builds (make test-asan) catch memory errors on the way.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace {

struct Input {
  std::string target;
  fs::path path;
};

std::vector<Input> inputsUnder(const fs::path& root) {
  std::vector<Input> out;
  if (!fs::is_directory(root)) return out;
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path()))
      if (f.is_regular_file()) out.push_back({dir.path().filename().string(), f.path()});
  }
  std::sort(out.begin(), out.end(), [](const Input& a, const Input& b) { return a.path < b.path; });
  return out;
}

std::string bytesOf(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

/// Runs every input through its harness; each must return within `limit`.
void replayAll(const std::vector<Input>& inputs, std::chrono::seconds limit) {
  for (const Input& in : inputs) {
    SCOPED_TRACE(in.path.string());
    const auto fn = rolloutlab::fuzz::harness(in.target);
    ASSERT_NE(fn, nullptr) << "no fuzz target named " << in.target;
    const std::string data = bytesOf(in.path);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(fn(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, limit);
  }
}

}  // namespace

TEST(FuzzRegressions, FoundInputsRunThroughTheirParsersQuickly) {
  const auto inputs = inputsUnder(fs::path(rolloutlab::test::dataDir()) / "fuzz-regressions");
  ASSERT_FALSE(inputs.empty());
  replayAll(inputs, std::chrono::seconds(10));
}

TEST(FuzzRegressions, SeedCorporaRunThroughEveryHarness) {
  const auto inputs = inputsUnder(fs::path(rolloutlab::test::sourceDir()) / "fuzz" / "corpus");
  std::set<std::string> targets;
  for (const Input& in : inputs) targets.insert(in.target);
  EXPECT_GE(targets.size(), 7u);
  replayAll(inputs, std::chrono::seconds(10));
}
