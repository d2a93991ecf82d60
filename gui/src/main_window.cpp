#include "main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QUndoGroup>
#include <QUndoStack>
#include <QVBoxLayout>
#include <algorithm>
#include <climits>

#include "batch_view.h"
#include "compare_view.h"
#include "export_dialog.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/core/version.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/sim/mesh.h"
#include "spec_panel.h"
#include "timeline_view.h"
#include "tune_view.h"
#include "workbench.h"
#include "workspace_tree.h"

namespace rolloutlab::gui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }
constexpr int kMaxRecent = 10;

/// 1234567 as "1,234,567" (the same in every locale).
QString groupedCount(int n) {
  QString digits = QString::number(n);
  for (auto i = digits.size() - 3; i > 0; i -= 3) digits.insert(i, ',');
  return digits;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), wb_(new Workbench(this)) {
  setObjectName("MainWindow");
  setWindowTitle("rolloutlab");
  setAcceptDrops(true);
  setDockNestingEnabled(true);

  tabs_ = new QTabWidget(this);
  timeline_ = new TimelineView(tabs_);
  batch_ = new BatchView(*wb_, tabs_);
  compare_ = new CompareView(*wb_, tabs_);
  tabs_->addTab(timeline_, "Timeline");
  tabs_->addTab(batch_, "Batch");
  tabs_->addTab(compare_, "Compare");
  tune_ = new TuneView(*wb_, tabs_);
  tabs_->addTab(tune_, "Tune");
  // A candidate kept from the Tune view is the edited spec: show its run.
  connect(tune_, &TuneView::kept, this, [this]() { tabs_->setCurrentWidget(timeline_); });
  // Above the views: the notice that files open here changed on disk.
  notice_ = new QFrame(this);
  notice_->setObjectName("FileChangedNotice");
  notice_->setStyleSheet("#FileChangedNotice { background: #fff3cd; border: 1px solid #e0c36a; }");
  auto* nl = new QHBoxLayout(notice_);
  nl->setContentsMargins(8, 4, 8, 4);
  noticeText_ = new QLabel(notice_);
  noticeText_->setWordWrap(true);
  auto* reload = new QPushButton("Reload", notice_);
  reload->setToolTip("Open the workspace again with the files as they are on disk");
  auto* keep = new QPushButton("Keep my version", notice_);
  keep->setToolTip("Go on with the texts here; a Save overwrites the change on disk");
  nl->addWidget(noticeText_, 1);
  nl->addWidget(reload);
  nl->addWidget(keep);
  notice_->hide();
  connect(reload, &QPushButton::clicked, this, &MainWindow::reloadChangedFiles);
  connect(keep, &QPushButton::clicked, this, &MainWindow::keepEditsOverChangedFiles);
  auto* central = new QWidget(this);
  auto* cl = new QVBoxLayout(central);
  cl->setContentsMargins(0, 0, 0, 0);
  cl->setSpacing(2);
  cl->addWidget(notice_);
  cl->addWidget(tabs_, 1);
  setCentralWidget(central);

  watcher_ = new QFileSystemWatcher(this);
  watchDelay_ = new QTimer(this);
  watchDelay_->setSingleShot(true);
  watchDelay_->setInterval(250);  // an editor's save is a burst of events: check once it is over
  connect(watcher_, &QFileSystemWatcher::fileChanged, this, [this](const QString& path) {
    if (!pendingChecks_.contains(path)) pendingChecks_ << path;
    watchDelay_->start();
  });
  connect(watchDelay_, &QTimer::timeout, this, &MainWindow::checkChangedFiles);

  buildDocks();
  buildActions();

  statusOutcome_ = new QLabel(this);
  statusTime_ = new QLabel(this);
  statusBar()->addWidget(statusOutcome_, 1);
  statusBar()->addPermanentWidget(statusTime_);
  loadLabel_ = new QLabel(this);
  loadBar_ = new QProgressBar(this);
  loadBar_->setRange(0, 0);  // busy: a load reports no fraction done
  loadBar_->setMaximumWidth(160);
  loadBar_->setTextVisible(false);
  statusBar()->addPermanentWidget(loadLabel_);
  statusBar()->addPermanentWidget(loadBar_);
  loadLabel_->hide();
  loadBar_->hide();
  connect(wb_, &Workbench::loadStarted, this, [this]() {
    loadLabel_->setText("Loading\u2026");
    loadLabel_->show();
    loadBar_->show();
  });
  connect(wb_, &Workbench::loadProgress, this, [this](int files) {
    loadLabel_->setText(
        QString("Loading %1 file%2\u2026").arg(groupedCount(files), files == 1 ? "" : "s"));
  });
  connect(wb_, &Workbench::loadFinished, this, [this]() {
    loadLabel_->clear();
    loadLabel_->hide();
    loadBar_->hide();
  });

  connect(wb_, &Workbench::timelineChanged, this, &MainWindow::onTimeline);
  connect(wb_, &Workbench::scenariosChanged, this, &MainWindow::refreshScenarios);
  connect(wb_, &Workbench::currentScenarioChanged, this, [this]() {
    if (scenarioBox_->currentIndex() != wb_->currentScenarioIndex()) {
      scenarioBox_->setCurrentIndex(wb_->currentScenarioIndex());
    }
  });
  // Flagger's mesh provider means nothing to a Rollout: its trafficRouting names the router.
  connect(wb_, &Workbench::currentSpecChanged, this, [this]() {
    const SpecDocument* s = wb_->currentSpec();
    meshBox_->setEnabled(s == nullptr || s->kind() == "Canary");
  });
  connect(wb_, &Workbench::seedChanged, this, [this](quint64 s) {
    if (static_cast<quint64>(seedBox_->value()) != s) seedBox_->setValue(static_cast<int>(s));
  });
  // The replicate applies to recordings only: -1 shows the recording as it is.
  auto syncReplicate = [this]() {
    const QSignalBlocker block(replicateBox_);
    const auto r = wb_->replicate();
    replicateBox_->setValue(r ? static_cast<int>(std::min<std::uint64_t>(*r, INT_MAX)) : -1);
    replicateBox_->setEnabled(wb_->currentReplay() != nullptr);
  };
  connect(wb_, &Workbench::replicateChanged, this, syncReplicate);
  connect(wb_, &Workbench::currentScenarioChanged, this, syncReplicate);
  connect(wb_, &Workbench::workspaceChanged, this, [this]() {
    refreshProblems();
    const QStringList p = wb_->paths();
    setWindowTitle(p.isEmpty() ? "rolloutlab[*]" : "rolloutlab \u2014 " + p.join(", ") + "[*]");
    setWindowModified(wb_->unsaved());
    changed_.clear();
    notice_->hide();
    watchFiles();
  });
  connect(wb_, &Workbench::specEdited, this, [this]() {
    refreshProblems();
    setWindowModified(wb_->unsaved());
  });
  connect(wb_, &Workbench::saved, this, [this](const QStringList& files) {
    // A rename over the file ends its watch: watch it again (our own write is no change).
    watchFiles();
    for (const auto& f : files) changed_.removeAll(f);
    if (changed_.isEmpty()) notice_->hide();
    statusBar()->showMessage("Saved " + files.join(", "), 8000);
  });
  connect(wb_, &Workbench::editFailed, this,
          [this](const QString& m) { statusBar()->showMessage("Edit refused: " + m, 10000); });
  connect(tree_, &WorkspaceTree::locationActivated, this, &MainWindow::showLocation);

  defaultState_ = saveState();
  QStringList lib = Workbench::defaultScenarioLibrary();
  const QSettings settings;
  const QStringList stored = settings.value("scenarioLibrary").toStringList();
  bool storedOk = !stored.isEmpty();
  for (const auto& s : stored) storedOk = storedOk && QFileInfo::exists(s);
  if (storedOk) lib = stored;
  wb_->setScenarioLibrary(lib);
  restoreSettings();
  onTimeline();
}

