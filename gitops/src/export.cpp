#include "rolloutlab/gitops/export.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "git_util.h"
#include "rolloutlab/core/number_format.h"
#include "rolloutlab/core/version.h"
#include "rolloutlab/gitops/crd_schema.h"

namespace rolloutlab::gitops {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void refuse(const std::string& file, const std::string& field,
                         const std::string& value, const std::string& rule) {
  throw core::InputError({core::Severity::kError, file, 0, 0, field, value, rule});
}

bool exportedKind(const io::Document& d) {
  if (d.group() == "flagger.app") return d.kind == "Canary" || d.kind == "MetricTemplate";
  if (d.group() == "argoproj.io")
    return d.kind == "Rollout" || d.kind == "AnalysisTemplate" ||
           d.kind == "ClusterAnalysisTemplate";
  return false;
}

std::string qualified(const io::Document& d) {
  return d.namespace_.empty() ? d.name : d.namespace_ + "/" + d.name;
}

/// The same object: group, kind and name; the namespace when both name one (kustomize often
/// sets it for the whole folder).
bool sameObject(const io::Document& a, const io::Document& b) {
  return a.group() == b.group() && a.kind == b.kind && a.name == b.name &&
         (a.namespace_.empty() || b.namespace_.empty() || a.namespace_ == b.namespace_);
}

const char* stateName(int state) {
  switch (state) {
    case GIT_REPOSITORY_STATE_MERGE:
      return "in the middle of a merge";
    case GIT_REPOSITORY_STATE_REVERT:
    case GIT_REPOSITORY_STATE_REVERT_SEQUENCE:
      return "in the middle of a revert";
    case GIT_REPOSITORY_STATE_CHERRYPICK:
    case GIT_REPOSITORY_STATE_CHERRYPICK_SEQUENCE:
      return "in the middle of a cherry-pick";
    case GIT_REPOSITORY_STATE_BISECT:
      return "in the middle of a bisect";
    case GIT_REPOSITORY_STATE_REBASE:
    case GIT_REPOSITORY_STATE_REBASE_INTERACTIVE:
    case GIT_REPOSITORY_STATE_REBASE_MERGE:
      return "in the middle of a rebase";
    case GIT_REPOSITORY_STATE_APPLY_MAILBOX:
      return "in the middle of git am";
    case GIT_REPOSITORY_STATE_APPLY_MAILBOX_OR_REBASE:
      return "in the middle of a rebase (or git am)";
    default:
      return "in the middle of an operation";
  }
}

void checkState(git_repository* repo, const std::string& root) {
  const int st = git_repository_state(repo);
  if (st != GIT_REPOSITORY_STATE_NONE) {
    refuse(root, "--repo", "",
           std::string("the repository is ") + stateName(st) +
               ": finish or abort it first (nothing was written)");
  }
}

/// `rel` checked and normalised: relative, no `..`, not in .git, no symlink on the way.
std::string checkPath(const std::string& root, const std::string& rel) {
  if (rel.empty()) refuse(root, "--path", "\"\"", "is empty");
  if (rel[0] == '/' || fs::path(rel).is_absolute())
    refuse(root, "--path", core::quoted(rel),
           "is an absolute path: name the file relative to the repository");
  std::vector<std::string> parts;
  std::stringstream ss(rel);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") refuse(root, "--path", core::quoted(rel), "leaves the repository (..)");
    parts.push_back(part);
  }
  if (parts.empty())
    refuse(root, "--path", core::quoted(rel), "names the repository itself, not a file");
  if (parts.front() == ".git") refuse(root, "--path", core::quoted(rel), "is inside .git");
  std::string norm, prefix;
  for (std::size_t i = 0; i < parts.size(); ++i) norm += (i ? "/" : "") + parts[i];
  fs::path cur = root;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    prefix += (i ? "/" : "") + parts[i];
    cur /= parts[i];
    struct stat sb {};
    if (lstat(cur.c_str(), &sb) != 0) break;  // the rest is new
    if (S_ISLNK(sb.st_mode))
      refuse(root, "--path", core::quoted(rel),
             prefix + " is a symbolic link: it may lead outside the repository");
    if (i + 1 == parts.size() && !S_ISREG(sb.st_mode))
      refuse(root, "--path", core::quoted(rel), "is not a regular file");
    if (i + 1 < parts.size() && !S_ISDIR(sb.st_mode))
      refuse(root, "--path", core::quoted(rel), prefix + " is not a folder");
  }
  std::error_code ec;
  const fs::path canonRoot = fs::canonical(root, ec);
  const fs::path target = fs::weakly_canonical(fs::path(root) / norm, ec);
  const std::string r = canonRoot.string() + "/";
  if (ec || target.string().compare(0, r.size(), r) != 0)
    refuse(root, "--path", core::quoted(rel), "resolves outside the repository");
  return norm;
}

