#include "rolloutlab/io/own_kind.h"

namespace rolloutlab::io {

YAML::Node decodeOwnKindEnvelope(Decoder& d, const Document& doc, std::string& name,
                                 const OwnKindOptions& options) {
  d.checkFields(doc.node, "", {"apiVersion", "kind", "metadata", "spec"});
  if (doc.apiVersion != "rolloutlab.io/v1alpha1") {
    d.error(Decoder::child(doc.node, "apiVersion"), "apiVersion", core::quoted(doc.apiVersion),
            "must be rolloutlab.io/v1alpha1");
  }
  const YAML::Node md = d.object(doc.node, "metadata", "metadata");
  if (md.IsDefined()) {
    d.checkFields(md, "metadata", {"name", "namespace", "labels", "annotations"});
    if (!options.nameRequired || d.require(md, "name", "metadata.name")) {
      if (auto v = d.str(md, "name", "metadata.name")) name = *v;
    }
    if (options.description) {
      const YAML::Node ann = d.object(md, "annotations", "metadata.annotations");
      if (ann.IsDefined()) {
        if (auto v = d.str(ann, "description", "metadata.annotations.description"))
          *options.description = *v;
      }
    }
  } else if (options.nameRequired) {
    d.error(doc.node, "metadata", "", "required field is missing");
  }
  const YAML::Node spec = d.object(doc.node, "spec", "spec");
  if (!spec.IsDefined()) d.error(doc.node, "spec", "", "required field is missing");
  return spec;
}

}  // namespace rolloutlab::io
