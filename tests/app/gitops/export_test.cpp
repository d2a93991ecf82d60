// Export against real repositories made in a temporary folder with libgit2 (and, in a few
// places, read back with the git CLI as a cross-check).
#include "rolloutlab/gitops/export.h"

#include <git2.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "rolloutlab/app/commands.h"
#include "rolloutlab/core/diagnostics.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
namespace gitops = rolloutlab::gitops;
using rolloutlab::core::EnvironmentError;
using rolloutlab::core::InputError;

const char* kCanary = R"(# podinfo: the canary of the demo app (kustomize sets the namespace)
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  provider: istio
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
  analysis:
    interval: 1m   # one check a minute
    threshold: 5
    maxWeight: 50
    stepWeight: 10
    metrics:
      - name: request-success-rate
        thresholdRange:
          min: 99
        interval: 1m
      - name: latency
        templateRef:
          name: latency
        thresholdRange:
          max: 500
        interval: 30s
---
apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata:
  name: latency
  namespace: test
spec:
  provider:
    type: prometheus
    address: http://prometheus.istio-system:9090
  query: |
    histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{destination_workload="{{ target }}"}[{{ interval }}])) by (le))
)";

/// The same Canary as a tool writes it (other layout, no comments), threshold 5 -> 10.
std::string edited(const std::string& threshold = "10", const std::string& extra = "") {
  return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: podinfo, namespace: "
         "test}\n"
         "spec:\n  provider: istio\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: "
         "podinfo}\n"
         "  service: {port: 9898}\n  analysis:\n    interval: 1m\n    threshold: " +
         threshold + "\n    maxWeight: 50\n    stepWeight: 10\n" + extra +
         "    metrics:\n    - {name: request-success-rate, thresholdRange: {min: 99}, interval: "
         "1m}\n"
         "    - {name: latency, templateRef: {name: latency}, thresholdRange: {max: 500}, "
         "interval: 30s}\n";
}

void check(int rc, const char* what) {
  if (rc < 0) FAIL() << what << ": " << git_error_last()->message;
}

void writeFile(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// Every file under `dir` (the .git folder included) with its bytes: "nothing was written"
/// is this map unchanged.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> m;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_symlink()) {
      m[e.path().string()] = "-> " + fs::read_symlink(e.path()).string();
    } else if (e.is_regular_file()) {
      m[e.path().string()] = slurp(e.path());
    }
  }
  return m;
}

class TempRepo : public ::testing::Test {
 protected:
  void SetUp() override {
    git_libgit2_init();
    char tmpl[] = "/tmp/rolloutlab-export-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    work_ = root_ / "work";
    init(work_);
    writeFile(work_ / "apps/podinfo/canary.yaml", kCanary);
    writeFile(work_ / "README.md", "a GitOps repo\n");
    commitAll("initial");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
    git_libgit2_shutdown();
  }

  void init(const fs::path& dir) {
    git_repository_init_options o;
    git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
    o.flags = GIT_REPOSITORY_INIT_MKPATH;
    o.initial_head = "main";
    git_repository* r = nullptr;
    check(git_repository_init_ext(&r, dir.c_str(), &o), "init");
    git_config* c = nullptr;
    git_repository_config(&c, r);
    git_config_set_string(c, "user.name", "Ada Tester");
    git_config_set_string(c, "user.email", "ada@example.com");
    git_config_free(c);
    git_repository_free(r);
  }

  /// Stages everything in the working tree and commits it on HEAD; returns the commit id.
  std::string commitAll(const std::string& message, const fs::path& dir = {}) {
    const fs::path d = dir.empty() ? work_ : dir;
    git_repository* r = nullptr;
    EXPECT_EQ(git_repository_open(&r, d.c_str()), 0);
    git_index* idx = nullptr;
    git_repository_index(&idx, r);
    git_index_add_all(idx, nullptr, 0, nullptr, nullptr);
    git_index_write(idx);
    git_oid tree, commit;
    git_index_write_tree(&tree, idx);
    git_tree* t = nullptr;
    git_tree_lookup(&t, r, &tree);
    git_signature* sig = nullptr;
    git_signature_now(&sig, "Ada Tester", "ada@example.com");
    git_oid parentId;
    git_commit* parent = nullptr;
    const bool hasParent = git_reference_name_to_id(&parentId, r, "HEAD") == 0;
    if (hasParent) git_commit_lookup(&parent, r, &parentId);
    const git_commit* parents[] = {parent};
    EXPECT_EQ(git_commit_create(&commit, r, "HEAD", sig, sig, nullptr, message.c_str(), t,
                                hasParent ? 1 : 0, parents),
              0);
    git_commit_free(parent);
    git_signature_free(sig);
    git_tree_free(t);
    git_index_free(idx);
    git_repository_free(r);
    char buf[GIT_OID_HEXSZ + 1];
    git_oid_tostr(buf, sizeof buf, &commit);
    return buf;
  }

