// Argo Rollouts in the workbench: the storefront Rollout of the example repo with its
// AnalysisTemplates, form edits that change only the edited value (in the Rollout's file or in
// its templates' file) and re-run the timeline, steps added and removed, errors shown with
// file and line, batches and comparisons. Runs are checked against the library called directly
// (app::loadWorkspace + scenarios::simulateArgo), and verdicts against the Argo rules they
// follow (argo-rollouts analysis/analysis.go: a metric fails when failed > failureLimit; a
// count-limited metric that stays within its limits completes Successful).

#include <QComboBox>
#include <QListWidget>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QToolButton>
#include <fstream>

#include "argo_fixtures.h"
#include "batch_view.h"
#include "compare_view.h"
#include "gui_fixture.h"
#include "oc_table.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/scenarios/argo_world.h"
#include "spec_panel.h"
#include "workbench.h"
#include "workbench_models.h"
#include "workspace_tree.h"

using rolloutlab::gui::BatchView;
using rolloutlab::gui::CompareView;
using rolloutlab::gui::SpecDocument;
using rolloutlab::gui::SpecPanel;
using rolloutlab::gui::Timeline;
using rolloutlab::gui::TimelineMarker;
using rolloutlab::gui::Workbench;
using rolloutlab::gui::WorkspaceTree;
using namespace rolloutlab::test;

namespace {

const std::string kRolloutFile = "/examples/apps/storefront/rollout.yaml";
const std::string kTemplateFile = "/examples/apps/storefront/analysis-templates.yaml";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto p = text.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  EXPECT_EQ(text.find(from, p + 1), std::string::npos) << "not unique: " << from;
  if (p != std::string::npos) text.replace(p, from.size(), to);
  return text;
}

/// The example repo open, the storefront Rollout selected.
void openStorefront(Workbench& wb, std::initializer_list<const char*> scenarios,
                    std::uint64_t seed) {
  QStringList lib;
  for (const char* s : scenarios) lib << libraryFile(s);
  wb.setScenarioLibrary(lib);
  wb.open({examplesDir()});
  EXPECT_TRUE(wb.waitForLoad());
  ASSERT_TRUE(wb.selectSpec("shop/storefront"));
  wb.setSeed(seed);
}

int count(const std::vector<TimelineMarker>& markers, TimelineMarker::Kind kind) {
  int n = 0;
  for (const auto& m : markers) n += m.kind == kind ? 1 : 0;
  return n;
}

const rolloutlab::gui::TimelineMetric* lane(const Timeline& tl, const std::string& name) {
  for (const auto& m : tl.metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

/// The library's run of the storefront Rollout as the given files hold it.
rolloutlab::scenarios::ArgoSimulation direct(const std::vector<std::string>& paths,
                                             const rolloutlab::scenarios::Scenario& sc,
                                             std::uint64_t seed) {
  const auto ws = rolloutlab::app::loadWorkspace(paths);
  EXPECT_EQ(ws.diagnostics.errors(), 0);
  const auto* r = ws.rollout("storefront");
  EXPECT_NE(r, nullptr);
  const rolloutlab::scenarios::CompiledScenario compiled(sc);
  const rolloutlab::scenarios::ArgoPlan plan(*r, ws.argoTemplates, compiled, ws.judges);
  return rolloutlab::scenarios::simulateArgo(plan, compiled, seed);
}

}  // namespace

TEST(RolloutWorkbench, TheStorefrontRolloutAppearsWithItsTemplates) {
  Workbench wb;
  WorkspaceTree tree(wb);
  openStorefront(wb, {"good-high-traffic.yaml"}, 1);
  const SpecDocument* s = wb.currentSpec();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->kind(), "Rollout");
  EXPECT_EQ(s->key(), "Rollout/shop/storefront");
  EXPECT_EQ(s->name(), "shop/storefront");
  EXPECT_TRUE(s->valid());
  EXPECT_EQ(s->text(), readFile(sourceDir() + kRolloutFile));
  ASSERT_EQ(s->linkedTexts().size(), 1u);
  EXPECT_EQ(s->linkedTexts()[0].file, sourceDir() + kTemplateFile);
  EXPECT_EQ(s->linkedTexts()[0].text, readFile(sourceDir() + kTemplateFile));

  // The tree: the Rollout with the two templates it uses, where and for what.
  const QString outline = tree.outline().join("\n");
  EXPECT_TRUE(outline.contains("  Rollout shop/storefront | canary")) << outline.toStdString();
  EXPECT_TRUE(outline.contains(
      "    AnalysisTemplate shop/success-rate-check | used by step 1; metrics success-rate; "
      "examples/apps/storefront/analysis-templates.yaml:3"))
      << outline.toStdString();
  EXPECT_TRUE(outline.contains(
      "    AnalysisTemplate shop/success-rate | used by background; metrics "
      "background-success-rate; examples/apps/storefront/analysis-templates.yaml:"))
      << outline.toStdString();

  // The form: the steps in order with their kinds (as in examples/apps/storefront/rollout.yaml),
  // the background analysis, then each template metric's fields.
  std::vector<std::string> got;
  for (const auto& f : s->fields()) {
    got.push_back(f.id + " = " + f.value + (f.readOnly ? " (read-only)" : "") + " @" +
                  (f.file.empty() ? "rollout" : "templates") + ":" + std::to_string(f.line));
  }
  const std::vector<std::string> want = {
      "steps.0.setWeight = 20 @rollout:32",
      "steps.1.analysis = templates: success-rate-check (read-only) @rollout:33",
      "steps.2.setWeight = 50 @rollout:36",
      "steps.3.pause = 5m @rollout:37",
      "analysis.startingStep = 2 @rollout:29",
      "templates.0.metrics.0.interval = 1m @templates:13",
      "templates.0.metrics.0.count = 3 @templates:14",
      "templates.0.metrics.0.failureLimit = 1 @templates:15",
      "templates.0.metrics.0.inconclusiveLimit =  @templates:0",
      "templates.0.metrics.0.consecutiveErrorLimit =  @templates:0",
      "templates.0.metrics.0.successCondition = len(result) == 0 || result[0] >= 0.99 "
      "@templates:16",
      "templates.0.metrics.0.failureCondition =  @templates:0",
      "templates.1.metrics.0.interval = 1m @templates:35",
      "templates.1.metrics.0.count =  @templates:0",
      "templates.1.metrics.0.failureLimit = 2 @templates:36",
      "templates.1.metrics.0.inconclusiveLimit =  @templates:0",
      "templates.1.metrics.0.consecutiveErrorLimit =  @templates:0",
      "templates.1.metrics.0.successCondition = len(result) == 0 || result[0] >= 0.99 "
      "@templates:37",
      "templates.1.metrics.0.failureCondition =  @templates:0",
  };
  EXPECT_EQ(got, want);
}

