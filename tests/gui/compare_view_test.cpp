// Compare: variant A (as loaded or pinned) beside B (the current edit) on the same seeds; the
// table highlights what differs, and nothing when the two variants are the same spec.

#include "compare_view.h"

#include <QSignalSpy>

#include "gui_fixture.h"
#include "oc_table.h"
#include "timeline_view.h"
#include "workbench.h"

using rolloutlab::gui::CompareView;
using rolloutlab::gui::Workbench;
using namespace rolloutlab::test;

namespace {

struct Bench {
  Workbench wb;
  CompareView view{wb};
  Bench() {
    wb.setScenarioLibrary(
        {libraryFile("good-high-traffic.yaml"), libraryFile("error-regression-1pt.yaml")});
    wb.open({examplesDir()});
    EXPECT_TRUE(wb.waitForLoad());
    for (int i = 0; i < wb.specCount(); ++i) {
      if (wb.spec(i)->key() == "Canary/test/podinfo") wb.selectSpec(i);
    }
    wb.setSeed(4);
    view.resize(1200, 800);
    view.setRuns(40);
    view.show();
  }
  void runBoth() {
    QSignalSpy done(&view, &CompareView::batchFinished);
    view.startBatch();
    ASSERT_TRUE(waitFor([&]() { return done.count() > 0; }, 120000));
    ASSERT_NE(view.lastOutcome(), nullptr);
    ASSERT_TRUE(view.lastOutcome()->error.empty()) << view.lastOutcome()->error;
    ASSERT_EQ(view.table()->rows(), 2);
  }
};

}  // namespace

TEST(CompareView, SameSpecOnTheSameSeedsHighlightsNothing) {
  Bench b;
  EXPECT_TRUE(b.view.changes().isEmpty());
  b.runBoth();
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < b.view.table()->model()->columnCount(); ++c)
      EXPECT_EQ(b.view.highlight(r, c), 0) << r << "," << c;
    // Common random numbers: A's and B's numbers are identical.
    EXPECT_EQ(b.view.table()->text(r, 2), b.view.table()->text(r, 3));
    EXPECT_EQ(b.view.table()->text(r, 8), b.view.table()->text(r, 9));
  }
  EXPECT_EQ(b.view.timelineA()->timeline().outcome, b.view.timelineB()->timeline().outcome);
}

TEST(CompareView, AnEditIsComparedWithTheSpecAsLoaded) {
  Bench b;
  // One step to 50 % instead of five of 10 %: a good release is promoted after fewer ticks.
  b.wb.setField("analysis.stepWeight", "50");
  ASSERT_EQ(b.view.changes().size(), 1);
  EXPECT_EQ(b.view.changes()[0].toStdString(), "Analysis stepWeight: 10 \u2192 50");
  EXPECT_NE(b.view.timelineA()->timeline().outcome, b.view.timelineB()->timeline().outcome);
  EXPECT_EQ(b.view.timelineB()->timeline().outcome, b.wb.timeline().outcome);
  b.runBoth();
  // Row 0 is good-high-traffic: decision p50 differs (A promotes after 6+ ticks, B after fewer).
  EXPECT_EQ(b.view.table()->text(0, 0), "good-high-traffic");
  EXPECT_GE(b.view.highlight(0, 7), 1);
  EXPECT_NE(b.view.table()->text(0, 6), b.view.table()->text(0, 7));
  // Columns of A are never highlighted.
  for (int r = 0; r < 2; ++r) {
    for (int c : {2, 4, 6, 8}) EXPECT_EQ(b.view.highlight(r, c), 0);
  }
  // Pinning the edit as A: the two are the same again.
  b.wb.pinVariantA();
  EXPECT_TRUE(b.view.changes().isEmpty());
}
