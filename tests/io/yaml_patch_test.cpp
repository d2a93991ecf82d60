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
  EXPECT_EQ(
      patchYamlScalar(text, 0, {"spec", "metrics", "1", "range", "max"}, "5"),
      "spec: {metrics: [{name: a, range: {min: 1}}, {name: b, range: {max: 5}}]}  # all flow\n");
  EXPECT_EQ(patchYamlScalar(text, 0, {"spec", "metrics", "1", "name"}, "x, y"),
            "spec: {metrics: [{name: a, range: {min: 1}}, {name: \"x, y\"}]}  # all flow\n");
  EXPECT_EQ(removeYamlKey(text, 0, {"spec", "metrics", "0", "range"}),
            "spec: {metrics: [{name: a}, {name: b}]}  # all flow\n");
  const auto back =
      YAML::Load(patchYamlScalar(text, 0, {"spec", "metrics", "1", "range", "max"}, "5"));
  EXPECT_EQ(back["spec"]["metrics"][1]["range"]["max"].as<int>(), 5);
}

// ---- whole values and sequence items (the workbench's Argo step list) ----------------------

namespace {

const char* kSteps = R"(spec:
  strategy:
    canary:
      steps:
        - setWeight: 20   # first
        - pause: {duration: 5m}
        - analysis:
            templates: [{templateName: success-rate}]
        - pause:
            duration: 1m
      maxSurge: 1
)";

}  // namespace

TEST(YamlPatch, FlowValuesReplaceScalarsNullsAndBlocks) {
  using rolloutlab::io::patchYamlFlow;
  const YamlPath pause3 = {"spec", "strategy", "canary", "steps", "3", "pause"};
  // A block mapping goes with its lines; the new value follows the key.
  EXPECT_EQ(
      patchYamlFlow(kSteps, 0, pause3, "{}"),
      replaced(kSteps, "        - pause:\n            duration: 1m\n", "        - pause: {}\n"));
  // A flow mapping is replaced between its braces.
  EXPECT_EQ(patchYamlFlow(kSteps, 0, {"spec", "strategy", "canary", "steps", "1", "pause"}, "{}"),
            replaced(kSteps, "pause: {duration: 5m}", "pause: {}"));
  EXPECT_EQ(patchYamlFlow("a: 1  # x\n", 0, {"a"}, "[1, 2]"), "a: [1, 2]  # x\n");
  EXPECT_EQ(patchYamlFlow("a:\nb: 2\n", 0, {"a"}, "{}"), "a: {}\nb: 2\n");
  EXPECT_EQ(patchYamlFlow("a: 1\n", 0, {"c", "d"}, "{}"), "a: 1\nc:\n  d: {}\n");
  const auto back = doc(patchYamlFlow(kSteps, 0, pause3, "{}"));
  EXPECT_TRUE(back["spec"]["strategy"]["canary"]["steps"][3]["pause"].IsMap());
  EXPECT_EQ(back["spec"]["strategy"]["canary"]["steps"][3]["pause"].size(), 0u);
  EXPECT_EQ(back["spec"]["strategy"]["canary"]["maxSurge"].as<int>(), 1);
  EXPECT_THROW(patchYamlFlow(kSteps, 0, pause3, "{a: [1"), rolloutlab::core::InputError);
  EXPECT_THROW(patchYamlFlow(kSteps, 0, pause3, "a:\n b"), rolloutlab::core::InputError);
}

TEST(YamlPatch, InsertsSequenceItemsInBlockAndFlowStyle) {
  using rolloutlab::io::insertYamlSequenceItem;
  const YamlPath steps = {"spec", "strategy", "canary", "steps"};
  // Appended after the last item's lines, at the items' column.
  EXPECT_EQ(insertYamlSequenceItem(kSteps, 0, steps, 4, "setWeight: 60"),
            replaced(kSteps, "            duration: 1m\n",
                     "            duration: 1m\n        - setWeight: 60\n"));
  // Inserted before an item.
  EXPECT_EQ(
      insertYamlSequenceItem(kSteps, 0, steps, 0, "pause: {}"),
      replaced(kSteps, "        - setWeight: 20", "        - pause: {}\n        - setWeight: 20"));
  EXPECT_EQ(
      insertYamlSequenceItem(kSteps, 0, steps, 2, "setWeight: 40"),
      replaced(kSteps, "        - analysis:", "        - setWeight: 40\n        - analysis:"));
  // Flow sequences get braces around a key: value item.
  EXPECT_EQ(insertYamlSequenceItem("s: [{setWeight: 5}]\n", 0, {"s"}, 1, "pause: {}"),
            "s: [{setWeight: 5}, {pause: {}}]\n");
  EXPECT_EQ(insertYamlSequenceItem("s: [{setWeight: 5}]\n", 0, {"s"}, 0, "{pause: {}}"),
            "s: [{pause: {}}, {setWeight: 5}]\n");
  EXPECT_EQ(insertYamlSequenceItem("s: []\n", 0, {"s"}, 0, "3"), "s: [3]\n");
  EXPECT_EQ(insertYamlSequenceItem("a: 1\n", 0, {"s"}, 0, "setWeight: 5"),
            "a: 1\ns: [{setWeight: 5}]\n");
  // Indentless block sequences.
  EXPECT_EQ(insertYamlSequenceItem("s:\n- 1\n- 2\nx: 1\n", 0, {"s"}, 2, "3"),
            "s:\n- 1\n- 2\n- 3\nx: 1\n");
  const auto back = doc(insertYamlSequenceItem(kSteps, 0, steps, 4, "setWeight: 60"));
  EXPECT_EQ(back["spec"]["strategy"]["canary"]["steps"].size(), 5u);
  EXPECT_EQ(back["spec"]["strategy"]["canary"]["steps"][4]["setWeight"].as<int>(), 60);
  EXPECT_THROW(insertYamlSequenceItem(kSteps, 0, steps, 6, "setWeight: 1"),
               rolloutlab::core::InputError);
  EXPECT_THROW(insertYamlSequenceItem(kSteps, 0, {"spec", "strategy"}, 0, "a: 1"),
               rolloutlab::core::InputError);
}

