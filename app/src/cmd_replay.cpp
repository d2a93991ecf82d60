#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli.h"
#include "judge_files.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/output.h"
#include "rolloutlab/app/run_view.h"
#include "rolloutlab/replay/time.h"

namespace rolloutlab::app {

namespace rp = replay;

namespace {

// METRIC[@variant]=FILE
rp::ReplaySpec::NamedFile namedFile(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
    throw UsageError("--query-range = \"" + arg + "\": must be METRIC=FILE or METRIC@canary=FILE");
  }
  rp::ReplaySpec::NamedFile f;
  f.metric = arg.substr(0, eq);
  f.path = arg.substr(eq + 1);
  if (const auto at = f.metric.rfind('@'); at != std::string::npos) {
    f.variant = rp::variantFromString(f.metric.substr(at + 1));
    if (!f.variant)
      throw UsageError("--query-range = \"" + arg + "\": the variant must be canary or primary");
    f.metric = f.metric.substr(0, at);
  }
  return f;
}

double timeFlag(const std::optional<std::string>& v, const std::string& flag) {
  if (!v)
    throw UsageError("replay needs " + flag + " T (RFC 3339 or Unix seconds), or --replay FILE");
  const auto t = rp::parseTime(*v);
  if (!t)
    throw UsageError(flag + " = \"" + *v +
                     "\": must be RFC 3339 (2024-01-01T00:00:00Z) or Unix seconds");
  return *t;
}

double intervalFlag(const std::optional<std::string>& v, const std::string& flag, double fallback) {
  if (!v) return fallback;
  const auto s = rp::parseInterval(*v);
  if (!s) throw UsageError(flag + " = \"" + *v + "\": must be a duration > 0 (15s, 1m) or seconds");
  return *s;
}

}  // namespace