  std::string refTarget(const fs::path& repo, const std::string& ref) {
    git_repository* r = nullptr;
    if (git_repository_open(&r, repo.c_str()) != 0) return "";
    git_oid id;
    std::string out;
    if (git_reference_name_to_id(&id, r, ref.c_str()) == 0) {
      char buf[GIT_OID_HEXSZ + 1];
      git_oid_tostr(buf, sizeof buf, &id);
      out = buf;
    }
    git_repository_free(r);
    return out;
  }

  /// The blob at `path` in commit `id` of `repo`; "<absent>" when it is not there.
  std::string blobIn(const fs::path& repo, const std::string& id, const std::string& path) {
    git_repository* r = nullptr;
    git_repository_open(&r, repo.c_str());
    git_oid oid;
    git_oid_fromstr(&oid, id.c_str());
    git_commit* c = nullptr;
    git_commit_lookup(&c, r, &oid);
    git_tree* t = nullptr;
    git_commit_tree(&t, c);
    git_tree_entry* e = nullptr;
    std::string out = "<absent>";
    if (git_tree_entry_bypath(&e, t, path.c_str()) == 0) {
      git_blob* b = nullptr;
      git_blob_lookup(&b, r, git_tree_entry_id(e));
      out.assign(static_cast<const char*>(git_blob_rawcontent(b)),
                 static_cast<std::size_t>(git_blob_rawsize(b)));
      git_blob_free(b);
      git_tree_entry_free(e);
    }
    git_tree_free(t);
    git_commit_free(c);
    git_repository_free(r);
    return out;
  }

  unsigned statusOf(const std::string& path) {
    git_repository* r = nullptr;
    git_repository_open(&r, work_.c_str());
    unsigned flags = 0;
    git_status_file(&flags, r, path.c_str());
    git_repository_free(r);
    return flags;
  }

  gitops::ExportRequest request(const std::string& spec = edited()) {
    gitops::ExportRequest q;
    q.specFile = "edited.yaml";
    q.specText = spec;
    q.repoDir = work_.string();
    return q;
  }

  /// Runs `f`, which must throw InputError (a refusal), and checks nothing was written.
  template <typename F>
  std::string refused(F f) {
    const auto before = snapshot(root_);
    std::string what;
    try {
      f();
      ADD_FAILURE() << "no refusal";
    } catch (const InputError& e) {
      what = e.what();
    }
    EXPECT_EQ(snapshot(root_), before) << "something was written";
    return what;
  }

  fs::path root_, work_;
};

TEST_F(TempRepo, PlanChangesOneLineAndWritesNothing) {
  const auto before = snapshot(root_);
  const gitops::ExportPlan p = gitops::planExport(request());
  EXPECT_EQ(snapshot(root_), before);
  EXPECT_EQ(p.path, "apps/podinfo/canary.yaml");  // found by kind and name
  EXPECT_EQ(p.branch, "main");
  EXPECT_TRUE(p.branchCheckedOut);
  std::string expected = kCanary;
  expected.replace(expected.find("threshold: 5"), 12, "threshold: 10");
  EXPECT_EQ(p.after, expected);
  EXPECT_EQ(
      p.diff,
      "--- a/apps/podinfo/canary.yaml\n+++ b/apps/podinfo/canary.yaml\n@@ -14,7 +14,7 @@\n"
      "     port: 9898\n   analysis:\n     interval: 1m   # one check a minute\n-    threshold: 5\n"
      "+    threshold: 10\n     maxWeight: 50\n     stepWeight: 10\n     metrics:\n");
  ASSERT_EQ(p.documents.size(), 1u);
  ASSERT_EQ(p.documents[0].changes.size(), 1u);
  EXPECT_EQ(p.message.substr(0, p.message.find('\n')),
            "rolloutlab: Canary test/podinfo: spec.analysis.threshold 5 -> 10");
  EXPECT_NE(p.message.find("Rolloutlab-Version: "), std::string::npos);
  EXPECT_NE(p.message.find("edited.yaml sha256:" + rolloutlab::io::sha256Hex(edited())),
            std::string::npos);
}

