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
#include "rolloutlab/io/argo_decode.h"
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

namespace {

std::vector<std::string> errorsOf(const std::string& path) {
  std::vector<std::string> out;
  for (const auto& d : rolloutlab::app::loadWorkspace({path}).diagnostics.items) {
    if (d.severity == rolloutlab::core::Severity::kError) out.push_back(d.toString());
  }
  return out;
}

}  // namespace

// Issue 22: `failureLimit: one` was read as 0 (IntOrString.IntValue drops strconv.Atoi's
// error), so a template meant to tolerate one failure failed on the first.
TEST(HostileInput, WordInAnIntegerFieldIsAnError) {
  const std::string path = bad("analysistemplate-failurelimit-word.yaml");
  EXPECT_EQ(errorsOf(path), std::vector<std::string>{
                                path + ":11: spec.metrics[0].failureLimit = \"one\": must be an "
                                       "integer"});
  const std::string surge = bad("rollout-maxsurge-word.yaml");
  EXPECT_EQ(errorsOf(surge),
            std::vector<std::string>{surge + ":19: spec.strategy.canary.maxSurge = \"two\": must "
                                             "be an integer or a percentage (e.g. 25%)"});
}

// Every integer-valued int-or-string field of a metric goes through the same rule; integers
// as strings and argument placeholders stay valid.
TEST(HostileInput, IntegerTextAndPlaceholdersStayValid) {
  auto templ = [](const std::string& field, const std::string& value) {
    return "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: t\n"
           "spec:\n  args:\n  - name: limit\n    value: \"2\"\n  metrics:\n  - name: m\n"
           "    interval: 1m\n    " +
           field + ": " + value +
           "\n    successCondition: result[0] < 1\n"
           "    provider:\n      prometheus: {address: 'http://p:9090', query: 'vector(0)'}\n";
  };
  for (const char* field : {"count", "failureLimit", "inconclusiveLimit", "consecutiveErrorLimit",
                            "consecutiveSuccessLimit"}) {
    SCOPED_TRACE(field);
    for (const char* ok : {"3", "\"3\"", "\"+2\"", "\"{{args.limit}}\""}) {
      const auto docs = rolloutlab::io::readDocumentsFromString(templ(field, ok), "t.yaml");
      rolloutlab::core::Diagnostics diags;
      for (const auto& d : docs.documents) {
        rolloutlab::core::argo::AnalysisTemplateSpec t;
        rolloutlab::io::decodeAnalysisTemplate(d, diags, false, t);
      }
      EXPECT_EQ(diags.errors(), 0)
          << ok << ": " << (diags.items.empty() ? "" : diags.items[0].toString());
    }
    for (const char* word : {"one", "\"3.5\"", "\"1e3\"", "\" 3\"", "\"\""}) {
      const auto docs = rolloutlab::io::readDocumentsFromString(templ(field, word), "t.yaml");
      rolloutlab::core::Diagnostics diags;
      for (const auto& d : docs.documents) {
        rolloutlab::core::argo::AnalysisTemplateSpec t;
        rolloutlab::io::decodeAnalysisTemplate(d, diags, false, t);
      }
      ASSERT_EQ(diags.errors(), 1) << word;
      EXPECT_EQ(diags.items[0].rule, "must be an integer") << word;
      EXPECT_EQ(diags.items[0].line, 12) << word;
    }
  }
}
