#include "workspace_tree.h"

#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QPainter>
#include <QStyle>
#include <functional>
#include <map>

#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/replay/time.h"
#include "workbench.h"
#include "workbench_models.h"

namespace rolloutlab::gui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QIcon dot(const QColor& c) {
  QPixmap pm(12, 12);
  pm.fill(Qt::transparent);
  QPainter p(&pm);
  p.setRenderHint(QPainter::Antialiasing);
  p.setBrush(c);
  p.setPen(c.darker(140));
  p.drawEllipse(QRectF(1.5, 1.5, 9, 9));
  return QIcon(pm);
}

const QColor kErrorColor(178, 31, 31);
const QColor kWarningColor(160, 100, 0);

/// The path as the user knows it: relative to the opened folder that holds it.
QString display(const std::string& file, const QStringList& roots) {
  const QString f = QDir::cleanPath(q(file));
  for (const auto& r : roots) {
    const QFileInfo info(r);
    if (!info.isDir()) continue;
    const QString root = QDir::cleanPath(info.filePath());
    if (f.startsWith(root + "/")) return QFileInfo(root).fileName() + "/" + f.mid(root.size() + 1);
  }
  return f;
}

QTreeWidgetItem* problemItem(const core::Diagnostic& d) {
  auto* it = new QTreeWidgetItem(
      {QString(d.severity == core::Severity::kError ? "error" : "warning"), q(d.toString())});
  const QColor c = d.severity == core::Severity::kError ? kErrorColor : kWarningColor;
  it->setForeground(0, c);
  it->setForeground(1, c);
  it->setIcon(0, dot(c));
  it->setToolTip(1, q(d.toString()));
  it->setData(0, WorkspaceTree::kFile, q(d.file));
  it->setData(0, WorkspaceTree::kLine, d.line);
  return it;
}

}  // namespace

WorkspaceTree::WorkspaceTree(Workbench& wb, QWidget* parent) : QTreeWidget(parent), wb_(wb) {
  setColumnCount(2);
  setHeaderLabels({"Name", "Detail"});
  header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  header()->setStretchLastSection(true);
  setUniformRowHeights(true);
  setExpandsOnDoubleClick(true);
  connect(this, &QTreeWidget::itemClicked, this,
          [this](QTreeWidgetItem* it, int) { onActivated(it); });
  connect(this, &QTreeWidget::itemActivated, this,
          [this](QTreeWidgetItem* it, int) { onActivated(it); });
  connect(&wb_, &Workbench::workspaceChanged, this, &WorkspaceTree::rebuild);
  connect(&wb_, &Workbench::currentSpecChanged, this, &WorkspaceTree::markCurrent);
  connect(&wb_, &Workbench::currentScenarioChanged, this, &WorkspaceTree::markCurrent);
  rebuild();
}

