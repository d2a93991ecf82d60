#include "test_support.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rolloutlab::test {
CommandResult runCommand(const std::string& cmd) {
  CommandResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[65536];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  r.status = pclose(p);
  return r;
}

CliResult runCli(const std::string& args, const std::string& stdinFile) {
  const std::string in = stdinFile.empty() ? "/dev/null" : stdinFile;
  const CommandResult r =
      runCommand(shellQuote(binDir() + "/rolloutlab") + " " + args + " 2>&1 <" + shellQuote(in));
  return {WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1, r.out};
}

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string sharedDir() { return ROLLOUTLAB_SHARED_DIR; }
std::string referencePath(const std::string& sub) { return sharedDir() + "/reference/" + sub; }
std::string missingReference(const std::string& sub) {
  const std::string p = referencePath(sub);
  std::error_code ec;
  if (std::filesystem::exists(p, ec)) return "";
  return "needs the upstream reference material at " + p +
         " (not in this checkout; point -DROLLOUTLAB_SHARED_DIR at the folder holding "
         "reference/)";
}
std::string dataDir() { return ROLLOUTLAB_TEST_DATA_DIR; }
std::string sourceDir() { return ROLLOUTLAB_SOURCE_DIR; }
std::string binDir() { return ROLLOUTLAB_BIN_DIR; }
std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace rolloutlab::test
