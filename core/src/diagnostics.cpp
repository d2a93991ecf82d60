#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::core {

const char* toString(Severity s) { return s == Severity::kError ? "error" : "warning"; }

std::string Diagnostic::toString() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) {
      out += ':' + std::to_string(line);
    }
    out += ": ";
  }
  if (!field.empty()) {
    out += field;
    if (!value.empty()) {
      out += " = " + value;
    }
    out += ": ";
  } else if (!value.empty()) {
    out += value + ": ";
  }
  out += rule;
  return out;
}

InputError::InputError(Diagnostic d) : std::runtime_error(d.toString()), diag_(std::move(d)) {}

int Diagnostics::errors() const {
  int n = 0;
  for (const auto& d : items) n += d.severity == Severity::kError;
  return n;
}

int Diagnostics::warnings() const { return static_cast<int>(items.size()) - errors(); }

void Diagnostics::throwIfErrors() const {
  for (const auto& d : items) {
    if (d.severity == Severity::kError) throw InputError(d);
  }
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  }
  if (out.size() > 82) out = out.substr(0, 78) + "...";
  return out + '"';
}

}  // namespace rolloutlab::core