void WorkspaceTree::rebuild() {
  building_ = true;
  clear();
  const app::Workspace& ws = wb_.workspace();
  const QStringList roots = wb_.paths();

  // Files, in the order they were read.
  std::map<std::string, QTreeWidgetItem*> files;
  auto fileItem = [&](const std::string& f) -> QTreeWidgetItem* {
    auto it = files.find(f);
    if (it != files.end()) return it->second;
    auto* item = new QTreeWidgetItem(this, {display(f, roots), ""});
    item->setToolTip(0, q(f));
    item->setData(0, kFile, q(f));
    item->setData(0, kLine, 1);
    item->setIcon(0, style()->standardIcon(QStyle::SP_FileIcon));
    files[f] = item;
    return item;
  };
  for (const auto& f : ws.files) fileItem(f.path);

  // Objects, with the line each starts on, to hang problems under.
  struct Placed {
    std::string file;
    int line;
    QTreeWidgetItem* item;
  };
  std::vector<Placed> placed;
  for (const auto& o : ws.objects) {
    QTreeWidgetItem* parent = fileItem(o.file);
    auto* item = new QTreeWidgetItem(parent, {q(o.kind + " " + o.name), q(o.summary)});
    item->setToolTip(1, q(o.summary));
    item->setData(0, kFile, q(o.file));
    item->setData(0, kLine, o.line);
    if (!o.valid) {
      item->setIcon(0, dot(kErrorColor));
      item->setForeground(0, kErrorColor);
    } else if (o.kind == "Canary" || o.kind == "Rollout") {
      item->setIcon(0, dot(QColor(31, 119, 180)));
    } else {
      item->setIcon(0, dot(QColor(160, 160, 160)));
    }
    if (o.kind == "Canary" && o.valid) {
      const int spec = wb_.specAt(o.file, o.line);
      if (spec >= 0 && wb_.spec(spec)->line() == o.line) item->setData(0, kSpecIndex, spec);
      // The MetricTemplates its metrics use.
      for (const auto& c : ws.canaries) {
        if (c.loc.file != o.file || c.loc.line != o.line) continue;
        const auto resolved = io::resolveTemplates(c, ws.metricTemplates);
        for (std::size_t i = 0; i < c.analysis.metrics.size(); ++i) {
          const auto& m = c.analysis.metrics[i];
          if (!m.templateRef) continue;
          const std::string ns =
              m.templateRef->namespace_.empty() ? c.namespace_ : m.templateRef->namespace_;
          const auto* t = i < resolved.size() ? resolved[i] : nullptr;
          auto* ti = new QTreeWidgetItem(
              item,
              {q("MetricTemplate " + (ns.empty() ? "" : ns + "/") + m.templateRef->name),
               t ? q("metric " + m.name + ", " + t->loc.file + ":" + std::to_string(t->loc.line))
                 : q("metric " + m.name + ": not loaded")});
          ti->setIcon(0, dot(t ? QColor(120, 90, 170) : kWarningColor));
          if (t) {
            ti->setData(0, kFile, q(t->loc.file));
            ti->setData(0, kLine, t->loc.line);
          }
        }
      }
      item->setExpanded(true);
    }
    if (o.kind == "Rollout" && o.valid) {
      const int spec = wb_.specAt(o.file, o.line);
      if (spec >= 0 && wb_.spec(spec)->line() == o.line) item->setData(0, kSpecIndex, spec);
      // The AnalysisTemplates (and ClusterAnalysisTemplates) its analyses use.
      for (const auto& r : ws.rollouts) {
        if (r.loc.file != o.file || r.loc.line != o.line) continue;
        for (const auto& use : rolloutTemplateUses(r, ws.argoTemplates)) {
          std::string used;
          for (const auto& u : use.usedBy) used += (used.empty() ? "" : ", ") + u;
          std::string detail = "used by " + used;
          if (use.spec != nullptr) {
            std::string metrics;
            for (const auto& m : use.spec->metrics)
              metrics += (metrics.empty() ? "" : ", ") + m.name;
            detail += "; metrics " + metrics + "; " +
                      display(use.spec->loc.file, roots).toStdString() + ":" +
                      std::to_string(use.spec->loc.line);
          } else {
            detail += ": not loaded";
          }
          const std::string kind = use.cluster ? "ClusterAnalysisTemplate " : "AnalysisTemplate ";
          const std::string ns = use.cluster || use.spec == nullptr || use.spec->namespace_.empty()
                                     ? std::string()
                                     : use.spec->namespace_ + "/";
          auto* ti = new QTreeWidgetItem(item, {q(kind + ns + use.name), q(detail)});
          ti->setToolTip(1, q(detail));
          ti->setIcon(0, dot(use.spec ? QColor(120, 90, 170) : kWarningColor));
          if (use.spec) {
            ti->setData(0, kFile, q(use.spec->loc.file));
            ti->setData(0, kLine, use.spec->loc.line);
          }
        }
      }
      item->setExpanded(true);
    }
    placed.push_back({o.file, o.line, item});
  }
  for (const auto& s : ws.skipped) {
    auto* item = new QTreeWidgetItem(
        fileItem(s.file), {q(s.kind + " " + s.name), "skipped: not a kind rolloutlab analyses"});
    item->setForeground(0, QColor(140, 140, 140));
    item->setForeground(1, QColor(140, 140, 140));
    item->setData(0, kFile, q(s.file));
    item->setData(0, kLine, s.line);
  }
  // Problems, under the object that holds their line (else their file, else the top).
  for (const auto& d : ws.diagnostics.items) {
    QTreeWidgetItem* parent = nullptr;
    int best = -1;
    for (const auto& p : placed) {
      if (p.file == d.file && p.line <= d.line && p.line > best) {
        best = p.line;
        parent = p.item;
      }
    }
    if (parent == nullptr && !d.file.empty()) parent = fileItem(d.file);
    QTreeWidgetItem* it = problemItem(d);
    if (parent != nullptr) {
      parent->addChild(it);
      for (QTreeWidgetItem* up = parent; up != nullptr; up = up->parent()) up->setExpanded(true);
      if (d.severity == core::Severity::kError) {
        parent->setForeground(0, kErrorColor);
        files[d.file]->setForeground(0, kErrorColor);
      }
    } else {
      addTopLevelItem(it);
    }
  }
  for (auto& [f, item] : files) {
    if (item->childCount() == 0) item->setText(1, "no Kubernetes objects");
    item->setExpanded(true);
  }

  // Scenarios: the workspace's, then the library's.
  const auto& scen = wb_.scenarios();
  auto* group = new QTreeWidgetItem(
      this,
      {QString("Scenarios (%1)").arg(scen.size()),
       wb_.scenarioLibrary().isEmpty() ? QString("no library") : wb_.scenarioLibrary().join(", ")});
  group->setIcon(0, style()->standardIcon(QStyle::SP_DirIcon));
  for (int i = 0; i < static_cast<int>(scen.size()); ++i) {
    const auto& s = scen[static_cast<std::size_t>(i)];
    const bool bad = s.release == scenarios::Release::kBad;
    auto* item = new QTreeWidgetItem(
        group, {q(s.name), q(std::string(bad ? "bad" : "good") + " release" +
                             (s.description.empty() ? "" : ": " + s.description))});
    item->setIcon(0, dot(bad ? QColor(214, 39, 40) : QColor(44, 160, 44)));
    item->setToolTip(1, q(s.description));
    item->setData(0, kScenarioIndex, i);
    item->setData(0, kFile, q(s.file));
    item->setData(0, kLine, s.line);
  }
  for (const auto& d : wb_.library().diagnostics.items) group->addChild(problemItem(d));
  group->setExpanded(true);

  // Recordings (Replay documents): the workspace's, then the library's, after the scenarios
  // in the chooser. Their decoding problems are in place under their files above (or, for the
  // library's, under the scenarios).
  const auto& recs = wb_.replays();
  if (!recs.empty()) {
    auto* rgroup = new QTreeWidgetItem(this, {QString("Recordings (%1)").arg(recs.size()),
                                              "Replay documents: specs run on recorded data"});
    rgroup->setIcon(0, style()->standardIcon(QStyle::SP_DirIcon));
    for (std::size_t j = 0; j < recs.size(); ++j) {
      const auto& r = recs[j];
      const bool bad = r.release == scenarios::Release::kBad;
      const std::string detail = std::string("recording, ") + (bad ? "bad" : "good") +
                                 " release, " + replay::formatTime(r.from) + " .. " +
                                 replay::formatTime(r.to) +
                                 (r.description.empty() ? "" : ": " + r.description);
      auto* item = new QTreeWidgetItem(rgroup, {q(r.name), q(detail)});
      item->setIcon(0, style()->standardIcon(QStyle::SP_MediaPlay));
      item->setForeground(1, bad ? QColor(214, 39, 40) : QColor(44, 160, 44));
      item->setToolTip(0, q(r.file + ":" + std::to_string(r.line)));
      item->setToolTip(1, q(detail));
      item->setData(0, kScenarioIndex, static_cast<int>(scen.size() + j));
      item->setData(0, kFile, q(r.file));
      item->setData(0, kLine, r.line);
    }
    rgroup->setExpanded(true);
  }
  building_ = false;
  markCurrent();
}