TEST(RolloutWorkbench, TheTimelineIsTheLibrarysRun) {
  Workbench wb;
  openStorefront(wb, {"error-regression-5pt.yaml"}, 3);
  const Timeline& tl = wb.timeline();
  ASSERT_TRUE(tl.error.empty()) << tl.error;
  const auto sim = direct({sourceDir() + "/examples"}, *wb.currentScenario(), 3);
  // One weight point per event, the event's canaryWeight.
  ASSERT_EQ(tl.canaryWeight.size(), sim.run.events.size());
  for (std::size_t i = 0; i < sim.run.events.size(); ++i) {
    EXPECT_EQ(tl.canaryWeight[i].first, sim.run.events[i].t);
    EXPECT_EQ(tl.canaryWeight[i].second, sim.run.events[i].state.canaryWeight);
  }
  ASSERT_EQ(sim.run.outcome.result, rolloutlab::core::argo::ArgoOutcome::Result::kAborted);
  EXPECT_TRUE(tl.rolledBack);
  EXPECT_EQ(tl.outcome,
            "aborted at " + rolloutlab::gui::formatDuration(sim.run.outcome.t) + " (Degraded)");
  EXPECT_EQ(tl.summary.find("RolloutAborted: Rollout aborted update to revision 2: Step-based "
                            "analysis phase error/failed: Metric \"success-rate\" assessed Failed "
                            "due to failed (2) > failureLimit (1)\ncanary served "),
            0u)
      << tl.summary;

  // The 5-point regression fails the step analysis at 20 %: the metric fails at its second
  // failed measurement (failed 2 > failureLimit 1), the run goes Failed and the rollout aborts.
  const auto* sr = lane(tl, "success-rate");
  ASSERT_NE(sr, nullptr);
  EXPECT_EQ(sr->condition, "successCondition: len(result) == 0 || result[0] >= 0.99");
  ASSERT_TRUE(sr->min.has_value());
  EXPECT_EQ(*sr->min, 0.99);
  EXPECT_FALSE(sr->max.has_value());
  EXPECT_EQ(count(sr->checks, TimelineMarker::Kind::kFail), 2);
  for (const auto& c : sr->checks) {
    if (c.kind == TimelineMarker::Kind::kFail) {
      EXPECT_LT(c.value, 0.99) << c.text;
    } else {
      EXPECT_TRUE(std::isnan(c.value) || c.value >= 0.99) << c.text;
    }
    EXPECT_NE(c.text.find("limits: failureLimit 1"), std::string::npos) << c.text;
    EXPECT_NE(c.text.find("rule: AnalysisRun storefront-"), std::string::npos) << c.text;
  }
  EXPECT_EQ(sr->checks.back().text.find("\nmetric Failed"),
            sr->checks.back().text.rfind("\nmetric "));
  EXPECT_EQ(count(tl.events, TimelineMarker::Kind::kAnalysisFailed), 1);
  EXPECT_EQ(count(tl.events, TimelineMarker::Kind::kRollback), 1);
  EXPECT_EQ(count(tl.events, TimelineMarker::Kind::kPromotion), 0);
  // Step 0 (setWeight 20) completed; the analysis step never did.
  EXPECT_EQ(count(tl.events, TimelineMarker::Kind::kStep), 1);
  for (const auto& e : tl.events) {
    if (e.kind == TimelineMarker::Kind::kRollback) {
      EXPECT_NE(e.text.find("failed (2) > failureLimit (1)"), std::string::npos) << e.text;
      EXPECT_NE(e.text.find("rule: abort: "), std::string::npos) << e.text;
    }
    if (e.kind == TimelineMarker::Kind::kStep) {
      EXPECT_EQ(e.text.find("step 0 (setWeight: 20) completed at 30s"), 0u) << e.text;
      EXPECT_EQ(e.value, 20);
    }
  }
}

