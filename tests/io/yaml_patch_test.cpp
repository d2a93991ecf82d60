// Editing YAML manifests in place: only the edited value changes; comments, quoting, order and
// indentation elsewhere stay byte for byte. Every expected text below is written out by hand,
// and each patched text is read back with yaml-cpp to check it says what was meant.

#include "rolloutlab/io/yaml_patch.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/io/flagger_decode.h"
#include "test_support.h"

using rolloutlab::io::patchYamlScalar;
using rolloutlab::io::patchYamlSequence;
using rolloutlab::io::removeYamlKey;
using rolloutlab::io::YamlPath;

namespace {

const char* kCanary = R"(# The podinfo canary.
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo   # the app
spec:
  analysis:
    interval: 1m  # one tick a minute
    threshold: 5
    stepWeights: [5, 10, 25]
    metrics:
      - name: request-success-rate
        thresholdRange:
          min: 99
        interval: 1m
      - name: request-duration
        thresholdRange: {max: 500}
    webhooks:
      - name: "load-test"
        url: 'http://loadtester/'
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto p = text.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) text.replace(p, from.size(), to);
  return text;
}

YAML::Node doc(const std::string& text, int i = 0) {
  return YAML::LoadAll(text).at(static_cast<std::size_t>(i));
}

}  // namespace

TEST(YamlPath, PrintsKeysAndIndices) {
  EXPECT_EQ(
      rolloutlab::io::yamlPathString({"spec", "analysis", "metrics", "1", "thresholdRange", "max"}),
      "spec.analysis.metrics[1].thresholdRange.max");
}

TEST(YamlPatch, PlainScalarKeepsItsTrailingComment) {
  const std::string out = patchYamlScalar(kCanary, 0, {"spec", "analysis", "interval"}, "30s");
  EXPECT_EQ(out, replaced(kCanary, "interval: 1m  # one tick", "interval: 30s  # one tick"));
  EXPECT_EQ(doc(out)["spec"]["analysis"]["interval"].as<std::string>(), "30s");
}

TEST(YamlPatch, ScalarInsideASequenceItem) {
  const std::string out = patchYamlScalar(
      kCanary, 0, {"spec", "analysis", "metrics", "0", "thresholdRange", "min"}, "99.5");
  EXPECT_EQ(out, replaced(kCanary, "min: 99\n", "min: 99.5\n"));
}

TEST(YamlPatch, ScalarInAFlowMapping) {
  const std::string out = patchYamlScalar(
      kCanary, 0, {"spec", "analysis", "metrics", "1", "thresholdRange", "max"}, "300");
  EXPECT_EQ(out, replaced(kCanary, "{max: 500}", "{max: 300}"));
}

TEST(YamlPatch, QuotedScalarsKeepTheirQuotes) {
  std::string out =
      patchYamlScalar(kCanary, 0, {"spec", "analysis", "webhooks", "0", "name"}, "smoke \"test\"");
  EXPECT_EQ(out, replaced(kCanary, "\"load-test\"", "\"smoke \\\"test\\\"\""));
  EXPECT_EQ(doc(out)["spec"]["analysis"]["webhooks"][0]["name"].as<std::string>(),
            "smoke \"test\"");
  out = patchYamlScalar(kCanary, 0, {"spec", "analysis", "webhooks", "0", "url"}, "http://it's/");
  EXPECT_EQ(out, replaced(kCanary, "'http://loadtester/'", "'http://it''s/'"));
  EXPECT_EQ(doc(out)["spec"]["analysis"]["webhooks"][0]["url"].as<std::string>(), "http://it's/");
}

TEST(YamlPatch, PlainBecomesQuotedWhenItMustBe) {
  const std::string out = patchYamlScalar(kCanary, 0, {"metadata", "name"}, "a: b #c");
  EXPECT_EQ(out, replaced(kCanary, "name: podinfo   #", "name: \"a: b #c\"   #"));
  EXPECT_EQ(doc(out)["metadata"]["name"].as<std::string>(), "a: b #c");
}

