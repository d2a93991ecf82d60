#pragma once
/// The commands of the `rolloutlab` executable. Each takes the arguments after its name and
/// returns the process exit code: 0 success, 1 bad input or a failed verdict, 2 a wrong command
/// line, 3 an environment failure.

#include <iosfwd>
#include <string>
#include <vector>

namespace rolloutlab::app {

struct Streams {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool errIsTerminal = false;  ///< progress is shown only on a terminal
};

int runValidate(const std::vector<std::string>& args, Streams& io);
int runSimulate(const std::vector<std::string>& args, Streams& io);
int runBatchCommand(const std::vector<std::string>& args, Streams& io);
int runMerge(const std::vector<std::string>& args, Streams& io);
int runReplay(const std::vector<std::string>& args, Streams& io);

/// Writes `text` to `path` atomically (temporary file + rename); throws EnvironmentError.
void writeAtomically(const std::string& path, const std::string& text);

/// Dispatches `rolloutlab <command> ...` (argv without the program name).
int runMain(const std::vector<std::string>& argv, Streams& io);

}  // namespace rolloutlab::app
