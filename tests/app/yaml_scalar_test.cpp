// YAML 1.2 core schema resolution of plain scalars when a report is read back (merge): the
// schema's values, and a scalar far longer than any report holds neither crashes nor hangs
// (std::regex, used before, recursed once per character and overflowed the stack).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <string>

#include "rolloutlab/app/output.h"

namespace {

using rolloutlab::app::yamlToJson;

rolloutlab::io::Json plain(const std::string& text) {
  return yamlToJson(YAML::Load("v: " + text))["v"];
}

TEST(YamlScalars, CoreSchema) {
  EXPECT_TRUE(plain("~").is_null());
  EXPECT_TRUE(plain("null").is_null());
  EXPECT_EQ(plain("True"), true);
  EXPECT_EQ(plain("FALSE"), false);
  EXPECT_EQ(plain("12"), 12u);
  EXPECT_EQ(plain("+12"), 12u);
  EXPECT_EQ(plain("-3"), -3);
  EXPECT_EQ(plain("1.5e3"), 1500.0);
  EXPECT_EQ(plain("1."), 1.0);
  EXPECT_EQ(plain(".5"), 0.5);
  EXPECT_EQ(plain("2E-1"), 0.2);
  EXPECT_TRUE(std::isinf(plain("-.inf").get<double>()));
  EXPECT_LT(plain("-.Inf").get<double>(), 0);
  EXPECT_TRUE(std::isnan(plain(".NaN").get<double>()));
  // Not numbers: kept as strings.
  for (const std::string s : {"1e", "+", ".", "1.2.3", "0x1F", "yes", "nan", "12a", "-.e1"}) {
    EXPECT_TRUE(plain(s).is_string()) << s;
    EXPECT_EQ(plain(s), s);
  }
  EXPECT_EQ(plain("'12'"), "12");  // quoted: a string
}

TEST(YamlScalars, AVeryLongScalarDoesNotOverflowTheStack) {
  const std::string digits(200000, '7');
  EXPECT_TRUE(plain(digits).is_number());
  EXPECT_TRUE(plain(digits + "x").is_string());
}

}  // namespace
