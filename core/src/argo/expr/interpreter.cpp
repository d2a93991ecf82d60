// Evaluation of a checked Argo condition. The semantics are expr v1.17.8's virtual machine
// (`vm/vm.go`, `vm/runtime/runtime.go`, `vm/runtime/helpers[generated].go`, `builtin/lib.go`)
// and Argo's helpers (argo-rollouts `utils/evaluate/evaluate.go`), including their error
// messages. Values are held in small slots that refer to the result and to constants instead
// of copying them, so a condition on a scalar or a vector allocates nothing.

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "program.h"
#include "rolloutlab/core/go/format.h"

namespace rolloutlab::core::argo::detail {

using go::goFloat;
using go::goFloatToInt;
using go::numError;
using go::parseGoFloat;
using go::parseGoInt;
using go::ParseStatus;

namespace {

using Kind = Value::Kind;

struct Slot {
  Kind kind = Kind::kNil;
  union {
    bool b;
    std::int64_t i;
    double f;
    const Value* ref;  // kString, kFloatArray, kArray, kMap
  };
  Slot() : i(0) {}

  static Slot boolean(bool v) {
    Slot s;
    s.kind = Kind::kBool;
    s.b = v;
    return s;
  }
  static Slot integer(std::int64_t v) {
    Slot s;
    s.kind = Kind::kInt;
    s.i = v;
    return s;
  }
  static Slot number(double v) {
    Slot s;
    s.kind = Kind::kFloat;
    s.f = v;
    return s;
  }
  static Slot of(const Value& v) {
    Slot s;
    s.kind = v.kind();
    switch (v.kind()) {
      case Kind::kNil:
        break;
      case Kind::kBool:
        s.b = v.asBool();
        break;
      case Kind::kInt:
        s.i = v.asInt();
        break;
      case Kind::kFloat:
        s.f = v.asFloat();
        break;
      default:
        s.ref = &v;
    }
    return s;
  }

  bool isNumber() const { return kind == Kind::kInt || kind == Kind::kFloat; }
  double toFloat() const { return kind == Kind::kInt ? static_cast<double>(i) : f; }
  bool isArray() const { return kind == Kind::kFloatArray || kind == Kind::kArray; }
  std::size_t arraySize() const {
    return kind == Kind::kFloatArray ? ref->asFloats().size() : ref->asArray().size();
  }
  Slot element(std::size_t k) const {
    return kind == Kind::kFloatArray ? number(ref->asFloats()[k]) : of(ref->asArray()[k]);
  }

  Value toValue() const {
    switch (kind) {
      case Kind::kNil:
        return Value();
      case Kind::kBool:
        return Value::boolean(b);
      case Kind::kInt:
        return Value::integer(i);
      case Kind::kFloat:
        return Value::number(f);
      default:
        return *ref;
    }
  }

  // Go `%T`.
  const char* typeName() const {
    switch (kind) {
      case Kind::kNil:
        return "<nil>";
      case Kind::kBool:
        return "bool";
      case Kind::kInt:
        return "int";
      case Kind::kFloat:
        return "float64";
      default:
        return ref->typeName();
    }
  }

  // Go `%v`.
  std::string text() const {
    switch (kind) {
      case Kind::kNil:
        return "<nil>";
      case Kind::kBool:
        return b ? "true" : "false";
      case Kind::kInt:
        return std::to_string(i);
      case Kind::kFloat:
        return goFloat(f);
      default:
        return ref->toString();
    }
  }
};

std::int64_t wrapAdd(std::int64_t x, std::int64_t y) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(x) + static_cast<std::uint64_t>(y));
}
std::int64_t wrapSub(std::int64_t x, std::int64_t y) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(x) - static_cast<std::uint64_t>(y));
}
std::int64_t wrapMul(std::int64_t x, std::int64_t y) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(x) * static_cast<std::uint64_t>(y));
}

// The message of a failed Go type assertion `v.(T)` on an interface{}.
std::string assertion(const Slot& v, const char* want) {
  return std::string("interface conversion: interface {} is ") +
         (v.kind == Kind::kNil ? "nil" : v.typeName()) + ", not " + want;
}

// reflect.Kind names, for reflect's own panics.
const char* reflectKind(const Slot& v) {
  switch (v.kind) {
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kFloatArray:
    case Kind::kArray:
      return "slice";
    case Kind::kMap:
      return "map";
    case Kind::kNil:
      break;
  }
  return "invalid";
}

