// Hostile input at the decoding layer: documents that would cost unbounded memory or time,
// and values no author could mean. Each bad file lives in tests/data/bad/ and is named after
// its class.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <string>

#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/documents.h"
#include "test_support.h"

namespace {

std::string bad(const std::string& leaf) { return rolloutlab::test::dataDir() + "/bad/" + leaf; }

struct Confined {
  bool exited = false;  ///< the child exited normally (no signal: no OOM abort, no timeout)
  double seconds = 0;
  std::string firstError;  ///< the first error, as the CLI prints it
};

// Decodes `path` the way every command does (app::loadWorkspace) in a child process whose
// address space is capped at 1 GiB and whose run time is capped at 20 s, so a runaway decoder
// fails the test instead of the machine. ASan reserves terabytes of shadow address space, so
// the instrumented build keeps only the time cap.
Confined decodeConfined(const std::string& path) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
#if !defined(__SANITIZE_ADDRESS__)
    const rlimit as{1ull << 30, 1ull << 30};
    ::setrlimit(RLIMIT_AS, &as);
#endif
    ::alarm(20);
    std::string first;
    try {
      const auto ws = rolloutlab::app::loadWorkspace({path});
      for (const auto& d : ws.diagnostics.items) {
        if (d.severity == rolloutlab::core::Severity::kError) {
          first = d.toString();
          break;
        }
      }
    } catch (...) {
      first = "exception";
    }
    const ssize_t n = ::write(fds[1], first.data(), first.size());
    ::_exit(n == static_cast<ssize_t>(first.size()) ? 0 : 3);
  }
  ::close(fds[1]);
  Confined r;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) r.firstError.append(buf, n);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.exited = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return r;
}

}  // namespace

// Issue 22: a 3 KB Rollout with nested aliases reached 2 GB in 9 s, because yaml-cpp shares
// an aliased node and the Rollout decoder's tree walks visit every copy. Every kind is read
// through one reader, which applies go-yaml's alias rules (what kubectl would do with it).
TEST(HostileInput, BillionLaughsIsRefusedForEveryKind) {
  const std::string rule =
      ": YAML alias *c: document contains excessive aliasing (it expands to at least 5593 "
      "nodes, 5540 of them copies; go-yaml, which kubectl uses, refuses it)";
  for (const char* kind : {"rollout", "analysistemplate", "clusteranalysistemplate", "canary",
                           "metrictemplate", "script", "scenario", "judge", "replay"}) {
    SCOPED_TRACE(kind);
    const std::string path = bad(std::string(kind) + "-billion-laughs.yaml");
    const Confined r = decodeConfined(path);
    EXPECT_TRUE(r.exited) << "the decoder ran out of memory or time";
    EXPECT_LT(r.seconds, 5.0);
    EXPECT_EQ(r.firstError, path + ":11" + rule);
  }
}

TEST(HostileInput, AnchorThatContainsItselfIsRefused) {
  const std::string path = bad("rollout-alias-cycle.yaml");
  const Confined r = decodeConfined(path);
  EXPECT_TRUE(r.exited) << "the decoder overflowed its stack or ran out of time";
  EXPECT_EQ(r.firstError, path +
                              ":11: YAML alias *loop: anchor \"loop\" value contains itself "
                              "(go-yaml, which kubectl uses, refuses it)");
}

// The rule is go-yaml's, not "no aliases": merge keys and shared blocks, which real GitOps
// repositories use, still load.
TEST(HostileInput, OrdinaryAliasesStillLoad) {
  std::string text =
      "apiVersion: argoproj.io/v1alpha1\n"
      "kind: AnalysisTemplate\n"
      "metadata:\n"
      "  name: shared\n"
      "spec:\n"
      "  metrics:\n"
      "  - &m\n"
      "    name: a\n"
      "    interval: 1m\n"
      "    failureLimit: 2\n"
      "    successCondition: result[0] < 1\n"
      "    provider:\n"
      "      prometheus: {address: 'http://p:9090', query: 'vector(0)'}\n"
      "  - <<: *m\n"
      "    name: b\n";
  const auto set = rolloutlab::io::readDocumentsFromString(text, "shared.yaml");
  EXPECT_EQ(set.diagnostics.errors(), 0);
  ASSERT_EQ(set.documents.size(), 1u);
}