TEST(RolloutWorkbench, AGoodReleaseGoesThroughEveryStep) {
  Workbench wb;
  openStorefront(wb, {"good-high-traffic.yaml"}, 3);
  const Timeline& tl = wb.timeline();
  ASSERT_TRUE(tl.promoted) << tl.outcome;
  const auto sim = direct({sourceDir() + "/examples"}, *wb.currentScenario(), 3);
  EXPECT_EQ(tl.outcome,
            "promoted at " + rolloutlab::gui::formatDuration(sim.run.outcome.t) + " (Healthy)");
  // setWeight 20, analysis, setWeight 50, pause 5m: four completions; one pause (step 3).
  EXPECT_EQ(count(tl.events, TimelineMarker::Kind::kStep), 4);
  EXPECT_EQ(count(tl.events, TimelineMarker::Kind::kPause), 1);
  double pausedAt = -1, resumedAt = -1;
  for (const auto& e : tl.events) {
    if (e.kind == TimelineMarker::Kind::kPause) {
      pausedAt = e.t;
      EXPECT_NE(e.text.find("paused (CanaryPauseStep) at step 3 (pause: 5m)"), std::string::npos)
          << e.text;
    }
    if (e.kind == TimelineMarker::Kind::kStep && e.text.find("step 3 (pause: 5m)") == 0)
      resumedAt = e.t;
  }
  EXPECT_EQ(resumedAt - pausedAt, 300.0);  // pause: {duration: 5m}
  // The step run and the background run (from step 2 until promotion) both end Successful.
  EXPECT_EQ(count(tl.events, TimelineMarker::Kind::kAnalysisSuccessful), 2);
  const auto* bg = lane(tl, "background-success-rate");
  ASSERT_NE(bg, nullptr);
  EXPECT_FALSE(bg->checks.empty());
  EXPECT_EQ(static_cast<int>(bg->checks.size()), count(bg->checks, TimelineMarker::Kind::kPass));
  EXPECT_EQ(tl.canaryWeight.back().second, 100.0);
}

TEST(RolloutWorkbench, EditsChangeOnlyTheirValueInTheirFileAndRerun) {
  Workbench wb;
  openStorefront(wb, {"error-regression-5pt.yaml"}, 3);
  SpecDocument* s = wb.currentSpec();
  const std::string rollout = s->text();
  const std::string templates = s->linkedTexts().at(0).text;
  int timelines = 0;
  QObject::connect(&wb, &Workbench::timelineChanged, [&timelines]() { ++timelines; });

  // A step weight: only that line of the Rollout's file.
  wb.setField("steps.0.setWeight", "10");
  EXPECT_EQ(timelines, 1);
  EXPECT_EQ(s->text(), replaced(rollout, "        - setWeight: 20\n", "        - setWeight: 10\n"));
  EXPECT_EQ(s->linkedTexts().at(0).text, templates);
  EXPECT_TRUE(s->valid());
  EXPECT_TRUE(s->edited());
  EXPECT_EQ(wb.timeline().canaryWeight.at(3).second, 10.0);
  for (const auto& [t, w] : wb.timeline().canaryWeight) EXPECT_NE(w, 20.0) << t;

  // A failureLimit: only that line of the templates' file (the second template keeps its own).
  wb.setField("templates.0.metrics.0.failureLimit", "3");
  EXPECT_EQ(timelines, 2);
  EXPECT_EQ(s->linkedTexts().at(0).text,
            replaced(templates, "      count: 3\n      failureLimit: 1\n",
                     "      count: 3\n      failureLimit: 3\n"));
  EXPECT_EQ(s->text(), replaced(rollout, "        - setWeight: 20\n", "        - setWeight: 10\n"));
  EXPECT_TRUE(s->valid());
  // With failureLimit 3, three measurements (count 3) cannot fail the step analysis: it
  // completes Successful, the rollout goes on to 50 %, and the background analysis
  // (failureLimit 2) aborts it at its third failed measurement.
  const Timeline& tl = wb.timeline();
  EXPECT_TRUE(tl.rolledBack) << tl.outcome;
  EXPECT_EQ(count(tl.events, TimelineMarker::Kind::kAnalysisSuccessful), 1);
  EXPECT_EQ(count(tl.events, TimelineMarker::Kind::kAnalysisFailed), 1);
  double peak = 0;
  for (const auto& [t, w] : tl.canaryWeight) peak = std::max(peak, w);
  EXPECT_EQ(peak, 50.0);
  EXPECT_NE(tl.summary.find("Background analysis phase error/failed: Metric "
                            "\"background-success-rate\" assessed Failed due to failed (3) > "
                            "failureLimit (2)"),
            std::string::npos)
      << tl.summary;
  EXPECT_EQ(count(lane(tl, "background-success-rate")->checks, TimelineMarker::Kind::kFail), 3);

  // The same texts written to disk run the same in the library.
  QTemporaryDir dir;
  const std::string r = dir.filePath("rollout.yaml").toStdString();
  const std::string t = dir.filePath("templates.yaml").toStdString();
  std::ofstream(r) << s->text();
  std::ofstream(t) << s->linkedTexts().at(0).text;
  const auto sim = direct({r, t}, *wb.currentScenario(), 3);
  ASSERT_EQ(tl.canaryWeight.size(), sim.run.events.size());
  EXPECT_EQ(tl.outcome.find("aborted at " + rolloutlab::gui::formatDuration(sim.run.outcome.t)),
            0u);

  wb.revert();
  EXPECT_EQ(s->text(), rollout);
  EXPECT_EQ(s->linkedTexts().at(0).text, templates);
  EXPECT_FALSE(s->edited());
}