/// The file's status against HEAD and the index; refuses any uncommitted change.
void checkClean(git_repository* repo, const std::string& root, const std::string& rel) {
  unsigned int flags = 0;
  const int rc = git_status_file(&flags, repo, rel.c_str());
  if (rc == GIT_ENOTFOUND) return;
  git::check(rc, "reading the status of " + rel);
  if (flags == GIT_STATUS_CURRENT || flags == GIT_STATUS_IGNORED) return;
  std::string what;
  if (flags & (GIT_STATUS_INDEX_NEW | GIT_STATUS_INDEX_MODIFIED | GIT_STATUS_INDEX_DELETED |
               GIT_STATUS_INDEX_RENAMED | GIT_STATUS_INDEX_TYPECHANGE))
    what = "staged changes";
  if (flags & (GIT_STATUS_WT_MODIFIED | GIT_STATUS_WT_DELETED | GIT_STATUS_WT_TYPECHANGE |
               GIT_STATUS_WT_RENAMED))
    what += std::string(what.empty() ? "" : " and ") + "unstaged changes";
  if (flags & GIT_STATUS_WT_NEW) what += std::string(what.empty() ? "" : " and ") + "is untracked";
  if (flags & GIT_STATUS_CONFLICTED) what = "conflicts";
  refuse(
      root + "/" + rel, "", "",
      "has uncommitted changes (" + what + "): commit or stash them first (nothing was written)");
}

struct BranchInfo {
  std::string name;
  bool exists = false;
  bool checkedOut = false;
  git_oid tip{};
};

BranchInfo resolveBranch(git_repository* repo, const std::string& root,
                         const std::string& requested) {
  BranchInfo b;
  std::string headBranch;
  git_reference* head = nullptr;
  const int hrc = git_repository_head(&head, repo);
  if (hrc == GIT_EUNBORNBRANCH || hrc == GIT_ENOTFOUND)
    refuse(root, "--repo", "",
           "the repository has no commit yet: export builds on an existing commit");
  git::check(hrc, "reading HEAD");
  git::Reference headRef(head);
  if (git_reference_is_branch(head)) headBranch = git_reference_shorthand(head);
  b.name = requested.empty() ? headBranch : requested;
  if (b.name.empty())
    refuse(root, "--branch", "", "HEAD is detached: name the branch to commit on with --branch");
  int valid = 0;
  git_reference_name_is_valid(&valid, ("refs/heads/" + b.name).c_str());
  if (!valid) refuse(root, "--branch", core::quoted(b.name), "is not a valid branch name");
  b.checkedOut = b.name == headBranch;
  git_reference* ref = nullptr;
  const int rc = git_reference_lookup(&ref, repo, ("refs/heads/" + b.name).c_str());
  if (rc == 0) {
    git::Reference owned(ref);
    git_reference* resolved = nullptr;
    git::check(git_reference_resolve(&resolved, ref), "reading branch " + b.name);
    git::Reference r2(resolved);
    b.tip = *git_reference_target(resolved);
    b.exists = true;
  } else if (rc == GIT_ENOTFOUND) {
    git_oid headOid;
    git::check(git_reference_name_to_id(&headOid, repo, "HEAD"), "reading HEAD");
    b.tip = headOid;
  } else {
    git::check(rc, "reading branch " + b.name);
  }
  return b;
}

/// The blob at `rel` in `commit`'s tree; nullopt when absent.
std::optional<std::string> blobAt(git_repository* repo, const git_oid& commitId,
                                  const std::string& rel, git_filemode_t* mode = nullptr) {
  git_commit* c = nullptr;
  git::check(git_commit_lookup(&c, repo, &commitId), "reading commit " + git::hex(commitId));
  git::Commit commit(c);
  git_tree* t = nullptr;
  git::check(git_commit_tree(&t, c), "reading the tree of " + git::hex(commitId));
  git::Tree tree(t);
  git_tree_entry* e = nullptr;
  if (git_tree_entry_bypath(&e, t, rel.c_str()) != 0) return std::nullopt;
  git::TreeEntry entry(e);
  if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) return std::nullopt;
  if (mode != nullptr) *mode = git_tree_entry_filemode(e);
  git_blob* b = nullptr;
  git::check(git_blob_lookup(&b, repo, git_tree_entry_id(e)), "reading " + rel);
  git::Blob blob(b);
  return std::string(static_cast<const char*>(git_blob_rawcontent(b)),
                     static_cast<std::size_t>(git_blob_rawsize(b)));
}