MainWindow::~MainWindow() {
  if (!settingsSaved_) saveSettings();
}

void MainWindow::buildDocks() {
  tree_ = new WorkspaceTree(*wb_, this);
  treeDock_ = new QDockWidget("Workspace", this);
  treeDock_->setObjectName("WorkspaceDock");
  treeDock_->setWidget(tree_);
  addDockWidget(Qt::LeftDockWidgetArea, treeDock_);

  spec_ = new SpecPanel(*wb_, this);
  specDock_ = new QDockWidget("Spec", this);
  specDock_->setObjectName("SpecDock");
  specDock_->setWidget(spec_);
  addDockWidget(Qt::RightDockWidgetArea, specDock_);

  problems_ = new QListWidget(this);
  problems_->setWordWrap(true);
  problemsDock_ = new QDockWidget("Problems", this);
  problemsDock_->setObjectName("ProblemsDock");
  problemsDock_->setWidget(problems_);
  addDockWidget(Qt::BottomDockWidgetArea, problemsDock_);
  connect(problems_, &QListWidget::itemActivated, this, [this](QListWidgetItem* it) {
    showLocation(it->data(Qt::UserRole).toString(), it->data(Qt::UserRole + 1).toInt());
  });
  connect(problems_, &QListWidget::itemClicked, this, [this](QListWidgetItem* it) {
    showLocation(it->data(Qt::UserRole).toString(), it->data(Qt::UserRole + 1).toInt());
  });
  resizeDocks({treeDock_, specDock_}, {290, 700}, Qt::Horizontal);
  resizeDocks({problemsDock_}, {70}, Qt::Vertical);
}