TEST(RolloutWorkbench, StepsCanBeAddedRemovedAndPausedIndefinitely) {
  Workbench wb;
  openStorefront(wb, {"good-high-traffic.yaml"}, 3);
  SpecDocument* s = wb.currentSpec();
  const std::string original = s->text();
  wb.runAction("steps.add.setWeight");  // 10 above the last weight set (50)
  EXPECT_EQ(s->text(), replaced(original, "        - pause: {duration: 5m}\n",
                                "        - pause: {duration: 5m}\n        - setWeight: 60\n"));
  wb.runAction("steps.add.pause");
  EXPECT_EQ(s->text(), replaced(original, "        - pause: {duration: 5m}\n",
                                "        - pause: {duration: 5m}\n        - setWeight: 60\n"
                                "        - pause: {duration: 1m}\n"));
  EXPECT_TRUE(s->valid());
  ASSERT_TRUE(wb.timeline().promoted) << wb.timeline().outcome;
  EXPECT_EQ(count(wb.timeline().events, TimelineMarker::Kind::kStep), 6);
  wb.runAction("steps.5.remove");
  wb.runAction("steps.4.remove");
  EXPECT_EQ(s->text(), original);
  // No duration: the rollout pauses at step 3 until someone promotes it.
  wb.setField("steps.3.pause", "");
  EXPECT_EQ(s->text(), replaced(original, "pause: {duration: 5m}", "pause: {}"));
  EXPECT_TRUE(s->valid());
  EXPECT_EQ(wb.timeline().outcome.find("paused at "), 0u) << wb.timeline().outcome;
  EXPECT_FALSE(wb.timeline().promoted);
  // A weight cannot be emptied (the step would have no kind); refused with a message.
  QString refused;
  QObject::connect(&wb, &Workbench::editFailed, [&refused](const QString& m) { refused = m; });
  wb.setField("steps.0.setWeight", "");
  EXPECT_TRUE(refused.contains("a setWeight step needs a weight")) << refused.toStdString();
}

TEST(RolloutWorkbench, StepsCanBeInsertedMovedAndRemovedInPlace) {
  // Each edit patches the manifest's own lines (the expected texts are written out by hand
  // from the file) and runs the Rollout again.
  Workbench wb;
  openStorefront(wb, {"good-high-traffic.yaml"}, 3);
  SpecDocument* s = wb.currentSpec();
  const std::string original = s->text();
  QSignalSpy runs(&wb, &Workbench::timelineChanged);
  auto weights = [&wb]() {
    std::vector<double> w;
    for (const auto& [t, v] : wb.timeline().canaryWeight) {
      if (w.empty() || w.back() != v) w.push_back(v);
    }
    return w;
  };
  ASSERT_TRUE(wb.timeline().promoted) << wb.timeline().outcome;
  EXPECT_EQ(weights(), (std::vector<double>{0, 20, 50, 100}));

  // Insert setWeight 30 after step 0.
  wb.runAction("steps.0.insert.setWeight=30");
  const std::string inserted = replaced(original, "        - setWeight: 20\n",
                                        "        - setWeight: 20\n        - setWeight: 30\n");
  EXPECT_EQ(s->text(), inserted);
  EXPECT_EQ(runs.count(), 1);
  ASSERT_TRUE(s->valid());
  ASSERT_TRUE(wb.timeline().promoted) << wb.timeline().outcome;
  EXPECT_EQ(count(wb.timeline().events, TimelineMarker::Kind::kStep), 5);
  EXPECT_EQ(weights(), (std::vector<double>{0, 20, 30, 50, 100}));

  // Move it down past the analysis step (an item of three lines).
  wb.runAction("steps.1.down");
  const std::string movedDown = replaced(original, "        - setWeight: 50\n",
                                         "        - setWeight: 30\n        - setWeight: 50\n");
  EXPECT_EQ(s->text(), movedDown);
  EXPECT_EQ(runs.count(), 2);
  EXPECT_EQ(weights(), (std::vector<double>{0, 20, 30, 50, 100}));
  // The last step (its span ends the file) trades places with the one above it, and back.
  wb.runAction("steps.4.up");
  EXPECT_EQ(s->text(),
            replaced(original, "        - setWeight: 50\n        - pause: {duration: 5m}\n",
                     "        - setWeight: 30\n        - pause: {duration: 5m}\n"
                     "        - setWeight: 50\n"));
  EXPECT_EQ(runs.count(), 3);
  wb.runAction("steps.3.down");
  EXPECT_EQ(s->text(), movedDown);
  // And up again, before the analysis step.
  wb.runAction("steps.2.up");
  EXPECT_EQ(s->text(), inserted);

  // Remove it: the file as loaded.
  wb.runAction("steps.1.remove");
  EXPECT_EQ(s->text(), original);
  EXPECT_EQ(runs.count(), 6);
  EXPECT_EQ(weights(), (std::vector<double>{0, 20, 50, 100}));

  // A pause without a duration after the last step: the rollout waits for a promotion there.
  wb.runAction("steps.3.insert.pause");
  EXPECT_EQ(s->text(), original + "        - pause: {}\n");
  EXPECT_EQ(wb.timeline().outcome.find("paused at "), 0u) << wb.timeline().outcome;
  wb.runAction("steps.4.remove");
  wb.runAction("steps.2.insert.pause=90s");
  EXPECT_EQ(s->text(), replaced(original, "        - setWeight: 50\n",
                                "        - setWeight: 50\n        - pause: {duration: 90s}\n"));
  wb.runAction("steps.3.remove");
  EXPECT_EQ(s->text(), original);

  // An invalid step is shown like any invalid edit: the text has it, the error names its line.
  wb.runAction("steps.0.insert.setWeight=150");
  EXPECT_FALSE(s->valid());
  EXPECT_NE(wb.timeline().error.find("steps[1].setWeight = 150"), std::string::npos)
      << wb.timeline().error;
  wb.runAction("steps.1.remove");
  EXPECT_TRUE(s->valid());
  // Moves that cannot be made are refused with a message; the text stays.
  QString refused;
  QObject::connect(&wb, &Workbench::editFailed, [&refused](const QString& m) { refused = m; });
  wb.runAction("steps.0.up");
  EXPECT_TRUE(refused.contains("the first step cannot move up")) << refused.toStdString();
  wb.runAction("steps.3.down");
  EXPECT_TRUE(refused.contains("the last step cannot move down")) << refused.toStdString();
  wb.runAction("steps.9.remove");
  EXPECT_TRUE(refused.contains("not an editable field")) << refused.toStdString();
  EXPECT_EQ(s->text(), original);
}

