#pragma once
/// The CI-native renderings of a CheckReport (the document `rolloutlab check -o json` prints;
/// docs/ci.md shows each one): JUnit XML, SARIF 2.1.0, a Markdown summary for a pull-request
/// comment or `$GITHUB_STEP_SUMMARY`, and GitHub Actions workflow commands.
///
/// Each function is pure: it reads only the report (no clock, no environment, no files), so the
/// same report gives the same bytes. Missing or null fields are tolerated (rendered as unknown)
/// so that a saved or hand-edited report never crashes a renderer; strings are sanitised for the
/// target format (invalid UTF-8 becomes U+FFFD).

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace rolloutlab::app {

/// JUnit XML: one `<testsuite name="rolloutlab check">` with one `<testcase>` per spec
/// (classname `Kind/namespace`, name the spec's name, `file` its manifest) and one per report
/// error (an `<error>`). A failing spec has `<failure type="violated">` naming each violated
/// constraint with its estimate and 95% interval; an undecided spec has
/// `<failure type="undecided">` (undecided does not pass, so it is not `<skipped/>`).
/// `timestamp` is the epoch and every `time` is 0: the document carries no wall clock.
std::string renderCheckJUnit(const nlohmann::json& report);

/// SARIF 2.1.0 (one run; tool.driver rolloutlab with one rule per measure and one for bad
/// input): a result per violated (level error) or undecided (level warning) constraint at the
/// manifest field to change (`blame`), and per report error. Paths are repository-relative
/// under uriBaseId `%SRCROOT%`; partialFingerprints hash what the finding is about (spec, rule,
/// measure, scenario, field), not where it is, so they survive edits above it.
std::string renderCheckSarif(const nlohmann::json& report);

/// GitHub's comment body limit is 65,536 characters; the Markdown stays under this many bytes.
inline constexpr std::size_t kCheckMarkdownLimit = 65000;

/// Markdown: a heading with the verdict and counts, then per spec its scenario table
/// (promoted / rolled back, escapes for bad releases, with 95% intervals), its constraints
/// (✅ met, ❌ violated, ❔ undecided) and, when the report has a suggestion, what to change.
/// When the text would exceed `limit` bytes, passing specs shrink to one line each, then the
/// last spec sections are left out with a note saying how many.
std::string renderCheckMarkdown(const nlohmann::json& report,
                                std::size_t limit = kCheckMarkdownLimit);

/// GitHub Actions workflow commands, one a line: `::error` per violated constraint and per
/// report error, `::warning` per undecided constraint, at the blamed manifest line and column,
/// and `::notice` per suggested change of a TuningSpace. Escaped by the workflow-command rules.
std::string renderCheckGithub(const nlohmann::json& report);

}  // namespace rolloutlab::app
