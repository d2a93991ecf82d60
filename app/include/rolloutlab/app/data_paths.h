#pragma once
/// Where rolloutlab finds the data it ships with (the bundled scenario library), for an
/// installed executable and for one run from the build tree alike.

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace rolloutlab::app {

/// The directory of the running executable (from /proc/self/exe); empty when unknown.
std::filesystem::path executableDir();

/// The bundled scenario library for an executable in `exeDir`:
/// `<exeDir>/../share/rolloutlab/scenarios/library` when it exists (an installed rolloutlab,
/// whatever the prefix), else the source tree's `scenarios/library` (a build-tree binary);
/// empty when neither exists.
std::filesystem::path bundledScenarioLibrary(const std::filesystem::path& exeDir);

/// bundledScenarioLibrary(executableDir()).
std::filesystem::path bundledScenarioLibrary();

/// The scenario paths a command uses when none is given: the bundled library, with a note
/// `<command>: no --scenarios: the bundled library DIR` on `note`; empty (and no note) when
/// there is no bundled library.
std::vector<std::string> defaultScenarioPaths(const std::string& command, std::ostream& note);

}  // namespace rolloutlab::app
