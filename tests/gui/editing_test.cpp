// Saving what the workbench edits: File > Save writes the file as loaded with only the edited
// values changed (every other byte, other documents and comments included, as it was), through
// a temporary file renamed over it; Save As writes another file and goes on with it; a save
// is refused, with the reason and nothing written, when the file changed on disk meanwhile.
// Edits are undoable across the form and the text; files changed on disk are noticed.

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFrame>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QTimer>
#include <QUndoStack>

#include "gui_fixture.h"
#include "main_window.h"
#include "spec_panel.h"
#include "workbench.h"

using rolloutlab::gui::MainWindow;
using rolloutlab::gui::SpecDocument;
using rolloutlab::gui::Workbench;
using namespace rolloutlab::test;

namespace {

std::string readAll(const QString& path) {
  QFile f(path);
  EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << path.toStdString();
  const QByteArray b = f.readAll();
  return std::string(b.constData(), static_cast<std::size_t>(b.size()));
}

void writeAll(const QString& path, const std::string& text) {
  QFile f(path);
  ASSERT_TRUE(f.open(QIODevice::WriteOnly | QIODevice::Truncate)) << path.toStdString();
  f.write(text.data(), static_cast<qint64>(text.size()));
}

/// `text` with the one occurrence of `from` replaced by `to` (fails when it is not there once).
std::string replacedOnce(std::string text, const std::string& from, const std::string& to) {
  const auto p = text.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  EXPECT_EQ(text.find(from, p + 1), std::string::npos) << from << " is there twice";
  if (p != std::string::npos) text.replace(p, from.size(), to);
  return text;
}

/// A main window on a copy of the example checkout Canary (a Canary and its MetricTemplate in
/// one file, with comments) in a temporary folder.
struct Edited {
  QTemporaryDir dir;
  QString file;
  std::string original;
  std::unique_ptr<MainWindow> w;
  Edited() {
    clearSettings();
    file = dir.filePath("canary.yaml");
    original = readFile(sourceDir() + "/examples/apps/checkout/canary.yaml");
    writeAll(file, original);
    w = std::make_unique<MainWindow>();
    w->workbench().setScenarioLibrary({libraryFile("good-high-traffic.yaml")});
    w->resize(1400, 900);
    w->openPaths({file});
    EXPECT_TRUE(w->workbench().waitForLoad());
    EXPECT_EQ(w->workbench().specCount(), 1);
    w->show();
    EXPECT_TRUE(QTest::qWaitForWindowExposed(w.get()));
  }
  Workbench& wb() { return w->workbench(); }
  /// Types a value into a form field and commits it with Enter, as a user does.
  void typeField(const std::string& id, const QString& value) {
    auto* f = w->specPanel()->field(id);
    ASSERT_NE(f, nullptr) << id;
    f->setFocus();
    f->selectAll();
    QTest::keyClicks(f, value);
    QTest::keyClick(f, Qt::Key_Return);
  }
  /// Replaces `from` by `to` in the YAML editor by typing, as a user does, and waits until the
  /// edit is applied.
  void typeText(const QString& from, const QString& to) {
    QPlainTextEdit* e = w->specPanel()->yamlEditor();
    e->setFocus();
    const int at = static_cast<int>(e->toPlainText().indexOf(from));
    ASSERT_GE(at, 0) << from.toStdString();
    QTextCursor c(e->document());
    c.setPosition(at);
    c.setPosition(at + static_cast<int>(from.size()), QTextCursor::KeepAnchor);
    e->setTextCursor(c);
    QTest::keyClicks(e, to);
    ASSERT_TRUE(waitFor(
        [&]() { return wb().currentSpec()->text() == e->toPlainText().toStdString(); }, 5000));
  }
  /// Files in the folder other than the spec (a temporary file left behind would show).
  QStringList strayFiles() {
    QStringList out = QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::System);
    out.removeAll("canary.yaml");
    return out;
  }
};

}  // namespace

