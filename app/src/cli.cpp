#include "cli.h"

#include <charconv>
#include <cmath>
#include <istream>
#include <ostream>
#include <sstream>

#include "rolloutlab/core/bounded_input.h"
#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::app::cli {

namespace {

// Help text: CLI11's layout with wider columns and no "[OPTIONS]" noise beyond the usage line.
std::shared_ptr<CLI::Formatter> formatter() {
  auto f = std::make_shared<CLI::Formatter>();
  f->column_width(34);
  f->label("REQUIRED", "(required)");
  return f;
}

// Prose wrapped at 79 columns (paragraphs are the lines of `text`).
std::string wrap(const std::string& text) {
  std::istringstream lines(text);
  std::string line, out;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string word, cur;
    while (words >> word) {
      if (!cur.empty() && cur.size() + 1 + word.size() > 79) {
        out += cur + "\n";
        cur.clear();
      }
      cur += (cur.empty() ? "" : " ") + word;
    }
    out += cur + "\n";
  }
  if (!out.empty()) out.pop_back();
  return out;
}

}  // namespace

Parser::Parser(const std::string& command, const std::string& description,
               const std::string& footer)
    : command_(command),
      app_(std::make_unique<CLI::App>(wrap(description), "rolloutlab " + command)) {
  app_->formatter(formatter());
  app_->set_help_flag("-h,--help", "print this help and exit");
  app_->allow_extras(true);  // reported by parse() as one line naming the argument
  app_->allow_windows_style_options(false);
  if (!footer.empty()) app_->footer(wrap(footer));
}

