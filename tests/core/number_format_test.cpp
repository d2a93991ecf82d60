// core::formatNumber / formatFixed / formatGeneral against independent expectations: exact
// read-back (strtod), glibc's printf in the C locale for the fixed and general forms, values
// worked by hand, and the same text when the process's locale writes decimal commas.

#include "rolloutlab/core/number_format.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <clocale>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>

namespace {

using rolloutlab::core::formatFixed;
using rolloutlab::core::formatGeneral;
using rolloutlab::core::formatNumber;

std::string printfText(const char* format, int precision, double v) {
  char buf[512];
  std::snprintf(buf, sizeof buf, format, precision, v);
  return buf;
}

// Finite doubles spread over every exponent: random bit patterns, NaN and infinities skipped.
double randomFinite(std::mt19937_64& rng) {
  for (;;) {
    const std::uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (std::isfinite(v)) return v;
  }
}

}  // namespace

TEST(NumberFormat, ShortestFormReadsBackExactlyForAMillionDoubles) {
  std::mt19937_64 rng(20261206);
  for (int i = 0; i < 1000000; ++i) {
    const double v = randomFinite(rng);
    const std::string text = formatNumber(v);
    char* end = nullptr;
    const double back = std::strtod(text.c_str(), &end);
    ASSERT_EQ(*end, '\0') << text;
    ASSERT_EQ(std::memcmp(&back, &v, sizeof v), 0) << text;
  }
}

TEST(NumberFormat, ShortestFormIsTheShortest) {
  // Values worked by hand: the classic binary fractions and powers.
  EXPECT_EQ(formatNumber(0.1), "0.1");
  EXPECT_EQ(formatNumber(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(formatNumber(1e22), "1e+22");
  EXPECT_EQ(formatNumber(1e21), "1e+21");
  EXPECT_EQ(formatNumber(123456.0), "123456");
  EXPECT_EQ(formatNumber(5e-324), "5e-324");
  EXPECT_EQ(formatNumber(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(formatNumber(-2.5), "-2.5");
}

TEST(NumberFormat, SpecialValues) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(formatNumber(0.0), "0");
  EXPECT_EQ(formatNumber(-0.0), "-0");
  EXPECT_EQ(formatNumber(nan), "nan");
  EXPECT_EQ(formatNumber(-nan), "nan");
  EXPECT_EQ(formatNumber(inf), "inf");
  EXPECT_EQ(formatNumber(-inf), "-inf");
  // The printf forms spell them as printf does.
  for (double v : {0.0, -0.0, nan, -nan, inf, -inf}) {
    for (int p : {0, 2, 6}) {
      EXPECT_EQ(formatFixed(v, p), printfText("%.*f", p, v)) << v << " " << p;
      EXPECT_EQ(formatGeneral(v, p), printfText("%.*g", p, v)) << v << " " << p;
    }
  }
  EXPECT_EQ(formatFixed(-0.0, 2), "-0.00");
  EXPECT_EQ(formatGeneral(inf), "inf");
}

TEST(NumberFormat, FixedAndGeneralAreExactlyPrintfsText) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> precision(0, 17);
  std::uniform_real_distribution<double> moderate(-1e6, 1e6);
  for (int i = 0; i < 200000; ++i) {
    // Half over every exponent, half over the values a report holds (and the halfway cases
    // of binary fractions, where rounding to even is easy to get wrong).
    const double v = i % 4 == 0   ? randomFinite(rng)
                     : i % 4 == 1 ? moderate(rng)
                     : i % 4 == 2 ? std::round(moderate(rng)) / 8.0
                                  : std::round(moderate(rng)) / 1000.0;
    const int p = precision(rng);
    ASSERT_EQ(formatGeneral(v, p), printfText("%.*g", p, v)) << p;
    if (std::fabs(v) < 1e30) {
      ASSERT_EQ(formatFixed(v, p), printfText("%.*f", p, v)) << p;
    }
  }
  EXPECT_EQ(formatGeneral(0.5), "0.5");
  EXPECT_EQ(formatGeneral(1e6), "1e+06");
  EXPECT_EQ(formatGeneral(123456.0), "123456");
  EXPECT_EQ(formatGeneral(0.0001), "0.0001");
  EXPECT_EQ(formatGeneral(0.00001), "1e-05");
  EXPECT_EQ(formatFixed(2.5, 0), "2");  // round half to even, as printf
  EXPECT_EQ(formatFixed(0.125, 2), "0.12");
  EXPECT_EQ(formatFixed(1.7976931348623157e308, 0), printfText("%.*f", 0, 1.7976931348623157e308));
}

// Under a locale with a decimal comma printf writes "0,5"; the formatter does not move.
TEST(NumberFormat, IndependentOfTheLocale) {
  const std::string before = std::setlocale(LC_ALL, nullptr);
  const char* set = std::setlocale(LC_ALL, "de_DE.UTF-8");
  std::filesystem::path generated;
  if (set == nullptr && std::system("command -v localedef >/dev/null 2>&1") == 0 &&
      std::filesystem::exists("/usr/share/i18n/locales/de_DE")) {
    // No de_DE installed: compile one from the i18n sources into a private LOCPATH.
    generated = std::filesystem::temp_directory_path() /
                ("rolloutlab-locale-" + std::to_string(::getpid()));
    std::filesystem::create_directories(generated);
    const std::string cmd = "localedef -i de_DE -f UTF-8 '" + (generated / "de_DE.UTF-8").string() +
                            "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) {
      ::setenv("LOCPATH", generated.c_str(), 1);
      set = std::setlocale(LC_ALL, "de_DE.UTF-8");
    }
  }
  if (set == nullptr) {
    if (!generated.empty()) std::filesystem::remove_all(generated);
    GTEST_SKIP() << "no de_DE.UTF-8 locale and no way to build one";
  }
  const std::string localized = printfText("%.*g", 6, 0.5);
  const std::string general = formatGeneral(0.5);
  const std::string fixed = formatFixed(1234.5, 2);
  const std::string shortest = formatNumber(0.25);
  std::setlocale(LC_ALL, before.c_str());
  ::unsetenv("LOCPATH");
  if (!generated.empty()) std::filesystem::remove_all(generated);
  EXPECT_EQ(localized, "0,5");  // the locale is really in force
  EXPECT_EQ(general, "0.5");
  EXPECT_EQ(fixed, "1234.50");
  EXPECT_EQ(shortest, "0.25");
}
