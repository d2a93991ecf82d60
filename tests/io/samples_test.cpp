// The one numeric sample reader (io::SampleReader) and its number rules, over small texts whose
// values, lines and columns are counted by hand; then every class of error, each one line
// naming file, line, field, value and rule, with the column in the diagnostic.
#include "rolloutlab/io/samples.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "rolloutlab/core/diagnostics.h"

namespace io = rolloutlab::io;
namespace core = rolloutlab::core;
using io::NumberClass;
using io::SampleOptions;

namespace {

struct Read {
  std::vector<io::Sample> samples;
  io::SampleForm form = io::SampleForm::kUnknown;
};

SampleOptions valuesOptions() {
  SampleOptions o;
  o.layout = SampleOptions::Layout::kValues;
  o.field = "x";
  return o;
}

SampleOptions csvOptions() {
  SampleOptions o;
  o.layout = SampleOptions::Layout::kCsv;
  return o;
}

Read readAll(const std::string& text, const SampleOptions& options) {
  std::istringstream in(text);
  core::LineReader lines(in, "s.txt", "a sample file");
  io::SampleReader reader(lines, options);
  Read r;
  io::Sample s;
  while (reader.next(s)) r.samples.push_back(s);
  r.form = reader.form();
  return r;
}

// The error's one line, and its column.
std::pair<std::string, int> errorOf(const std::string& text, const SampleOptions& options,
                                    std::size_t maxLine = core::kMaxLineBytes) {
  std::istringstream in(text);
  core::LineReader lines(in, "s.txt", "a sample file", maxLine);
  try {
    io::SampleReader reader(lines, options);
    io::Sample s;
    while (reader.next(s)) {
    }
  } catch (const core::InputError& e) {
    return {e.diagnostic().toString(), e.diagnostic().column};
  }
  return {"(no error)", -1};
}

}  // namespace

TEST(SampleNumber, ReadsNumbersAndTheWordsForMissingAndInfiniteValues) {
  EXPECT_EQ(io::readSampleNumber("1.5").kind, NumberClass::kFinite);
  EXPECT_EQ(io::readSampleNumber("1.5").value, 1.5);
  EXPECT_EQ(io::readSampleNumber("  +2 ").value, 2.0);
  EXPECT_EQ(io::readSampleNumber("-3e-2").value, -0.03);
  EXPECT_EQ(io::readSampleNumber(".25").value, 0.25);
  for (const char* w : {"NaN", "nan", ".nan", ".NaN", "NA", "NAN", "-nan"}) {
    SCOPED_TRACE(w);
    EXPECT_EQ(io::readSampleNumber(w).kind, NumberClass::kNaN);
    EXPECT_TRUE(std::isnan(io::readSampleNumber(w).value));
  }
  for (const char* w : {"inf", "+inf", ".inf", "Inf", "Infinity", "INF"}) {
    SCOPED_TRACE(w);
    EXPECT_EQ(io::readSampleNumber(w).kind, NumberClass::kInfinite);
    EXPECT_EQ(io::readSampleNumber(w).value, HUGE_VAL);
  }
  for (const char* w : {"-inf", "-.inf", "-Inf", "-Infinity"}) {
    SCOPED_TRACE(w);
    EXPECT_EQ(io::readSampleNumber(w).value, -HUGE_VAL);
  }
  // Words, the empty token, a decimal comma, a number past the double range, two signs.
  for (const char* w : {"abc", "", "  ", "0,5", "1e400", "+-1", "++1", "1.5x", "0x10", "+.inf"}) {
    SCOPED_TRACE(w);
    EXPECT_EQ(io::readSampleNumber(w).kind, NumberClass::kNotANumber);
  }
}

TEST(SampleNumber, TellsTheJsonLexersStopsInsideNonFiniteWords) {
  // What nlohmann::json's lexer has read when it gives up on NaN, nan, Infinity, -Infinity, inf.
  for (const char* t : {"N", "na", "I", "-I", "i", "+N", "NA", "Inf"}) {
    SCOPED_TRACE(t);
    EXPECT_TRUE(io::beginsNonFiniteWord(t));
  }
  for (const char* t : {"", "-", ".", "x", "nu", "--I", "t", "Nope"}) {
    SCOPED_TRACE(t);
    EXPECT_FALSE(io::beginsNonFiniteWord(t));
  }
}

