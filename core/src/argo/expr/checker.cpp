// expr's type checker (v1.17.8 `checker/checker.go`, `checker/nature/nature.go`,
// `builtin/validation.go`) over the supported subset. Argo puts the result's Go value in the
// environment map, so `result` has the static type of the value (float64, []float64,
// map[string]interface{}, ...); everything read out of an interface{} is of unknown type and
// checked at run time instead. The first error found wins, as in expr.

#include <string>

#include "program.h"

namespace rolloutlab::core::argo::detail {
namespace {

// A nature: expr's static type of a node, reduced to the Go types a condition can meet.
enum class NK : std::uint8_t {
  kUnknown,  // no type (Nature{}): an operation on unknown operands
  kAny,      // interface{}: an element of a JSON value, the return of default()
  kNil,      // the nil literal, or a nil result
  kBool,
  kInt,
  kFloat,
  kString,
  kArray,
  kMap,
};

struct Nature {
  NK k = NK::kUnknown;
  NK elem = NK::kAny;       // kArray: the element nature
  bool floatSlice = false;  // kArray: []float64 rather than []interface{}

  bool isUnknown() const { return k == NK::kUnknown || k == NK::kAny; }
  bool isNumber() const { return k == NK::kInt || k == NK::kFloat; }
  bool isNil() const { return k == NK::kNil; }
  Nature element() const {
    Nature n;
    n.k = elem;
    return n;
  }

  // nature.go `String`: the reflect type's name, "unknown" without a type.
  std::string name() const {
    switch (k) {
      case NK::kUnknown:
      case NK::kNil:
        return "unknown";
      case NK::kAny:
        return "interface {}";
      case NK::kBool:
        return "bool";
      case NK::kInt:
        return "int";
      case NK::kFloat:
        return "float64";
      case NK::kString:
        return "string";
      case NK::kArray:
        return floatSlice ? "[]float64" : "[]interface {}";
      case NK::kMap:
        return "map[string]interface {}";
    }
    return "unknown";
  }

  // The reflect.Type as builtin validators print it with %s (a nil type prints as below).
  std::string typeArg() const {
    if (k == NK::kNil) return "%!s(<nil>)";
    if (k == NK::kUnknown) return "interface {}";
    return name();
  }
};

Nature of(NK k) {
  Nature n;
  n.k = k;
  return n;
}

Nature arrayOf(NK elem) {
  Nature n;
  n.k = NK::kArray;
  n.elem = elem;
  return n;
}

// nature.go `AssignableTo`.
bool assignable(const Nature& n, const Nature& t) {
  if (n.isNil() && (t.k == NK::kAny || t.k == NK::kMap || t.k == NK::kArray)) return true;
  if (n.k == NK::kUnknown || n.k == NK::kNil || t.k == NK::kUnknown || t.k == NK::kNil) {
    return false;
  }
  if (t.k == NK::kAny) return true;
  if (n.k != t.k) return false;
  if (n.k == NK::kArray) return n.floatSlice == t.floatSlice;
  return true;
}

// nature.go `ComparableTo`.
bool comparable(const Nature& l, const Nature& r) {
  return l.isUnknown() || r.isUnknown() || l.isNil() || r.isNil() ||
         (l.isNumber() && r.isNumber()) || (l.k == NK::kArray && r.k == NK::kArray) ||
         assignable(l, r);
}

enum Check : unsigned { kBoolCheck = 1, kStringCheck = 2, kIntegerCheck = 4, kNumberCheck = 8 };

bool isAnyOf(const Nature& n, unsigned checks) {
  return ((checks & kBoolCheck) && n.k == NK::kBool) ||
         ((checks & kStringCheck) && n.k == NK::kString) ||
         ((checks & kIntegerCheck) && n.k == NK::kInt) || ((checks & kNumberCheck) && n.isNumber());
}

// nature.go `MaybeCompatible`.
bool maybeCompatible(const Nature& l, const Nature& r, unsigned checks) {
  return (l.isUnknown() && r.isUnknown()) || (l.isUnknown() && isAnyOf(r, checks)) ||
         (r.isUnknown() && isAnyOf(l, checks));
}

// nature.go `PromoteNumericNature`.
Nature promote(const Nature& l, const Nature& r) {
  if (l.isUnknown() || r.isUnknown()) return Nature{};
  if (l.k == NK::kFloat || r.k == NK::kFloat) return of(NK::kFloat);
  return of(NK::kInt);
}

Nature resultNature(int kind) {
  switch (static_cast<Value::Kind>(kind)) {
    case Value::Kind::kNil:
      return of(NK::kNil);
    case Value::Kind::kBool:
      return of(NK::kBool);
    case Value::Kind::kInt:
      return of(NK::kInt);
    case Value::Kind::kFloat:
      return of(NK::kFloat);
    case Value::Kind::kString:
      return of(NK::kString);
    case Value::Kind::kFloatArray: {
      Nature n = arrayOf(NK::kFloat);
      n.floatSlice = true;
      return n;
    }
    case Value::Kind::kArray:
      return arrayOf(NK::kAny);
    case Value::Kind::kMap:
      return of(NK::kMap);
  }
  return Nature{};
}

const char* envFunctionName(EnvFunction f) {
  switch (f) {
    case EnvFunction::kAsInt:
      return "asInt";
    case EnvFunction::kAsFloat:
      return "asFloat";
    case EnvFunction::kIsNaN:
      return "isNaN";
    case EnvFunction::kIsInf:
      return "isInf";
    case EnvFunction::kIsNil:
      return "isNil";
    case EnvFunction::kDefault:
      return "default";
  }
  return "";
}

bool isFunctionName(const std::string& name) {
  static const char* kNames[] = {"asInt", "asFloat", "isNaN", "isInf", "isNil", "default", "len",
                                 "abs",   "max",     "min",   "mean",  "all",   "any",     "none",
                                 "one",   "filter",  "map",   "count", "sum"};
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  return false;
}

struct PredicateScope {
  Nature collection;
  bool hasIndex = false;
};

class Checker {
 public:
  Checker(Program& program, Nature result, int variant)
      : program_(program), result_(result), variant_(variant) {}

