#include <iostream>

#include "rolloutlab/app/args.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/json_util.h"

namespace rolloutlab::app {

namespace {
const char* kValidateUsage =
    "usage: rolloutlab validate [--strict] [-o text|json] PATH...\n"
    "  Lists every Flagger/Argo/rolloutlab object under PATH (files or folders), with errors\n"
    "  (what upstream would reject) and warnings (what cannot work as meant). --strict turns\n"
    "  warnings into errors. Exit 0 when there is no error, 1 otherwise.\n";
}

int runValidate(const std::vector<std::string>& argv, Streams& io) {
  Args args(argv, {"-o", "--output"}, {"--strict", "--help", "-h"});
  if (args.has("--help") || args.has("-h")) {
    io.out << kValidateUsage;
    return 0;
  }
  if (args.positional().empty()) throw UsageError("validate needs at least one PATH");
  const std::string format = args.has("-o") ? args.choice("-o", {"text", "json"}, "text")
                                            : args.choice("--output", {"text", "json"}, "text");
  Workspace ws = loadWorkspace(args.positional());
  if (args.has("--strict")) makeWarningsErrors(ws.diagnostics);
  const int errors = ws.diagnostics.errors();
  if (format == "json") {
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
    io.out << io::dumpJson(j);
    return errors > 0 ? 1 : 0;
  }
  for (const auto& o : ws.objects) {
    io.out << o.file << ":" << o.line << ": " << o.kind << " " << o.name << ": " << o.summary << "\n";
  }
  for (const auto& s : ws.skipped) {
    io.out << s.file << ":" << s.line << ": skipped " << s.kind << " " << s.name << " ("
           << s.apiVersion << ")\n";
  }
  for (const auto& d : ws.diagnostics.items) {
    io.out << core::toString(d.severity) << ": " << d.toString() << "\n";
  }
  io.out << ws.objects.size() << " object(s), " << ws.skipped.size() << " skipped, " << errors
         << " error(s), " << ws.diagnostics.warnings() << " warning(s)\n";
  return errors > 0 ? 1 : 0;
}

}  // namespace rolloutlab::app
