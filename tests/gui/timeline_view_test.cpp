// The timeline view: charts follow edits made in the form, markers show their rule on hover,
// zoom and pan move every chart together, and the charts export as PNG and SVG.

#include "timeline_view.h"

#include <QAbstractAxis>
#include <QAreaSeries>
#include <QChart>
#include <QFile>
#include <QImage>
#include <QLineSeries>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolTip>
#include <QValueAxis>
#include <QWheelEvent>

#include "chart_view.h"
#include "gui_fixture.h"
#include "main_window.h"
#include "spec_panel.h"
#include "workbench.h"

using rolloutlab::gui::MainWindow;
using rolloutlab::gui::TimelineMarker;
using rolloutlab::gui::TimelineView;
using namespace rolloutlab::test;

namespace {

/// A shown main window on the example repo, the podinfo Canary, one bad scenario, seed 2.
std::unique_ptr<MainWindow> podinfoWindow(const char* scenario = "error-regression-5pt.yaml") {
  clearSettings();
  auto w = std::make_unique<MainWindow>();
  w->workbench().setScenarioLibrary({libraryFile(scenario)});
  w->resize(1400, 900);
  w->openPaths({examplesDir()});
  EXPECT_TRUE(w->workbench().waitForLoad());
  for (int i = 0; i < w->workbench().specCount(); ++i) {
    if (w->workbench().spec(i)->key() == "Canary/test/podinfo") w->workbench().selectSpec(i);
  }
  w->workbench().setSeed(2);
  w->show();
  EXPECT_TRUE(QTest::qWaitForWindowExposed(w.get()));
  return w;
}

QList<QPointF> weightPoints(TimelineView* v) {
  for (QAbstractSeries* s : v->charts().front()->series()) {
    if (s->name() == "canary weight") {
      if (auto* a = qobject_cast<QAreaSeries*>(s)) return a->upperSeries()->points();
    }
  }
  return {};
}

QValueAxis* timeAxis(QChart* c) {
  return qobject_cast<QValueAxis*>(c->axes(Qt::Horizontal).front());
}

}  // namespace

TEST(TimelineView, UpdatesWhenAFieldIsEditedInTheForm) {
  auto w = podinfoWindow();
  TimelineView* tv = w->timelineView();
  ASSERT_EQ(tv->charts().size(), 3);  // weight + request-success-rate + request-duration
  EXPECT_TRUE(tv->outcomeText().startsWith("rolled back")) << tv->outcomeText().toStdString();
  const QList<QPointF> before = weightPoints(tv);
  const int failsBefore =
      static_cast<int>(tv->markerTexts("request-success-rate", TimelineMarker::Kind::kFail).size());
  EXPECT_EQ(failsBefore, 5);

  // Type into the threshold field and press Enter, as a user would.
  auto* field = w->specPanel()->field("analysis.threshold");
  ASSERT_NE(field, nullptr);
  QSignalSpy repainted(tv, &TimelineView::repainted);
  field->setFocus();
  field->selectAll();
  QTest::keyClicks(field, "2");
  QTest::keyClick(field, Qt::Key_Return);
  EXPECT_TRUE(repainted.wait(5000));
  EXPECT_NE(w->workbench().currentSpec()->text().find("    threshold: 2\n"), std::string::npos);
  EXPECT_TRUE(w->specPanel()->yamlText().contains("    threshold: 2\n"));
  EXPECT_EQ(tv->markerTexts("request-success-rate", TimelineMarker::Kind::kFail).size(), 2);
  EXPECT_NE(weightPoints(tv), before);
  EXPECT_TRUE(w->statusText().contains("rolled back")) << w->statusText().toStdString();
}

