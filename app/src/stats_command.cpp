#include "rolloutlab/app/stats_command.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <deque>
#include <fstream>
#include <istream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/stats/fisher.h"
#include "rolloutlab/core/stats/group_sequential.h"
#include "rolloutlab/core/stats/proportion.h"
#include "rolloutlab/core/stats/quantile.h"
#include "rolloutlab/core/stats/rank_sum.h"
#include "rolloutlab/core/stats/welch.h"

namespace rolloutlab::app {

namespace {

namespace st = core::stats;
using Json = nlohmann::ordered_json;

// ---- command line ------------------------------------------------------------------------------

/// A wrong command line: exit code 2 with the command's usage line.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CommandSpec {
  std::string_view name;
  std::string_view usage;
  std::vector<std::string_view> flags;  // without leading dashes; "o" is -o / --output
  std::vector<std::string_view> required;
};

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> kCommands = {
      {"ranksum",
       "rolloutlab stats ranksum --x FILE --y FILE [--alternative two.sided|less|greater] "
       "[--mu M] [--exact auto|true|false] [--correct true|false] [--conf-level C] "
       "[--conf-int true|false] [--method r|exact] [-o json|table]",
       {"x", "y", "alternative", "mu", "exact", "correct", "conf-level", "conf-int", "method", "o"},
       {"x", "y"}},
      {"welch",
       "rolloutlab stats welch --x FILE --y FILE [--alternative two.sided|less|greater] [--mu M] "
       "[--conf-level C] [-o json|table]",
       {"x", "y", "alternative", "mu", "conf-level", "o"},
       {"x", "y"}},
      {"fisher",
       "rolloutlab stats fisher --table a,b,c,d [--alternative two.sided|less|greater] [--or R] "
       "[--conf-level C] [--method r|exact] [-o json|table]",
       {"table", "alternative", "or", "conf-level", "method", "o"},
       {"table"}},
      {"binom",
       "rolloutlab stats binom --x K --n N [--p P] [--alternative two.sided|less|greater] "
       "[--conf-level C] [-o json|table]",
       {"x", "n", "p", "alternative", "conf-level", "o"},
       {"x", "n"}},
      {"prop",
       "rolloutlab stats prop --x X1[,X2,...] --n N1[,N2,...] [--p P1[,P2,...]] "
       "[--alternative two.sided|less|greater] [--correct true|false] [--conf-level C] "
       "[-o json|table]",
       {"x", "n", "p", "alternative", "correct", "conf-level", "o"},
       {"x", "n"}},
      {"quantile",
       "rolloutlab stats quantile --x FILE [--probs P1,P2,...] [-o json|table]",
       {"x", "probs", "o"},
       {"x"}},
      {"gsd",
       "rolloutlab stats gsd --looks K [--alpha A] [--type OF|P|asOF|asP] [--sided 1|2] "
       "[--info-rates F1,F2,...] [-o json|table]",
       {"looks", "alpha", "type", "sided", "info-rates", "o"},
       {"looks"}},
  };
  return kCommands;
}

std::string overallUsage() {
  std::string text = "usage: rolloutlab stats <test> [options]   (tests: ";
  bool first = true;
  for (const auto& c : commands()) {
    text += (first ? "" : ", ") + std::string(c.name);
    first = false;
  }
  text += ")\n";
  for (const auto& c : commands()) text += "  " + std::string(c.usage) + "\n";
  text +=
      "A FILE holds one number per line or a JSON array; '-' reads standard input.\n"
      "Options mean what R's options of the same name mean, with R's defaults (rpact's for gsd).\n";
  return text;
}

