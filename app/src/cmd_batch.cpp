#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli.h"
#include "judge_files.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/data_paths.h"
#include "rolloutlab/app/output.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/number_format.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::app {

namespace {

const char* kBatchDescription =
    "Runs N replicates of every (spec, scenario) pair and reports operating characteristics: "
    "promotion and "
    "rollback probabilities with 95% intervals, decision times, canary requests, errors and excess "
    "errors, and "
    "per spec the false-rollback and escape rates.";
const char* kBatchFooter =
    "Run r of a pair uses seed derive(pair seed, r) (see `simulate --replicate`). --shard K/N (0 "
    "<= K < N) runs "
    "the K-th of N disjoint slices; `rolloutlab merge` combines them exactly. --judge attaches "
    "Judge documents "
    "as shadow analyses: their false-fail rate, detection rate and detection time are reported "
    "beside the "
    "spec's own. A Replay document among the --scenarios runs the spec on recorded data: each "
    "replicate is a "
    "moving-block bootstrap resample of the recording; judges read the replicate's request counts "
    "(request "
    "logs; a recording of metric values only, CSV or query_range answers, is an error). A path - "
    "reads a "
    "multi-document stream from standard input (once), e.g. `helm template ./chart | rolloutlab "
    "batch --spec - "
    "...`.\n"
    "Exit codes: 0 done, 1 bad input or interrupted (the finished runs are written, marked "
    "partial), 2 a wrong "
    "command line, 3 the report cannot be written.";

const char* kMergeDescription =
    "Combines the reports (JSON or YAML) of the N shards of one batch into the report the "
    "unsharded batch "
    "gives (every field but elapsedSeconds identical).";

}  // namespace

