#pragma once
// The one command-line layer of the `rolloutlab` commands, over CLI11: every command declares
// its flags here, so `--flag value` and `--flag=value` both work everywhere, a flag given twice
// keeps its last value (list flags collect every value), wrong usage is a UsageError (exit 2)
// naming the flag, and `--help` prints every flag with its meaning.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/json_util.h"

namespace rolloutlab::app::cli {

/// One command's flags and help.
class Parser {
 public:
  /// `command` as typed ("simulate", "stats ranksum"); `description` opens the help; `footer`
  /// closes it (exit codes, notes).
  Parser(const std::string& command, const std::string& description,
         const std::string& footer = "");

  /// A flag with one value (`--seed N`); given twice, the last one counts. `names` is CLI11's
  /// ("-o,--output"), `typeName` the placeholder shown in the help ("N", "FILE").
  void value(const std::string& names, std::optional<std::string>* out, const std::string& typeName,
             const std::string& help);
  /// A flag taking one or more values, repeatable (`--spec a.yaml b.yaml --spec c`).
  void list(const std::string& names, std::vector<std::string>* out, const std::string& typeName,
            const std::string& help);
  /// A switch (`--strict`).
  void flag(const std::string& names, bool* out, const std::string& help);
  /// Positional arguments.
  void positionals(const std::string& name, std::vector<std::string>* out, const std::string& help);
  /// `-o, --output FORMAT` over `formats` (the first is the machine default, see `format`).
  void output(std::optional<std::string>* out, const std::vector<std::string>& formats);

  /// Parses `args` (the arguments after the command name). Returns false when `--help` was
  /// asked (the help is then printed on io.out). Throws UsageError.
  bool parse(const std::vector<std::string>& args, Streams& io);

  std::string help() const;
  const std::string& command() const { return command_; }

 private:
  std::string command_;
  std::unique_ptr<CLI::App> app_;
  std::optional<std::string>* output_ = nullptr;
  std::vector<std::string> formats_;
};

/// The output format: `given` when set (checked against `formats`), else the one default rule
/// of every command: `human` ("table", or "text" for validate) when the output goes to a
/// terminal, `json` otherwise (a pipe, a file, `--out FILE`).
std::string format(const std::optional<std::string>& given, const std::vector<std::string>& formats,
                   const std::string& human, bool toTerminal);

/// Value checks: each throws UsageError naming the flag, its value and the rule.
long long integer(const std::optional<std::string>& v, const std::string& flag, long long min,
                  long long max, long long fallback);
std::uint64_t unsignedInt(const std::optional<std::string>& v, const std::string& flag,
                          std::uint64_t fallback);
std::optional<std::uint64_t> unsignedInt(const std::optional<std::string>& v,
                                         const std::string& flag);
double number(const std::optional<std::string>& v, const std::string& flag, double fallback);
std::string choice(const std::optional<std::string>& v, const std::string& flag,
                   const std::vector<std::string>& allowed, const std::string& fallback);

/// Standard input as a file named `-`: it can be read once, so a command line that names `-`
/// twice is a usage error. `uses` lists (flag, value) pairs of every file argument.
void checkStdinOnce(const std::vector<std::pair<std::string, std::vector<std::string>>>& uses);
/// All of `in` (named `name` in messages), refused past the 64 MiB document cap or at a NUL
/// byte (core::readAllBounded).
std::string readAll(std::istream& in, const std::string& name = "<stdin>");

/// loadWorkspace where a path `-` reads all of io.in (checkStdinOnce has made it the only one).
Workspace load(const std::vector<std::string>& paths, Streams& io);

/// A run needs its target named when several Canaries and Rollouts are loaded: `target` empty
/// then throws InputError naming `file` (the Script, Scenario or Replay; "" for flags) and
/// listing them. One loaded spec needs no name.
void requireTarget(const Workspace& specs, const std::string& target, const std::string& file);

/// Writes a document (json | yaml) or a text to io.out.
void print(Streams& io, const std::string& text);

/// The name diagnostics give standard input.
inline constexpr const char* kStdinName = "<stdin>";

}  // namespace rolloutlab::app::cli