bool deepEqual(const Value& a, const Value& b);

// runtime `Equal`: numbers compare across int and float, arrays element by element, then nil
// equals nil, then reflect.DeepEqual.
bool equal(const Slot& a, const Slot& b) {
  if (a.isNumber() && b.isNumber()) {
    if (a.kind == Kind::kInt && b.kind == Kind::kInt) return a.i == b.i;
    return a.toFloat() == b.toFloat();
  }
  if (a.isArray() && b.isArray()) {
    const std::size_t n = a.arraySize();
    if (n != b.arraySize()) return false;
    if (a.kind == Kind::kFloatArray && b.kind == Kind::kFloatArray) {
      const auto& x = a.ref->asFloats();
      const auto& y = b.ref->asFloats();
      for (std::size_t k = 0; k < n; ++k) {
        if (x[k] != y[k]) return false;
      }
      return true;
    }
    for (std::size_t k = 0; k < n; ++k) {
      if (!equal(a.element(k), b.element(k))) return false;
    }
    return true;
  }
  if (a.kind == Kind::kString && b.kind == Kind::kString) {
    return a.ref->asString() == b.ref->asString();
  }
  if (a.kind == Kind::kBool && b.kind == Kind::kBool) return a.b == b.b;
  if (a.kind == Kind::kNil && b.kind == Kind::kNil) return true;
  if (a.kind == Kind::kMap && b.kind == Kind::kMap) return deepEqual(*a.ref, *b.ref);
  return false;
}

// reflect.DeepEqual on values held in interfaces: the dynamic types must be the same.
bool deepEqual(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kNil:
      return true;
    case Kind::kBool:
      return a.asBool() == b.asBool();
    case Kind::kInt:
      return a.asInt() == b.asInt();
    case Kind::kFloat:
      return a.asFloat() == b.asFloat();
    case Kind::kString:
      return a.asString() == b.asString();
    case Kind::kFloatArray:
      return a.asFloats() == b.asFloats();
    case Kind::kArray: {
      const auto& x = a.asArray();
      const auto& y = b.asArray();
      if (x.size() != y.size()) return false;
      for (std::size_t k = 0; k < x.size(); ++k) {
        if (!deepEqual(x[k], y[k])) return false;
      }
      return true;
    }
    case Kind::kMap: {
      const auto& x = a.asMap();
      const auto& y = b.asMap();
      if (x.size() != y.size()) return false;
      for (const auto& [key, v] : x) {
        const auto it = y.find(key);
        if (it == y.end() || !deepEqual(v, it->second)) return false;
      }
      return true;
    }
  }
  return false;
}

struct Frame {
  Slot item;
  std::int64_t index = 0;
};

class Interpreter {
 public:
  Interpreter(const Program& program, const Value& result)
      : program_(program),
        result_(result),
        floatBit_(static_cast<std::uint8_t>(1u << static_cast<unsigned>(result.kind()))) {
    if (program.maxPredicateDepth > kInlineFrames) {
      moreFrames_.resize(static_cast<std::size_t>(program.maxPredicateDepth - kInlineFrames));
    }
  }

  bool run(Slot* out) { return eval(program_.root, *out); }

  ExprError error() const { return program_.errorAt(errorPos_, errorMessage_); }

 private:
  static constexpr int kInlineFrames = 8;

  const Program& program_;
  const Value& result_;
  std::uint8_t floatBit_;
  std::int32_t errorPos_ = 0;
  std::string errorMessage_;
  std::vector<std::unique_ptr<Value>> temps_;
  Frame inlineFrames_[kInlineFrames];
  std::vector<Frame> moreFrames_;
  int depth_ = 0;

  const Node& node(std::int32_t i) const { return program_.nodes[static_cast<std::size_t>(i)]; }
  std::int32_t arg(const Node& n, std::int32_t k) const {
    return program_.args[static_cast<std::size_t>(n.firstArg + k)];
  }

  bool fail(std::int32_t at, std::string message) {
    errorPos_ = node(at).pos;
    errorMessage_ = std::move(message);
    return false;
  }

  Slot keep(Value v) {
    temps_.push_back(std::make_unique<Value>(std::move(v)));
    return Slot::of(*temps_.back());
  }