std::string shortId(const std::string& sha) { return sha.substr(0, 12); }

std::string fmt(const nlohmann::ordered_json& v, int digits = 3) {
  if (v.is_null()) return "n/a";
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number()) {
    return core::formatGeneral(v.get<double>(), digits);
  }
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

struct Evidence {
  std::vector<std::string> lines;      // for the message
  std::vector<std::string> tableRows;  // Markdown rows for the report
  std::string header;
  std::string seed;
  std::vector<std::string> inputHashes;  // sha256 of the files the report read
};

/// Whether the report was computed on the edited spec: its inputs name the edited manifest's
/// bytes, or the result file's.
std::string provenance(const Evidence& ev, const ExportPlan& p) {
  if (ev.inputHashes.empty()) return "the report lists no inputs";
  const std::string edited = p.inputs.empty() ? "" : p.inputs.front().sha256;
  const std::string result = io::sha256Hex(p.after);
  for (const auto& h : ev.inputHashes) {
    if (h == edited) return "computed on the edited manifest (sha256 match)";
    if (h == result) return "computed on the resulting file (sha256 match)";
  }
  return "WARNING: none of the report's inputs is the edited manifest or the resulting file";
}

/// The operating characteristics a report carries (a BatchReport's results; of any other
/// rolloutlab report its kind, seed and version).
Evidence readEvidence(const std::string& file, const std::string& text) {
  Evidence ev;
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    refuse(file, "--evidence", "",
           std::string("is not a JSON report (rolloutlab batch -o json): ") + e.what());
  }
  if (!j.is_object()) refuse(file, "--evidence", "", "is not a JSON object");
  const std::string kind = j.value("kind", std::string("report"));
  if (j.contains("seed")) ev.seed = fmt(j["seed"]);
  ev.header = kind + " " + file;
  if (!ev.seed.empty()) ev.header += ", seed " + ev.seed;
  if (j.contains("runs")) ev.header += ", " + fmt(j["runs"]) + " runs per pair";
  if (j.contains("version")) ev.header += ", rolloutlab " + fmt(j["version"]);
  if (j.value("partial", false)) ev.header += ", PARTIAL (interrupted)";
  if (j.contains("inputs") && j["inputs"].is_array()) {
    for (const auto& in : j["inputs"])
      if (in.is_object() && in.contains("sha256") && in["sha256"].is_string())
        ev.inputHashes.push_back(in["sha256"]);
  }
  if (j.contains("results") && j["results"].is_array()) {
    for (const auto& r : j["results"]) {
      if (!r.is_object()) continue;
      auto prob = [&](const char* key) {
        if (!r.contains(key) || !r[key].is_object()) return std::string("n/a");
        const auto& p = r[key];
        std::string s = fmt(p.value("value", nlohmann::ordered_json()));
        if (p.contains("ci95") && p["ci95"].is_array() && p["ci95"].size() == 2)
          s += " [" + fmt(p["ci95"][0]) + ", " + fmt(p["ci95"][1]) + "]";
        return s;
      };
      std::string ttp = "n/a";
      if (r.contains("timeToPromotion") && r["timeToPromotion"].is_object() &&
          r["timeToPromotion"].value("mean", nlohmann::ordered_json()).is_number())
        ttp = fmt(r["timeToPromotion"]["mean"]) + " s";
      const std::string spec = fmt(r.value("spec", nlohmann::ordered_json()));
      const std::string scen = fmt(r.value("scenario", nlohmann::ordered_json()));
      const std::string rel = fmt(r.value("release", nlohmann::ordered_json()));
      ev.lines.push_back(spec + " on " + scen + " (" + rel + " release, " +
                         fmt(r.value("runs", nlohmann::ordered_json())) + " runs): P(promote) " +
                         prob("pPromote") + ", P(rollback) " + prob("pRollback") +
                         ", time to promotion " + ttp);
      ev.tableRows.push_back("| " + spec + " | " + scen + " | " + rel + " | " +
                             fmt(r.value("runs", nlohmann::ordered_json())) + " | " +
                             prob("pPromote") + " | " + prob("pRollback") + " | " + ttp + " |");
    }
  }
  if (j.contains("specs") && j["specs"].is_array()) {
    for (const auto& s : j["specs"]) {
      if (!s.is_object()) continue;
      std::string line = fmt(s.value("spec", nlohmann::ordered_json())) + " over the suite:";
      for (auto it = s.begin(); it != s.end(); ++it) {
        if (it.key() == "spec" || it.value().is_array()) continue;
        if (it.value().is_object()) {  // a rate with its interval
          const auto& v = it.value();
          line += " " + it.key() + " " + fmt(v.value("value", nlohmann::ordered_json()));
          if (v.contains("ci95") && v["ci95"].is_array() && v["ci95"].size() == 2)
            line += " [" + fmt(v["ci95"][0]) + ", " + fmt(v["ci95"][1]) + "]";
          line += ";";
        } else {
          line += " " + it.key() + " " + fmt(it.value()) + ";";
        }
      }
      if (line.back() == ';') line.pop_back();
      ev.lines.push_back(line);
    }
  }
  return ev;
}