struct Flags {
  std::map<std::string, std::string, std::less<>> values;
  std::optional<std::string> get(std::string_view name) const {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
};

std::string flagName(const std::string& name) { return name == "o" ? "-o" : "--" + name; }

Flags parseFlags(const CommandSpec& spec, const std::vector<std::string>& args) {
  Flags flags;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& token = args[i];
    std::string name;
    std::optional<std::string> value;
    if (token == "-o") {
      name = "o";
    } else if (token.size() > 2 && token.compare(0, 2, "--") == 0) {
      name = token.substr(2);
      const auto eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      if (name == "output") name = "o";
    } else {
      throw UsageError("unexpected argument \"" + token + "\"");
    }
    if (std::find(spec.flags.begin(), spec.flags.end(), name) == spec.flags.end()) {
      throw UsageError("unknown option " + flagName(name) + " for " + std::string(spec.name));
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        throw UsageError("option " + flagName(name) + " needs a value");
      }
      value = args[++i];
    }
    if (!flags.values.emplace(name, *value).second) {
      throw UsageError("option " + flagName(name) + " is given twice");
    }
  }
  for (const auto& r : spec.required) {
    if (!flags.values.count(r)) throw UsageError("missing required option --" + std::string(r));
  }
  return flags;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A whole token as a double (locale-independent); nullopt if it is not one.
std::optional<double> toDouble(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> toInt(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> splitCommas(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto comma = s.find(',', start);
    parts.push_back(s.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return parts;
}

double doubleFlag(const Flags& f, std::string_view name, double fallback) {
  const auto text = f.get(name);
  if (!text) return fallback;
  const auto v = toDouble(*text);
  if (!v) throw UsageError("--" + std::string(name) + " \"" + *text + "\" is not a number");
  return *v;
}

std::int64_t intFlag(const Flags& f, std::string_view name, std::int64_t fallback) {
  const auto text = f.get(name);
  if (!text) return fallback;
  const auto v = toInt(*text);
  if (!v) throw UsageError("--" + std::string(name) + " \"" + *text + "\" is not an integer");
  return *v;
}

// A comma-separated list option; `parse` turns one item into a value, `what` names the kind.
template <typename T, typename Parse>
std::vector<T> listFlag(const Flags& f, std::string_view name, Parse parse, const char* what) {
  std::vector<T> out;
  const auto text = f.get(name);
  if (!text) return out;
  for (auto part : splitCommas(*text)) {
    const std::optional<T> v = parse(part);
    if (!v) {
      throw UsageError("--" + std::string(name) + ": \"" + std::string(part) + "\" is not " + what);
    }
    out.push_back(*v);
  }
  return out;
}

std::vector<double> doubleListFlag(const Flags& f, std::string_view name) {
  return listFlag<double>(f, name, toDouble, "a number");
}

std::vector<std::int64_t> intListFlag(const Flags& f, std::string_view name) {
  return listFlag<std::int64_t>(f, name, toInt, "an integer");
}

bool boolFlag(const Flags& f, std::string_view name, bool fallback) {
  const auto text = f.get(name);
  if (!text) return fallback;
  if (*text == "true" || *text == "TRUE") return true;
  if (*text == "false" || *text == "FALSE") return false;
  throw UsageError("--" + std::string(name) + " must be true or false, not \"" + *text + "\"");
}

st::Alternative alternativeFlag(const Flags& f) {
  const auto text = f.get("alternative");
  if (!text) return st::Alternative::kTwoSided;
  const auto a = st::alternativeFromString(*text);
  if (!a) {
    throw UsageError("--alternative must be two.sided, less or greater, not \"" + *text + "\"");
  }
  return *a;
}

// --method: how estimates and interval ends that R finds with uniroot are computed.
st::Computation methodFlag(const Flags& f) {
  const std::string text = f.get("method").value_or("r");
  const auto c = st::computationFromString(text);
  if (!c) throw UsageError("--method must be r or exact, not \"" + text + "\"");
  return *c;
}

// ---- samples
// -------------------------------------------------------------------------------------

/// Values read from a FILE argument, with the line each came from.
struct Sample {
  std::string file;  // as shown in messages: the path, or <stdin>
  std::vector<double> values;
  std::vector<int> lines;
};

[[noreturn]] void inputError(const std::string& field, const std::string& value,
                             const std::string& rule) {
  core::Diagnostic d;
  d.field = field;
  d.value = value;
  d.rule = rule;
  throw core::InputError(std::move(d));
}

[[noreturn]] void badValue(const std::string& file, int line, const std::string& field,
                           std::string_view token, const std::string& rule) {
  core::Diagnostic d;
  d.file = file;
  d.line = line;
  d.field = field;
  d.value = core::quoted(std::string(token));
  d.rule = rule;
  throw core::InputError(std::move(d));
}

// One value: a finite number, or an error naming file:line.
double sampleValue(const std::string& file, int line, const std::string& field,
                   std::string_view token) {
  const auto v = toDouble(token);
  if (!v) badValue(file, line, field, token, "not a number");
  if (!std::isfinite(*v)) badValue(file, line, field, token, "must be a finite number");
  return *v;
}

void parseJsonArray(const std::string& text, Sample& s, const std::string& field) {
  int line = 1;
  std::size_t i = 0;
  const auto skipSpace = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) {
      if (text[i] == '\n') ++line;
      ++i;
    }
  };
  skipSpace();
  ++i;  // '['
  skipSpace();
  if (i < text.size() && text[i] == ']') {
    ++i;
  } else {
    while (true) {
      skipSpace();
      const std::size_t start = i;
      while (i < text.size() && text[i] != ',' && text[i] != ']' &&
             !std::isspace(static_cast<unsigned char>(text[i]))) {
        ++i;
      }
      const std::string_view token(text.data() + start, i - start);
      if (token.empty())
        badValue(s.file, line, field, token, "expected a number in the JSON array");
      s.values.push_back(sampleValue(s.file, line, field, token));
      s.lines.push_back(line);
      skipSpace();
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == ']') {
        ++i;
        break;
      }
      badValue(s.file, line, field, i < text.size() ? text.substr(i, 1) : "",
               "expected ',' or ']' in the JSON array");
    }
  }
  skipSpace();
  if (i < text.size())
    badValue(s.file, line, field, text.substr(i, 1), "text after the JSON array");
}

