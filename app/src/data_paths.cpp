#include "rolloutlab/app/data_paths.h"

#include <ostream>
#include <system_error>

namespace rolloutlab::app {

namespace fs = std::filesystem;

fs::path executableDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

fs::path bundledScenarioLibrary(const fs::path& exeDir) {
  std::error_code ec;
  if (!exeDir.empty()) {
    const fs::path installed = exeDir / ".." / "share" / "rolloutlab" / "scenarios" / "library";
    if (fs::is_directory(installed, ec)) return installed.lexically_normal();
  }
#ifdef ROLLOUTLAB_SCENARIO_LIBRARY_DIR
  // A binary run from the build tree: the library in the source tree it was built from.
  const fs::path source = ROLLOUTLAB_SCENARIO_LIBRARY_DIR;
  if (fs::is_directory(source, ec)) return source.lexically_normal();
#endif
  return {};
}

fs::path bundledScenarioLibrary() { return bundledScenarioLibrary(executableDir()); }

std::vector<std::string> defaultScenarioPaths(const std::string& command, std::ostream& note) {
  const fs::path lib = bundledScenarioLibrary();
  if (lib.empty()) return {};
  note << command << ": no --scenarios: the bundled library " << lib.string() << "\n";
  return {lib.string()};
}

}  // namespace rolloutlab::app
