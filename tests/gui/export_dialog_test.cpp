// File > Export to Git…: the spec as edited committed to a branch of the repository it was
// opened from. Against a real repository made with libgit2 in a temporary folder, read back
// with libgit2: the commit on the branch carries the message as shown (edited) and the file
// changed in exactly the edited line; a refusal (an uncommitted change in the target file) is
// shown with its reason and writes nothing.

#include "export_dialog.h"

#include <git2.h>

#include <QAction>
#include <QCheckBox>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QFontInfo>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <map>

#include "batch_view.h"
#include "gui_fixture.h"
#include "main_window.h"
#include "spec_panel.h"
#include "workbench.h"

using rolloutlab::gui::ExportDialog;
using rolloutlab::gui::MainWindow;
using namespace rolloutlab::test;

namespace {

void writeAll(const QString& path, const std::string& text) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  ASSERT_TRUE(f.open(QIODevice::WriteOnly | QIODevice::Truncate)) << path.toStdString();
  f.write(text.data(), static_cast<qint64>(text.size()));
}

std::string readAll(const QString& path) {
  QFile f(path);
  EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << path.toStdString();
  const QByteArray b = f.readAll();
  return std::string(b.constData(), static_cast<std::size_t>(b.size()));
}

std::string replacedOnce(std::string text, const std::string& from, const std::string& to) {
  const auto p = text.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  EXPECT_EQ(text.find(from, p + 1), std::string::npos) << from << " is there twice";
  if (p != std::string::npos) text.replace(p, from.size(), to);
  return text;
}

/// The lines a unified diff removes and adds ("-..." and "+...", file headers left out).
QStringList changedLines(const QString& diff) {
  QStringList out;
  for (const QString& l : diff.split('\n')) {
    if (l.startsWith("---") || l.startsWith("+++")) continue;
    if (l.startsWith('-') || l.startsWith('+')) out << l;
  }
  return out;
}

/// A Git repository (branch main) in a temporary folder holding the example checkout Canary at
/// apps/checkout/canary.yaml and a README, committed; a main window on the Canary's file.
struct Repo {
  QTemporaryDir dir;
  QString root, file;
  std::string original, initial;
  std::unique_ptr<MainWindow> w;

  Repo() { git_libgit2_init(); }
  ~Repo() {
    w.reset();
    git_libgit2_shutdown();
  }

  void create() {
    root = QDir(dir.path()).canonicalPath();
    file = root + "/apps/checkout/canary.yaml";
    original = readFile(sourceDir() + "/examples/apps/checkout/canary.yaml");
    writeAll(file, original);
    writeAll(root + "/README.md", "a GitOps repo\n");
    git_repository_init_options o;
    git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
    o.initial_head = "main";
    git_repository* r = nullptr;
    ASSERT_EQ(git_repository_init_ext(&r, root.toUtf8().constData(), &o), 0);
    git_config* c = nullptr;
    git_repository_config(&c, r);
    git_config_set_string(c, "user.name", "Ada Tester");
    git_config_set_string(c, "user.email", "ada@example.com");
    git_config_free(c);
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
    ASSERT_EQ(git_commit_create(&commit, r, "HEAD", sig, sig, nullptr, "initial\n", t, 0, nullptr),
              0);
    char buf[GIT_OID_HEXSZ + 1];
    git_oid_tostr(buf, sizeof buf, &commit);
    initial = buf;
    git_signature_free(sig);
    git_tree_free(t);
    git_index_free(idx);
    git_repository_free(r);
  }

