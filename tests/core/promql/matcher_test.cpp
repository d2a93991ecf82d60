// Label matchers with Go RE2 semantics (Prometheus 2.42 compiles `^(?:v)$` with Go's regexp).
// Expectations follow Go's regexp/syntax documentation (https://pkg.go.dev/regexp/syntax).
#include "rolloutlab/core/promql/matcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

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

TEST(LabelRegex, RejectsWhatGoRejectsButRe2Accepts) {
  // RE2's \C (any byte) is not Go syntax (regexp/syntax parseEscape); inside \Q...\E it is text.
  EXPECT_EQ(err("a\\Cb"), "error parsing regexp: invalid escape sequence: `\\C`");
  EXPECT_TRUE(m("\\Qa\\Cb\\E", "a\\Cb"));
}

TEST(LabelRegex, UnicodeClassesAsGo) {
  // Go's UnicodeGroups: \pL (one-letter name), \p{Greek} (script), \PL (negated), [\p{Lu}].
  EXPECT_TRUE(m("\\pL+", "podinfo"));
  EXPECT_TRUE(m("\\pL+",
                "\xC3\xA9t\xC3\xA9"));       // été: letters beyond ASCII
  EXPECT_FALSE(m("\\pL+", "pod1"));          // a digit is not a letter
  EXPECT_TRUE(m("\\pN+", "12\xD9\xA3"));     // U+0663 ARABIC-INDIC DIGIT THREE is a number
  EXPECT_TRUE(m("\\p{Greek}", "\xCE\xB1"));  // α
  EXPECT_FALSE(m("\\p{Greek}", "a"));
  EXPECT_TRUE(m("\\PL", "5"));
  EXPECT_TRUE(m("[\\p{Lu}]x", "\xC3\x89x"));  // É is an upper-case letter
  EXPECT_EQ(err("\\p{Nope}"), "error parsing regexp: invalid character class range: `\\p{Nope}`");
  // Case folding covers all of Unicode's simple folds, not only ASCII.
  EXPECT_TRUE(m("(?i)\xC3\xA9", "\xC3\x89"));  // é ~ É
}

TEST(LabelRegex, FlagsGoAccepts) {
  EXPECT_TRUE(m("(?m)^a$\nb", "a\nb"));  // m: ^ and $ at line breaks as well
  EXPECT_FALSE(m("^a$\nb", "a\nb"));     // without it, $ is the end of the text
  EXPECT_TRUE(m("^*a", "a"));            // a repeated empty-width assertion, as Go allows
}

TEST(LabelRegex, InvalidUtf8InAValueReadsAsReplacementRunes) {
  // Go's regexp reads each invalid byte as U+FFFD: one rune for `.`, and \x{FFFD} matches it.
  EXPECT_TRUE(m("a.b",
                "a\xFF"
                "b"));
  EXPECT_FALSE(m("a.b",
                 "a\xFF\xFE"
                 "b"));
  EXPECT_TRUE(m("a..b",
                "a\xFF\xFE"
                "b"));
  EXPECT_TRUE(m("a\\x{FFFD}b",
                "a\xFF"
                "b"));
}

TEST(LabelRegex, NoCatastrophicBacktracking) {
  // `(a+)+$` against "aaa...ab" takes exponential time in a backtracking engine (the old
  // std::wregex: 0.55 s at 22 characters, doubling with each more); RE2 is linear in the value.
  // 100 000 characters: a generous bound of 1 s (a few ms measured) even under sanitizers.
  const std::string value = std::string(100000, 'a') + "b";
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(m("(a+)+$", value));
  EXPECT_FALSE(m("(a|aa)*c", value));
  EXPECT_TRUE(m("(a+)+b", value));
  // Deep nesting does not recurse on the stack at match time either.
  EXPECT_TRUE(m("(?:(?:(?:(?:(?:a*)*)*)*)*)b", value));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(seconds, 1.0);
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
