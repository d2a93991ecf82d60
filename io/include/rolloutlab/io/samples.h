#pragma once
/// The one reader of numeric sample files: `rolloutlab stats` (a sample of values) and
/// `rolloutlab judge` (samples of named metrics, in CSV). The file is streamed: one line at a
/// time through a core::LineReader (a NUL byte refused at once, a line past 4 MiB as soon as
/// it passes), at most `SampleOptions::maxBytes` in all (core::kMaxDataFileBytes), and each
/// value is handed to the caller as it is read, so memory follows the values the caller keeps,
/// never the text. Every error is a core::InputError naming the file, the line, the column
/// (Diagnostic::column, 1-based), the field, the value as written and the rule.
///
/// The forms:
///   - kValues: one number per line; blank lines and `#` comments skipped (stats);
///   - kJsonArray: one JSON array of numbers over any number of lines (stats);
///   - kColumn: CSV, a single column of numbers, with an optional header that names it (judge);
///   - kMetricValue: CSV with the header `metric,value` (judge);
///   - kTimeMetricValue: CSV with the header `time,metric,value` (judge).
/// The JSON object form of the judge ({"metric": [numbers or null]}) has its own streamed
/// reader (app/src/judge_json_samples.cpp); it shares the number rules below.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rolloutlab/core/bounded_input.h"

namespace rolloutlab::io {

// --- the number rules ---------------------------------------------------------------------------

enum class NumberClass {
  kFinite,      ///< a finite number
  kNaN,         ///< a missing-value spelling: NaN, nan, .nan, .NaN, NA (or from_chars' nan)
  kInfinite,    ///< an infinity: inf, +inf, .inf, Inf, -inf, -.inf, -Inf, Infinity, ...
  kNotANumber,  ///< anything else: a word, an empty token, a number beyond the double range
};

struct SampleNumber {
  NumberClass kind = NumberClass::kNotANumber;
  double value = 0.0;  ///< the number (NaN for kNaN and kNotANumber, +-inf for kInfinite)
};

/// A token as a sample value, whatever the process's locale: surrounding blanks are ignored,
/// one leading `+` is allowed before a number, and the number is what std::from_chars reads
/// whole (decimal or exponent form; also its case-insensitive nan, inf and infinity), plus the
/// spellings other writers print for missing values and infinities (R's NA, YAML's .nan, .inf).
SampleNumber readSampleNumber(std::string_view token);

/// Whether `token`, a token the JSON lexer stopped on ("N", "na", "-I"), begins one of the
/// NaN or infinity words of readSampleNumber (after one optional sign): a value JSON cannot
/// hold, worth a hint to write null instead.
bool beginsNonFiniteWord(std::string_view token);

// --- the reader ---------------------------------------------------------------------------------

enum class SampleForm {
  kUnknown,  ///< nothing but blank lines and comments read so far
  kValues,
  kJsonArray,
  kColumn,
  kMetricValue,
  kTimeMetricValue,
};

struct SampleOptions {
  enum class Layout {
    /// One number per line or a JSON array (stats). Every value must be finite: a word is
    /// `not a number`, NaN and infinities `must be a finite number`. An empty file is no error
    /// (zero values).
    kValues,
    /// CSV (judge): a single column, `metric,value` or `time,metric,value`. An empty value or
    /// a NaN spelling is a missing value (NaN), infinities are kept, a word `must be a number
    /// (or empty/NaN)`; times must be finite. A file without values is an error.
    kCsv,
  };
  Layout layout = Layout::kValues;
  /// kValues: the field that errors name (`x`, for `--x`).
  std::string field;
  /// The whole input is refused past this many bytes.
  std::uint64_t maxBytes = core::kMaxDataFileBytes;
};

/// One value, with where it came from.
struct Sample {
  double value = 0.0;
  /// kTimeMetricValue: the time in seconds; NaN in the other forms.
  double time = 0.0;
  /// kMetricValue and kTimeMetricValue: the metric; kColumn: the header's name, "" when the
  /// column has none; "" in the kValues and kJsonArray forms.
  std::string metric;
  int line = 0;    ///< 1-based
  int column = 0;  ///< 1-based: where the value's text begins
};

class SampleReader {
 public:
  /// Reads the lines of `lines` (its name is the file errors name). When `first` is not null,
  /// it is the line `lines` returned last and is read before the rest (a caller that looked at
  /// the first line to tell the form of the file).
  SampleReader(core::LineReader& lines, SampleOptions options, const std::string* first = nullptr);

  /// The next value, in file order; false at the end of the input. Throws core::InputError at
  /// the first problem.
  bool next(Sample& out);

  /// The form, once the first line that is not blank (or a comment) has been read.
  SampleForm form() const { return form_; }

 private:
  bool nextLine();
  bool fromJson(Sample& out);
  bool fromCsv(Sample& out);
  /// Throws the error at `column` of the line being read; a negative column: the whole input.
  [[noreturn]] void fail(int column, const std::string& field, const std::string& value,
                         const std::string& rule) const;

  core::LineReader& lines_;
  SampleOptions options_;
  SampleForm form_ = SampleForm::kUnknown;
  std::string line_;
  int lineNumber_ = 0;
  bool pending_ = false;    // line_ holds the caller's first line, not read yet
  std::size_t pos_ = 0;     // kJsonArray: where the scan of line_ resumes
  bool haveLine_ = false;   // kJsonArray: line_ still holds text to scan
  int jsonState_ = 0;       // kJsonArray: see samples.cpp
  std::string columnName_;  // kColumn: the header's name
  bool named_ = false;      // kColumn: the column has a header
  struct Cell {
    std::string text;  // trimmed, quotes dropped
    int column = 0;    // 1-based: its first non-blank character
  };
  std::vector<Cell> cells_;  // kCsv: the cells of the line being read
  bool sawValue_ = false;
  std::uint64_t bytes_ = 0;
};

}  // namespace rolloutlab::io
