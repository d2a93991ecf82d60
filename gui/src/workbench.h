#pragma once
/// The workbench's state, apart from any widget: the opened workspace and scenario library, the
/// specs (as edited), the current spec, scenario and seed, and the run they give. Views observe
/// it through signals and change it through its methods; it calls the library for everything
/// it knows about rollouts.

#include <QObject>
#include <QStringList>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "handoff.h"
#include "rolloutlab/app/workspace.h"
#include "workbench_models.h"

class QUndoGroup;
class QUndoStack;

namespace rolloutlab::gui {

class TimelineWorker;

class Workbench : public QObject {
  Q_OBJECT

 public:
  explicit Workbench(QObject* parent = nullptr);
  ~Workbench() override;

  /// Loads files and folders (a GitOps repo) off the GUI thread: replaces what was open, or
  /// adds to it. What is open stays as it is until the load is in; then the workspace, specs and
  /// scenarios are replaced at once (workspaceChanged, then loadFinished). A later open() or
  /// close() supersedes a load still running: its result is dropped.
  void open(const QStringList& paths, bool add = false);
  /// True from open() until its load is applied (or dropped by close()).
  bool loading() const { return loading_; }
  /// Runs the event loop until no load is in progress, for at most `timeoutMs` milliseconds;
  /// true when none is left.
  bool waitForLoad(int timeoutMs = 60000);
  /// Loads whose threads still run, superseded ones included (they stop at their next stage
  /// and deliver nothing).
  int loadThreadsRunning() const;
  /// Closes everything that was opened (the scenario library stays) and drops a load in
  /// progress.
  void close();
  /// The paths open (those of a load in progress once it is in).
  QStringList paths() const { return paths_; }
  /// Folders or files holding the scenarios to run against, beside those found in the
  /// workspace (default: the bundled scenario library).
  void setScenarioLibrary(const QStringList& paths);
  QStringList scenarioLibrary() const { return libraryPaths_; }
  /// The bundled scenario library, if it can be found (beside the executable or in the source
  /// tree the build came from).
  static QStringList defaultScenarioLibrary();

  const app::Workspace& workspace() const { return ws_; }
  const app::Workspace& library() const { return lib_; }

  int specCount() const { return static_cast<int>(specs_.size()); }
  SpecDocument* spec(int i) const;
  SpecDocument* currentSpec() const { return spec(current_); }
  int currentSpecIndex() const { return current_; }
  void selectSpec(int i);
  /// By `name` or `namespace/name`; false when none matches.
  bool selectSpec(const std::string& name);
  /// The spec whose file holds `file`:`line` (-1 if none).
  int specAt(const std::string& file, int line) const;

  /// Scenarios of the workspace, then those of the library.
  const std::vector<scenarios::Scenario>& scenarios() const { return scenarios_; }
  /// Recordings (`Replay` documents) of the workspace, then those of the library.
  const std::vector<replay::ReplaySpec>& replays() const { return replays_; }
  /// What the timeline runs against, as the chooser lists it: the scenarios, then the
  /// recordings (choice scenarios().size() + j is replays()[j]).
  int choiceCount() const { return static_cast<int>(scenarios_.size() + replays_.size()); }
  /// The current choice (-1 when there is none).
  int currentScenarioIndex() const { return scenario_; }
  /// The scenario chosen (nullptr when it is a recording, or nothing).
  const scenarios::Scenario* currentScenario() const;
  /// The recording chosen (nullptr when it is a scenario, or nothing).
  const replay::ReplaySpec* currentReplay() const;
  /// Chooses a scenario or a recording by its index in the chooser.
  void selectScenario(int i);
  /// A scenario, else a recording, by name; false when there is none of that name.
  bool selectScenario(const std::string& name);

  /// The run of a recording the timeline shows: nullopt the recording as it is, else that
  /// bootstrap replicate (`rolloutlab simulate --seed <seed> --replicate R`). Scenarios ignore
  /// it.
  std::optional<std::uint64_t> replicate() const { return replicate_; }
  void setReplicate(std::optional<std::uint64_t> replicate);
  /// True while a recording's run is under way off the GUI thread (timelineChanged follows).
  bool timelineRunning() const { return running_; }
  /// The recordings opened so far, shared by the runs (cleared when files are opened again).
  const RecordingCache& recordings() const { return *recordings_; }