TEST_F(TempRepo, CommitAndPushToABareRemoteThroughAFileUrl) {
  // remote.git (bare) <- clone: the export's repository.
  const fs::path bare = root_ / "remote.git";
  git_repository* b = nullptr;
  git_clone_options co;
  git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION);
  co.bare = 1;
  check(git_clone(&b, ("file://" + work_.string()).c_str(), bare.c_str(), &co), "bare clone");
  git_repository_free(b);
  const fs::path clone = root_ / "clone";
  git_repository* c = nullptr;
  git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION);
  check(git_clone(&c, ("file://" + bare.string()).c_str(), clone.c_str(), &co), "clone");
  git_config* cfg = nullptr;
  git_repository_config(&cfg, c);
  git_config_set_string(cfg, "user.name", "Ada Tester");
  git_config_set_string(cfg, "user.email", "ada@example.com");
  git_config_free(cfg);
  git_repository_free(c);
  const std::string base = refTarget(bare, "refs/heads/main");

  gitops::ExportRequest q = request();
  q.repoDir = clone.string();
  q.report = true;
  q.pushRemote = "origin";
  q.evidenceFile = "batch.json";
  q.evidenceText =
      R"({"apiVersion":"rolloutlab.io/v1alpha1","kind":"BatchReport","version":"0.1.0","seed":42,"runs":200,)"
      R"("inputs":[{"path":"tuned.yaml","bytes":1,"sha256":")" +
      rolloutlab::io::sha256Hex(edited()) +
      R"("}],)"
      R"("results":[{"spec":"test/podinfo","scenario":"good-release","release":"good","runs":200,)"
      R"("pPromote":{"value":0.995,"ci95":[0.972,0.999]},"pRollback":{"value":0.005,"ci95":[0.001,0.028]},)"
      R"("timeToPromotion":{"mean":660}}],"specs":[{"spec":"test/podinfo","goodRuns":200,"falseRollbackRate":{"value":0.005,"ci95":[0.001,0.028]}}]})";
  const gitops::ExportPlan p = gitops::planExport(q);
  EXPECT_EQ(p.pushUrl, "file://" + bare.string());
  const gitops::ExportResult r = gitops::commitExport(p);
  EXPECT_EQ(gitops::pushBranch(clone.string(), "origin", "main"), "file://" + bare.string());

  // Read the pushed commit back from the bare remote.
  ASSERT_EQ(refTarget(bare, "refs/heads/main"), r.commit);
  EXPECT_EQ(blobIn(bare, r.commit, "apps/podinfo/canary.yaml"), p.after);
  EXPECT_EQ(blobIn(bare, r.commit, "apps/podinfo/canary.rolloutlab.md"), p.reportText);
  EXPECT_EQ(blobIn(bare, r.commit, "README.md"), "a GitOps repo\n");
  git_repository* br = nullptr;
  git_repository_open(&br, bare.c_str());
  git_oid id;
  git_oid_fromstr(&id, r.commit.c_str());
  git_commit* cm = nullptr;
  git_commit_lookup(&cm, br, &id);
  EXPECT_EQ(std::string(git_commit_message(cm)), p.message);
  EXPECT_EQ(std::string(git_commit_author(cm)->name), "Ada Tester");  // from the repo config
  ASSERT_EQ(git_commit_parentcount(cm), 1u);
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, git_commit_parent_id(cm, 0));
  EXPECT_EQ(std::string(buf), base);
  git_commit_free(cm);
  git_repository_free(br);
  // The evidence in the message.
  EXPECT_NE(p.message.find("Evidence (BatchReport batch.json, seed 42, 200 runs per pair, "
                           "rolloutlab 0.1.0; computed "
                           "on the edited manifest (sha256 match)):"),
            std::string::npos)
      << p.message;
  EXPECT_NE(
      p.message.find(
          "  test/podinfo over the suite: goodRuns 200; falseRollbackRate 0.005 [0.001, 0.028]\n"),
      std::string::npos);
  EXPECT_NE(
      p.message.find(
          "test/podinfo on good-release (good release, 200 runs): P(promote) 0.995 [0.972, 0.999], "
          "P(rollback) 0.005 [0.001, 0.028], time to promotion 660 s"),
      std::string::npos);
  EXPECT_NE(p.message.find("Rolloutlab-Seed: 42\n"), std::string::npos);
  // The clone's working tree and index follow the commit: a clean status.
  EXPECT_EQ(slurp(clone / "apps/podinfo/canary.yaml"), p.after);
  EXPECT_TRUE(r.worktreeUpdated);
  // Cross-check with the git CLI: the repository is sound and clean.
  const auto fsck = rolloutlab::test::runCommand(
      "git -C " + rolloutlab::test::shellQuote(bare.string()) + " fsck --strict 2>&1");
  EXPECT_EQ(fsck.status, 0) << fsck.out;
  const auto st = rolloutlab::test::runCommand(
      "git -C " + rolloutlab::test::shellQuote(clone.string()) + " status --porcelain");
  EXPECT_EQ(st.status, 0);
  EXPECT_EQ(st.out, "");
  const auto msg = rolloutlab::test::runCommand(
      "git -C " + rolloutlab::test::shellQuote(bare.string()) + " log -1 --format=%B main");
  EXPECT_EQ(msg.out, p.message + "\n");
}

