#pragma once
/// Recordings (`Replay` documents) as the workbench runs them: each opened once per target and
/// shared by the runs that follow, and the run options `rolloutlab simulate` gives a replay.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "rolloutlab/replay/replay.h"

namespace rolloutlab::app::workbench {

/// Recordings opened for a target (a Canary under a mesh provider, or a Rollout), kept for
/// reuse: the files of a recording are read once, whatever the number of runs (reseeds, edits
/// of the spec that keep its target). Thread-safe.
class RecordingCache {
 public:
  /// The recording of `spec` for `target`, opened on first use. Throws core::InputError as
  /// replay::Recording::open does (a file that cannot be read, a bad sample).
  std::shared_ptr<const replay::Recording> open(const replay::ReplaySpec& spec,
                                                const replay::ReplayTarget& target);
  /// Forgets every recording (the files may have changed).
  void clear();
  /// How many recordings were opened (read from their files) since construction.
  int opened() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const replay::Recording>> recordings_;
  int opened_ = 0;
};

/// "recorded 2024-03-05T10:00:00Z .. 2024-03-05T10:30:00Z, as recorded, seed 1" or
/// "..., bootstrap replicate 3 of seed 1": which run of a recording a timeline shows.
std::string replayRunText(const replay::ReplaySpec& spec, std::uint64_t seed,
                          std::optional<std::uint64_t> replicate);

}  // namespace rolloutlab::app::workbench
