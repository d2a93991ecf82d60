#pragma once
// Shared helpers for the test suites: paths to fixtures and the reference folder.
#include <gtest/gtest.h>

#include <string>

namespace rolloutlab::test {
/// The shared/ folder beside the checkout (-DROLLOUTLAB_SHARED_DIR; default ../shared). CI has
/// it; a clone alone does not.
std::string sharedDir();
/// <shared>/reference/<sub>: the upstream manifests and notes (Flagger, Argo Rollouts).
std::string referencePath(const std::string& sub);
/// Empty when referencePath(sub) exists; else the message a test that needs it skips with.
std::string missingReference(const std::string& sub);
/// tests/data in the source tree.
std::string dataDir();
/// The source tree root.
std::string sourceDir();
/// The build's bin/ folder (the rolloutlab executable).
std::string binDir();
/// Reads a whole file; fails the current test when it cannot.
std::string readFile(const std::string& path);

/// A shell command's exit status (as pclose gives it) and standard output.
struct CommandResult {
  int status = -1;
  std::string out;
};
/// Runs `cmd` with /bin/sh and collects its standard output.
CommandResult runCommand(const std::string& cmd);
/// `s` in single quotes for /bin/sh.
std::string shellQuote(const std::string& s);

/// What the rolloutlab executable did: its exit code (-1 when it did not exit normally) and
/// its standard output with standard error joined to it.
struct CliResult {
  int code = -1;
  std::string out;
};
/// Runs `<binDir>/rolloutlab ARGS` (ARGS as a shell word list) with standard input from
/// `stdinFile`, or from /dev/null when it is empty.
CliResult runCli(const std::string& args, const std::string& stdinFile = "");
}  // namespace rolloutlab::test

/// Skips the current test (GTEST_SKIP, with the path it needs) when the upstream reference
/// material `sub` (e.g. "flagger") is not beside the checkout.
#define ROLLOUTLAB_SKIP_WITHOUT_REFERENCE(sub)                                         \
  do {                                                                                 \
    const std::string rolloutlab_missing_ = ::rolloutlab::test::missingReference(sub); \
    if (!rolloutlab_missing_.empty()) GTEST_SKIP() << rolloutlab_missing_;             \
  } while (0)