int runReplay(const std::vector<std::string>& argv, Streams& io) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> specPaths, queryRange, csv, series, accessLogs, judgeFiles, headers;
  std::optional<std::string> target, meshFlag, output, replayFile, from, to, step, scenarioFile,
      seedFlag, replicateFlag, prometheus, timeout, retries, caFile, serverErrors, bearerTokenFile,
      bearerTokenEnv, basicAuthEnv, logFormat, scrapeInterval, variantField, canaryMatch,
      primaryMatch, counterfactual, blockSteps, deadlineFlag;
  cli::Parser p("replay",
                "Runs the target Canary or Argo Rollout over a recorded window, querying its own "
                "metrics exactly as "
                "the controller would have, and prints the trace. T is RFC 3339 or Unix seconds; "
                "the trace's t counts "
                "from --from. Canary: tick i runs at --from + (i-1) x INTERVAL (default: the "
                "analysis interval). "
                "Rollout: the new revision is applied at --from and every measurement queries at "
                "its own time, until "
                "the rollout is promoted or aborted or --to (--step and --mesh-provider do not "
                "apply: the router names "
                "the mesh).",
                "Sources: at least one of --prometheus, --query-range, --csv, --series, "
                "--access-log, or a Replay "
                "document (--replay FILE) that holds them. When several Canaries and Rollouts are "
                "loaded, --target "
                "names the one to run. A file argument - (--spec, --replay, --scenario, --judge) "
                "reads standard input "
                "(once).\n"
                "Exit codes: 0 done, 1 bad input, 2 wrong command line, 3 the server failed or "
                "--deadline passed.");
  p.list("--spec", &specPaths, "PATH",
         "spec files or folders (Canary, MetricTemplate, Rollout, templates)");
  p.value("--target", &target, "NAME", "the Canary or Rollout to run (name or namespace/name)");
  p.value("--mesh-provider", &meshFlag, "P",
          "the mesh of a Canary's builtin queries (default istio)");
  p.value("--replay", &replayFile, "FILE", "a Replay document holding the window and its sources");
  p.value("--from", &from, "T", "start of the window (RFC 3339 or Unix seconds)");
  p.value("--to", &to, "T", "end of the window");
  p.value("--step", &step, "INTERVAL", "Canary tick interval (default: the analysis interval)");
  p.value("--prometheus", &prometheus, "URL",
          "a live Prometheus (only this URL is ever contacted)");
  p.value("--timeout", &timeout, "DURATION", "per query, with --prometheus (default 10s)");
  p.value("--retries", &retries, "N", "retries of a failed query, with --prometheus (default 2)");
  p.value("--ca-file", &caFile, "FILE", "CA bundle for an https --prometheus");
  p.value("--deadline", &deadlineFlag, "DURATION",
          "the whole replay's wall time with a live Prometheus (default 10m): when it passes, "
          "exit 3 naming the tick reached, nothing written");
  p.value("--server-errors", &serverErrors, "abort|trace",
          "a server error aborts the replay (default) or is traced as the check's error");
  p.value("--bearer-token-file", &bearerTokenFile, "FILE", "bearer token read from FILE");
  p.value("--bearer-token-env", &bearerTokenEnv, "VAR", "bearer token read from the environment");
  p.value("--basic-auth-env", &basicAuthEnv, "VAR", "user:pass read from the environment");
  p.list("--header", &headers, "NAME=VALUE",
         "HTTP header sent with every query to --prometheus, never shown (repeatable; "
         "X-Scope-OrgID=T for a Mimir, Cortex or Thanos tenant)");
  p.list("--query-range", &queryRange, "METRIC[@canary|@primary]=FILE",
         "saved /api/v1/query_range answers (or `promtool query range -o json` output)");
  p.list("--csv", &csv, "FILE", "CSV rows time,variant,metric,value");
  p.list("--series", &series, "FILE", "raw series (OpenMetrics text or query_range JSON)");
  p.list("--access-log", &accessLogs, "FILE",
         "Envoy/Istio JSON or nginx request logs (gzip allowed)");
  p.value("--log-format", &logFormat, "auto|envoy-json|nginx", "request log format (default auto)");
  p.value("--scrape-interval", &scrapeInterval, "DURATION",
          "aggregation step of request logs (default 15s)");
  p.value("--variant-field", &variantField, "KEY", "log field that tells canary from primary");
  p.value("--canary-match", &canaryMatch, "TEXT",
          "value of that field for the canary (default <service>-canary)");
  p.value("--primary-match", &primaryMatch, "TEXT", "value of that field for the primary");
  p.value("--counterfactual", &counterfactual, "none|model|recorded",
          "model: stable traffic re-routed under the engine's weights, the canary behaving as "
          "--scenario's "
          "effects");
  p.value("--block-steps", &blockSteps, "N",
          "bootstrap block length in steps (default: cube root of the steps)");
  p.value("--scenario", &scenarioFile, "FILE",
          "readiness, webhooks, (Rollouts) models of metrics no source answers and (counterfactual "
          "model) the "
          "canary's effects");
  p.value("--seed", &seedFlag, "N", "seed of a bootstrap replicate (default 0)");
  p.value("--replicate", &replicateFlag, "R",
          "bootstrap replicate R of the recording (moving blocks)");
  p.list("--judge", &judgeFiles, "FILE",
         "Judge documents attached as shadow analyses: per tick they read each variant's requests, "
         "5xx and "
         "latency histogram off the replay's series (request logs, --series or --prometheus; not "
         "CSV or "
         "--query-range, which hold only metric values: an error)");
  p.output(&output, {"json", "yaml", "table"});
  if (!p.parse(argv, io)) return 0;
  if (specPaths.empty()) throw UsageError("--spec is required");
  const auto one = [](const std::optional<std::string>& v) {
    return v ? std::vector<std::string>{*v} : std::vector<std::string>{};
  };
  cli::checkStdinOnce({{"--spec", specPaths},
                       {"--replay", one(replayFile)},
                       {"--scenario", one(scenarioFile)},
                       {"--judge", judgeFiles}});
  const std::string format =
      cli::format(output, {"json", "yaml", "table"}, "table", io.outIsTerminal);
  const std::uint64_t seed = cli::unsignedInt(seedFlag, "--seed", 0);
  const std::optional<std::uint64_t> replicate = cli::unsignedInt(replicateFlag, "--replicate");
  const std::string mesh = meshFlag.value_or("istio");

  const std::vector<std::pair<const char*, bool>> sourceFlags = {
      {"--from", from.has_value()},
      {"--to", to.has_value()},
      {"--step", step.has_value()},
      {"--prometheus", prometheus.has_value()},
      {"--query-range", !queryRange.empty()},
      {"--csv", !csv.empty()},
      {"--series", !series.empty()},
      {"--access-log", !accessLogs.empty()},
      {"--counterfactual", counterfactual.has_value()}};
  rp::ReplaySpec spec;
  Workspace ws = cli::load(specPaths, io);
  Workspace extra;
  if (replayFile) {
    for (const auto& [f, given] : sourceFlags) {
      if (given) throw UsageError(std::string(f) + " and --replay exclude each other");
    }
    extra = cli::load({*replayFile}, io);
    if (extra.diagnostics.errors() == 0 && extra.replays.empty()) {
      throw core::InputError({core::Severity::kError,
                              *replayFile == "-" ? cli::kStdinName : *replayFile, 0, 0, "kind", "",
                              "holds no Replay document"});
    }
  } else {
    if (!prometheus && queryRange.empty() && csv.empty() && series.empty() && accessLogs.empty()) {
      throw UsageError(
          "replay needs a source: --prometheus, --query-range, --csv, --series, --access-log or "
          "--replay");
    }
    spec.from = timeFlag(from, "--from");
    spec.to = timeFlag(to, "--to");
    if (step) spec.step = intervalFlag(step, "--step", 60);
    if (prometheus) {
      rp::PrometheusOptions o;
      o.url = *prometheus;
      o.timeoutSeconds = intervalFlag(timeout, "--timeout", 10);
      o.retries = static_cast<int>(cli::integer(retries, "--retries", 0, 20, 2));
      o.caFile = caFile.value_or("");
      o.serverErrors =
          cli::choice(serverErrors, "--server-errors", {"abort", "trace"}, "abort") == "trace"
              ? rp::ServerErrors::kTrace
              : rp::ServerErrors::kAbort;
      int auths = 0;
      if (bearerTokenFile) {
        o.auth = rp::AuthKind::kBearerTokenFile;
        o.authSource = *bearerTokenFile;
        ++auths;
      }
      if (bearerTokenEnv) {
        o.auth = rp::AuthKind::kBearerTokenEnv;
        o.authSource = *bearerTokenEnv;
        ++auths;
      }
      if (basicAuthEnv) {
        o.auth = rp::AuthKind::kBasicAuthEnv;
        o.authSource = *basicAuthEnv;
        ++auths;
      }
      if (auths > 1)
        throw UsageError(
            "give one of --bearer-token-file, --bearer-token-env and --basic-auth-env");
      for (const auto& h : headers) {
        std::string why;
        const auto header = rp::HttpHeader::parse(h, &why);
        if (!header) throw UsageError(why);
        o.headers.push_back(*header);
      }
      spec.prometheus = o;
    } else {
      for (const auto& [f, given] : std::vector<std::pair<const char*, bool>>{
               {"--timeout", timeout.has_value()},
               {"--retries", retries.has_value()},
               {"--ca-file", caFile.has_value()},
               {"--server-errors", serverErrors.has_value()},
               {"--bearer-token-file", bearerTokenFile.has_value()},
               {"--bearer-token-env", bearerTokenEnv.has_value()},
               {"--basic-auth-env", basicAuthEnv.has_value()},
               {"--header", !headers.empty()}}) {
        if (given) throw UsageError(std::string(f) + " needs --prometheus");
      }
    }
    for (const auto& q : queryRange) spec.queryRange.push_back(namedFile(q));
    spec.csv = csv;
    spec.series = series;
    spec.accessLogs = accessLogs;
    if (logFormat) {
      const auto lf = rp::logFormatFromString(*logFormat);
      if (!lf)
        throw UsageError("--log-format = \"" + *logFormat +
                         "\": must be auto, envoy-json or nginx");
      spec.logOptions.format = *lf;
    }
    spec.scrapeInterval = intervalFlag(scrapeInterval, "--scrape-interval", 15);
    if (variantField) spec.logOptions.variantField = *variantField;
    if (canaryMatch) spec.logOptions.canaryMatch = *canaryMatch;
    if (primaryMatch) spec.logOptions.primaryMatch = *primaryMatch;
    if (counterfactual) {
      const auto c = rp::counterfactualFromString(*counterfactual);
      if (!c)
        throw UsageError("--counterfactual = \"" + *counterfactual +
                         "\": must be none, model or recorded");
      spec.counterfactual = *c;
    }
    spec.blockSteps = cli::integer(blockSteps, "--block-steps", 0, 1'000'000, 0);
  }
  if (scenarioFile) {
    Workspace sw = cli::load({*scenarioFile}, io);
    for (const auto& d : sw.diagnostics.items) {
      if (d.severity == core::Severity::kError) ws.diagnostics.add(d);
    }
    if (sw.diagnostics.errors() == 0) {
      if (sw.scenarios.empty()) {
        throw core::InputError({core::Severity::kError,
                                *scenarioFile == "-" ? cli::kStdinName : *scenarioFile, 0, 0,
                                "kind", "", "holds no Scenario document"});
      }
      spec.scenario = sw.scenarios.front();
    }
  }
  bool errors = false;
  for (const auto* w : {&ws, &extra}) {
    for (const auto& d : w->diagnostics.items) {
      if (d.severity == core::Severity::kError) {
        io.err << "error: " << d.toString() << "\n";
        errors = true;
      }
    }
  }
  if (errors) return 1;
  if (!extra.replays.empty()) {
    std::optional<sim::Scenario> sc = spec.scenario;
    spec = extra.replays.front();
    if (sc) spec.scenario = sc;
  }
  // Bounds a replay against a server that stops answering (with --server-errors trace every
  // later query would otherwise wait out its timeout and retries).
  const double deadline = intervalFlag(deadlineFlag, "--deadline", 600);
  if (spec.prometheus) {
    spec.prometheus->deadline =
        started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(deadline));
    spec.prometheus->deadlineSeconds = deadline;
  }
  const std::string targetName = target.value_or("");
  cli::requireTarget(ws, targetName, replayFile ? spec.file : "");
  const auto loadedJudges = loadJudgeFiles(judgeFiles, io);
  if (!loadedJudges) return 1;
  const std::vector<sim::JudgeSpec>& judges = loadedJudges->judges;
  if (ws.targetsRollout(targetName)) {
    for (const auto& [f, given] : std::vector<std::pair<const char*, bool>>{
             {"--step", step.has_value()}, {"--mesh-provider", meshFlag.has_value()}}) {
      if (given) {
        io.err << "note: " << f
               << " does not apply to a Rollout (measurements run at their own times; the "
                  "router names the mesh)\n";
      }
    }
  }
  RunOptions options;
  options.target = targetName;
  options.meshProvider = mesh;
  options.seed = seed;
  options.replicate = replicate;
  options.judges = judges;
  io.out << renderRun(replayRun(ws, spec, options, io.err), format);
  return 0;
}

}  // namespace rolloutlab::app
