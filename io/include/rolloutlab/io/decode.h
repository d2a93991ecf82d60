#pragma once
/// Field-by-field decoding of a YAML document with Kubernetes-style type rules and
/// diagnostics that name file, line, field path, value and rule.

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::io {

/// The JSON type a YAML scalar resolves to (YAML 1.1 core schema as Kubernetes reads it).
enum class ScalarKind { kNull, kBool, kInt, kFloat, kString };
ScalarKind scalarKind(const YAML::Node& n);
const char* typeName(
    const YAML::Node& n);  ///< "string", "integer", "number", "boolean", "object", "array", "null"

/// Parses a YAML number scalar (ints, floats, .inf, .nan); nullopt when it is not one.
std::optional<double> parseNumber(const std::string& s);

/// What the string form of an `x-kubernetes-int-or-string` field may hold.
enum class IntOrStringText {
  kAny,               ///< any string (a duration, a name)
  kInteger,           ///< an integer or a `{{args.*}}` placeholder (read with strconv.Atoi)
  kIntegerOrPercent,  ///< an integer or "N%" (intstr.GetScaledValueFromIntOrPercent)
};

/// An `x-kubernetes-int-or-string` value as written.
struct IntOrStringValue {
  bool isInt = false;
  long long i = 0;
  std::string s;
};

/// Go's strconv.Atoi: an optional sign and decimal digits, within int64.
std::optional<long long> atoiText(const std::string& s);

/// Levenshtein-nearest of `candidates` to `word` (for "did you mean"); empty if none is close.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

/// Decodes one document, collecting diagnostics.
class Decoder {
 public:
  Decoder(const Document& doc, core::Diagnostics& diags) : doc_(doc), diags_(diags) {}

  const Document& document() const { return doc_; }
  /// 1-based line of a node (the document's line when unknown).
  int line(const YAML::Node& n) const;

  void error(const YAML::Node& at, const std::string& path, const std::string& value,
             const std::string& rule);
  void warning(const YAML::Node& at, const std::string& path, const std::string& value,
               const std::string& rule);
  /// The value as written, for messages: strings quoted, others as text.
  static std::string shown(const YAML::Node& n);

  /// Child `key` of a map node, or an undefined node.
  static YAML::Node child(const YAML::Node& map, const char* key);

  /// Typed reads of `map[key]` at `path` (the child's full path). Absent (or null) gives
  /// nullopt silently; a wrong type gives nullopt and an error.
  std::optional<std::string> str(const YAML::Node& map, const char* key, const std::string& path);
  std::optional<long long> integer(const YAML::Node& map, const char* key, const std::string& path);
  /// `number` in a CRD schema decoded into a Go int: floats with a fraction are errors.
  std::optional<long long> goInt(const YAML::Node& map, const char* key, const std::string& path);
  std::optional<double> number(const YAML::Node& map, const char* key, const std::string& path);
  std::optional<bool> boolean(const YAML::Node& map, const char* key, const std::string& path);
  /// `metadata.name` of a Kubernetes object (`md` is the metadata map): required, a string,
  /// and a DNS-1123 subdomain as the API server requires of custom resources (lowercase
  /// alphanumerics, '-' and '.', alphanumeric at both ends, at most 253 bytes). Errors name
  /// the value with invalid UTF-8 bytes escaped.
  std::optional<std::string> objectName(const YAML::Node& md);
  /// An int-or-string field: an integer within int32 (intstr.IntOrString's IntVal), or a string
  /// that `text` allows. A string the
  /// controller would read as 0 (IntOrString.IntValue of "one") is an error naming the value.
  std::optional<IntOrStringValue> intOrString(const YAML::Node& map, const char* key,
                                              const std::string& path, IntOrStringText text);
  /// A time span: a number of seconds or a Go duration string ("90s", "1m30s"), >= 0.
  /// `durationValue` reads a node; `duration` reads `map[key]` (absent or null: nullopt).
  std::optional<double> durationValue(const YAML::Node& n, const std::string& path);
  std::optional<double> duration(const YAML::Node& map, const char* key, const std::string& path);
  /// The child if it is a map (else error unless absent); undefined node otherwise.
  YAML::Node object(const YAML::Node& map, const char* key, const std::string& path);
  /// The child if it is a sequence (else error unless absent); undefined node otherwise.
  YAML::Node array(const YAML::Node& map, const char* key, const std::string& path);
  /// Checks that the node is a map (error otherwise); returns whether it is.
  bool expectMap(const YAML::Node& n, const std::string& path);

  /// Reports fields of `map` not in `known` (with the nearest known name) and duplicate keys.
  /// `severity` kError for strictly decoded kinds, kWarning where the API server prunes.
  void checkFields(const YAML::Node& map, const std::string& path,
                   std::initializer_list<const char*> known,
                   core::Severity severity = core::Severity::kError,
                   const std::string& unknownRule = {});
  /// Reports duplicate keys of a map (what strict Kubernetes decoding rejects).
  void checkDuplicates(const YAML::Node& map, const std::string& path);

  /// Required field: error when absent.
  bool require(const YAML::Node& map, const char* key, const std::string& path);

 private:
  const Document& doc_;
  core::Diagnostics& diags_;
};

/// `a.b` / `a[3]` path helpers.
inline std::string pathJoin(const std::string& base, const std::string& key) {
  return base.empty() ? key : base + "." + key;
}
inline std::string pathIndex(const std::string& base, std::size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

}  // namespace rolloutlab::io