  void open() {
    clearSettings();
    w = std::make_unique<MainWindow>();
    w->workbench().setScenarioLibrary({libraryFile("good-high-traffic.yaml")});
    w->resize(1400, 900);
    w->openPaths({file});
    ASSERT_TRUE(w->workbench().waitForLoad());
    ASSERT_EQ(w->workbench().specCount(), 1);
    w->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(w.get()));
  }

  void typeField(const std::string& id, const QString& value) {
    auto* f = w->specPanel()->field(id);
    ASSERT_NE(f, nullptr) << id;
    f->setFocus();
    f->selectAll();
    QTest::keyClicks(f, value);
    QTest::keyClick(f, Qt::Key_Return);
  }

  /// The commit `ref` points at ("" when there is no such ref).
  std::string target(const std::string& ref) {
    git_repository* r = nullptr;
    if (git_repository_open(&r, root.toUtf8().constData()) != 0) return "";
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

  struct Commit {
    std::string message, parent;
    std::map<std::string, std::string> files;  // every blob of the tree by path
  };
  Commit read(const std::string& id) {
    Commit out;
    git_repository* r = nullptr;
    git_repository_open(&r, root.toUtf8().constData());
    git_oid oid;
    git_oid_fromstr(&oid, id.c_str());
    git_commit* c = nullptr;
    EXPECT_EQ(git_commit_lookup(&c, r, &oid), 0);
    out.message = git_commit_message(c);
    if (git_commit_parentcount(c) == 1) {
      char buf[GIT_OID_HEXSZ + 1];
      git_oid_tostr(buf, sizeof buf, git_commit_parent_id(c, 0));
      out.parent = buf;
    }
    git_tree* t = nullptr;
    git_commit_tree(&t, c);
    struct Walk {
      git_repository* repo;
      std::map<std::string, std::string>* files;
    } walk{r, &out.files};
    git_tree_walk(
        t, GIT_TREEWALK_PRE,
        [](const char* base, const git_tree_entry* e, void* payload) -> int {
          auto* wk = static_cast<Walk*>(payload);
          if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) return 0;
          git_blob* b = nullptr;
          git_blob_lookup(&b, wk->repo, git_tree_entry_id(e));
          (*wk->files)[std::string(base) + git_tree_entry_name(e)] =
              std::string(static_cast<const char*>(git_blob_rawcontent(b)),
                          static_cast<std::size_t>(git_blob_rawsize(b)));
          git_blob_free(b);
          return 0;
        },
        &walk);
    git_tree_free(t);
    git_commit_free(c);
    git_repository_free(r);
    return out;
  }

  /// Every file under .git with its size: "nothing was written" is this unchanged.
  std::map<QString, qint64> gitFiles() {
    std::map<QString, qint64> m;
    QDirIterator it(root + "/.git", QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
      it.next();
      m[it.filePath()] = it.fileInfo().size();
    }
    return m;
  }
};

bool settled(ExportDialog* d) { return !d->busy() && d->lastOutcome() != nullptr; }

}  // namespace

TEST(ExportDialog, TheMenuHoldsExportToGitAfterSaveAs) {
  MainWindow w;
  const QList<QAction*> actions = w.fileMenu()->actions();
  const int section = static_cast<int>(actions.indexOf(w.exportSection()));
  ASSERT_GT(section, 0);
  EXPECT_EQ(actions[section - 1]->text(), "Export to &Git\u2026");
  EXPECT_EQ(actions[section - 2]->text(), "Save &As\u2026");
  EXPECT_FALSE(actions[section - 1]->isEnabled());  // no spec open
  EXPECT_EQ(w.openExportDialog(), nullptr);
}

TEST(ExportDialog, DefaultsNameTheRepositoryOfTheFileAndABranchOfTheSpec) {
  EXPECT_EQ(ExportDialog::defaultBranch("shop/checkout"), "rolloutlab/checkout");
  EXPECT_EQ(ExportDialog::defaultBranch("podinfo"), "rolloutlab/podinfo");
  EXPECT_EQ(ExportDialog::defaultBranch("ns/..odd name~1"), "rolloutlab/-odd-name-1");
  QTemporaryDir d;
  QDir(d.path()).mkpath("r/.git");
  QDir(d.path()).mkpath("r/a/b");
  EXPECT_EQ(ExportDialog::repositoryOf(d.path() + "/r/a/b/x.yaml"),
            QDir(d.path() + "/r").absolutePath());
  EXPECT_EQ(ExportDialog::repositoryOf(d.path() + "/x.yaml"), QString());
}

