#include "test_support.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace rolloutlab::test {
std::string sharedDir() { return ROLLOUTLAB_SHARED_DIR; }
std::string dataDir() { return ROLLOUTLAB_TEST_DATA_DIR; }
std::string sourceDir() { return ROLLOUTLAB_SOURCE_DIR; }
std::string binDir() { return ROLLOUTLAB_BIN_DIR; }
std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace rolloutlab::test
