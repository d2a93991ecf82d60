#include "rolloutlab/core/argo/expr/expr.h"

#include "program.h"

namespace rolloutlab::core::argo {

CompiledExpr compileLenient(std::string_view source) {
  auto program = std::make_shared<detail::Program>();
  program->source = std::string(source);
  detail::parse(*program);
  detail::check(*program);
  detail::fold(*program);
  CompiledExpr expr;
  expr.program_ = std::move(program);
  return expr;
}

CompiledExpr compile(std::string_view source) {
  CompiledExpr expr = compileLenient(source);
  if (const ExprError* e = expr.compileError()) throw ExprException(*e, source);
  // Constant folding fails the same way whatever the result is.
  if (expr.program_->foldError) throw ExprException(*expr.program_->foldError, source);
  return expr;
}

const std::string& CompiledExpr::source() const {
  static const std::string kEmpty;
  return program_ ? program_->source : kEmpty;
}

bool CompiledExpr::ok() const { return program_ && !program_->compileError; }

const ExprError* CompiledExpr::compileError() const {
  static const ExprError kNotCompiled{1, 1, "expression not compiled"};
  if (!program_) return &kNotCompiled;
  return program_->compileError ? &*program_->compileError : nullptr;
}

bool CompiledExpr::evaluate(const Value& result, Value* out, ExprError* error) const {
  if (!program_) {
    if (error) *error = *compileError();
    return false;
  }
  return detail::evaluateProgram(*program_, result, out, error);
}

Value CompiledExpr::evaluate(const Value& result) const {
  Value out;
  ExprError error;
  if (!evaluate(result, &out, &error)) throw ExprException(error, source());
  return out;
}

ConditionResult CompiledExpr::evalCondition(const Value& result) const {
  if (!program_) {
    ConditionResult r;
    r.error = *compileError();
    return r;
  }
  return detail::evaluateCondition(*program_, result);
}

}  // namespace rolloutlab::core::argo