TEST(Editing, SaveWritesOnlyTheEditedValue) {
  Edited e;
  e.typeField("analysis.threshold", "7");
  e.typeField("metrics.0.max", "0.5");
  EXPECT_TRUE(e.wb().currentSpec()->edited());
  EXPECT_TRUE(e.w->isWindowModified());
  QString error;
  ASSERT_TRUE(e.w->save(&error)) << error.toStdString();
  // Byte for byte the file as it was, but for the two values; the MetricTemplate document, the
  // comment and the flow sequence untouched.
  std::string expected = replacedOnce(e.original, "    threshold: 3\n", "    threshold: 7\n");
  expected = replacedOnce(expected, "        thresholdRange:\n          max: 1\n",
                          "        thresholdRange:\n          max: 0.5\n");
  EXPECT_EQ(readAll(e.file), expected);
  EXPECT_TRUE(e.strayFiles().isEmpty()) << e.strayFiles().join(", ").toStdString();
  // Saved: nothing left to save; the spec as loaded is now the file.
  EXPECT_FALSE(e.wb().currentSpec()->edited());
  EXPECT_FALSE(e.w->isWindowModified());
  EXPECT_EQ(e.wb().currentSpec()->originalText(), expected);
  EXPECT_TRUE(e.wb().undoStack()->isClean());
  // Our own save is not a change made by someone else.
  QTest::qWait(700);
  EXPECT_TRUE(e.w->changedFiles().isEmpty());
  EXPECT_FALSE(e.w->fileNotice()->isVisible());
}

TEST(Editing, SaveIsRefusedWhenTheFileChangedOnDisk) {
  Edited e;
  e.typeField("analysis.threshold", "7");
  const std::string theirs = replacedOnce(e.original, "interval: 30s", "interval: 45s");
  writeAll(e.file, theirs);
  QString error;
  EXPECT_FALSE(e.w->save(&error));
  EXPECT_TRUE(error.contains("changed on disk since it was loaded")) << error.toStdString();
  EXPECT_EQ(readAll(e.file), theirs);  // nothing written
  EXPECT_TRUE(e.wb().currentSpec()->edited());
  // Keeping my version over theirs: the save then overwrites the file.
  ASSERT_TRUE(waitFor([&]() { return !e.w->changedFiles().isEmpty(); }, 5000));
  e.w->keepEditsOverChangedFiles();
  ASSERT_TRUE(e.w->save(&error)) << error.toStdString();
  EXPECT_EQ(readAll(e.file), replacedOnce(e.original, "    threshold: 3\n", "    threshold: 7\n"));
}

TEST(Editing, AWriteThatFailsChangesNothing) {
  Edited e;
  e.typeField("analysis.threshold", "7");
  // A folder that does not exist: the temporary file cannot even be made (root included).
  const QString missing = e.dir.filePath("no-such-folder/canary.yaml");
  QString error;
  EXPECT_FALSE(e.w->saveAs(missing, &error));
  EXPECT_TRUE(error.startsWith("cannot write " + missing)) << error.toStdString();
  EXPECT_FALSE(QFile::exists(missing));
  const SpecDocument* s = e.wb().currentSpec();
  EXPECT_EQ(s->file(), e.file.toStdString());  // still the file as loaded
  EXPECT_TRUE(s->edited());
  EXPECT_EQ(readAll(e.file), e.original);
  EXPECT_TRUE(e.strayFiles().isEmpty()) << e.strayFiles().join(", ").toStdString();
  // Save As onto a file another spec of the workspace holds is refused too.
  e.w->openPaths({e.file, examplesDir() + "/apps/podinfo/canary.yaml"});
  ASSERT_TRUE(e.wb().waitForLoad());
  ASSERT_TRUE(e.wb().selectSpec("shop/checkout"));
  e.typeField("analysis.threshold", "7");
  const std::string podinfo = readFile(sourceDir() + "/examples/apps/podinfo/canary.yaml");
  EXPECT_FALSE(e.w->saveAs(examplesDir() + "/apps/podinfo/canary.yaml", &error));
  EXPECT_TRUE(error.contains("is open in the workspace (Canary test/podinfo)"))
      << error.toStdString();
  EXPECT_EQ(readFile(sourceDir() + "/examples/apps/podinfo/canary.yaml"), podinfo);
}

