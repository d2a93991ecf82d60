#pragma once
/// Checking a Kubernetes object against the OpenAPI v3 schema of its CustomResourceDefinition,
/// the subset the API server enforces on Flagger and Argo Rollouts objects: `type` (with
/// `x-kubernetes-int-or-string`, `nullable`), `enum`, `required`, `properties` (a field the
/// schema does not know is an error, as `kubectl apply --validate=strict` makes it),
/// `additionalProperties`, `items`, `minimum`/`maximum` (and their exclusive forms), `format`
/// int32/int64 ranges, `minLength`/`maxLength`, `minItems`/`maxItems`, `pattern` (Go regexp
/// syntax, matched unanchored as Go's MatchString does), `allOf`/`anyOf`/`oneOf`/`not`.
/// `x-kubernetes-validations` (CEL rules) are not evaluated.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::gitops {

class CrdSchemas {
 public:
  CrdSchemas();
  ~CrdSchemas();
  CrdSchemas(CrdSchemas&&) noexcept;
  CrdSchemas& operator=(CrdSchemas&&) noexcept;

  /// Adds the schemas of a CustomResourceDefinition document (apiextensions.k8s.io v1 or
  /// v1beta1); returns false when `doc` is not one or has no schema.
  bool add(const io::Document& crd);
  /// Adds every CustomResourceDefinition among `docs`; returns how many were added.
  int addAll(const std::vector<io::Document>& docs);

  /// True when a schema covers objects of this apiVersion and kind.
  bool covers(const std::string& apiVersion, const std::string& kind) const;
  /// Checks `doc` against its schema, appending one error per violation. Returns the schema's
  /// source as `sources()` names it, or "" (and adds nothing) when no schema covers `doc`.
  std::string validate(const io::Document& doc, core::Diagnostics& diags) const;

  /// `canaries.flagger.app (path)` for each CRD added, in order.
  std::vector<std::string> sources() const;

  struct Impl;  ///< the schemas and a cache of compiled patterns

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rolloutlab::gitops