TEST(TimelineView, MarkersShowTheirRuleOnHover) {
  auto w = podinfoWindow();
  TimelineView* tv = w->timelineView();
  QChart* sr = tv->charts().at(1);
  QScatterSeries* fails = nullptr;
  for (QAbstractSeries* s : sr->series()) {
    if (s->name() == "fail") fails = qobject_cast<QScatterSeries*>(s);
  }
  ASSERT_NE(fails, nullptr);
  ASSERT_FALSE(fails->points().isEmpty());
  const QStringList tips = tv->markerTexts("request-success-rate", TimelineMarker::Kind::kFail);
  emit fails->hovered(fails->points().at(1), true);
  EXPECT_TRUE(QToolTip::isVisible());
  EXPECT_EQ(QToolTip::text(), tips.at(1));
  EXPECT_TRUE(QToolTip::text().contains("held against min 99: fail"));
  const QStringList rollbacks = tv->markerTexts("weight", TimelineMarker::Kind::kRollback);
  ASSERT_EQ(rollbacks.size(), 1);
  EXPECT_TRUE(rollbacks[0].contains("rule: ")) << rollbacks[0].toStdString();
  const QStringList ticks = tv->markerTexts("weight", TimelineMarker::Kind::kTick);
  EXPECT_TRUE(ticks.at(0).startsWith("tick 1 at 0s")) << ticks.at(0).toStdString();
}

TEST(TimelineView, ZoomAndPanMoveEveryChart) {
  auto w = podinfoWindow();
  TimelineView* tv = w->timelineView();
  const auto full = tv->timeRange();
  EXPECT_EQ(full.first, 0.0);
  tv->setTimeRange(1, 3);
  for (QChart* c : tv->charts()) {
    EXPECT_EQ(timeAxis(c)->min(), 1.0);
    EXPECT_EQ(timeAxis(c)->max(), 3.0);
  }
  // The wheel over a chart zooms in around the cursor; the others follow.
  tv->fit();
  auto* view = qobject_cast<QChartView*>(tv->charts().at(1)->scene()->views().front());
  ASSERT_NE(view, nullptr);
  const QPoint centre = view->rect().center();
  QWheelEvent wheel(centre, view->mapToGlobal(centre), QPoint(), QPoint(0, 240), Qt::NoButton,
                    Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(view->viewport(), &wheel);
  const auto zoomed = tv->timeRange();
  EXPECT_LT(zoomed.second - zoomed.first, (full.second - full.first) * 0.7);
  for (QChart* c : tv->charts()) {
    EXPECT_EQ(timeAxis(c)->min(), zoomed.first);
    EXPECT_EQ(timeAxis(c)->max(), zoomed.second);
  }
  // Right-drag pans; a double click fits the whole run again.
  QTest::mousePress(view->viewport(), Qt::RightButton, Qt::NoModifier, centre);
  QMouseEvent move(QEvent::MouseMove, QPointF(centre + QPoint(60, 0)),
                   view->viewport()->mapToGlobal(centre + QPoint(60, 0)), Qt::NoButton,
                   Qt::RightButton, Qt::NoModifier);
  QApplication::sendEvent(view->viewport(), &move);
  QTest::mouseRelease(view->viewport(), Qt::RightButton, Qt::NoModifier, centre + QPoint(60, 0));
  const auto panned = tv->timeRange();
  EXPECT_LT(panned.first, zoomed.first);
  EXPECT_NEAR(panned.second - panned.first, zoomed.second - zoomed.first, 1e-9);
  QTest::mouseDClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, centre);
  EXPECT_EQ(tv->timeRange(), full);
}

TEST(TimelineView, ExportsPngAndSvg) {
  auto w = podinfoWindow();
  QTemporaryDir dir;
  const QString png = dir.filePath("timeline.png"), svg = dir.filePath("timeline.svg");
  QString error;
  ASSERT_TRUE(w->timelineView()->exportPng(png, &error)) << error.toStdString();
  ASSERT_TRUE(w->timelineView()->exportSvg(svg, &error)) << error.toStdString();
  const QImage img(png);
  ASSERT_FALSE(img.isNull());
  EXPECT_GT(img.width(), 300);
  EXPECT_GT(img.height(), 300);
  // The canary's blue is drawn somewhere.
  int blue = 0;
  for (int y = 0; y < img.height(); y += 2) {
    for (int x = 0; x < img.width(); x += 2) {
      const QColor c = img.pixelColor(x, y);
      if (std::abs(c.red() - 31) < 12 && std::abs(c.green() - 119) < 12 &&
          std::abs(c.blue() - 180) < 12)
        ++blue;
    }
  }
  EXPECT_GT(blue, 50);
  QFile f(svg);
  ASSERT_TRUE(f.open(QIODevice::ReadOnly));
  const QByteArray text = f.readAll();
  EXPECT_TRUE(text.contains("<svg"));
  EXPECT_TRUE(text.contains("</svg>"));
  EXPECT_TRUE(text.contains("<path") || text.contains("<polyline"));
  EXPECT_FALSE(w->timelineView()->exportPng(dir.filePath("missing/x.png"), &error));
}

