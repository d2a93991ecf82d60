#include "json_dom.h"

#include <charconv>
#include <cstdint>

namespace rolloutlab::replay::detail {

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const auto& [k, v] : members) {
    if (k == key) return &v;
  }
  return nullptr;
}

const char* JsonValue::typeName() const {
  switch (type) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "boolean";
    case Type::kNumber:
      return "number";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
  }
  return "?";
}

namespace {

constexpr int kMaxDepth = 256;

class Parser {
 public:
  Parser(std::string_view s, const JsonArraySink* sink) : s_(s), sink_(sink) {}

  JsonValue document() {
    skipSpace();
    JsonValue v = value(0, nullptr);
    skipSpace();
    if (i_ < s_.size()) fail("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) { throw JsonSyntaxError(pos(), what); }

  JsonPos pos() const { return {line_, static_cast<int>(i_ - lineStart_) + 1}; }

  void skipSpace() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\n') {
        ++line_;
        lineStart_ = ++i_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++i_;
      } else {
        break;
      }
    }
  }

  // `key`: the member key this value belongs to (nullptr for the root and array items).
  JsonValue value(int depth, const std::string* key) {
    if (depth > kMaxDepth) fail("JSON nested too deeply");
    if (i_ >= s_.size()) fail("unexpected end of input, expected a value");
    JsonValue v;
    v.pos = pos();
    const char c = s_[i_];
    if (c == '{') {
      v.type = JsonValue::Type::kObject;
      ++i_;
      skipSpace();
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return v;
      }
      for (;;) {
        skipSpace();
        if (i_ >= s_.size() || s_[i_] != '"') fail("expected a string key");
        std::string name = string();
        skipSpace();
        if (i_ >= s_.size() || s_[i_] != ':') fail("expected ':' after an object key");
        ++i_;
        skipSpace();
        path_.push_back({name, 0, false});
        JsonValue member = value(depth + 1, &name);
        path_.pop_back();
        v.members.emplace_back(std::move(name), std::move(member));
        skipSpace();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == '}') {
          ++i_;
          return v;
        }
        fail("expected ',' or '}' in an object");
      }
    }
    if (c == '[') {
      v.type = JsonValue::Type::kArray;
      ++i_;
      skipSpace();
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return v;
      }
      const bool sunk = sink_ != nullptr && key != nullptr && *key == sink_->key;
      if (sunk) v.sunk = static_cast<std::ptrdiff_t>(sunkArrays_++);
      for (std::size_t index = 0;; ++index) {
        skipSpace();
        path_.push_back({{}, index, true});
        JsonValue item = value(depth + 1, nullptr);
        path_.pop_back();
        if (sunk) {
          sink_->take(static_cast<std::size_t>(v.sunk), path_, index, std::move(item));
        } else {
          v.items.push_back(std::move(item));
        }
        skipSpace();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == ']') {
          ++i_;
          return v;
        }
        fail("expected ',' or ']' in an array");
      }
    }
    if (c == '"') {
      v.type = JsonValue::Type::kString;
      v.text = string();
      return v;
    }
    if (literal("true")) {
      v.type = JsonValue::Type::kBool;
      v.boolean = true;
      return v;
    }
    if (literal("false")) {
      v.type = JsonValue::Type::kBool;
      return v;
    }
    if (literal("null")) return v;
    if (c == '-' || (c >= '0' && c <= '9')) {
      v.type = JsonValue::Type::kNumber;
      const std::size_t start = i_;
      if (s_[i_] == '-') ++i_;
      if (i_ < s_.size() && s_[i_] == '0') {
        ++i_;
      } else if (i_ < s_.size() && s_[i_] >= '1' && s_[i_] <= '9') {
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      } else {
        fail("invalid number");
      }
      if (i_ < s_.size() && s_[i_] == '.') {
        ++i_;
        if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') fail("invalid number");
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      }
      if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
        ++i_;
        if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
        if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') fail("invalid number");
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      }
      v.text.assign(s_.data() + start, i_ - start);
      const auto r = std::from_chars(v.text.data(), v.text.data() + v.text.size(), v.number);
      if (r.ec != std::errc()) {
        i_ = start;
        fail("number out of range");
      }
      return v;
    }
    fail(std::string("unexpected character '") + (static_cast<unsigned char>(c) < 0x20 ? '?' : c) +
         "'");
  }

  bool literal(std::string_view w) {
    if (s_.substr(i_, w.size()) == w) {
      i_ += w.size();
      return true;
    }
    return false;
  }

  static void appendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::uint32_t hex4() {
    if (i_ + 4 > s_.size()) fail("incomplete \\u escape");
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        fail("invalid \\u escape");
      }
    }
    return v;
  }

  std::string string() {
    ++i_;  // opening quote
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_];
      if (c == '"') {
        ++i_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        ++i_;
        continue;
      }
      ++i_;
      if (i_ >= s_.size()) fail("unterminated string");
      const char e = s_[i_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && i_ + 1 < s_.size() && s_[i_] == '\\' &&
              s_[i_ + 1] == 'u') {
            i_ += 2;
            const std::uint32_t lo = hex4();
            if (lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              appendUtf8(out, 0xFFFD);
              cp = lo;
            }
          }
          appendUtf8(out, cp >= 0xD800 && cp < 0xE000 ? 0xFFFD : cp);
          break;
        }
        default:
          --i_;
          fail("invalid escape in a string");
      }
    }
  }

  std::string_view s_;
  const JsonArraySink* sink_ = nullptr;
  std::size_t sunkArrays_ = 0;
  JsonPath path_;
  std::size_t i_ = 0;
  int line_ = 1;
  std::size_t lineStart_ = 0;
};

}  // namespace

JsonValue parseJson(std::string_view text, const JsonArraySink* sink) {
  return Parser(text, sink).document();
}

std::string formatJsonPath(const JsonPath& path) {
  std::string out;
  for (const auto& s : path) {
    if (s.isIndex) {
      out += "[" + std::to_string(s.index) + "]";
    } else {
      if (!out.empty()) out += '.';
      out += s.key;
    }
  }
  return out;
}

}  // namespace rolloutlab::replay::detail