  std::optional<ExprError> run() {
    visit(program_.root);
    if (error_) return program_.errorAt(errorPos_, *error_);
    return std::nullopt;
  }

 private:
  Program& program_;
  Nature result_;
  int variant_;  // bit of Node::floatMask to set, or -1
  std::optional<std::string> error_;
  std::int32_t errorPos_ = 0;
  std::vector<PredicateScope> scopes_;

  const Node& node(std::int32_t i) const { return program_.nodes[static_cast<std::size_t>(i)]; }
  std::int32_t arg(const Node& n, std::int32_t k) const {
    return program_.args[static_cast<std::size_t>(n.firstArg + k)];
  }

  Nature fail(std::int32_t at, std::string message) {
    if (!error_) {
      error_ = std::move(message);
      errorPos_ = node(at).pos;
    }
    return Nature{};
  }

  Nature visit(std::int32_t i) {
    const Node& n = node(i);
    switch (n.kind) {
      case NodeKind::kNil:
        return of(NK::kNil);
      case NodeKind::kBool:
        return of(NK::kBool);
      case NodeKind::kInteger:
        return of(NK::kInt);
      case NodeKind::kFloat:
        return of(NK::kFloat);
      case NodeKind::kString:
        return of(NK::kString);
      case NodeKind::kConstant:
        return arrayOf(NK::kAny);
      case NodeKind::kResult:
        return result_;
      case NodeKind::kIdentifier:
        if (isFunctionName(n.text)) {
          return fail(i, "function " + n.text +
                             " used as a value is not supported by rolloutlab's Argo condition "
                             "evaluator");
        }
        return fail(i, "unknown name " + n.text);
      case NodeKind::kUnary:
        return unary(i);
      case NodeKind::kBinary:
        return binary(i);
      case NodeKind::kMember:
        return member(i);
      case NodeKind::kCallEnv:
        return callEnv(i);
      case NodeKind::kCallValue:
        return callValue(i);
      case NodeKind::kBuiltin:
        return builtin(i);
      case NodeKind::kPredicate:
        return visit(n.a);
      case NodeKind::kPointer:
        return pointer(i);
      case NodeKind::kConditional:
        return conditional(i);
      case NodeKind::kArray:
        return array(i);
    }
    return Nature{};
  }

  // checker.go `unaryNode`.
  Nature unary(std::int32_t i) {
    const Node& n = node(i);
    const Nature nt = visit(n.a);
    if (n.op == Op::kNot) {
      if (nt.k == NK::kBool || nt.isUnknown()) return of(NK::kBool);
    } else {
      if (nt.isNumber()) return nt;
      if (nt.isUnknown()) return Nature{};
    }
    return fail(i, "invalid operation: " + n.text + " (mismatched type " + nt.name() + ")");
  }