std::string firstLine(const ExportPlan& p) {
  std::size_t n = 0;
  const DocumentEdit* only = nullptr;
  for (const auto& d : p.documents) {
    n += d.changes.size();
    if (!d.changes.empty()) only = &d;
  }
  if (!p.fileExists) return "rolloutlab: add " + p.path;
  if (n == 1 && only != nullptr) {
    const auto& c = only->changes.front();
    std::string s = "rolloutlab: " + only->kind + " " + only->name + ": " + c.path + " " +
                    (c.op == io::YamlChange::Op::kRemove ? "removed"
                     : c.op == io::YamlChange::Op::kAdd  ? "= " + c.after
                                                         : c.before + " -> " + c.after);
    if (s.size() <= 72) return s;
  }
  std::string names;
  for (const auto& d : p.documents) {
    if (!d.changes.empty()) names += (names.empty() ? "" : ", ") + d.kind + " " + d.name;
  }
  std::string s =
      "rolloutlab: tune " + names + " (" + std::to_string(n) + " field" + (n == 1 ? "" : "s") + ")";
  if (s.size() > 72) s = "rolloutlab: tune " + p.path + " (" + std::to_string(n) + " fields)";
  return s;
}

std::string changeText(const io::YamlChange& c) {
  switch (c.op) {
    case io::YamlChange::Op::kAdd:
      return c.path + ": (absent) -> " + c.after;
    case io::YamlChange::Op::kRemove:
      return c.path + ": " + c.before + " -> (removed)";
    case io::YamlChange::Op::kSet:
      break;
  }
  return c.path + ": " + c.before + " -> " + c.after;
}

