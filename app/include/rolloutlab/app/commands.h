#pragma once
/// The commands of the `rolloutlab` executable. Each takes the arguments after its name and
/// returns the process exit code: 0 success, 1 bad input or a failed verdict, 2 a wrong command
/// line, 3 an environment failure or an internal error.

#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::app {

/// A wrong command line (exit code 2): the message names the flag or argument.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Streams {
  std::istream& in;  ///< what a `-` file argument reads (once)
  std::ostream& out;
  std::ostream& err;
  bool errIsTerminal = false;  ///< progress is shown only on a terminal
  bool outIsTerminal = false;  ///< `-o` defaults to the human format only on a terminal
};

int runValidate(const std::vector<std::string>& args, Streams& io);
int runSimulate(const std::vector<std::string>& args, Streams& io);
int runBatchCommand(const std::vector<std::string>& args, Streams& io);
int runMerge(const std::vector<std::string>& args, Streams& io);
int runReplay(const std::vector<std::string>& args, Streams& io);
int runJudge(const std::vector<std::string>& args, Streams& io);   ///< see judge_command.h
int runStats(const std::vector<std::string>& args, Streams& io);   ///< see stats_command.h
int runTune(const std::vector<std::string>& args, Streams& io);    ///< see tune_runner.h
int runExport(const std::vector<std::string>& args, Streams& io);  ///< see docs/export.md
int runCheck(const std::vector<std::string>& args, Streams& io);   ///< see check.h
/// Export's check of the result (gitops::ExportRequest::check), as `export` runs it and the
/// workbench's File > Export to Git: `validate --strict` over the repository with the new text
/// in place of the file; the errors on the file itself, and those elsewhere that the old text
/// did not cause (a Rollout in another file that now misses an argument of the exported
/// template).
std::vector<core::Diagnostic> exportStrictCheck(const std::string& repoRoot,
                                                const std::string& relPath,
                                                const std::string& before,
                                                const std::string& after);

/// Writes `text` to `path` atomically (temporary file + rename); throws EnvironmentError.
void writeAtomically(const std::string& path, const std::string& text);

/// Dispatches `rolloutlab <command> ...` (argv without the program name).
int runMain(const std::vector<std::string>& argv, Streams& io);

/// Runs one command the way runMain does: a UsageError is one line on io.err naming the
/// command (exit 2), a core::InputError `error: ...` (exit 1), a core::EnvironmentError
/// `error: ...` (exit 3), a core::InternalError `error: ... (an internal error: please report it
/// with the input files)` (exit 3).
int runGuarded(const std::string& command, int (*fn)(const std::vector<std::string>&, Streams&),
               const std::vector<std::string>& args, Streams& io);

}  // namespace rolloutlab::app