  Frame& frame(int d) {
    return d < kInlineFrames ? inlineFrames_[d]
                             : moreFrames_[static_cast<std::size_t>(d - kInlineFrames)];
  }
  // Frames are sized from the deepest predicate nesting, so references to them stay valid.
  void pushFrame() { ++depth_; }

  bool eval(std::int32_t i, Slot& out) {
    const Node& n = node(i);
    switch (n.kind) {
      case NodeKind::kNil:
        out = Slot();
        return true;
      case NodeKind::kBool:
        out = Slot::boolean(n.boolValue);
        return true;
      case NodeKind::kInteger:
        out = (n.floatMask & floatBit_) ? Slot::number(static_cast<double>(n.intValue))
                                        : Slot::integer(n.intValue);
        return true;
      case NodeKind::kFloat:
        out = Slot::number(n.floatValue);
        return true;
      case NodeKind::kString:
      case NodeKind::kConstant:
        out = Slot::of(program_.constants[static_cast<std::size_t>(n.constant)]);
        return true;
      case NodeKind::kResult:
        out = Slot::of(result_);
        return true;
      case NodeKind::kIdentifier:
        return fail(i, "unknown name " + n.text);
      case NodeKind::kArray:
        return array(n, out);
      case NodeKind::kUnary:
        return unary(i, out);
      case NodeKind::kBinary:
        return binary(i, out);
      case NodeKind::kMember: {
        Slot base, prop;
        if (!eval(n.a, base) || !eval(n.b, prop)) return false;
        return fetch(i, base, prop, out);
      }
      case NodeKind::kCallEnv:
        return callEnv(i, out);
      case NodeKind::kCallValue:
        return callValue(i, out);
      case NodeKind::kBuiltin:
        return builtin(i, out);
      case NodeKind::kPredicate:
        return eval(n.a, out);
      case NodeKind::kPointer: {
        const Frame& f = frame(depth_ - 1);
        out = n.text.empty() ? f.item : Slot::integer(f.index);
        return true;
      }
      case NodeKind::kConditional: {
        Slot cond;
        if (!eval(n.a, cond)) return false;
        if (cond.kind != Kind::kBool) return fail(i, assertion(cond, "bool"));
        return eval(cond.b ? n.b : n.c, out);
      }
    }
    return fail(i, "invalid node");
  }

  bool array(const Node& n, Slot& out) {
    Value::Array elements;
    elements.reserve(static_cast<std::size_t>(n.argCount));
    for (std::int32_t k = 0; k < n.argCount; ++k) {
      Slot e;
      if (!eval(arg(n, k), e)) return false;
      elements.push_back(e.toValue());
    }
    out = keep(Value::array(std::move(elements)));
    return true;
  }

  bool unary(std::int32_t i, Slot& out) {
    const Node& n = node(i);
    Slot v;
    if (!eval(n.a, v)) return false;
    switch (n.op) {
      case Op::kNot:  // OpNot: v.(bool)
        if (v.kind != Kind::kBool) return fail(i, assertion(v, "bool"));
        out = Slot::boolean(!v.b);
        return true;
      case Op::kNegate:  // runtime `Negate`
        if (v.kind == Kind::kInt) {
          out = Slot::integer(wrapSub(0, v.i));
        } else if (v.kind == Kind::kFloat) {
          out = Slot::number(-v.f);
        } else {
          return fail(i, std::string("invalid operation: - ") + v.typeName());
        }
        return true;
      default:  // unary plus compiles to nothing
        out = v;
        return true;
    }
  }

