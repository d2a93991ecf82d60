#pragma once
/// The workspace tree: every file opened, the objects it holds (Canary with the MetricTemplates
/// it uses, Rollout with the AnalysisTemplates and ClusterAnalysisTemplates it uses, templates,
/// scenarios, scripts, skipped kinds) and every problem in place under the
/// object (or file) it belongs to, naming file and line. A second branch lists the scenarios,
/// a third the recordings (`Replay` documents) the specs can be run against.

#include <QTreeWidget>

namespace rolloutlab::gui {

class Workbench;

class WorkspaceTree : public QTreeWidget {
  Q_OBJECT

 public:
  enum Role { kSpecIndex = Qt::UserRole + 1, kScenarioIndex, kFile, kLine };

  explicit WorkspaceTree(Workbench& workbench, QWidget* parent = nullptr);

  /// Rebuilds from the workbench.
  void rebuild();
  /// Texts of all items, depth-first, indented by two spaces per level (tests).
  QStringList outline() const;

 signals:
  /// A problem (or an object) was activated: show its file at its line.
  void locationActivated(const QString& file, int line);

 private:
  void onActivated(QTreeWidgetItem* item);
  void markCurrent();

  Workbench& wb_;
  bool building_ = false;
};

}  // namespace rolloutlab::gui