TEST(YamlPatch, RemovesSequenceItemsInBlockAndFlowStyle) {
  using rolloutlab::io::removeYamlSequenceItem;
  const YamlPath steps = {"spec", "strategy", "canary", "steps"};
  EXPECT_EQ(removeYamlSequenceItem(kSteps, 0, steps, 0),
            replaced(kSteps, "        - setWeight: 20   # first\n", ""));
  EXPECT_EQ(
      removeYamlSequenceItem(kSteps, 0, steps, 2),
      replaced(kSteps,
               "        - analysis:\n            templates: [{templateName: success-rate}]\n", ""));
  EXPECT_EQ(removeYamlSequenceItem(kSteps, 0, steps, 3),
            replaced(kSteps, "        - pause:\n            duration: 1m\n", ""));
  EXPECT_EQ(removeYamlSequenceItem("s: [{a: 1}, 2, [3]]\n", 0, {"s"}, 0), "s: [2, [3]]\n");
  EXPECT_EQ(removeYamlSequenceItem("s: [{a: 1}, 2, [3]]\n", 0, {"s"}, 2), "s: [{a: 1}, 2]\n");
  EXPECT_EQ(removeYamlSequenceItem("s: [1]\n", 0, {"s"}, 0), "s: []\n");
  // The only item of a block sequence leaves an empty flow sequence.
  EXPECT_EQ(removeYamlSequenceItem("s:\n  - a: 1\n    b: 2\nx: 1\n", 0, {"s"}, 0), "s: []\nx: 1\n");
  EXPECT_EQ(removeYamlSequenceItem("s:\n- 1\n- 2\n", 0, {"s"}, 1), "s:\n- 1\n");
  EXPECT_THROW(removeYamlSequenceItem(kSteps, 0, steps, 4), rolloutlab::core::InputError);
  EXPECT_THROW(removeYamlSequenceItem(kSteps, 0, {"spec", "nothing"}, 0),
               rolloutlab::core::InputError);
}

TEST(YamlPatch, TradesBlockItemsWithTheirCommentsAndLayout) {
  using rolloutlab::io::swapYamlSequenceItems;
  // A document before: the lines moved are counted in the whole text.
  const std::string text =
      "a: 1\n---\n"
      "steps:\n"
      "  # ramp up\n"
      "  - setWeight: 10  # a tenth\n"
      "  # hold\n"
      "  - pause:\n"
      "      duration: 1m  # a minute\n"
      "\n"
      "  - setWeight: 40\n"
      "after: true\n";
  const std::string swapped =
      "a: 1\n---\n"
      "steps:\n"
      "  # hold\n"
      "  - pause:\n"
      "      duration: 1m  # a minute\n"
      "\n"
      "  # ramp up\n"
      "  - setWeight: 10  # a tenth\n"
      "  - setWeight: 40\n"
      "after: true\n";
  EXPECT_EQ(swapYamlSequenceItems(text, 1, {"steps"}, 0), swapped);
  // And back: the blank line stays with the item it follows.
  EXPECT_EQ(swapYamlSequenceItems(swapped, 1, {"steps"}, 0), text);
  // The last item, in a text whose last line has no newline: the items trade their ends.
  EXPECT_EQ(swapYamlSequenceItems("s:\n- 1\n- 2", 0, {"s"}, 0), "s:\n- 2\n- 1");
  EXPECT_EQ(swapYamlSequenceItems("s:\n- 1\n- 2\n- 3\n", 0, {"s"}, 1), "s:\n- 1\n- 3\n- 2\n");
  const auto back =
      YAML::Load(swapYamlSequenceItems("s:\n- {a: 1}\n- b: 2\n  c: 3\n", 0, {"s"}, 0));
  EXPECT_EQ(back["s"][0]["b"].as<int>(), 2);
  EXPECT_EQ(back["s"][0]["c"].as<int>(), 3);
  EXPECT_EQ(back["s"][1]["a"].as<int>(), 1);
}

TEST(YamlPatch, TradesFlowItemsAndRefusesWhatItCannotTrade) {
  using rolloutlab::io::swapYamlSequenceItems;
  EXPECT_EQ(swapYamlSequenceItems(
                "s: [{setWeight: 10}, {pause: {duration: 1m}}, {setWeight: 40}]\n", 0, {"s"}, 1),
            "s: [{setWeight: 10}, {setWeight: 40}, {pause: {duration: 1m}}]\n");
  EXPECT_EQ(swapYamlSequenceItems("s: [1, 2]  # two\n", 0, {"s"}, 0), "s: [2, 1]  # two\n");
  // No item after the last; not a sequence; no such path.
  EXPECT_THROW(swapYamlSequenceItems("s: [1, 2]\n", 0, {"s"}, 1), rolloutlab::core::InputError);
  EXPECT_THROW(swapYamlSequenceItems("s: 1\n", 0, {"s"}, 0), rolloutlab::core::InputError);
  EXPECT_THROW(swapYamlSequenceItems("s: [1, 2]\n", 0, {"t"}, 0), rolloutlab::core::InputError);
  // A nested block sequence is an item of its own.
  EXPECT_EQ(swapYamlSequenceItems("s:\n- [1, 2]\n- - 3\n  - 4\n", 0, {"s"}, 0),
            "s:\n- - 3\n  - 4\n- [1, 2]\n");
}
