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

#include "cli.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/output.h"
#include "rolloutlab/core/bounded_input.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/number_format.h"
#include "rolloutlab/core/stats/fisher.h"
#include "rolloutlab/core/stats/group_sequential.h"
#include "rolloutlab/core/stats/proportion.h"
#include "rolloutlab/core/stats/quantile.h"
#include "rolloutlab/core/stats/rank_sum.h"
#include "rolloutlab/core/stats/welch.h"
#include "rolloutlab/io/samples.h"

namespace rolloutlab::app {

namespace {

namespace st = core::stats;
using Json = nlohmann::ordered_json;

// ---- command line ------------------------------------------------------------------------------

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
       "[--conf-int true|false] [--method r|exact] [-o json|yaml|table]",
       {"x", "y", "alternative", "mu", "exact", "correct", "conf-level", "conf-int", "method", "o"},
       {"x", "y"}},
      {"welch",
       "rolloutlab stats welch --x FILE --y FILE [--alternative two.sided|less|greater] [--mu M] "
       "[--conf-level C] [-o json|yaml|table]",
       {"x", "y", "alternative", "mu", "conf-level", "o"},
       {"x", "y"}},
      {"fisher",
       "rolloutlab stats fisher --table a,b,c,d [--alternative two.sided|less|greater] [--or R] "
       "[--conf-level C] [--method r|exact] [-o json|yaml|table]",
       {"table", "alternative", "or", "conf-level", "method", "o"},
       {"table"}},
      {"binom",
       "rolloutlab stats binom --x K --n N [--p P] [--alternative two.sided|less|greater] "
       "[--conf-level C] [-o json|yaml|table]",
       {"x", "n", "p", "alternative", "conf-level", "o"},
       {"x", "n"}},
      {"prop",
       "rolloutlab stats prop --x X1[,X2,...] --n N1[,N2,...] [--p P1[,P2,...]] "
       "[--alternative two.sided|less|greater] [--correct true|false] [--conf-level C] "
       "[-o json|yaml|table]",
       {"x", "n", "p", "alternative", "correct", "conf-level", "o"},
       {"x", "n"}},
      {"quantile",
       "rolloutlab stats quantile --x FILE [--probs P1,P2,...] [-o json|yaml|table]",
       {"x", "probs", "o"},
       {"x"}},
      {"gsd",
       "rolloutlab stats gsd --looks K [--alpha A] [--type OF|P|asOF|asP] [--sided 1|2] "
       "[--info-rates F1,F2,...] [-o json|yaml|table]",
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
      "Options mean what R's options of the same name mean, with R's defaults (rpact's for gsd).\n"
      "rolloutlab stats <test> --help describes each option. Output: -o json|yaml|table (default: "
      "table on a\n"
      "terminal, json otherwise). Exit codes: 0 success, 1 bad input, 2 a wrong command line.\n";
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

/// Values read from a FILE argument, with the line each came from. Lines are kept as runs
/// (one entry per stretch of values on consecutive lines, or on one line), so a plain file of
/// one number per line costs 8 bytes a value.
struct Sample {
  std::string file;  // as shown in messages: the path, or <stdin>
  std::vector<double> values;

  void add(double v, int line) {
    const std::size_t i = values.size();
    values.push_back(v);
    if (!runs_.empty()) {
      Run& r = runs_.back();
      const auto k = static_cast<long long>(i - r.index);
      if (r.step < 0 && (line == r.line || line == r.line + 1)) r.step = line - r.line;
      if (r.step >= 0 && line == r.line + r.step * k) return;
    }
    runs_.push_back({i, line, -1});
  }
  /// The line value `i` came from.
  int lineOf(std::size_t i) const {
    auto it = std::upper_bound(runs_.begin(), runs_.end(), i,
                               [](std::size_t x, const Run& r) { return x < r.index; });
    if (it == runs_.begin()) return 0;
    --it;
    return it->line + std::max(it->step, 0) * static_cast<int>(i - it->index);
  }

 private:
  struct Run {
    std::size_t index;  // first value of the run
    int line;           // its line
    int step;           // 0: all on one line, 1: one a line, -1: a run of one so far
  };
  std::vector<Run> runs_;
};

[[noreturn]] void inputError(const std::string& field, const std::string& value,
                             const std::string& rule) {
  core::Diagnostic d;
  d.field = field;
  d.value = value;
  d.rule = rule;
  throw core::InputError(std::move(d));
}

// Streams the sample (io::SampleReader): one number per line (blank lines and # comments
// skipped) or one JSON array of numbers, possibly over many lines. Nothing but the values is
// kept, so a big sample costs about 8 bytes a value whatever its text.
void streamSample(std::istream& in, Sample& s, const std::string& field) {
  core::LineReader lines(in, s.file, "a sample file");
  io::SampleOptions options;
  options.layout = io::SampleOptions::Layout::kValues;
  options.field = field;
  io::SampleReader reader(lines, options);
  io::Sample value;
  while (reader.next(value)) s.add(value.value, value.line);
}

Sample readSample(const std::string& path, const std::string& field, std::istream& in) {
  Sample s;
  s.file = path == "-" ? "<stdin>" : path;
  if (path == "-") {
    streamSample(in, s, field);
    return s;
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    core::Diagnostic d;
    d.file = path;
    d.field = "--" + field;
    d.rule = "cannot read the file";
    throw core::InputError(std::move(d));
  }
  streamSample(file, s, field);
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
      if (index && *index >= 0 && static_cast<std::size_t>(*index) < sample->values.size()) {
        d.file = sample->file;
        d.line = sample->lineOf(static_cast<std::size_t>(*index));
        d.field = name;
      }
    }
  }
  return d;
}