/// Writes `text` to `path` atomically: a temporary file beside it, then a rename.
void writeAtomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  const fs::path tmp =
      p.parent_path() / ("." + p.filename().string() + ".tmp." + std::to_string(::getpid()));
  // errno is read at once (a later call may change it), and a stream that failed without
  // setting it says which step failed rather than "Success".
  const auto why = [](int err, const std::string& step) {
    return step + (err != 0 ? std::string(": ") + std::strerror(err)
                            : std::string(" (no system error code)"));
  };
  {
    errno = 0;
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      const int err = errno;
      throw core::EnvironmentError("cannot write " + path + ": " +
                                   why(err, "cannot create the temporary file " + tmp.string()));
    }
    out << text;
    out.flush();
    out.close();
    if (!out) {
      const int err = errno;
      std::error_code ec;
      fs::remove(tmp, ec);
      throw core::EnvironmentError("cannot write " + path + ": " +
                                   why(err, "writing " + std::to_string(text.size()) +
                                                " bytes to " + tmp.string() + " failed"));
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

const std::vector<std::string> kBatchFormats = {"json", "yaml", "csv", "table"};

std::string renderBatch(const BatchResult& r, const std::string& format) {
  if (format == "csv") return batchCsv(r);
  if (format == "table") return batchTable(r);
  return render(batchJson(r), format);
}

void emit(const BatchResult& r, const std::string& format,
          const std::optional<std::string>& outFile, Streams& io) {
  const std::string text = renderBatch(r, format);
  if (outFile) {
    writeAtomically(*outFile, text);
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
  std::vector<std::string> specPaths, scenarioPaths, judgeFiles;
  std::optional<std::string> runsFlag, seedFlag, threadsFlag, shardFlag, output, outFile, meshFlag;
  cli::Parser p("batch", kBatchDescription, kBatchFooter);
  p.list("--spec", &specPaths, "PATH",
         "spec files or folders (every Canary and Rollout found is run)");
  p.list("--scenarios", &scenarioPaths, "PATH",
         "Scenario and Replay documents, files or folders (default: the bundled scenario library)");
  p.value("--runs", &runsFlag, "N", "replicates per (spec, scenario) pair (default 1000)");
  p.value("--seed", &seedFlag, "S", "master seed (default 0)");
  p.value("--threads", &threadsFlag, "T",
          "worker threads (default: all cores); never changes the result");
  p.value("--shard", &shardFlag, "K/N", "run the K-th of N disjoint slices of the runs");
  p.list("--judge", &judgeFiles, "FILE", "Judge documents attached as shadow analyses");
  p.value("--mesh-provider", &meshFlag, "P",
          "the mesh whose series the scenarios synthesize (default istio)");
  p.output(&output, kBatchFormats);
  p.value("--out", &outFile, "FILE",
          "write the report to FILE (atomically) instead of standard output");
  if (!p.parse(argv, io)) return 0;
  if (specPaths.empty()) throw UsageError("--spec is required");
  if (scenarioPaths.empty()) scenarioPaths = defaultScenarioPaths("batch", io.err);
  if (scenarioPaths.empty())
    throw UsageError("--scenarios is required (no bundled scenario library was found)");
  cli::checkStdinOnce(
      {{"--spec", specPaths}, {"--scenarios", scenarioPaths}, {"--judge", judgeFiles}});
  BatchOptions opt;
  opt.runs = cli::integer(runsFlag, "--runs", 1, 1'000'000'000, 1000);
  opt.seed = cli::unsignedInt(seedFlag, "--seed", 0);
  opt.threads = static_cast<int>(cli::integer(threadsFlag, "--threads", 1, 1024, 0));
  if (shardFlag) {
    int k = -1, n = -1;
    char tail = 0;
    if (std::sscanf(shardFlag->c_str(), "%d/%d%c", &k, &n, &tail) != 2 || n < 1 || k < 0 ||
        k >= n) {
      throw UsageError("--shard = \"" + *shardFlag + "\": must be K/N with 0 <= K < N");
    }
    opt.shardIndex = k;
    opt.shardCount = n;
  }
  const std::string format =
      cli::format(output, kBatchFormats, "table", io.outIsTerminal && !outFile);
  const std::string mesh = meshFlag.value_or("istio");

  Workspace specs = cli::load(specPaths, io);
  Workspace scen = cli::load(scenarioPaths, io);
  const bool e1 = printErrors(specs, io);
  const bool e2 = printErrors(scen, io);
  const std::optional<Workspace> loadedJudges = loadJudgeFiles(judgeFiles, io);
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
      const double el =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double rate = el > 0 ? static_cast<double>(done) / el : 0.0;
      const double eta = rate > 0 ? static_cast<double>(planned - done) / rate : 0.0;
      const double percent =
          planned > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(planned) : 100.0;
      io.err << "\r" + std::to_string(done) + "/" + std::to_string(planned) + " runs ("
             << core::formatFixed(percent, 0) << "%), " << core::formatFixed(rate, 0)
             << " runs/s, ETA " << core::formatFixed(eta, 0) << "s   " << std::flush;
    };
  }
  cancelWatched().store(true);
  BatchResult r = runBatch(batchSpecs(specs, mesh), scen.scenarios, scen.replays, inputs, opt);
  cancelWatched().store(false);
  if (io.errIsTerminal) io.err << "\n";
  if (r.partial)
    io.err << "batch interrupted: writing the "
           << "runs that finished, marked partial\n";
  emit(r, format, outFile, io);
  return r.partial ? 1 : 0;
}

int runMerge(const std::vector<std::string>& argv, Streams& io) {
  std::vector<std::string> files;
  std::optional<std::string> output, outFile;
  cli::Parser p("merge", kMergeDescription,
                "A SHARD - reads one report from standard input.\n"
                "Exit codes: 0 done, 1 bad input (shards of different batches, a shard missing or "
                "given twice), "
                "2 a wrong command line, 3 the report cannot be written.");
  p.positionals("SHARD", &files, "shard reports of one batch (batch --shard K/N -o json|yaml)");
  p.output(&output, kBatchFormats);
  p.value("--out", &outFile, "FILE",
          "write the report to FILE (atomically) instead of standard output");
  if (!p.parse(argv, io)) return 0;
  if (files.empty()) throw UsageError("merge needs at least one SHARD report");
  cli::checkStdinOnce({{"SHARD", files}});
  const std::string format =
      cli::format(output, kBatchFormats, "table", io.outIsTerminal && !outFile);
  std::vector<BatchResult> shards;
  std::vector<std::string> names;
  for (const auto& f : files) {
    const std::string name = f == "-" ? cli::kStdinName : f;
    std::string text;
    if (f == "-") {
      text = cli::readAll(io.in);
    } else {
      std::ifstream in(f, std::ios::binary);
      if (!in) throw core::InputError({core::Severity::kError, f, 0, 0, "", "", "cannot read"});
      text = cli::readAll(in, f);
    }
    io::Json j;
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{') {
      try {
        j = io::Json::parse(text);
      } catch (const io::Json::parse_error& e) {
        throw core::InputError(
            {core::Severity::kError, name, 0, 0, "", "", std::string("not JSON: ") + e.what()});
      }
    } else {
      try {
        j = yamlToJson(io::loadYaml(text));
      } catch (const YAML::Exception& e) {
        throw core::InputError({core::Severity::kError, name,
                                e.mark.line >= 0 ? e.mark.line + 1 : 0, 0, "", "",
                                "neither JSON nor YAML: " + e.msg});
      }
    }
    try {
      shards.push_back(batchFromJson(j, name));
    } catch (const io::Json::exception&) {
      // A value of the wrong JSON type that batchFromJson does not check itself: the library's
      // own text names neither the file nor the field, so it is not shown.
      throw core::InputError({core::Severity::kError, name, 0, 0, "", "",
                              "not a rolloutlab batch report: a value has the wrong JSON type "
                              "(compare it with a report `rolloutlab batch` wrote)"});
    }
    names.push_back(name);
  }
  emit(mergeBatches(shards, names), format, outFile, io);
  return 0;
}

}  // namespace rolloutlab::app