TEST(ExportDialog, ExportCommitsTheEditedLineOnTheBranch) {
  Repo repo;
  ASSERT_NO_FATAL_FAILURE(repo.create());
  ASSERT_NO_FATAL_FAILURE(repo.open());
  repo.typeField("analysis.threshold", "7");
  ASSERT_EQ(repo.w->workbench().currentSpec()->text(),
            replacedOnce(repo.original, "    threshold: 3\n", "    threshold: 7\n"));

  ExportDialog* d = repo.w->openExportDialog();
  ASSERT_NE(d, nullptr);
  d->show();
  ASSERT_TRUE(waitFor([&]() { return settled(d); })) << d->statusText().toStdString();
  EXPECT_EQ(d->repositoryEdit()->text(), repo.root);
  EXPECT_EQ(d->branchEdit()->text(), "rolloutlab/checkout");
  EXPECT_EQ(d->pathEdit()->text(), "apps/checkout/canary.yaml");
  EXPECT_FALSE(d->evidenceBox()->isEnabled());  // no batch was run
  ASSERT_TRUE(d->lastOutcome()->ok) << d->lastOutcome()->error;
  EXPECT_TRUE(d->diffView()->isReadOnly());
  EXPECT_TRUE(d->diffView()->font().fixedPitch() || QFontInfo(d->diffView()->font()).fixedPitch());
  EXPECT_EQ(changedLines(d->diffView()->toPlainText()),
            QStringList({"-    threshold: 3", "+    threshold: 7"}));
  EXPECT_TRUE(d->exportButton()->isEnabled());
  const QString generated = d->messageEdit()->toPlainText();
  EXPECT_FALSE(generated.isEmpty());
  // Nothing is written by the preview.
  EXPECT_EQ(repo.target("refs/heads/rolloutlab/checkout"), "");

  // The message as the user leaves it is the commit's.
  const QString message = "Raise the checkout threshold to 7\n\nReviewed in the workbench.\n";
  d->messageEdit()->setPlainText(message);
  QTest::mouseClick(d->exportButton(), Qt::LeftButton);
  EXPECT_TRUE(d->busy());
  ASSERT_TRUE(waitFor([&]() { return !d->busy(); })) << d->statusText().toStdString();
  ASSERT_TRUE(d->lastOutcome()->committed) << d->lastOutcome()->error;
  EXPECT_TRUE(d->statusText().startsWith("Committed ")) << d->statusText().toStdString();
  EXPECT_FALSE(d->exportButton()->isEnabled());

  const std::string id = repo.target("refs/heads/rolloutlab/checkout");
  ASSERT_EQ(id, d->lastOutcome()->result.commit);
  const Repo::Commit c = repo.read(id);
  EXPECT_EQ(QString::fromStdString(c.message).trimmed(), message.trimmed());
  EXPECT_EQ(c.parent, repo.initial);
  const Repo::Commit base = repo.read(repo.initial);
  std::map<std::string, std::string> expected = base.files;
  expected["apps/checkout/canary.yaml"] =
      replacedOnce(repo.original, "    threshold: 3\n", "    threshold: 7\n");
  EXPECT_EQ(c.files, expected);  // only that line of that file changed
  // main and the working tree (not on the new branch) stay as they were.
  EXPECT_EQ(repo.target("refs/heads/main"), repo.initial);
  EXPECT_EQ(readAll(repo.file), repo.original);
  d->close();
}

