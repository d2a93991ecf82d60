#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli.h"
#include "judge_files.h"
#include "replay_run.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/output.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/io/flagger_report.h"
#include "rolloutlab/replay/time.h"
#include "trace_format.h"

namespace rolloutlab::app {

namespace fl = core::flagger;
namespace rp = replay;

namespace {

void printReplayTable(std::ostream& out, const sim::SimulationResult& res,
                      const std::string& header, double from, bool counts) {
  out << header << "\n";
  out << std::left << std::setw(5) << "tick" << std::right << std::setw(7) << "t"
      << "  " << std::left << std::setw(21) << "time" << std::right << std::setw(8) << "primary"
      << std::setw(7) << "canary"
      << "  " << std::left << std::setw(17) << "phase" << std::right << std::setw(7) << "failed"
      << std::setw(5) << "iter"
      << "  reason\n";
  for (std::size_t i = 0; i < res.run.ticks.size(); ++i) {
    const auto& t = res.run.ticks[i];
    out << std::left << std::setw(5) << t.tick << std::right << std::setw(7) << fmtT(t.t) << "  "
        << std::left << std::setw(21) << rp::formatTime(from + t.t) << std::right << std::setw(8)
        << t.routes.primaryWeight << std::setw(7) << t.routes.canaryWeight << "  " << std::left
        << std::setw(17) << fl::toString(t.status.phase) << std::right << std::setw(7)
        << t.status.failedChecks << std::setw(5) << t.status.iterations << "  " << t.reason << "\n";
    if (i >= res.measured.size()) continue;
    for (const auto& mv : res.measured[i]) {
      out << std::string(12, ' ') << (mv.checkedByEngine ? "- " : "  ") << mv.name << " = "
          << answerText(mv.answer) << " [" << (mv.min ? fmtT(*mv.min) : "-") << ", "
          << (mv.max ? fmtT(*mv.max) : "-") << "]";
      if (mv.checkedByEngine) {
        for (const auto& m : t.metrics) {
          if (m.name == mv.name && m.kind == mv.kind) {
            out << " " << fl::toString(m.result);
            if (m.result == fl::MetricCheck::Result::kError && !m.message.empty())
              out << ": " << m.message;
          }
        }
      } else {
        out << " (not checked)";
      }
      out << "\n";
    }
  }
  const auto& o = res.run.outcome;
  out << "outcome: " << fl::toString(o.result) << " (" << fl::toString(o.phase) << ") at tick "
      << o.tick << ", t=" << fmtT(o.t) << "s (" << rp::formatTime(from + o.t) << ")\n";
  const auto& s = res.summary;
  printRunSummary(out, s, counts);
}

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

io::Json replayBlockJson(const rp::Recording& recording, std::optional<double> step) {
  const rp::ReplaySpec& spec = recording.spec();
  io::Json r;
  r["name"] = spec.name;
  r["source"] = recording.describe();
  r["from"] = rp::formatTime(spec.from);
  r["to"] = rp::formatTime(spec.to);
  r["step"] = step ? io::jnum(*step) : io::Json(nullptr);
  r["release"] = sim::toString(spec.release);
  if (spec.counterfactual != rp::Counterfactual::kNone)
    r["counterfactual"] = rp::toString(spec.counterfactual);
  if (const rp::IngestStats* st = recording.ingest()) {
    io::Json a;
    a["lines"] = st->lines;
    a["requests"] = st->requests;
    a["canary"] = st->canary;
    a["primary"] = st->primary;
    a["unmatched"] = st->unmatched;
    a["malformed"] = st->malformed;
    r["accessLogs"] = std::move(a);
  }
  return r;
}

void warnUnreadLogLines(const rp::Recording& recording, Streams& io) {
  const rp::IngestStats* st = recording.ingest();
  if (st == nullptr || st->malformed == 0) return;
  io.err << "warning: " << st->malformed << " of " << st->lines << " log lines could not be read";
  if (!st->warnings.empty()) {
    const auto& w = st->warnings.front();
    io.err << " (first: " << w.file << ":" << w.line << ": column " << w.column << ": " << w.detail
           << ")";
  }
  io.err << "\n";
}

io::Json replayRunJson(const sim::SimulationResult& res, const rp::FlaggerReplayPlan& plan,
                       std::uint64_t seed, std::optional<std::uint64_t> replicate) {
  const rp::ReplaySpec& spec = plan.recording().spec();
  io::Json out;
  out["engine"] = "flagger";
  out["target"] = plan.canary().name;
  out["replay"] = replayBlockJson(plan.recording(), plan.stepSeconds());
  out["seed"] = seed;
  out["replicate"] = replicate ? io::Json(*replicate) : io::Json(nullptr);
  io::Json ticks = io::Json::array();
  for (std::size_t i = 0; i < res.run.ticks.size(); ++i) {
    io::Json t = io::tickJson(res.run.ticks[i]);
    t["time"] = rp::formatTime(spec.from + res.run.ticks[i].t);
    io::Json ms = io::Json::array();
    if (i < res.measured.size()) {
      for (const auto& mv : res.measured[i]) ms.push_back(measuredJson(mv));
    }
    t["measured"] = std::move(ms);
    ticks.push_back(std::move(t));
  }
  out["ticks"] = std::move(ticks);
  out["outcome"] = io::outcomeJson(res.run.outcome);
  out["summary"] = runSummaryJson(res.summary, plan.recording().traffic() != nullptr);
  return out;
}

int runReplayTrace(const Workspace& specs, const rp::ReplaySpec& spec, const std::string& target,
                   const std::string& meshProvider, const std::string& format, std::uint64_t seed,
                   std::optional<std::uint64_t> replicate, Streams& io,
                   const std::vector<sim::JudgeSpec>& judges) {
  // Before reading anything: a recording of metric values cannot feed a judge.
  if (!judges.empty()) spec.requireJudgeInput();
  if (specs.targetsRollout(target))
    return runArgoReplayTrace(specs, spec, target, format, seed, replicate, io, judges);
  const fl::CanarySpec& canary = specs.canary(target);
  auto recording = rp::Recording::open(spec, rp::targetOf(canary, meshProvider));
  const rp::FlaggerReplayPlan plan(canary, io::resolveTemplates(canary, specs.metricTemplates),
                                   meshProvider, recording);
  auto source = recording->makeSource();
  rp::ReplayRunOptions opt;
  // Replicate r of seed s is run r of a batch pair whose seed is s (`batch`, `simulate
  // --replicate`).
  opt.seed = replicate ? replicateSeed(seed, *replicate) : seed;
  if (replicate) opt.replicate = 0;
  opt.judges = &judges;
  const auto res = rp::replayFlagger(plan, *source, opt);
  warnUnreadLogLines(*recording, io);
  if (format != "table") {
    io::Json j = replayRunJson(res, plan, seed, replicate);
    if (!judges.empty()) {
      // As `simulate` on a Scenario: the verdicts, and each tick's verdicts so far.
      j["judges"] = shadowJudgesJson(judges, res.summary, true);
      addJudgeTicks(j["ticks"], judges, res.judgeTicks);
    }
    io.out << render(document("ReplayTrace", j), format);
    return 0;
  }
  std::string header = "Canary " + (canary.namespace_.empty() ? "" : canary.namespace_ + "/") +
                       canary.name + " replayed over " + rp::formatTime(spec.from) + " .. " +
                       rp::formatTime(spec.to) + " from " + recording->describe() + " (step " +
                       fmtT(plan.stepSeconds()) + "s";
  if (replicate)
    header +=
        ", bootstrap replicate " + std::to_string(*replicate) + " of seed " + std::to_string(seed);
  header += ")";
  printReplayTable(io.out, res, header, spec.from, recording->traffic() != nullptr);
  printShadowJudges(io.out, judges, res.summary, true);
  return 0;
}

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
  return runReplayTrace(ws, spec, targetName, mesh, format, seed, replicate, io, judges);
}

}  // namespace rolloutlab::app