  bool binary(std::int32_t i, Slot& out) {
    const Node& n = node(i);
    Slot l;
    if (!eval(n.a, l)) return false;
    // Short-circuit operators (compiler.go `BinaryNode`): only the left side is asserted.
    if (n.op == Op::kAnd || n.op == Op::kOr) {
      if (l.kind != Kind::kBool) return fail(i, assertion(l, "bool"));
      if (l.b == (n.op == Op::kOr)) {
        out = l;
        return true;
      }
      return eval(n.b, out);
    }
    if (n.op == Op::kCoalesce) {
      if (l.kind != Kind::kNil) {
        out = l;
        return true;
      }
      return eval(n.b, out);
    }
    Slot r;
    if (!eval(n.b, r)) return false;
    switch (n.op) {
      case Op::kEqual:
        out = Slot::boolean(equal(l, r));
        return true;
      case Op::kNotEqual:
        out = Slot::boolean(!equal(l, r));
        return true;
      case Op::kLess:
      case Op::kMore:
      case Op::kLessOrEqual:
      case Op::kMoreOrEqual:
        return compare(i, n.op, l, r, out);
      case Op::kAdd:
      case Op::kSubtract:
      case Op::kMultiply:
        return arithmetic(i, n.op, l, r, out);
      case Op::kDivide:
        if (!l.isNumber() || !r.isNumber()) {
          return fail(i, std::string("invalid operation: ") + l.typeName() + " / " + r.typeName());
        }
        out = Slot::number(l.toFloat() / r.toFloat());
        return true;
      case Op::kModulo:
        if (l.kind != Kind::kInt || r.kind != Kind::kInt) {
          return fail(i, std::string("invalid operation: ") + l.typeName() + " % " + r.typeName());
        }
        if (r.i == 0) return fail(i, "runtime error: integer divide by zero");
        out = Slot::integer(r.i == -1 ? 0 : l.i % r.i);
        return true;
      case Op::kExponent:  // runtime `Exponent`: math.Pow(ToFloat64(a), ToFloat64(b))
        if (!l.isNumber())
          return fail(i, std::string("invalid operation: float(") + l.typeName() + ")");
        if (!r.isNumber())
          return fail(i, std::string("invalid operation: float(") + r.typeName() + ")");
        out = Slot::number(std::pow(l.toFloat(), r.toFloat()));
        return true;
      case Op::kIn:
        return in(i, l, r, out);
      case Op::kContains:
      case Op::kStartsWith:
      case Op::kEndsWith: {
        if (l.kind == Kind::kNil || r.kind == Kind::kNil) {
          out = Slot::boolean(false);
          return true;
        }
        if (l.kind != Kind::kString) return fail(i, assertion(l, "string"));
        if (r.kind != Kind::kString) return fail(i, assertion(r, "string"));
        const std::string& s = l.ref->asString();
        const std::string& t = r.ref->asString();
        bool v = false;
        if (n.op == Op::kContains) {
          v = s.find(t) != std::string::npos;
        } else if (n.op == Op::kStartsWith) {
          v = s.compare(0, t.size(), t) == 0 && s.size() >= t.size();
        } else {
          v = s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
        }
        out = Slot::boolean(v);
        return true;
      }
      default:
        return fail(i, "invalid operator " + n.text);
    }
  }

  // runtime `Less`, `More`, `LessOrEqual`, `MoreOrEqual`: numbers (an int is converted to
  // float64 when the other side is a float, so NaN compares false) and strings.
  bool compare(std::int32_t i, Op op, const Slot& l, const Slot& r, Slot& out) {
    bool v = false;
    if (l.isNumber() && r.isNumber()) {
      if (l.kind == Kind::kInt && r.kind == Kind::kInt) {
        v = op == Op::kLess          ? l.i < r.i
            : op == Op::kMore        ? l.i > r.i
            : op == Op::kLessOrEqual ? l.i <= r.i
                                     : l.i >= r.i;
      } else {
        const double x = l.toFloat(), y = r.toFloat();
        v = op == Op::kLess          ? x < y
            : op == Op::kMore        ? x > y
            : op == Op::kLessOrEqual ? x <= y
                                     : x >= y;
      }
    } else if (l.kind == Kind::kString && r.kind == Kind::kString) {
      const int c = l.ref->asString().compare(r.ref->asString());
      v = op == Op::kLess          ? c < 0
          : op == Op::kMore        ? c > 0
          : op == Op::kLessOrEqual ? c <= 0
                                   : c >= 0;
    } else {
      const char* sym = op == Op::kLess          ? " < "
                        : op == Op::kMore        ? " > "
                        : op == Op::kLessOrEqual ? " <= "
                                                 : " >= ";
      return fail(i, std::string("invalid operation: ") + l.typeName() + sym + r.typeName());
    }
    out = Slot::boolean(v);
    return true;
  }

