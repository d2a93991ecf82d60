#pragma once
/// Export: writing an edited spec back into the GitOps repository it came from, as a commit.
///
/// Two steps, so that a front end can show what will happen before it happens (the CLI's
/// `--dry-run`, a GUI dialog):
///   1. `planExport` reads the repository and the edited manifest, patches the repository's
///      file with only the fields that differ (io/yaml_sync.h), checks the result (the CRD
///      OpenAPI schemas found in the repository or given, and the caller's own checks) and
///      returns the plan: the new file, the diff, the commit message, the report. It writes
///      nothing.
///   2. `commitExport` writes the plan: blobs and tree into the object database, the commit
///      object, then the branch ref (compare-and-swap against the tip the plan was made on),
///      and only then the working-tree file (temp file + rename) and the index. A process
///      killed between any two steps leaves the repository valid: before the ref moves nothing
///      is visible; after it, the commit is complete.
/// Refusals (a dirty target, a path outside the repository, a repository mid-merge or
/// mid-rebase, a branch that moved, an invalid result) throw core::InputError; a repository
/// that cannot be read or written, or a push that fails, core::EnvironmentError.

#include <functional>
#include <string>
#include <vector>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/io/yaml_sync.h"

namespace rolloutlab::gitops {

/// The caller's checks of the patched file (the CLI runs `validate --strict` over the
/// repository with the new text in place). Returns the errors of the result that the
/// repository did not already have.
using ResultCheck = std::function<std::vector<core::Diagnostic>(
    const std::string& repoRoot, const std::string& relPath, const std::string& before,
    const std::string& after)>;

struct ExportRequest {
  std::string specFile;    ///< the edited manifest's path (named in messages and the evidence)
  std::string specText;    ///< its content
  std::string repoDir;     ///< the repository's working tree (its top folder)
  std::string path;        ///< the manifest in the repository, relative; empty: the file holding
                           ///< the edited objects
  std::string branch;      ///< empty: the checked-out branch
  std::string message;     ///< the commit's first line; empty: generated
  bool report = false;     ///< also commit a Markdown report next to the manifest
  std::string pushRemote;  ///< checked to exist when planning; pushed by pushBranch
  std::vector<std::string> crdFiles;       ///< CRDs to check against, beside those in the repo
  std::string evidenceFile, evidenceText;  ///< a BatchReport (or any rolloutlab report) as JSON
  std::string authorName, authorEmail;     ///< empty: user.name / user.email of the repo config
  ResultCheck check;                       ///< optional
};

/// The edits made to one document of the manifest.
struct DocumentEdit {
  std::string kind;
  std::string name;  ///< namespace/name or name
  int documentIndex = 0;
  std::vector<io::YamlChange> changes;
};

struct ExportPlan {
  std::string repoRoot;  ///< absolute path of the working tree
  std::string gitDir;
  std::string path;    ///< the manifest, relative to repoRoot, '/'-separated
  std::string branch;  ///< short name
  bool branchExists = true;
  bool branchCheckedOut = true;  ///< the working tree is on `branch` (it is updated too)
  std::string baseCommit;        ///< the tip the export builds on (HEAD's for a new branch)
  bool fileExists = true;        ///< false: a new file in the repository
  std::string before, after;
  std::vector<DocumentEdit> documents;
  std::string diff;        ///< unified diff of the manifest (and the report, when one is made)
  std::string message;     ///< the commit message
  std::string reportPath;  ///< relative; empty without a report
  std::string reportText;
  std::vector<std::string> schemas;      ///< the CRD schemas the result was checked against
  std::vector<io::FileIdentity> inputs;  ///< the edited manifest, the evidence, the base file
  std::string pushRemote;
  std::string pushUrl;                  ///< the remote's URL without any credentials in it
  std::string authorName, authorEmail;  ///< as requested (empty: the repo config's)
  bool unchanged() const { return before == after; }
};

/// Reads, patches and checks; writes nothing.
ExportPlan planExport(const ExportRequest& request);

struct ExportResult {
  std::string commit;  ///< hex id; empty when the plan changed nothing
  bool branchCreated = false;
  bool worktreeUpdated = false;
};

/// Writes the plan as a commit on its branch (see the file comment for the order). The test
/// hook: with ROLLOUTLAB_EXPORT_ABORT_AFTER set to blob, tree, commit, ref, worktree or index,
/// the process exits (status 86, no cleanup) right after that step, as a kill would stop it.
ExportResult commitExport(const ExportPlan& plan);

/// Pushes `branch` to `remote` (its configured URL), with credentials from ssh-agent or the
/// configured credential helper; they are neither stored nor printed. Returns the URL pushed
/// to, without credentials. Throws core::EnvironmentError when the push fails or is rejected.
std::string pushBranch(const std::string& repoDir, const std::string& remote,
                       const std::string& branch);

/// The files (relative paths) that differ between `ref` (any revision Git reads: a branch, a
/// tag, a commit id, `HEAD~2`) and the working tree, staged or not, untracked files included,
/// sorted. For `check --changed-since REF`.
std::vector<std::string> filesChangedSince(const std::string& repoDir, const std::string& ref);
/// The commit id (40 hex digits) `ref` names in the repository at `repoDir`; throws InputError
/// when it names none.
std::string revisionCommit(const std::string& repoDir, const std::string& ref);

/// A unified diff (3 lines of context) of two texts; empty when they are equal.
std::string unifiedDiff(const std::string& before, const std::string& after,
                        const std::string& nameBefore, const std::string& nameAfter);

/// `url` with any `user:password@` removed (for messages).
std::string redactUrl(const std::string& url);

}  // namespace rolloutlab::gitops