  std::uint64_t seed() const { return seed_; }
  void setSeed(std::uint64_t seed);
  /// A new seed derived from the current one (deterministic, no clock); for a recording, the
  /// next bootstrap replicate instead (the recording as it is, then replicate 0, 1, ...).
  void reseed();

  /// Flagger's -mesh-provider: the provider of Canaries that name none.
  const std::string& meshProvider() const { return meshProvider_; }
  void setMeshProvider(const std::string& provider);

  /// Edits of the current spec; each re-runs the timeline. A text that cannot be patched is
  /// reported by editFailed() and left as it was.
  void setField(const std::string& id, const std::string& value);
  /// A structural edit of the current spec (SpecDocument::actions), like setField.
  void runAction(const std::string& id);
  void setText(const std::string& text);
  /// Replaces the text of one of the current spec's files (its own or a linked template file).
  void setTextOf(const std::string& file, const std::string& text);
  /// Every text of the current spec back as loaded.
  void revert();
  /// Replaces several texts of the current spec at once (its own file and linked ones; other
  /// files are ignored) as one edit labelled `label` (a tune candidate loaded, say).
  void setTexts(const std::map<std::string, std::string>& texts, const QString& label);

  /// Every edit above is a command on the spec's undo stack (one stack per spec; the current
  /// spec's is the group's active one): Undo and Redo go back and forth over form, action, text
  /// and revert edits alike. The stacks are dropped when the workspace is loaded again.
  QUndoGroup* undoGroup() const { return undo_; }
  /// The current spec's stack (nullptr when no spec is selected).
  QUndoStack* undoStack() const;
  void undo();
  void redo();

  /// Writes the current spec's edited files (its own and the template files its form edited),
  /// each atomically (a temporary file in the same folder, then a rename); the text written is
  /// the file as loaded with only the edited values changed (form edits are patches of the
  /// text, see SpecDocument::setField). Refuses, with the reason in `error` and nothing
  /// written, when a file changed on disk since it was loaded (unless acknowledged) or another
  /// spec holds unsaved edits of the same file. Returns the files written in `written`.
  bool save(QString* error, QStringList* written = nullptr);
  /// Writes the current spec's own file, as edited, to `path` (atomically) and goes on editing
  /// that file. Refused when the edits also change template files (Save writes those), or when
  /// `path` is a file another open spec holds.
  bool saveAs(const QString& path, QString* error);
  /// Whether any text of the current spec or of any spec differs from its file.
  bool unsaved() const;
  /// The files the open specs hold (their own and their templates'), for watching.
  QStringList specFiles() const;
  /// True when `file` no longer holds what the specs hold as loaded (or saved): someone else
  /// changed it. A change acknowledged (acknowledgeDiskChange) is not reported again.
  bool changedOnDisk(const QString& file) const;
  /// Keeps the edits over a change made on disk: a later save() overwrites it.
  void acknowledgeDiskChange(const QString& file);

  /// The current run (spec x scenario x seed, or spec x recording x seed x replicate).
  const Timeline& timeline() const { return timeline_; }
  /// Runs the current spec again (after a change of anything it depends on). A scenario runs
  /// at once; a recording runs off the GUI thread (its files are read once, a live Prometheus
  /// may take seconds): timelineRunning() is then true and timelineChanged() is emitted twice,
  /// for the placeholder and for the run.
  void resimulate();

  /// Variant A of the current spec for comparisons: its pinned text (default: as loaded).
  std::unique_ptr<SpecDocument> variantA() const;
  /// True when A is a pinned edit rather than the text as loaded.
  bool variantAPinned() const;
  void pinVariantA();
  void resetVariantA();

