// What the charts and tables show as a user reads them: a check decided without a value sits
// hollow on the edge of its passing band, the weight axis has round ticks on a fixed percent
// scale, legends keep their names whole, Compare stacks A and B when two side by side would
// be unreadable, and the operating-characteristics table sorts by value and copies as TSV.

#include <QApplication>
#include <QChart>
#include <QClipboard>
#include <QHeaderView>
#include <QLabel>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

#include "batch_view.h"
#include "compare_view.h"
#include "gui_fixture.h"
#include "main_window.h"
#include "oc_table.h"
#include "spec_panel.h"
#include "timeline_view.h"
#include "workbench.h"
#include "workbench_models.h"

using rolloutlab::gui::BatchView;
using rolloutlab::gui::CellTableView;
using rolloutlab::gui::MainWindow;
using rolloutlab::gui::Timeline;
using rolloutlab::gui::TimelineMarker;
using rolloutlab::gui::TimelineMetric;
using rolloutlab::gui::TimelineView;
using rolloutlab::gui::Workbench;
using namespace rolloutlab::test;
using Kind = TimelineMarker::Kind;

namespace {

/// A Rollout-like run by hand: one metric held against `result[0] >= 0.99` behind a guard for
/// an empty result; measurements with and without a value.
Timeline handMade(bool band) {
  Timeline tl;
  tl.title = "Rollout shop/storefront x hand-made";
  tl.duration = 400;
  tl.canaryWeight = {{0, 0}, {30, 20}, {300, 50}};
  tl.regression = {{100, 400}};
  tl.outcome = "promoted";
  TimelineMetric m;
  m.name = "success-rate";
  m.condition = "successCondition: len(result) == 0 || result[0] >= 0.99";
  if (band) m.min = 0.99;
  m.canary = {{60, 0.995}, {120, 0.97}};
  m.checks = {{Kind::kPass, 0, NAN, "success-rate at 0s: [] -> Successful"},
              {Kind::kPass, 60, 0.995, "success-rate at 1m: [0.995] -> Successful"},
              {Kind::kFail, 120, 0.97, "success-rate at 2m: [0.97] -> Failed"},
              {Kind::kFail, 180, NAN, "success-rate at 3m: [] -> Failed"},
              {Kind::kInconclusive, 240, NAN, "success-rate at 4m: [] -> Inconclusive"}};
  tl.metrics.push_back(m);
  return tl;
}

QValueAxis* yAxis(QChart* c) { return qobject_cast<QValueAxis*>(c->axes(Qt::Vertical).front()); }

/// The values a dynamic-tick axis labels: from its anchor, one interval apart, within range.
std::vector<double> ticks(const QValueAxis* a) {
  std::vector<double> out;
  EXPECT_EQ(a->tickType(), QValueAxis::TicksDynamic);
  if (a->tickInterval() <= 0) return out;
  double v = a->tickAnchor() +
             std::ceil((a->min() - a->tickAnchor()) / a->tickInterval()) * a->tickInterval();
  for (; v <= a->max() + 1e-9; v += a->tickInterval()) out.push_back(v);
  return out;
}

}  // namespace

TEST(Charts, AnEmptyResultIsAHollowMarkerOnTheBandsEdge) {
  TimelineView v;
  v.resize(900, 600);
  v.setTimeline(handMade(true));
  v.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&v));
  // The measurement with a value is where its value is.
  QScatterSeries* pass = v.markerSeries("success-rate", Kind::kPass);
  ASSERT_NE(pass, nullptr);
  ASSERT_EQ(pass->points().size(), 1);
  EXPECT_EQ(pass->points()[0], QPointF(1.0, 0.995));
  // The one of an empty result passed by the guard: hollow, at t = 0 on the band's lower edge.
  QScatterSeries* empty = v.markerSeries("success-rate", Kind::kPass, true);
  ASSERT_NE(empty, nullptr);
  ASSERT_EQ(empty->points().size(), 1);
  EXPECT_EQ(empty->points()[0], QPointF(0.0, 0.99));
  EXPECT_EQ(empty->brush().style(), Qt::NoBrush);
  EXPECT_NE(pass->brush().style(), Qt::NoBrush);
  const QStringList tips = v.markerTexts("success-rate", Kind::kPass, true);
  ASSERT_EQ(tips.size(), 1);
  EXPECT_TRUE(tips[0].startsWith("no data: passed by the condition\nsuccess-rate at 0s: []"))
      << tips[0].toStdString();
  // Failed and inconclusive without a value: hollow on the edge too, and say so.
  QScatterSeries* emptyFail = v.markerSeries("success-rate", Kind::kFail, true);
  ASSERT_EQ(emptyFail->points().size(), 1);
  EXPECT_EQ(emptyFail->points()[0], QPointF(3.0, 0.99));
  EXPECT_TRUE(v.markerTexts("success-rate", Kind::kFail, true)[0].startsWith(
      "no data: failed by the condition"));
  EXPECT_EQ(v.markerSeries("success-rate", Kind::kFail)->points().size(), 1);
  EXPECT_EQ(v.markerSeries("success-rate", Kind::kInconclusive, true)->points()[0],
            QPointF(4.0, 0.99));
  EXPECT_TRUE(v.markerSeries("success-rate", Kind::kInconclusive)->points().isEmpty());
  EXPECT_TRUE(v.legendText("success-rate").contains("pass, no data"))
      << v.legendText("success-rate").toStdString();

  // Without a band (a condition that is not one comparison): at the foot of the chart, below
  // every value.
  v.setTimeline(handMade(false));
  const QPointF p = v.markerSeries("success-rate", Kind::kPass, true)->points().at(0);
  const QValueAxis* y = yAxis(v.charts().at(1));
  EXPECT_GE(p.y(), y->min());
  EXPECT_LT(p.y(), 0.97);
}

