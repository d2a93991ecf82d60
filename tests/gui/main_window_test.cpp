// The main window: paths from the command line and by drag and drop, recent files, settings
// and layout that persist, and a rendering of the whole window that is not blank.

#include "main_window.h"

#include <QDockWidget>
#include <QDropEvent>
#include <QImage>
#include <QMimeData>
#include <QTabWidget>
#include <QUrl>
#include <set>

#include "batch_view.h"
#include "gui_fixture.h"
#include "spec_panel.h"
#include "timeline_view.h"
#include "workbench.h"
#include "workspace_tree.h"

using rolloutlab::gui::MainWindow;
using namespace rolloutlab::test;

TEST(MainWindow, OpensDroppedFilesBesideWhatIsOpen) {
  clearSettings();
  MainWindow w;
  w.openPaths({examplesDir() + "/apps/podinfo"});
  EXPECT_TRUE(w.workbench().waitForLoad());
  ASSERT_EQ(w.workbench().specCount(), 1);
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(examplesDir() + "/apps/checkout/canary.yaml")});
  QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(&w, &enter);
  EXPECT_TRUE(enter.isAccepted());
  QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(&w, &drop);
  EXPECT_TRUE(w.workbench().loading());  // the load runs off the GUI thread
  EXPECT_TRUE(w.workbench().waitForLoad());
  EXPECT_EQ(w.workbench().specCount(), 2);
  EXPECT_EQ(w.workbench().paths().size(), 2);
  // Recent files, newest first.
  ASSERT_GE(w.recentPaths().size(), 2);
  EXPECT_TRUE(w.recentPaths()[0].endsWith("checkout/canary.yaml"));
  EXPECT_TRUE(w.workspaceTree()->outline().join("\n").contains("Canary shop/checkout"));
}

TEST(MainWindow, SettingsAndLayoutPersist) {
  clearSettings();
  {
    MainWindow w;
    w.openPaths({examplesDir()});
    EXPECT_TRUE(w.workbench().waitForLoad());
    w.resize(1234, 777);
    w.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&w));
    w.workbench().setSeed(77);
    ASSERT_TRUE(w.workbench().selectScenario("slow-drift"));
    w.batchView()->setRuns(321);
    w.tabs()->setCurrentIndex(1);
    w.findChild<QDockWidget*>("ProblemsDock")->hide();
    w.close();
  }
  MainWindow w;
  w.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&w));
  EXPECT_EQ(w.size(), QSize(1234, 777));
  EXPECT_EQ(w.workbench().seed(), 77u);
  ASSERT_NE(w.workbench().currentScenario(), nullptr);
  EXPECT_EQ(w.workbench().currentScenario()->name, "slow-drift");
  EXPECT_EQ(w.batchView()->runs(), 321);
  EXPECT_EQ(w.tabs()->currentIndex(), 1);
  EXPECT_FALSE(w.findChild<QDockWidget*>("ProblemsDock")->isVisible());
  ASSERT_FALSE(w.recentPaths().isEmpty());
  EXPECT_TRUE(w.recentPaths()[0].endsWith("examples"));
}

TEST(MainWindow, ScreenshotIsNotBlank) {
  // The whole window rendered under the offscreen platform: tree, form, YAML and charts drawn.
  clearSettings();
  MainWindow w;
  w.resize(1400, 900);
  w.openPaths({examplesDir()});
  EXPECT_TRUE(w.workbench().waitForLoad());
  ASSERT_TRUE(w.workbench().selectScenario("error-regression-1pt"));
  w.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&w));
  QTest::qWait(100);
  const QImage img = w.grab().toImage();
  ASSERT_EQ(img.size(), QSize(1400, 900));
  std::set<QRgb> colours;
  int nonBackground = 0;
  const QRgb bg = img.pixel(img.width() - 2, img.height() / 2);
  for (int y = 0; y < img.height(); y += 3) {
    for (int x = 0; x < img.width(); x += 3) {
      const QRgb p = img.pixel(x, y);
      colours.insert(p);
      if (p != bg) ++nonBackground;
    }
  }
  EXPECT_GT(colours.size(), 200u);
  EXPECT_GT(nonBackground, (img.width() / 3) * (img.height() / 3) / 5);
  // The timeline area holds the charts: the canary's blue is drawn there.
  const QRect tl(w.timelineView()->mapTo(&w, QPoint(0, 0)), w.timelineView()->size());
  int blue = 0;
  for (int y = tl.top(); y < tl.bottom(); y += 2) {
    for (int x = tl.left(); x < tl.right(); x += 2) {
      const QColor c = img.pixelColor(x, y);
      if (std::abs(c.red() - 31) < 12 && std::abs(c.green() - 119) < 12 &&
          std::abs(c.blue() - 180) < 12)
        ++blue;
    }
  }
  EXPECT_GT(blue, 50);
  EXPECT_TRUE(w.specPanel()->yamlText().contains("kind: Canary"));
}
