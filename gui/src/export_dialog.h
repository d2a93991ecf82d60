#pragma once
/// File > Export to Git…: the spec as edited, written back into the GitOps repository as a
/// commit on a branch (gitops/export.h, as `rolloutlab export` does). The dialog shows the
/// repository (a folder picker; by default the Git repository holding the spec's file), the
/// branch (by default `rolloutlab/<name>`), the target path, the diff about to be committed
/// and the commit message (editable), with an optional Markdown report and, when the batch
/// view holds a result of the spec exactly as edited, that result as the evidence. Planning
/// and committing run on a worker thread; a refusal (uncommitted changes, a path outside the
/// repository, a merge in progress, a result the CRD schema rejects, …) is shown with its
/// reason and nothing is written.

#include <QDialog>
#include <memory>
#include <string>

#include "rolloutlab/gitops/export.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QThread;

namespace rolloutlab::gui {

/// What the dialog exports: the spec's file and its text as edited, and optionally a batch
/// report (JSON, as `rolloutlab batch -o json` writes it) as the evidence.
struct ExportSource {
  std::string specFile;
  std::string specText;
  std::string specName;                    ///< namespace/name or name (for the default branch)
  std::string evidenceFile, evidenceText;  ///< empty: no evidence
  std::string evidenceSummary;             ///< shown beside the evidence check box
  std::string note;  ///< shown above the diff (e.g. edits of linked files not exported)
};

/// The outcome of one worker run (a preview plans only; an export plans and commits).
struct ExportOutcome {
  bool ok = false;
  bool committed = false;
  std::string error;  ///< the refusal or failure, one line
  gitops::ExportPlan plan;
  gitops::ExportResult result;
};

class ExportDialog : public QDialog {
  Q_OBJECT

 public:
  explicit ExportDialog(ExportSource source, QWidget* parent = nullptr);
  /// Waits for a running worker.
  ~ExportDialog() override;

  /// The folder of the Git repository holding `file` (searching upwards for `.git`); empty
  /// when there is none.
  static QString repositoryOf(const QString& file);
  /// `rolloutlab/<name>` with the name's namespace dropped and characters Git refuses in ref
  /// names replaced by '-'.
  static QString defaultBranch(const std::string& specName);

  /// Plans in the background with the current choices (the diff and message are filled when
  /// it ends).
  void preview();
  /// Plans again and commits, in the background; the message as shown (edited or not) is the
  /// commit's.
  void exportNow();
  bool busy() const { return thread_ != nullptr; }

  /// Inspection and driving (tests).
  QLineEdit* repositoryEdit() const { return repo_; }
  QLineEdit* branchEdit() const { return branch_; }
  QLineEdit* pathEdit() const { return path_; }
  QPlainTextEdit* diffView() const { return diff_; }
  QPlainTextEdit* messageEdit() const { return message_; }
  QCheckBox* reportBox() const { return report_; }
  QCheckBox* evidenceBox() const { return evidence_; }
  QPushButton* exportButton() const { return export_; }
  QPushButton* previewButton() const { return preview_; }
  QString statusText() const;
  /// The last worker run's outcome (nullptr before the first ends).
  const ExportOutcome* lastOutcome() const { return outcome_.get(); }

 signals:
  /// A worker run ended (on the GUI thread).
  void finished();

 private:
  gitops::ExportRequest request() const;
  void run(bool commit);
  void onDone(std::shared_ptr<ExportOutcome> outcome, bool commit);
  void setBusy(bool busy);
  void setMessage(const QString& text);
  QString choices() const;  // repository, branch and path as entered

  ExportSource source_;
  QLineEdit* repo_;
  QLineEdit* branch_;
  QLineEdit* path_;
  QPlainTextEdit* diff_;
  QPlainTextEdit* message_;
  QCheckBox* report_;
  QCheckBox* evidence_;
  QLabel* status_;
  QProgressBar* busy_;
  QPushButton* preview_;
  QPushButton* export_;
  QPushButton* browse_;
  QThread* thread_ = nullptr;
  std::shared_ptr<ExportOutcome> outcome_;
  std::string plannedMessage_;  // the message of the last plan, as generated
  QString plannedChoices_;      // choices() of the last plan
  bool messageEdited_ = false;
  bool settingMessage_ = false;
};

}  // namespace rolloutlab::gui
