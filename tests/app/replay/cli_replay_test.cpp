// `rolloutlab replay` from the command line: exit codes (0 done, 1 bad input, 2 a wrong command
// line, 3 the server failed), one-line errors, the table and validate listing Replay documents.
#include <gtest/gtest.h>

#include "replay_fixtures.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/replay/log_synth.h"

namespace {

using namespace rolloutlab;
using namespace rolloutlab::test::replayfx;

struct Result {
  int code = -1;
  std::string out, err;
};

Result cli(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out, err;
  app::Streams io{in, out, err};
  Result r;
  r.code = app::runMain(args, io);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(ReplayCli, ExitCodesAndOneLineErrors) {
  TempDir dir;
  const std::string canary = dir.write("canary.yaml", canaryYaml(2));
  const int closed = freePort();  // nothing listens there
  auto r =
      cli({"replay", "--spec", canary, "--prometheus", "http://127.0.0.1:" + std::to_string(closed),
           "--from", "2024-01-01T00:00:00Z", "--to", "2024-01-01T01:00:00Z", "--retries", "0"});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("cannot be reached"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  r = cli({"replay", "--spec", canary, "--prometheus", "http://127.0.0.1:1", "--from", "noon",
           "--to", "1704070800"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--from = \"noon\": must be RFC 3339"), std::string::npos) << r.err;

  r = cli({"replay", "--spec", canary, "--from", "1704067200", "--to", "1704070800"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("replay needs a source"), std::string::npos) << r.err;

  r = cli({"replay", "--spec", canary, "--query-range", "request-success-rate", "--from",
           "1704067200", "--to", "1704070800"});
  EXPECT_EQ(r.code, 2);

  r = cli({"replay", "--spec", canary, "--prometheus", "ftp://x", "--from", "1704067200", "--to",
           "1704070800"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--prometheus must be an http:// or https:// URL"), std::string::npos)
      << r.err;

  const std::string csv =
      dir.write("v.csv", "time,variant,metric,value\n1704067200,canary,request-success-rate,x\n");
  r = cli({"replay", "--spec", canary, "--csv", csv, "--from", "1704067200", "--to", "1704070800"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "error: " + csv +
                       ":2: value = \"x\": column 40: must be a number (NaN, +Inf allowed)\n");

  r = cli({"replay", "--spec", canary, "--prometheus", "http://127.0.0.1:1", "--from", "1704067200",
           "--to", "1704060000"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--to = 2023-12-31T22:00:00Z: must be after from"), std::string::npos)
      << r.err;
}

TEST(ReplayCli, TableAndValidateOfAReplayDocument) {
  TempDir dir;
  dir.write("canary.yaml", canaryYaml(2));
  replay::SyntheticLogOptions o;
  o.duration = 1200;
  o.canaryShare = 0.2;
  o.canaryErrorRateAfter = 0.2;
  o.changeAt = 300;
  o.gzip = true;
  replay::writeSyntheticEnvoyLog(dir.file("access.log.gz"), o);
  dir.write("replay.yaml",
            "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\nmetadata:\n  name: logs\n"
            "spec:\n  from: 2024-01-01T00:02:00Z\n  to: 2024-01-01T00:19:00Z\n"
            "  accessLogs:\n    files: [access.log.gz]\n    scrapeInterval: 15s\n");
  auto r = cli({"validate", dir.path()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Replay"), std::string::npos) << r.out;
  r = cli({"replay", "--spec", dir.file("canary.yaml"), "--replay", dir.file("replay.yaml"), "-o",
           "table"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("2024-01-01T00:02:00Z"), std::string::npos);
  EXPECT_NE(r.out.find("outcome: rolled_back"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("canary requests"), std::string::npos);
  // simulate takes the same document where a Scenario would stand.
  const auto s = cli({"simulate", "--spec", dir.file("canary.yaml"), "--scenario",
                      dir.file("replay.yaml"), "-o", "table"});
  EXPECT_EQ(s.code, 0) << s.err;
  EXPECT_EQ(s.out, r.out);
  // --replay excludes the source flags.
  r = cli({"replay", "--spec", dir.file("canary.yaml"), "--replay", dir.file("replay.yaml"),
           "--from", "1"});
  EXPECT_EQ(r.code, 2);
}

}  // namespace