TEST_F(TempRepo, AMissingBranchIsCreatedFromHeadAndTheWorkingTreeStays) {
  const std::string head = refTarget(work_, "refs/heads/main");
  gitops::ExportRequest q = request();
  q.branch = "tune/podinfo";
  const gitops::ExportPlan p = gitops::planExport(q);
  EXPECT_FALSE(p.branchExists);
  EXPECT_FALSE(p.branchCheckedOut);
  const gitops::ExportResult r = gitops::commitExport(p);
  EXPECT_TRUE(r.branchCreated);
  EXPECT_FALSE(r.worktreeUpdated);
  EXPECT_EQ(refTarget(work_, "refs/heads/tune/podinfo"), r.commit);
  EXPECT_EQ(refTarget(work_, "refs/heads/main"), head);
  EXPECT_EQ(slurp(work_ / "apps/podinfo/canary.yaml"), kCanary);
  EXPECT_EQ(statusOf("apps/podinfo/canary.yaml"), 0u);
  EXPECT_EQ(blobIn(work_, r.commit, "apps/podinfo/canary.yaml"), p.after);
  // The same export again: the branch holds it already, nothing to commit.
  q.branch = "tune/podinfo";
  EXPECT_TRUE(gitops::planExport(q).unchanged());
}

TEST_F(TempRepo, OnlyTheSpecIsExported) {
  // As kustomize renders it: no namespace in the file, a label added, an annotation.
  std::string rendered = edited("5", "    stepWeightPromotion: 20\n");
  rendered.replace(rendered.find("metadata: {name: podinfo, namespace: test}"), 42,
                   "metadata: {name: podinfo, labels: {team: a}, annotations: {x: y}}");
  const gitops::ExportPlan p = gitops::planExport(request(rendered));
  ASSERT_EQ(p.documents.size(), 1u);
  ASSERT_EQ(p.documents[0].changes.size(), 1u);
  EXPECT_EQ(p.documents[0].changes[0].path, "spec.analysis.stepWeightPromotion");
  EXPECT_EQ(p.documents[0].changes[0].op, rolloutlab::io::YamlChange::Op::kAdd);
  std::string expected = kCanary;
  expected.insert(expected.find("---"), "    stepWeightPromotion: 20\n");  // the end of `analysis`
  EXPECT_EQ(p.after.substr(0, p.after.find("---")), expected.substr(0, expected.find("---")));
}

TEST_F(TempRepo, ANewPathGetsTheEditedTextAsItIs) {
  std::string other = edited();
  other.replace(other.find("name: podinfo,"), 14, "name: frontend,");
  gitops::ExportRequest q = request(other);
  q.path = "apps/frontend/canary.yaml";
  const gitops::ExportPlan p = gitops::planExport(q);
  EXPECT_FALSE(p.fileExists);
  EXPECT_EQ(p.after, other);
  EXPECT_EQ(p.message.substr(0, p.message.find('\n')), "rolloutlab: add apps/frontend/canary.yaml");
  const gitops::ExportResult r = gitops::commitExport(p);
  EXPECT_EQ(blobIn(work_, r.commit, "apps/frontend/canary.yaml"), other);
  EXPECT_EQ(slurp(work_ / "apps/frontend/canary.yaml"), other);
  EXPECT_EQ(statusOf("apps/frontend/canary.yaml"), 0u);
  EXPECT_EQ(blobIn(work_, r.commit, "apps/podinfo/canary.yaml"), kCanary);
}