void MainWindow::buildActions() {
  auto* file = menuBar()->addMenu("&File");
  fileMenu_ = file;
  auto* openDir = file->addAction(style()->standardIcon(QStyle::SP_DirOpenIcon), "Open &Folder…");
  openDir->setShortcut(QKeySequence("Ctrl+O"));
  openDir->setToolTip("Open a GitOps repo folder (Ctrl+O)");
  auto* openFiles = file->addAction(style()->standardIcon(QStyle::SP_FileIcon), "Open &Files…");
  openFiles->setShortcut(QKeySequence("Ctrl+Shift+O"));
  recentMenu_ = file->addMenu("Open &Recent");
  auto* close = file->addAction("&Close Workspace");
  file->addSeparator();
  auto* save = file->addAction(style()->standardIcon(QStyle::SP_DialogSaveButton), "&Save");
  save->setShortcut(QKeySequence::Save);
  save->setToolTip("Write the edited spec to its file(s): only the edited values change");
  auto* saveAs = file->addAction("Save &As\u2026");
  saveAs->setShortcut(QKeySequence::SaveAs);
  exportSection_ = file->addSeparator();
  auto* toGit = new QAction("Export to &Git\u2026", file);
  toGit->setToolTip("Commit the spec as edited to a branch of its GitOps repository");
  file->insertAction(exportSection_, toGit);
  auto* library = file->addAction("Scenario &Library…");
  library->setToolTip("Choose the folder of scenarios the specs run against");
  file->addSeparator();
  auto* png = file->addAction("Export Timeline as &PNG…");
  png->setShortcut(QKeySequence("Ctrl+E"));
  auto* svg = file->addAction("Export Timeline as &SVG…");
  file->addSeparator();
  auto* quit = file->addAction("&Quit");
  quit->setShortcut(QKeySequence::Quit);

  auto* edit = menuBar()->addMenu("&Edit");
  // Form, step and text edits and Revert share one history per spec (Workbench::undoGroup).
  undo_ = edit->addAction("&Undo");
  undo_->setShortcut(QKeySequence::Undo);
  undo_->setEnabled(false);
  redo_ = edit->addAction("&Redo");
  redo_->setShortcut(QKeySequence::Redo);
  redo_->setEnabled(false);
  QUndoGroup* group = wb_->undoGroup();
  connect(group, &QUndoGroup::canUndoChanged, undo_, &QAction::setEnabled);
  connect(group, &QUndoGroup::canRedoChanged, redo_, &QAction::setEnabled);
  connect(group, &QUndoGroup::undoTextChanged, this,
          [this](const QString& t) { undo_->setText(t.isEmpty() ? "&Undo" : "&Undo " + t); });
  connect(group, &QUndoGroup::redoTextChanged, this,
          [this](const QString& t) { redo_->setText(t.isEmpty() ? "&Redo" : "&Redo " + t); });
  connect(undo_, &QAction::triggered, this, [this]() {
    spec_->flushTyping();
    wb_->undo();
  });
  connect(redo_, &QAction::triggered, this, [this]() {
    spec_->flushTyping();
    wb_->redo();
  });
  connect(save, &QAction::triggered, this, [this]() {
    QString error;
    if (!this->save(&error)) QMessageBox::warning(this, "Save", "Not saved: " + error);
  });
  connect(saveAs, &QAction::triggered, this, [this]() {
    const SpecDocument* s = wb_->currentSpec();
    if (s == nullptr) return;
    const QString path =
        QFileDialog::getSaveFileName(this, "Save the spec as", QString::fromStdString(s->file()),
                                     "YAML (*.yaml *.yml);;All files (*)");
    if (path.isEmpty()) return;
    QString error;
    if (!this->saveAs(path, &error)) QMessageBox::warning(this, "Save As", "Not saved: " + error);
  });
  connect(toGit, &QAction::triggered, this, [this]() {
    if (ExportDialog* d = openExportDialog()) d->show();
  });
  auto syncSave = [this, save, saveAs, toGit]() {
    const SpecDocument* s = wb_->currentSpec();
    save->setEnabled(s != nullptr && s->edited());
    saveAs->setEnabled(s != nullptr);
    toGit->setEnabled(s != nullptr);
  };
  connect(wb_, &Workbench::currentSpecChanged, this, syncSave);
  connect(wb_, &Workbench::specEdited, this, syncSave);
  connect(wb_, &Workbench::workspaceChanged, this, syncSave);
  syncSave();

  auto* view = menuBar()->addMenu("&View");
  auto* fit = view->addAction("&Fit Whole Run");
  fit->setShortcut(QKeySequence("Ctrl+0"));
  view->addSeparator();
  for (int i = 0; i < tabs_->count(); ++i) {
    auto* a = view->addAction(tabs_->tabText(i));
    a->setShortcut(QKeySequence(QString("Ctrl+%1").arg(i + 1)));
    connect(a, &QAction::triggered, this, [this, i]() { tabs_->setCurrentIndex(i); });
  }
  view->addSeparator();
  view->addAction(treeDock_->toggleViewAction());
  view->addAction(specDock_->toggleViewAction());
  view->addAction(problemsDock_->toggleViewAction());
  auto* resetLayout = view->addAction("&Reset Layout");

  auto* run = menuBar()->addMenu("&Run");
  auto* reseed = run->addAction("&Reseed");
  reseed->setShortcut(QKeySequence("Ctrl+R"));
  reseed->setToolTip("Run again with a new seed (Ctrl+R)");
  auto* batch = run->addAction("Run &Batch");
  batch->setShortcut(QKeySequence("Ctrl+B"));
  auto* cancel = run->addAction("&Cancel Batch");
  cancel->setShortcut(QKeySequence("Ctrl+."));
  auto* compareBatch = run->addAction("Run Batch for &Both Variants");
  auto* pin = run->addAction("&Pin Current Spec as Variant A");

  auto* help = menuBar()->addMenu("&Help");
  auto* about = help->addAction("&About rolloutlab");
  auto* keys = help->addAction("&Mouse and Keys");

  auto* tb = addToolBar("Main");
  tb->setObjectName("MainToolBar");
  tb->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  tb->addAction(openDir);
  tb->addSeparator();
  tb->addWidget(new QLabel(" Scenario ", tb));
  scenarioBox_ = new QComboBox(tb);
  scenarioBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  scenarioBox_->setToolTip("The scenario or recording (Replay) the timeline runs");
  tb->addWidget(scenarioBox_);
  tb->addWidget(new QLabel(" Seed ", tb));
  seedBox_ = new QSpinBox(tb);
  seedBox_->setRange(0, INT_MAX);
  seedBox_->setValue(static_cast<int>(wb_->seed()));
  seedBox_->setToolTip("The run's seed: same spec, scenario and seed give the same run");
  tb->addWidget(seedBox_);
  tb->addWidget(new QLabel(" Replicate ", tb));
  replicateBox_ = new QSpinBox(tb);
  replicateBox_->setRange(-1, INT_MAX);
  replicateBox_->setSpecialValueText("as recorded");
  replicateBox_->setValue(-1);
  replicateBox_->setEnabled(false);
  replicateBox_->setToolTip(
      "Recordings: the recording as it is, or bootstrap replicate R (a moving-block resample "
      "drawn from the seed, as `rolloutlab simulate --seed S --replicate R` and run R of a "
      "batch). Reseed steps to the next replicate.");
  tb->addWidget(replicateBox_);
  reseed->setIcon(style()->standardIcon(QStyle::SP_BrowserReload));
  tb->addAction(reseed);
  tb->addSeparator();
  tb->addWidget(new QLabel(" Mesh ", tb));
  meshBox_ = new QComboBox(tb);
  for (const auto& p : scenarios::synthesizedProviders()) meshBox_->addItem(q(p));
  meshBox_->setToolTip("Flagger's -mesh-provider: the provider of Canaries that name none");
  tb->addWidget(meshBox_);
  tb->addSeparator();
  fit->setIcon(style()->standardIcon(QStyle::SP_TitleBarMaxButton));
  tb->addAction(fit);
  png->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
  png->setIconText("PNG");
  tb->addAction(png);
  svg->setIconText("SVG");
  tb->addAction(svg);
  tb->addSeparator();
  batch->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  tb->addAction(batch);
  cancel->setIcon(style()->standardIcon(QStyle::SP_MediaStop));
  cancel->setEnabled(false);
  tb->addAction(cancel);

  connect(openDir, &QAction::triggered, this, [this]() {
    const QString dir = QFileDialog::getExistingDirectory(this, "Open a GitOps repo folder",
                                                          QSettings().value("lastDir").toString());
    if (!dir.isEmpty()) openPaths({dir});
  });
  connect(openFiles, &QAction::triggered, this, [this]() {
    const QStringList files = QFileDialog::getOpenFileNames(
        this, "Open spec files", QSettings().value("lastDir").toString(),
        "YAML and JSON (*.yaml *.yml *.json);;All files (*)");
    if (!files.isEmpty()) openPaths(files);
  });
  connect(close, &QAction::triggered, this, [this]() { wb_->close(); });
  connect(library, &QAction::triggered, this, [this]() {
    const QString dir = QFileDialog::getExistingDirectory(
        this, "Scenario library folder",
        wb_->scenarioLibrary().value(0, QSettings().value("lastDir").toString()));
    if (!dir.isEmpty()) wb_->setScenarioLibrary({dir});
  });
  connect(png, &QAction::triggered, this, [this]() { exportChart("png"); });
  connect(svg, &QAction::triggered, this, [this]() { exportChart("svg"); });
  connect(quit, &QAction::triggered, this, &QWidget::close);
  connect(fit, &QAction::triggered, timeline_, &TimelineView::fit);
  connect(resetLayout, &QAction::triggered, this, [this]() { restoreState(defaultState_); });
  connect(reseed, &QAction::triggered, wb_, &Workbench::reseed);
  connect(batch, &QAction::triggered, this, [this]() {
    tabs_->setCurrentWidget(batch_);
    batch_->start();
  });
  connect(cancel, &QAction::triggered, this, [this]() {
    batch_->cancel();
    compare_->cancelBatch();
  });
  connect(batch_, &BatchView::runningChanged, this, [batch, cancel](bool running) {
    batch->setEnabled(!running);
    cancel->setEnabled(running);
  });
  connect(compareBatch, &QAction::triggered, this, [this]() {
    tabs_->setCurrentWidget(compare_);
    compare_->startBatch();
  });
  connect(pin, &QAction::triggered, wb_, &Workbench::pinVariantA);
  connect(about, &QAction::triggered, this, [this]() {
    QMessageBox::about(
        this, "About rolloutlab",
        QString("<b>rolloutlab %1</b><p>A workbench for progressive delivery: Flagger and Argo "
                "Rollouts specs run against scenarios, with the decisions the controllers "
                "take.</p>")
            .arg(q(core::version())));
  });
  connect(keys, &QAction::triggered, this, [this]() {
    QMessageBox::information(
        this, "Mouse and keys",
        "Charts: wheel zooms time around the cursor; drag to zoom to a span; right or middle "
        "drag pans; double click or Home fits the whole run; +/- and arrows zoom and pan.\n"
        "Hover a marker for the check, gate or decision and the rule that fired.\n"
        "Form: Enter commits a field; with the field focused, the wheel or Up/Down steps a "
        "number and re-runs at once.\n"
        "Ctrl+S saves the spec, Ctrl+Z and Ctrl+Shift+Z undo and redo edits (form and text).\n"
        "Tables: a header click sorts, Ctrl+C copies the selected rows as tab-separated text.\n"
        "Ctrl+R reseeds, Ctrl+B runs the batch, Ctrl+. cancels it, Ctrl+1/2/3 switch views.");
  });
  connect(scenarioBox_, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (i >= 0) wb_->selectScenario(i);
  });
  connect(seedBox_, &QSpinBox::valueChanged, this,
          [this](int v) { wb_->setSeed(static_cast<std::uint64_t>(std::max(0, v))); });
  connect(replicateBox_, &QSpinBox::valueChanged, this, [this](int v) {
    wb_->setReplicate(v < 0 ? std::nullopt
                            : std::optional<std::uint64_t>(static_cast<std::uint64_t>(v)));
  });
  connect(meshBox_, &QComboBox::currentTextChanged, this,
          [this](const QString& p) { wb_->setMeshProvider(p.toStdString()); });
  updateRecentMenu();
}