TEST(ExportDialog, AnUncommittedChangeInTheTargetIsRefusedWithNothingWritten) {
  Repo repo;
  ASSERT_NO_FATAL_FAILURE(repo.create());
  // Someone's uncommitted edit of the target file (a comment line).
  writeAll(repo.file, repo.original + "# not committed\n");
  ASSERT_NO_FATAL_FAILURE(repo.open());
  repo.typeField("analysis.threshold", "7");
  const auto before = repo.gitFiles();

  ExportDialog* d = repo.w->openExportDialog();
  ASSERT_NE(d, nullptr);
  d->show();
  ASSERT_TRUE(waitFor([&]() { return settled(d); }));
  EXPECT_FALSE(d->lastOutcome()->ok);
  EXPECT_TRUE(d->statusText().contains("has uncommitted changes")) << d->statusText().toStdString();
  EXPECT_TRUE(d->statusText().contains("apps/checkout/canary.yaml"))
      << d->statusText().toStdString();
  EXPECT_FALSE(d->exportButton()->isEnabled());
  EXPECT_TRUE(d->diffView()->toPlainText().isEmpty());

  // Forcing it (as a click would once the preview passed) is refused the same way.
  d->exportNow();
  ASSERT_TRUE(waitFor([&]() { return !d->busy(); }));
  EXPECT_FALSE(d->lastOutcome()->committed);
  EXPECT_TRUE(d->statusText().startsWith("Not exported: ")) << d->statusText().toStdString();
  EXPECT_TRUE(d->statusText().contains("has uncommitted changes")) << d->statusText().toStdString();
  EXPECT_EQ(repo.target("refs/heads/rolloutlab/checkout"), "");
  EXPECT_EQ(repo.target("refs/heads/main"), repo.initial);
  EXPECT_EQ(repo.gitFiles(), before);
  EXPECT_EQ(readAll(repo.file), repo.original + "# not committed\n");
  d->close();
}

TEST(ExportDialog, TheBatchOfTheSpecAsEditedIsTheEvidenceAndAStaleOneIsNot) {
  Repo repo;
  ASSERT_NO_FATAL_FAILURE(repo.create());
  ASSERT_NO_FATAL_FAILURE(repo.open());
  repo.typeField("analysis.threshold", "7");
  rolloutlab::gui::BatchView* batch = repo.w->batchView();
  batch->setRuns(20);
  batch->start();
  ASSERT_TRUE(
      waitFor([&]() { return batch->lastOutcome() != nullptr && !batch->running(); }, 120000));

  // The batch ran on the spec as it now is: its result is the evidence.
  const rolloutlab::gui::ExportSource src = repo.w->exportSource();
  ASSERT_FALSE(src.evidenceText.empty());
  EXPECT_NE(src.evidenceText.find("\"seed\""), std::string::npos);
  ExportDialog* d = repo.w->openExportDialog();
  d->show();
  ASSERT_TRUE(waitFor([&]() { return settled(d); })) << d->statusText().toStdString();
  ASSERT_TRUE(d->lastOutcome()->ok) << d->lastOutcome()->error;
  EXPECT_TRUE(d->evidenceBox()->isEnabled());
  EXPECT_TRUE(d->evidenceBox()->isChecked());
  const QString message = d->messageEdit()->toPlainText();
  // The message names the evidence, its seed, and that it was computed on this very text.
  EXPECT_TRUE(message.contains("Evidence (BatchReport workbench batch, seed " +
                               QString::number(batch->lastOutcome()->results[0].seed)))
      << message.toStdString();
  EXPECT_TRUE(message.contains("sha256 match")) << message.toStdString();
  QTest::mouseClick(d->exportButton(), Qt::LeftButton);
  ASSERT_TRUE(waitFor([&]() { return !d->busy(); }));
  ASSERT_TRUE(d->lastOutcome()->committed) << d->lastOutcome()->error;
  EXPECT_EQ(QString::fromStdString(repo.read(repo.target("refs/heads/rolloutlab/checkout")).message)
                .trimmed(),
            message.trimmed());
  d->close();

  // Edited again after the batch: the result no longer describes the spec, no evidence.
  repo.typeField("analysis.threshold", "8");
  EXPECT_TRUE(repo.w->exportSource().evidenceText.empty());
}
