// The Tune view: a small space runs to completion off the GUI thread and its scatter holds one
// point per measured candidate, coloured by the status the tuner gives when called directly;
// Cancel ends with a partial result; a click loads the candidate into the spec (only the tuned
// values change, the form shows them) and Undo restores it; a broken space is refused with its
// file:line error and does not run.

#include "tune_view.h"

#include <QElapsedTimer>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QTimer>
#include <QUndoStack>
#include <set>

#include "chart_view.h"
#include "gui_fixture.h"
#include "oc_table.h"
#include "rolloutlab/app/tune_runner.h"
#include "spec_panel.h"
#include "workbench.h"

using rolloutlab::gui::TunePointClass;
using rolloutlab::gui::TuneView;
using rolloutlab::gui::Workbench;
using namespace rolloutlab::test;
namespace tune = rolloutlab::tune;

namespace {

// Two fields of the podinfo Canary (threshold 5 and stepWeight 10 as written): 4 candidates;
// with seed 3 over the two scenarios below one is the recommendation, one is infeasible
// (threshold 10 at 50 % lets through 6600 excess errors of the 2-point regression) and two are
// feasible but beaten on the objective.
const char* kSmallSpace = R"(apiVersion: rolloutlab.io/v1alpha1
kind: TuningSpace
metadata:
  name: small
spec:
  target: Canary/test/podinfo
  fields:
    - field: threshold
      values: [1, 10]
    - field: stepWeight
      values: [10, 50]
  constraints:
    falseRollbackRate: 0.3
    escapeRate: 0.5
    meanExcessErrors: 3000
  search:
    initialRuns: 16
    maxRuns: 64
    refineRounds: 0
    surrogate: false
)";

struct Bench {
  Workbench wb;
  rolloutlab::gui::SpecPanel panel{wb};
  TuneView view{wb};
  Bench() {
    wb.setScenarioLibrary(
        {libraryFile("error-regression-2pt.yaml"), libraryFile("good-high-traffic.yaml")});
    wb.open({examplesDir()});
    EXPECT_TRUE(wb.waitForLoad());
    for (int i = 0; i < wb.specCount(); ++i) {
      if (wb.spec(i)->key() == "Canary/test/podinfo") wb.selectSpec(i);
    }
    view.resize(1200, 800);
    view.show();
    view.setSeed(3);
    view.setThreads(2);
  }
  bool runToEnd(int ms = 120000) {
    QSignalSpy finished(&view, &TuneView::tuneFinished);
    if (!view.start()) return false;
    return waitFor([&]() { return finished.count() > 0; }, ms);
  }
};

/// The same tune through the library, as `rolloutlab tune` runs it.
tune::SearchResult direct(const Workbench& wb, const tune::TuningSpace& space, std::uint64_t seed) {
  const auto* s = wb.currentSpec();
  rolloutlab::app::SpecPatcher patcher({{s->file(), s->text()}}, space);
  rolloutlab::app::BatchEvaluator ev(patcher, wb.scenarios(), seed, 1, "istio");
  return tune::runSearch(space, ev, seed, {});
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    const auto nl = text.find('\n', at);
    out.push_back(text.substr(at, nl == std::string::npos ? std::string::npos : nl - at));
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return out;
}

}  // namespace

