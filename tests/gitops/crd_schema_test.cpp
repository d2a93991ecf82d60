// The CRD OpenAPI v3 subset: hand-written schemas for each keyword, then the upstream CRDs
// against the upstream manifests (all valid) and against broken copies of them.
#include "rolloutlab/gitops/crd_schema.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.h"

namespace {

using rolloutlab::gitops::CrdSchemas;
namespace io = rolloutlab::io;

const char* kCrd = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  versions:
    - name: v1
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: {type: integer, minimum: 1, maximum: 10}
                ratio: {type: number, minimum: 0, exclusiveMinimum: true}
                port: {type: integer, format: int32}
                mode: {type: string, enum: [fast, slow]}
                name: {type: string, pattern: '^[a-z]+$', maxLength: 5, minLength: 2}
                weight: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
                tags: {type: array, maxItems: 2, items: {type: string}}
                labels: {type: object, additionalProperties: {type: string}}
                closed: {type: object, additionalProperties: false}
                free: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {a: {type: string}}}
                maybe: {type: string, nullable: true}
)";

std::vector<std::string> check(const std::string& spec) {
  CrdSchemas s;
  const auto crd = io::readDocumentsFromString(kCrd, "crd.yaml");
  EXPECT_EQ(s.addAll(crd.documents), 1);
  const auto docs = io::readDocumentsFromString(
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n" + spec, "w.yaml");
  EXPECT_EQ(docs.diagnostics.errors(), 0);
  rolloutlab::core::Diagnostics d;
  EXPECT_FALSE(s.validate(docs.documents.at(0), d).empty());
  std::vector<std::string> out;
  for (const auto& x : d.items) out.push_back(x.toString());
  return out;
}

TEST(CrdSchema, AValidObjectHasNoError) {
  EXPECT_EQ(
      check("  size: 3\n  ratio: 0.5\n  mode: fast\n  name: abc\n  weight: 50%\n  tags: [a]\n"
            "  labels: {x: z}\n  closed: {}\n  free: {anything: [1]}\n  maybe: null\n  port: 80\n"),
      std::vector<std::string>{});
}

TEST(CrdSchema, EachKeywordNamesFileLineFieldValueAndRule) {
  EXPECT_EQ(check("  size: 11\n"),
            std::vector<std::string>{
                "w.yaml:5: spec.size = 11: must be at most 10 (CRD widgets.example.com)"});
  EXPECT_EQ(check("  size: 0\n")[0],
            "w.yaml:5: spec.size = 0: must be at least 1 (CRD widgets.example.com)");
  EXPECT_EQ(check("  size: 2.5\n")[0],
            "w.yaml:5: spec.size = 2.5: must be an integer, not number (CRD widgets.example.com)");
  EXPECT_TRUE(check("  size: 2.0\n").empty());  // an integral float is an integer to the API server
  EXPECT_EQ(
      check("  size: \"3\"\n")[0],
      "w.yaml:5: spec.size = \"3\": must be an integer, not string (CRD widgets.example.com)");
  EXPECT_EQ(check("  ratio: 0\n")[0], "w.yaml:5: spec.size: is required (CRD widgets.example.com)");
  EXPECT_EQ(check("  size: 1\n  ratio: 0\n")[0],
            "w.yaml:6: spec.ratio = 0: must be greater than 0 (CRD widgets.example.com)");
  EXPECT_EQ(
      check("  size: 1\n  mode: quick\n")[0],
      "w.yaml:6: spec.mode = \"quick\": must be one of [fast, slow] (CRD widgets.example.com)");
  EXPECT_EQ(check("  size: 1\n  name: ab1\n")[0],
            "w.yaml:6: spec.name = \"ab1\": must match ^[a-z]+$ (CRD widgets.example.com)");
  EXPECT_EQ(check("  size: 1\n  name: abcdef\n")[0],
            "w.yaml:6: spec.name = \"abcdef\": must be at most 5 character(s) long (CRD "
            "widgets.example.com)");
  EXPECT_EQ(check("  size: 1\n  name: a\n")[0],
            "w.yaml:6: spec.name = \"a\": must be at least 2 character(s) long (CRD "
            "widgets.example.com)");
  EXPECT_EQ(check("  size: 1\n  weight: true\n")[0],
            "w.yaml:6: spec.weight = true: must be an integer or a string, not boolean (CRD "
            "widgets.example.com)");
  EXPECT_EQ(
      check("  size: 1\n  tags: [a, b, c]\n")[0],
      "w.yaml:6: spec.tags = [a, b, c]: must have at most 2 item(s) (CRD widgets.example.com)");
  EXPECT_EQ(check("  size: 1\n  tags: [a, 2]\n")[0],
            "w.yaml:6: spec.tags[1] = 2: must be a string, not integer (CRD widgets.example.com)");
  EXPECT_EQ(check("  size: 1\n  labels: {x: 1}\n")[0],
            "w.yaml:6: spec.labels.x = 1: must be a string, not integer (CRD widgets.example.com)");
  EXPECT_EQ(
      check("  size: 1\n  closed: {x: 1}\n")[0],
      "w.yaml:6: spec.closed.x: is not a field of this object (additionalProperties: false) (CRD "
      "widgets.example.com)");
  EXPECT_EQ(check("  size: 1\n  port: 4294967296\n")[0],
            "w.yaml:6: spec.port = 4294967296: must fit in a 32-bit integer (format int32) (CRD "
            "widgets.example.com)");
  EXPECT_EQ(check("  size: 1\n  sise: 2\n")[0],
            "w.yaml:6: spec.sise: is not a field of the schema (the API server refuses it under "
            "strict field "
            "validation); did you mean size? (CRD widgets.example.com)");
}

TEST(CrdSchema, NoSchemaForOtherKinds) {
  CrdSchemas s;
  s.addAll(io::readDocumentsFromString(kCrd, "crd.yaml").documents);
  EXPECT_TRUE(s.covers("example.com/v1", "Widget"));
  EXPECT_FALSE(s.covers("example.com/v2", "Widget"));
  EXPECT_FALSE(s.covers("example.com/v1", "Gadget"));
}

// ---- upstream ----------------------------------------------------------------------------

CrdSchemas upstream() {
  namespace fs = std::filesystem;
  CrdSchemas s;
  for (const char* sub : {"flagger", "argo-rollouts"}) {
    for (const auto& e : fs::directory_iterator(rolloutlab::test::referencePath(sub))) {
      if (e.path().string().find("crd") == std::string::npos) continue;
      s.addAll(io::readDocuments({e.path().string()}).documents);
    }
  }
  return s;
}

// Every upstream manifest passes its upstream CRD, except three documentation snippets that
// the API server itself refuses: a tutorial's Canary excerpt without its targetRef, an
// AlertProvider example giving both `address` and `secretRef` (the CRD's oneOf wants exactly
// one), and an Argo example whose unquoted `{{args.linkerd-enabled}}` annotation YAML reads as
// a mapping, not a string.
TEST(CrdSchema, EveryUpstreamManifestPassesItsUpstreamCrd) {
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("flagger");
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("argo-rollouts");
  const CrdSchemas s = upstream();
  const std::vector<std::pair<std::string, std::string>> known = {
      {"istio-progressive-delivery.md__doc3-Canary.yaml:7: spec.targetRef: is required", ""},
      {"alerting.md__doc1-AlertProvider.yaml:7: spec = ",
       "must match exactly one of the schemas of oneOf (matches 2)"},
      {"rollout-linkerd.yaml:101: "
       "spec.metrics[0].provider.job.spec.template.metadata.annotations.linkerd.io/inject = ",
       "must be a string, not object"}};
  std::vector<bool> seen(known.size(), false);
  int checked = 0;
  for (const char* sub : {"flagger", "argo-rollouts"}) {
    const auto set = io::readDocuments({rolloutlab::test::referencePath(sub)});
    for (const auto& d : set.documents) {
      if (d.kind == "CustomResourceDefinition") continue;
      rolloutlab::core::Diagnostics diags;
      if (s.validate(d, diags).empty()) continue;
      ++checked;
      for (const auto& x : diags.items) {
        const std::string t = x.toString();
        bool expected = false;
        for (std::size_t k = 0; k < known.size(); ++k) {
          if (t.find(known[k].first) != std::string::npos &&
              t.find(known[k].second) != std::string::npos) {
            expected = true;
            seen[k] = true;
          }
        }
        if (!expected) ADD_FAILURE() << t;
      }
    }
  }
  for (std::size_t k = 0; k < known.size(); ++k) EXPECT_TRUE(seen[k]) << known[k].first;
  EXPECT_GE(checked, 45);
}

std::vector<std::string> upstreamErrors(const std::string& text) {
  static const CrdSchemas s = upstream();
  const auto set = io::readDocumentsFromString(text, "m.yaml");
  rolloutlab::core::Diagnostics diags;
  EXPECT_FALSE(s.validate(set.documents.at(0), diags).empty());
  std::vector<std::string> out;
  for (const auto& x : diags.items) out.push_back(x.toString());
  return out;
}

TEST(CrdSchema, UpstreamCrdsCatchBrokenCanariesAndRollouts) {
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("flagger");
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("argo-rollouts");
  const std::string canary =
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: p}\nspec:\n"
      "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: p}\n  service: {port: 80}\n";
  EXPECT_EQ(upstreamErrors(canary + "  analysis: {interval: 1m, threshold: 5, stepWeight: 10}\n"),
            std::vector<std::string>{});
  const auto typeErr =
      upstreamErrors(canary + "  analysis: {interval: 1m, threshold: five, stepWeight: 10}\n");
  ASSERT_EQ(typeErr.size(), 1u);
  EXPECT_EQ(typeErr[0],
            "m.yaml:7: spec.analysis.threshold = \"five\": must be a number, not string (CRD "
            "canaries.flagger.app)");
  const auto enumErr = upstreamErrors(
      canary + "  analysis: {interval: 1m, threshold: 5, stepWeight: 10}\n  provider: nginxx\n");
  ASSERT_FALSE(enumErr.empty());
  EXPECT_NE(enumErr[0].find("spec.provider = \"nginxx\": must be one of [apisix, appmesh"),
            std::string::npos)
      << enumErr[0];
  const auto unknown = upstreamErrors(
      canary + "  analysis: {interval: 1m, threshold: 5, stepWeight: 10, treshold: 5}\n");
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_NE(unknown[0].find("spec.analysis.treshold: is not a field"), std::string::npos);
  EXPECT_NE(unknown[0].find("did you mean threshold?"), std::string::npos);
  const auto required = upstreamErrors(
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: p}\nspec:\n  service: "
      "{port: 80}\n");
  ASSERT_FALSE(required.empty());
  EXPECT_EQ(required[0], "m.yaml:5: spec.targetRef: is required (CRD canaries.flagger.app)");
  const auto port =
      upstreamErrors(canary.substr(0, canary.find("  service")) + "  service: {port: 70000}\n");
  ASSERT_FALSE(port.empty());

  const std::string rollout =
      "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n"
      "  selector: {matchLabels: {app: r}}\n  template: {metadata: {labels: {app: r}}}\n"
      "  strategy:\n    canary:\n      steps:\n      - setWeight: ";
  EXPECT_EQ(upstreamErrors(rollout + "20\n"), std::vector<std::string>{});
  const auto w = upstreamErrors(rollout + "twenty\n");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0],
            "m.yaml:10: spec.strategy.canary.steps[0].setWeight = \"twenty\": must be an integer, "
            "not string (CRD "
            "rollouts.argoproj.io)");
}

}  // namespace
