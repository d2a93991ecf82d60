// Go text/template prints a float64 with fmt.Fprint, i.e. fmt's %v: strconv 'g' with the
// shortest digits and the exponent form from exponent 6 on (go/src/strconv/ftoa.go, `if
// shortest { eprec = 6 }`). Expected texts are what `fmt.Println` prints for these values.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "rolloutlab/core/go/template.h"

namespace gotmpl = rolloutlab::core::gotmpl;

namespace {

std::string run(const std::string& tmpl) {
  try {
    return gotmpl::execute(tmpl, {});
  } catch (const gotmpl::TemplateError& e) {
    return "error: " + e.message;
  }
}

}  // namespace

TEST(GoTemplate, FloatLiteralsPrintAsFmtPrintsThem) {
  EXPECT_EQ(run("{{ 0.5 }}"), "0.5");
  EXPECT_EQ(run("{{ 123456.5 }}"), "123456.5");
  EXPECT_EQ(run("{{ 123456789.0 }}"), "1.23456789e+08");
  EXPECT_EQ(run("{{ 1e6 }}"), "1e+06");
  EXPECT_EQ(run("{{ 2.5e-7 }}"), "2.5e-07");
  EXPECT_EQ(run("{{ 0.0001 }}"), "0.0001");
  EXPECT_EQ(run("{{ 1000000 }}"), "1000000");  // an integer constant stays an int
  EXPECT_EQ(run("{{ printf \"%v s\" 1.5e9 }}"), "1.5e+09 s");
}
