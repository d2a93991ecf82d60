// expr v1.17.8 `optimizer/fold.go`: constant folding, repeated bottom-up until nothing changes.
// Folding preserves values, but not always errors: `x && false` becomes `false` without
// evaluating x, and `n % 0` on literals fails at compile time.

#include <cmath>

#include "program.h"

namespace rolloutlab::core::argo::detail {
namespace {

class Folder {
 public:
  explicit Folder(Program& program) : program_(program) {}

  // One pass; true when something was folded.
  bool pass() {
    applied_ = false;
    visited_.assign(program_.nodes.size(), false);
    walk(program_.root);
    return applied_;
  }

  bool failed() const { return program_.foldError.has_value(); }

 private:
  Program& program_;
  bool applied_ = false;
  std::vector<bool> visited_;

  Node& node(std::int32_t i) { return program_.nodes[static_cast<std::size_t>(i)]; }

  void walk(std::int32_t i) {
    if (i < 0 || visited_[static_cast<std::size_t>(i)] || failed()) return;
    visited_[static_cast<std::size_t>(i)] = true;
    const Node& n = node(i);
    const std::int32_t a = n.a, b = n.b, c = n.c;
    walk(a);
    walk(b);
    walk(c);
    for (std::int32_t k = 0; k < node(i).argCount; ++k) {
      walk(program_.args[static_cast<std::size_t>(node(i).firstArg + k)]);
    }
    visit(i);
  }

  void setInteger(std::int32_t i, std::int64_t v, std::uint8_t mask) {
    Node& n = node(i);
    const std::int32_t pos = n.pos;
    n = Node{};
    n.kind = NodeKind::kInteger;
    n.intValue = v;
    n.floatMask = mask;
    n.pos = pos;
    applied_ = true;
  }
  void setFloat(std::int32_t i, double v) {
    Node& n = node(i);
    const std::int32_t pos = n.pos;
    n = Node{};
    n.kind = NodeKind::kFloat;
    n.floatValue = v;
    n.pos = pos;
    applied_ = true;
  }
  void setBool(std::int32_t i, bool v) {
    Node& n = node(i);
    const std::int32_t pos = n.pos;
    n = Node{};
    n.kind = NodeKind::kBool;
    n.boolValue = v;
    n.pos = pos;
    applied_ = true;
  }
  void copyFrom(std::int32_t i, std::int32_t from) {
    node(i) = Node(node(from));
    applied_ = true;
  }

  bool isInt(std::int32_t i) { return node(i).kind == NodeKind::kInteger; }
  bool isFloat(std::int32_t i) { return node(i).kind == NodeKind::kFloat; }
  bool isBool(std::int32_t i) { return node(i).kind == NodeKind::kBool; }
  bool isString(std::int32_t i) { return node(i).kind == NodeKind::kString; }
  const std::string& str(std::int32_t i) {
    return program_.constants[static_cast<std::size_t>(node(i).constant)].asString();
  }

  static std::int64_t wrap(std::uint64_t v) { return static_cast<std::int64_t>(v); }