TEST(YamlPatch, AddsAMissingKeyUnderABlockMappingInASequenceItem) {
  const std::string out = patchYamlScalar(
      kCanary, 0, {"spec", "analysis", "metrics", "0", "thresholdRange", "max"}, "100");
  EXPECT_EQ(out,
            replaced(kCanary, "          min: 99\n", "          min: 99\n          max: 100\n"));
  EXPECT_EQ(doc(out)["spec"]["analysis"]["metrics"][0]["thresholdRange"]["max"].as<int>(), 100);
}

TEST(YamlPatch, AddsAMissingKeyAtTheEndOfAMappingWithNestedValues) {
  // The new key goes after the whole last entry (the webhooks list), at the mapping's column.
  const std::string out = patchYamlScalar(kCanary, 0, {"spec", "analysis", "maxWeight"}, "50");
  EXPECT_EQ(out, std::string(kCanary) + "    maxWeight: 50\n");
  EXPECT_EQ(doc(out)["spec"]["analysis"]["maxWeight"].as<int>(), 50);
}

TEST(YamlPatch, AddsAMissingKeyInsideFlowBraces) {
  const std::string out = patchYamlScalar(
      kCanary, 0, {"spec", "analysis", "metrics", "1", "thresholdRange", "min"}, "1");
  EXPECT_EQ(out, replaced(kCanary, "{max: 500}", "{max: 500, min: 1}"));
  EXPECT_EQ(patchYamlScalar("a: {}\n", 0, {"a", "b"}, "1"), "a: {b: 1}\n");
}

TEST(YamlPatch, CreatesMissingIntermediateMappings) {
  const std::string out =
      patchYamlScalar(kCanary, 0, {"spec", "analysis", "metrics", "1", "x", "y"}, "2");
  EXPECT_EQ(out, replaced(kCanary, "        thresholdRange: {max: 500}\n",
                          "        thresholdRange: {max: 500}\n        x:\n          y: 2\n"));
  // Four-space files get four-space nesting.
  EXPECT_EQ(patchYamlScalar("spec:\n    a: 1\n", 0, {"spec", "b", "c"}, "2"),
            "spec:\n    a: 1\n    b:\n        c: 2\n");
}

TEST(YamlPatch, FillsANullValue) {
  EXPECT_EQ(patchYamlScalar("a:\n  b:\n  c: 1\n", 0, {"a", "b"}, "x"), "a:\n  b: x\n  c: 1\n");
  EXPECT_EQ(patchYamlScalar("a:\n  b: ~  # none\n", 0, {"a", "b"}, "x"), "a:\n  b: x  # none\n");
  EXPECT_EQ(patchYamlScalar("a:\n  r:\n  c: 1\n", 0, {"a", "r", "max"}, "5"),
            "a:\n  r:\n    max: 5\n  c: 1\n");
  EXPECT_EQ(patchYamlScalar("a: {r: null}\n", 0, {"a", "r", "max"}, "5"), "a: {r: {max: 5}}\n");
}

TEST(YamlPatch, PicksTheDocumentOfAStream) {
  const std::string text = "a: 1\n---\n# second\na: 1\nb: 2\n---\na: 1\n";
  EXPECT_EQ(patchYamlScalar(text, 1, {"a"}, "7"), "a: 1\n---\n# second\na: 7\nb: 2\n---\na: 1\n");
  // A key added to a document ends before the next document's marker.
  EXPECT_EQ(patchYamlScalar(text, 1, {"c"}, "3"),
            "a: 1\n---\n# second\na: 1\nb: 2\nc: 3\n---\na: 1\n");
}

TEST(YamlPatch, KeepsWindowsLineBreaks) {
  EXPECT_EQ(patchYamlScalar("a:\r\n  b: 1\r\n", 0, {"a", "c"}, "2"), "a:\r\n  b: 1\r\n  c: 2\r\n");
}