TEST(TimelineView, ShowsARolloutsStepsAnalysesAndMeasurements) {
  clearSettings();
  MainWindow w;
  w.workbench().setScenarioLibrary({libraryFile("error-regression-5pt.yaml")});
  w.resize(1400, 900);
  w.openPaths({examplesDir()});
  EXPECT_TRUE(w.workbench().waitForLoad());
  ASSERT_TRUE(w.workbench().selectSpec("shop/storefront"));
  w.workbench().setSeed(3);
  w.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&w));
  TimelineView* tv = w.timelineView();
  // The 5-point regression: aborted by the step analysis, before the background one starts.
  ASSERT_EQ(tv->charts().size(), 2);  // weight + success-rate
  EXPECT_TRUE(tv->outcomeText().startsWith("aborted at 2m30s")) << tv->outcomeText().toStdString();
  QChart* sr = tv->charts().at(1);
  EXPECT_TRUE(sr->title().contains("successCondition: len(result) == 0 || result[0] >= 0.99"))
      << sr->title().toStdString();
  // The band is read off `result[0] >= 0.99`: from 0.99 up.
  for (QAbstractSeries* s : sr->series()) {
    if (s->name() != "passing range") continue;
    auto* band = qobject_cast<QAreaSeries*>(s);
    ASSERT_NE(band, nullptr);
    ASSERT_FALSE(band->lowerSeries()->points().isEmpty());
    EXPECT_EQ(band->lowerSeries()->points().front().y(), 0.99);
  }
  const QStringList fails = tv->markerTexts("success-rate", TimelineMarker::Kind::kFail);
  ASSERT_EQ(fails.size(), 2);
  EXPECT_TRUE(fails[1].contains("-> Failed")) << fails[1].toStdString();
  EXPECT_TRUE(fails[1].contains("count 3, successful 1, failed 2")) << fails[1].toStdString();
  EXPECT_EQ(tv->markerTexts("weight", TimelineMarker::Kind::kStep).size(), 1);
  const QStringList failed = tv->markerTexts("weight", TimelineMarker::Kind::kAnalysisFailed);
  ASSERT_EQ(failed.size(), 1);
  EXPECT_TRUE(failed[0].contains("assessed Failed due to failed (2) > failureLimit (1)"))
      << failed[0].toStdString();
  const QStringList aborted = tv->markerTexts("weight", TimelineMarker::Kind::kRollback);
  ASSERT_EQ(aborted.size(), 1);
  EXPECT_TRUE(aborted[0].contains("rule: abort: ")) << aborted[0].toStdString();
  // The weight steps up to 20 % at 30 s and back to 0 at the abort.
  const QList<QPointF> pts = weightPoints(tv);
  double peak = 0;
  for (const auto& p : pts) peak = std::max(peak, p.y());
  EXPECT_EQ(peak, 20.0);
  EXPECT_EQ(pts.back().y(), 0.0);
  auto* y = qobject_cast<QValueAxis*>(tv->charts().at(0)->axes(Qt::Vertical).front());
  EXPECT_EQ(y->max(), 120.0);  // room for the AnalysisRun verdicts

  // A looser failureLimit, typed into the form: the step analysis passes, the background
  // analysis starts at step 2 and its metric gets a lane of its own.
  auto* field = w.specPanel()->field("templates.0.metrics.0.failureLimit");
  ASSERT_NE(field, nullptr);
  QSignalSpy repainted(tv, &TimelineView::repainted);
  field->setFocus();
  field->selectAll();
  QTest::keyClicks(field, "3");
  QTest::keyClick(field, Qt::Key_Return);
  EXPECT_TRUE(repainted.wait(5000));
  ASSERT_EQ(tv->charts().size(), 3);
  EXPECT_EQ(tv->markerTexts("weight", TimelineMarker::Kind::kAnalysisSuccessful).size(), 1);
  EXPECT_EQ(tv->markerTexts("background-success-rate", TimelineMarker::Kind::kFail).size(), 3);
  EXPECT_EQ(w.specPanel()->shownFile().toStdString(),
            sourceDir() + "/examples/apps/storefront/analysis-templates.yaml");
}