void MainWindow::refreshScenarios() {
  const QSignalBlocker block(scenarioBox_);
  scenarioBox_->clear();
  for (const auto& s : wb_->scenarios()) {
    scenarioBox_->addItem(q(s.name) +
                          (s.release == scenarios::Release::kBad ? "  (bad)" : "  (good)"));
  }
  for (const auto& r : wb_->replays()) {
    scenarioBox_->addItem(q(r.name) + (r.release == scenarios::Release::kBad
                                           ? "  (recording, bad)"
                                           : "  (recording, good)"));
    scenarioBox_->setItemData(scenarioBox_->count() - 1,
                              q(r.file + ":" + std::to_string(r.line) +
                                (r.description.empty() ? "" : ": " + r.description)),
                              Qt::ToolTipRole);
  }
  scenarioBox_->setCurrentIndex(wb_->currentScenarioIndex());
}

void MainWindow::refreshProblems() {
  problems_->clear();
  auto add = [this](const core::Diagnostic& d) {
    auto* it = new QListWidgetItem(QString("%1: %2").arg(
        d.severity == core::Severity::kError ? "error" : "warning", q(d.toString())));
    it->setForeground(d.severity == core::Severity::kError ? QColor(178, 31, 31)
                                                           : QColor(160, 100, 0));
    it->setData(Qt::UserRole, q(d.file));
    it->setData(Qt::UserRole + 1, d.line);
    problems_->addItem(it);
  };
  for (const auto& d : wb_->workspace().diagnostics.items) add(d);
  // Problems an edit introduced (the workspace's list is as loaded).
  for (int i = 0; i < wb_->specCount(); ++i) {
    const SpecDocument* s = wb_->spec(i);
    if (!s->edited()) continue;
    for (const auto& d : s->diagnostics().items) add(d);
  }
  for (const auto& d : wb_->library().diagnostics.items) add(d);
  problemsDock_->setWindowTitle(
      problems_->count() ? QString("Problems (%1)").arg(problems_->count()) : "Problems");
}

