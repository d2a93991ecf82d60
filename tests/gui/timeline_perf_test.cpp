// The edit-to-redrawn-timeline round trip on the bundled example: a value committed in the form
// (patch the YAML, decode it, run the spec in the scenario, update every chart) until every
// chart has repainted. docs/PERFORMANCE.md quotes this test's figures.

#include <QGuiApplication>
#include <QSignalSpy>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "gui_fixture.h"
#include "main_window.h"
#include "spec_panel.h"
#include "timeline_view.h"
#include "workbench.h"

using rolloutlab::gui::MainWindow;
using namespace rolloutlab::test;

TEST(TimelinePerformance, EditToRedrawnTimeline) {
  clearSettings();
  MainWindow w;
  w.resize(1600, 1000);
  w.openPaths({examplesDir()});
  EXPECT_TRUE(w.workbench().waitForLoad());
  for (int i = 0; i < w.workbench().specCount(); ++i) {
    if (w.workbench().spec(i)->key() == "Canary/test/podinfo") w.workbench().selectSpec(i);
  }
  ASSERT_TRUE(w.workbench().selectScenario("error-regression-1pt"));
  w.workbench().setSeed(1);
  w.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&w));
  QTest::qWait(50);
  auto* field = w.specPanel()->field("analysis.threshold");
  ASSERT_NE(field, nullptr);
  rolloutlab::gui::TimelineView* tv = w.timelineView();
  std::vector<double> ms, simulate, update;
  for (int i = 0; i < 30; ++i) {
    QSignalSpy repainted(tv, &rolloutlab::gui::TimelineView::repainted);
    QElapsedTimer clock;
    clock.start();
    field->setText(QString::number(2 + i % 4));
    emit field->editingFinished();  // what Enter does: patch, decode, run, update the charts
    update.push_back(static_cast<double>(clock.nsecsElapsed()) / 1e6);
    ASSERT_TRUE(waitFor([&]() { return repainted.count() > 0; }, 10000))
        << "no repaint after edit " << i;
    ms.push_back(static_cast<double>(clock.nsecsElapsed()) / 1e6);
    simulate.push_back(w.workbench().timeline().simulateMs);
  }
  std::sort(ms.begin(), ms.end());
  std::sort(simulate.begin(), simulate.end());
  std::sort(update.begin(), update.end());
  const double median = ms[ms.size() / 2], p90 = ms[ms.size() * 9 / 10], worst = ms.back();
  std::printf(
      "edit -> redrawn timeline over %zu edits on %s: median %.1f ms, p90 %.1f ms, max %.1f ms; "
      "until the charts hold the new run (patch, decode, run, chart update): median %.1f ms, "
      "of which the run %.2f ms\n",
      ms.size(), qPrintable(QGuiApplication::platformName()), median, p90, worst,
      update[update.size() / 2], simulate[simulate.size() / 2]);
  RecordProperty("median_ms", std::to_string(median));
  RecordProperty("p90_ms", std::to_string(p90));
  // A sanity bound, not a benchmark: the figure above is what docs/PERFORMANCE.md quotes, and
  // the suite shares the machine with other tests (a loaded 2-core machine measured 137 ms).
  EXPECT_LT(median, 1000.0);
}