TEST(RolloutWorkbench, MovingAStepKeepsItsCommentsAndAFlowListStaysFlow) {
  QTemporaryDir dir;
  // A document before the Rollout's: the lines moved are counted in the whole file.
  const std::string block =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo-config}\n---\n" +
      canaryRollout(
          "        # ramp up\n"
          "        - setWeight: 10  # a tenth\n"
          "        # hold\n"
          "        - pause:\n"
          "            duration: 1m  # a minute\n"
          "        - setWeight: 40\n");
  const std::string flow = canaryRollout(
      "", "      steps: [{setWeight: 10}, {pause: {duration: 1m}}, {setWeight: 40}]\n");
  {
    std::ofstream(dir.filePath("block.yaml").toStdString()) << block;
    std::ofstream(dir.filePath("flow.yaml").toStdString())
        << replaced(flow, "name: demo,", "name: flowdemo,");
  }
  Workbench wb;
  wb.setScenarioLibrary({libraryFile("good-high-traffic.yaml")});
  wb.open({dir.path()});
  ASSERT_TRUE(wb.waitForLoad());
  ASSERT_TRUE(wb.selectSpec("shop/demo"));
  SpecDocument* s = wb.currentSpec();
  wb.runAction("steps.1.up");
  EXPECT_EQ(s->text(), replaced(block,
                                "        # ramp up\n"
                                "        - setWeight: 10  # a tenth\n"
                                "        # hold\n"
                                "        - pause:\n"
                                "            duration: 1m  # a minute\n",
                                "        # hold\n"
                                "        - pause:\n"
                                "            duration: 1m  # a minute\n"
                                "        # ramp up\n"
                                "        - setWeight: 10  # a tenth\n"));
  EXPECT_TRUE(s->valid());
  wb.runAction("steps.0.down");
  EXPECT_EQ(s->text(), block);

  ASSERT_TRUE(wb.selectSpec("shop/flowdemo"));
  s = wb.currentSpec();
  const std::string flowText = s->text();
  wb.runAction("steps.2.up");
  EXPECT_EQ(s->text(),
            replaced(flowText, "[{setWeight: 10}, {pause: {duration: 1m}}, {setWeight: 40}]",
                     "[{setWeight: 10}, {setWeight: 40}, {pause: {duration: 1m}}]"));
  EXPECT_TRUE(s->valid());
  wb.runAction("steps.0.insert.setWeight=25");
  EXPECT_EQ(
      s->text(),
      replaced(flowText, "[{setWeight: 10}, {pause: {duration: 1m}}, {setWeight: 40}]",
               "[{setWeight: 10}, {setWeight: 25}, {setWeight: 40}, {pause: {duration: 1m}}]"));
}