// ---- output -------------------------------------------------------------------------------------

// R-like number text: `digits` significant digits (core::formatGeneral, locale-independent),
// NaN, Inf and -Inf as R spells them.
std::string fmt(double v, int digits = 7) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  return core::formatGeneral(v, digits);
}

std::string padLeft(const std::string& s, std::size_t width) {
  return std::string(width > s.size() ? width - s.size() : 1, ' ') + s;
}

// R's format.pval(p, digits = 4).
std::string fmtPValue(double p) {
  constexpr double kEps = 2.220446049250313e-16;
  return p < kEps ? "< 2.2e-16" : "= " + fmt(p, 4);
}

// A JSON number as every document writes it (io::jnum: integral values without a ".0",
// infinities and NaN as null), but a negative zero stays -0.0: R's estimates keep their sign.
Json number(double v) {
  if (v == 0 && std::signbit(v)) return Json(v);
  return io::jnum(v);
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

void emitTest(std::ostream& out, const std::string& format, std::string_view test,
              const st::TestResult& r, const std::string& data) {
  if (format == "table") {
    printTest(out, r, data);
  } else {
    out << render(document("StatsResult", testJson(test, r)), format);
  }
}

// ---- the tests ----------------------------------------------------------------------------------

using Samples = std::vector<std::pair<std::string, const Sample*>>;

int runCommand(const CommandSpec& spec, const Flags& f, const std::string& format, std::istream& in,
               std::ostream& out) {
  const bool table = format == "table";
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
        emitTest(out, format, name, st::rankSumTest(x.values, y.values, rs), data);
      } else {
        st::WelchOptions w;
        w.alternative = alternative;
        w.mu = mu;
        w.confLevel = confLevel;
        emitTest(out, format, name, st::welchTest(x.values, y.values, w), data);
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
      emitTest(out, format, name, st::fisherExactTest(t, o), "table " + *f.get("table"));
    } else if (name == "binom") {
      st::BinomOptions o;
      o.p = doubleFlag(f, "p", 0.5);
      o.alternative = alternativeFlag(f);
      o.confLevel = doubleFlag(f, "conf-level", 0.95);
      const std::int64_t x = intFlag(f, "x", 0);
      const std::int64_t n = intFlag(f, "n", 0);
      emitTest(out, format, name, st::binomTest(x, n, o),
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
      emitTest(out, format, name, st::propTest(x, n, o), *f.get("x") + " out of " + *f.get("n"));
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
        out << render(document("StatsResult", j), format);
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
        out << render(document("StatsResult", j), format);
      }
    }
  } catch (const core::InputError& e) {
    throw core::InputError(locate(e.diagnostic(), samples));
  }
  return 0;
}

