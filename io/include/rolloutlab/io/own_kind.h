#pragma once
/// The envelope every rolloutlab kind shares (Script, Scenario, Judge, Replay, TuningSpace):
///
///   apiVersion: rolloutlab.io/v1alpha1
///   kind: <Kind>
///   metadata: {name: ..., namespace, labels, annotations}
///   spec: {...}
///
/// decoded strictly: an unknown top-level or metadata key is an error (with the nearest known
/// name), a wrong apiVersion is an error, and a missing spec ends the decoding. Each error is
/// one line naming file, line, field and rule (Decoder::error).

#include <yaml-cpp/yaml.h>

#include <string>

#include "rolloutlab/io/decode.h"

namespace rolloutlab::io {

struct OwnKindOptions {
  /// metadata and metadata.name are required (every kind but Script, whose name is optional).
  bool nameRequired = true;
  /// Where metadata.annotations.description goes (Scenario, Replay); null: not read.
  std::string* description = nullptr;
};

/// Checks the envelope of `doc` and reads metadata.name into `name` (left as it is when absent
/// or not a string). Returns the spec map, or an undefined node when spec is missing or not a
/// map (the error is reported): the caller stops decoding then.
YAML::Node decodeOwnKindEnvelope(Decoder& d, const Document& doc, std::string& name,
                                 const OwnKindOptions& options = {});

}  // namespace rolloutlab::io