void compose(ExportPlan& p, const ExportRequest& req, const Evidence* ev, bool checked) {
  std::string m = req.message.empty() ? firstLine(p) : req.message;
  m += "\n\n";
  if (p.fileExists) {
    m += "Changed in " + p.path + ":\n";
    for (const auto& d : p.documents)
      for (const auto& c : d.changes)
        m += "  " + d.kind + " " + d.name + ": " + changeText(c) + "\n";
  } else {
    m += "New file " + p.path + " from " + req.specFile + ".\n";
  }
  if (ev != nullptr) {
    m += "\nEvidence (" + ev->header + "; " + provenance(*ev, p) + "):\n";
    for (const auto& l : ev->lines) m += "  " + l + "\n";
    if (ev->lines.empty()) m += "  (the report has no operating characteristics)\n";
  } else {
    m += "\nEvidence: none given (--evidence names a batch report).\n";
  }
  m += "\nChecked:";
  if (checked) m += " validate --strict;";
  if (p.schemas.empty()) {
    m += " no CRD schema found in the repository or given with --crd\n";
  } else {
    m += " CRD schema";
    for (const auto& s : p.schemas) m += " " + s + ";";
    m.back() = '\n';
  }
  m += "\nInputs:\n";
  for (const auto& f : p.inputs) m += "  " + f.path + " sha256:" + f.sha256 + "\n";
  m += "\nRolloutlab-Version: " + std::string(core::version()) + "\n";
  if (ev != nullptr && !ev->seed.empty()) m += "Rolloutlab-Seed: " + ev->seed + "\n";
  p.message = m;

  if (!req.report) return;
  const fs::path rel(p.path);
  p.reportPath = (rel.parent_path() / (rel.stem().string() + ".rolloutlab.md")).generic_string();
  std::string r = "# " + firstLine(p).substr(std::string("rolloutlab: ").size()) + "\n\n";
  r += "Written by rolloutlab " + std::string(core::version()) + " on branch `" + p.branch +
       "` (base " + shortId(p.baseCommit) + ").\n\n## Changes to `" + p.path + "`\n\n";
  if (p.fileExists) {
    r += "| object | field | before | after |\n| --- | --- | --- | --- |\n";
    for (const auto& d : p.documents)
      for (const auto& c : d.changes)
        r += "| " + d.kind + " " + d.name + " | `" + c.path + "` | " +
             (c.before.empty() ? "(absent)" : "`" + c.before + "`") + " | " +
             (c.after.empty() ? "(removed)" : "`" + c.after + "`") + " |\n";
  } else {
    r += "A new file, from `" + req.specFile + "`.\n";
  }
  r += "\n## Evidence\n\n";
  if (ev != nullptr) {
    r += ev->header + "; " + provenance(*ev, p) + ".\n\n";
    if (!ev->tableRows.empty()) {
      r += "| spec | scenario | release | runs | P(promote) [95% CI] | P(rollback) [95% CI] | mean "
           "time to promotion |\n"
           "| --- | --- | --- | --- | --- | --- | --- |\n";
      for (const auto& row : ev->tableRows) r += row + "\n";
    }
    for (const auto& l : ev->lines)
      if (l.find(" over the suite:") != std::string::npos) r += "\n- " + l;
    r += "\n";
  } else {
    r += "None given.\n";
  }
  r += "\n## Checks\n\n";
  if (checked) r += "- `rolloutlab validate --strict`: passed\n";
  for (const auto& s : p.schemas) r += "- CRD schema " + s + ": passed\n";
  if (p.schemas.empty()) r += "- no CRD schema was available\n";
  r += "\n## Inputs\n\n| file | sha256 |\n| --- | --- |\n";
  for (const auto& f : p.inputs) r += "| `" + f.path + "` | `" + f.sha256 + "` |\n";
  p.reportText = r;
}

}  // namespace

