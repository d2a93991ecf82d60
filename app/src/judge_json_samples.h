#pragma once
/// The JSON form of the judge command's sample files, {"metric": [numbers or null, ...], ...},
/// read as a stream: an nlohmann::json SAX parser hands each number to the caller as it is
/// read, so memory follows the values kept, never the text. The input comes through a
/// core::LineReader, so the bounded-input limits of every line-based reader hold (a NUL byte is
/// refused at once, a line longer than 4 MiB as soon as it passes the limit), and each error is
/// one line naming the file, the line, the field (`metric[index]`) and the rule.

#include <functional>
#include <string>

#include "rolloutlab/core/bounded_input.h"

namespace rolloutlab::app {

struct JsonSampleSink {
  /// A metric's array begins; false when that name came before (a duplicate metric).
  std::function<bool(const std::string& metric)> metric;
  /// The next value of the current metric, in file order (NaN for null).
  std::function<void(double value)> value;
};

/// Reads one JSON sample document: `first` (the line `lines` last returned, when not null) and
/// then the rest of `lines`. Throws core::InputError at the first problem: not an object, a
/// metric that is not an array, a duplicate metric, an element that is not a number or null
/// (strings, booleans, nested values; NaN and infinities are not JSON), a number beyond the
/// double range, or syntax (truncation, trailing text).
void readJsonSamples(core::LineReader& lines, const std::string* first, const JsonSampleSink& sink);

}  // namespace rolloutlab::app