  // checker.go `binaryNode`.
  Nature binary(std::int32_t i) {
    const Node& n = node(i);
    const Nature l = visit(n.a);
    const Nature r = visit(n.b);
    switch (n.op) {
      case Op::kEqual:
      case Op::kNotEqual:
        if (comparable(l, r)) return of(NK::kBool);
        break;
      case Op::kOr:
      case Op::kAnd:
        if (l.k == NK::kBool && r.k == NK::kBool) return of(NK::kBool);
        if (maybeCompatible(l, r, kBoolCheck)) return of(NK::kBool);
        break;
      case Op::kLess:
      case Op::kMore:
      case Op::kLessOrEqual:
      case Op::kMoreOrEqual:
        if (l.isNumber() && r.isNumber()) return of(NK::kBool);
        if (l.k == NK::kString && r.k == NK::kString) return of(NK::kBool);
        if (maybeCompatible(l, r, kNumberCheck | kStringCheck)) return of(NK::kBool);
        break;
      case Op::kSubtract:
      case Op::kMultiply:
        if (l.isNumber() && r.isNumber()) return promote(l, r);
        if (maybeCompatible(l, r, kNumberCheck)) return Nature{};
        break;
      case Op::kDivide:
      case Op::kExponent:
        if (l.isNumber() && r.isNumber()) return of(NK::kFloat);
        if (maybeCompatible(l, r, kNumberCheck)) return of(NK::kFloat);
        break;
      case Op::kModulo:
        if (l.k == NK::kInt && r.k == NK::kInt) return of(NK::kInt);
        if (maybeCompatible(l, r, kIntegerCheck)) return of(NK::kInt);
        break;
      case Op::kAdd:
        if (l.isNumber() && r.isNumber()) return promote(l, r);
        if (l.k == NK::kString && r.k == NK::kString) return of(NK::kString);
        if (maybeCompatible(l, r, kNumberCheck | kStringCheck)) return Nature{};
        break;
      case Op::kIn:
        if (r.k == NK::kMap) {
          if (!l.isUnknown() && !assignable(l, of(NK::kString))) {
            return fail(i, "cannot use " + l.name() + " as type string in map key");
          }
          return of(NK::kBool);
        }
        if (r.k == NK::kArray) {
          const Nature e = r.element();
          if (!comparable(l, e)) {
            return fail(i, "cannot use " + l.name() + " as type " + e.name() + " in array");
          }
          return of(NK::kBool);
        }
        if (l.isUnknown() && (r.k == NK::kString || r.k == NK::kArray || r.k == NK::kMap)) {
          return of(NK::kBool);
        }
        if (r.isUnknown()) return of(NK::kBool);
        break;
      case Op::kContains:
      case Op::kStartsWith:
      case Op::kEndsWith:
        if (l.k == NK::kString && r.k == NK::kString) return of(NK::kBool);
        if (maybeCompatible(l, r, kStringCheck)) return of(NK::kBool);
        break;
      case Op::kCoalesce:
        if (l.isNil() && !r.isNil()) return r;
        if (!l.isNil() && r.isNil()) return l;
        if (l.isNil() && r.isNil()) return of(NK::kNil);
        if (assignable(r, l)) return l;
        return Nature{};
      default:
        break;
    }
    return fail(i, "invalid operation: " + n.text + " (mismatched types " + l.name() + " and " +
                       r.name() + ")");
  }

  // checker.go `memberNode`.
  Nature member(std::int32_t i) {
    const Node& n = node(i);
    const Nature base = visit(n.a);
    const Nature prop = visit(n.b);
    if (base.isUnknown()) return Nature{};
    const bool named = node(n.b).kind == NodeKind::kString;
    const std::string& name =
        named ? program_.constants[static_cast<std::size_t>(node(n.b).constant)].asString()
              : n.text;
    if (named && base.isNil()) return fail(i, "type nil has no field " + name);
    if (base.k == NK::kMap) {
      if (!assignable(prop, of(NK::kString)) && !prop.isUnknown()) {
        return fail(n.b, "cannot use " + prop.name() + " to get an element from " + base.name());
      }
      return of(NK::kAny);
    }
    if (base.k == NK::kArray) {
      if (prop.k != NK::kInt && !prop.isUnknown()) {
        return fail(
            n.b, "array elements can only be selected using an integer (got " + prop.name() + ")");
      }
      return base.element();
    }
    if (named) {
      return fail(
          i, "type " + base.name() + (n.boolValue ? " has no method " : " has no field ") + name);
    }
    return fail(i, "type " + base.name() + "[" + prop.name() + "] is undefined");
  }

