// Argo Rollouts' condition language (expr): parse, check, fold, then evaluate what compiles
// with `result` bound to each Go type a provider produces.
#include <limits>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "rolloutlab/core/argo/expr/expr.h"

namespace ar = rolloutlab::core::argo;

int rolloutlab::fuzz::argoExpr(const std::uint8_t* data, std::size_t size) {
  const auto text = rolloutlab::fuzz::asText(data, size);
  static const std::vector<ar::Value> results = [] {
    std::vector<ar::Value> r;
    r.push_back(ar::Value());
    r.push_back(ar::Value::number(0.95));
    r.push_back(ar::Value::number(std::numeric_limits<double>::quiet_NaN()));
    r.push_back(ar::Value::integer(-3));
    r.push_back(ar::Value::boolean(true));
    r.push_back(ar::Value::string("ok"));
    r.push_back(ar::Value::floats({1, 2.5, -0.0}));
    r.push_back(ar::Value::floats({}));
    r.push_back(ar::Value::array({ar::Value::integer(1), ar::Value::string("a"), ar::Value()}));
    r.push_back(ar::Value::map({{"status", ar::Value::string("up")},
                                {"data", ar::Value::array({ar::Value::number(1e300)})}}));
    return r;
  }();
  const ar::CompiledExpr e = ar::compileLenient(text);
  for (const ar::Value& r : results) {
    ar::Value out;
    ar::ExprError error;
    if (e.evaluate(r, &out, &error)) (void)out.toString();
    (void)e.evalCondition(r);
  }
  return 0;
}
