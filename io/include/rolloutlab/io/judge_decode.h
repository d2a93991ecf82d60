#pragma once
/// Decoding of the `Judge` kind (rolloutlab.io/v1alpha1): a shadow judge for simulations,
/// Kayenta-compatible or sequential, decoded strictly.

#include <istream>
#include <limits>
#include <string>
#include <vector>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/judge/kayenta_judge.h"
#include "rolloutlab/core/judge/sequential_judge.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::io {

bool decodeJudge(const Document& doc, core::Diagnostics& diags, sim::JudgeSpec& out);

/// The config of `rolloutlab judge --config`: the subset of a Kayenta canary config (its
/// canary-config JSON, or the same in YAML) the offline judge reads, decoded strictly
/// (docs/statistics-sequential.md): classifier (groupWeights, scoreThresholds), sequential
/// (alpha, inconclusiveAtEnd) and the metrics with their analysisConfigurations.canary (Kayenta's
/// own) and analysisConfigurations.sequential (rolloutlab's) settings.
struct CanaryConfig {
  /// What a sequential metric adds to core's config.
  struct SequentialExtras {
    std::string requests;  ///< the metric holding request counts (error rates)
    double canaryShare = std::numeric_limits<double>::quiet_NaN();
    bool tauSet = false;  ///< tau was given (else the judge derives it from the baseline)
  };
  core::judge::KayentaJudgeConfig kayenta;
  core::judge::SequentialJudgeConfig sequential;
  std::vector<SequentialExtras> extras;  ///< parallel to sequential.metrics
};

/// Decodes `text`, read from `file` (named in messages). Throws core::InputError at the first
/// problem, one line naming the file, the line, the field and the rule: YAML/JSON syntax, an
/// unknown field (with the nearest known one), a duplicate key, a value of the wrong type or
/// outside its range, a missing metric name, a duplicate metric.
CanaryConfig decodeCanaryConfig(const std::string& text, const std::string& file);

/// Reads the config at `path` ("-": `standardInput`, shown as <stdin>), refused past
/// core::kMaxDocumentBytes, and decodes it.
CanaryConfig readCanaryConfig(const std::string& path, std::istream& standardInput);

}  // namespace rolloutlab::io