TEST(TuneView, RunsToCompletionWithTheLibrarysResultAndTheGuiThreadFree) {
  Bench b;
  b.view.setSpaceText(kSmallSpace, "small.yaml");
  ASSERT_TRUE(b.view.problems().isEmpty()) << b.view.problems().toStdString();
  // A 10 ms timer on the GUI thread: the longest gap between its ticks while the tune runs.
  QElapsedTimer clock;
  qint64 last = 0, worst = 0;
  QTimer timer;
  QObject::connect(&timer, &QTimer::timeout, [&]() {
    const qint64 now = clock.elapsed();
    worst = std::max(worst, now - last);
    last = now;
  });
  clock.start();
  timer.start(10);
  QSignalSpy runningChanged(&b.view, &TuneView::runningChanged);
  ASSERT_TRUE(b.runToEnd());
  timer.stop();
  EXPECT_LT(worst, 1000) << "the GUI thread stalled for " << worst << " ms";
  EXPECT_EQ(runningChanged.count(), 2);
  EXPECT_FALSE(b.view.running());
  const auto* out = b.view.outcome();
  ASSERT_NE(out, nullptr);
  ASSERT_TRUE(out->error.empty()) << out->error;
  EXPECT_FALSE(out->result.partial);
  ASSERT_EQ(out->result.candidates.size(), 4u);

  // The library's own result for the same space, spec, scenarios and seed (one thread: the
  // thread count never changes it).
  const auto want = direct(b.wb, *out->space, 3);
  ASSERT_EQ(want.candidates.size(), 4u);
  EXPECT_EQ(out->result.runs, want.runs);
  EXPECT_EQ(out->result.recommended, want.recommended);
  std::multiset<std::pair<double, double>> wantFeasible, wantInfeasible, wantOther;
  int measured = 0;
  for (std::size_t i = 0; i < want.candidates.size(); ++i) {
    const auto& c = want.candidates[i];
    EXPECT_EQ(out->result.candidates[i].status, c.status) << "candidate " << i;
    if (!c.oc.meanTimeToPromotion.known() || !c.oc.meanExcessErrors.known()) continue;
    ++measured;
    const std::pair<double, double> p{c.oc.meanTimeToPromotion.value / 60,
                                      c.oc.meanExcessErrors.value};
    // Feasible: every constraint met on its 95% bound (whether or not the search went on
    // racing it); infeasible: dropped as such.
    const bool met = std::all_of(c.verdicts.begin(), c.verdicts.end(),
                                 [](tune::Verdict v) { return v == tune::Verdict::kMet; });
    (c.status == tune::Status::kInfeasible ? wantInfeasible
     : met                                 ? wantFeasible
                                           : wantOther)
        .insert(p);
  }
  auto pointsOf = [&](std::initializer_list<TunePointClass> classes) {
    std::multiset<std::pair<double, double>> got;
    for (auto k : classes) {
      for (const auto& p : b.view.series(k)->points()) got.insert({p.x(), p.y()});
    }
    return got;
  };
  int plotted = 0;
  for (int k = 0; k < rolloutlab::gui::kTunePointClasses; ++k)
    plotted += static_cast<int>(b.view.series(static_cast<TunePointClass>(k))->count());
  EXPECT_EQ(plotted, measured);
  EXPECT_EQ(pointsOf({TunePointClass::kFeasibleLow, TunePointClass::kFeasibleMid,
                      TunePointClass::kFeasibleHigh}),
            wantFeasible);
  EXPECT_EQ(pointsOf({TunePointClass::kInfeasible}), wantInfeasible);
  EXPECT_EQ(pointsOf({TunePointClass::kUndecided}), wantOther);
  // This space has both kinds, and feasible candidates the race dropped as beaten (they are
  // coloured too), so the colouring is tested every way.
  EXPECT_FALSE(wantFeasible.empty());
  EXPECT_FALSE(wantInfeasible.empty());
  int beatenFeasible = 0;
  for (const auto& c : want.candidates) {
    beatenFeasible += c.status == tune::Status::kDominated &&
                      rolloutlab::gui::tunePointClass(c) != TunePointClass::kUndecided &&
                      rolloutlab::gui::tunePointClass(c) != TunePointClass::kInfeasible;
  }
  EXPECT_GT(beatenFeasible, 0);
  // Infeasible points are grey; feasible ones are not.
  const QColor grey = b.view.series(TunePointClass::kInfeasible)->color();
  EXPECT_TRUE(grey.red() == grey.green() && grey.green() == grey.blue());
  for (auto k : {TunePointClass::kFeasibleLow, TunePointClass::kFeasibleMid,
                 TunePointClass::kFeasibleHigh}) {
    const QColor c = b.view.series(k)->color();
    EXPECT_FALSE(c.red() == c.green() && c.green() == c.blue());
  }
  // The recommendation is marked, and every point has a tooltip naming its fields.
  if (want.recommended >= 0) {
    ASSERT_EQ(b.view.recommendedSeries()->count(), 1);
  }
  for (int k = 0; k < rolloutlab::gui::kTunePointClasses; ++k) {
    auto* s = b.view.series(static_cast<TunePointClass>(k));
    const QStringList tips = b.view.chart()->tooltips(s);
    ASSERT_EQ(tips.size(), s->count());
    for (const auto& t : tips) {
      EXPECT_TRUE(t.contains("threshold = ")) << t.toStdString();
      EXPECT_TRUE(t.contains("False rollbacks: ")) << t.toStdString();
    }
  }
  // The table: one row per candidate, and it copies as TSV with the field columns.
  EXPECT_EQ(b.view.table()->rows(), 4);
  const QString tsv = b.view.table()->tsv(true);
  EXPECT_TRUE(tsv.startsWith("#\tStatus\tFront\tOrigin\tthreshold\tstepWeight\t"))
      << tsv.toStdString();
  EXPECT_EQ(tsv.count('\n'), 5);
}