void Parser::value(const std::string& names, std::optional<std::string>* out,
                   const std::string& typeName, const std::string& help) {
  app_->add_option_function<std::string>(
          names, [out](const std::string& v) { *out = v; }, help)
      ->type_name(typeName)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

void Parser::list(const std::string& names, std::vector<std::string>* out,
                  const std::string& typeName, const std::string& help) {
  app_->add_option(names, *out, help)
      ->type_name(typeName)
      ->expected(1, CLI::detail::expected_max_vector_size)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(true);
}

void Parser::flag(const std::string& names, bool* out, const std::string& help) {
  app_->add_flag(names, *out, help);
}

void Parser::positionals(const std::string& name, std::vector<std::string>* out,
                         const std::string& help) {
  app_->add_option(name, *out, help)->type_name("");
}

void Parser::output(std::optional<std::string>* out, const std::vector<std::string>& formats) {
  output_ = out;
  formats_ = formats;
  std::string list;
  for (const auto& f : formats) list += (list.empty() ? "" : "|") + f;
  value("-o,--output", out, list,
        "output format; default: the human one (" +
            std::string(formats.back() == "text" ? "text" : "table") +
            ") on a terminal, json otherwise (a pipe, a file, --out)");
}

bool Parser::parse(const std::vector<std::string>& args, Streams& io) {
  // CLI11 wants the arguments in reverse order.
  std::vector<std::string> rev(args.rbegin(), args.rend());
  try {
    app_->parse(rev);
  } catch (const CLI::CallForHelp&) {
    io.out << help();
    return false;
  } catch (const CLI::RequiredError& e) {
    std::string what = e.what();
    throw UsageError(what.find("is required") != std::string::npos ? what : what + " is required");
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    for (auto& c : what) {
      if (c == '\n') c = ' ';
    }
    throw UsageError(what);
  }
  const auto rest = app_->remaining();
  if (!rest.empty()) {
    const std::string& a = rest.front();
    if (a.size() > 1 && a[0] == '-') {
      const auto eq = a.find('=');
      throw UsageError("unknown option " + a.substr(0, eq));
    }
    throw UsageError("unexpected argument \"" + a + "\"");
  }
  if (output_ != nullptr) (void)choice(*output_, "-o", formats_, "");
  return true;
}

std::string Parser::help() const { return app_->help(); }

std::string format(const std::optional<std::string>& given, const std::vector<std::string>& formats,
                   const std::string& human, bool toTerminal) {
  if (given) return choice(given, "-o", formats, "");
  return toTerminal ? human : "json";
}

long long integer(const std::optional<std::string>& v, const std::string& flag, long long min,
                  long long max, long long fallback) {
  if (!v) return fallback;
  long long x = 0;
  const char* b = v->data() + (!v->empty() && (*v)[0] == '+' ? 1 : 0);
  auto r = std::from_chars(b, v->data() + v->size(), x);
  if (v->empty() || r.ec != std::errc() || r.ptr != v->data() + v->size()) {
    throw UsageError(flag + " = \"" + *v + "\": must be an integer");
  }
  if (x < min || x > max) {
    throw UsageError(flag + " = " + *v + ": must be between " + std::to_string(min) + " and " +
                     std::to_string(max));
  }
  return x;
}

std::optional<std::uint64_t> unsignedInt(const std::optional<std::string>& v,
                                         const std::string& flag) {
  if (!v) return std::nullopt;
  std::uint64_t x = 0;
  auto r = std::from_chars(v->data(), v->data() + v->size(), x);
  if (v->empty() || (*v)[0] == '-' || r.ec != std::errc() || r.ptr != v->data() + v->size()) {
    throw UsageError(flag + " = \"" + *v + "\": must be a non-negative integer below 2^64");
  }
  return x;
}

std::uint64_t unsignedInt(const std::optional<std::string>& v, const std::string& flag,
                          std::uint64_t fallback) {
  return unsignedInt(v, flag).value_or(fallback);
}

double number(const std::optional<std::string>& v, const std::string& flag, double fallback) {
  if (!v) return fallback;
  double x = 0;
  const char* b = v->data() + (!v->empty() && (*v)[0] == '+' ? 1 : 0);
  auto r = std::from_chars(b, v->data() + v->size(), x);
  if (v->empty() || r.ec != std::errc() || r.ptr != v->data() + v->size() || !std::isfinite(x)) {
    throw UsageError(flag + " = \"" + *v + "\": must be a finite number");
  }
  return x;
}

std::string choice(const std::optional<std::string>& v, const std::string& flag,
                   const std::vector<std::string>& allowed, const std::string& fallback) {
  if (!v) return fallback;
  for (const auto& a : allowed) {
    if (*v == a) return a;
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
  throw UsageError(flag + " = \"" + *v + "\": must be one of " + list);
}

void checkStdinOnce(const std::vector<std::pair<std::string, std::vector<std::string>>>& uses) {
  std::string first;
  for (const auto& [flag, values] : uses) {
    for (const auto& v : values) {
      if (v != "-") continue;
      if (!first.empty()) {
        throw UsageError(flag + " = \"-\": standard input is already read by " + first +
                         " (it can be read once)");
      }
      first = flag;
    }
  }
}

std::string readAll(std::istream& in, const std::string& name) {
  return core::readAllBounded(in, name, core::kMaxDocumentBytes, "a document");
}

Workspace load(const std::vector<std::string>& paths, Streams& io) {
  for (const auto& p : paths) {
    if (p == "-") {
      const std::string text = readAll(io.in);
      return loadWorkspace(paths, &text);
    }
  }
  return loadWorkspace(paths);
}

void requireTarget(const Workspace& specs, const std::string& target, const std::string& file) {
  if (!target.empty() || specs.canaries.size() + specs.rollouts.size() < 2) return;
  std::string loaded;
  for (const auto& o : specs.objects) {
    if (o.valid && (o.kind == "Canary" || o.kind == "Rollout"))
      loaded += (loaded.empty() ? "" : ", ") + o.kind + " " + o.name;
  }
  throw core::InputError({core::Severity::kError, file, 0, 0, "--target", "",
                          "several specs are loaded (" + loaded +
                              "): name the one to run with --target (or a Script's spec.target)"});
}

void print(Streams& io, const std::string& text) { io.out << text; }

}  // namespace rolloutlab::app::cli