Sample readSample(const std::string& path, const std::string& field, std::istream& in) {
  Sample s;
  s.file = path == "-" ? "<stdin>" : path;
  std::string text;
  if (path == "-") {
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      core::Diagnostic d;
      d.file = path;
      d.field = "--" + field;
      d.rule = "cannot read the file";
      throw core::InputError(std::move(d));
    }
    std::ostringstream ss;
    ss << file.rdbuf();
    text = ss.str();
  }
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    parseJsonArray(text, s, field);
    return s;
  }
  std::istringstream lines(text);
  std::string raw;
  int line = 0;
  while (std::getline(lines, raw)) {
    ++line;
    const std::string_view token = trim(raw);
    if (token.empty() || token.front() == '#') continue;
    s.values.push_back(sampleValue(s.file, line, field, token));
    s.lines.push_back(line);
  }
  return s;
}

// Library errors about `x[i]` / `x` point back at the file (and line) the values came from.
core::Diagnostic locate(core::Diagnostic d,
                        const std::vector<std::pair<std::string, const Sample*>>& samples) {
  for (const auto& [name, sample] : samples) {
    if (d.field == name) {
      d.file = sample->file;
    } else if (d.field.size() > name.size() + 2 &&
               d.field.compare(0, name.size() + 1, name + "[") == 0 && d.field.back() == ']') {
      const auto index = toInt(
          std::string_view(d.field).substr(name.size() + 1, d.field.size() - name.size() - 2));
      if (index && *index >= 0 && static_cast<std::size_t>(*index) < sample->lines.size()) {
        d.file = sample->file;
        d.line = sample->lines[static_cast<std::size_t>(*index)];
        d.field = name;
      }
    }
  }
  return d;
}

// ---- output -------------------------------------------------------------------------------------

// R-like number text: `digits` significant digits, Inf / -Inf, locale-independent.
std::string fmt(double v, int digits = 7) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  std::array<char, 64> buf{};
  const auto res =
      std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::general, digits);
  return std::string(buf.data(), res.ptr);
}

std::string padLeft(const std::string& s, std::size_t width) {
  return std::string(width > s.size() ? width - s.size() : 1, ' ') + s;
}

// R's format.pval(p, digits = 4).
std::string fmtPValue(double p) {
  constexpr double kEps = 2.220446049250313e-16;
  return p < kEps ? "< 2.2e-16" : "= " + fmt(p, 4);
}