TEST(TuneView, CancelEndsWithAPartialResult) {
  Bench b;
  // The podinfo example: 200 candidates, far more than a moment's work.
  ASSERT_TRUE(b.view.loadSpaceFile(examplesDir() + "/tuning/podinfo-space.yaml"));
  ASSERT_TRUE(b.view.problems().isEmpty()) << b.view.problems().toStdString();
  b.wb.setScenarioLibrary(
      {libraryFile("error-regression-5pt.yaml"), libraryFile("good-high-traffic.yaml")});
  QSignalSpy finished(&b.view, &TuneView::tuneFinished);
  ASSERT_TRUE(b.view.start());
  EXPECT_TRUE(b.view.running());
  EXPECT_FALSE(b.view.start());  // one at a time
  QTest::qWait(300);
  b.view.cancel();
  ASSERT_TRUE(waitFor([&]() { return finished.count() > 0; }, 60000));
  const auto* out = b.view.outcome();
  ASSERT_NE(out, nullptr);
  ASSERT_TRUE(out->error.empty()) << out->error;
  EXPECT_TRUE(out->result.partial);
  EXPECT_TRUE(b.view.statusText().startsWith("PARTIAL")) << b.view.statusText().toStdString();
  EXPECT_FALSE(b.view.running());
}

TEST(TuneView, ClickingAPointLoadsTheCandidateAndUndoRestores) {
  Bench b;
  b.view.setSpaceText(kSmallSpace, "small.yaml");
  ASSERT_TRUE(b.runToEnd());
  const auto* out = b.view.outcome();
  ASSERT_NE(out, nullptr);
  ASSERT_TRUE(out->error.empty()) << out->error;
  const std::string original = b.wb.currentSpec()->text();
  const auto& cands = out->result.candidates;

  // A plotted candidate with threshold 10 and stepWeight 50 (both differ from the file's 5, 10).
  QScatterSeries* series = nullptr;
  int point = -1, cand = -1;
  for (int k = 0; k < rolloutlab::gui::kTunePointClasses && series == nullptr; ++k) {
    const auto& idx = b.view.candidatesOf(static_cast<TunePointClass>(k));
    for (std::size_t j = 0; j < idx.size(); ++j) {
      const auto& v = cands[static_cast<std::size_t>(idx[j])].candidate.values;
      if (v[0].text == "10" && v[1].text == "50") {
        series = b.view.series(static_cast<TunePointClass>(k));
        point = static_cast<int>(j);
        cand = idx[j];
      }
    }
  }
  ASSERT_NE(series, nullptr) << "candidate threshold=10, stepWeight=50 has no point";
  QSignalSpy loaded(&b.view, &TuneView::candidateLoaded);
  QSignalSpy timeline(&b.wb, &Workbench::timelineChanged);
  emit series->clicked(series->at(point));
  ASSERT_EQ(loaded.count(), 1);
  EXPECT_EQ(loaded.at(0).at(0).toInt(), cand);
  EXPECT_GE(timeline.count(), 1);  // the timeline runs the candidate
  // The form shows the tuned values.
  ASSERT_NE(b.panel.field("analysis.threshold"), nullptr);
  EXPECT_EQ(b.panel.field("analysis.threshold")->text(), "10");
  EXPECT_EQ(b.panel.field("analysis.stepWeight")->text(), "50");
  // The text differs from the file's only in the two tuned lines.
  const auto was = lines(original);
  const auto now = lines(b.wb.currentSpec()->text());
  ASSERT_EQ(was.size(), now.size());
  std::vector<std::string> changed;
  for (std::size_t i = 0; i < was.size(); ++i) {
    if (was[i] != now[i]) changed.push_back(now[i]);
  }
  EXPECT_EQ(changed, (std::vector<std::string>{"    threshold: 10", "    stepWeight: 50"}));

  // Another candidate replaces the one loaded (one undo step in all).
  const int depth = b.wb.undoStack()->index();
  ASSERT_TRUE(b.view.loadCandidate(cand == 0 ? 1 : 0));
  EXPECT_EQ(b.wb.undoStack()->index(), depth);
  b.wb.undo();
  EXPECT_EQ(b.wb.currentSpec()->text(), original);
  EXPECT_EQ(b.panel.field("analysis.threshold")->text(), "5");

  // Keep: the candidate is the edited spec, and a later click is an edit of its own.
  ASSERT_TRUE(b.view.loadCandidate(cand));
  const std::string kept = b.wb.currentSpec()->text();
  QSignalSpy keptSpy(&b.view, &TuneView::kept);
  b.view.keep();
  EXPECT_EQ(keptSpy.count(), 1);
  EXPECT_TRUE(b.wb.unsaved());
  ASSERT_TRUE(b.view.loadCandidate(cand == 0 ? 1 : 0));
  b.wb.undo();
  EXPECT_EQ(b.wb.currentSpec()->text(), kept);
  b.wb.undo();
  EXPECT_EQ(b.wb.currentSpec()->text(), original);
}

