#pragma once
/// A small command-line parser shared by the commands: `--flag value`, `--flag=value`,
/// repeated flags, boolean switches and positional arguments. Wrong usage is reported as a
/// UsageError (exit code 2).

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace rolloutlab::app {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  /// `valued`: flags that take a value (e.g. "--seed", "-o"); `switches`: flags without one;
  /// `multi`: valued flags that also take the following arguments up to the next flag
  /// (`--spec a.yaml b.yaml`).
  Args(const std::vector<std::string>& argv, std::set<std::string> valued,
       std::set<std::string> switches, std::set<std::string> multi = {});

  bool has(const std::string& flag) const;
  std::optional<std::string> get(const std::string& flag) const;  ///< last occurrence
  std::vector<std::string> all(const std::string& flag) const;
  std::string getOr(const std::string& flag, const std::string& fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

  /// Integer/number flags with range checks; throw UsageError naming the flag.
  std::optional<long long> integer(const std::string& flag, long long min, long long max) const;
  std::optional<unsigned long long> unsignedInt(const std::string& flag) const;
  std::optional<double> number(const std::string& flag) const;
  /// A value from a fixed set.
  std::string choice(const std::string& flag, const std::vector<std::string>& allowed,
                     const std::string& fallback) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::set<std::string> switchesSeen_;
  std::vector<std::string> positional_;
};

}  // namespace rolloutlab::app