 signals:
  /// A new workspace (or library) was loaded: specs, objects, diagnostics changed.
  void workspaceChanged();
  void scenariosChanged();
  void currentSpecChanged();
  void currentScenarioChanged();
  /// The current spec's text, fields or diagnostics changed.
  void specEdited();
  void seedChanged(quint64 seed);
  void replicateChanged();
  void timelineChanged();
  void variantAChanged();
  void editFailed(const QString& message);
  /// Undo, redo or setTexts() replaced the current spec's texts (editors show them as they are
  /// now).
  void textsRestored();
  /// Files were written by save() or saveAs().
  void saved(const QStringList& files);
  /// A load began (open()).
  void loadStarted(const QStringList& paths);
  /// The number of YAML and JSON files the load in progress reads (once the folders are walked).
  void loadProgress(int files);
  /// The load in progress ended: applied (after workspaceChanged and the rest), or dropped by
  /// close().
  void loadFinished();
  /// Emitted on a load's thread when it put news in loadNews_ (queued to takeLoadNews).
  void loadNewsWaiting(QPrivateSignal);

 private:
  void rebuildScenarios();
  friend class TextsCommand;
  /// Pushes an edit of spec `s` (texts before it) on its undo stack when it changed anything.
  void record(const SpecDocument& s, std::map<std::string, std::string> before,
              const QString& label);
  /// Sets the texts of the spec keyed `key` (an undo or redo).
  void applyTexts(const std::string& key, const std::map<std::string, std::string>& texts);
  QUndoStack* stackFor(const std::string& key);
  void dropUndoStacks();
  bool writeFile(const QString& path, const std::string& text, QString* error);
  void onReplayFinished(quint64 ticket, std::shared_ptr<const Timeline> timeline);
  struct Loaded;
  /// What a load's thread tells the GUI thread: the number of files it reads, then its result.
  struct LoadNews {
    quint64 ticket = 0;
    int files = 0;
    std::unique_ptr<Loaded> loaded;  // null for the file count
  };
  /// A load's thread: reads `paths` and hands the count and the result to the GUI thread
  /// (loadNews_), or stops at its next stage once `cancel` is set.
  void loadOnThread(quint64 ticket, const std::atomic<bool>& cancel,
                    const std::vector<std::string>& paths);
  /// On the GUI thread: shows the count and applies the result of the load in progress; news
  /// of superseded loads are dropped (and freed here).
  void takeLoadNews();
  void onLoaded(Loaded& loaded);
  /// Joins the load threads that have ended.
  void reapLoadThreads();

  QStringList paths_;
  QStringList libraryPaths_;
  app::Workspace ws_;
  app::Workspace lib_;
  std::vector<std::unique_ptr<SpecDocument>> specs_;
  std::vector<scenarios::Scenario> scenarios_;
  std::vector<replay::ReplaySpec> replays_;
  std::map<std::string, std::map<std::string, std::string>> pinned_;  // spec key -> texts of A
  QUndoGroup* undo_;
  std::map<std::string, QUndoStack*> stacks_;        // spec key -> its edits
  std::map<std::string, std::string> acknowledged_;  // file -> text on disk the user let be
  std::map<std::string, std::string> renamed_;       // file -> the file Save As made it
  int current_ = -1;
  int scenario_ = -1;
  std::uint64_t seed_ = 1;
  std::string meshProvider_ = "istio";
  std::optional<std::uint64_t> replicate_;
  Timeline timeline_;
  bool running_ = false;
  quint64 ticket_ = 0;  // of the latest run; results of earlier ones are dropped
  std::shared_ptr<RecordingCache> recordings_ = std::make_shared<RecordingCache>();
  TimelineWorker* worker_;
  // Each load runs on a thread of its own and has a ticket (results of superseded ones are
  // dropped) and a flag that asks it to stop between its stages. loadThreads_ is the GUI
  // thread's; a thread sets only its `ended`.
  struct LoadThread {
    std::thread thread;
    std::atomic<bool> ended{false};
  };
  std::vector<std::unique_ptr<LoadThread>> loadThreads_;
  Handoff<LoadNews> loadNews_;
  quint64 loadTicket_ = 0;
  std::shared_ptr<std::atomic<bool>> loadCancel_;
  QStringList loadPaths_;  // what the load in progress opens
  bool loading_ = false;
};

}  // namespace rolloutlab::gui
