#include "judge_files.h"

#include <ostream>

#include "cli.h"
#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::app {

std::optional<Workspace> loadJudgeFiles(const std::vector<std::string>& paths, Streams& io) {
  if (paths.empty()) return Workspace{};
  Workspace jw = cli::load(paths, io);
  if (jw.diagnostics.errors() > 0) {
    for (const auto& d : jw.diagnostics.items) {
      if (d.severity == core::Severity::kError) io.err << "error: " << d.toString() << "\n";
    }
    return std::nullopt;
  }
  if (jw.judges.empty()) {
    throw core::InputError({core::Severity::kError,
                            paths.front() == "-" ? cli::kStdinName : paths.front(), 0, 0, "kind",
                            "", "holds no Judge document"});
  }
  return jw;
}

}  // namespace rolloutlab::app