TEST(Charts, TheWeightAxisHasRoundTicksOnAFixedPercentScale) {
  TimelineView v;
  v.resize(900, 600);
  v.setTimeline(handMade(true));
  const QValueAxis* y = yAxis(v.charts().at(0));
  EXPECT_EQ(y->min(), 0.0);
  EXPECT_EQ(ticks(y), (std::vector<double>{0, 25, 50, 75, 100}));
  EXPECT_LT(y->max(), 125.0);  // the headroom for the markers has no tick of its own
  // The same whatever the peak weight.
  Timeline low = handMade(true);
  low.canaryWeight = {{0, 0}, {30, 5}};
  v.setTimeline(low);
  EXPECT_EQ(ticks(yAxis(v.charts().at(0))), (std::vector<double>{0, 25, 50, 75, 100}));
}

TEST(Charts, LegendsKeepTheirNamesWhole) {
  TimelineView v;
  v.resize(420, 600);  // narrow, as half of Compare
  v.setTimeline(handMade(true));
  v.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&v));
  const QString legend = v.legendText("weight");
  for (const char* name : {"regression acts", "canary weight"})
    EXPECT_TRUE(legend.contains(name)) << legend.toStdString();
  EXPECT_FALSE(legend.contains("...")) << legend.toStdString();
  // The metric lane's names do not fit one narrow line: the legend wraps rather than cuts.
  QLabel* l = v.legendLabel("success-rate");
  ASSERT_NE(l, nullptr);
  EXPECT_TRUE(l->wordWrap());
  EXPECT_GT(l->heightForWidth(200), l->heightForWidth(2000));
  for (const char* name :
       {"passing range", "canary", "pass, no data", "fail, no data", "inconclusive, no data"})
    EXPECT_TRUE(v.legendText("success-rate").contains(name)) << name;
}

TEST(Charts, CompareStacksTheTimelinesWhenTheyWouldBeSqueezed) {
  clearSettings();
  MainWindow w;
  w.workbench().setScenarioLibrary({libraryFile("error-regression-1pt.yaml")});
  w.resize(1600, 1000);
  w.openPaths({examplesDir()});
  ASSERT_TRUE(w.workbench().waitForLoad());
  ASSERT_TRUE(w.workbench().selectSpec("test/podinfo"));
  w.workbench().setField("analysis.stepWeight", "20");
  w.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&w));
  w.tabs()->setCurrentWidget(w.compareView());
  QTest::qWait(50);
  auto* c = w.compareView();
  // The middle of a 1600-pixel window is too narrow for two timelines side by side.
  ASSERT_LT(c->width(), 1040);
  EXPECT_EQ(c->chartsOrientation(), Qt::Vertical);
  EXPECT_GE(c->timelineA()->width(), c->width() - 40);
  EXPECT_GE(c->timelineB()->width(), c->width() - 40);
  // Each chart keeps a readable height; the weight axis of both has the round ticks.
  for (TimelineView* t : {c->timelineA(), c->timelineB()}) {
    ASSERT_FALSE(t->charts().isEmpty());
    EXPECT_EQ(ticks(yAxis(t->charts().at(0))), (std::vector<double>{0, 25, 50, 75, 100}));
  }
  // Wide enough: side by side.
  w.resize(2600, 1000);
  w.specPanel()->parentWidget()->hide();
  ASSERT_TRUE(waitFor([&]() { return c->width() >= 1040; }, 5000)) << c->width();
  EXPECT_TRUE(waitFor([&]() { return c->chartsOrientation() == Qt::Horizontal; }, 5000));
}

