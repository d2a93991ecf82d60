#include "rolloutlab/core/stats/test_result.h"

namespace rolloutlab::core::stats {

const char* toString(Alternative a) {
  switch (a) {
    case Alternative::kLess:
      return "less";
    case Alternative::kGreater:
      return "greater";
    case Alternative::kTwoSided:
      break;
  }
  return "two.sided";
}

std::optional<Alternative> alternativeFromString(std::string_view s) {
  if (s == "two.sided") return Alternative::kTwoSided;
  if (s == "less") return Alternative::kLess;
  if (s == "greater") return Alternative::kGreater;
  return std::nullopt;
}

const char* toString(Computation c) { return c == Computation::kExact ? "exact" : "r"; }

std::optional<Computation> computationFromString(std::string_view s) {
  if (s == "r") return Computation::kR;
  if (s == "exact") return Computation::kExact;
  return std::nullopt;
}

}  // namespace rolloutlab::core::stats