  // runtime `Add`, `Subtract`, `Multiply`: int op int is an int (wrapping), otherwise float64.
  bool arithmetic(std::int32_t i, Op op, const Slot& l, const Slot& r, Slot& out) {
    if (l.isNumber() && r.isNumber()) {
      if (l.kind == Kind::kInt && r.kind == Kind::kInt) {
        out = Slot::integer(op == Op::kAdd        ? wrapAdd(l.i, r.i)
                            : op == Op::kSubtract ? wrapSub(l.i, r.i)
                                                  : wrapMul(l.i, r.i));
      } else {
        const double x = l.toFloat(), y = r.toFloat();
        out = Slot::number(op == Op::kAdd ? x + y : op == Op::kSubtract ? x - y : x * y);
      }
      return true;
    }
    if (op == Op::kAdd && l.kind == Kind::kString && r.kind == Kind::kString) {
      out = keep(Value::string(l.ref->asString() + r.ref->asString()));
      return true;
    }
    const char* sym = op == Op::kAdd ? " + " : op == Op::kSubtract ? " - " : " * ";
    return fail(i, std::string("invalid operation: ") + l.typeName() + sym + r.typeName());
  }

  // runtime `In`.
  bool in(std::int32_t i, const Slot& needle, const Slot& haystack, Slot& out) {
    if (haystack.kind == Kind::kNil) {
      out = Slot::boolean(false);
      return true;
    }
    if (haystack.isArray()) {
      const std::size_t n = haystack.arraySize();
      bool found = false;
      for (std::size_t k = 0; k < n && !found; ++k) found = equal(haystack.element(k), needle);
      out = Slot::boolean(found);
      return true;
    }
    if (haystack.kind == Kind::kMap) {
      std::string_view key;
      if (needle.kind == Kind::kString) {
        key = needle.ref->asString();
      } else if (needle.kind != Kind::kNil) {
        return fail(i, std::string("reflect.Value.MapIndex: value of type ") + needle.typeName() +
                           " is not assignable to type string");
      }
      const auto& m = haystack.ref->asMap();
      out = Slot::boolean(m.find(key) != m.end());
      return true;
    }
    return fail(i, std::string("operator \"in\" not defined on ") + haystack.typeName());
  }

  // runtime `ToInt` for an index.
  bool toIndex(std::int32_t i, const Slot& v, std::int64_t* out) {
    if (v.kind == Kind::kInt) {
      *out = v.i;
    } else if (v.kind == Kind::kFloat) {
      *out = goFloatToInt(v.f);
    } else {
      return fail(i, std::string("invalid operation: int(") + v.typeName() + ")");
    }
    return true;
  }

  // runtime `Fetch`: arrays and strings by (possibly negative) index, maps by key (a missing
  // key gives nil).
  bool fetch(std::int32_t i, const Slot& from, const Slot& key, Slot& out) {
    switch (from.kind) {
      case Kind::kNil:
        return fail(i, "cannot fetch " + key.text() + " from <nil>");
      case Kind::kString:
      case Kind::kFloatArray:
      case Kind::kArray: {
        std::int64_t index = 0;
        if (!toIndex(i, key, &index)) return false;
        const auto length = static_cast<std::int64_t>(
            from.kind == Kind::kString ? from.ref->asString().size() : from.arraySize());
        if (index < 0) index += length;
        if (index < 0 || index >= length) {
          return fail(i, "index out of range: " + std::to_string(index) + " (array length is " +
                             std::to_string(length) + ")");
        }
        const auto k = static_cast<std::size_t>(index);
        out = from.kind == Kind::kString
                  ? Slot::integer(static_cast<unsigned char>(from.ref->asString()[k]))
                  : from.element(k);
        return true;
      }
      case Kind::kMap: {
        std::string_view name;
        if (key.kind == Kind::kString) {
          name = key.ref->asString();
        } else if (key.kind != Kind::kNil) {
          return fail(i, std::string("reflect.Value.MapIndex: value of type ") + key.typeName() +
                             " is not assignable to type string");
        }
        const auto& m = from.ref->asMap();
        const auto it = m.find(name);
        out = it == m.end() ? Slot() : Slot::of(it->second);
        return true;
      }
      default:
        return fail(i, "cannot fetch " + key.text() + " from " + from.typeName());
    }
  }

  bool callValue(std::int32_t i, Slot& out) {
    const Node& n = node(i);
    for (std::int32_t k = 0; k < n.argCount; ++k) {
      Slot a;
      if (!eval(arg(n, k), a)) return false;
    }
    Slot callee;
    if (!eval(n.a, callee)) return false;
    (void)out;
    if (callee.kind == Kind::kNil) return fail(i, "invalid operation: cannot call nil");
    return fail(
        i, std::string("invalid operation: cannot call non-function of type ") + callee.typeName());
  }