// A JSON number in its shortest form: integral values without a ".0" (nlohmann writes 26.0),
// others as nlohmann's shortest round-trip text; infinities and NaN as null.
Json number(double v) {
  if (!std::isfinite(v)) return Json(nullptr);
  if (v == std::trunc(v) && std::abs(v) < 0x1p53 && !(v == 0 && std::signbit(v))) {
    return Json(static_cast<std::int64_t>(v));
  }
  return Json(v);
}

Json numbers(const std::vector<double>& values) {
  Json a = Json::array();
  for (double v : values) a.push_back(number(v));
  return a;
}

Json testJson(std::string_view test, const st::TestResult& r) {
  Json j;
  j["test"] = test;
  j["method"] = r.method;
  j["alternative"] = st::toString(r.alternative);
  if (r.statistic) {
    j["statistic"] = number(*r.statistic);
    j["statistic_name"] = r.statisticName;
  }
  if (r.parameter) {
    j["parameter"] = number(*r.parameter);
    j["parameter_name"] = r.parameterName;
  }
  j["p_value"] = number(r.pValue);
  if (r.estimate.size() == 1) {
    j["estimate"] = number(r.estimate[0]);
    j["estimate_name"] = r.estimateNames.at(0);
  } else if (!r.estimate.empty()) {
    j["estimate"] = numbers(r.estimate);
    j["estimate_name"] = r.estimateNames;
  }
  if (r.confInt) {
    j["conf_int"] = Json::array({number(r.confInt->lo), number(r.confInt->hi)});
    j["conf_level"] = number(r.confLevel);
  }
  if (r.nullValue) {
    j["null_value"] = number(*r.nullValue);
    j["null_value_name"] = r.nullValueName;
  }
  j["warnings"] = r.warnings;
  if (r.computation) j["computation"] = st::toString(*r.computation);
  return j;
}

void printTest(std::ostream& out, const st::TestResult& r, const std::string& data) {
  out << "\n    " << r.method << "\n\n";
  out << "data: " << data << "\n";
  std::string line;
  if (r.statistic) line += r.statisticName + " = " + fmt(*r.statistic, 5) + ", ";
  if (r.parameter) line += r.parameterName + " = " + fmt(*r.parameter, 5) + ", ";
  out << line << "p-value " << fmtPValue(r.pValue) << "\n";
  if (r.nullValue) {
    const char* relation = r.alternative == st::Alternative::kTwoSided ? "not equal to"
                           : r.alternative == st::Alternative::kLess   ? "less than"
                                                                       : "greater than";
    out << "alternative hypothesis: true " << r.nullValueName << " is " << relation << " "
        << fmt(*r.nullValue) << "\n";
  } else {
    out << "alternative hypothesis: " << st::toString(r.alternative) << "\n";
  }
  if (r.confInt) {
    out << fmt(100 * r.confLevel) << " percent confidence interval:\n " << fmt(r.confInt->lo) << " "
        << fmt(r.confInt->hi) << "\n";
  }
  if (!r.estimate.empty()) {
    out << "sample estimates:\n";
    for (std::size_t i = 0; i < r.estimate.size(); ++i) {
      out << "  " << r.estimateNames.at(i) << ": " << fmt(r.estimate[i]) << "\n";
    }
  }
  for (const auto& w : r.warnings) out << "warning: " << w << "\n";
  out << "\n";
}

void emitTest(std::ostream& out, bool table, std::string_view test, const st::TestResult& r,
              const std::string& data) {
  if (table) {
    printTest(out, r, data);
  } else {
    out << testJson(test, r).dump() << "\n";
  }
}

// ---- the tests ----------------------------------------------------------------------------------

using Samples = std::vector<std::pair<std::string, const Sample*>>;

