#pragma once
// A subset of Go's text/template, enough for Flagger's query templates.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace rolloutlab::core::gotmpl {

/// A template value: nil, a string, a string map, an integer, a float or a bool.
struct Value {
  enum class Kind { kNil, kString, kMap, kInt, kFloat, kBool };
  Kind kind = Kind::kNil;
  std::string str;
  std::map<std::string, std::string> map;
  long long i = 0;
  double f = 0;
  bool b = false;

  static Value string(std::string s) {
    Value v;
    v.kind = Kind::kString;
    v.str = std::move(s);
    return v;
  }
  static Value strMap(std::map<std::string, std::string> m) {
    Value v;
    v.kind = Kind::kMap;
    v.map = std::move(m);
    return v;
  }
};

/// A function without arguments (Flagger's model accessors).
using NullaryFunc = std::function<Value()>;

/// Thrown for a template that does not parse ("template parsing failed") or fails to execute
/// ("template excution failed", Flagger's spelling), with Go's message.
struct TemplateError {
  bool parse = false;
  std::string message;
};

/// Executes `tmpl` (named "tmpl", nil data, `missingkey=error`) with the given niladic
/// functions and the builtins printf, print, index and len.
std::string execute(std::string_view tmpl, const std::map<std::string, NullaryFunc>& funcs);

}  // namespace rolloutlab::core::gotmpl
