// syncYamlDocument: the smallest text edit that makes one document equal a desired one.
#include "rolloutlab/io/yaml_sync.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/decode.h"
#include "test_support.h"

namespace {

using rolloutlab::io::syncYamlDocument;
using rolloutlab::io::yamlEqual;

YAML::Node load(const std::string& s) { return YAML::Load(s); }

std::string sync(const std::string& text, const std::string& desired, int doc = 0) {
  return syncYamlDocument(text, doc, load(desired)).text;
}

TEST(YamlSync, EqualDocumentsGiveTheSameBytes) {
  const std::string text = "# c\nspec:   # x\n  a: 'q'\n  b: [1, 2]   # y\n  c: \"5\"\n";
  const auto r = syncYamlDocument(text, 0, load("spec: {c: '5', b: [1, 2], a: q}"));
  EXPECT_EQ(r.text, text);
  EXPECT_TRUE(r.changes.empty());
}

TEST(YamlSync, OnlyTheChangedScalarMovesAndKeepsItsStyleAndComment) {
  const std::string text =
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nspec:\n  analysis:\n    interval: '1m'  # "
      "tick\n"
      "    threshold: 5 # max failures\n    maxWeight: 50\n";
  const auto r =
      syncYamlDocument(text, 0,
                       load("apiVersion: flagger.app/v1beta1\nkind: Canary\nspec:\n  analysis:\n"
                            "    interval: 30s\n    threshold: 10\n    maxWeight: 50\n"));
  EXPECT_EQ(r.text,
            "apiVersion: flagger.app/v1beta1\nkind: Canary\nspec:\n  analysis:\n    interval: "
            "'30s'  # tick\n"
            "    threshold: 10 # max failures\n    maxWeight: 50\n");
  ASSERT_EQ(r.changes.size(), 2u);
  EXPECT_EQ(r.changes[0].path, "spec.analysis.interval");
  EXPECT_EQ(r.changes[0].before, "1m");
  EXPECT_EQ(r.changes[0].after, "'30s'");
  EXPECT_EQ(r.changes[1].path, "spec.analysis.threshold");
}

TEST(YamlSync, TypesAreKept) {
  // "5" (a string) and 5 (an integer) differ; a string that would read as a number is quoted.
  EXPECT_EQ(sync("a: \"5\"\n", "a: 5"), "a: 5\n");
  EXPECT_EQ(sync("a: x\n", "a: '10'"), "a: \"10\"\n");
  EXPECT_EQ(sync("a: x\n", "a: 'true'"), "a: \"true\"\n");
  EXPECT_EQ(sync("a: 5\n", "a: 5.0"), "a: 5.0\n");
  EXPECT_EQ(sync("a: 0x10\n", "a: 16"), "a: 0x10\n");  // the same integer
}

TEST(YamlSync, OtherDocumentsAndMarkersStayByteForByte) {
  const std::string text =
      "# kustomize: keep\n---\nkind: A\nmetadata:\n  name: a # {\"$imagepolicy\": "
      "\"flux:podinfo\"}\n"
      "spec: {x: 1}\n---\n{{- if .Values.x }}\nkind: B\n";
  // The Helm line is outside YAML's view only as a plain scalar key; keep the test to YAML.
  const std::string yaml =
      "kind: A\nmetadata:\n  name: a # {\"$imagepolicy\": \"flux:podinfo\"}\nspec: {x: 1, y: "
      "[2]}\n---\n"
      "kind: B\nspec:\n  z: 3\n";
  EXPECT_EQ(sync(yaml, "kind: B\nspec:\n  z: 4", 1),
            "kind: A\nmetadata:\n  name: a # {\"$imagepolicy\": \"flux:podinfo\"}\nspec: {x: 1, y: "
            "[2]}\n---\n"
            "kind: B\nspec:\n  z: 4\n");
  EXPECT_EQ(sync(yaml, "kind: A\nmetadata: {name: a}\nspec: {x: 2, y: [2]}", 0),
            "kind: A\nmetadata:\n  name: a # {\"$imagepolicy\": \"flux:podinfo\"}\nspec: {x: 2, y: "
            "[2]}\n---\n"
            "kind: B\nspec:\n  z: 3\n");
  (void)text;
}

TEST(YamlSync, KeysAreAddedAndRemoved) {
  EXPECT_EQ(sync("spec:\n  a: 1\n  b: 2\n", "spec: {a: 1, c: 3}"), "spec:\n  a: 1\n  c: 3\n");
  EXPECT_EQ(sync("spec:\n  a: 1\n", "spec: {a: 1, r: {max: 5}}"), "spec:\n  a: 1\n  r: {max: 5}\n");
}

TEST(YamlSync, SequenceItemsAreMatchedByName) {
  const std::string text =
      "metrics:\n  - name: a   # first\n    threshold: 1\n  - name: b\n    threshold: 2\n  - name: "
      "c\n    threshold: 3\n";
  // b removed, c edited, d added: a's lines and comment stay.
  const auto r = syncYamlDocument(text, 0,
                                  load("metrics: [{name: a, threshold: 1}, {name: c, threshold: 4},"
                                       " {name: d, threshold: 5}]"));
  EXPECT_EQ(r.text,
            "metrics:\n  - name: a   # first\n    threshold: 1\n  - name: c\n    threshold: 4\n"
            "  - {name: d, threshold: 5}\n");
  EXPECT_TRUE(yamlEqual(
      YAML::Load(r.text),
      load(
          "metrics: [{name: a, threshold: 1}, {name: c, threshold: 4}, {name: d, threshold: 5}]")));
}

TEST(YamlSync, ArgoStepsChangeInPlace) {
  const std::string text =
      "steps:\n- setWeight: 20\n- pause: {duration: 1m}\n- setWeight: 40\n- pause: {}\n";
  EXPECT_EQ(
      sync(text, "steps: [{setWeight: 25}, {pause: {duration: 2m}}, {setWeight: 40}, {pause: {}}]"),
      "steps:\n- setWeight: 25\n- pause: {duration: 2m}\n- setWeight: 40\n- pause: {}\n");
  EXPECT_EQ(sync(text,
                 "steps: [{setWeight: 20}, {pause: {duration: 1m}}, {setWeight: 40}, {pause: {}},"
                 " {setWeight: 60}]"),
            text + "- setWeight: 60\n");
}

TEST(YamlSync, BlockScalarsAreRewrittenAsLiteralBlocks) {
  const std::string text = "spec:\n  query: |\n    sum(rate(a[1m]))\n    / 2\n  x: 1\n";
  EXPECT_EQ(sync(text, "spec: {query: \"sum(rate(a[2m]))\\n/ 2\\n\", x: 1}"),
            "spec:\n  query: |\n    sum(rate(a[2m]))\n    / 2\n  x: 1\n");
  EXPECT_EQ(sync(text, "spec: {query: up, x: 1}"), "spec:\n  query: up\n  x: 1\n");
}

TEST(YamlSync, StatusIsLeftAlone) {
  EXPECT_EQ(sync("spec: {a: 1}\nstatus: {phase: X}\n", "spec: {a: 1}"),
            "spec: {a: 1}\nstatus: {phase: X}\n");
}

// ---- every upstream manifest: one analysis field changed, one line of the file changes ------

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

struct Edit {
  std::vector<std::string> path;  // into the node
  std::string oldText, newText;   // the value as the line shows it before and after
};

/// The analysis field to change in a document, or nullopt: Canary threshold, MetricTemplate
/// provider address, Rollout first setWeight, (Cluster)AnalysisTemplate first metric's
/// failureLimit (or count, or interval).
std::optional<Edit> pick(const YAML::Node& doc) {
  const std::string kind = doc["kind"] ? doc["kind"].as<std::string>() : "";
  const YAML::Node spec = doc["spec"];
  if (!spec || !spec.IsMap()) return std::nullopt;
  auto intEdit = [](std::vector<std::string> path, const YAML::Node& n) -> std::optional<Edit> {
    if (!n || !n.IsScalar()) return std::nullopt;
    const long long v = std::stoll(n.Scalar());
    return Edit{std::move(path), n.Scalar(), std::to_string(v == 100 ? 99 : v + 1)};
  };
  if (kind == "Canary" && spec["analysis"] && spec["analysis"]["threshold"])
    return intEdit({"spec", "analysis", "threshold"}, spec["analysis"]["threshold"]);
  if (kind == "MetricTemplate" && spec["provider"] && spec["provider"]["address"])
    return Edit{{"spec", "provider", "address"},
                spec["provider"]["address"].Scalar(),
                "http://prometheus.monitoring:9090"};
  if (kind == "Rollout" && spec["strategy"] && spec["strategy"]["canary"] &&
      spec["strategy"]["canary"]["steps"]) {
    const YAML::Node steps = spec["strategy"]["canary"]["steps"];
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (steps[i]["setWeight"])
        return intEdit({"spec", "strategy", "canary", "steps", std::to_string(i), "setWeight"},
                       steps[i]["setWeight"]);
    }
  }
  if ((kind == "AnalysisTemplate" || kind == "ClusterAnalysisTemplate") && spec["metrics"] &&
      spec["metrics"].size() > 0) {
    const YAML::Node m = spec["metrics"][0];
    for (const char* f : {"failureLimit", "count"}) {
      if (m[f] && m[f].IsScalar() &&
          rolloutlab::io::scalarKind(m[f]) == rolloutlab::io::ScalarKind::kInt)
        return intEdit({"spec", "metrics", "0", f}, m[f]);
    }
    if (m["interval"] && m["interval"].IsScalar())
      return Edit{{"spec", "metrics", "0", "interval"}, m["interval"].Scalar(), "7m"};
  }
  return std::nullopt;
}

