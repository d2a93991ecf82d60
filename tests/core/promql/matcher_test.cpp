// Label matchers with Go RE2 semantics (Prometheus compiles `^(?:v)$` with Go's regexp).
// Expectations follow Go's regexp/syntax documentation (https://pkg.go.dev/regexp/syntax).
#include "rolloutlab/core/promql/matcher.h"

#include <gtest/gtest.h>

namespace {

using namespace rolloutlab::core::promql;

bool m(const std::string& re, const std::string& value) { return LabelRegex(re).matches(value); }

std::string err(const std::string& re) {
  try {
    LabelRegex r(re);
  } catch (const RegexError& e) {
    return e.what();
  }
  return "(compiled)";
}

TEST(LabelRegex, FullyAnchored) {
  EXPECT_TRUE(m("podinfo", "podinfo"));
  EXPECT_FALSE(m("podinfo", "podinfo-primary"));
  EXPECT_FALSE(m("podinfo", "x-podinfo"));
  EXPECT_TRUE(m("5.*", "503"));
  EXPECT_FALSE(m("5.*", "200"));
  EXPECT_TRUE(m("a|ab", "ab"));  // full match, whatever alternative comes first
  EXPECT_TRUE(m("", ""));
  EXPECT_FALSE(m("", "x"));
  EXPECT_TRUE(m("podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", "podinfo-7d9f8-x2k4q"));
  EXPECT_FALSE(m("podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", "podinfo-7d9f8"));
}

TEST(LabelRegex, CaseInsensitiveFlag) {
  EXPECT_TRUE(m("(?i)podinfo", "PodInfo"));
  EXPECT_TRUE(m("(?i)[a-c]x", "Bx"));
  EXPECT_FALSE(m("(?i)[^a-c]x", "Bx"));
  EXPECT_TRUE(m("a(?i)b", "aB"));
  EXPECT_FALSE(m("a(?i)b", "AB"));
  EXPECT_TRUE(m("(?i:a)b", "Ab"));
  EXPECT_FALSE(m("(?i:a)b", "AB"));
  EXPECT_TRUE(m("(?i)k", "\xE2\x84\xAA"));  // U+212A KELVIN SIGN folds to k in Go
  EXPECT_TRUE(m("(?i-i)a|(?i)b", "B"));
}

TEST(LabelRegex, DotMatchesOneRuneButNotNewline) {
  EXPECT_TRUE(m("a.b",
                "a\xC3\xA9"
                "b"));  // é is one rune
  EXPECT_FALSE(m("a..b",
                 "a\xC3\xA9"
                 "b"));
  EXPECT_FALSE(m("a.b", "a\nb"));
  EXPECT_TRUE(m("(?s)a.b", "a\nb"));
  EXPECT_TRUE(m("a.b", "a\rb"));  // unlike ECMAScript, RE2's dot matches \\r
}

TEST(LabelRegex, ClassesAndEscapes) {
  EXPECT_TRUE(m("\\d+", "123"));
  EXPECT_FALSE(m("\\d+", "12a"));
  EXPECT_TRUE(m("\\w+", "a_Z9"));
  EXPECT_TRUE(m("\\s", " "));
  EXPECT_FALSE(m("\\s", "\v"));  // RE2 \s is [\t\n\f\r ]
  EXPECT_TRUE(m("[[:alpha:]]+", "abc"));
  EXPECT_TRUE(m("[[:^digit:]]", "x"));
  EXPECT_TRUE(m("[\\d.]+", "1.5"));
  EXPECT_TRUE(m("[]a]", "]"));  // ] first in a class is literal
  EXPECT_TRUE(m("[^]a]", "b"));
  EXPECT_TRUE(m("[a-]", "-"));
  EXPECT_TRUE(m("[a-c-e]", "-"));  // Perl: - anywhere
  EXPECT_TRUE(m("\\.\\-\\/", ".-/"));
  EXPECT_TRUE(m("\\x41\\x{42}\\101", "ABA"));
  EXPECT_TRUE(m("\\Qa.b\\E", "a.b"));
  EXPECT_FALSE(m("\\Qa.b\\E", "axb"));
  EXPECT_TRUE(m("\\Aab\\z", "ab"));
  EXPECT_TRUE(m("a\\b", "a"));
}

TEST(LabelRegex, Repetitions) {
  EXPECT_TRUE(m("a{2,3}", "aaa"));
  EXPECT_FALSE(m("a{2,3}", "aaaa"));
  EXPECT_TRUE(m("a{2,}", "aaaaa"));
  EXPECT_TRUE(m("a{2}", "aa"));
  EXPECT_TRUE(m("a{,2}", "a{,2}"));  // not a repetition in RE2: literal text
  EXPECT_TRUE(m("x{", "x{"));
  EXPECT_TRUE(m("a*?b", "aab"));
  EXPECT_TRUE(m("(?U)a+", "aaa"));
  EXPECT_TRUE(m("(?P<name>a+)b", "aab"));
}

TEST(LabelRegex, RejectsWhatGoRejects) {
  EXPECT_EQ(err("(?=x)"), "error parsing regexp: invalid or unsupported Perl syntax: `(?=`");
  EXPECT_EQ(err("(?<n>x)"), "error parsing regexp: invalid or unsupported Perl syntax: `(?<`");
  EXPECT_EQ(err("a{2,1}"), "error parsing regexp: invalid repeat count: `{2,1}`");
  EXPECT_EQ(err("a{1001}"), "error parsing regexp: invalid repeat count: `{1001}`");
  EXPECT_EQ(err("a**"), "error parsing regexp: invalid nested repetition operator: `**`");
  EXPECT_EQ(err("*a"), "error parsing regexp: missing argument to repetition operator: `*`");
  EXPECT_EQ(err("(a"), "error parsing regexp: missing closing ): `(a`");
  EXPECT_EQ(err("a)"), "error parsing regexp: unexpected ): `a)`");
  EXPECT_EQ(err("[a"), "error parsing regexp: missing closing ]: `[a`");
  EXPECT_EQ(err("[z-a]"), "error parsing regexp: invalid character class range: `z-a`");
  EXPECT_EQ(err("\\1"), "error parsing regexp: invalid escape sequence: `\\1`");
  EXPECT_EQ(err("\\q"), "error parsing regexp: invalid escape sequence: `\\q`");
  EXPECT_EQ(err("a\\"), "error parsing regexp: trailing backslash at end of expression");
  EXPECT_EQ(err("a\xff"), "error parsing regexp: invalid UTF-8: `a\xff`");
  EXPECT_EQ(err("x(?)y"), "(compiled)");  // an empty flag group is accepted by Go
}

TEST(LabelRegex, RejectsWhatItCannotTranslate) {
  EXPECT_EQ(err("\\pL"),
            "error parsing regexp: Unicode character classes are not supported: `\\pL`");
  EXPECT_EQ(err("(?m)^a$"),
            "error parsing regexp: the regexp flag m (multi-line) is not supported: `(?m`");
  EXPECT_EQ(err("^*"), "error parsing regexp: repetition of an assertion is not supported: `*`");
}

TEST(Matcher, AbsentLabelsMatchAsEmpty) {
  const auto ne = Matcher::make(MatchType::kNotEqual, "canary", "");
  EXPECT_FALSE(ne.matches(""));
  EXPECT_TRUE(ne.matches("true"));
  const auto nre = Matcher::make(MatchType::kNotRegex, "code", "5.*");
  EXPECT_TRUE(nre.matches(""));
  EXPECT_FALSE(nre.matches("503"));
  EXPECT_EQ(nre.toString(), "code!~\"5.*\"");
  EXPECT_THROW(Matcher::make(MatchType::kRegex, "a", "("), RegexError);
}

}  // namespace
