#pragma once
/// The one registry of named random streams. Every stream a run draws from is derived from the
/// run's seed (and, for batch pairs, from the master seed and the pair's identity) by
/// `core::deriveSeed`; this table names each one and fixes its derivation, so two layers never
/// share a stream by accident and a new stream is added in one place.
///
/// Two derivations exist for historical reasons and are kept because changing either would
/// change every run's draws: the synthesized series' streams use small integers (1-7, 100 + i
/// for shadow judges), the recordings' streams the `core::stableHash` of a name. The test
/// `SeedStreams.AreDistinct` checks that no two streams of a run derive the same seed.

#include <cstdint>
#include <string>
#include <vector>

namespace rolloutlab::sim {

enum class SeedStream {
  // The synthesized series (scenarios/src/mesh_series.cpp, MeshSeries::reset).
  kTrafficCanary,   ///< the canary's request counts (deriveSeed(seed, 1))
  kGates,           ///< flaky webhooks and gates (2)
  kQueryErrors,     ///< the scenario's random query errors (3)
  kModels,          ///< the scenario's metric models, Job results, Kayenta noise (4)
  kScrapePhase,     ///< the scrape phase (5)
  kTrafficPrimary,  ///< the primary's request counts (6)
  kTotals,          ///< the exact totals past the last scrape (7)
  // Recordings (replay/).
  kReplayGates,     ///< gates of a replay's Scenario (stableHash("replay-gates"))
  kReplayModels,    ///< model counterfactuals of Argo replays ("replay-models")
  kBlockBootstrap,  ///< the moving-block bootstrap of a replicate ("block-bootstrap")
  kTrafficRouting,  ///< how request logs' requests are re-routed ("traffic-routing")
};

/// The seed of one stream of the run seeded with `runSeed`.
std::uint64_t streamSeed(std::uint64_t runSeed, SeedStream s);
/// The stream's name, as the table above gives it (for diagnostics and tests).
const char* toString(SeedStream s);
/// Every stream, in declaration order.
const std::vector<SeedStream>& allSeedStreams();

/// The seed of shadow judge `index` (0-based, in the order given) of a run: deriveSeed(seed,
/// 100 + index), on synthetic and recorded runs alike.
std::uint64_t shadowJudgeSeed(std::uint64_t runSeed, std::size_t index);

/// The seed of the bootstrap resample of replicate `replicate` of a recording (deriveSeed(seed,
/// replicate, stableHash("replicate"))).
std::uint64_t replicateResampleSeed(std::uint64_t runSeed, std::uint64_t replicate);

/// A batch pair's seed: from the master seed and the pair's identity (spec key, scenario or
/// replay name), never from the order of the pairs or the thread that runs them.
std::uint64_t pairSeed(std::uint64_t master, const std::string& specKey,
                       const std::string& scenarioName);
/// The seed of replicate `replicate` of a pair.
std::uint64_t replicateSeed(std::uint64_t pairSeed, std::uint64_t replicate);

}  // namespace rolloutlab::sim
