#pragma once
// A small JSON reader that remembers where every value starts (line and column, 1-based,
// columns in bytes), so importers can name the line and column of a bad value. RFC 8259;
// numbers keep their text.

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rolloutlab::replay::detail {

struct JsonPos {
  int line = 1;
  int column = 1;
};

struct JsonMember;

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  JsonPos pos;
  bool boolean = false;
  double number = 0;
  std::string text;                 // kString: the decoded string; kNumber: the number as written
  std::vector<JsonValue> items;     // kArray
  std::vector<JsonMember> members;  // kObject, in order
  /// kArray whose items went to a JsonArraySink instead of `items`: the id the sink was given.
  std::ptrdiff_t sunk = -1;

  /// The member named `key`, or nullptr.
  const JsonValue* find(std::string_view key) const;
  const char* typeName() const;
};

/// A key and its value, in an object. (Not a std::pair: clang 14 with libstdc++ 12 rejects a
/// std::pair of the still-incomplete JsonValue inside JsonValue in C++20.)
struct JsonMember {
  JsonMember(std::string k, JsonValue v) : first(std::move(k)), second(std::move(v)) {}
  std::string first;
  JsonValue second;
};

class JsonSyntaxError : public std::runtime_error {
 public:
  JsonSyntaxError(JsonPos p, const std::string& what) : std::runtime_error(what), pos(p) {}
  JsonPos pos;
};

/// Where a value sits: member keys and array indexes from the root.
struct JsonPathSegment {
  std::string_view key;  ///< a member's key, when !isIndex
  std::size_t index = 0;
  bool isIndex = false;
};
using JsonPath = std::vector<JsonPathSegment>;

/// `data.result[3].values`: keys joined by '.', indexes in brackets.
std::string formatJsonPath(const JsonPath& path);

/// Keeps a big document's bulk out of the tree: the items of every array that is the value
/// of a member named `key` go to `take` one at a time (parsed, with their positions) instead
/// of into `items`. Such an array is left with no items and `sunk` set to the id given to
/// `take` (0, 1, ... in document order). `take` may throw to refuse an item.
struct JsonArraySink {
  std::string key;
  std::function<void(std::size_t arrayId, const JsonPath& arrayPath, std::size_t index,
                     JsonValue&& item)>
      take;
};

/// Parses one JSON document (surrounding whitespace allowed). Throws JsonSyntaxError.
JsonValue parseJson(std::string_view text, const JsonArraySink* sink = nullptr);

}  // namespace rolloutlab::replay::detail