  // checker.go `callNode` for a callee that is not an Argo helper.
  Nature callValue(std::int32_t i) {
    const Node& n = node(i);
    const Nature callee = visit(n.a);
    if (callee.isUnknown()) return Nature{};
    if (callee.isNil()) {
      const Node& c = node(n.a);
      const std::string fnName = c.kind == NodeKind::kMember ? c.text : n.text;
      return fail(i, fnName + " is nil; cannot call nil as function");
    }
    return fail(i, callee.name() + " is not callable");
  }

  // Marks integer literals of a float64 argument to be read as float64
  // (checker.go `traverseAndReplaceIntegerNodesWithFloatNodes`).
  void integersAsFloats(std::int32_t i) {
    Node& n = program_.nodes[static_cast<std::size_t>(i)];
    if (n.kind == NodeKind::kInteger) {
      if (variant_ >= 0) n.floatMask = static_cast<std::uint8_t>(n.floatMask | (1u << variant_));
    } else if (n.kind == NodeKind::kUnary) {
      integersAsFloats(n.a);
    } else if (n.kind == NodeKind::kBinary &&
               (n.op == Op::kAdd || n.op == Op::kSubtract || n.op == Op::kMultiply)) {
      const std::int32_t a = n.a, b = n.b;
      integersAsFloats(a);
      integersAsFloats(b);
    }
  }

  // checker.go `checkArguments` for Argo's helpers: asInt(any) int64, asFloat(any) float64,
  // isNaN(float64) bool, isInf(float64) bool, isNil(any) bool, default(any, any) any.
  Nature callEnv(std::int32_t i) {
    const Node& n = node(i);
    const auto fn = static_cast<EnvFunction>(n.fn);
    const char* name = envFunctionName(fn);
    const int numIn = fn == EnvFunction::kDefault ? 2 : 1;
    const bool floatParam = fn == EnvFunction::kIsNaN || fn == EnvFunction::kIsInf;
    Nature out;
    switch (fn) {
      case EnvFunction::kAsInt:
        out = of(NK::kInt);
        break;
      case EnvFunction::kAsFloat:
        out = of(NK::kFloat);
        break;
      case EnvFunction::kDefault:
        out = of(NK::kAny);
        break;
      default:
        out = of(NK::kBool);
    }
    if (n.argCount != numIn) {
      // Arguments are still visited, and their errors come first.
      for (std::int32_t k = 0; k < n.argCount; ++k) visit(arg(n, k));
      fail(i, std::string(n.argCount > numIn ? "too many arguments to call "
                                             : "not enough arguments to call ") +
                  name);
      return Nature{};
    }
    for (std::int32_t k = 0; k < n.argCount; ++k) {
      const std::int32_t a = arg(n, k);
      const Nature nt = visit(a);
      if (floatParam && nt.k == NK::kInt) {
        integersAsFloats(a);
        continue;
      }
      if (nt.isNil()) {
        if (!floatParam) continue;
        return fail(a, std::string("cannot use nil as argument (type float64) to call ") + name);
      }
      if (floatParam && !assignable(nt, of(NK::kFloat)) && !nt.isUnknown()) {
        return fail(
            a, "cannot use " + nt.name() + " as argument (type float64) to call " + name + " ");
      }
    }
    return out;
  }

  bool predicateReturns(std::int32_t predicate, const Nature& body, bool needBool) {
    if (body.isNil()) {
      fail(predicate, "predicate should has one input and one output param");
      return false;
    }
    if (needBool && body.k != NK::kBool && !body.isUnknown()) {
      fail(predicate, "predicate should return boolean (got " + body.name() + ")");
      return false;
    }
    return true;
  }

