// The batch view: a batch runs in the background to completion with the GUI thread free, its
// table holds the library's own numbers (the same batch run directly), and Cancel stops it
// with a partial result.

#include "batch_view.h"

#include <QChart>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTimer>

#include "gui_fixture.h"
#include "oc_table.h"
#include "workbench.h"
#include "workbench_models.h"

using rolloutlab::gui::BatchView;
using rolloutlab::gui::Workbench;
using namespace rolloutlab::test;

namespace {

struct Bench {
  Workbench wb;
  BatchView view{wb};
  Bench() {
    wb.setScenarioLibrary(
        {libraryFile("error-regression-2pt.yaml"), libraryFile("good-high-traffic.yaml")});
    wb.open({examplesDir()});
    EXPECT_TRUE(wb.waitForLoad());
    for (int i = 0; i < wb.specCount(); ++i) {
      if (wb.spec(i)->key() == "Canary/test/podinfo") wb.selectSpec(i);
    }
    wb.setSeed(9);
    view.resize(1000, 700);
    view.show();
  }
};

}  // namespace

TEST(BatchView, RunsToCompletionWithoutBlockingTheGuiThread) {
  Bench b;
  b.view.setRuns(60);
  b.view.setThreads(2);
  // A 10 ms timer on the GUI thread: the longest gap between its ticks while the batch runs.
  QElapsedTimer clock;
  qint64 last = 0, worst = 0;
  QTimer timer;
  QObject::connect(&timer, &QTimer::timeout, [&]() {
    const qint64 now = clock.elapsed();
    worst = std::max(worst, now - last);
    last = now;
  });
  QSignalSpy finished(&b.view, &BatchView::batchFinished);
  clock.start();
  timer.start(10);
  b.view.start();
  EXPECT_TRUE(b.view.running());
  ASSERT_TRUE(waitFor([&]() { return finished.count() > 0; }, 120000));
  timer.stop();
  EXPECT_LT(worst, 1000) << "the GUI thread stalled for " << worst << " ms";
  const auto* out = b.view.lastOutcome();
  ASSERT_NE(out, nullptr);
  ASSERT_TRUE(out->error.empty()) << out->error;
  EXPECT_FALSE(out->cancelled);
  ASSERT_EQ(out->results.size(), 1u);
  EXPECT_FALSE(out->results[0].partial);
  EXPECT_EQ(b.view.progressBar()->value(), b.view.progressBar()->maximum());

  // The same batch run directly through the library gives the same counts (seeds per run come
  // from the master seed and the run's identity, not from threads).
  rolloutlab::app::BatchOptions o;
  o.runs = 60;
  o.seed = 9;
  o.threads = 1;
  const auto direct = rolloutlab::app::runBatch(
      rolloutlab::app::batchSpecs(b.wb.currentSpec()->batchWorkspace(), "istio"), b.wb.scenarios(),
      {}, o);
  rolloutlab::gui::CellTableView* t = b.view.table();
  ASSERT_EQ(t->rows(), 2);
  const auto rows = rolloutlab::gui::ocRows(direct);
  for (int i = 0; i < 2; ++i) {
    const auto& p = out->results[0].pairs[static_cast<std::size_t>(i)].agg;
    const auto& d = direct.pairs[static_cast<std::size_t>(i)].agg;
    EXPECT_EQ(p.runs, 60);
    EXPECT_EQ(p.promoted, d.promoted);
    EXPECT_EQ(p.rolledBack, d.rolledBack);
    EXPECT_EQ(p.excessErrors.sumMicro(), d.excessErrors.sumMicro());
    EXPECT_EQ(t->text(i, 0).toStdString(), rows[static_cast<std::size_t>(i)].scenario);
    EXPECT_EQ(t->text(i, 3).toStdString(), rows[static_cast<std::size_t>(i)].promoted.text());
    EXPECT_EQ(t->text(i, 4).toStdString(), rows[static_cast<std::size_t>(i)].rolledBack.text());
  }
  // A 2-point error regression against a 99 % success-rate floor is always caught.
  EXPECT_EQ(t->text(0, 0), "error-regression-2pt");
  EXPECT_EQ(out->results[0].pairs[0].agg.rolledBack, 60);
  EXPECT_TRUE(t->text(0, 4).startsWith("100% ["));
  // The distributions of the selected scenario are drawn.
  b.view.showRow(0);
  EXPECT_TRUE(b.view.histogramTitle(0).contains("error-regression-2pt"));
  EXPECT_TRUE(b.view.histogramTitle(0).contains("60 of 60 runs decided"));
  EXPECT_TRUE(b.view.histogramTitle(1).startsWith("Excess errors"));
  EXPECT_TRUE(b.view.histogramTitle(1).contains("error-regression-2pt"));
}

TEST(BatchView, CanBeCancelled) {
  Bench b;
  b.view.setRuns(10000000);  // far more than finishes before Cancel
  QSignalSpy finished(&b.view, &BatchView::batchFinished);
  b.view.start();
  ASSERT_TRUE(
      waitFor([&]() { return b.view.progressBar()->format().startsWith("0 /") == false; }, 30000));
  QElapsedTimer clock;
  clock.start();
  b.view.cancel();
  ASSERT_TRUE(waitFor([&]() { return finished.count() > 0; }, 30000));
  EXPECT_LT(clock.elapsed(), 10000);
  const auto* out = b.view.lastOutcome();
  ASSERT_NE(out, nullptr);
  EXPECT_TRUE(out->cancelled);
  ASSERT_EQ(out->results.size(), 1u);
  EXPECT_TRUE(out->results[0].partial);
  std::int64_t runs = 0;
  for (const auto& p : out->results[0].pairs) runs += p.agg.runs;
  EXPECT_GT(runs, 0);
  EXPECT_LT(runs, 20000000);
  EXPECT_TRUE(b.view.statusText().startsWith("Cancelled")) << b.view.statusText().toStdString();
  EXPECT_FALSE(b.view.running());
  // It runs again after a cancel.
  b.view.setRuns(20);
  b.view.start();
  ASSERT_TRUE(waitFor([&]() { return finished.count() > 1; }, 60000));
  EXPECT_FALSE(b.view.lastOutcome()->cancelled);
}

TEST(BatchView, ClosingWhileRunningCancelsCleanly) {
  auto b = std::make_unique<Bench>();
  b->view.setRuns(10000000);
  b->view.start();
  QTest::qWait(50);
  QElapsedTimer clock;
  clock.start();
  b.reset();  // the runner cancels and joins its thread
  EXPECT_LT(clock.elapsed(), 10000);
}
