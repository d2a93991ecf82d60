#include <algorithm>
#include <iostream>

#include "cli.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/output.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/json_util.h"

namespace rolloutlab::app {

namespace {

io::Json validationJson(const Workspace& ws, int errors) {
  io::Json j;
  io::Json objs = io::Json::array();
  for (const auto& o : ws.objects) {
    io::Json x;
    x["file"] = o.file;
    x["line"] = o.line;
    x["kind"] = o.kind;
    x["name"] = o.name;
    x["summary"] = o.summary;
    x["valid"] = o.valid;
    objs.push_back(std::move(x));
  }
  j["objects"] = std::move(objs);
  io::Json sk = io::Json::array();
  for (const auto& s : ws.skipped) {
    io::Json x;
    x["file"] = s.file;
    x["line"] = s.line;
    x["apiVersion"] = s.apiVersion;
    x["kind"] = s.kind;
    x["name"] = s.name;
    sk.push_back(std::move(x));
  }
  j["skipped"] = std::move(sk);
  io::Json ds = io::Json::array();
  for (const auto& d : ws.diagnostics.items) {
    io::Json x;
    x["severity"] = core::toString(d.severity);
    x["file"] = d.file;
    x["line"] = d.line;
    x["field"] = d.field;
    x["value"] = d.value;
    x["rule"] = d.rule;
    x["message"] = d.toString();
    ds.push_back(std::move(x));
  }
  j["diagnostics"] = std::move(ds);
  j["errors"] = errors;
  j["warnings"] = ws.diagnostics.warnings();
  return document("ValidationReport", j);
}

void printTable(std::ostream& out, const Workspace& ws) {
  std::vector<std::vector<std::string>> rows = {{"KIND", "NAME", "STATUS", "WHERE", "SUMMARY"}};
  for (const auto& o : ws.objects)
    rows.push_back({o.kind, o.name, o.valid ? "valid" : "invalid",
                    o.file + ":" + std::to_string(o.line), o.summary});
  for (const auto& s : ws.skipped)
    rows.push_back(
        {s.kind, s.name, "skipped", s.file + ":" + std::to_string(s.line), s.apiVersion});
  std::vector<std::size_t> w(5, 0);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) w[c] = std::max(w[c], r[c].size());
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c)
      line += c + 1 < r.size() ? r[c] + std::string(w[c] - r[c].size() + 2, ' ') : r[c];
    out << line << "\n";
  }
}

}  // namespace

int runValidate(const std::vector<std::string>& argv, Streams& io) {
  std::vector<std::string> paths;
  bool strict = false;
  std::optional<std::string> output;
  cli::Parser p(
      "validate",
      "Lists every Flagger, Argo Rollouts and rolloutlab object under PATH (files or folders; - "
      "reads "
      "a multi-document stream from standard input, e.g. `kustomize build overlays/prod | "
      "rolloutlab "
      "validate -`), with errors (what upstream would reject) and warnings (what cannot work as "
      "meant).",
      "Exit codes: 0 no error, 1 errors (or warnings with --strict), 2 a wrong command line.");
  p.positionals("PATH", &paths, "files or folders to read (- reads standard input)");
  p.flag("--strict", &strict, "turn warnings into errors");
  p.output(&output, {"json", "yaml", "table", "text"});
  if (!p.parse(argv, io)) return 0;
  if (paths.empty()) throw UsageError("validate needs at least one PATH");
  cli::checkStdinOnce({{"PATH", paths}});
  const std::string format =
      cli::format(output, {"json", "yaml", "table", "text"}, "text", io.outIsTerminal);
  Workspace ws = cli::load(paths, io);
  if (strict) makeWarningsErrors(ws.diagnostics);
  const int errors = ws.diagnostics.errors();
  if (format == "json" || format == "yaml") {
    io.out << render(validationJson(ws, errors), format);
    return errors > 0 ? 1 : 0;
  }
  if (format == "table") {
    printTable(io.out, ws);
  } else {
    for (const auto& o : ws.objects) {
      io.out << o.file << ":" << o.line << ": " << o.kind << " " << o.name << ": " << o.summary
             << "\n";
    }
    for (const auto& s : ws.skipped) {
      io.out << s.file << ":" << s.line << ": skipped " << s.kind << " " << s.name << " ("
             << s.apiVersion << ")\n";
    }
  }
  for (const auto& d : ws.diagnostics.items) {
    io.out << core::toString(d.severity) << ": " << d.toString() << "\n";
  }
  io.out << ws.objects.size() << " object(s), " << ws.skipped.size() << " skipped, " << errors
         << " error(s), " << ws.diagnostics.warnings() << " warning(s)\n";
  return errors > 0 ? 1 : 0;
}

}  // namespace rolloutlab::app
