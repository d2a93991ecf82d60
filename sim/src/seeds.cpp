#include "rolloutlab/sim/seeds.h"

#include "rolloutlab/core/rng.h"

namespace rolloutlab::sim {

std::uint64_t streamSeed(std::uint64_t runSeed, SeedStream s) {
  switch (s) {
    case SeedStream::kTrafficCanary:
      return core::deriveSeed(runSeed, 1);
    case SeedStream::kGates:
      return core::deriveSeed(runSeed, 2);
    case SeedStream::kQueryErrors:
      return core::deriveSeed(runSeed, 3);
    case SeedStream::kModels:
      return core::deriveSeed(runSeed, 4);
    case SeedStream::kScrapePhase:
      return core::deriveSeed(runSeed, 5);
    case SeedStream::kTrafficPrimary:
      return core::deriveSeed(runSeed, 6);
    case SeedStream::kTotals:
      return core::deriveSeed(runSeed, 7);
    case SeedStream::kReplayGates:
      return core::deriveSeed(runSeed, core::stableHash("replay-gates"));
    case SeedStream::kReplayModels:
      return core::deriveSeed(runSeed, core::stableHash("replay-models"));
    case SeedStream::kBlockBootstrap:
      return core::deriveSeed(runSeed, core::stableHash("block-bootstrap"));
    case SeedStream::kTrafficRouting:
      return core::deriveSeed(runSeed, core::stableHash("traffic-routing"));
    case SeedStream::kTuneLatinHypercube:
      return core::deriveSeed(runSeed, core::stableHash("tune/latin-hypercube"));
    case SeedStream::kWorkbenchReseed:
      return core::deriveSeed(runSeed, core::stableHash("reseed"));
  }
  return core::deriveSeed(runSeed, 0);
}

const char* toString(SeedStream s) {
  switch (s) {
    case SeedStream::kTrafficCanary:
      return "traffic-canary";
    case SeedStream::kGates:
      return "gates";
    case SeedStream::kQueryErrors:
      return "query-errors";
    case SeedStream::kModels:
      return "models";
    case SeedStream::kScrapePhase:
      return "scrape-phase";
    case SeedStream::kTrafficPrimary:
      return "traffic-primary";
    case SeedStream::kTotals:
      return "totals";
    case SeedStream::kReplayGates:
      return "replay-gates";
    case SeedStream::kReplayModels:
      return "replay-models";
    case SeedStream::kBlockBootstrap:
      return "block-bootstrap";
    case SeedStream::kTrafficRouting:
      return "traffic-routing";
    case SeedStream::kTuneLatinHypercube:
      return "tune/latin-hypercube";
    case SeedStream::kWorkbenchReseed:
      return "reseed";
  }
  return "?";
}

const std::vector<SeedStream>& allSeedStreams() {
  static const std::vector<SeedStream> all = {
      SeedStream::kTrafficCanary,  SeedStream::kGates,          SeedStream::kQueryErrors,
      SeedStream::kModels,         SeedStream::kScrapePhase,    SeedStream::kTrafficPrimary,
      SeedStream::kTotals,         SeedStream::kReplayGates,    SeedStream::kReplayModels,
      SeedStream::kBlockBootstrap, SeedStream::kTrafficRouting, SeedStream::kTuneLatinHypercube,
      SeedStream::kWorkbenchReseed};
  return all;
}

std::uint64_t shadowJudgeSeed(std::uint64_t runSeed, std::size_t index) {
  return core::deriveSeed(runSeed, 100 + index);
}

std::uint64_t replicateResampleSeed(std::uint64_t runSeed, std::uint64_t replicate) {
  return core::deriveSeed(runSeed, replicate, core::stableHash("replicate"));
}

std::uint64_t tuneSurrogateSeed(std::uint64_t searchSeed, std::uint64_t known) {
  return core::deriveSeed(searchSeed, core::stableHash("tune/surrogate"), known);
}

std::uint64_t tuneEvaluationSeed(std::uint64_t searchSeed, std::uint64_t stream) {
  return stream == 0 ? searchSeed
                     : core::deriveSeed(searchSeed, core::stableHash("tune/fresh"), stream);
}

std::uint64_t pairSeed(std::uint64_t master, const std::string& specKey,
                       const std::string& scenarioName) {
  return core::deriveSeed(master, core::stableHash(specKey), core::stableHash(scenarioName));
}

std::uint64_t replicateSeed(std::uint64_t seed, std::uint64_t replicate) {
  return core::deriveSeed(seed, replicate);
}

}  // namespace rolloutlab::sim
