#pragma once
// Private helpers of the statistics library: input checks that throw InputError, number
// formatting for messages, and Boost.Math distributions with a non-throwing policy.

#include <boost/math/distributions/normal.hpp>
#include <boost/math/policies/policy.hpp>
#include <cstdint>
#include <span>
#include <string>

namespace rolloutlab::core::stats::detail {

/// Boost.Math policy: no exceptions (results at the edges are 0, 1 or +-infinity as in R).
using Policy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::underflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>>;

/// Throws InputError{field, value, rule}.
[[noreturn]] void fail(const std::string& field, const std::string& value, const std::string& rule);
/// Shortest round-trip text of a double ("0.1", "1e-300", "inf", "nan").
std::string formatNumber(double v);

/// Every value finite; the error names `name[i]` (0-based) and the value.
void requireFinite(std::span<const double> values, const char* name);
/// At least `minimum` values.
void requireSize(std::span<const double> values, std::size_t minimum, const char* name);
/// 0 < level < 1, as R's conf.level.
void requireConfLevel(double level, const char* name = "conf_level");

/// Standard normal: lower and upper tail probabilities, quantiles (R's pnorm / qnorm).
double pnorm(double z);
double pnormUpper(double z);
double qnorm(double p);
double qnormUpper(double p);

}  // namespace rolloutlab::core::stats::detail