TEST(RolloutWorkbench, TheFormOffersStepMovesAndInsertions) {
  Workbench wb;
  openStorefront(wb, {"good-high-traffic.yaml"}, 1);
  SpecPanel panel(wb);
  panel.resize(900, 700);
  panel.show();
  const QStringList ids = panel.actionIds();
  for (const char* id : {"steps.0.down", "steps.1.up", "steps.1.down", "steps.3.up",
                         "steps.0.insert.setWeight", "steps.2.insert.pause=1m",
                         "steps.3.insert.pause", "steps.3.remove", "steps.add.setWeight"}) {
    EXPECT_TRUE(ids.contains(id)) << id;
  }
  EXPECT_FALSE(ids.contains("steps.0.up"));
  EXPECT_FALSE(ids.contains("steps.3.down"));
  // The insertions sit in the "+" menu of their step's row.
  QToolButton* plus = nullptr;
  for (auto* b : panel.findChildren<QToolButton*>()) {
    if (b->text() == "+" && plus == nullptr) plus = b;
  }
  ASSERT_NE(plus, nullptr);
  ASSERT_NE(plus->menu(), nullptr);
  QStringList entries;
  for (auto* a : plus->menu()->actions()) entries << a->text();
  EXPECT_EQ(entries, (QStringList{"setWeight", "pause 1m", "pause until promoted"}));
  plus->menu()->actions().at(0)->trigger();  // after step 0: 10 above its 20
  QCoreApplication::processEvents();
  EXPECT_NE(wb.currentSpec()->text().find("        - setWeight: 20\n        - setWeight: 30\n"),
            std::string::npos);
  ASSERT_NE(panel.field("steps.1.setWeight"), nullptr);
  EXPECT_EQ(panel.field("steps.1.setWeight")->text(), "30");
}

TEST(RolloutWorkbench, ErrorsShowWithFileAndLine) {
  Workbench wb;
  openStorefront(wb, {"good-high-traffic.yaml"}, 1);
  SpecDocument* s = wb.currentSpec();
  // In the Rollout's file.
  wb.setField("steps.2.setWeight", "150");
  EXPECT_FALSE(s->valid());
  ASSERT_GE(s->diagnostics().errors(), 1);
  std::string text = s->diagnostics().items.front().toString();
  EXPECT_NE(text.find("storefront/rollout.yaml:36: spec.strategy.canary.steps[2].setWeight = 150"),
            std::string::npos)
      << text;
  EXPECT_NE(wb.timeline().error.find("steps[2].setWeight"), std::string::npos)
      << wb.timeline().error;
  wb.setField("steps.2.setWeight", "50");
  EXPECT_TRUE(s->valid());
  // In the templates' file: the error names that file and the line there.
  wb.setField("templates.1.metrics.0.successCondition", "result[0] >=");
  EXPECT_FALSE(s->valid());
  ASSERT_GE(s->diagnostics().errors(), 1);
  const auto& d = s->diagnostics().items.front();
  EXPECT_EQ(d.file, sourceDir() + kTemplateFile);
  EXPECT_EQ(d.line, 37);
  EXPECT_NE(d.toString().find("successCondition"), std::string::npos) << d.toString();
  wb.revert();
  EXPECT_TRUE(s->valid());
  EXPECT_TRUE(wb.timeline().error.empty());
}

TEST(RolloutWorkbench, ABadRolloutFileShowsItsErrorInTheTree) {
  QTemporaryDir dir;
  {
    std::ofstream out(dir.filePath("rollout.yaml").toStdString());
    out << canaryRollout("        - setWeight: 120\n        - pause: {duration: 1m}\n");
  }
  Workbench wb;
  WorkspaceTree tree(wb);
  wb.open({dir.path()});
  EXPECT_TRUE(wb.waitForLoad());
  EXPECT_EQ(wb.specCount(), 0);
  const QString joined = tree.outline().join("\n");
  EXPECT_TRUE(joined.contains("Rollout shop/demo")) << joined.toStdString();
  EXPECT_TRUE(joined.contains(QRegularExpression(
      "error \\| [^\\n]*rollout\\.yaml:\\d+: spec\\.strategy\\.canary\\.steps\\[0\\]\\.setWeight "
      "= 120: SetWeight needs to be between 0 and 100")))
      << joined.toStdString();
  EXPECT_FALSE(wb.timeline().error.empty());
}

TEST(RolloutWorkbench, BlueGreenFieldsDriveThePromotion) {
  QTemporaryDir dir;
  {
    std::ofstream out(dir.filePath("bluegreen.yaml").toStdString());
    out << "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: bg\n"
           "  namespace: shop\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: bg}}\n"
           "  template:\n    metadata: {labels: {app: bg}}\n"
           "    spec: {containers: [{name: app, image: bg:2}]}\n  strategy:\n    blueGreen:\n"
           "      activeService: bg-active\n      previewService: bg-preview\n"
           "      autoPromotionSeconds: 60\n";
  }
  Workbench wb;
  wb.setScenarioLibrary({libraryFile("good-high-traffic.yaml")});
  wb.open({dir.path()});
  EXPECT_TRUE(wb.waitForLoad());
  ASSERT_EQ(wb.specCount(), 1);
  SpecDocument* s = wb.currentSpec();
  std::vector<std::string> got;
  for (const auto& f : s->fields()) got.push_back(f.id + " = " + f.value);
  EXPECT_EQ(got, (std::vector<std::string>{
                     "blueGreen.autoPromotionEnabled = ", "blueGreen.autoPromotionSeconds = 60",
                     "blueGreen.scaleDownDelaySeconds = "}));
  EXPECT_TRUE(s->actions().empty());
  ASSERT_TRUE(wb.timeline().promoted) << wb.timeline().outcome << wb.timeline().error;
  const double promotedAt = wb.timeline().canaryWeight.back().first;
  // The switch waits autoPromotionSeconds after the preview is ready.
  wb.setField("blueGreen.autoPromotionSeconds", "120");
  ASSERT_TRUE(wb.timeline().promoted) << wb.timeline().outcome;
  EXPECT_EQ(wb.timeline().canaryWeight.back().first - promotedAt, 60.0);
  // autoPromotionEnabled false: it waits for a human.
  wb.setField("blueGreen.autoPromotionEnabled", "false");
  EXPECT_NE(s->text().find("      autoPromotionEnabled: false\n"), std::string::npos) << s->text();
  EXPECT_FALSE(wb.timeline().promoted);
  EXPECT_EQ(wb.timeline().outcome.find("paused at "), 0u) << wb.timeline().outcome;
}

