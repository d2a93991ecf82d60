// Hostile input at the decoding layer: documents that would cost unbounded memory or time,
// and values no author could mean. Each bad file lives in tests/data/bad/ and is named after
// its class.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>

#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/argo_decode.h"
#include "rolloutlab/io/decode.h"
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

namespace {

std::vector<std::string> warningsOf(const std::string& path) {
  std::vector<std::string> out;
  for (const auto& d : rolloutlab::app::loadWorkspace({path}).diagnostics.items) {
    if (d.severity == rolloutlab::core::Severity::kWarning) out.push_back(d.toString());
  }
  return out;
}

}  // namespace

// Issue 22: an empty MetricTemplate query passed `validate --strict`. The CRD requires the
// key (so a missing one is an error) but accepts "", and the provider then fails every check.
TEST(HostileInput, EmptyMetricTemplateQueryIsNamed) {
  const std::string empty = bad("metrictemplate-empty-query.yaml");
  EXPECT_TRUE(errorsOf(empty).empty());
  EXPECT_EQ(warningsOf(empty),
            std::vector<std::string>{
                empty + ":10: spec.query = \"\": empty query: the API server accepts it, but the "
                        "provider fails every query and Flagger counts each check that uses this "
                        "template as failed"});
  const std::string missing = bad("metrictemplate-missing-query.yaml");
  EXPECT_EQ(errorsOf(missing),
            std::vector<std::string>{missing + ":7: spec.query: required field is missing"});
}

// Issue 22: a negative progressDeadlineSeconds went unremarked on a Canary (the API server
// accepts it); a Rollout's is refused by the controller's validation.
TEST(HostileInput, NonPositiveProgressDeadlineIsNamed) {
  const std::string canary = bad("canary-negative-progressdeadline.yaml");
  EXPECT_TRUE(errorsOf(canary).empty());
  EXPECT_EQ(warningsOf(canary),
            std::vector<std::string>{
                canary + ":8: spec.progressDeadlineSeconds = -60: must be > 0: Flagger adds it to "
                         "the last transition time, so the deadline has always passed and a "
                         "canary whose pods are not ready yet fails without waiting"});
  const std::string rollout = bad("rollout-negative-progressdeadline.yaml");
  EXPECT_EQ(
      errorsOf(rollout),
      std::vector<std::string>{rollout + ":2: spec.progressDeadlineSeconds = -60: must be greater "
                                         "than or equal to 0"});
}

// Issue 22: validate accepted names the API server refuses (NameIsDNSSubdomain).
TEST(HostileInput, NameThatIsNotADns1123SubdomainIsAnError) {
  const std::string rule =
      ": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
      "or '.', and must start and end with an alphanumeric character (the API server refuses "
      "the object)";
  const std::string canary = bad("canary-name-not-dns1123.yaml");
  EXPECT_EQ(errorsOf(canary), std::vector<std::string>{canary +
                                                       ":5: metadata.name = "
                                                       "\"PodInfo_v2\"" +
                                                       rule});
  // Invalid UTF-8 is refused and shown escaped, so the message stays valid text.
  const std::string utf8 = bad("rollout-name-invalid-utf8.yaml");
  EXPECT_EQ(errorsOf(utf8),
            std::vector<std::string>{utf8 + ":5: metadata.name = \"caf\\xe9\"" + rule});
  const std::string longName = bad("analysistemplate-name-too-long.yaml");
  EXPECT_EQ(errorsOf(longName),
            std::vector<std::string>{longName + ":5: metadata.name = \"" + std::string(80, 'a') +
                                     "...\": must be no more than 253 characters (the API "
                                     "server refuses the object)"});
  // Every kind the validator reports goes through the same rule; valid names stay valid.
  auto named = [](const std::string& apiVersion, const std::string& kind, const std::string& name) {
    return "apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata:\n  name: " + name +
           "\nspec: {}\n";
  };
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"flagger.app/v1beta1", "Canary"},
      {"flagger.app/v1beta1", "MetricTemplate"},
      {"argoproj.io/v1alpha1", "Rollout"},
      {"argoproj.io/v1alpha1", "AnalysisTemplate"},
      {"argoproj.io/v1alpha1", "ClusterAnalysisTemplate"}};
  const std::string tmp =
      ::testing::TempDir() + "rolloutlab-name-" + std::to_string(::getpid()) + ".yaml";
  auto nameRefused = [&](const std::string& text) {
    {
      std::ofstream out(tmp);
      out << text;
    }
    bool refused = false;
    for (const auto& x : rolloutlab::app::loadWorkspace({tmp}).diagnostics.items)
      refused |= x.field == "metadata.name";
    std::remove(tmp.c_str());
    return refused;
  };
  for (const auto& [api, kind] : kinds) {
    SCOPED_TRACE(kind);
    for (const char* name : {"-a", "a-", "a..b", "A", "a_b", "\"\"", "a.", "\"a b\"", "\"\\xe9\""})
      EXPECT_TRUE(nameRefused(named(api, kind, name))) << name;
    for (const char* name : {"a", "a.b-c", "0abc", "podinfo-primary.v2"})
      EXPECT_FALSE(nameRefused(named(api, kind, name))) << name;
  }
}

// A scalar that matches YAML's int pattern but does not parse ("0x_") is a string, as go-yaml
// resolves it, so no numeric reader falls back to 0 for it.
TEST(HostileInput, UnparsableNumberPatternIsAString) {
  const YAML::Node n = YAML::Load("a: 0x_\nb: 0x1_0\nc: 1_000\nd: .5\n");
  EXPECT_EQ(rolloutlab::io::scalarKind(n["a"]), rolloutlab::io::ScalarKind::kString);
  EXPECT_EQ(rolloutlab::io::scalarKind(n["b"]), rolloutlab::io::ScalarKind::kInt);
  EXPECT_EQ(rolloutlab::io::scalarKind(n["c"]), rolloutlab::io::ScalarKind::kInt);
  EXPECT_EQ(rolloutlab::io::scalarKind(n["d"]), rolloutlab::io::ScalarKind::kFloat);
}

// A number field holding 200 000 digits: the scalar patterns are matched without recursion, so
// the decoder neither overflows its stack nor reads a number go-yaml would not (the value does
// not fit a float64, so go-yaml types it as a string and the API server refuses a string).
TEST(HostileInput, HugeNumberIsAStringNotAStackOverflow) {
  const std::string digits(200000, '9');
  const std::string path = ::testing::TempDir() + "rolloutlab-huge-number.yaml";
  {
    std::ofstream f(path);
    f << "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: podinfo, namespace: "
         "test}\nspec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n"
         "  service: {port: 9898}\n  analysis:\n    interval: 1m\n    threshold: "
      << digits << "\n    maxWeight: 50\n    stepWeight: 10\n";
  }
  const Confined r = decodeConfined(path);
  EXPECT_TRUE(r.exited) << "the decoder overflowed its stack or ran out of time";
  EXPECT_EQ(r.firstError.rfind(path + ":9: spec.analysis.threshold = \"999", 0), 0u)
      << r.firstError;
  EXPECT_NE(r.firstError.find("must be a number, not string"), std::string::npos) << r.firstError;
  std::remove(path.c_str());
  const YAML::Node n = YAML::Load("a: " + digits + "\nb: 1." + digits + "e+5\n");
  EXPECT_EQ(rolloutlab::io::scalarKind(n["a"]), rolloutlab::io::ScalarKind::kString);
  EXPECT_EQ(rolloutlab::io::scalarKind(n["b"]), rolloutlab::io::ScalarKind::kFloat);
}