TEST(SampleReader, OneValueALineSkipsBlankLinesAndComments) {
  const Read r = readAll("# latency, ms\n1.5\n\n  2\t\n# more\n-3e1\n", valuesOptions());
  EXPECT_EQ(r.form, io::SampleForm::kValues);
  ASSERT_EQ(r.samples.size(), 3u);
  EXPECT_EQ(r.samples[0].value, 1.5);
  EXPECT_EQ(r.samples[0].line, 2);
  EXPECT_EQ(r.samples[0].column, 1);
  EXPECT_EQ(r.samples[1].value, 2.0);
  EXPECT_EQ(r.samples[1].line, 4);
  EXPECT_EQ(r.samples[1].column, 3);
  EXPECT_EQ(r.samples[2].value, -30.0);
  EXPECT_EQ(r.samples[2].line, 6);
  EXPECT_TRUE(r.samples[2].metric.empty());
  EXPECT_TRUE(readAll("", valuesOptions()).samples.empty());  // zero values: no error here
  EXPECT_TRUE(readAll("\n# only a comment\n", valuesOptions()).samples.empty());
}

TEST(SampleReader, AJsonArrayOverManyLines) {
  const Read r = readAll("\n  [1, 2.5,\n 3 ,4\n]\n\n", valuesOptions());
  EXPECT_EQ(r.form, io::SampleForm::kJsonArray);
  ASSERT_EQ(r.samples.size(), 4u);
  const double values[] = {1, 2.5, 3, 4};
  const int lines[] = {2, 2, 3, 3};
  const int columns[] = {4, 7, 2, 5};
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(r.samples[i].value, values[i]);
    EXPECT_EQ(r.samples[i].line, lines[i]);
    EXPECT_EQ(r.samples[i].column, columns[i]);
  }
  EXPECT_TRUE(readAll("[]", valuesOptions()).samples.empty());
  EXPECT_EQ(readAll("[7]", valuesOptions()).samples.at(0).value, 7.0);
}

TEST(SampleReader, EveryValuesErrorNamesFileLineColumnFieldAndRule) {
  const SampleOptions o = valuesOptions();
  const std::vector<std::tuple<std::string, std::string, int>> cases = {
      {"1\n2\nabc\n", "s.txt:3: x = \"abc\": not a number", 1},
      {"1\n  NaN\n", "s.txt:2: x = \"NaN\": must be a finite number", 3},
      {"-inf\n", "s.txt:1: x = \"-inf\": must be a finite number", 1},
      {"1 2\n", "s.txt:1: x = \"1 2\": not a number", 1},
      {"[1, x]\n", "s.txt:1: x = \"x\": not a number", 5},
      {"[1,\n Infinity]\n", "s.txt:2: x = \"Infinity\": must be a finite number", 2},
      {"[1 2]\n", "s.txt:1: x = \"2\": expected ',' or ']' in the JSON array", 4},
      {"[1,]\n", "s.txt:1: x = \"\": expected a number in the JSON array", 4},
      {"[,1]\n", "s.txt:1: x = \"\": expected a number in the JSON array", 2},
      {"[1]\n 2\n", "s.txt:2: x = \"2\": text after the JSON array", 2},
      {"[1,\n2\n\n", "s.txt:3: x = \"\": expected ',' or ']' in the JSON array", 0},
      {"[1,\n", "s.txt:1: x = \"\": expected a number in the JSON array", 0},
  };
  for (const auto& [text, message, column] : cases) {
    SCOPED_TRACE(text);
    const auto [got, col] = errorOf(text, o);
    EXPECT_EQ(got, message);
    EXPECT_EQ(col, column);
  }
}

TEST(SampleReader, CsvMetricValueAndTimeMetricValue) {
  const Read mv =
      readAll("metric,value\nlatency, 12\n\"errors\",\n# c\nlatency,NaN\n", csvOptions());
  EXPECT_EQ(mv.form, io::SampleForm::kMetricValue);
  ASSERT_EQ(mv.samples.size(), 3u);
  EXPECT_EQ(mv.samples[0].metric, "latency");
  EXPECT_EQ(mv.samples[0].value, 12.0);
  EXPECT_EQ(mv.samples[0].line, 2);
  EXPECT_EQ(mv.samples[0].column, 10);
  EXPECT_TRUE(std::isnan(mv.samples[0].time));
  EXPECT_EQ(mv.samples[1].metric, "errors");     // the quotes are dropped
  EXPECT_TRUE(std::isnan(mv.samples[1].value));  // empty: a missing value
  EXPECT_EQ(mv.samples[1].line, 3);
  EXPECT_TRUE(std::isnan(mv.samples[2].value));
  EXPECT_EQ(mv.samples[2].line, 5);

  const Read tmv = readAll("time,metric,value\n30,cpu,0.5\n60,cpu,inf\n", csvOptions());
  EXPECT_EQ(tmv.form, io::SampleForm::kTimeMetricValue);
  ASSERT_EQ(tmv.samples.size(), 2u);
  EXPECT_EQ(tmv.samples[0].time, 30.0);
  EXPECT_EQ(tmv.samples[0].value, 0.5);
  EXPECT_EQ(tmv.samples[1].time, 60.0);
  EXPECT_EQ(tmv.samples[1].value, HUGE_VAL);  // infinities are kept in the judge's form
}

