#pragma once
/// The main window: the workspace tree (left), the spec panel (right), the problems list
/// (bottom) and the timeline, batch and compare views in the middle. Opens folders and files
/// from the menu, the recent list and by drag and drop; keeps settings and the window layout
/// (QSettings).

#include <QMainWindow>

class QAction;
class QComboBox;
class QDockWidget;
class QFileSystemWatcher;
class QFrame;
class QLabel;
class QListWidget;
class QMenu;
class QProgressBar;
class QSpinBox;
class QTabWidget;
class QTimer;

namespace rolloutlab::gui {

class BatchView;
class ExportDialog;
struct ExportSource;
class CompareView;
class SpecPanel;
class TimelineView;
class TuneView;
class Workbench;
class WorkspaceTree;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  /// Opens files and folders (replacing what was open, or beside it) and records them as
  /// recent. The load runs off the GUI thread (Workbench::open); the status bar shows its
  /// progress and the window stays usable until it is in.
  void openPaths(const QStringList& paths, bool add = false);
  /// Writes settings and layout now (also done on close).
  void saveSettings();

  Workbench& workbench() const { return *wb_; }
  WorkspaceTree* workspaceTree() const { return tree_; }
  SpecPanel* specPanel() const { return spec_; }
  TimelineView* timelineView() const { return timeline_; }
  BatchView* batchView() const { return batch_; }
  CompareView* compareView() const { return compare_; }
  TuneView* tuneView() const { return tune_; }
  QTabWidget* tabs() const { return tabs_; }
  QStringList recentPaths() const { return recent_; }
  QString statusText() const;
  /// The load's progress as the status bar shows it ("Loading 1,234 files…"; empty when no
  /// load runs).
  QString loadStatusText() const;

  /// File > Save: writes the current spec's edited files (Workbench::save); false with the
  /// reason in `error` (the menu shows it in a message box).
  bool save(QString* error = nullptr);
  /// File > Save As without its dialog.
  bool saveAs(const QString& path, QString* error = nullptr);
  QAction* undoAction() const { return undo_; }
  QAction* redoAction() const { return redo_; }
  /// The File menu. File > Export to Git… belongs before exportSection() (after Save As).
  QMenu* fileMenu() const { return fileMenu_; }
  /// What File > Export to Git… exports: the current spec as edited and, when the batch view's
  /// last result is of that spec exactly as edited, the result as evidence.
  ExportSource exportSource() const;
  /// File > Export to Git…: a new (not yet shown) dialog on the current spec, deleted when
  /// closed; nullptr without a current spec.
  ExportDialog* openExportDialog();
  QAction* exportSection() const { return exportSection_; }

  /// Files of the open specs that changed on disk (someone else wrote them) and wait for the
  /// user's answer in the bar above the views: Reload (opens the workspace again) or Keep
  /// my version (a later Save overwrites the change).
  QStringList changedFiles() const { return changed_; }
  QFrame* fileNotice() const { return notice_; }
  void reloadChangedFiles();
  void keepEditsOverChangedFiles();

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildActions();
  void buildDocks();
  void restoreSettings();
  void updateRecentMenu();
  void refreshScenarios();
  void refreshProblems();
  void onTimeline();
  void exportChart(const QString& format);
  void showLocation(const QString& file, int line);
  void watchFiles();
  void checkChangedFiles();

  Workbench* wb_;
  WorkspaceTree* tree_;
  SpecPanel* spec_;
  TimelineView* timeline_;
  BatchView* batch_;
  CompareView* compare_;
  TuneView* tune_;
  QTabWidget* tabs_;
  QListWidget* problems_;
  QDockWidget* treeDock_;
  QDockWidget* specDock_;
  QDockWidget* problemsDock_;
  QComboBox* scenarioBox_;
  QSpinBox* seedBox_;
  QSpinBox* replicateBox_;
  QComboBox* meshBox_;
  QLabel* statusOutcome_;
  QLabel* statusTime_;
  QLabel* loadLabel_;
  QProgressBar* loadBar_;
  QMenu* recentMenu_;
  QMenu* fileMenu_;
  QAction* exportSection_;
  QAction* undo_;
  QAction* redo_;
  QFileSystemWatcher* watcher_;
  QTimer* watchDelay_;
  QStringList pendingChecks_;  // files the watcher reported, checked once writes settle
  QStringList changed_;
  QFrame* notice_;
  QLabel* noticeText_;
  QStringList recent_;
  QByteArray defaultState_;
  bool settingsSaved_ = false;
};

}  // namespace rolloutlab::gui
