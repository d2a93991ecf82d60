// The bad-input corpus (tests/data/bad/, one file per class of hostile or careless input):
// `rolloutlab validate FILE` on each exits 1 with one error line that names the file, the
// line and the problem, within bounded time and address space.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace fs = std::filesystem;

namespace {

struct BadInput {
  const char* file;     ///< under tests/data/bad/
  const char* options;  ///< extra validate options ("--strict" where the rule is a warning)
  const char* line;     ///< the line the error names
  const char* problem;  ///< text the error line must hold after "FILE:LINE: "
};

// Warnings (what the API server accepts but cannot work) are checked with --strict, which is
// how a CI gate runs validate.
const std::vector<BadInput> kCorpus = {
    {"rollout-billion-laughs.yaml", "", "11",
     "YAML alias *c: document contains excessive aliasing"},
    {"analysistemplate-billion-laughs.yaml", "", "11",
     "YAML alias *c: document contains excessive aliasing"},
    {"clusteranalysistemplate-billion-laughs.yaml", "", "11",
     "YAML alias *c: document contains excessive aliasing"},
    {"canary-billion-laughs.yaml", "", "11", "YAML alias *c: document contains excessive aliasing"},
    {"metrictemplate-billion-laughs.yaml", "", "11",
     "YAML alias *c: document contains excessive aliasing"},
    {"script-billion-laughs.yaml", "", "11", "YAML alias *c: document contains excessive aliasing"},
    {"scenario-billion-laughs.yaml", "", "11",
     "YAML alias *c: document contains excessive aliasing"},
    {"judge-billion-laughs.yaml", "", "11", "YAML alias *c: document contains excessive aliasing"},
    {"replay-billion-laughs.yaml", "", "11", "YAML alias *c: document contains excessive aliasing"},
    {"rollout-alias-cycle.yaml", "", "11",
     "YAML alias *loop: anchor \"loop\" value contains itself"},
    {"analysistemplate-failurelimit-word.yaml", "", "11",
     "spec.metrics[0].failureLimit = \"one\": must be an integer"},
    {"rollout-maxsurge-word.yaml", "", "19",
     "spec.strategy.canary.maxSurge = \"two\": must be an integer or a percentage"},
    {"metrictemplate-empty-query.yaml", "--strict", "10", "spec.query = \"\": empty query"},
    {"metrictemplate-missing-query.yaml", "", "7", "spec.query: required field is missing"},
    {"canary-negative-progressdeadline.yaml", "--strict", "8",
     "spec.progressDeadlineSeconds = -60: must be > 0"},
    {"rollout-negative-progressdeadline.yaml", "", "2",
     "spec.progressDeadlineSeconds = -60: must be greater than or equal to 0"},
    {"canary-name-not-dns1123.yaml", "", "5",
     "metadata.name = \"PodInfo_v2\": a lowercase RFC 1123 subdomain"},
    {"rollout-name-invalid-utf8.yaml", "", "5",
     "metadata.name = \"caf\\xe9\": a lowercase RFC 1123 subdomain"},
    {"analysistemplate-name-too-long.yaml", "", "5", "must be no more than 253 characters"},
};

}  // namespace

TEST(BadInputCorpus, EveryFileIsListed) {
  std::set<std::string> listed;
  for (const auto& b : kCorpus) listed.insert(b.file);
  for (const auto& e : fs::directory_iterator(rolloutlab::test::dataDir() + "/bad")) {
    EXPECT_TRUE(listed.count(e.path().filename().string())) << e.path() << " has no row in kCorpus";
  }
  EXPECT_EQ(listed.size(), kCorpus.size()) << "a file is listed twice";
}

TEST(BadInputCorpus, ValidateExitsOneWithOneLineNamingFileAndProblem) {
  for (const auto& b : kCorpus) {
    SCOPED_TRACE(b.file);
    const std::string path = rolloutlab::test::dataDir() + "/bad/" + b.file;
    // A 1 GiB address-space cap (ASan reserves terabytes of shadow memory, so not there) and
    // a 20 s time cap: a runaway reader fails the test rather than the machine.
    std::string cmd;
#if !defined(__SANITIZE_ADDRESS__)
    cmd += "ulimit -v 1048576; ";
#endif
    cmd += "exec timeout 20 " +
           rolloutlab::test::shellQuote(rolloutlab::test::binDir() + "/rolloutlab") +
           " validate -o text " + b.options + " " + rolloutlab::test::shellQuote(path) + " 2>&1";
    const auto start = std::chrono::steady_clock::now();
    const auto r = rolloutlab::test::runCommand(cmd);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(WIFEXITED(r.status)) << r.out;
    EXPECT_EQ(WEXITSTATUS(r.status), 1) << r.out;
    EXPECT_LT(seconds, 5.0);
    std::vector<std::string> errors;
    std::istringstream lines(r.out);
    for (std::string l; std::getline(lines, l);) {
      if (l.rfind("error: ", 0) == 0) errors.push_back(l);
    }
    ASSERT_EQ(errors.size(), 1u) << r.out;
    const std::string head = "error: " + path + ":" + b.line + ": ";
    EXPECT_EQ(errors[0].rfind(head, 0), 0u) << errors[0];
    EXPECT_NE(errors[0].find(b.problem, head.size()), std::string::npos) << errors[0];
  }
}
