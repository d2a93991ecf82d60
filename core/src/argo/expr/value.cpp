#include <cmath>

#include "rolloutlab/core/argo/expr/expr.h"
#include "rolloutlab/core/go/format.h"

namespace rolloutlab::core::argo {

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}

Value Value::integer(std::int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}

Value Value::number(double f) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.f_ = f;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.ptr_ = std::make_shared<const std::string>(std::move(s));
  return v;
}

Value Value::floats(std::vector<double> values) {
  return sharedFloats(std::make_shared<const std::vector<double>>(std::move(values)));
}

Value Value::sharedFloats(std::shared_ptr<const std::vector<double>> values) {
  Value v;
  v.kind_ = Kind::kFloatArray;
  v.ptr_ = values ? std::move(values) : std::make_shared<const std::vector<double>>();
  return v;
}

Value Value::array(Array elements) {
  Value v;
  v.kind_ = Kind::kArray;
  v.ptr_ = std::make_shared<const Array>(std::move(elements));
  return v;
}

Value Value::map(Map entries) {
  Value v;
  v.kind_ = Kind::kMap;
  v.ptr_ = std::make_shared<const Map>(std::move(entries));
  return v;
}

const std::string& Value::asString() const { return *static_cast<const std::string*>(ptr_.get()); }

const std::vector<double>& Value::asFloats() const {
  return *static_cast<const std::vector<double>*>(ptr_.get());
}

const Value::Array& Value::asArray() const { return *static_cast<const Array*>(ptr_.get()); }

const Value::Map& Value::asMap() const { return *static_cast<const Map*>(ptr_.get()); }

bool Value::identical(const Value& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::kNil:
      return true;
    case Kind::kBool:
      return b_ == other.b_;
    case Kind::kInt:
      return i_ == other.i_;
    case Kind::kFloat:
      return f_ == other.f_ || (std::isnan(f_) && std::isnan(other.f_));
    case Kind::kString:
      return asString() == other.asString();
    case Kind::kFloatArray: {
      const auto& a = asFloats();
      const auto& b = other.asFloats();
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
      }
      return true;
    }
    case Kind::kArray: {
      const auto& a = asArray();
      const auto& b = other.asArray();
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!a[i].identical(b[i])) return false;
      }
      return true;
    }
    case Kind::kMap: {
      const auto& a = asMap();
      const auto& b = other.asMap();
      if (a.size() != b.size()) return false;
      for (auto x = a.begin(), y = b.begin(); x != a.end(); ++x, ++y) {
        if (x->first != y->first || !x->second.identical(y->second)) return false;
      }
      return true;
    }
  }
  return false;
}

std::string Value::toString() const {
  switch (kind_) {
    case Kind::kNil:
      return "<nil>";
    case Kind::kBool:
      return b_ ? "true" : "false";
    case Kind::kInt:
      return std::to_string(i_);
    case Kind::kFloat:
      return go::goFloat(f_);
    case Kind::kString:
      return asString();
    case Kind::kFloatArray: {
      std::string out = "[";
      for (const double f : asFloats()) {
        if (out.size() > 1) out += ' ';
        out += go::goFloat(f);
      }
      return out + ']';
    }
    case Kind::kArray: {
      std::string out = "[";
      bool first = true;
      for (const auto& v : asArray()) {
        if (!first) out += ' ';
        first = false;
        out += v.toString();
      }
      return out + ']';
    }
    case Kind::kMap: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [k, v] : asMap()) {
        if (!first) out += ' ';
        first = false;
        out += k + ':' + v.toString();
      }
      return out + ']';
    }
  }
  return {};
}

const char* Value::typeName() const {
  switch (kind_) {
    case Kind::kNil:
      return "<nil>";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kFloatArray:
      return "[]float64";
    case Kind::kArray:
      return "[]interface {}";
    case Kind::kMap:
      return "map[string]interface {}";
  }
  return "";
}

const char* toString(Value::Kind k) {
  switch (k) {
    case Value::Kind::kNil:
      return "nil";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
      return "int";
    case Value::Kind::kFloat:
      return "float";
    case Value::Kind::kString:
      return "string";
    case Value::Kind::kFloatArray:
      return "float array";
    case Value::Kind::kArray:
      return "array";
    case Value::Kind::kMap:
      return "map";
  }
  return "";
}

std::string ExprError::toString(std::string_view label) const {
  std::string out;
  if (!label.empty()) {
    out += label;
    out += ": ";
  }
  out += std::to_string(line) + ':' + std::to_string(column) + ": " + message;
  return out;
}

namespace {
Diagnostic exprDiagnostic(const ExprError& e, std::string_view source) {
  Diagnostic d;
  d.line = e.line;
  d.column = e.column;
  d.value = source.empty() ? std::string() : quoted(std::string(source));
  d.rule = std::to_string(e.line) + ':' + std::to_string(e.column) + ": " + e.message;
  return d;
}
}  // namespace

ExprException::ExprException(ExprError error, std::string_view source)
    : InputError(exprDiagnostic(error, source)), error_(std::move(error)) {}

}  // namespace rolloutlab::core::argo
