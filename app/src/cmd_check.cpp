#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/check.h"
#include "rolloutlab/app/check_render.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/output.h"
#include "rolloutlab/core/number_format.h"

namespace rolloutlab::app {

namespace {

namespace fs = std::filesystem;

const char* kCheckDescription =
    "Checks every Canary and Rollout of a repository against a Policy: each spec is run over a "
    "scenario suite (the bundled library by default) and its false-rollback rate, escape rate, "
    "excess errors and time to promotion are held to the policy's bounds on 95% intervals. An "
    "undecided spec gets twice the runs, up to the cap. REPO_DIR - reads a multi-document stream "
    "(kustomize build output) from standard input.";
const char* kCheckFooter =
    "The policy: --policy, else the one Policy document of the repository, else the built-in "
    "default (falseRollbackRate <= 0.05 and escapeRate <= 0.5 over the suite). docs/check.md "
    "describes the Policy kind, the verdict rules and the blamed fields.\n"
    "Exit codes: 0 every spec passes, 1 a spec fails or is undecided at the cap, 2 bad input "
    "(a spec, policy or scenario that does not decode) or a wrong command line, 3 an environment "
    "failure (a file cannot be read or written, Git cannot be read). Interrupted (SIGINT or "
    "SIGTERM): the specs checked so far are written, marked partial, exit 1.";

const std::vector<std::string> kCheckFormats = {"json", "yaml", "table"};

// Writes every (path, text) or none: each goes to a temporary file beside its target first,
// and only when all are written are they renamed into place.
void writeAllOrNone(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::string> temps;
  auto cleanup = [&]() {
    for (const auto& t : temps) {
      std::error_code ec;
      fs::remove(t, ec);
    }
  };
  for (const auto& [path, text] : files) {
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (out) temps.push_back(tmp);
    out << text;
    out.close();
    if (!out) {
      cleanup();
      throw core::EnvironmentError("cannot write " + path);
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::error_code ec;
    fs::rename(temps[i], files[i].first, ec);
    if (ec) {
      cleanup();
      throw core::EnvironmentError("cannot write " + files[i].first + ": " + ec.message());
    }
  }
}

struct Renderings {
  std::optional<std::string> junit, markdown, sarif;
  bool github = false;
};

// The CI renderings of the report (check_render.h): every file written or none, then the
// GitHub workflow commands on standard output.
void writeRenderings(const io::Json& report, const Renderings& r, Streams& io) {
  std::vector<std::pair<std::string, std::string>> files;
  if (r.junit) files.emplace_back(*r.junit, renderCheckJUnit(report));
  if (r.markdown) files.emplace_back(*r.markdown, renderCheckMarkdown(report));
  if (r.sarif) files.emplace_back(*r.sarif, renderCheckSarif(report));
  writeAllOrNone(files);
  if (r.github) io.out << renderCheckGithub(report);
}

}  // namespace

int runCheck(const std::vector<std::string>& argv, Streams& io) {
  std::vector<std::string> positional, scenarioPaths;
  std::optional<std::string> suggestFlag, policyFlag, seedFlag, threadsFlag, runsFlag, maxRunsFlag,
      output, changedFlag, meshFlag;
  cli::Parser p("check", kCheckDescription, kCheckFooter);
  p.positionals("REPO_DIR", &positional,
                "the repository checkout to check (- : a multi-document stream on stdin)");
  p.value("--policy", &policyFlag, "FILE", "the Policy document (default: see below)");
  p.list("--scenarios", &scenarioPaths, "PATH",
         "Scenario documents, files or folders (default: the policy's, else the bundled library)");
  p.value("--changed-since", &changedFlag, "REF",
          "check only the specs whose file or templates changed since REF (REPO_DIR must be the "
          "Git repository's root)");
  p.value("--seed", &seedFlag, "S", "master seed (default: the policy's, else 0)");
  p.value("--threads", &threadsFlag, "T",
          "worker threads (default: all cores); never changes the result");
  p.value("--runs", &runsFlag, "N",
          "runs per scenario in the first round (default: the policy's, else 100)");
  p.value("--max-runs", &maxRunsFlag, "N",
          "the most runs per scenario an undecided spec gets (default: the policy's, else 1600)");
  p.value("--mesh-provider", &meshFlag, "P",
          "the mesh whose series the scenarios synthesize (default istio)");
  p.value("--suggest-budget", &suggestFlag, "RUNS",
          "the most runs the search for a suggestion may spend per failing spec that a "
          "TuningSpace targets (default 50000; 0: no suggestions)");
  p.output(&output, kCheckFormats);
  Renderings outputs;
  p.value("--junit", &outputs.junit, "FILE", "write the JUnit XML rendering to FILE");
  p.value("--markdown", &outputs.markdown, "FILE",
          "write the Markdown summary to FILE (a pull-request comment, $GITHUB_STEP_SUMMARY)");
  p.value("--sarif", &outputs.sarif, "FILE", "write the SARIF 2.1.0 rendering to FILE");
  p.flag("--github", &outputs.github,
         "print GitHub Actions annotations (::error file=...,line=...::) on standard output; the "
         "report then only with -o");
  if (!p.parse(argv, io)) return 0;
  if (positional.size() != 1) throw UsageError("check takes one REPO_DIR");
  CheckSettings st;
  st.repo = positional.front();
  st.policyFile = policyFlag;
  st.scenarioPaths = scenarioPaths;
  cli::checkStdinOnce({{"REPO_DIR", positional},
                       {"--policy", policyFlag ? std::vector<std::string>{*policyFlag}
                                               : std::vector<std::string>{}},
                       {"--scenarios", scenarioPaths}});
  if (policyFlag && *policyFlag == "-")
    throw UsageError("--policy - is not supported: name a file");
  for (const auto& s : scenarioPaths) {
    if (s == "-") throw UsageError("--scenarios - is not supported: name files or folders");
  }
  st.seed = cli::unsignedInt(seedFlag, "--seed");
  st.threads = static_cast<int>(cli::integer(threadsFlag, "--threads", 1, 1024, 0));
  if (runsFlag) st.initialRuns = cli::integer(runsFlag, "--runs", 1, 1000000, 0);
  if (maxRunsFlag) st.maxRuns = cli::integer(maxRunsFlag, "--max-runs", 1, 1000000, 0);
  if (st.initialRuns && st.maxRuns && *st.maxRuns < *st.initialRuns)
    throw UsageError("--max-runs must be at least --runs");
  st.changedSince = changedFlag;
  st.suggestBudget = cli::integer(suggestFlag, "--suggest-budget", 0, 1'000'000'000'000LL, 50000);
  st.meshProvider = meshFlag.value_or("istio");
  const std::string format = cli::format(output, kCheckFormats, "table", io.outIsTerminal);

  std::string stdinText;
  if (st.repo == "-") {
    stdinText = cli::readAll(io.in);
    st.stdinText = &stdinText;
  }
  st.note = [&](const std::string& s) { io.err << "check: " << s << "\n"; };
  st.error = [&](const core::Diagnostic& d) { io.err << "error: " << d.toString() << "\n"; };
  const auto t0 = std::chrono::steady_clock::now();
  if (io.errIsTerminal) {
    st.progress = [&](std::size_t i, std::size_t n, const std::string& key, std::int64_t done,
                      std::int64_t planned) {
      const double el =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      io.err << "\rspec " + std::to_string(i + 1) + "/" + std::to_string(n) + " " + key + ": " +
                    std::to_string(done) + "/" + std::to_string(planned) + " runs of this round, "
             << core::formatFixed(el, 0) << " s   " << std::flush;
    };
  }
  auto& cancel = cancelRequested();
  st.cancel = &cancel;
  CheckResult res;
  cancelWatched().store(true);
  try {
    res = runCheckEngine(st);
  } catch (const core::InputError& e) {
    // Bad input stops the check with exit code 2 (commands.h's 1 is a failed verdict here).
    cancelWatched().store(false);
    if (io.errIsTerminal) io.err << "\n";
    io.err << "error: " << e.diagnostic().toString() << "\n";
    return 2;
  } catch (...) {
    cancelWatched().store(false);
    throw;
  }
  cancelWatched().store(false);
  if (io.errIsTerminal && st.progress) io.err << "\r" << std::string(78, ' ') << "\r";
  if (res.interrupted) {
    io.err << "check interrupted: writing the specs checked so far, marked partial\n";
  }
  const io::Json& report = res.report;
  writeRenderings(report, outputs, io);
  if (!outputs.github || output)
    cli::print(io, format == "table" ? checkTable(report) : render(report, format));
  for (const auto& e : report.at("errors")) {
    io.err << "error: " << e.at("file").get<std::string>() << ":" << e.at("line").get<int>() << ": "
           << e.at("message").get<std::string>() << "\n";
  }
  return checkExitCode(report);
}

}  // namespace rolloutlab::app
