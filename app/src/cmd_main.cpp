#include <iostream>
#include <map>

#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/judge_command.h"
#include "rolloutlab/app/stats_command.h"
#include "rolloutlab/core/bounded_input.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/version.h"

namespace rolloutlab::app {

namespace {

using Command = int (*)(const std::vector<std::string>&, Streams&);

struct Entry {
  Command fn;
  const char* help;
};

const std::map<std::string, Entry>& commands() {
  static const std::map<std::string, Entry> m = {
      {"validate", {runValidate, "check specs, scripts and scenarios; list what was found"}},
      {"batch",
       {runBatchCommand, "Monte Carlo operating characteristics of specs over a scenario suite"}},
      {"merge", {runMerge, "combine the shard reports of one batch"}},
      {"judge",
       {runJudge, "judge two recorded samples offline (Kayenta-compatible or sequential)"}},
      {"stats",
       {runStats,
        "one statistical test, as R computes it (ranksum, fisher, binom, prop, welch, quantile, "
        "gsd)"}},
      {"simulate",
       {runSimulate, "run one rollout against a Script or Scenario and print the trace"}},
      {"check", {runCheck, "hold every spec of a repository to a Policy (the CI gate)"}},
      {"tune", {runTune, "search a TuningSpace for the spec that meets a risk budget fastest"}},
      {"replay",
       {runReplay, "run a spec over recorded production data (Prometheus, files, access logs)"}},
      {"export",
       {runExport,
        "write an edited spec into its GitOps repo as a commit (minimal patch, CRD check)"}},
  };
  return m;
}

void usage(std::ostream& out) {
  out << "rolloutlab " << core::version()
      << ": choose rollout specs with evidence before they reach Git\n\n"
         "usage: rolloutlab <command> [options]   (rolloutlab <command> --help)\n\ncommands:\n";
  for (const auto& [name, e] : commands()) {
    out << "  " << name << std::string(name.size() < 10 ? 10 - name.size() : 1, ' ') << e.help
        << "\n";
  }
}

}  // namespace

int runMain(const std::vector<std::string>& argv, Streams& io) {
  if (argv.empty()) {
    usage(io.err);
    return 2;
  }
  const std::string& cmd = argv[0];
  if (cmd == "--version" || cmd == "version") {
    io.out << "rolloutlab " << core::version() << "\n";
    return 0;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage(io.out);
    return 0;
  }
  const auto it = commands().find(cmd);
  if (it == commands().end()) {
    io.err << "rolloutlab: unknown command \"" << cmd << "\" (rolloutlab --help lists them)\n";
    return 2;
  }
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  return runGuarded(cmd, it->second.fn, rest, io);
}

int runGuarded(const std::string& cmd, Command fn, const std::vector<std::string>& args,
               Streams& io) {
  try {
    return fn(args, io);
  } catch (const UsageError& e) {
    io.err << "rolloutlab " << cmd << ": " << e.what() << " (rolloutlab " << cmd << " --help)\n";
    return 2;
  } catch (const core::InputError& e) {
    io.err << "error: " << e.what() << "\n";
    return 1;
  } catch (const core::InternalError& e) {
    io.err << "error: " << e.what()
           << " (an internal error: please report it with the input files)\n";
    return 3;
  } catch (const core::EnvironmentError& e) {
    io.err << "error: " << e.what() << "\n";
    return 3;
  } catch (const std::bad_alloc&) {
    const std::string reading = core::readingWhenFailed();
    io.err << "error: out of memory "
           << (reading.empty() ? "in rolloutlab " + cmd : "while reading " + reading)
           << " (the process's address space or the machine's memory is exhausted)\n";
    return 3;
  } catch (const std::exception& e) {
    io.err << "error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace rolloutlab::app