void MainWindow::onTimeline() {
  const Timeline& tl = wb_->timeline();
  timeline_->setTimeline(tl);
  if (!tl.error.empty()) {
    statusOutcome_->setText(q(tl.error).section('\n', 0, 0));
    statusTime_->clear();
    return;
  }
  statusOutcome_->setText(q(tl.title + ": " + tl.outcome));
  statusTime_->setText(QString("run %1 in %2 ms")
                           .arg(wb_->currentReplay() ? "replayed" : "simulated")
                           .arg(tl.simulateMs, 0, 'f', 2));
}

QString MainWindow::statusText() const { return statusOutcome_->text(); }

QString MainWindow::loadStatusText() const { return loadLabel_->text(); }

bool MainWindow::save(QString* error) {
  spec_->flushTyping();
  QString why;
  const bool ok = wb_->save(&why);
  if (!ok) {
    statusBar()->showMessage("Not saved: " + why, 10000);
    if (error) *error = why;
  }
  return ok;
}

ExportSource MainWindow::exportSource() const {
  ExportSource src;
  const SpecDocument* s = wb_->currentSpec();
  if (s == nullptr) return src;
  src.specFile = s->file();
  src.specText = s->text();
  src.specName = s->name();
  for (const auto& [file, text] : s->texts()) {
    const std::string* original = s->originalTextOf(file);
    if (file != s->file() && original != nullptr && *original != text)
      src.note += (src.note.empty() ? "" : ", ") + file;
  }
  if (!src.note.empty())
    src.note = "Only the spec's own file is exported; the edits of " + src.note + " are not.";
  // The batch view's result, when it is of this spec exactly as edited (same key, same texts),
  // is the evidence, as `rolloutlab export --evidence` takes a `batch -o json` report.
  const BatchOutcome* o = batch_->lastOutcome();
  if (o != nullptr && o->error.empty() && !o->cancelled && !o->results.empty() &&
      batch_->lastSpecKey() == s->key() && batch_->lastSpecTexts() == s->texts()) {
    app::BatchResult r = o->results[0];
    r.inputs = {{s->file(), s->text().size(), io::sha256Hex(s->text())}};
    src.evidenceFile = "workbench batch";
    src.evidenceText = app::batchJson(r).dump(2) + "\n";
    src.evidenceSummary = "the batch view's result (seed " + std::to_string(r.seed) + ", " +
                          std::to_string(r.runs) + " runs per pair, " +
                          std::to_string(r.pairs.size()) +
                          " pair(s)), summarised in the commit message";
  }
  return src;
}