  // Argo's helpers, argo-rollouts utils/evaluate/evaluate.go.
  bool callEnv(std::int32_t i, Slot& out) {
    const Node& n = node(i);
    Slot args[2];
    for (std::int32_t k = 0; k < n.argCount && k < 2; ++k) {
      if (!eval(arg(n, k), args[k])) return false;
    }
    const Slot& x = args[0];
    switch (static_cast<EnvFunction>(n.fn)) {
      case EnvFunction::kAsInt:  // `asInt`
        if (x.kind == Kind::kFloat) {
          out = Slot::integer(goFloatToInt(x.f));
        } else if (x.kind == Kind::kInt) {
          out = x;
        } else if (x.kind == Kind::kString) {
          std::int64_t v = 0;
          const ParseStatus st = parseGoInt(x.ref->asString(), &v);
          if (st != ParseStatus::kOk) return fail(i, numError("ParseInt", x.ref->asString(), st));
          out = Slot::integer(v);
        } else {
          return fail(i, std::string("asInt() not supported on ") + x.typeName() + " " + x.text());
        }
        return true;
      case EnvFunction::kAsFloat:  // `asFloat`
        if (x.isNumber()) {
          out = Slot::number(x.toFloat());
        } else if (x.kind == Kind::kString) {
          double v = 0;
          const ParseStatus st = parseGoFloat(x.ref->asString(), &v);
          if (st != ParseStatus::kOk) {
            return fail(i, numError("ParseFloat", x.ref->asString(), st));
          }
          out = Slot::number(v);
        } else {
          return fail(i,
                      std::string("asFloat() not supported on ") + x.typeName() + " " + x.text());
        }
        return true;
      case EnvFunction::kIsNaN:  // math.IsNaN(float64), called with a typed argument
        if (x.kind != Kind::kFloat) return fail(i, assertion(x, "float64"));
        out = Slot::boolean(std::isnan(x.f));
        return true;
      case EnvFunction::kIsInf:  // math.IsInf(f, 0)
        if (x.kind != Kind::kFloat) return fail(i, assertion(x, "float64"));
        out = Slot::boolean(std::isinf(x.f));
        return true;
      case EnvFunction::kIsNil:  // `isNilFunc`: ignores its argument, asks about the result
        out = Slot::boolean(result_.isNil());
        return true;
      case EnvFunction::kDefault:  // `defaultFunc`: the whole result unless it is nil
        out = result_.isNil() ? args[1] : Slot::of(result_);
        return true;
    }
    return fail(i, "invalid function");
  }

  bool builtin(std::int32_t i, Slot& out) {
    const Node& n = node(i);
    const auto b = static_cast<Builtin>(n.fn);
    switch (b) {
      case Builtin::kAll:
      case Builtin::kAny:
      case Builtin::kNone:
      case Builtin::kOne:
      case Builtin::kFilter:
      case Builtin::kMap:
      case Builtin::kCount:
      case Builtin::kSum:
        return loop(i, b, out);
      default:
        break;
    }
    Slot args[8];
    std::vector<Slot> many;
    Slot* argv = args;
    if (n.argCount > 8) {
      many.resize(static_cast<std::size_t>(n.argCount));
      argv = many.data();
    }
    for (std::int32_t k = 0; k < n.argCount; ++k) {
      if (!eval(arg(n, k), argv[k])) return false;
    }
    switch (b) {
      case Builtin::kLen: {  // builtin `Len`: strings count characters
        const Slot& x = argv[0];
        if (x.isArray()) {
          out = Slot::integer(static_cast<std::int64_t>(x.arraySize()));
        } else if (x.kind == Kind::kMap) {
          out = Slot::integer(static_cast<std::int64_t>(x.ref->asMap().size()));
        } else if (x.kind == Kind::kString) {
          std::int64_t runes = 0;
          for (const char c : x.ref->asString())
            runes += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
          out = Slot::integer(runes);
        } else {
          return fail(i, std::string("invalid argument for len (type ") + x.typeName() + ")");
        }
        return true;
      }
      case Builtin::kAbs: {  // builtin `Abs`
        const Slot& x = argv[0];
        if (x.kind == Kind::kFloat) {
          out = Slot::number(x.f < 0 ? -x.f : x.f);
        } else if (x.kind == Kind::kInt) {
          out = Slot::integer(x.i < 0 ? wrapSub(0, x.i) : x.i);
        } else {
          return fail(i, std::string("invalid argument for abs (type ") + x.typeName() + ")");
        }
        return true;
      }
      case Builtin::kMax:
      case Builtin::kMin: {
        std::string message;
        out = Slot();
        if (!minMax(b == Builtin::kMax, n.text, argv, static_cast<std::size_t>(n.argCount), out,
                    &message)) {
          return fail(i, message);
        }
        return true;
      }
      case Builtin::kMean: {
        double total = 0;
        std::int64_t count = 0;
        std::string message;
        for (std::int32_t k = 0; k < n.argCount; ++k) {
          if (!mean(argv[k], &total, &count, &message)) return fail(i, message);
        }
        out = Slot::number(count == 0 ? 0.0 : total / static_cast<double>(count));
        return true;
      }
      default:
        return fail(i, "invalid builtin");
    }
  }