TEST_F(TempRepo, RefusesATargetWithUncommittedChanges) {
  writeFile(work_ / "apps/podinfo/canary.yaml", std::string(kCanary) + "# local edit\n");
  EXPECT_NE(refused([&] {
              gitops::planExport(request());
            }).find("has uncommitted changes (unstaged changes)"),
            std::string::npos);
  // staged
  git_repository* r = nullptr;
  git_repository_open(&r, work_.c_str());
  git_index* idx = nullptr;
  git_repository_index(&idx, r);
  git_index_add_bypath(idx, "apps/podinfo/canary.yaml");
  git_index_write(idx);
  git_index_free(idx);
  git_repository_free(r);
  EXPECT_NE(refused([&] {
              gitops::planExport(request());
            }).find("has uncommitted changes (staged changes)"),
            std::string::npos);
}

TEST_F(TempRepo, RefusesAnUntrackedTarget) {
  writeFile(work_ / "apps/new.yaml", edited());
  gitops::ExportRequest q = request();
  q.path = "apps/new.yaml";
  EXPECT_NE(refused([&] { gitops::planExport(q); }).find("uncommitted changes (is untracked)"),
            std::string::npos);
}

TEST_F(TempRepo, RefusesPathsOutsideTheRepository) {
  gitops::ExportRequest q = request();
  q.path = "../outside.yaml";
  EXPECT_NE(refused([&] { gitops::planExport(q); }).find("leaves the repository (..)"),
            std::string::npos);
  q.path = "apps/../../outside.yaml";
  EXPECT_NE(refused([&] { gitops::planExport(q); }).find("leaves the repository"),
            std::string::npos);
  q.path = (work_ / "apps/podinfo/canary.yaml").string();
  EXPECT_NE(refused([&] { gitops::planExport(q); }).find("is an absolute path"), std::string::npos);
  q.path = ".git/config";
  EXPECT_NE(refused([&] { gitops::planExport(q); }).find("is inside .git"), std::string::npos);
}

TEST_F(TempRepo, RefusesSymbolicLinks) {
  writeFile(root_ / "outside/canary.yaml", kCanary);
  fs::create_symlink(root_ / "outside", work_ / "linked");
  fs::create_symlink(root_ / "outside/canary.yaml", work_ / "apps/link.yaml");
  commitAll("links");
  gitops::ExportRequest q = request();
  q.path = "linked/canary.yaml";
  EXPECT_NE(refused([&] { gitops::planExport(q); }).find("linked is a symbolic link"),
            std::string::npos);
  q.path = "apps/link.yaml";
  EXPECT_NE(refused([&] { gitops::planExport(q); }).find("apps/link.yaml is a symbolic link"),
            std::string::npos);
}

TEST_F(TempRepo, RefusesMidMergeAndMidRebase) {
  const std::string head = refTarget(work_, "HEAD");
  writeFile(work_ / ".git/MERGE_HEAD", head + "\n");
  EXPECT_NE(refused([&] { gitops::planExport(request()); }).find("in the middle of a merge"),
            std::string::npos);
  fs::remove(work_ / ".git/MERGE_HEAD");
  fs::create_directories(work_ / ".git/rebase-merge");
  EXPECT_NE(refused([&] { gitops::planExport(request()); }).find("in the middle of a rebase"),
            std::string::npos);
  // A plan made before the rebase started is refused at commit time too.
  fs::remove_all(work_ / ".git/rebase-merge");
  const gitops::ExportPlan p = gitops::planExport(request());
  fs::create_directories(work_ / ".git/rebase-apply");
  EXPECT_NE(refused([&] { gitops::commitExport(p); }).find("in the middle of a rebase"),
            std::string::npos);
}

TEST_F(TempRepo, RefusesWhenTheBranchMovedDuringTheExport) {
  const gitops::ExportPlan p = gitops::planExport(request());
  writeFile(work_ / "README.md", "changed meanwhile\n");
  const std::string moved = commitAll("someone else");
  EXPECT_NE(refused([&] { gitops::commitExport(p); }).find("moved during the export"),
            std::string::npos);
  EXPECT_EQ(refTarget(work_, "refs/heads/main"), moved);
}

TEST_F(TempRepo, AnInvalidResultIsNeverWritten) {
  // A CRD with a maximum, given with --crd; and the same CRD found in the repository.
  const std::string crd = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: canaries.flagger.app}
