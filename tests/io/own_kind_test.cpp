// The envelope every rolloutlab kind shares (io::decodeOwnKindEnvelope), checked once for all:
// apiVersion, unknown top-level and metadata keys, metadata.name (optional for a Script),
// metadata.annotations.description where the kind has one, and spec.
#include "rolloutlab/io/own_kind.h"

#include <gtest/gtest.h>

#include "rolloutlab/io/documents.h"
#include "rolloutlab/io/judge_decode.h"
#include "rolloutlab/io/scenario_decode.h"
#include "rolloutlab/io/script_decode.h"
#include "rolloutlab/sim/scenario.h"
#include "rolloutlab/sim/shadow_judge.h"

using rolloutlab::core::Diagnostics;
namespace io = rolloutlab::io;

namespace {

std::vector<std::string> messages(const Diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& i : d.items) out.push_back(i.toString());
  return out;
}

struct Envelope {
  std::vector<std::string> errors;
  std::string name = "(unset)";
  std::string description = "(unset)";
  bool spec = false;
};

Envelope envelope(const std::string& text, io::OwnKindOptions options = {}) {
  auto docs = io::readDocumentsFromString(text, "k.yaml");
  Diagnostics diags;
  io::Decoder d(docs.documents.at(0), diags);
  Envelope e;
  if (options.description) options.description = &e.description;
  e.spec = io::decodeOwnKindEnvelope(d, docs.documents.at(0), e.name, options).IsDefined();
  e.errors = messages(diags);
  return e;
}

// Every fault of the envelope at once: the wrong apiVersion, a misspelt top-level key, a
// misspelt metadata key, no name, no spec.
const char* kAllWrong =
    "apiVersion: rolloutlab.io/v1\n"
    "kind: K\n"
    "metadata:\n"
    "  nmae: x\n"
    "specs: {}\n";

}  // namespace

TEST(OwnKindEnvelope, AGoodEnvelopeGivesNameDescriptionAndSpec) {
  std::string unusedTarget;  // envelope() points the option at its own result
  const auto e = envelope(
      "apiVersion: rolloutlab.io/v1alpha1\nkind: K\nmetadata:\n  name: demo\n  namespace: ns\n"
      "  labels: {a: b}\n  annotations: {description: d}\nspec: {x: 1}\n",
      {.description = &unusedTarget});
  EXPECT_TRUE(e.errors.empty()) << e.errors.front();
  EXPECT_EQ(e.name, "demo");
  EXPECT_EQ(e.description, "d");
  EXPECT_TRUE(e.spec);
  // Without the option the description is not read.
  const auto plain = envelope(
      "apiVersion: rolloutlab.io/v1alpha1\nkind: K\nmetadata:\n  name: demo\n"
      "  annotations: {description: d}\nspec: {}\n");
  EXPECT_EQ(plain.description, "(unset)");
}

TEST(OwnKindEnvelope, EachFaultIsAnErrorNamingLineAndField) {
  const auto e = envelope(kAllWrong);
  const std::vector<std::string> want = {
      "k.yaml:5: specs: unknown field (did you mean \"spec\"?)",
      "k.yaml:1: apiVersion = \"rolloutlab.io/v1\": must be rolloutlab.io/v1alpha1",
      "k.yaml:4: metadata.nmae: unknown field (did you mean \"name\"?)",
      "k.yaml:4: metadata.name: required field is missing",
      "k.yaml:1: spec: required field is missing",
  };
  EXPECT_EQ(e.errors, want);
  EXPECT_FALSE(e.spec);
  EXPECT_EQ(e.name, "(unset)");
  // No metadata at all; a spec that is not a map.
  const auto e2 = envelope("apiVersion: rolloutlab.io/v1alpha1\nkind: K\nspec: [1]\n");
  const std::vector<std::string> want2 = {
      "k.yaml:1: metadata: required field is missing",
      "k.yaml:3: spec = [...]: must be an object, not array",
      "k.yaml:1: spec: required field is missing",
  };
  EXPECT_EQ(e2.errors, want2);
}

// A Script's metadata and name are optional.
TEST(OwnKindEnvelope, ScriptNameIsOptional) {
  const auto e = envelope("apiVersion: rolloutlab.io/v1alpha1\nkind: Script\nspec: {}\n",
                          {.nameRequired = false});
  EXPECT_TRUE(e.errors.empty()) << e.errors.front();
  EXPECT_TRUE(e.spec);
  const auto e2 = envelope(
      "apiVersion: rolloutlab.io/v1alpha1\nkind: Script\nmetadata: {labels: {}}\nspec: {}\n",
      {.nameRequired = false});
  EXPECT_TRUE(e2.errors.empty()) << e2.errors.front();
}

// The decoders of the io kinds report the envelope's faults exactly as the helper does.
TEST(OwnKindEnvelope, ScriptScenarioAndJudgeDecodersShareIt) {
  const auto want = envelope(kAllWrong).errors;
  for (const char* kind : {"Script", "Scenario", "Judge"}) {
    SCOPED_TRACE(kind);
    std::string text = kAllWrong;
    text.replace(text.find("kind: K"), 7, std::string("kind: ") + kind);
    auto docs = io::readDocumentsFromString(text, "k.yaml");
    Diagnostics diags;
    const auto& doc = docs.documents.at(0);
    bool ok = true;
    if (std::string(kind) == "Script") {
      rolloutlab::core::Script s;
      ok = io::decodeScript(doc, diags, s);
    } else if (std::string(kind) == "Scenario") {
      rolloutlab::sim::Scenario s;
      ok = io::decodeScenario(doc, diags, s);
    } else {
      rolloutlab::sim::JudgeSpec j;
      ok = io::decodeJudge(doc, diags, j);
    }
    EXPECT_FALSE(ok);
    auto expected = want;
    // A Script's name is optional: no "required" error for it.
    if (std::string(kind) == "Script") std::erase(expected, want[3]);
    EXPECT_EQ(messages(diags), expected);
  }
}