  void visit(std::int32_t i) {
    const Node n = node(i);
    if (n.kind == NodeKind::kUnary) {
      if (n.op == Op::kNegate || n.op == Op::kPlus) {
        const bool neg = n.op == Op::kNegate;
        if (isInt(n.a)) {
          const std::int64_t v = node(n.a).intValue;
          setInteger(i, neg ? wrap(0 - static_cast<std::uint64_t>(v)) : v, node(n.a).floatMask);
        } else if (isFloat(n.a)) {
          setFloat(i, neg ? -node(n.a).floatValue : node(n.a).floatValue);
        }
      } else if (isBool(n.a)) {
        setBool(i, !node(n.a).boolValue);
      }
      return;
    }
    if (n.kind == NodeKind::kArray) {
      if (n.argCount == 0) return;
      Value::Array values;
      for (std::int32_t k = 0; k < n.argCount; ++k) {
        const Node& e = node(program_.args[static_cast<std::size_t>(n.firstArg + k)]);
        switch (e.kind) {
          case NodeKind::kInteger:
            values.push_back(Value::integer(e.intValue));
            break;
          case NodeKind::kFloat:
            values.push_back(Value::number(e.floatValue));
            break;
          case NodeKind::kString:
            values.push_back(program_.constants[static_cast<std::size_t>(e.constant)]);
            break;
          case NodeKind::kBool:
            values.push_back(Value::boolean(e.boolValue));
            break;
          default:
            return;
        }
      }
      Node& target = node(i);
      const std::int32_t pos = target.pos;
      target = Node{};
      target.kind = NodeKind::kConstant;
      target.pos = pos;
      target.constant = static_cast<std::int32_t>(program_.constants.size());
      program_.constants.push_back(Value::array(std::move(values)));
      applied_ = true;
      return;
    }
    if (n.kind != NodeKind::kBinary) return;
    const std::int32_t l = n.a, r = n.b;
    auto number = [&](std::int32_t k) {
      return isInt(k) ? static_cast<double>(node(k).intValue) : node(k).floatValue;
    };
    const bool ints = isInt(l) && isInt(r);
    const bool numbers = (isInt(l) || isFloat(l)) && (isInt(r) || isFloat(r));
    switch (n.op) {
      case Op::kAdd:
      case Op::kSubtract:
      case Op::kMultiply:
        if (ints) {
          const auto x = static_cast<std::uint64_t>(node(l).intValue);
          const auto y = static_cast<std::uint64_t>(node(r).intValue);
          setInteger(i,
                     wrap(n.op == Op::kAdd        ? x + y
                          : n.op == Op::kSubtract ? x - y
                                                  : x * y),
                     node(l).floatMask);
        } else if (numbers) {
          const double x = number(l), y = number(r);
          setFloat(i, n.op == Op::kAdd ? x + y : n.op == Op::kSubtract ? x - y : x * y);
        } else if (n.op == Op::kAdd && isString(l) && isString(r)) {
          const std::string joined = str(l) + str(r);
          Node& target = node(i);
          const std::int32_t pos = target.pos;
          target = Node{};
          target.kind = NodeKind::kString;
          target.pos = pos;
          target.constant = static_cast<std::int32_t>(program_.constants.size());
          program_.constants.push_back(Value::string(joined));
          applied_ = true;
        }
        return;
      case Op::kDivide:
        if (numbers) setFloat(i, number(l) / number(r));
        return;
      case Op::kModulo:
        if (ints) {
          const std::int64_t y = node(r).intValue;
          if (y == 0) {
            program_.foldError = program_.errorAt(n.pos, "integer divide by zero");
            return;
          }
          setInteger(i, y == -1 ? 0 : node(l).intValue % y, node(l).floatMask);
        }
        return;
      case Op::kExponent:
        if (numbers) setFloat(i, std::pow(number(l), number(r)));
        return;
      case Op::kAnd:
        if (isBool(l) && node(l).boolValue) {
          copyFrom(i, r);  // true and x
        } else if (isBool(r) && node(r).boolValue) {
          copyFrom(i, l);  // x and true
        } else if ((isBool(l) && !node(l).boolValue) || (isBool(r) && !node(r).boolValue)) {
          setBool(i, false);
        }
        return;
      case Op::kOr:
        if (isBool(l) && !node(l).boolValue) {
          copyFrom(i, r);  // false or x
        } else if (isBool(r) && !node(r).boolValue) {
          copyFrom(i, l);  // x or false
        } else if ((isBool(l) && node(l).boolValue) || (isBool(r) && node(r).boolValue)) {
          setBool(i, true);
        }
        return;
      case Op::kEqual:
        if (ints) {
          setBool(i, node(l).intValue == node(r).intValue);
        } else if (isString(l) && isString(r)) {
          setBool(i, str(l) == str(r));
        } else if (isBool(l) && isBool(r)) {
          setBool(i, node(l).boolValue == node(r).boolValue);
        }
        return;
      default:
        return;
    }
  }
};

}  // namespace

void fold(Program& program) {
  if (program.compileError || program.root < 0) return;
  Folder folder(program);
  for (int limit = 1000; limit >= 0; --limit) {
    if (!folder.pass() || folder.failed()) break;
  }
}

}  // namespace rolloutlab::core::argo::detail
