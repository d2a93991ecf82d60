#pragma once
/// Decoding of `Replay` documents (rolloutlab.io/v1alpha1), strictly: unknown fields are errors
/// naming the nearest known one, every value is checked, and file paths are relative to the
/// document's folder.
///
/// ```yaml
/// apiVersion: rolloutlab.io/v1alpha1
/// kind: Replay
/// metadata: {name: checkout-black-friday}
/// spec:
///   release: bad                       # for batch reports: good | bad
///   from: "2024-01-01T01:00:00Z"       # RFC 3339 or Unix seconds
///   to: "2024-01-01T03:00:00Z"
///   step: 1m                           # optional: the tick interval
///   prometheus: {url: http://127.0.0.1:9090, timeout: 10s, retries: 2, bearerTokenFile: token}
///   queryRange: [{metric: request-success-rate, variant: canary, file: sr.json}]
///   csv: [values.csv]
///   series: [history.om]
///   accessLogs: {files: [access.log.gz], format: envoy-json, scrapeInterval: 15s,
///                canaryMatch: podinfo-canary}
///   counterfactual: model              # none | model | recorded
///   scenario: regression.yaml          # cluster, webhooks and the release model's effects
///   bootstrap: {blockSteps: 8}
/// ```

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/replay/replay.h"

namespace rolloutlab::replay {

/// Decodes a Replay; returns false when it has errors (in `diags`). A `scenario` file is read and
/// decoded too (its errors are reported with its own file and line).
bool decodeReplay(const io::Document& doc, core::Diagnostics& diags, ReplaySpec& out);

}  // namespace rolloutlab::replay
