#pragma once
/// The workbench's state, apart from any widget: the opened workspace and scenario library, the
/// specs (as edited), the current spec, scenario and seed, and the run they give. Views observe
/// it through signals and change it through its methods; it calls the library for everything
/// it knows about rollouts.

#include <QObject>
#include <QStringList>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rolloutlab/app/workspace.h"
#include "spec_document.h"

namespace rolloutlab::gui {

class Workbench : public QObject {
  Q_OBJECT

 public:
  explicit Workbench(QObject* parent = nullptr);
  ~Workbench() override;

  /// Loads files and folders (a GitOps repo): replaces what was open, or adds to it.
  void open(const QStringList& paths, bool add = false);
  /// Closes everything that was opened (the scenario library stays).
  void close();
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
  int currentScenarioIndex() const { return scenario_; }
  const scenarios::Scenario* currentScenario() const;
  void selectScenario(int i);
  /// By name; false when there is none of that name.
  bool selectScenario(const std::string& name);

  std::uint64_t seed() const { return seed_; }
  void setSeed(std::uint64_t seed);
  /// A new seed derived from the current one (deterministic, no clock).
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

  /// The current run (spec x scenario x seed).
  const Timeline& timeline() const { return timeline_; }
  /// Runs the current spec again (after a change of anything it depends on).
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
  void timelineChanged();
  void variantAChanged();
  void editFailed(const QString& message);

 private:
  void rebuildScenarios();

  QStringList paths_;
  QStringList libraryPaths_;
  app::Workspace ws_;
  app::Workspace lib_;
  std::vector<std::unique_ptr<SpecDocument>> specs_;
  std::vector<scenarios::Scenario> scenarios_;
  std::map<std::string, std::map<std::string, std::string>> pinned_;  // spec key -> texts of A
  int current_ = -1;
  int scenario_ = -1;
  std::uint64_t seed_ = 1;
  std::string meshProvider_ = "istio";
  Timeline timeline_;
};

}  // namespace rolloutlab::gui