TEST(TuneView, ABrokenSpaceShowsItsErrorAndDoesNotRun) {
  Bench b;
  std::string text = kSmallSpace;
  // Line 9: a threshold of 0, out of the field's range (1-1000).
  text.replace(text.find("values: [1, 10]"), 15, "values: [0, 10]");
  b.view.setSpaceText(QString::fromStdString(text), "broken.yaml");
  const QString problems = b.view.problems();
  ASSERT_FALSE(problems.isEmpty());
  EXPECT_TRUE(problems.startsWith("broken.yaml:9:")) << problems.toStdString();
  // The line is marked in the editor.
  bool marked = false;
  for (const auto& s : b.view.editor()->extraSelections())
    marked = marked || s.cursor.blockNumber() == 8;
  EXPECT_TRUE(marked);
  QSignalSpy runningChanged(&b.view, &TuneView::runningChanged);
  EXPECT_FALSE(b.view.start());
  EXPECT_FALSE(b.view.running());
  EXPECT_EQ(runningChanged.count(), 0);
  EXPECT_TRUE(b.view.statusText().contains("broken.yaml:9:")) << b.view.statusText().toStdString();
  EXPECT_EQ(b.view.outcome(), nullptr);

  // A target the workspace's spec is not: the tune reports it and nothing runs.
  text = kSmallSpace;
  text.replace(text.find("Canary/test/podinfo"), 19, "Canary/test/nowhere");
  b.view.setSpaceText(QString::fromStdString(text), "elsewhere.yaml");
  ASSERT_TRUE(b.runToEnd());
  ASSERT_NE(b.view.outcome(), nullptr);
  EXPECT_TRUE(b.view.outcome()->error.rfind("elsewhere.yaml:1: spec.target", 0) == 0)
      << b.view.outcome()->error;
  EXPECT_EQ(b.view.outcome()->result.runs, 0);
}

TEST(TuneView, TheTemplateForTheCurrentSpecIsAValidSpace) {
  Bench b;
  b.view.useTemplate();
  ASSERT_TRUE(b.view.problems().isEmpty()) << b.view.problems().toStdString();
  const QString t = b.view.spaceText();
  EXPECT_TRUE(t.contains("target: Canary/test/podinfo"));
  EXPECT_TRUE(t.contains("- field: threshold\n      values: [2, 5, 10]"));
  EXPECT_TRUE(t.contains("- field: stepWeight\n      values: [5, 10, 20]"));
  EXPECT_TRUE(
      t.contains("- field: metrics[request-success-rate].thresholdRange.min\n"
                 "      values: [98, 98.5, 99, 99.5]"));
  EXPECT_TRUE(
      t.contains("- field: metrics[request-duration].thresholdRange.max\n"
                 "      values: [250, 375, 500, 750]"));
}