TEST(Editing, SaveAsWritesAnotherFileAndGoesOnWithIt) {
  Edited e;
  e.typeField("analysis.threshold", "4");
  const QString other = e.dir.filePath("tuned.yaml");
  QString error;
  ASSERT_TRUE(e.w->saveAs(other, &error)) << error.toStdString();
  const std::string first = replacedOnce(e.original, "    threshold: 3\n", "    threshold: 4\n");
  EXPECT_EQ(readAll(other), first);
  EXPECT_EQ(readAll(e.file), e.original);  // the file as loaded stays
  const SpecDocument* s = e.wb().currentSpec();
  EXPECT_EQ(s->file(), other.toStdString());
  EXPECT_FALSE(s->edited());
  // Later saves go to the new file.
  e.typeField("analysis.interval", "1m");
  ASSERT_TRUE(e.w->save(&error)) << error.toStdString();
  EXPECT_EQ(readAll(other), replacedOnce(first, "interval: 30s\n", "interval: 1m\n"));
  EXPECT_EQ(readAll(e.file), e.original);
  // Undo reaches back over the Save As: the threshold as loaded.
  e.wb().undo();
  e.wb().undo();
  EXPECT_EQ(s->text(), e.original);
  EXPECT_TRUE(s->edited());
}

TEST(Editing, UndoAndRedoGoAcrossFormAndTextEdits) {
  Edited e;
  const SpecDocument* s = e.wb().currentSpec();
  e.typeField("analysis.threshold", "6");
  const std::string afterForm =
      replacedOnce(e.original, "    threshold: 3\n", "    threshold: 6\n");
  EXPECT_EQ(s->text(), afterForm);
  e.typeText("stepWeights: [5, 10, 25, 50]", "stepWeights: [20, 50]");
  const std::string afterText =
      replacedOnce(afterForm, "stepWeights: [5, 10, 25, 50]", "stepWeights: [20, 50]");
  EXPECT_EQ(s->text(), afterText);
  EXPECT_EQ(e.w->undoAction()->text().toStdString(), "&Undo Edit canary.yaml");

  // Ctrl+Z in the text editor: first the typing, then the form edit before it (a form edit
  // no longer wipes the text's history).
  QPlainTextEdit* editor = e.w->specPanel()->yamlEditor();
  editor->setFocus();
  QTest::keyClick(editor, Qt::Key_Z, Qt::ControlModifier);
  EXPECT_EQ(s->text(), afterForm);
  EXPECT_EQ(editor->toPlainText().toStdString(), afterForm);
  EXPECT_EQ(e.w->undoAction()->text().toStdString(), "&Undo Set Analysis threshold to 6");
  QTest::keyClick(editor, Qt::Key_Z, Qt::ControlModifier);
  EXPECT_EQ(s->text(), e.original);
  EXPECT_EQ(editor->toPlainText().toStdString(), e.original);
  EXPECT_EQ(e.w->specPanel()->field("analysis.threshold")->text(), "3");
  EXPECT_FALSE(s->edited());
  EXPECT_FALSE(e.w->undoAction()->isEnabled());

  // Edit > Redo twice: the form edit, then the text edit.
  ASSERT_TRUE(e.w->redoAction()->isEnabled());
  e.w->redoAction()->trigger();
  EXPECT_EQ(s->text(), afterForm);
  EXPECT_EQ(e.w->specPanel()->field("analysis.threshold")->text(), "6");
  e.w->redoAction()->trigger();
  EXPECT_EQ(s->text(), afterText);
  EXPECT_EQ(editor->toPlainText().toStdString(), afterText);
  // The timeline follows: the run is the one of the text as it is now.
  EXPECT_NE(e.wb().timeline().title.find("checkout"), std::string::npos);
  EXPECT_TRUE(e.wb().timeline().error.empty()) << e.wb().timeline().error;

  // Ctrl+Z in a form field with nothing typed in it goes to the same history.
  auto* field = e.w->specPanel()->field("analysis.threshold");
  field->setFocus();
  QTest::keyClick(field, Qt::Key_Z, Qt::ControlModifier);
  EXPECT_EQ(s->text(), afterForm);

  // Revert is undoable too.
  QPushButton* revert = nullptr;
  for (auto* b : e.w->specPanel()->findChildren<QPushButton*>()) {
    if (b->text() == "Revert") revert = b;
  }
  ASSERT_NE(revert, nullptr);
  revert->click();
  EXPECT_EQ(s->text(), e.original);
  e.wb().undo();
  EXPECT_EQ(s->text(), afterForm);
}