spec:
  group: flagger.app
  names: {kind: Canary, plural: canaries}
  versions:
  - name: v1beta1
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
              analysis:
                type: object
                x-kubernetes-preserve-unknown-fields: true
                properties:
                  threshold: {type: integer, maximum: 8}
)";
  writeFile(root_ / "crd.yaml", crd);
  gitops::ExportRequest q = request();
  q.crdFiles = {(root_ / "crd.yaml").string()};
  const std::string what = refused([&] { gitops::planExport(q); });
  EXPECT_NE(
      what.find("apps/podinfo/canary.yaml:17: spec.analysis.threshold = 10: must be at most 8 (CRD "
                "canaries.flagger.app); nothing was written"),
      std::string::npos)
      << what;
  q.specText = edited("7");
  EXPECT_EQ(gitops::planExport(q).schemas.size(), 1u);
  // In the repository.
  writeFile(work_ / "crds/flagger.yaml", crd);
  commitAll("crds");
  EXPECT_NE(refused([&] { gitops::planExport(request()); }).find("must be at most 8"),
            std::string::npos);
  EXPECT_EQ(gitops::planExport(request(edited("7"))).schemas,
            std::vector<std::string>{"canaries.flagger.app v1beta1 (crds/flagger.yaml)"});
  // The caller's check (the CLI's validate --strict) refuses too.
  q = request("7");
  q.check = [](const std::string&, const std::string& rel, const std::string&, const std::string&) {
    return std::vector<rolloutlab::core::Diagnostic>{
        {rolloutlab::core::Severity::kError, rel, 3, 0, "spec.x", "", "a rule"}};
  };
  q.specText = edited("7");
  EXPECT_NE(refused([&] { gitops::planExport(q); }).find("fails validate --strict"),
            std::string::npos);
}

TEST_F(TempRepo, RefusesAnObjectTheRepositoryDoesNotHold) {
  std::string other = edited();
  other.replace(other.find("name: podinfo,"), 14, "name: frontend,");
  EXPECT_NE(
      refused([&] { gitops::planExport(request(other)); }).find("is in no file of the repository"),
      std::string::npos);
}

// A process killed between any two steps of the commit leaves a valid repository, unchanged
// except for a complete commit.
TEST_F(TempRepo, KilledAtAnyStepLeavesTheRepositoryValid) {
  const std::string base = refTarget(work_, "refs/heads/main");
  const fs::path pristine = root_ / "pristine";
  fs::copy(work_, pristine, fs::copy_options::recursive);
  for (const std::string step : {"blob", "tree", "commit", "ref", "worktree", "index"}) {
    SCOPED_TRACE(step);
    fs::remove_all(work_);
    fs::copy(pristine, work_, fs::copy_options::recursive);
    gitops::ExportRequest q = request();
    q.report = true;
    const gitops::ExportPlan p = gitops::planExport(q);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      setenv("ROLLOUTLAB_EXPORT_ABORT_AFTER", step.c_str(), 1);
      try {
        gitops::commitExport(p);
      } catch (...) {
        _exit(1);
      }
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 86);
    // Valid: git fsck passes, HEAD resolves, no lock file left.
    const auto fsck = rolloutlab::test::runCommand(
        "git -C " + rolloutlab::test::shellQuote(work_.string()) + " fsck 2>&1");
    EXPECT_EQ(fsck.status, 0) << fsck.out;
    EXPECT_FALSE(fs::exists(work_ / ".git/index.lock"));
    EXPECT_FALSE(fs::exists(work_ / ".git/refs/heads/main.lock"));
    for (const auto& e : fs::directory_iterator(work_ / "apps/podinfo"))
      EXPECT_EQ(e.path().filename().string().find(".rolloutlab-"), std::string::npos) << e.path();
    const std::string tip = refTarget(work_, "refs/heads/main");
    const bool refMoved = step == "ref" || step == "worktree" || step == "index";
    if (!refMoved) {
      // Nothing visible: the branch, the file and the status are as before.
      EXPECT_EQ(tip, base);
      EXPECT_EQ(slurp(work_ / "apps/podinfo/canary.yaml"), kCanary);
      EXPECT_FALSE(fs::exists(work_ / "apps/podinfo/canary.rolloutlab.md"));
      EXPECT_EQ(statusOf("apps/podinfo/canary.yaml"), 0u);
    } else {
      // A complete commit: both files in its tree, its parent the base.
      ASSERT_NE(tip, base);
      EXPECT_EQ(blobIn(work_, tip, "apps/podinfo/canary.yaml"), p.after);
      EXPECT_EQ(blobIn(work_, tip, "apps/podinfo/canary.rolloutlab.md"), p.reportText);
      const auto parent = rolloutlab::test::runCommand(
          "git -C " + rolloutlab::test::shellQuote(work_.string()) + " rev-parse main~1");
      EXPECT_EQ(parent.out, base + "\n");
      // The working-tree file is either the old or the new text, never anything else.
      const std::string now = slurp(work_ / "apps/podinfo/canary.yaml");
      EXPECT_EQ(now, step == "ref" ? std::string(kCanary) : p.after);
      if (step == "index") {
        EXPECT_EQ(statusOf("apps/podinfo/canary.yaml"), 0u);
      }
    }
  }
}