TEST(SampleReader, CsvSingleColumnNamedOrNot) {
  const Read named = readAll("latency\n1\n2\n", csvOptions());
  EXPECT_EQ(named.form, io::SampleForm::kColumn);
  ASSERT_EQ(named.samples.size(), 2u);
  EXPECT_EQ(named.samples[0].metric, "latency");
  EXPECT_EQ(named.samples[1].value, 2.0);
  EXPECT_EQ(named.samples[1].line, 3);
  const Read bare = readAll("\n3\n4\n", csvOptions());
  EXPECT_EQ(bare.form, io::SampleForm::kColumn);
  ASSERT_EQ(bare.samples.size(), 2u);
  EXPECT_EQ(bare.samples[0].metric, "");
  EXPECT_EQ(bare.samples[0].value, 3.0);
  EXPECT_EQ(bare.samples[0].line, 2);
}

TEST(SampleReader, EveryCsvErrorNamesFileLineColumnFieldAndRule) {
  const SampleOptions o = csvOptions();
  const std::vector<std::tuple<std::string, std::string, int>> cases = {
      {"a,b,c,d\n1,2,3,4\n",
       "s.txt:1: header = \"a,b,c,d\": must be `metric,value`, `time,metric,value` or a single "
       "column of numbers",
       1},
      {"metric,value\nlatency,1\nlatency,2,3\n",
       "s.txt:3: row = \"latency,2,3\": must have 2 columns", 1},
      {"latency\n1\n2,3\n", "s.txt:3: row = \"2,3\": must have 1 column", 1},
      {"metric,value\nlatency,1\nlatency, fast\n",
       "s.txt:3: value = \"fast\": must be a number (or empty/NaN)", 10},
      {"time,metric,value\n0,cpu,1\nsoon,cpu,2\n",
       "s.txt:3: time = \"soon\": must be a finite number (seconds)", 1},
      {"time,metric,value\nNaN,cpu,2\n",
       "s.txt:2: time = \"NaN\": must be a finite number (seconds)", 1},
      {"metric,value\n ,1\n", "s.txt:2: metric = \"\": must not be empty", 2},
      {"\"\"\n1\n", "s.txt:2: metric = \"\": must not be empty", 1},
      {"\n# nothing\n", "s.txt: holds no samples", 0},
      {"metric,value\n", "s.txt: holds a header but no samples", 0},
  };
  for (const auto& [text, message, column] : cases) {
    SCOPED_TRACE(text);
    const auto [got, col] = errorOf(text, o);
    EXPECT_EQ(got, message);
    EXPECT_EQ(col, column);
  }
}

TEST(SampleReader, BoundedInLineLengthAndTotalSize) {
  // A NUL byte at once, with its line.
  EXPECT_EQ(
      errorOf(std::string("1\n2\0\n", 5), valuesOptions()).first.rfind("s.txt:2: a NUL byte", 0),
      0u);
  // A line past the line cap (here 16 bytes), as soon as it passes.
  EXPECT_EQ(errorOf("1\n" + std::string(40, '1') + "\n", valuesOptions(), 16)
                .first.rfind("s.txt:2: a line longer than 16 bytes", 0),
            0u);
  // The whole input past the total cap: 5 lines of "1.5\n" are 20 bytes.
  SampleOptions o = valuesOptions();
  o.maxBytes = 19;
  EXPECT_EQ(errorOf("1.5\n1.5\n1.5\n1.5\n1.5\n", o).first,
            "s.txt: larger than the 19 bytes limit for a sample file");
  o.maxBytes = 20;
  EXPECT_EQ(errorOf("1.5\n1.5\n1.5\n1.5\n1.5\n", o).first, "(no error)");
}

TEST(SampleReader, ReadsTheLineACallerAlreadyTookFirst) {
  std::istringstream in("\nmetric,value\nlatency,4\n");
  core::LineReader lines(in, "s.csv", "a sample file");
  std::string first;
  ASSERT_TRUE(lines.next(first));
  ASSERT_TRUE(lines.next(first));  // the caller looked at line 2 to tell the form
  io::SampleReader reader(lines, csvOptions(), &first);
  io::Sample s;
  ASSERT_TRUE(reader.next(s));
  EXPECT_EQ(reader.form(), io::SampleForm::kMetricValue);
  EXPECT_EQ(s.metric, "latency");
  EXPECT_EQ(s.value, 4.0);
  EXPECT_EQ(s.line, 3);
  EXPECT_FALSE(reader.next(s));
}
