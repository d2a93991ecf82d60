#pragma once
// Shared set-up of the GUI tests: one QApplication on Qt's offscreen platform for the whole
// run, settings in a private temporary folder, and helpers to wait for the event loop.

#include <gtest/gtest.h>

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <functional>
#include <memory>

#include "test_support.h"

namespace rolloutlab::test {

class QtEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "gui_tests";
    static char* argv[] = {name, nullptr};
    app_ = std::make_unique<QApplication>(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("rolloutlab-tests");
    QCoreApplication::setApplicationName("gui_tests");
    settings_ = std::make_unique<QTemporaryDir>();
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settings_->path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings_->path());
  }
  void TearDown() override {
    settings_.reset();
    app_.reset();
  }

 private:
  std::unique_ptr<QApplication> app_;
  std::unique_ptr<QTemporaryDir> settings_;
};

inline ::testing::Environment* const kQtEnvironment =
    ::testing::AddGlobalTestEnvironment(new QtEnvironment);

/// Clears the settings a test may have left.
inline void clearSettings() {
  QSettings s;
  s.clear();
  s.sync();
}

/// Runs the event loop until `done` holds or `ms` pass; returns `done()`.
inline bool waitFor(const std::function<bool()>& done, int ms = 20000) {
  return QTest::qWaitFor(done, ms);
}

/// The bundled example GitOps repo and scenario library.
inline QString examplesDir() { return QString::fromStdString(sourceDir() + "/examples"); }
inline QString libraryFile(const char* name) {
  return QString::fromStdString(sourceDir() + "/scenarios/library/") + name;
}

}  // namespace rolloutlab::test