ExportPlan planExport(const ExportRequest& req) {
  git::Repository repo = git::open(req.repoDir);
  if (git_repository_is_bare(repo.get()))
    refuse(req.repoDir, "--repo", "", "is a bare repository: export needs a working tree");
  ExportPlan p;
  p.repoRoot = fs::canonical(git_repository_workdir(repo.get())).string();
  p.gitDir = git_repository_path(repo.get());
  p.authorName = req.authorName;
  p.authorEmail = req.authorEmail;
  checkState(repo.get(), p.repoRoot);

  // The edited objects.
  io::DocumentSet edited = io::readDocumentsFromString(req.specText, req.specFile);
  edited.diagnostics.throwIfErrors();
  std::vector<const io::Document*> wanted;
  for (const auto& d : edited.documents)
    if (exportedKind(d)) wanted.push_back(&d);
  if (wanted.empty())
    refuse(req.specFile, "--spec", "",
           "holds no Flagger Canary or MetricTemplate, nor Argo Rollout or AnalysisTemplate");

  // The repository's documents: where the objects live, and the CRDs it installs.
  io::DocumentSet repoDocs = io::readDocuments({p.repoRoot});
  CrdSchemas schemas;
  schemas.addAll(repoDocs.documents);
  for (const auto& f : req.crdFiles) {
    io::DocumentSet crd = io::readDocuments({f});
    crd.diagnostics.throwIfErrors();
    if (schemas.addAll(crd.documents) == 0)
      refuse(f, "--crd", "", "holds no CustomResourceDefinition with an OpenAPI v3 schema");
  }

  std::string rel = req.path;
  if (rel.empty()) {
    std::string found;
    for (const io::Document* w : wanted) {
      std::vector<std::string> files;
      for (const auto& d : repoDocs.documents) {
        if (!sameObject(d, *w)) continue;
        const std::string r = fs::relative(fs::path(d.file), p.repoRoot).generic_string();
        if (std::find(files.begin(), files.end(), r) == files.end()) files.push_back(r);
      }
      if (files.empty())
        refuse(req.specFile, "--path", "",
               w->kind + " " + qualified(*w) +
                   " is in no file of the repository: name the file to write with --path");
      if (files.size() > 1)
        refuse(req.specFile, "--path", "",
               w->kind + " " + qualified(*w) + " is in several files (" + files[0] + ", " +
                   files[1] + "): name one with --path");
      if (!found.empty() && found != files[0])
        refuse(req.specFile, "--path", "",
               "the edited objects live in different files (" + found + ", " + files[0] +
                   "): export them one file at a time");
      found = files[0];
    }
    rel = found;
  }
  p.path = checkPath(p.repoRoot, rel);

  const BranchInfo b = resolveBranch(repo.get(), p.repoRoot, req.branch);
  p.branch = b.name;
  p.branchExists = b.exists;
  p.branchCheckedOut = b.checkedOut;
  p.baseCommit = git::hex(b.tip);
  checkClean(repo.get(), p.repoRoot, p.path);

  const auto base = blobAt(repo.get(), b.tip, p.path);
  p.fileExists = base.has_value();
  p.before = base.value_or("");
  if (!p.fileExists && b.checkedOut && fs::exists(fs::path(p.repoRoot) / p.path))
    refuse(p.repoRoot + "/" + p.path, "", "",
           "is not committed: commit it first (nothing was written)");

  if (!p.fileExists) {
    p.after = req.specText;
  } else {
    io::DocumentSet target = io::readDocumentsFromString(p.before, p.path);
    target.diagnostics.throwIfErrors();
    std::string text = p.before;
    for (const io::Document* w : wanted) {
      const io::Document* match = nullptr;
      for (const auto& d : target.documents)
        if (sameObject(d, *w)) match = &d;
      if (match == nullptr)
        refuse(p.path, "--path", "",
               "holds no " + w->kind + " " + qualified(*w) + " (on branch " + p.branch + ")");
      // Only `spec` is exported: metadata differs legitimately between a manifest and what
      // kustomize or Helm render from it (namespace, labels, annotations), and the object is
      // matched by its name already.
      std::vector<std::string> ignore;
      for (const YAML::Node* n : {&w->node, &match->node}) {
        for (auto it = n->begin(); it != n->end(); ++it)
          if (it->first.IsScalar() && it->first.Scalar() != "spec")
            ignore.push_back(it->first.Scalar());
      }
      io::YamlSyncResult r;
      try {
        r = io::syncYamlDocument(text, match->index, w->node, ignore);
      } catch (const core::InputError& e) {
        core::Diagnostic d = e.diagnostic();
        d.file = p.path;
        throw core::InputError(d);
      }
      text = r.text;
      p.documents.push_back({w->kind, qualified(*w), match->index, r.changes});
    }
    p.after = text;
  }

  // Inputs, for the message.
  p.inputs.push_back({req.specFile, req.specText.size(), io::sha256Hex(req.specText)});
  Evidence ev;
  const bool haveEvidence = !req.evidenceFile.empty();
  if (haveEvidence) {
    ev = readEvidence(req.evidenceFile, req.evidenceText);
    p.inputs.push_back(
        {req.evidenceFile, req.evidenceText.size(), io::sha256Hex(req.evidenceText)});
  }
  if (p.fileExists)
    p.inputs.push_back(
        {p.path + " at " + shortId(p.baseCommit), p.before.size(), io::sha256Hex(p.before)});

  if (!req.pushRemote.empty()) {
    git_remote* r = nullptr;
    if (git_remote_lookup(&r, repo.get(), req.pushRemote.c_str()) < 0)
      refuse(p.repoRoot, "--push", core::quoted(req.pushRemote),
             "is not a remote of the repository");
    git::Remote remote(r);
    const char* url = git_remote_pushurl(r) != nullptr ? git_remote_pushurl(r) : git_remote_url(r);
    p.pushRemote = req.pushRemote;
    p.pushUrl = redactUrl(url != nullptr ? url : "");
  }

  if (p.unchanged()) {
    p.message = "";
    return p;
  }

  // The result must be valid: YAML, every document against its CRD schema, the caller's checks.
  io::DocumentSet result = io::readDocumentsFromString(p.after, p.path);
  result.diagnostics.throwIfErrors();
  core::Diagnostics errors;
  for (const auto& d : result.documents) {
    std::string used = schemas.validate(d, errors);
    // A CRD of the repository is named by its path in the repository.
    if (const std::string prefix = "(" + p.repoRoot + "/"; used.find(prefix) != std::string::npos)
      used.replace(used.find(prefix), prefix.size(), "(");
    if (!used.empty() && std::find(p.schemas.begin(), p.schemas.end(), used) == p.schemas.end())
      p.schemas.push_back(used);
  }
  if (errors.errors() > 0) {
    core::Diagnostic first = errors.items.front();
    if (errors.errors() > 1)
      first.rule += " (and " + std::to_string(errors.errors() - 1) + " more error(s))";
    first.rule += "; nothing was written";
    throw core::InputError(first);
  }
  if (req.check) {
    const auto extra = req.check(p.repoRoot, p.path, p.before, p.after);
    if (!extra.empty()) {
      core::Diagnostic first = extra.front();
      if (extra.size() > 1)
        first.rule += " (and " + std::to_string(extra.size() - 1) + " more error(s))";
      first.rule += "; the result fails validate --strict, nothing was written";
      throw core::InputError(first);
    }
  }

  compose(p, req, haveEvidence ? &ev : nullptr, static_cast<bool>(req.check));
  p.diff =
      unifiedDiff(p.before, p.after, p.fileExists ? "a/" + p.path : "/dev/null", "b/" + p.path);
  if (!p.reportPath.empty()) {
    std::optional<std::string> oldReport = blobAt(repo.get(), b.tip, p.reportPath);
    checkPath(p.repoRoot, p.reportPath);
    checkClean(repo.get(), p.repoRoot, p.reportPath);
    p.diff += unifiedDiff(oldReport.value_or(""), p.reportText,
                          oldReport ? "a/" + p.reportPath : "/dev/null", "b/" + p.reportPath);
  }
  return p;
}