ExportDialog* MainWindow::openExportDialog() {
  if (wb_->currentSpec() == nullptr) return nullptr;
  spec_->flushTyping();
  auto* d = new ExportDialog(exportSource(), this);
  d->setAttribute(Qt::WA_DeleteOnClose);
  return d;
}

bool MainWindow::saveAs(const QString& path, QString* error) {
  spec_->flushTyping();
  QString why;
  const bool ok = wb_->saveAs(path, &why);
  if (!ok) {
    statusBar()->showMessage("Not saved: " + why, 10000);
    if (error) *error = why;
  }
  return ok;
}

void MainWindow::watchFiles() {
  const QStringList want = wb_->specFiles();
  const QStringList have = watcher_->files();
  QStringList drop;
  for (const auto& f : have) {
    if (!want.contains(f)) drop << f;
  }
  if (!drop.isEmpty()) watcher_->removePaths(drop);
  QStringList add;
  for (const auto& f : want) {
    if (!have.contains(f) && QFileInfo::exists(f)) add << f;
  }
  if (!add.isEmpty()) watcher_->addPaths(add);
}

void MainWindow::checkChangedFiles() {
  // Editors (and our own Save) replace a file by a rename, which ends its watch.
  watchFiles();
  const QStringList paths = pendingChecks_;
  pendingChecks_.clear();
  for (const auto& p : paths) {
    if (wb_->changedOnDisk(p) && !changed_.contains(p)) changed_ << p;
  }
  if (changed_.isEmpty()) return;
  QStringList names;
  for (const auto& f : changed_) names << QFileInfo(f).fileName();
  QString text = QString("<b>%1</b> changed on disk.").arg(names.join(", ").toHtmlEscaped());
  text += wb_->unsaved() ? " Reload opens the workspace again and drops the unsaved edits; "
                           "Keep my version goes on with yours (Save overwrites the file)."
                         : " Reload to see it.";
  noticeText_->setText(text);
  noticeText_->setToolTip(changed_.join("\n"));
  notice_->show();
}

