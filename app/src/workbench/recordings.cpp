#include "rolloutlab/app/workbench/recordings.h"

#include "rolloutlab/replay/time.h"
#include "rolloutlab/scenarios/mesh_series.h"

namespace rolloutlab::app::workbench {

namespace {

// The identity of a target: the mesh layout follows from the provider
// (scenarios::meshLayout), the rest is the workload's names and what marks a canary request.
std::string targetKey(const replay::ReplayTarget& t) {
  const scenarios::Workload& w = t.workload;
  std::string k = t.layout.provider + '\n' + w.ns + '\n' + w.target + '\n' + w.service + '\n' +
                  w.ingress + '\n' + w.route + '\n' + std::to_string(w.port) + '\n' + w.canaryName +
                  '\n' + w.primaryName + '\n' + t.canaryMatch;
  for (const auto* extra : {&w.canaryExtra, &w.primaryExtra}) {
    k += '\n';
    for (const auto& [name, value] : *extra) k += name + '=' + value + ',';
  }
  return k;
}

}  // namespace

std::shared_ptr<const replay::Recording> RecordingCache::open(const replay::ReplaySpec& spec,
                                                              const replay::ReplayTarget& target) {
  const std::string key =
      spec.file + ':' + std::to_string(spec.line) + ':' + spec.name + '\n' + targetKey(target);
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto it = recordings_.find(key);
    if (it != recordings_.end()) return it->second;
  }
  // Opened outside the lock: reading request logs can take a while.
  auto rec = replay::Recording::open(spec, target);
  const std::lock_guard<std::mutex> lock(mutex_);
  ++opened_;
  return recordings_.emplace(key, std::move(rec)).first->second;
}

void RecordingCache::clear() {
  const std::lock_guard<std::mutex> lock(mutex_);
  recordings_.clear();
}

int RecordingCache::opened() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return opened_;
}

std::string replayRunText(const replay::ReplaySpec& spec, std::uint64_t seed,
                          std::optional<std::uint64_t> replicate) {
  std::string s =
      "recorded " + replay::formatTime(spec.from) + " .. " + replay::formatTime(spec.to) + ", ";
  if (replicate) {
    s += "bootstrap replicate " + std::to_string(*replicate) + " of seed " + std::to_string(seed);
  } else {
    s += "as recorded, seed " + std::to_string(seed);
  }
  return s;
}

}  // namespace rolloutlab::app::workbench
