#pragma once
/// Loading the `--judge FILE...` documents the simulate, replay and batch commands share.

#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/workspace.h"

namespace rolloutlab::app {

/// Loads the Judge documents of `paths`. No paths: an empty workspace. Decode errors are
/// printed one per line to `io.err` and give nullopt (the command exits 1); paths that hold no
/// Judge document throw core::InputError naming the first path.
std::optional<Workspace> loadJudgeFiles(const std::vector<std::string>& paths, Streams& io);

}  // namespace rolloutlab::app
