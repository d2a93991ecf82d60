// The JSON form of `rolloutlab judge` sample files, streamed (app/src/judge_json_samples.cpp):
// the same judgement as the same samples written as CSV, and one-line file:line errors for
// every wrong type, NaN, truncation and the bounded-input limits.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "judge_fixture.h"
#include "rolloutlab/app/judge_command.h"

namespace fs = std::filesystem;
using rolloutlab::app::runJudgeCommand;

namespace {

using Result = rolloutlab::test::JudgeResult;

class JudgeJsonSamples : public rolloutlab::test::JudgeFixture {
 protected:
  // The one error line of `judge --baseline <file> --canary <good CSV>` for a bad JSON sample.
  std::string errorOf(const std::string& name, const std::string& text) {
    const auto good = write("good.csv", "metric,value\nm,1\nm,2\n");
    const auto r = run({"--baseline", write(name, text), "--canary", good});
    EXPECT_EQ(r.code, 1) << text;
    EXPECT_TRUE(r.out.empty()) << r.out;
    return r.err;
  }
};

// Two metrics; every 7th value missing (null in JSON, empty in CSV).
struct Samples {
  std::string csv = "metric,value\n";
  std::string json;
};
Samples samples(double shift) {
  Samples s;
  std::ostringstream js;
  js << "\n{\n";
  const char* names[] = {"latency", "error-rate"};
  for (int m = 0; m < 2; ++m) {
    js << "  \"" << names[m] << "\": [";
    for (int i = 0; i < 40; ++i) {
      const double v = (m == 0 ? 100 : 0.01) * (1 + shift + ((i * 7919) % 37) / 50.0);
      std::ostringstream t;
      t.precision(17);
      t << v;
      const bool missing = i % 7 == 3;
      s.csv += std::string(names[m]) + "," + (missing ? "" : t.str()) + "\n";
      js << (i ? "," : "") << (i % 5 == 0 ? "\n    " : " ") << (missing ? "null" : t.str());
    }
    js << "\n  ]" << (m == 0 ? "," : "") << "\n";
  }
  js << "}\n";
  s.json = js.str();
  return s;
}

}  // namespace

// The judgement depends on the values, not on the form they were written in: the JSON report of
// a CSV pair and of the same pair as JSON are byte-identical (Kayenta mode; the sequential mode
// reads CSV line numbers as times where JSON has indices).
TEST_F(JudgeJsonSamples, SameReportAsTheSameSamplesInCsv) {
  const Samples base = samples(0), can = samples(0.3);
  for (const char* o : {"json", "yaml", "table"}) {
    SCOPED_TRACE(o);
    const auto fromCsv = run({"--baseline", write("b.csv", base.csv), "--canary",
                              write("c.csv", can.csv), "-o", o, "--seed", "3"});
    const auto fromJson = run({"--baseline", write("b.json", base.json), "--canary",
                               write("c.json", can.json), "-o", o, "--seed", "3"});
    EXPECT_EQ(fromCsv.code, 1) << fromCsv.err;
    EXPECT_EQ(fromJson.code, fromCsv.code) << fromJson.err;
    EXPECT_EQ(fromJson.out, fromCsv.out);
    EXPECT_NE(fromJson.out.find("latency"), std::string::npos);
  }
  // Told by its first character without the extension, and from standard input.
  const auto fromCsv = run(
      {"--baseline", write("b.csv", base.csv), "--canary", write("c.csv", can.csv), "-o", "json"});
  const auto named =
      run({"--baseline", write("b.txt", base.json), "--canary", "-", "-o", "json"}, can.json);
  EXPECT_EQ(named.out, fromCsv.out) << named.err;
}

