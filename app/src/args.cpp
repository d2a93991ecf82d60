#include "rolloutlab/app/args.h"

#include <charconv>
#include <cmath>

namespace rolloutlab::app {

Args::Args(const std::vector<std::string>& argv, std::set<std::string> valued,
           std::set<std::string> switches, std::set<std::string> multi) {
  for (const auto& m : multi) valued.insert(m);
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") {
      for (++i; i < argv.size(); ++i) positional_.push_back(argv[i]);
      break;
    }
    if (a.size() > 1 && a[0] == '-' && a != "-") {
      std::string flag = a, value;
      bool inlineValue = false;
      if (const auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
        flag = a.substr(0, eq);
        value = a.substr(eq + 1);
        inlineValue = true;
      }
      if (valued.count(flag)) {
        if (!inlineValue) {
          if (i + 1 >= argv.size()) throw UsageError(flag + " needs a value");
          value = argv[++i];
        }
        values_[flag].push_back(value);
        if (multi.count(flag) && !inlineValue) {
          while (i + 1 < argv.size() && !(argv[i + 1].size() > 1 && argv[i + 1][0] == '-')) {
            values_[flag].push_back(argv[++i]);
          }
        }
      } else if (switches.count(flag)) {
        if (inlineValue) throw UsageError(flag + " takes no value");
        switchesSeen_.insert(flag);
      } else {
        throw UsageError("unknown option " + flag);
      }
      continue;
    }
    positional_.push_back(a);
  }
}

bool Args::has(const std::string& flag) const {
  return switchesSeen_.count(flag) > 0 || values_.count(flag) > 0;
}

std::optional<std::string> Args::get(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::all(const std::string& flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::getOr(const std::string& flag, const std::string& fallback) const {
  return get(flag).value_or(fallback);
}

std::optional<long long> Args::integer(const std::string& flag, long long min, long long max) const {
  auto v = get(flag);
  if (!v) return std::nullopt;
  long long x = 0;
  auto r = std::from_chars(v->data(), v->data() + v->size(), x);
  if (r.ec != std::errc() || r.ptr != v->data() + v->size()) {
    throw UsageError(flag + " = \"" + *v + "\": must be an integer");
  }
  if (x < min || x > max) {
    throw UsageError(flag + " = " + *v + ": must be between " + std::to_string(min) + " and " +
                     std::to_string(max));
  }
  return x;
}

std::optional<unsigned long long> Args::unsignedInt(const std::string& flag) const {
  auto v = get(flag);
  if (!v) return std::nullopt;
  unsigned long long x = 0;
  auto r = std::from_chars(v->data(), v->data() + v->size(), x);
  if (v->empty() || (*v)[0] == '-' || r.ec != std::errc() || r.ptr != v->data() + v->size()) {
    throw UsageError(flag + " = \"" + *v + "\": must be a non-negative integer below 2^64");
  }
  return x;
}

std::optional<double> Args::number(const std::string& flag) const {
  auto v = get(flag);
  if (!v) return std::nullopt;
  double x = 0;
  auto r = std::from_chars(v->data(), v->data() + v->size(), x);
  if (r.ec != std::errc() || r.ptr != v->data() + v->size() || !std::isfinite(x)) {
    throw UsageError(flag + " = \"" + *v + "\": must be a finite number");
  }
  return x;
}

std::string Args::choice(const std::string& flag, const std::vector<std::string>& allowed,
                         const std::string& fallback) const {
  auto v = get(flag);
  if (!v) return fallback;
  for (const auto& a : allowed) {
    if (*v == a) return a;
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
  throw UsageError(flag + " = \"" + *v + "\": must be one of " + list);
}

}  // namespace rolloutlab::app
