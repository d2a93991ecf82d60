// The SHA-256 of inputs that reports carry (io::sha256Hex, through OpenSSL's libcrypto): the
// digests coreutils' sha256sum prints for the same bytes, so reports keep the values they had.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/documents.h"
#include "test_support.h"

namespace {

using rolloutlab::io::sha256Hex;
using rolloutlab::test::runCommand;
using rolloutlab::test::shellQuote;

// The digest sha256sum prints for a file.
std::string sha256sum(const std::string& path) {
  const auto r = runCommand("sha256sum " + shellQuote(path));
  EXPECT_EQ(r.status, 0) << r.out;
  return r.out.substr(0, r.out.find(' '));
}

TEST(InputHash, KnownDigests) {
  // FIPS 180-4's long example: a million 'a'.
  EXPECT_EQ(sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Every byte value four times over, as `sha256sum` printed for it.
  std::string bytes;
  for (int k = 0; k < 4; ++k) {
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  }
  EXPECT_EQ(sha256Hex(bytes), "785b0751fc2c53dc14a4ce3d800e69ef9ce1009eb327ccf458afe09c242c26c9");
}

// Lengths around the 64-byte block and its 56-byte padding limit, each against sha256sum.
TEST(InputHash, AgreesWithSha256sumAcrossBlockBoundaries) {
  char tmpl[] = "/tmp/rolloutlab-sha-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  for (std::size_t n : {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 4097}) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text.push_back(static_cast<char>((i * 131 + 7) % 256));
    const std::string path = dir + "/f" + std::to_string(n);
    std::ofstream(path, std::ios::binary) << text;
    EXPECT_EQ(sha256Hex(text), sha256sum(path)) << n << " bytes";
    std::remove(path.c_str());
  }
  std::remove(dir.c_str());
}

// A batch report's inputs[] names each file read with the digest sha256sum gives for it.
TEST(InputHash, BatchReportInputsCarrySha256sumDigests) {
  const std::string spec = rolloutlab::test::sourceDir() + "/examples/apps/podinfo/canary.yaml";
  const std::string scenario =
      rolloutlab::test::sourceDir() + "/scenarios/library/good-low-traffic.yaml";
  const auto specs = rolloutlab::app::loadWorkspace({spec});
  const auto scen = rolloutlab::app::loadWorkspace({scenario});
  ASSERT_EQ(specs.diagnostics.errors(), 0);
  ASSERT_EQ(scen.diagnostics.errors(), 0);
  std::vector<rolloutlab::io::FileIdentity> inputs = specs.files;
  inputs.insert(inputs.end(), scen.files.begin(), scen.files.end());
  rolloutlab::app::BatchOptions o;
  o.runs = 1;
  const auto report = rolloutlab::app::batchJson(rolloutlab::app::runBatch(
      rolloutlab::app::batchSpecs(specs, "istio"), scen.scenarios, inputs, o));
  ASSERT_EQ(report["inputs"].size(), 2u);
  for (const auto& in : report["inputs"]) {
    const std::string path = in["path"];
    EXPECT_EQ(in["sha256"], sha256sum(path)) << path;
  }
}

}  // namespace