// Integers, unsigned 64-bit integers, exponents and negative zero are numbers; each reads as the
// double the same text gives in CSV.
TEST_F(JudgeJsonSamples, EveryJsonNumberFormReadsAsInCsv) {
  const std::string values[] = {
      "7",    "-3",   "18446744073709551615",          "9223372036854775807", "2.5e2",
      "-0.0", "1E-3", "123456789012345678901234567890"};
  std::string json = "{\"m\": [", csv = "metric,value\n";
  for (std::size_t i = 0; i < std::size(values); ++i) {
    json += (i ? ", " : "") + values[i];
    csv += "m," + values[i] + "\n";
  }
  json += "]}";
  const auto c = write("c.csv", "metric,value\nm,1\nm,2\nm,3\n");
  const auto fromCsv = run({"--baseline", write("b.csv", csv), "--canary", c, "-o", "json"});
  const auto fromJson = run({"--baseline", write("b.json", json), "--canary", c, "-o", "json"});
  EXPECT_EQ(fromJson.err, "");
  EXPECT_EQ(fromJson.out, fromCsv.out);
  EXPECT_NE(fromJson.out.find("\"count\": 8"), std::string::npos) << fromJson.out;
}

TEST_F(JudgeJsonSamples, EachWrongInputIsOneLineNamingFileLineAndField) {
  const std::string p = (dir_ / "s.json").string();
  const std::pair<const char*, std::string> cases[] = {
      {"{\"m\": [1,\n 2,\n \"3\"]}", ":3: m[2] = \"3\": must be a number or null\n"},
      {"{\"m\": [1, true]}", ":1: m[1] = \"true\": must be a number or null\n"},
      {"{\"m\": [1, [2]]}", ":1: m[1]: must be a number or null\n"},
      {"{\"m\": [1, {\"a\": 2}]}", ":1: m[1]: must be a number or null\n"},
      {"{\"m\": [1, 1e400]}", ":1: m[1] = \"1e400\": must be a number or null\n"},
      {"{\"a\": [1],\n \"m\": 5}", ":2: m: must be an array of numbers\n"},
      {"{\"m\": {\"x\": [1]}}", ":1: m: must be an array of numbers\n"},
      {"{\"m\": [1],\n\n \"m\": [2]}", ":3: m: duplicate metric\n"},
      {"[1, 2]", ":1: must be an object {\"metric\": [numbers...]}\n"},
      {"\n\n  ", ": must be an object {\"metric\": [numbers...]}\n"},
      {"{\"m\": [1, 2, NaN]}",
       ":1: not valid JSON: syntax error while parsing value - invalid literal; last read: 'N' "
       "(NaN and infinities are not JSON: write null for a missing value)\n"},
      {"{\"m\": [1, -Infinity]}",
       ":1: not valid JSON: syntax error while parsing value - invalid number; expected digit "
       "after '-'; last read: '-I' (NaN and infinities are not JSON: write null for a missing "
       "value)\n"},
      {"{\"m\": [1,\n 2,\n",
       ":2: not valid JSON: syntax error while parsing value - unexpected end of input; expected "
       "'[', '{', or a literal\n"},
      {"{\"m\": [1]}\n{\"n\": [2]}",
       ":2: not valid JSON: syntax error while parsing value - unexpected '{'; expected end of "
       "input\n"},
      // YAML that is not JSON: the form is JSON, strictly.
      {"{m: [1]}",
       ":1: not valid JSON: syntax error while parsing object key - invalid literal; last read: "
       "'m'; expected string literal\n"},
  };
  for (const auto& [text, want] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(errorOf("s.json", text), "error: " + p + want);
  }
}

// The line-based bounds of every reader: a NUL byte at once, a line past 4 MiB as it passes.
TEST_F(JudgeJsonSamples, BoundedLikeEveryLineBasedReader) {
  const std::string p = (dir_ / "s.json").string();
  EXPECT_EQ(errorOf("s.json", std::string("{\"m\":\n[1,\0 2]}", 14))
                .rfind("error: " + p + ":2: a NUL byte", 0),
            0u);
  std::string longLine = "{\"m\": [1";
  while (longLine.size() < (5u << 20)) longLine += ", 1";
  const std::string e = errorOf("s.json", longLine + "]}\n");
  EXPECT_EQ(e.rfind("error: " + p + ":1: a line longer than 4 MiB", 0), 0u) << e;
}