// ---- commit ----------------------------------------------------------------------------------

namespace {

/// The test hook: exits as a kill would, right after `step`.
void hook(const char* step) {
  const char* at = std::getenv("ROLLOUTLAB_EXPORT_ABORT_AFTER");
  if (at != nullptr && std::strcmp(at, step) == 0) std::_Exit(86);
}

/// Writes `text` to `path` through a temporary file in the same folder, flushed to disk, then
/// renamed over it (keeping the old file's permission bits).
void writeAtomically(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::string tmpl =
      (path.parent_path() / ("." + path.filename().string() + ".rolloutlab-XXXXXX")).string();
  const int fd = mkstemp(tmpl.data());
  if (fd < 0)
    throw core::EnvironmentError("cannot write " + path.string() + ": " + std::strerror(errno));
  struct stat sb {};
  mode_t mode = 0644;
  if (stat(path.c_str(), &sb) == 0) mode = sb.st_mode & 07777;
  std::size_t off = 0;
  bool ok = fchmod(fd, mode) == 0;
  while (ok && off < text.size()) {
    const ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) off += static_cast<std::size_t>(n);
  }
  ok = ok && fsync(fd) == 0;
  const int err = errno;
  ok = close(fd) == 0 && ok;
  if (!ok || std::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int e = ok ? errno : err;
    std::remove(tmpl.c_str());
    throw core::EnvironmentError("cannot write " + path.string() + ": " + std::strerror(e));
  }
}

}  // namespace

