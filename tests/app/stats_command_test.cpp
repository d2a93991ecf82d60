// `rolloutlab stats`: JSON fields against R 4.2.2 / rpact 3.3.4 (tests/data/stats), the table
// output, and the error contract (exit codes 1 and 2, one-line messages with file:line).
#include "rolloutlab/app/stats_command.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.h"

namespace rolloutlab::app {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
  nlohmann::json json() const { return nlohmann::json::parse(out); }
};

Outcome runStats(const std::vector<std::string>& args, const std::string& stdinText = "") {
  std::istringstream in(stdinText);
  std::ostringstream out;
  std::ostringstream err;
  Outcome r;
  r.code = runStatsCommand(args, in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// A scratch folder for sample files, fresh for each test.
class StatsCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / (std::string("rolloutlab_stats_") + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  // One number per line, with 17 significant digits.
  std::string writeLines(const std::string& name, const nlohmann::json& values) {
    std::ostringstream s;
    s.precision(17);
    for (const auto& v : values) s << v.get<double>() << "\n";
    return write(name, s.str());
  }

  fs::path dir_;
};

nlohmann::json referenceCase(const std::string& file, std::size_t index) {
  const auto doc = nlohmann::json::parse(test::readFile(test::dataDir() + "/stats/" + file));
  return doc.at("cases").at(index);
}

double num(const nlohmann::json& j) { return j.is_null() ? NAN : j.get<double>(); }

::testing::AssertionResult closeTo(double a, double b, double rel) {
  if (std::abs(a - b) <= rel * std::abs(b)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << a << " vs " << b;
}

TEST_F(StatsCommand, RanksumExactMatchesR) {
  const auto c = referenceCase("ranksum.json", 4);  // exact path, n = m = 10, "less"
  ASSERT_EQ(c.at("exact"), "auto");
  const std::string x = writeLines("x.txt", c.at("x"));
  const std::string y = writeLines("y.txt", c.at("y"));
  const Outcome r = runStats({"ranksum", "--x", x, "--y", y, "--alternative", c.at("alternative"),
                              "--conf-level", c.at("conf_level").dump()});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = r.json();
  const auto& ref = c.at("r");
  EXPECT_EQ(j.at("method"), ref.at("method"));
  EXPECT_EQ(j.at("alternative"), "less");
  EXPECT_EQ(j.at("statistic").get<double>(), ref.at("statistic").get<double>());
  EXPECT_TRUE(closeTo(j.at("p_value").get<double>(), ref.at("p_value").get<double>(), 1e-13));
  EXPECT_EQ(j.at("estimate").get<double>(), ref.at("estimate").get<double>());
  EXPECT_TRUE(j.at("conf_int").at(0).is_null());  // -Inf
  EXPECT_EQ(j.at("conf_int").at(1).get<double>(), ref.at("conf_int").at(1).get<double>());
  EXPECT_EQ(j.at("conf_level").get<double>(), 0.95);
}

TEST_F(StatsCommand, RanksumNormalPathFromStdinJsonArray) {
  const auto c = referenceCase("ranksum.json", 18);  // normal path, exact = false, n 10 vs 12
  ASSERT_EQ(c.at("exact"), "false");
  const std::string y = writeLines("y.txt", c.at("y"));
  const Outcome r = runStats({"ranksum", "--x", "-", "--y", y, "--exact", "false", "--correct",
                              c.at("correct").get<bool>() ? "true" : "false"},
                             c.at("x").dump(2));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = r.json();
  const auto& ref = c.at("r");
  EXPECT_EQ(j.at("method"), ref.at("method"));
  EXPECT_EQ(j.at("computation"), "r");
  // By default R's numbers, bit for bit: R's pnorm, and uniroot's roots at tol.root = 1e-4.
  EXPECT_EQ(j.at("p_value").get<double>(), ref.at("p_value").get<double>());
  EXPECT_EQ(j.at("conf_int").at(0).get<double>(), ref.at("conf_int").at(0).get<double>());
  EXPECT_EQ(j.at("conf_int").at(1).get<double>(), ref.at("conf_int").at(1).get<double>());
  EXPECT_EQ(j.at("estimate").get<double>(), ref.at("estimate").get<double>());

  // --method exact: the interval ends are exact data differences (R's tightened uniroot within
  // 1e-12) and the estimate the median of the differences.
  const Outcome e = runStats({"ranksum", "--x", "-", "--y", y, "--exact", "false", "--correct",
                              c.at("correct").get<bool>() ? "true" : "false", "--method", "exact"},
                             c.at("x").dump(2));
  ASSERT_EQ(e.code, 0) << e.err;
  const auto je = e.json();
  EXPECT_EQ(je.at("computation"), "exact");
  EXPECT_EQ(je.at("p_value").get<double>(), ref.at("p_value").get<double>());
  const auto& tight = c.at("tight").at("conf_int");
  EXPECT_NEAR(je.at("conf_int").at(0).get<double>(), tight.at(0).get<double>(), 1e-12);
  EXPECT_NEAR(je.at("conf_int").at(1).get<double>(), tight.at(1).get<double>(), 1e-12);
  EXPECT_EQ(je.at("estimate").get<double>(), c.at("diffs").at("median").get<double>());
  EXPECT_EQ(runStats({"ranksum", "--x", y, "--y", y, "--method", "tight"}).code, 2);
}

TEST_F(StatsCommand, WelchMatchesR) {
  const auto c = referenceCase("welch.json", 3);  // n 2 vs 30, two.sided
  const std::string x = writeLines("x.txt", c.at("x"));
  const std::string y = writeLines("y.txt", c.at("y"));
  const Outcome r =
      runStats({"welch", "--x", x, "--y", y, "--alternative", c.at("alternative"), "--mu",
                c.at("mu").dump(), "--conf-level", c.at("conf_level").dump()});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = r.json();
  const auto& ref = c.at("r");
  EXPECT_TRUE(closeTo(j.at("statistic").get<double>(), ref.at("statistic").get<double>(), 1e-13));
  EXPECT_TRUE(closeTo(j.at("parameter").get<double>(), ref.at("parameter").get<double>(), 1e-13));
  EXPECT_EQ(j.at("parameter_name"), "df");
  EXPECT_TRUE(closeTo(j.at("p_value").get<double>(), ref.at("p_value").get<double>(), 1e-11));
  EXPECT_EQ(j.at("estimate").size(), 2u);
  EXPECT_TRUE(closeTo(num(j.at("conf_int").at(0)), num(ref.at("conf_int").at(0)), 1e-12));
}

TEST_F(StatsCommand, FisherBinomPropMatchR) {
  {
    const auto c = referenceCase("fisher.json", 4);  // table 10,2,3,15 "less"
    const auto& t = c.at("table");
    const std::string table =
        t.at(0).dump() + "," + t.at(1).dump() + "," + t.at(2).dump() + "," + t.at(3).dump();
    const Outcome r = runStats({"fisher", "--table", table, "--alternative", c.at("alternative"),
                                "--conf-level", c.at("conf_level").dump()});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = r.json();
    EXPECT_FALSE(j.contains("statistic"));
    EXPECT_EQ(j.at("computation"), "r");
    EXPECT_EQ(j.at("p_value").get<double>(), c.at("r").at("p_value").get<double>());
    EXPECT_EQ(j.at("estimate").get<double>(), c.at("r").at("estimate").get<double>());
    EXPECT_EQ(num(j.at("conf_int").at(1)), num(c.at("r").at("conf_int").at(1)));
    const Outcome e = runStats({"fisher", "--table", table, "--alternative", c.at("alternative"),
                                "--conf-level", c.at("conf_level").dump(), "--method", "exact"});
    ASSERT_EQ(e.code, 0) << e.err;
    const auto je = e.json();
    EXPECT_EQ(je.at("computation"), "exact");
    EXPECT_TRUE(
        closeTo(je.at("estimate").get<double>(), c.at("tight").at("estimate").get<double>(), 1e-9));
  }
  {
    const auto c = referenceCase("binom.json", 12);  // 7 of 20, p = 0.3
    const Outcome r = runStats({"binom", "--x", c.at("x").dump(), "--n", c.at("n").dump(), "--p",
                                c.at("p").dump(), "--alternative", c.at("alternative"),
                                "--conf-level", c.at("conf_level").dump()});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = r.json();
    EXPECT_TRUE(
        closeTo(j.at("p_value").get<double>(), c.at("r").at("p_value").get<double>(), 1e-12));
    EXPECT_TRUE(closeTo(num(j.at("conf_int").at(1)), num(c.at("r").at("conf_int").at(1)), 1e-12));
  }
  {
    const auto c = referenceCase("prop.json", 48);  // first two-sample case
    ASSERT_EQ(c.at("x").size(), 2u);
    const Outcome r =
        runStats({"prop", "--x", c.at("x").at(0).dump() + "," + c.at("x").at(1).dump(), "--n",
                  c.at("n").at(0).dump() + "," + c.at("n").at(1).dump(), "--alternative",
                  c.at("alternative"), "--correct", c.at("correct").get<bool>() ? "true" : "false",
                  "--conf-level", c.at("conf_level").dump()});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = r.json();
    EXPECT_EQ(j.at("method"), c.at("r").at("method"));
    EXPECT_TRUE(
        closeTo(j.at("statistic").get<double>(), c.at("r").at("statistic").get<double>(), 1e-13));
    EXPECT_TRUE(
        closeTo(j.at("p_value").get<double>(), c.at("r").at("p_value").get<double>(), 1e-12));
    EXPECT_TRUE(closeTo(num(j.at("conf_int").at(0)), num(c.at("r").at("conf_int").at(0)), 1e-13));
  }
}

TEST_F(StatsCommand, QuantileJsonIsByteStable) {
  const std::string x = write("x.txt", "# ten values\n10\n9\n8\n7\n6\n\n5\n4\n3\n2\n1\n");
  const Outcome r = runStats({"quantile", "--x", x, "--probs", "0,0.25,0.5,0.9"});
  ASSERT_EQ(r.code, 0) << r.err;
  // Integral values are written without ".0": the shortest text that reads back the same.
  // The one writer of every rolloutlab document: the envelope, then the result, 2-space indent.
  EXPECT_EQ(
      r.out,
      std::string(
          "{\n  \"apiVersion\": \"rolloutlab.io/v1alpha1\",\n  \"kind\": \"StatsResult\",\n") +
          "  \"version\": \"" + r.json()["version"].get<std::string>() +
          "\",\n  \"test\": \"quantile\",\n  \"type\": 7,\n  \"n\": 10,\n"
          "  \"probs\": [\n    0,\n    0.25,\n    0.5,\n    0.9\n  ],\n"
          "  \"quantiles\": [\n    1,\n    3.25,\n    5.5,\n    9.1\n  ]\n}\n");
}

TEST_F(StatsCommand, GsdMatchesRpact) {
  // rpact 3.3.4: getDesignGroupSequential(kMax = 5, alpha = 0.025, typeOfDesign = "asOF")
  const Outcome r =
      runStats({"gsd", "--looks", "5", "--alpha", "0.025", "--type", "asOF", "--sided", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = r.json();
  std::vector<std::string> keys;
  // The raw text, so that the check sees the order in which the keys were written.
  std::size_t at = 0;
  while ((at = r.out.find("\":", at)) != std::string::npos) {
    const std::size_t open = r.out.rfind('"', at - 1);
    const std::string key = r.out.substr(open + 1, at - open - 1);
    keys.push_back(key);
    ++at;
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"apiVersion", "kind", "version", "test", "type",
                                            "looks", "alpha", "sided", "information_rates",
                                            "boundaries", "alpha_spent", "stage_levels"}));
  const double rpact[] = {4.876884949, 3.357011922, 2.680280067, 2.289816774, 2.031032063};
  for (int k = 0; k < 5; ++k) EXPECT_NEAR(j.at("boundaries").at(k).get<double>(), rpact[k], 5e-7);
  EXPECT_NEAR(j.at("alpha_spent").at(4).get<double>(), 0.025, 1e-12);
  const Outcome two = runStats({"gsd", "--looks", "2", "--alpha", "0.05", "--type", "P", "--sided",
                                "2", "--info-rates", "0.4,1", "-o", "table"});
  ASSERT_EQ(two.code, 0) << two.err;
  EXPECT_NE(two.out.find("two-sided alpha = 0.05, 2 looks"), std::string::npos) << two.out;
}

TEST_F(StatsCommand, TableOutputReadsLikeR) {
  const Outcome r = runStats({"binom", "--x", "7", "--n", "20", "--p", "0.3", "-o", "table"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Exact binomial test"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("number of successes = 7, number of trials = 20, p-value = "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("alternative hypothesis: true probability of success is not equal to 0.3"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("95 percent confidence interval:"), std::string::npos) << r.out;
}

TEST_F(StatsCommand, BadValueNamesFileAndLine) {
  const std::string x = write("x.txt", "1.5\n2\nabc\n4\n");
  const std::string y = write("y.txt", "1\n2\n3\n");
  const Outcome r = runStats({"ranksum", "--x", x, "--y", y});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "error: " + x + ":3: x = \"abc\": not a number\n");
  EXPECT_TRUE(r.out.empty());
  const std::string nan = write("nan.txt", "[1, 2,\n 3,\n NaN]");
  const Outcome r2 = runStats({"welch", "--x", y, "--y", nan});
  EXPECT_EQ(r2.code, 1);
  EXPECT_EQ(r2.err, "error: " + nan + ":3: y = \"NaN\": must be a finite number\n");
}

TEST_F(StatsCommand, LibraryErrorsPointAtTheFile) {
  const std::string one = write("one.txt", "3\n");
  const std::string y = write("y.txt", "1\n2\n3\n");
  const Outcome r = runStats({"welch", "--x", one, "--y", y});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "error: " + one + ": x = 1 values: needs at least 2 observations\n");
  const Outcome missing = runStats({"welch", "--x", (dir_ / "nope.txt").string(), "--y", y});
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err,
            "error: " + (dir_ / "nope.txt").string() + ": --x: cannot read the file\n");
  const Outcome level = runStats({"binom", "--x", "3", "--n", "10", "--conf-level", "1.5"});
  EXPECT_EQ(level.code, 1);
  EXPECT_EQ(level.err, "error: conf_level = 1.5: must be a number strictly between 0 and 1\n");
  const Outcome rates =
      runStats({"gsd", "--looks", "3", "--info-rates", "0.5,0.4,1", "--sided", "1"});
  EXPECT_EQ(rates.code, 1);
  EXPECT_EQ(rates.err,
            "error: information_rates[1] = 0.4: must be strictly increasing (previous 0.5)\n");
  const Outcome counts = runStats({"fisher", "--table", "1,-2,3,4"});
  EXPECT_EQ(counts.code, 1);
  EXPECT_EQ(counts.err, "error: table[b] = -2: counts must be non-negative\n");
}

TEST_F(StatsCommand, WrongCommandLinesExitTwoWithUsage) {
  const Outcome unknownTest = runStats({"kruskal"});
  EXPECT_EQ(unknownTest.code, 2);
  EXPECT_NE(unknownTest.err.find("unknown test \"kruskal\""), std::string::npos);
  EXPECT_NE(unknownTest.err.find("(tests: ranksum, welch, fisher"), std::string::npos);
  const Outcome flag = runStats({"binom", "--x", "3", "--n", "10", "--bogus", "1"});
  EXPECT_EQ(flag.code, 2);
  // One line naming the flag, as every command says it (issue 16).
  EXPECT_EQ(flag.err,
            "rolloutlab stats binom: unknown option --bogus (rolloutlab stats binom --help)\n");
  EXPECT_EQ(runStats({"binom", "--x", "3"}).code, 2);                   // missing --n
  EXPECT_EQ(runStats({"binom", "--x", "3", "--n"}).code, 2);            // no value
  EXPECT_EQ(runStats({"binom", "--x", "three", "--n", "10"}).code, 2);  // not an integer
  EXPECT_EQ(runStats({"ranksum", "--x", "-", "--y", "-"}).code, 2);     // two stdin samples
  EXPECT_EQ(runStats({"binom", "--x", "3", "--n", "10", "-o", "xml"}).code, 2);
  EXPECT_EQ(runStats({"binom", "--x", "3", "--n", "10", "--alternative", "bigger"}).code, 2);
  EXPECT_EQ(runStats({}).code, 2);
}

// Issue 16: stats parses flags as every command does: a repeated flag keeps its last value
// (it used to be refused), --flag=value equals --flag value, and -o yaml is the same document.
TEST_F(StatsCommand, RepeatedFlagKeepsTheLastValueAsEveryCommand) {
  const Outcome once = runStats({"binom", "--x", "7", "--n", "20", "-o", "json"});
  const Outcome twice = runStats({"binom", "--x", "3", "--n", "20", "--x", "7", "-o", "json"});
  const Outcome equals = runStats({"binom", "--x=7", "--n=20", "--output=json"});
  ASSERT_EQ(once.code, 0) << once.err;
  EXPECT_EQ(twice.code, 0) << twice.err;
  EXPECT_EQ(twice.out, once.out);
  EXPECT_EQ(equals.out, once.out);
  EXPECT_EQ(once.json()["statistic"], 7);
  const Outcome yaml = runStats({"binom", "--x", "7", "--n", "20", "-o", "yaml"});
  EXPECT_EQ(yaml.code, 0) << yaml.err;
  EXPECT_NE(yaml.out.find("kind: StatsResult\n"), std::string::npos) << yaml.out;
}

TEST_F(StatsCommand, HelpPrintsUsage) {
  const Outcome all = runStats({"--help"});
  EXPECT_EQ(all.code, 0);
  EXPECT_NE(all.out.find("rolloutlab stats gsd --looks K"), std::string::npos);
  const Outcome one = runStats({"fisher", "--help"});
  EXPECT_EQ(one.code, 0);
  EXPECT_EQ(one.out.rfind("usage: rolloutlab stats fisher --table a,b,c,d", 0), 0u);
}

}  // namespace
}  // namespace rolloutlab::app
