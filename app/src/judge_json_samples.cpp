#include "judge_json_samples.h"

#include <cctype>
#include <cstdint>
#include <cstring>
#include <istream>
#include <limits>
#include <nlohmann/json.hpp>
#include <streambuf>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/samples.h"

namespace rolloutlab::app {

namespace {

// The lines of a LineReader as a character stream, one line (and its "\n") at a time, so the
// line being parsed is always known: a token never spans lines in JSON (strings hold no raw
// newline), and a number's one character of lookahead is the "\n" of its own line at worst.
class LineStreamBuf : public std::streambuf {
 public:
  LineStreamBuf(core::LineReader& lines, const std::string* first) : lines_(lines) {
    if (first != nullptr) serve(*first);
  }
  int line() const { return line_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    std::string next;
    if (!lines_.next(next)) return traits_type::eof();
    serve(next);
    return traits_type::to_int_type(*gptr());
  }

 private:
  void serve(const std::string& text) {
    text_ = text;
    text_ += '\n';
    line_ = lines_.lineNumber();
    setg(text_.data(), text_.data(), text_.data() + text_.size());
  }

  core::LineReader& lines_;
  std::string text_;
  int line_ = 0;
};

[[noreturn]] void fail(const std::string& file, int line, const std::string& field,
                       const std::string& value, const std::string& rule) {
  core::Diagnostic d;
  d.file = file;
  d.line = line;
  d.field = field;
  d.value = value;
  d.rule = rule;
  throw core::InputError(d);
}

// nlohmann::json's SAX interface (json_sax): depth 0 is outside the document, 1 inside the
// top-level object, 2 inside a metric's array. Every callback either takes the token or throws.
class Handler {
 public:
  Handler(const std::string& file, const LineStreamBuf& buf, const JsonSampleSink& sink)
      : file_(file), buf_(buf), sink_(sink) {}

  bool null() { return number(std::numeric_limits<double>::quiet_NaN()); }
  bool boolean(bool b) { wrong(core::quoted(b ? "true" : "false")); }
  bool number_integer(std::int64_t v) { return number(static_cast<double>(v)); }
  bool number_unsigned(std::uint64_t v) { return number(static_cast<double>(v)); }
  bool number_float(double v, const std::string& /*text*/) { return number(v); }
  bool string(std::string& s) { wrong(core::quoted(s)); }
  bool binary(nlohmann::json::binary_t& /*b*/) { wrong(""); }
  bool start_object(std::size_t /*elements*/) {
    seen_ = true;
    if (depth_ != 0) wrong("");
    depth_ = 1;
    return true;
  }
  bool key(std::string& k) {
    key_ = std::move(k);
    keyLine_ = buf_.line();
    return true;
  }
  bool end_object() {
    depth_ = 0;
    return true;
  }
  bool start_array(std::size_t /*elements*/) {
    seen_ = true;
    if (depth_ != 1) wrong("");
    if (!sink_.metric(key_)) fail(file_, keyLine_, key_, "", "duplicate metric");
    depth_ = 2;
    index_ = 0;
    return true;
  }
  bool end_array() {
    depth_ = 1;
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& lastToken,
                   const nlohmann::json::exception& ex) {
    std::string what = ex.what();
    // Nothing but blanks: the document is missing, not malformed.
    if (!seen_ &&
        what.find("unexpected end of input; expected '[', '{', or a literal") != std::string::npos)
      fail(file_, 0, "", "", kNotAnObject);
    // A number beyond the double range (out_of_range.406): the element's error.
    if (ex.id == 406) wrong(core::quoted(lastToken));
    // "[json.exception.parse_error.101] parse error at line 3, column 1: syntax error ..."
    const std::size_t colon = what.find(": ");
    if (colon != std::string::npos) what.erase(0, colon + 2);
    // The lexer's last text may begin before the token ("0.02,<U+000A>  N"): only the token's
    // own trailing characters are shown.
    std::size_t from = lastToken.size();
    while (from > 0 && (std::isalnum(static_cast<unsigned char>(lastToken[from - 1])) != 0 ||
                        std::strchr(".+-", lastToken[from - 1]) != nullptr))
      --from;
    const std::string token = lastToken.substr(from);
    const std::string lastRead = "; last read: '";
    const std::size_t at = what.find(lastRead);
    const std::size_t close = at == std::string::npos ? at : what.find('\'', at + lastRead.size());
    if (close != std::string::npos && !token.empty())
      what.replace(at + lastRead.size(), close - at - lastRead.size(), token);
    // NaN, nan, Infinity, -inf: what other writers print for values JSON cannot hold (the
    // words the CSV form reads as NaN and infinities, io::readSampleNumber).
    if (io::beginsNonFiniteWord(token))
      what += " (NaN and infinities are not JSON: write null for a missing value)";
    fail(file_, buf_.line(), "", "", "not valid JSON: " + what);
  }

 private:
  static constexpr const char* kNotAnObject = "must be an object {\"metric\": [numbers...]}";

  bool number(double v) {
    seen_ = true;
    if (depth_ != 2) wrong("");
    sink_.value(v);
    ++index_;
    return true;
  }
  // A token where it does not belong, shown as `value`.
  [[noreturn]] void wrong(const std::string& value) {
    if (depth_ == 0) fail(file_, buf_.line(), "", "", kNotAnObject);
    if (depth_ == 1) fail(file_, buf_.line(), key_, "", "must be an array of numbers");
    fail(file_, buf_.line(), key_ + "[" + std::to_string(index_) + "]", value,
         "must be a number or null");
  }

  const std::string& file_;
  const LineStreamBuf& buf_;
  const JsonSampleSink& sink_;
  int depth_ = 0;
  bool seen_ = false;
  std::string key_;
  int keyLine_ = 0;
  long long index_ = 0;
};

}  // namespace

void readJsonSamples(core::LineReader& lines, const std::string* first,
                     const JsonSampleSink& sink) {
  LineStreamBuf buf(lines, first);
  std::istream in(&buf);
  Handler handler(lines.name(), buf, sink);
  nlohmann::json::sax_parse(in, &handler);
}

}  // namespace rolloutlab::app