  // builtin/lib.go `minMax`: the largest (max) or smallest (min) number among the arguments
  // and the elements of array arguments; nil when there is none.
  bool minMax(bool isMax, const std::string& name, const Slot* argv, std::size_t argc, Slot& val,
              std::string* message) {
    auto better = [isMax](const Slot& current, const Slot& candidate) {
      const bool ints = current.kind == Kind::kInt && candidate.kind == Kind::kInt;
      if (ints) return isMax ? current.i < candidate.i : current.i > candidate.i;
      return isMax ? current.toFloat() < candidate.toFloat()
                   : current.toFloat() > candidate.toFloat();
    };
    for (std::size_t k = 0; k < argc; ++k) {
      const Slot& a = argv[k];
      if (a.kind == Kind::kFloatArray) {
        const auto& v = a.ref->asFloats();
        if (v.empty()) continue;
        Slot m = Slot::number(v[0]);
        for (std::size_t j = 1; j < v.size(); ++j) {
          if (better(m, Slot::number(v[j]))) m = Slot::number(v[j]);
        }
        if (val.kind == Kind::kNil || better(val, m)) val = m;
        continue;
      }
      if (a.kind == Kind::kArray) {
        for (const Value& e : a.ref->asArray()) {
          const Slot s = Slot::of(e);
          if (s.isNumber()) {
            if (val.kind == Kind::kNil || better(val, s)) val = s;
          } else if (s.isArray()) {
            Slot nested;
            if (!minMax(isMax, name, &s, 1, nested, message)) return false;
            if (nested.kind != Kind::kNil && (val.kind == Kind::kNil || better(val, nested))) {
              val = nested;
            }
          } else {
            *message = "invalid argument for " + name + " (type " + s.typeName() + ")";
            return false;
          }
        }
        continue;
      }
      if (a.isNumber()) {
        if (val.kind == Kind::kNil || better(val, a)) val = a;
        continue;
      }
      if (argc == 1) {
        val = a;
        return true;
      }
      *message = "invalid argument for " + name + " (type " + a.typeName() + ")";
      return false;
    }
    return true;
  }

  // builtin/lib.go `mean`.
  bool mean(const Slot& a, double* total, std::int64_t* count, std::string* message) {
    if (a.isNumber()) {
      *total += a.toFloat();
      ++*count;
      return true;
    }
    if (a.kind == Kind::kFloatArray) {
      for (const double f : a.ref->asFloats()) *total += f;
      *count += static_cast<std::int64_t>(a.ref->asFloats().size());
      return true;
    }
    if (a.kind == Kind::kArray) {
      for (const Value& e : a.ref->asArray()) {
        if (!mean(Slot::of(e), total, count, message)) return false;
      }
      return true;
    }
    *message = std::string("invalid argument for mean (type ") + a.typeName() + ")";
    return false;
  }