void WorkspaceTree::markCurrent() {
  for (QTreeWidgetItemIterator it(this); *it; ++it) {
    QTreeWidgetItem* item = *it;
    QFont f = item->font(0);
    const QVariant spec = item->data(0, kSpecIndex);
    const QVariant scen = item->data(0, kScenarioIndex);
    const bool current = (spec.isValid() && spec.toInt() == wb_.currentSpecIndex()) ||
                         (scen.isValid() && scen.toInt() == wb_.currentScenarioIndex());
    if (f.bold() != current) {
      f.setBold(current);
      item->setFont(0, f);
    }
  }
}

void WorkspaceTree::onActivated(QTreeWidgetItem* item) {
  if (building_ || item == nullptr) return;
  const QVariant spec = item->data(0, kSpecIndex);
  const QVariant scen = item->data(0, kScenarioIndex);
  if (spec.isValid()) wb_.selectSpec(spec.toInt());
  if (scen.isValid()) wb_.selectScenario(scen.toInt());
  const QString file = item->data(0, kFile).toString();
  if (!file.isEmpty() && !scen.isValid())
    emit locationActivated(file, item->data(0, kLine).toInt());
}

QStringList WorkspaceTree::outline() const {
  QStringList out;
  std::function<void(QTreeWidgetItem*, int)> walk = [&](QTreeWidgetItem* it, int depth) {
    out << QString(depth * 2, ' ') + it->text(0) +
               (it->text(1).isEmpty() ? "" : " | " + it->text(1));
    for (int i = 0; i < it->childCount(); ++i) walk(it->child(i), depth + 1);
  };
  for (int i = 0; i < topLevelItemCount(); ++i) walk(topLevelItem(i), 0);
  return out;
}

}  // namespace rolloutlab::gui