void sweep(const std::string& sub, int& files, int& edits) {
  namespace fs = std::filesystem;
  for (const auto& e : fs::directory_iterator(rolloutlab::test::referencePath(sub))) {
    const std::string p = e.path().string();
    if (e.path().extension() != ".yaml" || p.find("crd") != std::string::npos) continue;
    const std::string text = rolloutlab::test::readFile(p);
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAll(text);
    } catch (const YAML::Exception&) {
      continue;
    }
    ++files;
    for (std::size_t i = 0; i < docs.size(); ++i) {
      const auto edit = pick(docs[i]);
      if (!edit) continue;
      YAML::Node desired = YAML::Clone(docs[i]);
      YAML::Node n = desired;
      for (std::size_t k = 0; k + 1 < edit->path.size(); ++k)
        n.reset(n.IsSequence() ? n[std::stoul(edit->path[k])] : n[edit->path[k]]);
      n[edit->path.back()] = YAML::Load(edit->newText);
      const auto r = syncYamlDocument(text, static_cast<int>(i), desired);
      SCOPED_TRACE(p + " document " + std::to_string(i));
      // The diff of input and output: exactly one line, and that line is the old one with
      // the value replaced.
      const auto a = lines(text), b = lines(r.text);
      ASSERT_EQ(a.size(), b.size());
      int changed = 0;
      for (std::size_t k = 0; k < a.size(); ++k) {
        if (a[k] == b[k]) continue;
        ++changed;
        std::string expected = a[k];
        const std::size_t colon = expected.find(": ");
        const std::size_t at = expected.find(edit->oldText, colon == std::string::npos ? 0 : colon);
        ASSERT_NE(at, std::string::npos) << a[k];
        expected.replace(at, edit->oldText.size(), edit->newText);
        EXPECT_EQ(b[k], expected);
      }
      EXPECT_EQ(changed, 1);
      EXPECT_EQ(r.text.size() - text.size(), edit->newText.size() - edit->oldText.size());
      // And the file reads back as the desired document, the others untouched.
      const auto back = YAML::LoadAll(r.text);
      ASSERT_EQ(back.size(), docs.size());
      for (std::size_t k = 0; k < docs.size(); ++k)
        EXPECT_TRUE(yamlEqual(back[k], k == i ? desired : docs[k])) << "document " << k;
      ++edits;
    }
  }
}

TEST(YamlSync, OneFieldOfEveryUpstreamManifestChangesOneLine) {
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("flagger");
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("argo-rollouts");
  int files = 0, edits = 0;
  sweep("flagger", files, edits);
  sweep("argo-rollouts", files, edits);
  EXPECT_GE(files, 40);
  EXPECT_GE(edits, 35);  // every Canary, Rollout with steps, template with a metric
  std::cout << "[ sweep ] " << edits << " documents edited in " << files << " files\n";
}

}  // namespace