TEST(RolloutWorkbench, ThePanelShowsTheFileAnEditChanged) {
  Workbench wb;
  openStorefront(wb, {"good-high-traffic.yaml"}, 1);
  SpecPanel panel(wb);
  panel.resize(900, 700);
  panel.show();
  const std::string rolloutFile = sourceDir() + kRolloutFile;
  const std::string templateFile = sourceDir() + kTemplateFile;
  EXPECT_EQ(panel.shownFile().toStdString(), rolloutFile);
  EXPECT_EQ(panel.files(), (QStringList{QString::fromStdString(rolloutFile),
                                        QString::fromStdString(templateFile)}));
  auto* failureLimit = panel.field("templates.0.metrics.0.failureLimit");
  ASSERT_NE(failureLimit, nullptr);
  failureLimit->setText("2");
  emit failureLimit->editingFinished();
  EXPECT_EQ(panel.shownFile().toStdString(), templateFile);
  EXPECT_TRUE(panel.yamlText().contains("      count: 3\n      failureLimit: 2\n"));
  EXPECT_EQ(panel.yamlEditor()->textCursor().block().blockNumber() + 1, 15);
  // Removing a step from its button rebuilds the form without the step.
  ASSERT_TRUE(panel.actionIds().contains("steps.3.remove"));
  panel.triggerAction("steps.3.remove");
  QCoreApplication::processEvents();
  EXPECT_EQ(panel.field("steps.3.pause"), nullptr);
  EXPECT_EQ(wb.currentSpec()->text().find("pause"), std::string::npos);
  // A problem in the templates' file shows that file at its line when clicked.
  panel.showLocation(QString::fromStdString(rolloutFile), 1);
  wb.setField("templates.0.metrics.0.interval", "soon");
  ASSERT_FALSE(wb.currentSpec()->valid());
  EXPECT_TRUE(panel.problems().join("\n").contains(
      "analysis-templates.yaml:12: spec.metrics[0]: invalid interval"))
      << panel.problems().join("\n").toStdString();
  panel.showLocation(QString::fromStdString(rolloutFile), 1);
  QListWidget* list = nullptr;
  for (auto* l : panel.findChildren<QListWidget*>()) {
    if (l->count() > 0 && l->item(0)->text().startsWith("error: ")) list = l;
  }
  ASSERT_NE(list, nullptr);
  emit list->itemClicked(list->item(0));
  EXPECT_EQ(panel.shownFile().toStdString(), templateFile);
  EXPECT_EQ(panel.yamlEditor()->textCursor().block().blockNumber() + 1, 12);
}

TEST(RolloutWorkbench, BatchRunsOverTheScenariosAndCancels) {
  Workbench wb;
  openStorefront(wb, {"error-regression-2pt.yaml", "good-high-traffic.yaml"}, 9);
  BatchView view(wb);
  view.resize(1000, 700);
  view.show();
  view.setRuns(40);
  view.setThreads(2);
  QSignalSpy finished(&view, &BatchView::batchFinished);
  view.start();
  ASSERT_TRUE(waitFor([&]() { return finished.count() > 0; }, 120000));
  const auto* out = view.lastOutcome();
  ASSERT_NE(out, nullptr);
  ASSERT_TRUE(out->error.empty()) << out->error;
  ASSERT_EQ(out->results.size(), 1u);
  const auto& r = out->results[0];
  ASSERT_EQ(r.pairs.size(), 2u);
  EXPECT_EQ(r.pairs[0].spec, "Rollout/shop/storefront");
  EXPECT_EQ(r.pairs[0].engine, "argo");
  // The same batch through the library directly.
  rolloutlab::app::BatchOptions o;
  o.runs = 40;
  o.seed = 9;
  o.threads = 1;
  const auto ws = rolloutlab::app::loadWorkspace({sourceDir() + "/examples"});
  std::vector<rolloutlab::app::BatchSpec> specs;
  for (auto& b : rolloutlab::app::batchSpecs(ws, "istio")) {
    if (b.key == "Rollout/shop/storefront") specs.push_back(std::move(b));
  }
  const auto lib = rolloutlab::app::runBatch(specs, wb.scenarios(), {}, o);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(r.pairs[i].agg.promoted, lib.pairs[i].agg.promoted);
    EXPECT_EQ(r.pairs[i].agg.rolledBack, lib.pairs[i].agg.rolledBack);
    EXPECT_EQ(r.pairs[i].agg.excessErrors.sumMicro(), lib.pairs[i].agg.excessErrors.sumMicro());
  }
  // A 2-point regression fails the 99 % success-rate check at the first analysis.
  EXPECT_EQ(r.pairs[0].agg.rolledBack, 40);
  EXPECT_EQ(view.table()->model()->headerData(4, Qt::Horizontal).toString(), "Aborted [95% CI]");
  EXPECT_TRUE(view.table()->text(0, 4).startsWith("100% ["));
  view.showRow(1);
  EXPECT_TRUE(view.histogramTitle(0).contains("good-high-traffic"));

  // Cancel.
  view.setRuns(10000000);
  view.start();
  ASSERT_TRUE(waitFor([&]() { return !view.progressBar()->format().startsWith("0 /"); }, 30000));
  view.cancel();
  ASSERT_TRUE(waitFor([&]() { return finished.count() > 1; }, 30000));
  EXPECT_TRUE(view.lastOutcome()->cancelled);
  EXPECT_TRUE(view.lastOutcome()->results.at(0).partial);
  EXPECT_TRUE(view.statusText().startsWith("Cancelled")) << view.statusText().toStdString();
}

