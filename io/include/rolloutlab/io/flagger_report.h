#pragma once
/// Flagger run traces as JSON, with the upstream status field names.

#include <cstdint>
#include <string>

#include "rolloutlab/core/flagger/run.h"
#include "rolloutlab/io/json_util.h"

namespace rolloutlab::io {

Json tickJson(const core::flagger::TickRecord& t);
Json outcomeJson(const core::flagger::Outcome& o);
/// {"engine": "flagger", "target", "seed", "ticks": [...], "outcome": {...}}
Json flaggerRunJson(const core::flagger::FlaggerRun& run, const std::string& target,
                    std::uint64_t seed);

}  // namespace rolloutlab::io