void MainWindow::reloadChangedFiles() {
  changed_.clear();
  notice_->hide();
  wb_->open(wb_->paths());
}

void MainWindow::keepEditsOverChangedFiles() {
  for (const auto& f : changed_) wb_->acknowledgeDiskChange(f);
  changed_.clear();
  notice_->hide();
}

void MainWindow::openPaths(const QStringList& paths, bool add) {
  if (paths.isEmpty()) return;
  wb_->open(paths, add);
  for (const auto& p : paths) {
    const QString abs = QFileInfo(p).absoluteFilePath();
    recent_.removeAll(abs);
    recent_.prepend(abs);
  }
  while (recent_.size() > kMaxRecent) recent_.removeLast();
  QSettings().setValue("lastDir", QFileInfo(paths.front()).absolutePath());
  updateRecentMenu();
}

void MainWindow::updateRecentMenu() {
  recentMenu_->clear();
  for (const auto& r : recent_) {
    auto* a = recentMenu_->addAction(r);
    connect(a, &QAction::triggered, this, [this, r]() { openPaths({r}); });
  }
  recentMenu_->setEnabled(!recent_.isEmpty());
}

void MainWindow::exportChart(const QString& format) {
  const QString path = QFileDialog::getSaveFileName(
      this, "Export the timeline", QSettings().value("lastDir").toString() + "/timeline." + format,
      format == "png" ? "PNG image (*.png)" : "SVG drawing (*.svg)");
  if (path.isEmpty()) return;
  QString error;
  const bool ok =
      format == "png" ? timeline_->exportPng(path, &error) : timeline_->exportSvg(path, &error);
  if (!ok) {
    QMessageBox::warning(this, "Export", error);
  } else {
    statusBar()->showMessage("Wrote " + path, 5000);
  }
}