ExportResult commitExport(const ExportPlan& p) {
  ExportResult res;
  if (p.unchanged()) return res;
  git::Repository repo = git::open(p.repoRoot);
  git_repository* r = repo.get();
  checkState(r, p.repoRoot);
  // Nothing moved since the plan was made.
  const BranchInfo b = resolveBranch(r, p.repoRoot, p.branch);
  if (b.exists != p.branchExists || git::hex(b.tip) != p.baseCommit ||
      b.checkedOut != p.branchCheckedOut) {
    refuse(p.repoRoot, "--branch", core::quoted(p.branch),
           "moved during the export (was " + shortId(p.baseCommit) + ", now " +
               (b.exists ? shortId(git::hex(b.tip)) : std::string("absent")) +
               "): nothing was written");
  }
  checkClean(r, p.repoRoot, p.path);
  if (!p.reportPath.empty()) checkClean(r, p.repoRoot, p.reportPath);

  git_oid baseOid;
  git_oid_fromstr(&baseOid, p.baseCommit.c_str());
  git_commit* parentRaw = nullptr;
  git::check(git_commit_lookup(&parentRaw, r, &baseOid), "reading commit " + p.baseCommit);
  git::Commit parent(parentRaw);
  git_tree* baseTreeRaw = nullptr;
  git::check(git_commit_tree(&baseTreeRaw, parentRaw), "reading the tree of " + p.baseCommit);
  git::Tree baseTree(baseTreeRaw);

  // 1. blobs
  git_filemode_t mode = GIT_FILEMODE_BLOB;
  (void)blobAt(r, baseOid, p.path, &mode);
  if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) mode = GIT_FILEMODE_BLOB;
  git_oid blobOid, reportOid;
  git::check(git_blob_create_from_buffer(&blobOid, r, p.after.data(), p.after.size()),
             "writing the blob of " + p.path);
  std::vector<git_tree_update> updates(1);
  updates[0].action = GIT_TREE_UPDATE_UPSERT;
  updates[0].id = blobOid;
  updates[0].filemode = mode;
  updates[0].path = p.path.c_str();
  if (!p.reportPath.empty()) {
    git::check(git_blob_create_from_buffer(&reportOid, r, p.reportText.data(), p.reportText.size()),
               "writing the blob of " + p.reportPath);
    git_tree_update u{};
    u.action = GIT_TREE_UPDATE_UPSERT;
    u.id = reportOid;
    u.filemode = GIT_FILEMODE_BLOB;
    u.path = p.reportPath.c_str();
    updates.push_back(u);
  }
  hook("blob");

  // 2. tree
  git_oid treeOid;
  git::check(git_tree_create_updated(&treeOid, r, baseTree.get(), updates.size(), updates.data()),
             "writing the tree");
  git_tree* treeRaw = nullptr;
  git::check(git_tree_lookup(&treeRaw, r, &treeOid), "reading the new tree");
  git::Tree tree(treeRaw);
  hook("tree");

  // 3. commit object (no ref moves yet)
  git_signature* defaultSig = nullptr;
  const int sigRc = git_signature_default(&defaultSig, r);
  git::Signature def(sigRc == 0 ? defaultSig : nullptr);
  std::string name = p.authorName, email = p.authorEmail;
  if (def) {
    if (name.empty()) name = def->name;
    if (email.empty()) email = def->email;
  }
  if (name.empty() || email.empty())
    refuse(p.repoRoot, "--author", "",
           "no author: set user.name and user.email in the repository's Git config, or pass "
           "--author-name and --author-email");
  git_signature* sigRaw = nullptr;
  git::check(git_signature_now(&sigRaw, name.c_str(), email.c_str()), "making the signature");
  git::Signature sig(sigRaw);
  git_oid commitOid;
  const git_commit* parents[] = {parent.get()};
  git::check(git_commit_create(&commitOid, r, nullptr, sig.get(), sig.get(), nullptr,
                               p.message.c_str(), tree.get(), 1, parents),
             "writing the commit");
  res.commit = git::hex(commitOid);
  hook("commit");

  // 4. the branch ref, compare-and-swap against the tip the plan was made on
  const std::string refName = "refs/heads/" + p.branch;
  const std::string log = "rolloutlab export: " + p.message.substr(0, p.message.find('\n'));
  git_reference* newRef = nullptr;
  int rc;
  if (p.branchExists) {
    rc = git_reference_create_matching(&newRef, r, refName.c_str(), &commitOid, 1, &baseOid,
                                       log.c_str());
  } else {
    rc = git_reference_create(&newRef, r, refName.c_str(), &commitOid, 0, log.c_str());
  }
  if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ELOCKED) {
    refuse(p.repoRoot, "--branch", core::quoted(p.branch),
           "moved during the export (the ref no longer points at " + shortId(p.baseCommit) +
               "): the commit object was left unreferenced, nothing else was written");
  }
  git::check(rc, "updating " + refName);
  git::Reference newRefOwned(newRef);
  res.branchCreated = !p.branchExists;
  hook("ref");

  // 5. the working tree and the index, when they are on that branch
  if (p.branchCheckedOut) {
    writeAtomically(fs::path(p.repoRoot) / p.path, p.after);
    if (!p.reportPath.empty()) writeAtomically(fs::path(p.repoRoot) / p.reportPath, p.reportText);
    hook("worktree");
    git_index* idxRaw = nullptr;
    git::check(git_repository_index(&idxRaw, r), "reading the index");
    git::Index idx(idxRaw);
    const auto indexFail = [&](int code) {
      throw core::EnvironmentError(
          "commit " + res.commit +
          " was made and the file written, but the index could not be updated (" +
          git::lastError(code) + "): run git reset -q -- " + p.path);
    };
    if (int c = git_index_read(idxRaw, 1); c < 0) indexFail(c);
    if (int c = git_index_add_bypath(idxRaw, p.path.c_str()); c < 0) indexFail(c);
    if (!p.reportPath.empty()) {
      if (int c = git_index_add_bypath(idxRaw, p.reportPath.c_str()); c < 0) indexFail(c);
    }
    if (int c = git_index_write(idxRaw); c < 0) indexFail(c);
    res.worktreeUpdated = true;
    hook("index");
  }
  return res;
}

}  // namespace rolloutlab::gitops