TEST(Editing, AFileChangedOnDiskIsNoticedAndCanBeReloaded) {
  Edited e;
  EXPECT_TRUE(e.w->changedFiles().isEmpty());
  // Another program writes the file (as editors do: a new file renamed over it).
  const std::string theirs = replacedOnce(e.original, "    threshold: 3\n", "    threshold: 9\n");
  const QString tmp = e.dir.filePath(".canary.yaml.new");
  writeAll(tmp, theirs);
  ASSERT_TRUE(QFile::remove(e.file));
  ASSERT_TRUE(QFile::rename(tmp, e.file));
  ASSERT_TRUE(waitFor([&]() { return !e.w->changedFiles().isEmpty(); }, 5000));
  EXPECT_EQ(e.w->changedFiles(), QStringList{e.file});
  EXPECT_TRUE(e.w->fileNotice()->isVisible());
  // Reload: the workspace is read again, the form shows the new value.
  e.w->reloadChangedFiles();
  ASSERT_TRUE(e.wb().waitForLoad());
  EXPECT_FALSE(e.w->fileNotice()->isVisible());
  EXPECT_EQ(e.wb().currentSpec()->originalText(), theirs);
  EXPECT_EQ(e.w->specPanel()->field("analysis.threshold")->text(), "9");
  // It is still watched after the rename: a second change is noticed too.
  writeAll(e.file, e.original);
  ASSERT_TRUE(waitFor([&]() { return !e.w->changedFiles().isEmpty(); }, 5000));
}

TEST(Editing, SaveWritesTheTemplateFileARolloutsFormEdited) {
  clearSettings();
  QTemporaryDir dir;
  const std::string src = sourceDir() + "/examples/apps/storefront/";
  const std::string rollout = readFile(src + "rollout.yaml");
  const std::string templates = readFile(src + "analysis-templates.yaml");
  writeAll(dir.filePath("rollout.yaml"), rollout);
  writeAll(dir.filePath("analysis-templates.yaml"), templates);
  MainWindow w;
  w.workbench().setScenarioLibrary({libraryFile("good-high-traffic.yaml")});
  w.openPaths({dir.path()});
  ASSERT_TRUE(w.workbench().waitForLoad());
  ASSERT_TRUE(w.workbench().selectSpec("shop/storefront"));
  w.workbench().setField("templates.0.metrics.0.failureLimit", "3");
  QString error;
  QStringList written;
  ASSERT_TRUE(w.workbench().save(&error, &written)) << error.toStdString();
  EXPECT_EQ(written, QStringList{dir.filePath("analysis-templates.yaml")});
  // The first template's failureLimit only (the second keeps its own "failureLimit: 2").
  EXPECT_EQ(readAll(dir.filePath("analysis-templates.yaml")),
            replacedOnce(templates, "      failureLimit: 1\n", "      failureLimit: 3\n"));
  EXPECT_EQ(readAll(dir.filePath("rollout.yaml")), rollout);
  EXPECT_FALSE(w.workbench().currentSpec()->edited());
}

TEST(Editing, ClosingWithUnsavedEditsAsksFirst) {
  Edited e;
  e.typeField("analysis.threshold", "7");
  // Cancel keeps the window and the edit.
  QTimer::singleShot(200, []() {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    ASSERT_NE(box, nullptr);
    EXPECT_TRUE(box->text().contains("Canary shop/checkout")) << box->text().toStdString();
    box->button(QMessageBox::Cancel)->click();
  });
  EXPECT_FALSE(e.w->close());
  EXPECT_TRUE(e.w->isVisible());
  EXPECT_TRUE(e.wb().currentSpec()->edited());
  // Discard closes; the file stays as it was.
  QTimer::singleShot(200, []() {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    ASSERT_NE(box, nullptr);
    box->button(QMessageBox::Discard)->click();
  });
  EXPECT_TRUE(e.w->close());
  EXPECT_EQ(readAll(e.file), e.original);
  // Saved edits close without a question.
  Edited f;
  f.typeField("analysis.threshold", "7");
  ASSERT_TRUE(f.w->save());
  EXPECT_TRUE(f.w->close());
}
