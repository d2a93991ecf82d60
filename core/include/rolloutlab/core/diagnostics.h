#pragma once
/// Diagnostics: the one error contract every document rolloutlab reads shares.
///
/// A diagnostic names where (file, line, column), what (the field path and its value) and
/// why (the rule that was broken), and prints as one line:
///   `canary.yaml:12: spec.analysis.interval = "soon": must match ^[0-9]+(m|s)`

#include <stdexcept>
#include <string>
#include <vector>

namespace rolloutlab::core {

enum class Severity {
  kError,    ///< upstream (API server or controller) would reject the object
  kWarning,  ///< upstream accepts it, but it cannot work as the author meant
};

const char* toString(Severity s);

/// Where and why a document is wrong. Line and column are 1-based; 0 means unknown.
struct Diagnostic {
  Severity severity = Severity::kError;
  std::string file;
  int line = 0;
  int column = 0;
  std::string field;  ///< field path, e.g. `spec.analysis.metrics[0].interval`
  std::string value;  ///< the offending value as written (quoted when a string), may be empty
  std::string rule;   ///< the rule broken, e.g. `must match ^[0-9]+(m|s)`

  /// `file:line: field = value: rule` (parts that are unknown are left out).
  std::string toString() const;
};

/// Thrown for bad input; carries the diagnostic. Caught only at the top (CLI, GUI).
class InputError : public std::runtime_error {
 public:
  explicit InputError(Diagnostic d);
  const Diagnostic& diagnostic() const { return diag_; }

 private:
  Diagnostic diag_;
};

/// Thrown when the environment fails (a server that cannot be reached, a repo that cannot be
/// written): exit code 3 in the CLI.
class EnvironmentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown when rolloutlab itself is at fault, not its input: an engine that breaks one of its
/// own invariants (a reconcile loop that does not settle). Exit code 3 in the CLI, with a
/// request to report it with the input files.
class InternalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A list of diagnostics collected while decoding; `errors()` counts the kError ones.
struct Diagnostics {
  std::vector<Diagnostic> items;
  void add(Diagnostic d) { items.push_back(std::move(d)); }
  int errors() const;
  int warnings() const;
  /// Throws InputError with the first error, if any.
  void throwIfErrors() const;
};

/// Quote a string value for a diagnostic: `"soon"`.
std::string quoted(const std::string& s);

}  // namespace rolloutlab::core
