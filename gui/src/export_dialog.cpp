#include "export_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QThread>
#include <QVBoxLayout>
#include <exception>
#include <initializer_list>

#include "rolloutlab/app/commands.h"
#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::gui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

QString ExportDialog::repositoryOf(const QString& file) {
  if (file.isEmpty()) return {};
  QDir dir = QFileInfo(file).absoluteDir();
  for (;;) {
    // A working tree has `.git` as a folder, or as a file for a linked worktree or submodule.
    if (QFileInfo::exists(dir.filePath(".git"))) return dir.absolutePath();
    if (!dir.cdUp()) return {};
  }
}

QString ExportDialog::defaultBranch(const std::string& specName) {
  QString name = q(specName);
  name = name.mid(name.lastIndexOf('/') + 1);
  // git check-ref-format: no space, ~ ^ : ? * [ \ or control characters, no "..", no leading dot.
  name.replace(QRegularExpression("[^A-Za-z0-9._-]"), "-");
  name.replace(QRegularExpression("\\.\\.+"), "-");
  while (name.startsWith('.')) name.remove(0, 1);
  if (name.endsWith(".lock")) name.chop(5);
  if (name.isEmpty()) name = "spec";
  return "rolloutlab/" + name;
}

ExportDialog::ExportDialog(ExportSource source, QWidget* parent)
    : QDialog(parent), source_(std::move(source)) {
  setWindowTitle("Export to Git");
  resize(900, 720);

  repo_ = new QLineEdit(this);
  browse_ = new QPushButton("Browse\u2026", this);
  auto* repoRow = new QHBoxLayout;
  repoRow->addWidget(repo_, 1);
  repoRow->addWidget(browse_);
  branch_ = new QLineEdit(this);
  path_ = new QLineEdit(this);
  path_->setPlaceholderText("found by the objects' kind and name");
  report_ = new QCheckBox("Write report (a Markdown file committed next to the manifest)", this);
  evidence_ = new QCheckBox(this);

  const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  diff_ = new QPlainTextEdit(this);
  diff_->setReadOnly(true);
  diff_->setFont(mono);
  diff_->setLineWrapMode(QPlainTextEdit::NoWrap);
  diff_->setPlaceholderText("The diff about to be committed appears here.");
  message_ = new QPlainTextEdit(this);
  message_->setFont(mono);
  message_->setLineWrapMode(QPlainTextEdit::NoWrap);

  status_ = new QLabel(this);
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  busy_ = new QProgressBar(this);
  busy_->setRange(0, 0);  // busy indicator
  busy_->setMaximumWidth(160);
  busy_->setVisible(false);

  auto* buttons = new QDialogButtonBox(this);
  preview_ = buttons->addButton("Preview", QDialogButtonBox::ActionRole);
  export_ = buttons->addButton("Export", QDialogButtonBox::AcceptRole);
  buttons->addButton(QDialogButtonBox::Close);
  export_->setEnabled(false);

  auto* form = new QFormLayout;
  form->addRow("Repository:", repoRow);
  form->addRow("Branch:", branch_);
  form->addRow("Target path:", path_);
  form->addRow("", report_);
  form->addRow("Evidence:", evidence_);
  auto* statusRow = new QHBoxLayout;
  statusRow->addWidget(status_, 1);
  statusRow->addWidget(busy_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  if (!source_.note.empty()) {
    auto* note = new QLabel(q(source_.note), this);
    note->setWordWrap(true);
    layout->addWidget(note);
  }
  layout->addWidget(new QLabel("Diff:", this));
  layout->addWidget(diff_, 3);
  layout->addWidget(new QLabel("Commit message:", this));
  layout->addWidget(message_, 2);
  layout->addLayout(statusRow);
  layout->addWidget(buttons);

  // Defaults: the repository holding the spec's file, the file's place in it.
  const QString file = q(source_.specFile);
  const QString repo = repositoryOf(file);
  repo_->setText(repo);
  if (!repo.isEmpty()) {
    const QString rel = QDir(repo).relativeFilePath(QFileInfo(file).absoluteFilePath());
    if (!rel.startsWith("..")) path_->setText(rel);
  }
  branch_->setText(defaultBranch(source_.specName));
  if (source_.evidenceText.empty()) {
    evidence_->setText("none (run a batch of the spec as edited to attach its result)");
    evidence_->setChecked(false);
    evidence_->setEnabled(false);
  } else {
    evidence_->setText(q(source_.evidenceSummary));
    evidence_->setChecked(true);
  }

  connect(browse_, &QPushButton::clicked, this, [this]() {
    const QString dir = QFileDialog::getExistingDirectory(this, "Git repository", repo_->text());
    if (dir.isEmpty()) return;
    repo_->setText(dir);
    preview();
  });
  // Leaving a field plans again when the choices differ from those of the plan shown.
  for (QLineEdit* e : {repo_, branch_, path_})
    connect(e, &QLineEdit::editingFinished, this, [this]() {
      if (!busy() && choices() != plannedChoices_) preview();
    });
  // Any change of the choices invalidates the plan shown until it is made again.
  for (QLineEdit* e : {repo_, branch_, path_})
    connect(e, &QLineEdit::textEdited, this, [this]() { export_->setEnabled(false); });
  connect(report_, &QCheckBox::toggled, this, [this]() { preview(); });
  connect(evidence_, &QCheckBox::toggled, this, [this]() { preview(); });
  connect(message_, &QPlainTextEdit::textChanged, this, [this]() {
    if (!settingMessage_) messageEdited_ = message_->toPlainText().toStdString() != plannedMessage_;
  });
  connect(preview_, &QPushButton::clicked, this, &ExportDialog::preview);
  connect(export_, &QPushButton::clicked, this, &ExportDialog::exportNow);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  if (repo.isEmpty()) {
    status_->setText("The spec's file is in no Git repository: choose one.");
  } else {
    preview();
  }
}

ExportDialog::~ExportDialog() {
  if (thread_ != nullptr) {
    thread_->wait();
    delete thread_;
  }
}

QString ExportDialog::statusText() const { return status_->text(); }

gitops::ExportRequest ExportDialog::request() const {
  gitops::ExportRequest r;
  r.specFile = source_.specFile;
  r.specText = source_.specText;
  r.repoDir = repo_->text().trimmed().toStdString();
  r.path = path_->text().trimmed().toStdString();
  r.branch = branch_->text().trimmed().toStdString();
  r.report = report_->isChecked();
  r.check = app::exportStrictCheck;  // validate --strict over the repository, as the CLI checks
  if (evidence_->isChecked() && !source_.evidenceText.empty()) {
    r.evidenceFile = source_.evidenceFile;
    r.evidenceText = source_.evidenceText;
  }
  return r;
}

QString ExportDialog::choices() const {
  return repo_->text().trimmed() + '\n' + branch_->text().trimmed() + '\n' +
         path_->text().trimmed();
}

void ExportDialog::preview() { run(false); }

void ExportDialog::exportNow() { run(true); }

void ExportDialog::run(bool commit) {
  if (busy()) return;
  gitops::ExportRequest req = request();
  if (req.repoDir.empty()) {
    status_->setText("Choose the Git repository to export to.");
    export_->setEnabled(false);
    return;
  }
  // The message as shown, when the user changed it, replaces the generated one.
  const bool useEdited = commit && messageEdited_;
  const std::string message = message_->toPlainText().toStdString();
  auto outcome = std::make_shared<ExportOutcome>();
  plannedChoices_ = choices();
  // The worker touches only `req`, `message` and `outcome`; the dialog waits for it when it
  // closes, and reads `outcome` only after the thread has finished.
  thread_ = QThread::create([req = std::move(req), outcome, commit, useEdited, message]() {
    try {
      outcome->plan = gitops::planExport(req);
      if (commit && !outcome->plan.unchanged()) {
        gitops::ExportPlan plan = outcome->plan;
        if (useEdited) plan.message = message;
        outcome->result = gitops::commitExport(plan);
        outcome->plan.message = plan.message;
        outcome->committed = true;
      }
      outcome->ok = true;
    } catch (const std::exception& e) {
      outcome->error = e.what();
    }
  });
  connect(thread_, &QThread::finished, this,
          [this, outcome, commit]() { onDone(outcome, commit); });
  setBusy(true);
  status_->setText(commit ? "Exporting\u2026" : "Planning\u2026");
  thread_->start();
}

void ExportDialog::setBusy(bool busy) {
  busy_->setVisible(busy);
  for (QWidget* w :
       std::initializer_list<QWidget*>{repo_, browse_, branch_, path_, report_, preview_})
    w->setEnabled(!busy);
  evidence_->setEnabled(!busy && !source_.evidenceText.empty());
  if (busy) export_->setEnabled(false);
}

void ExportDialog::setMessage(const QString& text) {
  settingMessage_ = true;
  message_->setPlainText(text);
  settingMessage_ = false;
}

void ExportDialog::onDone(std::shared_ptr<ExportOutcome> outcome, bool commit) {
  thread_->wait();
  thread_->deleteLater();  // this slot runs on its finished() signal
  thread_ = nullptr;
  setBusy(false);
  outcome_ = std::move(outcome);
  const ExportOutcome& o = *outcome_;
  if (!o.ok) {
    // A refusal: nothing was written (commitExport refuses before it writes, planExport writes
    // nothing). The plan shown before no longer holds.
    status_->setText((commit ? "Not exported: " : "Cannot export: ") + q(o.error));
    diff_->clear();
    export_->setEnabled(false);
    emit finished();
    return;
  }
  const gitops::ExportPlan& p = o.plan;
  diff_->setPlainText(q(p.diff));
  if (path_->text().trimmed().isEmpty()) {
    path_->setText(q(p.path));
    plannedChoices_ = choices();
  }
  plannedMessage_ = p.message;
  if (!messageEdited_ || o.committed) {
    setMessage(q(p.message));
    plannedMessage_ = message_->toPlainText().toStdString();
    messageEdited_ = false;
  }
  if (p.unchanged()) {
    status_->setText(QString("Nothing to export: %1 on %2 already holds the spec as edited.")
                         .arg(q(p.path), q(p.branch)));
    export_->setEnabled(false);
  } else if (o.committed) {
    QString text = QString("Committed %1 on %2%3: %4")
                       .arg(q(o.result.commit.substr(0, 12)), q(p.branch),
                            o.result.branchCreated ? " (new branch)" : "", q(p.path));
    if (!p.reportPath.empty()) text += ", " + q(p.reportPath);
    if (o.result.worktreeUpdated) text += "; the working tree is updated";
    status_->setText(text + ".");
    export_->setEnabled(false);  // done; a change of the choices plans again
  } else {
    QString text = QString("Ready: a commit on %1%2 (based on %3) changing %4.")
                       .arg(q(p.branch), p.branchExists ? "" : " (a new branch)",
                            q(p.baseCommit.substr(0, 12)), q(p.path));
    if (!p.schemas.empty())
      text += QString(" Checked against %1 CRD schema(s).").arg(p.schemas.size());
    status_->setText(text);
    export_->setEnabled(true);
  }
  emit finished();
}

}  // namespace rolloutlab::gui
