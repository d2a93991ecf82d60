#pragma once
// Entry point of the parser for the evaluator.

#include <memory>
#include <string_view>

#include "ast.h"

namespace rolloutlab::core::promql {

/// Parses and type-checks a query; throws InputError (see query.h `parse`).
std::shared_ptr<const detail::Ast> parseAst(std::string_view query);

}  // namespace rolloutlab::core::promql