void MainWindow::showLocation(const QString& file, int line) {
  int spec = wb_->specAt(file.toStdString(), line);
  if (spec < 0) {
    // A file that is no spec's own: a template file of the current spec, else of another.
    const SpecDocument* cur = wb_->currentSpec();
    if (cur != nullptr && cur->textOf(file.toStdString()) != nullptr) {
      spec = wb_->currentSpecIndex();
    } else {
      for (int i = 0; i < wb_->specCount() && spec < 0; ++i) {
        if (wb_->spec(i)->textOf(file.toStdString()) != nullptr) spec = i;
      }
    }
  }
  if (spec < 0) return;
  wb_->selectSpec(spec);
  specDock_->show();
  specDock_->raise();
  if (!spec_->showLocation(file, line)) spec_->showLine(line);
}

void MainWindow::restoreSettings() {
  QSettings s;
  if (s.contains("window/geometry")) {
    restoreGeometry(s.value("window/geometry").toByteArray());
  } else {
    resize(1600, 980);
  }
  if (s.contains("window/state")) restoreState(s.value("window/state").toByteArray());
  recent_ = s.value("recent").toStringList();
  updateRecentMenu();
  const QString mesh = s.value("meshProvider", "istio").toString();
  const int mi = meshBox_->findText(mesh);
  if (mi >= 0) meshBox_->setCurrentIndex(mi);
  wb_->setSeed(s.value("seed", 1).toULongLong());
  seedBox_->setValue(static_cast<int>(wb_->seed()));
  const QString scen = s.value("scenario").toString();
  if (!scen.isEmpty()) wb_->selectScenario(scen.toStdString());
  batch_->setRuns(s.value("batch/runs", batch_->runs()).toInt());
  batch_->setThreads(s.value("batch/threads", batch_->threads()).toInt());
  batch_->setIncludeRecordings(s.value("batch/recordings", false).toBool());
  compare_->setRuns(s.value("compare/runs", compare_->runs()).toInt());
  tabs_->setCurrentIndex(s.value("tab", 0).toInt());
  if (s.contains("spec/splitter"))
    spec_->splitter()->restoreState(s.value("spec/splitter").toByteArray());
}

void MainWindow::saveSettings() {
  QSettings s;
  s.setValue("window/geometry", saveGeometry());
  s.setValue("window/state", saveState());
  s.setValue("recent", recent_);
  s.setValue("meshProvider", meshBox_->currentText());
  s.setValue("seed", static_cast<qulonglong>(wb_->seed()));
  if (const auto* sc = wb_->currentScenario()) s.setValue("scenario", q(sc->name));
  s.setValue("batch/runs", batch_->runs());
  s.setValue("batch/threads", batch_->threads());
  s.setValue("batch/recordings", batch_->includeRecordings());
  s.setValue("compare/runs", compare_->runs());
  s.setValue("tab", tabs_->currentIndex());
  s.setValue("spec/splitter", spec_->splitter()->saveState());
  if (wb_->scenarioLibrary() != Workbench::defaultScenarioLibrary()) {
    s.setValue("scenarioLibrary", wb_->scenarioLibrary());
  } else {
    s.remove("scenarioLibrary");
  }
  s.sync();
  settingsSaved_ = true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  spec_->flushTyping();
  if (wb_->unsaved()) {
    QStringList edited;
    for (int i = 0; i < wb_->specCount(); ++i) {
      const SpecDocument* s = wb_->spec(i);
      if (s->edited()) edited << q(s->kind() + " " + s->name());
    }
    QMessageBox ask(QMessageBox::Warning, "Unsaved edits",
                    "Edits of " + edited.join(", ") +
                        " are not saved. Close and drop them? (File > Save writes them.)",
                    QMessageBox::Discard | QMessageBox::Cancel, this);
    ask.setDefaultButton(QMessageBox::Cancel);
    if (ask.exec() != QMessageBox::Discard) {
      event->ignore();
      return;
    }
  }
  batch_->cancel();
  compare_->cancelBatch();
  tune_->cancel();
  saveSettings();
  QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) {
    for (const auto& u : event->mimeData()->urls()) {
      if (u.isLocalFile()) {
        event->acceptProposedAction();
        return;
      }
    }
  }
}

void MainWindow::dropEvent(QDropEvent* event) {
  QStringList paths;
  for (const auto& u : event->mimeData()->urls()) {
    if (u.isLocalFile()) paths << u.toLocalFile();
  }
  if (paths.isEmpty()) return;
  // Dropped files join what is open (Shift replaces it).
  const bool replace = event->modifiers().testFlag(Qt::ShiftModifier);
  openPaths(paths, !replace);
  event->acceptProposedAction();
}

}  // namespace rolloutlab::gui