// What each flag means, for --help.
struct FlagHelp {
  const char* type;
  const char* meaning;
};
const std::map<std::string_view, FlagHelp>& flagHelp() {
  static const std::map<std::string_view, FlagHelp> kHelp = {
      {"x",
       {"FILE|K|X1,X2",
        "ranksum, welch, quantile: the x sample (FILE, - for standard input); binom: the "
        "number of successes; prop: successes per group"}},
      {"y", {"FILE", "the y sample (FILE, - for standard input)"}},
      {"n", {"N|N1,N2", "binom: the number of trials; prop: trials per group"}},
      {"p",
       {"P|P1,P2", "hypothesized probability of success (binom default 0.5; prop: one per group)"}},
      {"alternative", {"two.sided|less|greater", "the alternative hypothesis (default two.sided)"}},
      {"mu",
       {"M",
        "the location shift (ranksum) or difference in means (welch) under the null (default 0)"}},
      {"exact", {"auto|true|false", "exact p-value (default auto: R's exact = NULL)"}},
      {"correct", {"true|false", "continuity correction (default true)"}},
      {"conf-level", {"C", "confidence level of the interval (default 0.95)"}},
      {"conf-int",
       {"true|false", "compute the Hodges-Lehmann estimate and interval (default true)"}},
      {"table", {"a,b,c,d", "the 2x2 table of counts, by rows"}},
      {"or", {"R", "the odds ratio under the null (default 1)"}},
      {"probs", {"P1,P2,...", "probabilities (default 0,0.25,0.5,0.75,1)"}},
      {"looks", {"K", "number of looks, 1 to 20 (required)"}},
      {"alpha", {"A", "total alpha (default 0.05, spent symmetrically when --sided 2)"}},
      {"type", {"OF|P|asOF|asP", "boundary type (default OF)"}},
      {"sided", {"1|2", "one- or two-sided design (default 2)"}},
      {"info-rates", {"F1,F2,...", "information rates of the looks (default equally spaced)"}},
      {"method",
       {"r|exact",
        "estimates and interval ends R finds with uniroot: as R computes them (r, the "
        "default) or solved exactly (exact)"}},
  };
  return kHelp;
}

const char* kStatsFooter =
    "Options mean what R's options of the same name mean, with R's defaults (rpact's for gsd). A "
    "sample FILE "
    "holds one number per line (blank lines and # comments skipped) or a JSON array; - reads "
    "standard input "
    "(for one sample). JSON has no infinity: an unbounded interval end or boundary is null.\n"
    "Exit codes: 0 success, 1 bad input, 2 a wrong command line.";

std::string testList() {
  std::string list;
  for (const auto& c : commands()) list += (list.empty() ? "" : ", ") + std::string(c.name);
  return list;
}

int runTest(const CommandSpec& spec, const std::vector<std::string>& args, Streams& io) {
  const std::string command = "stats " + std::string(spec.name);
  cli::Parser p(command, "usage: " + std::string(spec.usage), kStatsFooter);
  std::map<std::string, std::optional<std::string>, std::less<>> values;
  for (const auto& name : spec.flags) values[std::string(name)];
  std::optional<std::string> output;
  for (const auto& name : spec.flags) {
    if (name == "o") continue;
    const auto& h = flagHelp().at(name);
    const bool required =
        std::find(spec.required.begin(), spec.required.end(), name) != spec.required.end();
    p.value("--" + std::string(name), &values[std::string(name)], h.type,
            std::string(h.meaning) + (required ? " (required)" : ""));
  }
  p.output(&output, {"json", "yaml", "table"});
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (!p.parse(rest, io)) return 0;
  Flags flags;
  for (const auto& [name, v] : values) {
    if (v) flags.values.emplace(name, *v);
  }
  for (const auto& r : spec.required) {
    if (!flags.values.count(r)) throw UsageError("--" + std::string(r) + " is required");
  }
  const std::string format =
      cli::format(output, {"json", "yaml", "table"}, "table", io.outIsTerminal);
  return runCommand(spec, flags, format, io.in, io.out);
}

}  // namespace

int runStats(const std::vector<std::string>& args, Streams& io) {
  if (args.empty()) throw UsageError("which test? (" + testList() + ")");
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    io.out << overallUsage();
    return 0;
  }
  const CommandSpec* spec = nullptr;
  for (const auto& c : commands()) {
    if (c.name == args[0]) spec = &c;
  }
  if (spec == nullptr)
    throw UsageError("unknown test \"" + args[0] + "\" (tests: " + testList() + ")");
  try {
    return runTest(*spec, args, io);
  } catch (const UsageError& e) {
    io.err << "rolloutlab stats " << spec->name << ": " << e.what() << " (rolloutlab stats "
           << spec->name << " --help)\n";
    return 2;
  } catch (const core::InputError& e) {
    io.err << "error: " << e.diagnostic().toString() << "\n";
    return 1;
  }
}

int runStatsCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                    std::ostream& err) {
  Streams io{in, out, err};
  return runGuarded("stats", runStats, args, io);
}

}  // namespace rolloutlab::app