TEST(RolloutWorkbench, CompareRunsBothVariantsOfARollout) {
  Workbench wb;
  openStorefront(wb, {"error-regression-1pt.yaml"}, 4);
  CompareView view(wb);
  view.resize(1200, 800);
  view.show();
  wb.setField("templates.0.metrics.0.failureLimit", "2");
  view.refresh();
  const QString changes = view.changes().join("; ");
  EXPECT_EQ(changes, QString::fromUtf8(
                         "Template success-rate-check: success-rate failureLimit: 1 \u2192 2"));
  view.setRuns(30);
  QSignalSpy finished(&view, &CompareView::batchFinished);
  view.startBatch();
  ASSERT_TRUE(waitFor([&]() { return finished.count() > 0; }, 120000));
  rolloutlab::gui::CellTableView* t = view.table();
  ASSERT_EQ(t->rows(), 1);
  EXPECT_EQ(t->model()->headerData(4, Qt::Horizontal).toString(), "Aborted A");
  EXPECT_EQ(t->model()->headerData(5, Qt::Horizontal).toString(), "Aborted B");
  EXPECT_TRUE(view.summaryText().startsWith("False aborts of good releases"))
      << view.summaryText().toStdString();
}

TEST(RolloutWorkbench, ATemplateInTheRolloutsOwnFileIsPatchedThere) {
  // One file: the Rollout, then a ClusterAnalysisTemplate its step analysis uses.
  QTemporaryDir dir;
  const std::string path = dir.filePath("all.yaml").toStdString();
  const std::string text =
      canaryRollout(
          "        - setWeight: 30\n"
          "        - analysis:\n"
          "            templates: [{templateName: always-one, clusterScope: true}]\n") +
      "apiVersion: argoproj.io/v1alpha1\nkind: ClusterAnalysisTemplate\n"
      "metadata: {name: always-one}\nspec:\n  metrics:\n    - name: one\n      interval: 30s\n"
      "      count: 2\n      successCondition: result[0] >= 1\n"
      "      provider:\n        prometheus: {address: \"http://prometheus:9090\", query: "
      "\"vector(1)\"}\n";
  std::ofstream(path) << text;
  Workbench wb;
  WorkspaceTree tree(wb);
  wb.setScenarioLibrary({libraryFile("good-high-traffic.yaml")});
  wb.open({dir.path()});
  EXPECT_TRUE(wb.waitForLoad());
  ASSERT_EQ(wb.specCount(), 1);
  SpecDocument* s = wb.currentSpec();
  EXPECT_TRUE(s->linkedTexts().empty());
  EXPECT_TRUE(tree.outline().join("\n").contains(
      "    ClusterAnalysisTemplate always-one | used by step 1; metrics one; "))
      << tree.outline().join("\n").toStdString();
  bool grouped = false;
  for (const auto& f : s->fields()) {
    if (f.id == "templates.0.metrics.0.count") {
      grouped =
          f.group == "ClusterAnalysisTemplate always-one: one" && f.value == "2" && f.file.empty();
    }
  }
  EXPECT_TRUE(grouped);
  ASSERT_TRUE(wb.timeline().promoted) << wb.timeline().outcome << wb.timeline().error;
  const auto* one = lane(wb.timeline(), "one");
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(count(one->checks, TimelineMarker::Kind::kPass), 2);
  EXPECT_EQ(one->min, 1.0);
  wb.setField("templates.0.metrics.0.count", "4");
  EXPECT_EQ(s->text(), replaced(text, "      count: 2\n", "      count: 4\n"));
  EXPECT_EQ(count(lane(wb.timeline(), "one")->checks, TimelineMarker::Kind::kPass), 4);
  // The document stays the kind it was.
  wb.setText(replaced(s->text(), "kind: ClusterAnalysisTemplate", "kind: AnalysisTemplate"));
  EXPECT_FALSE(s->valid());
  EXPECT_NE(s->diagnostics().items.front().toString().find(
                "kind = \"AnalysisTemplate\": this document must stay an argoproj.io "
                "ClusterAnalysisTemplate"),
            std::string::npos)
      << s->diagnostics().items.front().toString();
}