TEST_F(TempRepo, FilesChangedSinceARef) {
  const std::string first = refTarget(work_, "HEAD");
  writeFile(work_ / "apps/other.yaml", "kind: X\n");
  commitAll("other");
  writeFile(work_ / "README.md", "edited\n");
  writeFile(work_ / "untracked.yaml", "kind: Y\n");
  EXPECT_EQ(gitops::filesChangedSince(work_.string(), first),
            (std::vector<std::string>{"README.md", "apps/other.yaml", "untracked.yaml"}));
  EXPECT_EQ(gitops::filesChangedSince(work_.string(), "HEAD"),
            (std::vector<std::string>{"README.md", "untracked.yaml"}));
  EXPECT_THROW(gitops::filesChangedSince(work_.string(), "no-such-ref"), InputError);
  EXPECT_THROW(gitops::filesChangedSince((root_ / "nowhere").string(), "HEAD"), EnvironmentError);
}

// --push over HTTPS-style auth: the credential helper of the repository's config is asked,
// its answer reaches the server, and the password appears in no message.
TEST_F(TempRepo, PushAsksTheCredentialHelperAndNeverShowsThePassword) {
  const fs::path script = root_ / "server.py";
  writeFile(script, R"(import base64, http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        auth = self.headers.get("Authorization")
        if not auth:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(sys.argv[2], "a") as f:
            f.write(base64.b64decode(auth.split()[1]).decode() + "\n")
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1], "w") as f:
    f.write(str(s.server_address[1]))
s.serve_forever()
)");
  const fs::path portFile = root_ / "port", seen = root_ / "seen";
  const auto started = rolloutlab::test::runCommand(
      "python3 " + rolloutlab::test::shellQuote(script.string()) + " " +
      rolloutlab::test::shellQuote(portFile.string()) + " " +
      rolloutlab::test::shellQuote(seen.string()) + " >/dev/null 2>&1 & echo $!");
  const std::string pid = started.out.substr(0, started.out.find('\n'));
  for (int i = 0; i < 100 && (!fs::exists(portFile) || slurp(portFile).empty()); ++i) usleep(50000);
  const std::string port = slurp(portFile);
  ASSERT_FALSE(port.empty());
  git_repository* r = nullptr;
  git_repository_open(&r, work_.c_str());
  git_remote* rm = nullptr;
  git_remote_create(&rm, r, "web", ("http://127.0.0.1:" + port + "/repo.git").c_str());
  git_remote_free(rm);
  git_config* cfg = nullptr;
  git_repository_config(&cfg, r);
  git_config_set_string(cfg, "credential.helper",
                        "!f() { echo username=ada; echo password=s3cret; }; f");
  git_config_free(cfg);
  git_repository_free(r);
  std::string what;
  try {
    gitops::pushBranch(work_.string(), "web", "main");
  } catch (const EnvironmentError& e) {
    what = e.what();
  }
  rolloutlab::test::runCommand("kill " + pid);
  EXPECT_NE(what.find("push to web (http://127.0.0.1:" + port + "/repo.git) failed"),
            std::string::npos)
      << what;
  EXPECT_EQ(what.find("s3cret"), std::string::npos);
  EXPECT_EQ(slurp(seen).substr(0, 11), "ada:s3cret\n");
  // Credentials in a URL are never shown either.
  git_repository_open(&r, work_.c_str());
  git_remote_set_url(r, "web", ("http://ada:s3cret@127.0.0.1:" + port + "/repo.git").c_str());
  git_repository_free(r);
  const gitops::ExportPlan p = gitops::planExport([&] {
    gitops::ExportRequest q = request();
    q.pushRemote = "web";
    return q;
  }());
  EXPECT_EQ(p.pushUrl, "http://127.0.0.1:" + port + "/repo.git");
}

