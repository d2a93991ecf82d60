#pragma once
// The fixture of the `rolloutlab judge` tests: a scratch folder per test, files written into
// it, and the command run in-process with its exit code and both streams.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "rolloutlab/app/judge_command.h"

namespace rolloutlab::test {

struct JudgeResult {
  int code;
  std::string out;
  std::string err;
};

class JudgeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("rolloutlab_") + info->test_suite_name() + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  JudgeResult run(std::vector<std::string> args, const std::string& stdinText = "") {
    std::istringstream in(stdinText);
    std::ostringstream out, err;
    const int code = rolloutlab::app::runJudgeCommand(args, in, out, err);
    return {code, out.str(), err.str()};
  }
  std::filesystem::path dir_;
};

}  // namespace rolloutlab::test
