#pragma once
/// The one registry of named random streams. Every stream a run draws from is derived from the
/// run's seed (and, for batch pairs, from the master seed and the pair's identity) by
/// `core::deriveSeed`; this table names each one and fixes its derivation, so two layers never
/// share a stream by accident and a new stream is added in one place.
///
/// Two derivations exist for historical reasons and are kept because changing either would
/// change every run's draws: the synthesized series' streams use small integers (1-7, 100 + i
/// for shadow judges), the recordings', the tuner's and the workbench's streams the
/// `core::stableHash` of a name. The test `SeedStreams.AreDistinctAndStable` checks that no two
/// streams of a run derive the same seed and that no derivation changes.

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
  // The tuner (tune/), from the search's master seed.
  kTuneLatinHypercube,  ///< the initial candidates' Latin hypercube ("tune/latin-hypercube")
  // The workbench (gui/).
  kWorkbenchReseed,  ///< the next seed the Reseed action offers ("reseed")
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

/// The seed of the tuner's surrogate when it proposes candidates with `known` candidates
/// already in the search (deriveSeed(seed, stableHash("tune/surrogate"), known)).
std::uint64_t tuneSurrogateSeed(std::uint64_t searchSeed, std::uint64_t known);

/// The master seed of the tuner's evaluation stream `stream`: 0 is the search's seed itself
/// (so `batch --seed S` reproduces any run of the search), any other the fresh seeds that
/// re-measure the recommendation (deriveSeed(seed, stableHash("tune/fresh"), stream)).
std::uint64_t tuneEvaluationSeed(std::uint64_t searchSeed, std::uint64_t stream);

/// A batch pair's seed: from the master seed and the pair's identity (spec key, scenario or
/// replay name), never from the order of the pairs or the thread that runs them.
std::uint64_t pairSeed(std::uint64_t master, const std::string& specKey,
                       const std::string& scenarioName);
/// The seed of replicate `replicate` of a pair.
std::uint64_t replicateSeed(std::uint64_t pairSeed, std::uint64_t replicate);

}  // namespace rolloutlab::sim
