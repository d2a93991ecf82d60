// The CI renderings of a CheckReport (app/check_render.h) on hand-written reports
// (tests/data/check/*.json): Markdown and GitHub workflow commands against hand-written expected
// text, JUnit and SARIF against what their readers need (the schema validation itself is
// Cli.CheckRenderingsMatchTheirSchemas), escaping of hostile names, the Markdown size cap.
#include "rolloutlab/app/check_render.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "test_support.h"

namespace rolloutlab::app {
namespace {

using nlohmann::json;

json report(const std::string& name) {
  return json::parse(test::readFile(test::dataDir() + "/check/" + name + ".json"));
}
std::string expected(const std::string& name) {
  return test::readFile(test::dataDir() + "/check/" + name);
}
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

TEST(CheckRenderMarkdown, MatchesTheHandWrittenSummaries) {
  EXPECT_EQ(renderCheckMarkdown(report("mixed")), expected("mixed.md"));
  EXPECT_EQ(renderCheckMarkdown(report("hostile")), expected("hostile.md"));
  EXPECT_EQ(renderCheckMarkdown(report("empty")), expected("empty.md"));
}

TEST(CheckRenderGithub, MatchesTheHandWrittenAnnotations) {
  EXPECT_EQ(renderCheckGithub(report("mixed")), expected("mixed.github"));
  EXPECT_EQ(renderCheckGithub(report("hostile")), expected("hostile.github"));
  EXPECT_EQ(renderCheckGithub(report("empty")), "");
}

TEST(CheckRenderJUnit, OneTestCasePerSpecAndPerErrorWithTheVerdictAsFailureType) {
  std::string x = renderCheckJUnit(report("mixed"));
  EXPECT_NE(x.find("<testsuite name=\"rolloutlab check\""), std::string::npos) << x;
  EXPECT_NE(x.find(" tests=\"5\" failures=\"3\" errors=\"1\" skipped=\"0\" time=\"0\""),
            std::string::npos)
      << x;
  EXPECT_EQ(count(x, "<testcase "), 5u);
  // The passing spec: an empty test case.
  EXPECT_NE(x.find("<testcase classname=\"Canary/prod\" name=\"frontend\" "
                   "file=\"apps/frontend/canary.yaml\" time=\"0\"/>"),
            std::string::npos);
  // The failing Canary: the violated constraint, its estimate and interval in the message.
  EXPECT_NE(x.find("<failure message=\"1 constraint violated; falseRollbackRate = 0.081 "
                   "[0.068, 0.094], above the limit 0.05: the whole 95% interval exceeds it "
                   "(rule platform-default)\" type=\"violated\">"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("  spec.analysis.threshold: 5 -&gt; 8 at apps/podinfo/canary.yaml:18\n"),
            std::string::npos);
  // The failing Rollout: classname Kind/namespace, its scenario-scoped violation.
  EXPECT_NE(x.find("<testcase classname=\"Rollout/shop\" name=\"checkout\""), std::string::npos);
  EXPECT_NE(x.find("violated: escapeRate on bad-error-spike = 0.126 [0.099, 0.157]"),
            std::string::npos);
  // Undecided is a failure (it does not pass), typed so.
  EXPECT_NE(x.find("<failure message=\"2 constraints undecided after 3200 runs (undecided does "
                   "not pass); falseRollbackRate = 0.019"),
            std::string::npos)
      << x;
  EXPECT_EQ(count(x, "type=\"undecided\""), 1u);
  EXPECT_EQ(count(x, "<skipped"), 0u);
  // The report error: an <error> test case; the location prefix is not repeated.
  EXPECT_NE(x.find("<testcase classname=\"bad-input\" name=\"apps/broken/canary.yaml:9\" "
                   "file=\"apps/broken/canary.yaml\" time=\"0\">\n      <error message=\""
                   "spec.analysis.interval = &quot;soon&quot;: must match ^[0-9]+(m|s)\" "
                   "type=\"bad input\">"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("<property name=\"changedSince.ref\" value=\"origin/main\"/>"),
            std::string::npos);
}

TEST(CheckRenderJUnit, EscapesEveryHostileString) {
  std::string x = renderCheckJUnit(report("hostile"));
  EXPECT_NE(x.find("classname=\"Canary/team &quot;a&quot; &amp; &lt;b&gt;\" "
                   "name=\"pod|info&#10;line2 ✓ ünï 100%, x:y\xEF\xBF\xBD\" "
                   "file=\"apps/we ird/ca,na:ry%.yaml\""),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("name=\"bad&#13;&#10;file.yaml:2\""), std::string::npos) << x;
  EXPECT_NE(x.find("<error message=\"tab&#9;here &amp; &lt;there&gt; &quot;q&quot; "
                   "50%&#10;second line\""),
            std::string::npos)
      << x;
  // In text, newlines and tabs stay; CR becomes a reference so that it survives parsing.
  EXPECT_NE(x.find(">bad&#13;\nfile.yaml:2: tab\there &amp; &lt;there&gt; \"q\" 50%\nsecond "
                   "line\n</error>"),
            std::string::npos)
      << x;
  EXPECT_EQ(x.find('\x01'), std::string::npos);
}

TEST(CheckRenderAll, InvalidUtf8BecomesTheReplacementCharacter) {
  json r = report("hostile");
  r["specs"][0]["name"] = std::string(
      "a\xff"
      "b\xc3(c\xed\xa0\x80"
      "d");                                                      // bad, cut, surrogate
  r["errors"][0]["message"] = std::string("m\xf5\x80\x80\x80");  // beyond U+10FFFF
  const std::string fffd = "\xEF\xBF\xBD";
  std::string name = "a" + fffd + "b" + fffd + "(c" + fffd + "d";
  EXPECT_NE(renderCheckJUnit(r).find("name=\"" + name + "\""), std::string::npos);
  EXPECT_NE(renderCheckMarkdown(r).find("/" + name + ": fail"), std::string::npos);
  EXPECT_NE(renderCheckGithub(r).find("/" + name + "%3A falseRollbackRate"), std::string::npos);
  EXPECT_NE(renderCheckGithub(r).find("::m" + fffd + "\n"), std::string::npos);
  json sarif = json::parse(renderCheckSarif(r));  // the parser rejects invalid UTF-8
  EXPECT_NE(sarif.dump().find("a" + fffd + "b"), std::string::npos);
}

TEST(CheckRenderSarif, ResultsPerViolatedAndUndecidedConstraintAtTheBlamedField) {
  json s = json::parse(renderCheckSarif(report("mixed")));
  EXPECT_EQ(s["version"], "2.1.0");
  EXPECT_EQ(s["$schema"],
            "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
            "sarif-schema-2.1.0.json");
  ASSERT_EQ(s["runs"].size(), 1u);
  const json& run = s["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "rolloutlab");
  EXPECT_EQ(run["tool"]["driver"]["version"], "0.9.0");
  const json& rules = run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 5u);
  std::vector<std::string> ids;
  for (const json& r : rules) {
    ids.push_back(r["id"]);
    EXPECT_FALSE(r["shortDescription"]["text"].get<std::string>().empty());
    EXPECT_FALSE(r["fullDescription"]["text"].get<std::string>().empty());
    EXPECT_FALSE(r["help"]["text"].get<std::string>().empty());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"falseRollbackRate", "escapeRate", "meanExcessErrors",
                                           "meanTimeToPromotion", "inputError"}));
  const json& results = run["results"];
  ASSERT_EQ(results.size(), 6u);  // 2 violated, 3 undecided, 1 input error
  std::vector<std::string> levels;
  for (const json& r : results) {
    levels.push_back(r["level"]);
    // ruleIndex points at the rule of ruleId.
    EXPECT_EQ(rules[r["ruleIndex"].get<std::size_t>()]["id"], r["ruleId"]);
  }
  EXPECT_EQ(levels,
            (std::vector<std::string>{"error", "warning", "error", "warning", "warning", "error"}));
  const json& first = results[0];
  EXPECT_EQ(first["ruleId"], "falseRollbackRate");
  const json& loc = first["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc["artifactLocation"]["uri"], "apps/podinfo/canary.yaml");
  EXPECT_EQ(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
  EXPECT_EQ(loc["region"]["startLine"], 18);
  EXPECT_EQ(loc["region"]["startColumn"], 5);
  EXPECT_EQ(first["message"]["text"],
            "Canary test/podinfo: falseRollbackRate = 0.081 [0.068, 0.094], above the limit "
            "0.05: the whole 95% interval exceeds it (rule platform-default). Change "
            "spec.analysis.threshold.");
  EXPECT_EQ(first["properties"]["estimate"]["hi"], 0.094);
  // The Rollout's violation points into the analysis template, where the field is.
  EXPECT_EQ(results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "apps/checkout/analysis-template.yaml");
  // The input error: at its file and line, no column.
  const json& err = results[5]["locations"][0]["physicalLocation"];
  EXPECT_EQ(err["region"], (json{{"startLine", 9}}));
  EXPECT_EQ(results[5]["message"]["text"],
            "spec.analysis.interval = \"soon\": must match ^[0-9]+(m|s)");
}

TEST(CheckRenderSarif, FingerprintsNameTheFindingNotItsLine) {
  json r = report("mixed");
  auto fingerprints = [](const json& rep) {
    std::vector<std::string> out;
    json doc = json::parse(renderCheckSarif(rep));
    for (const json& res : doc["runs"][0]["results"]) {
      out.push_back(res["partialFingerprints"]["rolloutlabFinding/v1"]);
    }
    return out;
  };
  auto before = fingerprints(r);
  EXPECT_EQ(std::set<std::string>(before.begin(), before.end()).size(), before.size());
  for (const std::string& f : before) EXPECT_EQ(f.size(), 16u) << f;
  // Lines moved by an edit above the field: the same findings.
  r["specs"][1]["constraints"][0]["blame"]["line"] = 40;
  r["specs"][1]["line"] = 3;
  EXPECT_EQ(fingerprints(r), before);
  // Another spec name: another finding.
  r["specs"][1]["name"] = "podinfo2";
  auto renamed = fingerprints(r);
  EXPECT_NE(renamed[0], before[0]);
  EXPECT_EQ(renamed[1], before[1]);
}

TEST(CheckRenderSarif, PathsAreUriReferences) {
  json s = json::parse(renderCheckSarif(report("hostile")));
  const json& results = s["runs"][0]["results"];
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "apps/we%20ird/ca%2Cna%3Ary%25.yaml");
  EXPECT_EQ(results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "bad%0D%0Afile.yaml");
  EXPECT_EQ(results[1]["message"]["text"], "tab\there & <there> \"q\" 50%\nsecond line");
}

TEST(CheckRenderAll, AReportWithoutSpecsRendersEmptyButValid) {
  json r = report("empty");
  std::string x = renderCheckJUnit(r);
  EXPECT_NE(x.find(" tests=\"0\" failures=\"0\" errors=\"0\""), std::string::npos) << x;
  EXPECT_EQ(count(x, "<testcase"), 0u);
  json s = json::parse(renderCheckSarif(r));
  EXPECT_TRUE(s["runs"][0]["results"].empty());
  EXPECT_EQ(s["runs"][0]["tool"]["driver"]["rules"].size(), 5u);
}

TEST(CheckRenderAll, MalformedReportsNeverThrow) {
  for (const json& r :
       {json(), json::array(), json("text"), json{{"specs", 3}},
        json{{"specs", json::array({json(), json{{"constraints", "x"}}, json{{"verdict", 1}}})}},
        json{{"specs", json::array({json{{"verdict", "fail"},
                                         {"constraints", json::array({json{{"verdict", "violated"},
                                                                           {"blame", 5},
                                                                           {"estimate", "x"},
                                                                           {"max", "y"}}})},
                                         {"suggestion", json{{"changes", json::array({1})}}}}})},
             {"errors", json::array({json(), json{{"line", "x"}}})}}}) {
    SCOPED_TRACE(r.dump());
    EXPECT_NO_THROW(renderCheckJUnit(r));
    EXPECT_NO_THROW(json::parse(renderCheckSarif(r)));
    EXPECT_NO_THROW(renderCheckMarkdown(r));
    EXPECT_NO_THROW(renderCheckGithub(r));
  }
}

// A repository with many specs: `passing` copies of the passing Canary and `failing` of the
// failing one, each with its own name.
json manySpecs(int passing, int failing) {
  json base = report("mixed");
  json r = base;
  r["specs"] = json::array();
  r["errors"] = json::array();
  for (int i = 0; i < passing + failing; ++i) {
    json spec = base["specs"][i < passing ? 0 : 1];
    spec["name"] = std::string(i < passing ? "frontend-" : "podinfo-") + std::to_string(i);
    r["specs"].push_back(spec);
  }
  r["counts"] = {
      {"specs", passing + failing}, {"passed", passing}, {"failed", failing}, {"undecided", 0}};
  return r;
}

TEST(CheckRenderMarkdown, PassingSpecsCollapseFirstWhenTheCommentWouldBeTooLong) {
  json r = manySpecs(120, 20);
  std::string full = renderCheckMarkdown(r, std::string::npos);
  ASSERT_GT(full.size(), kCheckMarkdownLimit);
  std::string md = renderCheckMarkdown(r);
  EXPECT_LE(md.size(), kCheckMarkdownLimit);
  EXPECT_NE(md.find("### ✅ Passing specs\n\n- ✅ Canary prod/frontend-0: pass "
                    "(apps/frontend/canary.yaml:1, 400 runs)\n"),
            std::string::npos);
  EXPECT_EQ(count(md, "- ✅ Canary prod/frontend-"), 120u);
  EXPECT_EQ(count(md, "### ❌ Canary test/podinfo-"), 20u);  // every failing spec in full
  EXPECT_EQ(md.find("left out"), std::string::npos);
}

TEST(CheckRenderMarkdown, TheLastSectionsGoWithANoteWhenCollapsingIsNotEnough) {
  json r = manySpecs(30, 100);
  std::string md = renderCheckMarkdown(r);
  EXPECT_LE(md.size(), kCheckMarkdownLimit);
  std::size_t shown = count(md, "### ❌ Canary test/podinfo-");
  ASSERT_GT(shown, 0u);
  ASSERT_LT(shown, 100u);
  EXPECT_EQ(count(md, "- ✅ Canary prod/frontend-"), 30u);
  std::string note = "\n*" + std::to_string(100 - shown) +
                     " specs left out: this summary is capped at 65000 bytes to fit a "
                     "pull-request comment; the JUnit, SARIF or JSON report of the same run has "
                     "every spec.*\n";
  ASSERT_GE(md.size(), note.size());
  EXPECT_EQ(md.substr(md.size() - note.size()), note);
  // The sections shown are the first ones, whole.
  EXPECT_NE(md.find("### ❌ Canary test/podinfo-30: fail"), std::string::npos);
  EXPECT_EQ(md.find("### ❌ Canary test/podinfo-129: fail"), std::string::npos);

  // A small limit: the passing list goes too, and is counted spec by spec.
  std::string tiny = renderCheckMarkdown(r, 1500);
  EXPECT_LE(tiny.size(), 1500u);
  EXPECT_NE(tiny.find("\n*130 specs left out: this summary is capped at 1500 bytes"),
            std::string::npos)
      << tiny;
}

TEST(CheckRenderMarkdown, ListsTheFirstFiftyInputErrorsAndCountsTheRest) {
  json r = report("empty");
  for (int i = 1; i <= 60; ++i) {
    r["errors"].push_back({{"file", "apps/a" + std::to_string(i) + ".yaml"},
                           {"line", i},
                           {"message", "spec.analysis: required"}});
  }
  std::string md = renderCheckMarkdown(r);
  EXPECT_NE(
      md.find("## ❌ rolloutlab check: 60 inputs could not be checked; the checked specs: pass\n"),
      std::string::npos);
  EXPECT_NE(md.find("- apps/a50.yaml:50: spec.analysis: required\n- and 10 more (the JUnit, "
                    "SARIF or JSON report lists every one)\n"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("apps/a51.yaml"), std::string::npos);
  EXPECT_EQ(count(renderCheckGithub(r), "::error "), 60u);
}

}  // namespace
}  // namespace rolloutlab::app
