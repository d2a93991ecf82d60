// rolloutlab-gui: the desktop workbench. Parses its command line, opens the paths given and
// hands over to the main window; everything else is in gui/src and the library.

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QPixmap>
#include <QSettings>
#include <QTabWidget>
#include <QTimer>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "batch_view.h"
#include "main_window.h"
#include "rolloutlab/core/version.h"
#include "tune_view.h"
#include "workbench.h"

namespace {

// --help and --version print text only: they must work without a display.
bool textOnly(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    for (const char* o : {"-h", "-?", "--help", "--help-all", "-v", "--version"}) {
      if (std::strcmp(argv[i], o) == 0) return true;
    }
  }
  return false;
}

bool set(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0';
}

}  // namespace

int main(int argc, char** argv) {
  const bool text = textOnly(argc, argv);
  if (!text && !set("DISPLAY") && !set("WAYLAND_DISPLAY") && !set("QT_QPA_PLATFORM")) {
    // Without this, Qt aborts with a multi-line message and a core dump.
    std::fprintf(stderr,
                 "rolloutlab-gui: no display: set DISPLAY (or WAYLAND_DISPLAY), or run under "
                 "xvfb-run, or QT_QPA_PLATFORM=offscreen with --screenshot\n");
    return 2;
  }
  std::unique_ptr<QCoreApplication> appHolder = text
                                                    ? std::make_unique<QCoreApplication>(argc, argv)
                                                    : std::make_unique<QApplication>(argc, argv);
  QCoreApplication& app = *appHolder;
  QCoreApplication::setOrganizationName("rolloutlab");
  QCoreApplication::setApplicationName("rolloutlab-gui");
  QCoreApplication::setApplicationVersion(QString::fromStdString(rolloutlab::core::version()));

  QCommandLineParser cli;
  cli.setApplicationDescription(
      "The rolloutlab desktop workbench: explore Flagger and Argo Rollouts specs against "
      "scenarios.\n"
      "PATH: GitOps repo folders or spec files to open.");
  cli.addHelpOption();
  cli.addVersionOption();
  cli.addPositionalArgument("PATH", "Folders or files to open.", "[PATH...]");
  QCommandLineOption spec("spec", "Select the spec NAME (name or namespace/name).", "NAME");
  QCommandLineOption scenario("scenario", "Select the scenario or recording (Replay) NAME.",
                              "NAME");
  QCommandLineOption seed("seed", "Run with seed N.", "N");
  QCommandLineOption tab("tab", "Show the view VIEW: timeline, batch, compare or tune.", "VIEW");
  QCommandLineOption batch("run-batch", "Run the batch at start.");
  QCommandLineOption tuneSpace("tune-space", "Load the TuningSpace FILE into the Tune view.",
                               "FILE");
  QCommandLineOption runTune("run-tune", "Run the Tune view's tune at start.");
  QCommandLineOption screenshot("screenshot",
                                "Save a picture of the window to FILE once it is drawn, then quit "
                                "(uses its own settings, not yours).",
                                "FILE");
  QCommandLineOption size("size", "Window size WxH (with --screenshot).", "WxH", "1600x1000");
  cli.addOptions({spec, scenario, seed, tab, batch, tuneSpace, runTune, screenshot, size});
  cli.process(app);

  const QString shot = cli.value(screenshot);
  if (!shot.isEmpty()) {
    // Keep the user's settings out of it.
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope,
                       QDir::tempPath() + "/rolloutlab-gui-screenshot");
    QSettings().clear();
  }

  rolloutlab::gui::MainWindow window;
  if (!shot.isEmpty()) {
    const QStringList wh = cli.value(size).split('x');
    if (wh.size() == 2) window.resize(wh[0].toInt(), wh[1].toInt());
  }
  const QStringList views{"timeline", "batch", "compare", "tune"};
  // The paths load off the GUI thread; the window shows meanwhile, and what the options select
  // is chosen once the load is in. Returns an exit code (0: go on).
  auto afterLoad = [&]() -> int {
    if (cli.isSet(spec) && !window.workbench().selectSpec(cli.value(spec).toStdString())) {
      std::fprintf(stderr, "rolloutlab-gui: no spec named %s\n", qPrintable(cli.value(spec)));
      return 2;
    }
    if (cli.isSet(scenario) &&
        !window.workbench().selectScenario(cli.value(scenario).toStdString())) {
      std::fprintf(stderr, "rolloutlab-gui: no scenario named %s\n",
                   qPrintable(cli.value(scenario)));
      return 2;
    }
    if (cli.isSet(seed)) window.workbench().setSeed(cli.value(seed).toULongLong());
    if (cli.isSet(tab))
      window.tabs()->setCurrentIndex(static_cast<int>(views.indexOf(cli.value(tab))));
    if (cli.isSet(batch)) window.batchView()->start();
    if (cli.isSet(tuneSpace) && !window.tuneView()->loadSpaceFile(cli.value(tuneSpace))) {
      std::fprintf(stderr, "rolloutlab-gui: cannot read %s\n", qPrintable(cli.value(tuneSpace)));
      return 2;
    }
    if (cli.isSet(runTune) && !window.tuneView()->start()) {
      std::fprintf(stderr, "rolloutlab-gui: the tune cannot start: %s\n",
                   qPrintable(window.tuneView()->statusText()));
      return 1;
    }

    if (!shot.isEmpty()) {
      auto grab = [&window, shot]() {
        const QPixmap pm = window.grab();
        if (!pm.save(shot)) {
          std::fprintf(stderr, "rolloutlab-gui: cannot write %s\n", qPrintable(shot));
          QCoreApplication::exit(3);
          return;
        }
        QCoreApplication::quit();
      };
      auto later = [grab]() { QTimer::singleShot(1200, grab); };
      if (cli.isSet(runTune)) {
        QObject::connect(window.tuneView(), &rolloutlab::gui::TuneView::tuneFinished, &window,
                         later);
      } else if (cli.isSet(batch)) {
        QObject::connect(window.batchView(), &rolloutlab::gui::BatchView::batchFinished, &window,
                         later);
      } else if (window.workbench().timelineRunning()) {
        // A recording runs off the GUI thread: draw once its run is in.
        QObject::connect(&window.workbench(), &rolloutlab::gui::Workbench::timelineChanged, &window,
                         [&window, later]() {
                           static bool once = false;
                           if (!once && !window.workbench().timelineRunning()) {
                             once = true;
                             later();
                           }
                         });
      } else {
        later();
      }
    }
    return 0;
  };
  // The options check what they can before the load (a bad --seed or --tab fails at once).
  if (cli.isSet(seed)) {
    bool ok = false;
    cli.value(seed).toULongLong(&ok);
    if (!ok) {
      std::fprintf(stderr, "rolloutlab-gui: --seed needs a non-negative integer\n");
      return 2;
    }
  }
  if (cli.isSet(tab) && !views.contains(cli.value(tab))) {
    std::fprintf(stderr, "rolloutlab-gui: --tab is one of timeline, batch, compare, tune\n");
    return 2;
  }
  window.show();
  if (!cli.positionalArguments().isEmpty()) window.openPaths(cli.positionalArguments());
  if (window.workbench().loading()) {
    QObject::connect(&window.workbench(), &rolloutlab::gui::Workbench::loadFinished, &window,
                     [afterLoad]() {
                       static bool once = false;
                       if (once) return;
                       once = true;
                       if (const int code = afterLoad(); code != 0) QCoreApplication::exit(code);
                     });
  } else if (const int code = afterLoad(); code != 0) {
    return code;
  }
  return app.exec();
}