  // The predicate builtins (compiler.go `BuiltinNode`): all, any, none and one stop or count
  // on the predicate's bool; filter and map build a []interface{}; count and sum fold.
  bool loop(std::int32_t i, Builtin b, Slot& out) {
    const Node& n = node(i);
    Slot collection;
    if (!eval(arg(n, 0), collection)) return false;
    // OpBegin: the length of the collection, through reflection unless it is a slice.
    std::size_t length = 0;
    switch (collection.kind) {
      case Kind::kFloatArray:
      case Kind::kArray:
        length = collection.arraySize();
        break;
      case Kind::kString:
        length = collection.ref->asString().size();
        break;
      case Kind::kMap:
        length = collection.ref->asMap().size();
        break;
      case Kind::kNil:
        return fail(i, "reflect: call of reflect.Value.Len on zero Value");
      default:
        return fail(i, std::string("reflect: call of reflect.Value.Len on ") +
                           reflectKind(collection) + " Value");
    }
    const bool hasPredicate = n.argCount > 1;
    const std::int32_t body = hasPredicate ? node(arg(n, 1)).a : -1;
    std::int64_t count = 0;
    Slot acc = Slot::integer(0);
    Value::Array built;
    bool verdict = b == Builtin::kAll || b == Builtin::kNone;
    pushFrame();
    Frame& f = frame(depth_ - 1);
    bool ok = true;
    for (std::size_t k = 0; k < length; ++k) {
      if (collection.kind == Kind::kMap) {
        ok = fail(i, "reflect: call of reflect.Value.Index on map Value");
        break;
      }
      f.item = collection.kind == Kind::kString
                   ? Slot::integer(static_cast<unsigned char>(collection.ref->asString()[k]))
                   : collection.element(k);
      f.index = static_cast<std::int64_t>(k);
      Slot v = f.item;
      if (hasPredicate && !eval(body, v)) {
        ok = false;
        break;
      }
      if (b == Builtin::kMap) {
        built.push_back(v.toValue());
        continue;
      }
      if (b == Builtin::kSum) {
        Slot sum;
        if (!arithmetic(i, Op::kAdd, v, acc, sum)) {
          ok = false;
          break;
        }
        acc = sum;
        continue;
      }
      if (v.kind != Kind::kBool) {
        ok = fail(i, assertion(v, "bool"));
        break;
      }
      if (b == Builtin::kAll && !v.b) {
        verdict = false;
        break;
      }
      if (b == Builtin::kNone && v.b) {
        verdict = false;
        break;
      }
      if (b == Builtin::kAny && v.b) {
        verdict = true;
        break;
      }
      if (v.b) {
        ++count;
        if (b == Builtin::kFilter) built.push_back(f.item.toValue());
      }
    }
    --depth_;
    if (!ok) return false;
    switch (b) {
      case Builtin::kFilter:
      case Builtin::kMap:
        out = keep(Value::array(std::move(built)));
        break;
      case Builtin::kCount:
        out = Slot::integer(count);
        break;
      case Builtin::kSum:
        out = acc;
        break;
      case Builtin::kOne:
        out = Slot::boolean(count == 1);
        break;
      default:
        out = Slot::boolean(verdict);
    }
    return true;
  }
};

}  // namespace

bool evaluateProgram(const Program& program, const Value& result, Value* out, ExprError* error) {
  if (program.compileError) {
    if (error) *error = *program.compileError;
    return false;
  }
  if (const auto& e = program.checkErrors[static_cast<std::size_t>(result.kind())]) {
    if (error) *error = *e;
    return false;
  }
  if (program.foldError) {
    if (error) *error = *program.foldError;
    return false;
  }
  Interpreter interpreter(program, result);
  Slot slot;
  if (!interpreter.run(&slot)) {
    if (error) *error = interpreter.error();
    return false;
  }
  if (out) *out = slot.toValue();
  return true;
}

ConditionResult evaluateCondition(const Program& program, const Value& result) {
  ConditionResult r;
  if (program.compileError) {
    r.error = *program.compileError;
    return r;
  }
  if (const auto& e = program.checkErrors[static_cast<std::size_t>(result.kind())]) {
    r.error = *e;
    return r;
  }
  if (program.foldError) {
    r.error = *program.foldError;
    return r;
  }
  Interpreter interpreter(program, result);
  Slot slot;
  if (!interpreter.run(&slot)) {
    r.error = interpreter.error();
    return r;
  }
  // evaluate.go `EvalCondition`: anything but a bool is an error.
  if (slot.kind != Kind::kBool) {
    r.error.message = std::string("expected bool, but got ") + slot.typeName();
    return r;
  }
  r.ok = true;
  r.value = slot.b;
  return r;
}

}  // namespace rolloutlab::core::argo::detail