namespace {

struct Batch {
  Workbench wb;
  BatchView view{wb};
  Batch() {
    wb.setScenarioLibrary({libraryFile("good-high-traffic.yaml"),
                           libraryFile("error-regression-2pt.yaml"),
                           libraryFile("error-regression-0.5pt.yaml")});
    wb.open({examplesDir()});
    EXPECT_TRUE(wb.waitForLoad());
    EXPECT_TRUE(wb.selectSpec("test/podinfo"));
    wb.setSeed(5);
    view.resize(1100, 700);
    view.setRuns(40);
    view.show();
    QSignalSpy finished(&view, &BatchView::batchFinished);
    view.start();
    EXPECT_TRUE(waitFor([&]() { return finished.count() > 0; }, 120000));
  }
};

QString secs(double s) {
  return std::isnan(s) ? "-" : QString::fromStdString(rolloutlab::gui::formatDuration(s));
}
QString num(double v) {
  return std::isnan(v) ? "-" : QString::fromStdString(rolloutlab::gui::formatNumber(v, 4));
}

/// A row of the batch table as TSV, from the library's numbers.
QString tsvLine(const rolloutlab::gui::OcRow& r) {
  return QStringList{QString::fromStdString(r.scenario),
                     r.badRelease ? "bad" : "good",
                     QString::number(r.runs),
                     QString::fromStdString(r.promoted.text()),
                     QString::fromStdString(r.rolledBack.text()),
                     secs(r.decisionP50) + " / " + secs(r.decisionP90),
                     num(r.excessMean) + " / " + num(r.excessP99)}
             .join('\t') +
         "\n";
}

const char* kHeader =
    "Scenario\tRelease\tRuns\tPromoted [95% CI]\tRolled back [95% CI]\tDecision p50 / p90\t"
    "Excess errors mean / p99\n";

}  // namespace

TEST(OcTable, SortsByValueAndFollowsTheSortedRow) {
  Batch b;
  const auto* out = b.view.lastOutcome();
  ASSERT_NE(out, nullptr);
  ASSERT_TRUE(out->error.empty()) << out->error;
  auto rows = rolloutlab::gui::ocRows(out->results.at(0));
  ASSERT_EQ(rows.size(), 3u);
  CellTableView* t = b.view.table();
  // As reported until a header is clicked.
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(t->text(i, 0).toStdString(), rows[static_cast<std::size_t>(i)].scenario);
  // A click on "Promoted": ascending by P(promote), not by the text ("100%" < "2.5%" as text).
  const int x = t->horizontalHeader()->sectionViewportPosition(3) + 5;
  QTest::mouseClick(t->horizontalHeader()->viewport(), Qt::LeftButton, {}, QPoint(x, 5));
  EXPECT_EQ(t->horizontalHeader()->sortIndicatorSection(), 3);
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& c) {
    return a.promoted.value < c.promoted.value;
  });
  const Qt::SortOrder order = t->horizontalHeader()->sortIndicatorOrder();
  if (order == Qt::DescendingOrder) std::reverse(rows.begin(), rows.end());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t->text(i, 0).toStdString(), rows[static_cast<std::size_t>(i)].scenario) << i;
    EXPECT_EQ(t->text(i, 3).toStdString(), rows[static_cast<std::size_t>(i)].promoted.text());
  }
  // Selecting the first row shown draws that scenario's distributions.
  t->setCurrentIndex(t->model()->index(0, 0));
  EXPECT_TRUE(b.view.histogramTitle(0).contains(QString::fromStdString(rows[0].scenario)))
      << b.view.histogramTitle(0).toStdString();
  // Sorting by release groups good and bad.
  t->sortByColumn(1, Qt::AscendingOrder);
  EXPECT_EQ(t->text(0, 1), "bad");
  EXPECT_EQ(t->text(2, 1), "good");
}

TEST(OcTable, CopiesTheSelectedRowsAsTsv) {
  Batch b;
  const auto rows = rolloutlab::gui::ocRows(b.view.lastOutcome()->results.at(0));
  ASSERT_EQ(rows.size(), 3u);
  CellTableView* t = b.view.table();
  t->setFocus();
  t->clearSelection();
  t->selectionModel()->select(t->model()->index(0, 0),
                              QItemSelectionModel::Select | QItemSelectionModel::Rows);
  t->selectionModel()->select(t->model()->index(2, 0),
                              QItemSelectionModel::Select | QItemSelectionModel::Rows);
  QApplication::clipboard()->clear();
  QTest::keyClick(t, Qt::Key_C, Qt::ControlModifier);
  EXPECT_EQ(QApplication::clipboard()->text(),
            QString(kHeader) + tsvLine(rows[0]) + tsvLine(rows[2]));
  // Every row, in the order shown.
  t->sortByColumn(0, Qt::DescendingOrder);
  t->copy(true);
  std::vector<rolloutlab::gui::OcRow> byName(rows.begin(), rows.end());
  std::sort(byName.begin(), byName.end(),
            [](const auto& a, const auto& c) { return a.scenario > c.scenario; });
  EXPECT_EQ(QApplication::clipboard()->text(),
            QString(kHeader) + tsvLine(byName[0]) + tsvLine(byName[1]) + tsvLine(byName[2]));
}
