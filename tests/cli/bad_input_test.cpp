// The bad-input corpus (tests/data/bad/, one file per class of hostile or careless input,
// indexed in its README.md): the CLI command that reads each file's format exits with the
// expected code and one error line that names the file (and the line, where there is one) and
// the problem, within bounded time and address space (RLIMIT_AS set in the child).

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace fs = std::filesystem;

namespace {

// Commands, by format. {file}: the corpus file; {bad}: tests/data/bad; {ex}: examples/.
constexpr const char* kValidate = "validate -o text {file}";
constexpr const char* kStrict = "validate --strict -o text {file}";
constexpr const char* kCsv =
    "replay --spec {ex}/apps/podinfo --csv {file} --from 2024-03-05T10:00:00Z --to "
    "2024-03-05T10:30:00Z";
constexpr const char* kQueryRange =
    "replay --spec {ex}/apps/podinfo --query-range request-success-rate={file} --from "
    "2024-03-05T10:00:00Z --to 2024-03-05T10:30:00Z";
constexpr const char* kSeries =
    "replay --spec {ex}/apps/podinfo --series {file} --from 2024-03-05T10:00:00Z --to "
    "2024-03-05T10:30:00Z";
constexpr const char* kAccessLog =
    "replay --spec {ex}/apps/podinfo --access-log {file} --from 2024-01-01T00:00:00Z --to "
    "2024-01-01T00:10:00Z";
constexpr const char* kReplayDoc = "replay --spec {ex}/apps/podinfo --replay {file}";
constexpr const char* kStats = "stats welch --x {file} --y {bad}/fixtures/sample.txt";
constexpr const char* kJudge = "judge --baseline {file} --canary {bad}/fixtures/judge-samples.csv";
constexpr const char* kMerge = "merge {file}";
constexpr const char* kSimulate = "simulate --spec {ex}/apps/podinfo --scenario {file}";

struct BadInput {
  const char* file;     ///< under tests/data/bad/
  const char* command;  ///< the rolloutlab command line that reads it
  int exit;             ///< the expected exit code
  const char* line;     ///< the line the error names ("" when the problem has none)
  const char* problem;  ///< text the error line must hold after "FILE:LINE: "
};

const std::vector<BadInput> kCorpus = {
    {"access-log-nul.log", kAccessLog, 1, "1",
     "column 1: no [time_local] (no line of the nginx log could be read)"},
    {"analysistemplate-billion-laughs.yaml", kValidate, 1, "11",
     "YAML alias *c: document contains excessive aliasing (it expands to at least 5593 nodes,"},
    {"analysistemplate-condition-syntax.yaml", kValidate, 1, "12",
     "spec.metrics[0].successCondition = \"result[0] >= \": does not compile: 1:13: unexpected"},
    {"analysistemplate-consecutiveerrorlimit-word.yaml", kValidate, 1, "11",
     "spec.metrics[0].consecutiveErrorLimit = \"many\": must be an integer"},
    {"analysistemplate-count-word.yaml", kValidate, 1, "10",
     "spec.metrics[0].count = \"three\": must be an integer"},
    {"analysistemplate-failurelimit-word.yaml", kValidate, 1, "11",
     "spec.metrics[0].failureLimit = \"one\": must be an integer"},
    {"analysistemplate-inconclusivelimit-negative.yaml", kValidate, 1, "8",
     "spec.metrics[0]: inconclusiveLimit must be >= 0 (ValidateMetric: the controller rejects"},
    {"analysistemplate-interval-word.yaml", kValidate, 1, "8",
     "spec.metrics[0]: invalid interval string: time: invalid duration \"often\" (ValidateMetric:"},
    {"analysistemplate-metrics-empty.yaml", kStrict, 1, "7",
     "spec.metrics = []: no metric: an analysis run from this template measures nothing"},
    {"analysistemplate-name-too-long.yaml", kValidate, 1, "5",
     "metadata.name = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
    {"canary-billion-laughs.yaml", kValidate, 1, "11",
     "YAML alias *c: document contains excessive aliasing (it expands to at least 5593 nodes,"},
    {"canary-duplicate-key.yaml", kValidate, 1, "8",
     "spec.provider: duplicate field: the key is already defined in this mapping"},
    {"canary-empty.yaml", kValidate, 1, "", "file is empty: no document"},
    {"canary-interval-not-duration.yaml", kValidate, 1, "15",
     "spec.analysis.interval = \"soon\": must match ^[0-9]+(m|s)"},
    {"canary-maxweight-negative.yaml", kStrict, 1, "17",
     "spec.analysis.maxWeight = -10: maxWeight <= 0: Flagger uses 100"},
    {"canary-name-not-dns1123.yaml", kValidate, 1, "5",
     "metadata.name = \"PodInfo_v2\": a lowercase RFC 1123 subdomain must consist of lower case"},
    {"canary-negative-progressdeadline.yaml", kStrict, 1, "8",
     "spec.progressDeadlineSeconds = -60: must be > 0: Flagger adds it to the last transition"},
    {"canary-not-yaml.yaml", kValidate, 1, "5", "not valid YAML: end of map flow not found"},
    {"canary-stray-comma.yaml", kValidate, 1, "14",
     "not valid YAML: ',' outside a flow collection ([...] or {...}) at column 1"},
    {"canary-nul-bytes.yaml", kValidate, 1, "",
     "not valid YAML: file contains NUL bytes (binary?)"},
    {"canary-port-word.yaml", kValidate, 1, "13",
     "spec.service.port = \"http\": must be a number, not string"},
    {"canary-progressdeadline-word.yaml", kValidate, 1, "8",
     "spec.progressDeadlineSeconds = \"soon\": must be a number, not string"},
    {"canary-stepweight-word.yaml", kValidate, 1, "18",
     "spec.analysis.stepWeight = \"ten\": must be a number, not string"},
    {"canary-threshold-min-inf.yaml", kValidate, 1, "22",
     "spec.analysis.metrics[0].thresholdRange.min = .inf: must be a finite number (JSON has no"},
    {"canary-threshold-min-nan.yaml", kValidate, 1, "22",
     "spec.analysis.metrics[0].thresholdRange.min = .nan: must be a finite number (JSON has no"},
    {"canary-threshold-word.yaml", kValidate, 1, "16",
     "spec.analysis.threshold = \"five\": must be a number, not string"},
    {"canary-threshold-zero.yaml", kStrict, 1, "16",
     "spec.analysis.threshold = 0: threshold <= 0: Flagger uses 1 (the first failed check rolls"},
    {"canary-unknown-field.yaml", kValidate, 1, "21",
     "spec.analysis.metrics[0].tresholdRange: unknown field (did you mean \"thresholdRange\"?)"},
    {"canary-webhook-timeout-word.yaml", kValidate, 1, "22",
     "spec.analysis.webhooks[0].timeout = \"forever\": must match ^[0-9]+(m|s)"},
    {"clusteranalysistemplate-billion-laughs.yaml", kValidate, 1, "11",
     "YAML alias *c: document contains excessive aliasing (it expands to at least 5593 nodes,"},
    {"csv-column-count.csv", kCsv, 1, "2",
     "column 29: expected 4 columns as in the header, found 3"},
    {"csv-duplicate-time.csv", kCsv, 1, "3",
     "time = 2024-03-05T10:00:00Z: column 1: a second value for metric \"request-success-rate\""},
    {"csv-empty.csv", kCsv, 1, "", "holds no header and no rows"},
    {"csv-header-only.csv", kCsv, 1, "1",
     "holds a header but no rows (an empty recording replays as no data at all)"},
    {"csv-metric-empty.csv", kCsv, 1, "2", "metric = \"\": column 29: must name the spec's metric"},
    {"csv-nul-bytes.csv", kCsv, 1, "2",
     "a NUL byte: not a text file (a binary file or a device such as /dev/zero?)"},
    {"csv-time-word.csv", kCsv, 1, "2",
     "time = \"yesterday\": column 1: must be Unix seconds or an RFC 3339 time"},
    {"csv-unterminated-quote.csv", kCsv, 1, "2", "column 22: unterminated or misplaced quote"},
    {"csv-value-word.csv", kCsv, 1, "2",
     "value = \"high\": column 50: must be a number (NaN, +Inf allowed)"},
    {"csv-variant-unknown.csv", kCsv, 1, "2",
     "variant = \"baseline\": column 22: must be canary or primary"},
    {"envoy-duration-nan.log", kAccessLog, 1, "3",
     "column 69: the duration must be a finite number of milliseconds >= 0"},
    {"envoy-duration-negative.log", kAccessLog, 1, "3",
     "column 69: the duration must be a finite number of milliseconds >= 0"},
    {"envoy-empty.log", kAccessLog, 1, "", "holds no request"},
    {"judge-alpha-nan.yaml", kValidate, 1, "8",
     "spec.sequential.alpha = .nan: must be a finite number (JSON has no NaN or Inf)"},
    {"judge-billion-laughs.yaml", kValidate, 1, "11",
     "YAML alias *c: document contains excessive aliasing (it expands to at least 5593 nodes,"},
    {"judge-both-kinds.yaml", kValidate, 1, "7", "spec: give exactly one of kayenta, sequential"},
    {"judge-interval-past-lifetime.yaml", kStrict, 1, "9",
     "spec.kayenta.interval = \"1h\": longer than the lifetime (540s): Orca uses the lifetime, so"},
    {"judge-interval-zero.yaml", kStrict, 1, "9",
     "spec.kayenta.interval = \"0s\": 0 means the lifetime (540s): Orca judges once, at its end,"},
    {"judge-lifetime-beyond-go-duration.yaml", kValidate, 1, "9",
     "spec.kayenta.lifetime = \"3000000h\": must be a duration (e.g. 30s, 1h30m) or seconds >= 0, "
     "at most 2562047h (Go's time.Duration)"},
    {"judge-lifetime-short.yaml", kValidate, 1, "8",
     "spec.kayenta: lifetimeSeconds = 30: must be at least 60 (Orca counts whole minutes)"},
    {"judge-lifetime-word.yaml", kValidate, 1, "8",
     "spec.kayenta.lifetime = \"long\": must be a duration (e.g. 30s, 1h30m) or seconds >= 0"},
    {"judge-metrics-empty.yaml", kValidate, 1, "8",
     "spec.kayenta.metrics: needs at least one metric"},
    {"judge-samples-bad-header.csv", kJudge, 1, "1",
     "header = \"name,val,extra,more\": must be `metric,value`, `time,metric,value` or a single"},
    {"judge-samples-billion-laughs.json", kJudge, 1, "1",
     "not valid JSON: syntax error while parsing value - invalid literal; last read: 'a'"},
    {"judge-samples-header-only.csv", kJudge, 1, "", "holds a header but no samples"},
    {"judge-samples-json-string.json", kJudge, 1, "1",
     "error-rate[1] = \"x\": must be a number or null"},
    {"judge-samples-json-nan.json", kJudge, 1, "2",
     "not valid JSON: syntax error while parsing value - invalid literal; last read: 'N' (NaN and "
     "infinities are not JSON: write null for a missing value)"},
    {"judge-samples-json-truncated.json", kJudge, 1, "2",
     "not valid JSON: syntax error while parsing array - unexpected end of input; expected ']'"},
    {"judge-samples-word.csv", kJudge, 1, "3", "value = \"lots\": must be a number (or empty/NaN)"},
    {"metrictemplate-billion-laughs.yaml", kValidate, 1, "11",
     "YAML alias *c: document contains excessive aliasing (it expands to at least 5593 nodes,"},
    {"metrictemplate-empty-query.yaml", kStrict, 1, "10",
     "spec.query = \"\": empty query: the API server accepts it, but the provider fails every"},
    {"metrictemplate-missing-query.yaml", kValidate, 1, "7",
     "spec.query: required field is missing"},
    {"metrictemplate-name-upper.yaml", kValidate, 1, "5",
     "metadata.name = \"Error-Rate\": a lowercase RFC 1123 subdomain must consist of lower case"},
    {"metrictemplate-provider-unknown.yaml", kValidate, 1, "8",
     "spec.provider.type = \"promethus\": must be one of prometheus, influxdb, datadog,"},
    {"metrictemplate-query-number.yaml", kValidate, 1, "10",
     "spec.query = 42: must be a string, not integer"},
    {"nginx-all-malformed.log", kAccessLog, 1, "1",
     "column 1: no [time_local] (no line of the nginx log could be read)"},
    {"nginx-request-time-inf.log", kAccessLog, 1, "4",
     "column 82: $request_time must be a finite number of seconds >= 0"},
    {"nginx-request-time-nan.log", kAccessLog, 1, "4",
     "column 82: $request_time must be a finite number of seconds >= 0"},
    {"nginx-request-time-negative.log", kAccessLog, 1, "4",
     "column 82: $request_time must be a finite number of seconds >= 0"},
    {"openmetrics-bad-label.txt", kSeries, 1, "2", "column 20: expected a quoted label value"},
    {"openmetrics-nul.txt", kSeries, 1, "2",
     "a NUL byte: not a text file (a binary file or a device such as /dev/zero?)"},
    {"openmetrics-timestamp-word.txt", kSeries, 1, "2",
     "column 27: invalid timestamp \"yesterday\""},
    {"openmetrics-unclosed-labels.txt", kSeries, 1, "2",
     "column 24: expected ',' or '}' in label set"},
    {"openmetrics-value-word.txt", kSeries, 1, "2", "column 25: invalid value \"many\""},
    {"queryrange-empty-result.json", kQueryRange, 1, "1",
     "data.result: column 66: holds no series: the query matched nothing in the saved range (an"},
    {"queryrange-empty-values.json", kQueryRange, 1, "1",
     "data.result[0].values: column 102: holds no sample (Prometheus never answers so)"},
    {"queryrange-not-json.json", kQueryRange, 1, "2",
     "column 1: not JSON: unexpected end of input, expected a value"},
    {"queryrange-nul.json", kQueryRange, 1, "1",
     "a NUL byte: not a text file (a binary file or a device such as /dev/zero?)"},
    {"queryrange-pair-short.json", kQueryRange, 1, "1",
     "data.result[0].values[0]: column 93: must be [time, \"value\"]"},
    {"queryrange-status-error.json", kQueryRange, 1, "1",
     "status = \"error\": column 12: the saved answer is an error: parse error"},
    {"queryrange-time-string.json", kQueryRange, 1, "1",
     "data.result[0].values[0][0] = \"1709632800\": column 94: the time must be a number of"},
    {"queryrange-times-decrease.json", kQueryRange, 1, "1",
     "data.result[0].values[1][0] = 1709632800: column 114: times must increase within a series"},
    {"queryrange-value-number.json", kQueryRange, 1, "1",
     "data.result[0].values[0][1] = 99.5: column 106: the value must be a string (\"1.5\", "
     "\"NaN\","},
    {"queryrange-value-word.json", kQueryRange, 1, "1",
     "data.result[0].values[0][1] = \"high\": column 106: not a number"},
    {"queryrange-vector.json", kQueryRange, 1, "1",
     "data.resultType = \"vector\": column 46: must be \"matrix\" (save the answer of"},
    {"replay-billion-laughs.yaml", kValidate, 1, "11",
     "YAML alias *c: document contains excessive aliasing (it expands to at least 5593 nodes,"},
    {"replay-blocksteps-word.yaml", kValidate, 1, "11",
     "spec.bootstrap.blockSteps = \"some\": must be an integer, not string"},
    {"replay-counterfactual-model-no-scenario.yaml", kReplayDoc, 1, "2",
     "spec.counterfactual = model: the release is bad but no release model is given"},
    {"replay-counterfactual-word.yaml", kValidate, 1, "11",
     "spec.counterfactual = \"maybe\": must be none, model or recorded"},
    {"replay-csv-missing.yaml", kReplayDoc, 1, "10",
     "spec.csv[0] = \"fixtures/no-such.csv\": cannot read "},
    {"replay-no-source.yaml", kValidate, 1, "2",
     "spec.source: name at least one source: --prometheus, --query-range, --csv, --series or"},
    {"replay-step-negative.yaml", kValidate, 1, "11",
     "spec.step = \"-1m\": must be a duration > 0 (e.g. 15s, 1m) or seconds"},
    {"replay-to-before-from.yaml", kValidate, 1, "9",
     "spec.to = 2024-03-05T09:00:00Z: must be after from (2024-03-05T10:00:00Z)"},
    {"rollout-alias-cycle.yaml", kValidate, 1, "11",
     "YAML alias *loop: anchor \"loop\" value contains itself (go-yaml, which kubectl uses,"},
    {"rollout-billion-laughs.yaml", kValidate, 1, "11",
     "YAML alias *c: document contains excessive aliasing (it expands to at least 5593 nodes,"},
    {"rollout-maxsurge-word.yaml", kValidate, 1, "19",
     "spec.strategy.canary.maxSurge = \"two\": must be an integer or a percentage (e.g. 25%)"},
    {"rollout-maxunavailable-word.yaml", kValidate, 1, "20",
     "spec.strategy.canary.maxUnavailable = \"some\": must be an integer or a percentage (e.g."},
    {"rollout-name-invalid-utf8.yaml", kValidate, 1, "5",
     "metadata.name = \"caf\\xe9\": a lowercase RFC 1123 subdomain must consist of lower case"},
    {"rollout-negative-progressdeadline.yaml", kValidate, 1, "2",
     "spec.progressDeadlineSeconds = -60: must be greater than or equal to 0"},
    {"rollout-pause-beyond-int32.yaml", kValidate, 1, "24",
     "spec.strategy.canary.steps[1].pause.duration = \"1000000h\": longer than the controller's "
     "int32 seconds (2147483647s, about 68 years)"},
    {"rollout-pause-word.yaml", kValidate, 1, "23",
     "spec.strategy.canary.steps[1].pause.duration = \"forever\": Duration needs to be greater"},
    {"rollout-replicas-negative.yaml", kValidate, 1, "2",
     "spec.replicas = -3: must be greater than or equal to 0"},
    {"rollout-replicas-word.yaml", kValidate, 1, "7",
     "spec.replicas = \"three\": must be an integer, not string"},
    {"rollout-setweight-float.yaml", kValidate, 1, "22",
     "spec.strategy.canary.steps[0].setWeight = 12.5: must be an integer, not number"},
    {"rollout-setweight-nan.yaml", kValidate, 1, "22",
     "spec.strategy.canary.steps[0].setWeight = .nan: must be an integer, not number"},
    {"rollout-setweight-over-100.yaml", kValidate, 1, "22",
     "spec.strategy.canary.steps[0].setWeight = 150: SetWeight needs to be between 0 and 100"},
    {"scenario-billion-laughs.yaml", kValidate, 1, "11",
     "YAML alias *c: document contains excessive aliasing (it expands to at least 5593 nodes,"},
    {"scenario-duration-negative.yaml", kValidate, 1, "8",
     "spec.duration = \"-1h\": must be a duration (e.g. 30s, 1h30m) or seconds >= 0"},
    {"scenario-errorrate-over-1.yaml", kValidate, 1, "12",
     "spec.primary.errorRate = 1.5: must be >= 0 and <= 1"},
    {"scenario-errorrate-word.yaml", kValidate, 1, "12",
     "spec.primary.errorRate = \"low\": must be a number, not string"},
    {"scenario-mesh-unknown.yaml", kValidate, 1, "15",
     "spec.metrics.mesh = \"istoi\": rolloutlab cannot synthesize this mesh's series (supported:"},
    {"scenario-rps-inf.yaml", kValidate, 1, "10",
     "spec.traffic.rps = .inf: must be a finite number (JSON has no NaN or Inf)"},
    {"scenario-rps-nan.yaml", kValidate, 1, "10",
     "spec.traffic.rps = .nan: must be a finite number (JSON has no NaN or Inf)"},
    {"scenario-rps-negative.yaml", kValidate, 1, "10",
     "spec.traffic.rps = -5: must be >= 0 and <= 1e+09"},
    {"scenario-traffic-csv-missing.yaml", kValidate, 1, "10",
     "spec.traffic.csv = \"no-such-profile.csv\": cannot read the traffic CSV"},
    {"script-billion-laughs.yaml", kValidate, 1, "11",
     "YAML alias *c: document contains excessive aliasing (it expands to at least 5593 nodes,"},
    {"script-metric-word.yaml", kValidate, 1, "14",
     "spec.ticks[1].metrics.request-success-rate = \"high\": must be a number, pass, fail, error"},
    {"script-ready-word.yaml", kValidate, 1, "14",
     "spec.ticks[1].canaryReady = \"maybe\": must be one of true, waiting, deadline"},
    {"script-target-unknown.yaml", kSimulate, 1, "2",
     "spec.target = \"podinfo-typo\": no Canary of that name is loaded"},
    {"script-unknown-field.yaml", kValidate, 1, "14",
     "spec.ticks[1].metricz: unknown field (did you mean \"metrics\"?)"},
    {"script-webhooks-word.yaml", kValidate, 1, "14",
     "spec.ticks[1].webhooks = \"sometimes\": must be pass or fail"},
    {"shard-billion-laughs.yaml", kMerge, 1, "4",
     "neither JSON nor YAML: YAML alias *c: document contains excessive aliasing (it expands to"},
    {"shard-counts-word.json", kMerge, 1, "", "results[0].state.checks: must be [total, failed]"},
    {"shard-not-report.json", kMerge, 1, "", "apiVersion: must be rolloutlab.io/v1alpha1"},
    {"shard-nul.json", kMerge, 1, "1",
     "a NUL byte: not a text file (a binary file or a device such as /dev/zero?)"},
    {"shard-null-state.json", kMerge, 1, "", "results[0].state: must be an object"},
    {"shard-runs-mismatch.json", kMerge, 1, "",
     "results[0].runs: promoted + rolledBack + other must equal runs"},
    {"shard-shard-null.json", kMerge, 1, "", "shard: must be an object {index, count}"},
    {"stats-sample-inf.txt", kStats, 1, "2", "x = \"Inf\": must be a finite number"},
    {"stats-sample-json-trailing.json", kStats, 1, "2", "x = \"[\": text after the JSON array"},
    {"stats-sample-json-unclosed.json", kStats, 1, "2",
     "x = \"\": expected ',' or ']' in the JSON array"},
    {"stats-sample-json-word.json", kStats, 1, "1", "x = \"two\": not a number"},
    {"stats-sample-nan.txt", kStats, 1, "2", "x = \"NaN\": must be a finite number"},
    {"stats-sample-nul.txt", kStats, 1, "2",
     "a NUL byte: not a text file (a binary file or a device such as /dev/zero?)"},
    {"stats-sample-word.txt", kStats, 1, "3", "x = \"three\": not a number"},
};

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

struct Outcome {
  int status = -1;
  bool timedOut = false;
  double seconds = 0;
  long maxRssKiB = 0;
  std::string out;
};

// Runs rolloutlab with `args` in a child whose address space is capped (setrlimit RLIMIT_AS;
// not under ASan, which reserves terabytes of shadow) and which is killed after `timeout`.
Outcome runConfined(const std::vector<std::string>& args, std::uint64_t addressSpace,
                    double timeout) {
  Outcome o;
  int fds[2];
  if (::pipe(fds) != 0) return o;
  const std::string bin = rolloutlab::test::binDir() + "/rolloutlab";
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    ::close(fds[1]);
    std::FILE* devnull = std::fopen("/dev/null", "r");
    if (devnull != nullptr) ::dup2(::fileno(devnull), 0);
#if !defined(__SANITIZE_ADDRESS__)
    const rlimit as{addressSpace, addressSpace};
    ::setrlimit(RLIMIT_AS, &as);
#else
    (void)addressSpace;
#endif
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(bin.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::thread reader([&] {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      o.out.append(buf, static_cast<std::size_t>(n));
    }
  });
  int status = 0;
  rusage ru{};
  for (;;) {
    const pid_t r = ::wait4(pid, &status, WNOHANG, &ru);
    if (r == pid) break;
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > timeout) {
      o.timedOut = true;
      ::kill(pid, SIGKILL);
      ::wait4(pid, &status, 0, &ru);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  reader.join();
  ::close(fds[0]);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  o.status = status;
  o.maxRssKiB = ru.ru_maxrss;
  return o;
}

std::vector<std::string> argsOf(const std::string& command, const std::string& file) {
  const std::string bad = rolloutlab::test::dataDir() + "/bad";
  const std::string ex = rolloutlab::test::sourceDir() + "/examples";
  std::vector<std::string> args;
  std::istringstream words(command);
  for (std::string w; words >> w;) {
    w = replaceAll(w, "{file}", file);
    w = replaceAll(w, "{bad}", bad);
    args.push_back(replaceAll(w, "{ex}", ex));
  }
  return args;
}

}  // namespace

TEST(BadInputCorpus, EveryFileIsListed) {
  std::set<std::string> listed;
  for (const auto& b : kCorpus) listed.insert(b.file);
  for (const auto& e : fs::directory_iterator(rolloutlab::test::dataDir() + "/bad")) {
    const std::string leaf = e.path().filename().string();
    if (e.is_directory() || leaf == "README.md") continue;  // fixtures/: good files they use
    EXPECT_TRUE(listed.count(leaf)) << e.path() << " has no row in kCorpus";
  }
  EXPECT_EQ(listed.size(), kCorpus.size()) << "a file is listed twice";
  EXPECT_GE(kCorpus.size(), 100u);
}

TEST(BadInputCorpus, EveryFileIsIndexedInTheReadme) {
  const std::string readme =
      rolloutlab::test::readFile(rolloutlab::test::dataDir() + "/bad/README.md");
  for (const auto& b : kCorpus) {
    EXPECT_NE(readme.find(std::string("`") + b.file + "`"), std::string::npos) << b.file;
  }
}

TEST(BadInputCorpus, EachFileFailsWithOneLineNamingFileAndProblem) {
  for (const auto& b : kCorpus) {
    SCOPED_TRACE(b.file);
    const std::string path = rolloutlab::test::dataDir() + "/bad/" + b.file;
    // 1 GiB of address space and 20 s: a runaway reader fails the test, not the machine.
    const Outcome r = runConfined(argsOf(b.command, path), 1ull << 30, 20);
    ASSERT_FALSE(r.timedOut) << r.out;
    ASSERT_TRUE(WIFEXITED(r.status)) << r.out;
    EXPECT_EQ(WEXITSTATUS(r.status), b.exit) << r.out;
    EXPECT_LT(r.seconds, 5.0);
    std::vector<std::string> errors;
    std::istringstream lines(r.out);
    for (std::string l; std::getline(lines, l);) {
      if (l.rfind("error: ", 0) == 0) errors.push_back(l);
    }
    ASSERT_EQ(errors.size(), 1u) << r.out;
    const std::string head =
        "error: " + path + ":" + (*b.line ? std::string(b.line) + ":" : "") + " ";
    EXPECT_EQ(errors[0].rfind(head, 0), 0u) << errors[0];
    EXPECT_NE(errors[0].find(b.problem, head.size()), std::string::npos) << errors[0];
  }
}

// Devices: /dev/zero is refused at its first byte by every reader, whatever the format.
TEST(BadInputCorpus, DevZeroIsRefusedQuicklyByEveryReader) {
  for (const char* command : {kCsv, kQueryRange, kSeries, kStats, kJudge, kMerge}) {
    SCOPED_TRACE(command);
    const Outcome r = runConfined(argsOf(command, "/dev/zero"), 1ull << 30, 20);
    ASSERT_FALSE(r.timedOut) << r.out;
    ASSERT_TRUE(WIFEXITED(r.status)) << r.out;
    EXPECT_EQ(WEXITSTATUS(r.status), 1) << r.out;
    EXPECT_LT(r.seconds, 5.0);
    EXPECT_NE(r.out.find("error: /dev/zero:1: a NUL byte: not a text file"), std::string::npos)
        << r.out;
  }
  // An access log from /dev/zero is one endless line: refused at the 4 MiB line cap.
  const Outcome r = runConfined(argsOf(kAccessLog, "/dev/zero"), 1ull << 30, 20);
  ASSERT_FALSE(r.timedOut) << r.out;
  EXPECT_NE(r.out.find("error: /dev/zero:1: a line longer than 4 MiB"), std::string::npos) << r.out;
}

// A big legitimate sample costs about its values, not its text: a 64 MiB file of one number a
// line (8 bytes a value kept for 9 bytes of text) is read in less than 1.5 times its size above the
// process's base. Before, the text was read whole and copied (about 4 times the file).
TEST(BadInputCorpus, ABigSampleFileIsReadInMemoryProportionalToItsValues) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP()
      << "under ASan the allocator keeps freed buffers in quarantine, so peak RSS measures "
         "ASan, not the reader; the normal build measures it";
#endif
  const fs::path dir = fs::temp_directory_path() / ("rolloutlab-big-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string big = (dir / "big.txt").string();
  const std::string small = (dir / "small.txt").string();
  {
    std::ofstream out(big, std::ios::binary);
    std::string block;
    for (int i = 0; i < 100000; ++i) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6f\n", 0.5 + (i % 1000) * 1e-4);
      block += buf;
    }
    while (out.tellp() < (64 << 20)) out << block;
    std::ofstream(small) << "1.5\n2.5\n3.5\n";
  }
  const double bytes = static_cast<double>(fs::file_size(big));
  const Outcome base = runConfined({"stats", "welch", "--x", small, "--y", small}, 4ull << 30, 60);
  const Outcome r = runConfined({"stats", "welch", "--x", big, "--y", small}, 4ull << 30, 60);
  fs::remove_all(dir);
  ASSERT_TRUE(WIFEXITED(r.status)) << r.out;
  EXPECT_EQ(WEXITSTATUS(r.status), 0) << r.out;
  const double extra = static_cast<double>(r.maxRssKiB - base.maxRssKiB) * 1024.0;
  std::printf("stats welch on a %.0f MiB sample: %.0f MiB above the base (%.2f x the file)\n",
              bytes / (1 << 20), extra / (1 << 20), extra / bytes);
  EXPECT_LT(extra, 1.5 * bytes);
}

// The judge's JSON sample form is streamed too: a 200 MB file of 2 million values, each on its
// own line padded with spaces to 100 bytes (a pretty-printer's indentation), costs what its
// values cost, not its text. The series keep 16 bytes a value (time and value) and a vector's
// growth at most triples that for a moment; the judgement copies the values once more: under
// 80 bytes a value in all, 0.8 times the file, where a reader holding the text needs more than
// the file. Before, the JSON form was read whole and refused past 16 MiB.
TEST(BadInputCorpus, ABigJsonJudgeSampleIsStreamedInMemoryProportionalToItsValues) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP()
      << "under ASan the allocator keeps freed buffers in quarantine, so peak RSS measures "
         "ASan, not the reader; the normal build measures it";
#endif
  const fs::path dir =
      fs::temp_directory_path() / ("rolloutlab-bigjson-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string big = (dir / "big.json").string();
  const std::string small = (dir / "small.json").string();
  const std::string canary = (dir / "canary.json").string();
  constexpr long kValues = 2'000'000;
  {
    std::ofstream out(big, std::ios::binary);
    std::string block;
    for (int i = 0; i < 10000; ++i) {
      char buf[128];
      const int n = std::snprintf(buf, sizeof buf, "%.6f,", 0.5 + (i % 1000) * 1e-4);
      block += std::string(static_cast<std::size_t>(99 - n), ' ') + buf + "\n";
    }
    out << "{\"latency\": [\n";
    for (long i = 0; i < kValues / 10000; ++i) out << block;
    out << std::string(94, ' ') << "0.5\n]}\n";
    std::ofstream(small) << "{\"latency\": [0.5, 0.51, 0.52]}\n";
    std::ofstream(canary) << "{\"latency\": [0.5, 0.52, 0.53, 0.51]}\n";
  }
  const double bytes = static_cast<double>(fs::file_size(big));
  const Outcome base =
      runConfined({"judge", "--baseline", small, "--canary", canary}, 4ull << 30, 120);
  const Outcome r = runConfined({"judge", "--baseline", big, "--canary", canary}, 4ull << 30, 120);
  fs::remove_all(dir);
  ASSERT_FALSE(r.timedOut);
  ASSERT_TRUE(WIFEXITED(r.status)) << r.out;
  EXPECT_LE(WEXITSTATUS(r.status), 1) << r.out;  // 0 pass, 1 fail: a judgement, not an error
  EXPECT_EQ(r.out.find("error"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("latency"), std::string::npos) << r.out;
  const double extra = static_cast<double>(r.maxRssKiB - base.maxRssKiB) * 1024.0;
  const double values = kValues + 1;
  std::printf(
      "judge on a %.0f MB JSON sample of %.0f values: %.0f MiB above the base (%.1f bytes a "
      "value, %.2f x the file), %.1f s\n",
      bytes / 1e6, values, extra / (1 << 20), extra / values, extra / bytes, r.seconds);
  EXPECT_GT(bytes, 200e6);
  EXPECT_LT(extra, 80 * values);
}

// Out of memory names what was being read (exit 3): a sample of 30 million values under a
// 150 MiB address-space cap.
TEST(BadInputCorpus, OutOfMemoryNamesTheInput) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan reserves terabytes of address space";
#endif
  const std::string path =
      (fs::temp_directory_path() / ("rolloutlab-ones-" + std::to_string(::getpid()) + ".txt"))
          .string();
  {
    std::ofstream out(path, std::ios::binary);
    std::string ones;
    for (int i = 0; i < (1 << 19); ++i) ones += "1\n";
    for (int i = 0; i < 57; ++i) out << ones;  // 30 million values
  }
  const std::string small = rolloutlab::test::dataDir() + "/bad/fixtures/sample.txt";
  const Outcome r = runConfined({"stats", "welch", "--x", path, "--y", small}, 150ull << 20, 30);
  fs::remove(path);
  ASSERT_TRUE(WIFEXITED(r.status)) << r.out;
  EXPECT_EQ(WEXITSTATUS(r.status), 3) << r.out;
  EXPECT_NE(r.out.find("error: out of memory while reading " + path + " (a sample file)"),
            std::string::npos)
      << r.out;
}
