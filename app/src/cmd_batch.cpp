#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <cstring>
#include <unistd.h>

#include "judge_files.h"
#include "rolloutlab/app/args.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/data_paths.h"
#include "rolloutlab/app/workspace.h"

namespace rolloutlab::app {

namespace {

const char* kBatchUsage =
    "usage: rolloutlab batch --spec PATH... --scenarios PATH... [--runs N] [--seed S] [--threads T]\n"
    "                        [--shard K/N] [--judge FILE...] [--mesh-provider P] [-o json|csv|table]\n"
    "                        [--out FILE]\n"
    "  Runs N replicates of every (spec, scenario) pair and reports operating characteristics:\n"
    "  promotion and rollback probabilities with 95% intervals, decision times, canary requests,\n"
    "  errors and excess errors, and per spec the false-rollback and escape rates. Run r of a\n"
    "  pair uses seed derive(pair seed, r) (see `simulate --replicate`). --shard K/N (0 <= K < N)\n"
    "  runs the K-th of N disjoint slices; `rolloutlab merge` combines them exactly. --judge\n"
    "  attaches Judge documents as shadow analyses: their false-fail rate, detection rate and\n"
    "  detection time are reported beside the spec's own. A Replay document among the\n"
    "  --scenarios runs the spec on recorded data: each replicate is a moving-block bootstrap\n"
    "  resample of the recording; judges read the replicate's request counts (request logs; a\n"
    "  recording of metric values only, CSV or query_range answers, is an error).\n";

const char* kMergeUsage =
    "usage: rolloutlab merge SHARD.json... [-o json|csv|table] [--out FILE]\n"
    "  Combines the JSON reports of the N shards of one batch into the report the unsharded\n"
    "  batch gives (every field but elapsedSeconds identical).\n";

}  // namespace

/// Writes `text` to `path` atomically: a temporary file beside it, then a rename.
void writeAtomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  const fs::path tmp = p.parent_path() / ("." + p.filename().string() + ".tmp." + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw core::EnvironmentError("cannot write " + path + ": " + std::strerror(errno));
    }
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw core::EnvironmentError("cannot write " + path + ": " + ec.message());
  }
}

namespace {

std::string render(const BatchResult& r, const std::string& format) {
  if (format == "csv") return batchCsv(r);
  if (format == "table") return batchTable(r);
  return io::dumpJson(batchJson(r));
}

void emit(const BatchResult& r, const Args& args, Streams& io) {
  const std::string format = args.has("-o") ? args.choice("-o", {"json", "csv", "table"}, "json")
                                            : args.choice("--output", {"json", "csv", "table"}, "json");
  const std::string text = render(r, format);
  if (auto out = args.get("--out")) {
    writeAtomically(*out, text);
  } else {
    io.out << text;
  }
}

bool printErrors(const Workspace& ws, Streams& io) {
  if (ws.diagnostics.errors() == 0) return false;
  for (const auto& d : ws.diagnostics.items) {
    if (d.severity == core::Severity::kError) io.err << "error: " << d.toString() << "\n";
  }
  return true;
}

}  // namespace

int runBatchCommand(const std::vector<std::string>& argv, Streams& io) {
  Args args(argv, {"--runs", "--seed", "--threads", "--shard", "-o", "--output", "--out", "--mesh-provider"},
            {"--help", "-h"}, {"--spec", "--scenarios", "--judge"});
  if (args.has("--help") || args.has("-h")) {
    io.out << kBatchUsage;
    return 0;
  }
  const auto specPaths = args.all("--spec");
  auto scenarioPaths = args.all("--scenarios");
  if (specPaths.empty()) throw UsageError("batch needs --spec PATH");
  if (scenarioPaths.empty()) scenarioPaths = defaultScenarioPaths("batch", io.err);
  if (scenarioPaths.empty()) throw UsageError("batch needs --scenarios PATH");
  if (!args.positional().empty()) throw UsageError("unexpected argument " + args.positional()[0]);
  BatchOptions opt;
  opt.runs = args.integer("--runs", 1, 1'000'000'000).value_or(1000);
  opt.seed = args.unsignedInt("--seed").value_or(0);
  opt.threads = static_cast<int>(args.integer("--threads", 1, 1024).value_or(0));
  if (auto sh = args.get("--shard")) {
    int k = -1, n = -1;
    char tail = 0;
    if (std::sscanf(sh->c_str(), "%d/%d%c", &k, &n, &tail) != 2 || n < 1 || k < 0 || k >= n) {
      throw UsageError("--shard = \"" + *sh + "\": must be K/N with 0 <= K < N");
    }
    opt.shardIndex = k;
    opt.shardCount = n;
  }
  (void)args.choice("-o", {"json", "csv", "table"}, "json");
  const std::string mesh = args.getOr("--mesh-provider", "istio");

  Workspace specs = loadWorkspace(specPaths);
  Workspace scen = loadWorkspace(scenarioPaths);
  const bool e1 = printErrors(specs, io);
  const bool e2 = printErrors(scen, io);
  const std::optional<Workspace> loadedJudges = loadJudgeFiles(args.all("--judge"), io);
  if (e1 || e2 || !loadedJudges) return 1;
  const Workspace& judges = *loadedJudges;
  opt.judges = judges.judges;
  std::vector<io::FileIdentity> inputs = specs.files;
  inputs.insert(inputs.end(), scen.files.begin(), scen.files.end());
  inputs.insert(inputs.end(), judges.files.begin(), judges.files.end());

  auto& cancel = cancelRequested();
  opt.cancel = &cancel;
  const auto t0 = std::chrono::steady_clock::now();
  if (io.errIsTerminal) {
    opt.progress = [&](std::int64_t done, std::int64_t planned) {
      const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double rate = el > 0 ? static_cast<double>(done) / el : 0.0;
      const double eta = rate > 0 ? static_cast<double>(planned - done) / rate : 0.0;
      char buf[160];
      std::snprintf(buf, sizeof buf, "\r%lld/%lld runs (%.0f%%), %.0f runs/s, ETA %.0fs   ",
                    static_cast<long long>(done), static_cast<long long>(planned),
                    planned > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(planned) : 100.0, rate, eta);
      io.err << buf << std::flush;
    };
  }
  BatchResult r = runBatch(batchSpecs(specs, mesh), scen.scenarios, scen.replays, inputs, opt);
  if (io.errIsTerminal) io.err << "\n";
  if (r.partial) io.err << "batch interrupted: writing the " << "runs that finished, marked partial\n";
  emit(r, args, io);
  return r.partial ? 1 : 0;
}

int runMerge(const std::vector<std::string>& argv, Streams& io) {
  Args args(argv, {"-o", "--output", "--out"}, {"--help", "-h"});
  if (args.has("--help") || args.has("-h")) {
    io.out << kMergeUsage;
    return 0;
  }
  if (args.positional().empty()) throw UsageError("merge needs at least one SHARD.json");
  (void)args.choice("-o", {"json", "csv", "table"}, "json");
  std::vector<BatchResult> shards;
  for (const auto& f : args.positional()) {
    std::ifstream in(f, std::ios::binary);
    if (!in) throw core::InputError({core::Severity::kError, f, 0, 0, "", "", "cannot read"});
    io::Json j;
    try {
      j = io::Json::parse(in);
    } catch (const io::Json::parse_error& e) {
      throw core::InputError({core::Severity::kError, f, 0, 0, "", "", std::string("not JSON: ") + e.what()});
    }
    shards.push_back(batchFromJson(j, f));
  }
  emit(mergeBatches(shards, args.positional()), args, io);
  return 0;
}

}  // namespace rolloutlab::app