int runCommand(const CommandSpec& spec, const Flags& f, std::istream& in, std::ostream& out) {
  const std::string output = f.get("o").value_or("json");
  if (output != "json" && output != "table") {
    throw UsageError("-o must be json or table, not \"" + output + "\"");
  }
  const bool table = output == "table";
  const std::string_view name = spec.name;
  std::deque<Sample> loaded;  // outlives the try block: errors point back into it
  Samples samples;
  try {
    if (name == "ranksum" || name == "welch") {
      const std::string xPath = *f.get("x");
      const std::string yPath = *f.get("y");
      if (xPath == "-" && yPath == "-") throw UsageError("only one sample can be read from '-'");
      st::Alternative alternative = alternativeFlag(f);
      const double mu = doubleFlag(f, "mu", 0.0);
      const double confLevel = doubleFlag(f, "conf-level", 0.95);
      st::RankSumOptions rs;
      if (name == "ranksum") {
        const std::string exact = f.get("exact").value_or("auto");
        if (exact == "auto") {
          rs.exact = st::ExactMode::kAuto;
        } else if (exact == "true" || exact == "TRUE") {
          rs.exact = st::ExactMode::kYes;
        } else if (exact == "false" || exact == "FALSE") {
          rs.exact = st::ExactMode::kNo;
        } else {
          throw UsageError("--exact must be auto, true or false, not \"" + exact + "\"");
        }
        rs.correct = boolFlag(f, "correct", true);
        rs.confInt = boolFlag(f, "conf-int", true);
        rs.computation = methodFlag(f);
      }
      const Sample& x = loaded.emplace_back(readSample(xPath, "x", in));
      samples.emplace_back("x", &x);
      const Sample& y = loaded.emplace_back(readSample(yPath, "y", in));
      samples.emplace_back("y", &y);
      const std::string data = x.file + " and " + y.file;
      if (name == "ranksum") {
        rs.alternative = alternative;
        rs.mu = mu;
        rs.confLevel = confLevel;
        emitTest(out, table, name, st::rankSumTest(x.values, y.values, rs), data);
      } else {
        st::WelchOptions w;
        w.alternative = alternative;
        w.mu = mu;
        w.confLevel = confLevel;
        emitTest(out, table, name, st::welchTest(x.values, y.values, w), data);
      }
    } else if (name == "fisher") {
      const std::vector<std::int64_t> cells = intListFlag(f, "table");
      if (cells.size() != 4) throw UsageError("--table needs four counts a,b,c,d");
      st::FisherOptions o;
      o.alternative = alternativeFlag(f);
      o.oddsRatio = doubleFlag(f, "or", 1.0);
      o.confLevel = doubleFlag(f, "conf-level", 0.95);
      o.computation = methodFlag(f);
      const std::array<std::int64_t, 4> t{cells[0], cells[1], cells[2], cells[3]};
      emitTest(out, table, name, st::fisherExactTest(t, o), "table " + *f.get("table"));
    } else if (name == "binom") {
      st::BinomOptions o;
      o.p = doubleFlag(f, "p", 0.5);
      o.alternative = alternativeFlag(f);
      o.confLevel = doubleFlag(f, "conf-level", 0.95);
      const std::int64_t x = intFlag(f, "x", 0);
      const std::int64_t n = intFlag(f, "n", 0);
      emitTest(out, table, name, st::binomTest(x, n, o),
               std::to_string(x) + " successes in " + std::to_string(n) + " trials");
    } else if (name == "prop") {
      const std::vector<std::int64_t> x = intListFlag(f, "x");
      const std::vector<std::int64_t> n = intListFlag(f, "n");
      const std::vector<double> p = doubleListFlag(f, "p");
      st::PropOptions o;
      o.p = p;
      o.alternative = alternativeFlag(f);
      o.correct = boolFlag(f, "correct", true);
      o.confLevel = doubleFlag(f, "conf-level", 0.95);
      emitTest(out, table, name, st::propTest(x, n, o), *f.get("x") + " out of " + *f.get("n"));
    } else if (name == "quantile") {
      std::vector<double> probs = doubleListFlag(f, "probs");
      if (!f.get("probs")) probs = {0, 0.25, 0.5, 0.75, 1};  // R's default seq(0, 1, 0.25)
      const Sample& x = loaded.emplace_back(readSample(*f.get("x"), "x", in));
      samples.emplace_back("x", &x);
      const std::vector<double> q = st::quantile7(x.values, probs);
      if (table) {
        out << "type-7 quantiles of " << x.file << " (n = " << x.values.size() << ")\n";
        for (std::size_t i = 0; i < q.size(); ++i) {
          out << "  " << fmt(100 * probs[i]) << "%: " << fmt(q[i]) << "\n";
        }
      } else {
        Json j;
        j["test"] = "quantile";
        j["type"] = 7;
        j["n"] = x.values.size();
        j["probs"] = numbers(probs);
        j["quantiles"] = numbers(q);
        out << j.dump() << "\n";
      }
    } else if (name == "gsd") {
      st::GroupSequentialOptions o;
      const std::int64_t looks = intFlag(f, "looks", 0);
      if (looks < 1 || looks > 20) {
        inputError("looks", std::to_string(looks), "must be between 1 and 20");
      }
      o.looks = static_cast<int>(looks);
      o.alpha = doubleFlag(f, "alpha", 0.05);
      // `--alpha` is the total two-sided alpha, spent symmetrically (rpact sided = 2), as the
      // CLI conventions of the statistics reference say; --sided 1 for one-sided designs.
      const std::int64_t sided = intFlag(f, "sided", 2);
      if (sided != 1 && sided != 2) inputError("sided", std::to_string(sided), "must be 1 or 2");
      o.sided = static_cast<int>(sided);
      const std::string type = f.get("type").value_or("OF");
      const auto parsed = st::boundaryTypeFromString(type);
      if (!parsed) throw UsageError("--type must be OF, P, asOF or asP, not \"" + type + "\"");
      o.type = *parsed;
      o.informationRates = doubleListFlag(f, "info-rates");
      const st::GroupSequentialDesign d = st::groupSequentialDesign(o);
      if (table) {
        out << "Group-sequential design " << type << ", " << (o.sided == 1 ? "one" : "two")
            << "-sided alpha = " << fmt(o.alpha) << ", " << o.looks << " looks\n\n";
        out << "look  information  critical z  stage level  alpha spent\n";
        for (std::size_t k = 0; k < d.criticalValues.size(); ++k) {
          out << padLeft(std::to_string(k + 1), 4)
              << padLeft(fmt(d.options.informationRates[k], 6), 13)
              << padLeft(fmt(d.criticalValues[k], 6), 12) << padLeft(fmt(d.stageLevels[k], 6), 13)
              << padLeft(fmt(d.alphaSpent[k], 6), 13) << "\n";
        }
      } else {
        Json j;
        j["test"] = "gsd";
        j["type"] = type;
        j["looks"] = o.looks;
        j["alpha"] = number(o.alpha);
        j["sided"] = o.sided;
        j["information_rates"] = numbers(d.options.informationRates);
        j["boundaries"] = numbers(d.criticalValues);
        j["alpha_spent"] = numbers(d.alphaSpent);
        j["stage_levels"] = numbers(d.stageLevels);
        out << j.dump() << "\n";
      }
    }
  } catch (const core::InputError& e) {
    throw core::InputError(locate(e.diagnostic(), samples));
  }
  return 0;
}

}  // namespace

int runStatsCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                    std::ostream& err) {
  if (args.empty()) {
    err << "rolloutlab stats: which test?\n" << overallUsage();
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << overallUsage();
    return 0;
  }
  const CommandSpec* spec = nullptr;
  for (const auto& c : commands()) {
    if (c.name == args[0]) spec = &c;
  }
  if (spec == nullptr) {
    err << "rolloutlab stats: unknown test \"" << args[0] << "\"\n" << overallUsage();
    return 2;
  }
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      out << "usage: " << spec->usage << "\n";
      return 0;
    }
  }
  try {
    const Flags flags = parseFlags(*spec, args);
    return runCommand(*spec, flags, in, out);
  } catch (const UsageError& e) {
    err << "rolloutlab stats " << spec->name << ": " << e.what() << "\nusage: " << spec->usage
        << "\n";
    return 2;
  } catch (const core::InputError& e) {
    err << e.diagnostic().toString() << "\n";
    return 1;
  }
}

}  // namespace rolloutlab::app