TEST(YamlPatch, SequencesKeepTheirStyle) {
  std::string out =
      patchYamlSequence(kCanary, 0, {"spec", "analysis", "stepWeights"}, {"5", "10", "20", "50"});
  EXPECT_EQ(out, replaced(kCanary, "[5, 10, 25]", "[5, 10, 20, 50]"));
  const std::string block = "spec:\n  w:\n    - 1  # first\n    - 2\n  x: 1\n";
  EXPECT_EQ(patchYamlSequence(block, 0, {"spec", "w"}, {"3", "4", "5"}),
            "spec:\n  w:\n    - 3\n    - 4\n    - 5\n  x: 1\n");
  const std::string indentless = "w:\n- 1\n- 2\nx: 1\n";
  EXPECT_EQ(patchYamlSequence(indentless, 0, {"w"}, {"9"}), "w:\n- 9\nx: 1\n");
  EXPECT_EQ(patchYamlSequence("a: [ 1, 2 ]\n", 0, {"a"}, {"3"}), "a: [ 3 ]\n");
  EXPECT_EQ(patchYamlSequence("a: 1\n", 0, {"b"}, {"5", "10"}), "a: 1\nb: [5, 10]\n");
  EXPECT_EQ(doc(out)["spec"]["analysis"]["stepWeights"].as<std::vector<int>>(),
            (std::vector<int>{5, 10, 20, 50}));
}

TEST(YamlPatch, RemovesBlockAndFlowEntries) {
  EXPECT_EQ(removeYamlKey(kCanary, 0, {"spec", "analysis", "threshold"}),
            replaced(kCanary, "    threshold: 5\n", ""));
  EXPECT_EQ(removeYamlKey(kCanary, 0, {"spec", "analysis", "metrics", "0", "thresholdRange"}),
            replaced(kCanary, "        thresholdRange:\n          min: 99\n", ""));
  EXPECT_EQ(removeYamlKey("a: {x: 1, y: 2}\n", 0, {"a", "x"}), "a: {y: 2}\n");
  EXPECT_EQ(removeYamlKey("a: {x: 1, y: 2}\n", 0, {"a", "y"}), "a: {x: 1}\n");
  EXPECT_EQ(removeYamlKey("a: {x: 1}\n", 0, {"a", "x"}), "a: {}\n");
  // The first key of a sequence item: the next key moves up behind the dash.
  EXPECT_EQ(removeYamlKey("l:\n  - n: 1\n    m: 2\n", 0, {"l", "0", "n"}), "l:\n  - m: 2\n");
  EXPECT_EQ(removeYamlKey("l:\n  - n: 1\n", 0, {"l", "0", "n"}), "l:\n  - {}\n");
  // Absent: unchanged.
  EXPECT_EQ(removeYamlKey(kCanary, 0, {"spec", "nothing"}), kCanary);
}

TEST(YamlPatch, ErrorsNameThePathAndTheLine) {
  try {
    patchYamlScalar(kCanary, 0, {"spec", "analysis", "metrics", "5", "name"}, "x");
    FAIL();
  } catch (const rolloutlab::core::InputError& e) {
    EXPECT_EQ(e.diagnostic().line, 12);
    EXPECT_EQ(e.diagnostic().toString(), "spec.analysis.metrics[5]: the sequence has 2 item(s)");
  }
  EXPECT_THROW(patchYamlScalar(kCanary, 0, {"spec", "analysis", "interval", "x"}, "1"),
               rolloutlab::core::InputError);
  EXPECT_THROW(patchYamlScalar(kCanary, 3, {"a"}, "1"), rolloutlab::core::InputError);
  EXPECT_THROW(patchYamlScalar("a: |\n  text\n", 0, {"a"}, "1"), rolloutlab::core::InputError);
  EXPECT_THROW(patchYamlScalar("a: one\n  two\n", 0, {"a"}, "1"), rolloutlab::core::InputError);
  EXPECT_THROW(patchYamlScalar(kCanary, 0, {"spec", "analysis"}, "1"),
               rolloutlab::core::InputError);
  EXPECT_THROW(patchYamlScalar("a: [1\n", 0, {"a"}, "1"), rolloutlab::core::InputError);
}