  Nature builtin(std::int32_t i) {
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
      case Builtin::kSum: {
        const Nature collection = visit(arg(n, 0));
        if (collection.k != NK::kArray && !collection.isUnknown()) {
          return fail(arg(n, 0),
                      "builtin " + n.text + " takes only array (got " + collection.name() + ")");
        }
        if (n.argCount == 1) {  // count(array), sum(array)
          if (b == Builtin::kCount) return of(NK::kInt);
          return collection.isUnknown() ? Nature{} : collection.element();
        }
        scopes_.push_back(PredicateScope{collection, b == Builtin::kMap});
        Nature body = visit(arg(n, 1));
        scopes_.pop_back();
        if (body.k == NK::kUnknown) body = of(NK::kAny);  // the predicate's out type
        const bool needBool = b != Builtin::kMap && b != Builtin::kSum;
        if (!predicateReturns(arg(n, 1), body, needBool)) return Nature{};
        switch (b) {
          case Builtin::kFilter:
            return collection.isUnknown() ? arrayOf(NK::kAny) : arrayOf(collection.elem);
          case Builtin::kMap:
            return arrayOf(body.k);
          case Builtin::kCount:
            return of(NK::kInt);
          case Builtin::kSum:
            return body;
          default:
            return of(NK::kBool);
        }
      }
      default:
        break;
    }
    // builtin.go `Validate` functions: every argument is visited first.
    std::vector<Nature> args;
    for (std::int32_t k = 0; k < n.argCount; ++k) args.push_back(visit(arg(n, k)));
    const std::string count = std::to_string(n.argCount);
    switch (b) {
      case Builtin::kLen:
        if (n.argCount != 1) {
          return fail(i, "invalid number of arguments (expected 1, got " + count + ")");
        }
        if (args[0].isUnknown() || args[0].k == NK::kArray || args[0].k == NK::kMap ||
            args[0].k == NK::kString) {
          return of(NK::kInt);
        }
        return fail(i, "invalid argument for len (type " + args[0].typeArg() + ")");
      case Builtin::kAbs:
        if (n.argCount != 1) {
          return fail(i, "invalid number of arguments (expected 1, got " + count + ")");
        }
        if (args[0].isNumber()) return args[0];
        if (args[0].isUnknown()) return of(NK::kAny);
        return fail(i, "invalid argument for abs (type " + args[0].typeArg() + ")");
      default: {  // max, min, mean: validateAggregateFunc
        if (args.empty()) return fail(i, "not enough arguments to call " + n.text);
        for (const Nature& a : args) {
          if (a.isUnknown() || a.k == NK::kArray) return of(NK::kAny);
          if (!a.isNumber()) {
            return fail(i, "invalid argument for " + n.text + " (type " + a.typeArg() + ")");
          }
        }
        return args[0];
      }
    }
  }

  // checker.go `pointerNode`.
  Nature pointer(std::int32_t i) {
    const Node& n = node(i);
    if (scopes_.empty()) return fail(i, "cannot use pointer accessor outside predicate");
    const PredicateScope& scope = scopes_.back();
    if (n.text.empty()) {
      if (scope.collection.isUnknown()) return Nature{};
      return scope.collection.element();
    }
    if (n.text == "index" && scope.hasIndex) return of(NK::kInt);
    return fail(i, "unknown pointer #" + n.text);
  }

  // checker.go `conditionalNode`.
  Nature conditional(std::int32_t i) {
    const Node& n = node(i);
    const Nature c = visit(n.a);
    if (c.k != NK::kBool && !c.isUnknown()) {
      return fail(n.a, "non-bool expression (type " + c.name() + ") used as condition");
    }
    const Nature t1 = visit(n.b);
    const Nature t2 = visit(n.c);
    if (t1.isNil() && !t2.isNil()) return t2;
    if (!t1.isNil() && t2.isNil()) return t1;
    if (t1.isNil() && t2.isNil()) return of(NK::kNil);
    if (assignable(t1, t2)) {
      if (t1.k == NK::kArray && t2.k == NK::kArray && t1.elem != t2.elem) return arrayOf(NK::kAny);
      return t1;
    }
    return Nature{};
  }

  // checker.go `arrayNode`.
  Nature array(std::int32_t i) {
    const Node& n = node(i);
    Nature prev;
    bool same = true;
    for (std::int32_t k = 0; k < n.argCount; ++k) {
      const Nature cur = visit(arg(n, k));
      if (k > 0 && cur.k != prev.k) same = false;
      prev = cur;
    }
    return same ? arrayOf(prev.k) : arrayOf(NK::kAny);
  }
};

}  // namespace

void check(Program& program) {
  if (program.compileError || program.root < 0) return;
  // A result of unknown type: what fails here fails for every result.
  if (auto e = Checker(program, Nature{}, -1).run()) {
    program.compileError = std::move(e);
    return;
  }
  for (int kind = 0; kind < kResultKinds; ++kind) {
    program.checkErrors[static_cast<std::size_t>(kind)] =
        Checker(program, resultNature(kind), kind).run();
  }
}

}  // namespace rolloutlab::core::argo::detail
