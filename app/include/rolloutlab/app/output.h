#pragma once
/// The documents rolloutlab prints: one envelope (apiVersion, kind, the rolloutlab version)
/// and one writer for JSON and YAML, so that `-o yaml` parses to the same document as
/// `-o json`. docs/output-formats.md describes each kind; docs/schemas/ holds their schemas.

#include <yaml-cpp/yaml.h>

#include <string>

#include "rolloutlab/io/json_util.h"

namespace rolloutlab::app {

/// The apiVersion of every document rolloutlab prints.
inline constexpr const char* kApiVersion = "rolloutlab.io/v1alpha1";

/// `body` (a JSON object) behind the envelope: `apiVersion`, `kind`, `version` come first, then
/// the body's fields in their order (a `version` field of the body is replaced).
io::Json document(const std::string& kind, const io::Json& body);

/// A document as YAML (block style; flow style for arrays of scalars), from the same JSON
/// value: strings are plain only where every YAML 1.1 and 1.2 reader reads them back as the
/// same string, numbers keep the JSON writer's shortest round-trip text (with a `.0` before an
/// exponent, which YAML 1.1 readers need to see a float). Ends with a newline.
std::string toYaml(const io::Json& j);

/// `json` or `yaml` text of a document.
std::string render(const io::Json& doc, const std::string& format);

/// A YAML (or JSON) node as JSON, resolving plain scalars as YAML 1.2's core schema does
/// (null, true/false, integers, floats); quoted scalars stay strings.
io::Json yamlToJson(const YAML::Node& node);

}  // namespace rolloutlab::app