TEST(YamlPatch, EditsOfTheExampleRepoDecodeAsEdited) {
  // Every analysis field the workbench edits, on the bundled example, round-trips through the
  // Flagger decoder; the rest of the file is unchanged line for line.
  const std::string path = rolloutlab::test::sourceDir() + "/examples/apps/checkout/canary.yaml";
  std::string text = rolloutlab::test::readFile(path);
  const std::string original = text;
  text = patchYamlScalar(text, 0, {"spec", "analysis", "interval"}, "1m");
  text = patchYamlScalar(text, 0, {"spec", "analysis", "threshold"}, "4");
  text = patchYamlSequence(text, 0, {"spec", "analysis", "stepWeights"}, {"10", "20", "40"});
  text = patchYamlScalar(text, 0, {"spec", "analysis", "metrics", "0", "thresholdRange", "max"},
                         "0.5");
  text =
      patchYamlScalar(text, 0, {"spec", "analysis", "metrics", "1", "thresholdRange", "min"}, "1");
  const auto docs = rolloutlab::io::readDocumentsFromString(text, "canary.yaml");
  ASSERT_EQ(docs.diagnostics.errors(), 0);
  rolloutlab::core::Diagnostics diags;
  rolloutlab::core::flagger::CanarySpec c;
  ASSERT_TRUE(rolloutlab::io::decodeCanary(docs.documents.at(0), diags, c));
  EXPECT_EQ(c.analysis.interval, "1m");
  EXPECT_EQ(c.analysis.threshold, 4);
  EXPECT_EQ(c.analysis.stepWeights, (std::vector<int>{10, 20, 40}));
  EXPECT_EQ(c.analysis.metrics[0].thresholdRange->max, 0.5);
  EXPECT_EQ(c.analysis.metrics[1].thresholdRange->min, 1.0);
  EXPECT_EQ(c.analysis.metrics[1].thresholdRange->max, 300.0);
  // The MetricTemplate (second document) is untouched.
  EXPECT_EQ(text.substr(text.find("---")), original.substr(original.find("---")));
}

TEST(YamlPatch, FlowCollectionsInsideFlowCollections) {
  const std::string text = "spec: {metrics: [{name: a, range: {min: 1}}, {name: b}]}  # all flow\n";
  EXPECT_EQ(patchYamlScalar(text, 0, {"spec", "metrics", "0", "range", "min"}, "2"),
            "spec: {metrics: [{name: a, range: {min: 2}}, {name: b}]}  # all flow\n");
  EXPECT_EQ(patchYamlScalar(text, 0, {"spec", "metrics", "1", "range", "max"}, "5"),
            "spec: {metrics: [{name: a, range: {min: 1}}, {name: b, range: {max: 5}}]}  # all flow\n");
  EXPECT_EQ(patchYamlScalar(text, 0, {"spec", "metrics", "1", "name"}, "x, y"),
            "spec: {metrics: [{name: a, range: {min: 1}}, {name: \"x, y\"}]}  # all flow\n");
  EXPECT_EQ(removeYamlKey(text, 0, {"spec", "metrics", "0", "range"}),
            "spec: {metrics: [{name: a}, {name: b}]}  # all flow\n");
  const auto back = YAML::Load(patchYamlScalar(text, 0, {"spec", "metrics", "1", "range", "max"}, "5"));
  EXPECT_EQ(back["spec"]["metrics"][1]["range"]["max"].as<int>(), 5);
}
