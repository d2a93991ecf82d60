#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "judge_files.h"
#include "replay_run.h"
#include "trace_format.h"
#include "rolloutlab/app/args.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/io/flagger_report.h"
#include "rolloutlab/replay/time.h"

namespace rolloutlab::app {

namespace fl = core::flagger;
namespace rp = replay;

namespace {

const char* kReplayUsage =
    "usage: rolloutlab replay --spec PATH... [--target NAME] [--mesh-provider P] [-o json|table]\n"
    "                         (--replay FILE | --from T --to T [--step INTERVAL] SOURCE...)\n"
    "                         [--scenario FILE] [--seed N] [--replicate R] [--judge FILE...]\n"
    "  Runs the target Canary or Argo Rollout (the first in file order unless --target names\n"
    "  one) over a recorded window, querying its own metrics exactly as the controller would\n"
    "  have, and prints the trace. T is RFC 3339 or Unix seconds; the trace's t counts from\n"
    "  --from.\n"
    "  Canary: tick i runs at --from + (i-1) x INTERVAL (default: the analysis interval).\n"
    "  Rollout: the new revision is applied at --from and every measurement queries at its own\n"
    "  time, until the rollout is promoted or aborted or --to (--step and --mesh-provider do\n"
    "  not apply: the router names the mesh).\n"
    "  Sources (at least one):\n"
    "    --prometheus URL            a live Prometheus (only this URL is ever contacted)\n"
    "        [--timeout 10s] [--retries 2] [--ca-file FILE] [--server-errors abort|trace]\n"
    "        [--bearer-token-file FILE | --bearer-token-env VAR | --basic-auth-env VAR "
    "(user:pass)]\n"
    "        [--header NAME=VALUE]...  sent with every request, never shown (X-Scope-OrgID=T\n"
    "                                  for a Mimir, Cortex or Thanos tenant)\n"
    "    --query-range METRIC[@canary|@primary]=FILE...  saved /api/v1/query_range answers\n"
    "                                (or `promtool query range -o json` output)\n"
    "    --csv FILE...               CSV rows time,variant,metric,value\n"
    "    --series FILE...            raw series (OpenMetrics text or query_range JSON)\n"
    "    --access-log FILE...        Envoy/Istio JSON or nginx logs (gzip allowed)\n"
    "        [--log-format auto|envoy-json|nginx] [--scrape-interval 15s] [--variant-field KEY]\n"
    "        [--canary-match TEXT] [--primary-match TEXT] [--counterfactual none|model|recorded]\n"
    "  --scenario FILE   readiness, webhooks, (Rollouts) models of metrics no source answers\n"
    "                    (web, job, kayenta) and (counterfactual model) the canary's effects\n"
    "  --replicate R     bootstrap replicate R of the recording (moving blocks), seeded by --seed\n"
    "  --judge FILE      attach Judge documents as shadow analyses: per tick they read each\n"
    "                    variant's requests, 5xx and latency histogram off the replay's series\n"
    "                    (request logs, --series or --prometheus; not CSV or --query-range,\n"
    "                    which hold only metric values: an error) and report when and how\n"
    "                    they would decide\n"
    "  Exit codes: 0 done, 1 bad input, 2 wrong command line, 3 the server failed.\n";

void printReplayTable(std::ostream& out, const scenarios::SimulationResult& res,
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
  out << "summary: decision " << (s.timeToDecision >= 0 ? fmtT(s.timeToDecision) + "s" : "none")
      << ", promotion " << (s.timeToPromotion >= 0 ? fmtT(s.timeToPromotion) + "s" : "none");
  if (counts) {
    out << ", canary requests " << fmtT(s.totals.canaryRequests) << ", canary errors "
        << fmtT(s.totals.canaryErrors) << ", excess errors " << std::setprecision(4)
        << s.totals.excessErrors;
  }
  out << ", peak canary weight " << s.peakCanaryWeight << "%\n";
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

double timeFlag(const Args& args, const std::string& flag) {
  const auto v = args.get(flag);
  if (!v)
    throw UsageError("replay needs " + flag + " T (RFC 3339 or Unix seconds), or --replay FILE");
  const auto t = rp::parseTime(*v);
  if (!t)
    throw UsageError(flag + " = \"" + *v +
                     "\": must be RFC 3339 (2024-01-01T00:00:00Z) or Unix seconds");
  return *t;
}

double intervalFlag(const Args& args, const std::string& flag, double fallback) {
  const auto v = args.get(flag);
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
  r["release"] = scenarios::toString(spec.release);
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

io::Json replayRunJson(const scenarios::SimulationResult& res, const rp::FlaggerReplayPlan& plan,
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
      for (const auto& mv : res.measured[i]) {
        io::Json m;
        m["name"] = mv.name;
        m["kind"] = fl::toString(mv.kind);
        m["value"] = mv.answer.kind == fl::MetricAnswer::Kind::kValue ? io::jnum(mv.answer.value)
                                                                      : io::Json(nullptr);
        m["answer"] = mv.answer.kind == fl::MetricAnswer::Kind::kValue    ? "value"
                      : mv.answer.kind == fl::MetricAnswer::Kind::kNoData ? "nodata"
                                                                          : "error";
        if (mv.answer.kind == fl::MetricAnswer::Kind::kError && !mv.answer.message.empty())
          m["message"] = mv.answer.message;
        m["min"] = io::jopt(mv.min);
        m["max"] = io::jopt(mv.max);
        m["checked"] = mv.checkedByEngine;
        ms.push_back(std::move(m));
      }
    }
    t["measured"] = std::move(ms);
    ticks.push_back(std::move(t));
  }
  out["ticks"] = std::move(ticks);
  out["outcome"] = io::outcomeJson(res.summary.outcome);
  out["summary"] = runSummaryJson(res.summary);
  if (plan.recording().traffic() == nullptr) {
    // Only request logs count requests: other recordings say nothing of them.
    for (const char* k : {"canaryRequests", "canaryErrors", "excessErrors"})
      out["summary"][k] = nullptr;
  }
  return out;
}

int runReplayTrace(const Workspace& specs, const rp::ReplaySpec& spec, const std::string& target,
                   const std::string& meshProvider, const std::string& format, std::uint64_t seed,
                   std::optional<std::uint64_t> replicate, Streams& io,
                   const std::vector<scenarios::JudgeSpec>& judges) {
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
  if (format == "json") {
    io::Json j = replayRunJson(res, plan, seed, replicate);
    if (!judges.empty()) {
      // As `simulate` on a Scenario: the verdicts, and each tick's verdicts so far.
      j["judges"] = shadowJudgesJson(judges, res.summary, true);
      addJudgeTicks(j["ticks"], judges, res.judgeTicks);
    }
    io.out << io::dumpJson(j);
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
  Args args(argv,
            {"--target",
             "--mesh-provider",
             "-o",
             "--output",
             "--replay",
             "--from",
             "--to",
             "--step",
             "--scenario",
             "--seed",
             "--replicate",
             "--prometheus",
             "--timeout",
             "--retries",
             "--ca-file",
             "--server-errors",
             "--bearer-token-file",
             "--bearer-token-env",
             "--basic-auth-env",
             "--header",
             "--log-format",
             "--scrape-interval",
             "--variant-field",
             "--canary-match",
             "--primary-match",
             "--counterfactual",
             "--block-steps"},
            {"--help", "-h"},
            {"--spec", "--query-range", "--csv", "--series", "--access-log", "--judge"});
  if (args.has("--help") || args.has("-h")) {
    io.out << kReplayUsage;
    return 0;
  }
  const auto specPaths = args.all("--spec");
  if (specPaths.empty()) throw UsageError("replay needs --spec PATH");
  if (!args.positional().empty()) throw UsageError("unexpected argument " + args.positional()[0]);
  const std::string format = args.has("-o") ? args.choice("-o", {"json", "table"}, "json")
                                            : args.choice("--output", {"json", "table"}, "json");
  const std::uint64_t seed = args.unsignedInt("--seed").value_or(0);
  std::optional<std::uint64_t> replicate;
  if (auto r = args.unsignedInt("--replicate")) replicate = *r;
  const std::string mesh = args.getOr("--mesh-provider", "istio");

  static const char* kSourceFlags[] = {"--from",       "--to",          "--step",
                                       "--prometheus", "--query-range", "--csv",
                                       "--series",     "--access-log",  "--counterfactual"};
  rp::ReplaySpec spec;
  std::optional<std::string> scenarioFile = args.get("--scenario");
  Workspace ws = loadWorkspace(specPaths);
  Workspace extra;
  if (auto file = args.get("--replay")) {
    for (const char* f : kSourceFlags) {
      if (args.has(f)) throw UsageError(std::string(f) + " and --replay exclude each other");
    }
    extra = loadWorkspace({*file});
    if (extra.diagnostics.errors() == 0 && extra.replays.empty()) {
      throw core::InputError(
          {core::Severity::kError, *file, 0, 0, "kind", "", "holds no Replay document"});
    }
  } else {
    if (!args.has("--prometheus") && !args.has("--query-range") && !args.has("--csv") &&
        !args.has("--series") && !args.has("--access-log")) {
      throw UsageError(
          "replay needs a source: --prometheus, --query-range, --csv, --series, --access-log or "
          "--replay");
    }
    spec.from = timeFlag(args, "--from");
    spec.to = timeFlag(args, "--to");
    if (args.has("--step")) spec.step = intervalFlag(args, "--step", 60);
    if (auto url = args.get("--prometheus")) {
      rp::PrometheusOptions o;
      o.url = *url;
      o.timeoutSeconds = intervalFlag(args, "--timeout", 10);
      o.retries = static_cast<int>(args.integer("--retries", 0, 20).value_or(2));
      o.caFile = args.getOr("--ca-file", "");
      o.serverErrors = args.choice("--server-errors", {"abort", "trace"}, "abort") == "trace"
                           ? rp::ServerErrors::kTrace
                           : rp::ServerErrors::kAbort;
      int auths = 0;
      if (auto v = args.get("--bearer-token-file")) {
        o.auth = rp::AuthKind::kBearerTokenFile;
        o.authSource = *v;
        ++auths;
      }
      if (auto v = args.get("--bearer-token-env")) {
        o.auth = rp::AuthKind::kBearerTokenEnv;
        o.authSource = *v;
        ++auths;
      }
      if (auto v = args.get("--basic-auth-env")) {
        o.auth = rp::AuthKind::kBasicAuthEnv;
        o.authSource = *v;
        ++auths;
      }
      if (auths > 1)
        throw UsageError(
            "give one of --bearer-token-file, --bearer-token-env and --basic-auth-env");
      for (const auto& h : args.all("--header")) {
        std::string why;
        const auto header = rp::HttpHeader::parse(h, &why);
        if (!header) throw UsageError(why);
        o.headers.push_back(*header);
      }
      spec.prometheus = o;
    } else {
      for (const char* f :
           {"--timeout", "--retries", "--ca-file", "--server-errors", "--bearer-token-file",
            "--bearer-token-env", "--basic-auth-env", "--header"}) {
        if (args.has(f)) throw UsageError(std::string(f) + " needs --prometheus");
      }
    }
    for (const auto& q : args.all("--query-range")) spec.queryRange.push_back(namedFile(q));
    spec.csv = args.all("--csv");
    spec.series = args.all("--series");
    spec.accessLogs = args.all("--access-log");
    if (auto f = args.get("--log-format")) {
      const auto lf = rp::logFormatFromString(*f);
      if (!lf) throw UsageError("--log-format = \"" + *f + "\": must be auto, envoy-json or nginx");
      spec.logOptions.format = *lf;
    }
    spec.scrapeInterval = intervalFlag(args, "--scrape-interval", 15);
    if (auto v = args.get("--variant-field")) spec.logOptions.variantField = *v;
    if (auto v = args.get("--canary-match")) spec.logOptions.canaryMatch = *v;
    if (auto v = args.get("--primary-match")) spec.logOptions.primaryMatch = *v;
    if (auto v = args.get("--counterfactual")) {
      const auto c = rp::counterfactualFromString(*v);
      if (!c)
        throw UsageError("--counterfactual = \"" + *v + "\": must be none, model or recorded");
      spec.counterfactual = *c;
    }
    spec.blockSteps = args.integer("--block-steps", 0, 1'000'000).value_or(0);
  }
  if (scenarioFile) {
    Workspace sw = loadWorkspace({*scenarioFile});
    for (const auto& d : sw.diagnostics.items) {
      if (d.severity == core::Severity::kError) ws.diagnostics.add(d);
    }
    if (sw.diagnostics.errors() == 0) {
      if (sw.scenarios.empty()) {
        throw core::InputError({core::Severity::kError, *scenarioFile, 0, 0, "kind", "",
                                "holds no Scenario document"});
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
    std::optional<scenarios::Scenario> sc = spec.scenario;
    spec = extra.replays.front();
    if (sc) spec.scenario = sc;
  }
  const auto loadedJudges = loadJudgeFiles(args.all("--judge"), io);
  if (!loadedJudges) return 1;
  const std::vector<scenarios::JudgeSpec>& judges = loadedJudges->judges;
  const std::string target = args.getOr("--target", "");
  if (ws.targetsRollout(target)) {
    for (const char* f : {"--step", "--mesh-provider"}) {
      if (args.has(f)) {
        io.err << "note: " << f
               << " does not apply to a Rollout (measurements run at their own times; the "
                  "router names the mesh)\n";
      }
    }
  }
  return runReplayTrace(ws, spec, target, mesh, format, seed, replicate, io, judges);
}

}  // namespace rolloutlab::app