TEST(ExportHelpers, UnifiedDiffAndRedaction) {
  EXPECT_EQ(gitops::unifiedDiff("a\nb\n", "a\nb\n", "x", "y"), "");
  EXPECT_EQ(gitops::unifiedDiff("a\nb\nc\n", "a\nB\nc\n", "x", "y"),
            "--- x\n+++ y\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  EXPECT_EQ(gitops::unifiedDiff("", "n\n", "/dev/null", "y"),
            "--- /dev/null\n+++ y\n@@ -0,0 +1 @@\n+n\n");
  EXPECT_EQ(gitops::redactUrl("https://user:s3cret@git.example.com/org/repo.git"),
            "https://git.example.com/org/repo.git");
  EXPECT_EQ(gitops::redactUrl("ssh://git@host/x a@b"), "ssh://host/x a@b");
}

// ---- the command -------------------------------------------------------------------------

struct CliRun {
  int code;
  std::string out, err;
};

CliRun cli(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out, err;
  rolloutlab::app::Streams s{in, out, err};
  const int code = rolloutlab::app::runMain(args, s);
  return {code, out.str(), err.str()};
}

TEST_F(TempRepo, CommandExitCodesAndDryRun) {
  writeFile(root_ / "edited.yaml", edited());
  const std::string spec = (root_ / "edited.yaml").string();
  std::string broken = edited();
  broken.replace(broken.find("templateRef: {name: latency}"), 28, "templateRef: {name: latenzy}");
  writeFile(root_ / "broken.yaml", broken);
  const auto before = snapshot(root_);
  CliRun r = cli({"export", "--spec", spec, "--repo", work_.string(), "--dry-run", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(snapshot(root_), before);
  EXPECT_NE(r.out.find("\"kind\": \"ExportResult\""), std::string::npos);
  EXPECT_NE(r.out.find("\"status\": \"dry-run\""), std::string::npos);
  EXPECT_NE(r.out.find("\"commit\": null"), std::string::npos);
  r = cli({"export", "--spec", spec, "--repo", work_.string(), "--dry-run", "-o", "table"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("-    threshold: 5\n+    threshold: 10\n"), std::string::npos);
  EXPECT_NE(r.out.find("Checked: validate --strict;"), std::string::npos);
  EXPECT_EQ(snapshot(root_), before);

  EXPECT_EQ(cli({"export", "--repo", work_.string()}).code, 2);
  EXPECT_EQ(cli({"export", "--spec", spec, "--repo", work_.string(), "--bogus"}).code, 2);
  r = cli({"export", "--spec", spec, "--repo", (root_ / "nowhere").string()});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot open the Git repository"), std::string::npos);
  r = cli({"export", "--spec", spec, "--repo", work_.string(), "--path", "../x.yaml"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.substr(0, 6), "error:");
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);

  // validate --strict over the repository: a metric template reference that goes nowhere.
  r = cli({"export", "--spec", (root_ / "broken.yaml").string(), "--repo", work_.string()});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.err.find("latenzy"), std::string::npos) << r.err;
  EXPECT_EQ(snapshot(root_), before);

  // Committed, then pushed to a remote that is not there: exit 3, the commit stays.
  git_repository* repo = nullptr;
  git_repository_open(&repo, work_.c_str());
  git_remote* rm = nullptr;
  git_remote_create(&rm, repo, "gone", ("file://" + (root_ / "gone.git").string()).c_str());
  git_remote_free(rm);
  git_repository_free(repo);
  r = cli({"export", "--spec", spec, "--repo", work_.string(), "--push", "gone", "-o", "json"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.out.find("\"status\": \"committed\""), std::string::npos);
  EXPECT_NE(r.out.find("\"pushed\": false"), std::string::npos);
  EXPECT_EQ(slurp(work_ / "apps/podinfo/canary.yaml").find("threshold: 10") != std::string::npos,
            true);
  r = cli({"export", "--spec", spec, "--repo", work_.string(), "--push", "nosuch"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("is not a remote of the repository"), std::string::npos);
  // Once committed, the same export changes nothing.
  r = cli({"export", "--spec", spec, "--repo", work_.string(), "-o", "json"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("\"status\": \"unchanged\""), std::string::npos);
}

}  // namespace
