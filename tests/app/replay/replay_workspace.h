#pragma once
// The replay fixtures (tests/support/replay_fixtures.h) plus a workspace loaded the way the
// commands load one (app::loadWorkspace).
#include "replay_fixtures.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::test::replayfx {

/// Loads a workspace from YAML text written to a temporary file; fails the test on errors.
inline app::Workspace workspaceFrom(const TempDir& dir, const std::string& name,
                                    const std::string& yaml) {
  app::Workspace ws = app::loadWorkspace({dir.write(name, yaml)});
  for (const auto& d : ws.diagnostics.items) {
    if (d.severity == core::Severity::kError) ADD_FAILURE() << d.toString();
  }
  return ws;
}

}  // namespace rolloutlab::test::replayfx
