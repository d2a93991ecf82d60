#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cli.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/output.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/gitops/export.h"

namespace rolloutlab::app {

namespace fs = std::filesystem;

namespace {

std::string readInput(const std::string& path, const std::string& flag, Streams& io) {
  if (path == "-") return cli::readAll(io.in);
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    throw core::InputError({core::Severity::kError, path, 0, 0, flag, "", "cannot be read"});
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<core::Diagnostic> exportStrictCheck(const std::string& root, const std::string& rel,
                                                const std::string& before,
                                                const std::string& after) {
  const io::DocumentSet repo = io::readDocuments({root});
  const std::string name = (fs::path(root) / rel).string();
  std::error_code ec;
  auto isTarget = [&](const std::string& file) {
    return fs::relative(fs::path(file), root, ec).generic_string() == rel;
  };
  auto with = [&](const std::string& text) {
    io::DocumentSet s;
    for (const auto& d : repo.documents)
      if (!isTarget(d.file)) s.documents.push_back(d);
    for (const auto& d : repo.diagnostics.items)
      if (!isTarget(d.file)) s.diagnostics.add(d);
    io::DocumentSet t = io::readDocumentsFromString(text, name);
    for (auto& d : t.documents) s.documents.push_back(std::move(d));
    for (auto& d : t.diagnostics.items) s.diagnostics.add(std::move(d));
    Workspace ws = decodeWorkspace(std::move(s));
    makeWarningsErrors(ws.diagnostics);
    return ws.diagnostics;
  };
  const core::Diagnostics old = with(before);
  const core::Diagnostics now = with(after);
  std::set<std::string> had;
  for (const auto& d : old.items) had.insert(d.toString());
  std::vector<core::Diagnostic> out;
  for (auto d : now.items) {
    if (d.severity != core::Severity::kError) continue;
    if (d.file == name) {
      d.file = rel;
      out.push_back(std::move(d));
    } else if (!had.count(d.toString())) {
      out.push_back(std::move(d));
    }
  }
  return out;
}

namespace {

io::Json changeJson(const gitops::DocumentEdit& d, const io::YamlChange& c) {
  io::Json j;
  j["kind"] = d.kind;
  j["name"] = d.name;
  j["document"] = d.documentIndex;
  j["op"] = c.op == io::YamlChange::Op::kAdd      ? "add"
            : c.op == io::YamlChange::Op::kRemove ? "remove"
                                                  : "set";
  j["field"] = c.path;
  j["before"] = c.op == io::YamlChange::Op::kAdd ? io::Json(nullptr) : io::Json(c.before);
  j["after"] = c.op == io::YamlChange::Op::kRemove ? io::Json(nullptr) : io::Json(c.after);
  return j;
}

struct PushOutcome {
  bool requested = false;
  bool pushed = false;
  std::string error;
};

io::Json resultJson(const gitops::ExportPlan& p, const gitops::ExportResult& r,
                    const std::string& status, const PushOutcome& push) {
  io::Json j;
  j["status"] = status;
  j["repository"] = p.repoRoot;
  j["branch"] = p.branch;
  j["branchCreated"] = status == "committed" ? r.branchCreated : !p.branchExists;
  j["baseCommit"] = p.baseCommit;
  j["commit"] = r.commit.empty() ? io::Json(nullptr) : io::Json(r.commit);
  j["path"] = p.path;
  j["newFile"] = !p.fileExists;
  io::Json changes = io::Json::array();
  for (const auto& d : p.documents)
    for (const auto& c : d.changes) changes.push_back(changeJson(d, c));
  j["changes"] = std::move(changes);
  io::Json schemas = io::Json::array();
  for (const auto& s : p.schemas) schemas.push_back(s);
  j["schemas"] = std::move(schemas);
  j["report"] = p.reportPath.empty() ? io::Json(nullptr) : io::Json(p.reportPath);
  j["worktreeUpdated"] = r.worktreeUpdated;
  if (push.requested) {
    io::Json pj;
    pj["remote"] = p.pushRemote;
    pj["url"] = p.pushUrl;
    pj["pushed"] = push.pushed;
    pj["error"] = push.error.empty() ? io::Json(nullptr) : io::Json(push.error);
    j["push"] = std::move(pj);
  } else {
    j["push"] = nullptr;
  }
  io::Json inputs = io::Json::array();
  for (const auto& f : p.inputs) {
    io::Json x;
    x["path"] = f.path;
    x["bytes"] = f.bytes;
    x["sha256"] = f.sha256;
    inputs.push_back(std::move(x));
  }
  j["inputs"] = std::move(inputs);
  j["diff"] = p.diff;
  j["message"] = p.message;
  return document("ExportResult", j);
}

std::string resultTable(const gitops::ExportPlan& p, const gitops::ExportResult& r,
                        const std::string& status, const PushOutcome& push) {
  std::size_t n = 0;
  for (const auto& d : p.documents) n += d.changes.size();
  std::ostringstream o;
  if (status == "unchanged") {
    o << "export: " << p.path << " on branch " << p.branch
      << " already holds the edited spec: nothing to commit\n";
    return o.str();
  }
  if (status == "dry-run") {
    o << "export (dry run, nothing written): " << p.path << " on branch " << p.branch
      << (p.branchExists ? "" : " (new, from HEAD)") << ", " << n << " field(s)\n";
  } else {
    o << "export: commit " << r.commit.substr(0, 12) << " on branch " << p.branch
      << (r.branchCreated ? " (created from HEAD)" : "") << ": " << p.path << ", " << n
      << " field(s)"
      << (r.worktreeUpdated ? "; working tree updated" : "; working tree left on its branch")
      << "\n";
  }
  o << "\n" << p.diff << "\n" << p.message;
  if (push.requested) {
    o << "\n";
    if (push.pushed) {
      o << "pushed " << p.branch << " to " << p.pushRemote << " (" << p.pushUrl << ")\n";
    } else if (!push.error.empty()) {
      o << "push failed: " << push.error << "\n";
    } else {
      o << "would push " << p.branch << " to " << p.pushRemote << " (" << p.pushUrl << ")\n";
    }
  }
  return o.str();
}

}  // namespace

int runExport(const std::vector<std::string>& argv, Streams& io) {
  std::optional<std::string> spec, repo, path, branch, message, push, evidence, authorName,
      authorEmail, output;
  std::vector<std::string> crds;
  bool report = false, dryRun = false;
  cli::Parser p(
      "export",
      "Writes an edited spec back into the GitOps repository it came from, as a commit: only the "
      "fields that differ change in the repository's manifest (comments, order, quoting and "
      "other documents stay byte for byte), the result is checked (validate --strict, and the "
      "CRD's OpenAPI schema when the repository holds the CRD or --crd names one), then "
      "committed with libgit2 on the branch, with a message carrying the evidence. "
      "See docs/export.md.",
      "Exit codes: 0 committed (or nothing to change, or --dry-run), 1 refused (uncommitted "
      "changes, a path outside the repository, a merge or rebase in progress, a branch that "
      "moved) or an invalid result, 2 a wrong command line, 3 the repository cannot be read or "
      "written, or the push failed.");
  p.value("--spec", &spec, "FILE", "the edited manifest (- reads standard input) (required)");
  p.value("--repo", &repo, "DIR", "the repository's working tree (its top folder) (required)");
  p.value("--path", &path, "REL",
          "the manifest in the repository; default: the file holding the edited objects");
  p.value("--branch", &branch, "NAME",
          "the branch to commit on (created from HEAD when missing); default: the checked-out one");
  p.value("--message", &message, "TEXT",
          "the commit's first line; default: a summary of the change");
  p.flag("--report", &report,
         "also commit a Markdown report next to the manifest (NAME.rolloutlab.md)");
  p.value("--push", &push, "REMOTE",
          "push the branch to this remote after the commit (its configured URL)");
  p.flag("--dry-run", &dryRun, "print the diff and the message; write nothing");
  p.list("--crd", &crds, "FILE",
         "a CustomResourceDefinition to check the result against (beside those in the repository)");
  p.value("--evidence", &evidence, "FILE",
          "the batch report (batch -o json) the spec was validated with");
  p.value("--author-name", &authorName, "NAME",
          "commit author; default: user.name of the repository's config");
  p.value("--author-email", &authorEmail, "EMAIL", "commit author's email; default: user.email");
  p.output(&output, {"json", "yaml", "table"});
  if (!p.parse(argv, io)) return 0;
  if (!spec) throw UsageError("--spec is required");
  if (!repo) throw UsageError("--repo is required");
  cli::checkStdinOnce({{"--spec", {*spec}},
                       {"--evidence", evidence ? std::vector<std::string>{*evidence}
                                               : std::vector<std::string>{}}});
  const std::string format =
      cli::format(output, {"json", "yaml", "table"}, "table", io.outIsTerminal);

  gitops::ExportRequest req;
  req.specFile = *spec == "-" ? "<stdin>" : *spec;
  req.specText = readInput(*spec, "--spec", io);
  req.repoDir = *repo;
  req.path = path.value_or("");
  req.branch = branch.value_or("");
  req.message = message.value_or("");
  if (req.message.find('\n') != std::string::npos) throw UsageError("--message must be one line");
  req.report = report;
  req.pushRemote = push.value_or("");
  req.crdFiles = crds;
  if (evidence) {
    req.evidenceFile = *evidence == "-" ? "<stdin>" : *evidence;
    req.evidenceText = readInput(*evidence, "--evidence", io);
  }
  req.authorName = authorName.value_or("");
  req.authorEmail = authorEmail.value_or("");
  req.check = exportStrictCheck;

  const gitops::ExportPlan plan = gitops::planExport(req);
  gitops::ExportResult result;
  PushOutcome pushed;
  pushed.requested = !req.pushRemote.empty();
  std::string status = plan.unchanged() ? "unchanged" : dryRun ? "dry-run" : "committed";
  if (status == "committed") result = gitops::commitExport(plan);
  int rc = 0;
  if (pushed.requested && !dryRun) {
    try {
      gitops::pushBranch(plan.repoRoot, plan.pushRemote, plan.branch);
      pushed.pushed = true;
    } catch (const core::EnvironmentError& e) {
      pushed.error = e.what();
      rc = 3;
    }
  }
  if (format == "table") {
    io.out << resultTable(plan, result, status, pushed);
  } else {
    io.out << render(resultJson(plan, result, status, pushed), format);
  }
  if (rc != 0)
    io.err << "error: " << pushed.error << " (the commit " << result.commit.substr(0, 12)
           << " is made locally)\n";
  return rc;
}

}  // namespace rolloutlab::app
