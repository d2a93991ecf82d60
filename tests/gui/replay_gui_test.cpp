// Recordings (Replay documents) in the workbench: listed in the tree and the chooser, run for
// the timeline off the GUI thread with the outcome `rolloutlab simulate` gives for the same
// spec, recording and seed (app::runSimulate, the command itself, read back from its JSON),
// included in batches as `rolloutlab batch` runs them (app::runBatch with the replays), and a
// recording that cannot be read is a one-line error naming the file.

#include <QComboBox>
#include <QSignalSpy>
#include <QTimer>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "batch_view.h"
#include "gui_fixture.h"
#include "main_window.h"
#include "oc_table.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/io/json_util.h"
#include "workbench.h"
#include "workspace_tree.h"

using rolloutlab::gui::BatchView;
using rolloutlab::gui::MainWindow;
using rolloutlab::gui::Timeline;
using rolloutlab::gui::TimelineMarker;
using rolloutlab::gui::Workbench;
using rolloutlab::gui::WorkspaceTree;
using namespace rolloutlab::test;
namespace app = rolloutlab::app;

namespace {

const std::string kReplayFile = "/examples/replays/podinfo-error-spike.yaml";

/// The trace `rolloutlab simulate --spec examples/apps --target T --scenario <replay> --seed S
/// [--replicate R] -o json` prints (app::runSimulate, the command itself).
rolloutlab::io::Json cliTrace(const std::string& target, std::uint64_t seed,
                              std::optional<std::uint64_t> replicate) {
  std::vector<std::string> args{"--spec",     sourceDir() + "/examples/apps",
                                "--target",   target,
                                "--scenario", sourceDir() + kReplayFile,
                                "--seed",     std::to_string(seed),
                                "-o",         "json"};
  if (replicate) {
    args.push_back("--replicate");
    args.push_back(std::to_string(*replicate));
  }
  std::istringstream in;
  std::ostringstream out, err;
  app::Streams io{in, out, err};
  const int code = app::runSimulate(args, io);
  EXPECT_EQ(code, 0) << err.str();
  return rolloutlab::io::Json::parse(out.str());
}

const rolloutlab::gui::TimelineMetric* lane(const Timeline& tl, const std::string& name) {
  for (const auto& m : tl.metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

int count(const std::vector<TimelineMarker>& ms, TimelineMarker::Kind k) {
  int n = 0;
  for (const auto& m : ms) n += m.kind == k ? 1 : 0;
  return n;
}

/// Opens the examples (with one library scenario), selects `spec`, seed and the recording, and
/// waits for its run.
void openRecording(Workbench& wb, const std::string& spec, std::uint64_t seed) {
  wb.setScenarioLibrary({libraryFile("good-high-traffic.yaml")});
  wb.open({examplesDir()});
  EXPECT_TRUE(wb.waitForLoad());
  ASSERT_TRUE(wb.selectSpec(spec));
  wb.setSeed(seed);
  ASSERT_TRUE(wb.selectScenario("podinfo-error-spike"));
  ASSERT_NE(wb.currentReplay(), nullptr);
  ASSERT_TRUE(waitFor([&]() { return !wb.timelineRunning(); }, 60000));
}

/// A folder for a test's own files, removed at the end.
struct Folder {
  QTemporaryDir dir;
  std::string file(const std::string& name) const { return dir.path().toStdString() + "/" + name; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(file(name), std::ios::binary) << text;
  }
};

}  // namespace

TEST(ReplayGui, RecordingsAreListedInTheTreeAndTheChooser) {
  clearSettings();
  MainWindow w;
  w.workbench().setScenarioLibrary({libraryFile("good-high-traffic.yaml")});
  w.openPaths({examplesDir()});
  EXPECT_TRUE(w.workbench().waitForLoad());
  Workbench& wb = w.workbench();
  ASSERT_TRUE(wb.selectSpec("podinfo"));
  ASSERT_EQ(wb.replays().size(), 1u);
  EXPECT_EQ(wb.replays()[0].name, "podinfo-error-spike");
  EXPECT_EQ(wb.choiceCount(), 2);
  const QStringList outline = w.workspaceTree()->outline();
  EXPECT_TRUE(outline.contains("Recordings (1) | Replay documents: specs run on recorded data"))
      << outline.join("\n").toStdString();
  EXPECT_TRUE(
      outline.contains("  podinfo-error-spike | recording, bad release, 2024-03-05T10:00:00Z .. "
                       "2024-03-05T10:30:00Z: canary success rate 99.9% -> 97.6% at 10:05"))
      << outline.join("\n").toStdString();
  // The chooser lists it after the scenarios, marked as a recording.
  auto* box = w.findChild<QComboBox*>();
  ASSERT_NE(box, nullptr);
  bool found = false;
  for (auto* b : w.findChildren<QComboBox*>()) {
    for (int i = 0; i < b->count(); ++i) {
      if (b->itemText(i) == "podinfo-error-spike  (recording, bad)") {
        found = true;
        EXPECT_EQ(i, 1);
        b->setCurrentIndex(i);
      }
    }
  }
  ASSERT_TRUE(found);
  ASSERT_NE(wb.currentReplay(), nullptr);
  ASSERT_TRUE(waitFor([&]() { return !wb.timelineRunning(); }, 60000));
  EXPECT_TRUE(wb.timeline().error.empty()) << wb.timeline().error;
  EXPECT_NE(w.statusText().indexOf("recording podinfo-error-spike"), -1)
      << w.statusText().toStdString();
}

TEST(ReplayGui, TheTimelineIsTheRunSimulateGives) {
  Workbench wb;
  openRecording(wb, "podinfo", 5);
  const Timeline& tl = wb.timeline();
  ASSERT_TRUE(tl.error.empty()) << tl.error;
  const auto j = cliTrace("podinfo", 5, std::nullopt);
  // Outcome: the canary's success rate falls below 99 % at 10:05; five failed checks roll it
  // back.
  ASSERT_EQ(j["outcome"]["result"], "rolled_back");
  EXPECT_TRUE(tl.rolledBack);
  EXPECT_EQ(tl.outcome, "rolled back at " +
                            rolloutlab::gui::formatDuration(j["outcome"]["t"].get<double>()) +
                            " (tick " + std::to_string(j["outcome"]["tick"].get<int>()) + ")");
  // One weight point per tick, the tick's canary weight.
  const auto& ticks = j["ticks"];
  ASSERT_EQ(tl.canaryWeight.size(), ticks.size());
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    EXPECT_EQ(tl.canaryWeight[i].first, ticks[i]["t"].get<double>());
    EXPECT_EQ(tl.canaryWeight[i].second, ticks[i]["canaryWeight"].get<double>()) << i;
  }
  // Every measured canary value, and the primary's from the recording's primary rows.
  const auto* sr = lane(tl, "request-success-rate");
  ASSERT_NE(sr, nullptr);
  ASSERT_TRUE(sr->min.has_value());
  EXPECT_EQ(*sr->min, 99);
  std::vector<std::pair<double, double>> want;
  for (const auto& t : ticks) {
    for (const auto& m : t["measured"]) {
      if (m["name"] == "request-success-rate" && !m["value"].is_null())
        want.emplace_back(t["t"].get<double>(), m["value"].get<double>());
    }
  }
  EXPECT_EQ(sr->canary, want);
  ASSERT_EQ(sr->primary.size(), sr->canary.size());
  for (const auto& [t, v] : sr->primary) EXPECT_GT(v, 99.8) << t;  // the CSV's primary rows
  EXPECT_EQ(count(sr->checks, TimelineMarker::Kind::kFail), 5);
  EXPECT_EQ(count(tl.events, TimelineMarker::Kind::kRollback), 1);
  EXPECT_NE(tl.summary.find("as recorded, seed 5 from 1 CSV"), std::string::npos) << tl.summary;
  EXPECT_NE(tl.title.find("Canary test/podinfo \u00d7 recording podinfo-error-spike"),
            std::string::npos)
      << tl.title;

  // The recording was read once: a reseed runs bootstrap replicate 0, as `simulate --seed 5
  // --replicate 0` does, on the cached recording.
  const int opened = wb.recordings().opened();
  EXPECT_EQ(opened, 1);
  wb.reseed();
  EXPECT_EQ(wb.seed(), 5u);
  ASSERT_EQ(wb.replicate(), std::optional<std::uint64_t>(0));
  ASSERT_TRUE(waitFor([&]() { return !wb.timelineRunning(); }, 60000));
  wb.setReplicate(3);
  ASSERT_TRUE(waitFor([&]() { return !wb.timelineRunning(); }, 60000));
  ASSERT_TRUE(wb.timeline().error.empty()) << wb.timeline().error;
  EXPECT_EQ(wb.recordings().opened(), 1);
  const auto r3 = cliTrace("podinfo", 5, 3);
  EXPECT_EQ(wb.timeline().canaryWeight.size(), r3["ticks"].size());
  EXPECT_EQ(wb.timeline().rolledBack, r3["outcome"]["result"] == "rolled_back");
  EXPECT_EQ(wb.timeline().promoted, r3["outcome"]["result"] == "promoted");
  EXPECT_NE(wb.timeline().summary.find("bootstrap replicate 3 of seed 5"), std::string::npos);
  const auto* sr3 = lane(wb.timeline(), "request-success-rate");
  ASSERT_NE(sr3, nullptr);
  std::vector<std::pair<double, double>> want3;
  for (const auto& t : r3["ticks"]) {
    for (const auto& m : t["measured"]) {
      if (m["name"] == "request-success-rate" && !m["value"].is_null())
        want3.emplace_back(t["t"].get<double>(), m["value"].get<double>());
    }
  }
  EXPECT_EQ(sr3->canary, want3);
}

TEST(ReplayGui, ARolloutReplaysTheSameRecording) {
  Workbench wb;
  openRecording(wb, "storefront", 2);
  const Timeline& tl = wb.timeline();
  ASSERT_TRUE(tl.error.empty()) << tl.error;
  const auto j = cliTrace("storefront", 2, std::nullopt);
  ASSERT_EQ(j["engine"], "argo");
  // One weight point per event.
  ASSERT_EQ(tl.canaryWeight.size(), j["events"].size());
  ASSERT_EQ(j["summary"]["result"], "aborted");
  EXPECT_TRUE(tl.rolledBack);
  EXPECT_EQ(tl.outcome.rfind("aborted at ", 0), 0u) << tl.outcome;
  // Every measurement of the recording's success-rate values, with its phase.
  int failed = 0;
  for (const auto& m : j["measurements"]) failed += m["phase"] == "Failed" ? 1 : 0;
  int failMarkers = 0;
  for (const auto& m : tl.metrics) failMarkers += count(m.checks, TimelineMarker::Kind::kFail);
  EXPECT_EQ(failMarkers, failed);
  EXPECT_GT(failed, 0);
}

TEST(ReplayGui, BatchIncludesRecordingsAndCancels) {
  Workbench wb;
  wb.setScenarioLibrary({libraryFile("good-high-traffic.yaml")});
  wb.open({examplesDir()});
  EXPECT_TRUE(wb.waitForLoad());
  ASSERT_TRUE(wb.selectSpec("podinfo"));
  wb.setSeed(4);
  BatchView view(wb);
  view.resize(1000, 700);
  view.show();
  view.setIncludeRecordings(true);
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
  EXPECT_EQ(r.pairs[1].scenario, "podinfo-error-spike");
  EXPECT_EQ(r.pairs[1].release, rolloutlab::scenarios::Release::kBad);
  EXPECT_EQ(view.table()->rows(), 2);
  EXPECT_EQ(view.table()->text(1, 0), "podinfo-error-spike");
  // `rolloutlab batch` over the same suite: the library's runBatch with the replays.
  app::BatchOptions o;
  o.runs = 40;
  o.seed = 4;
  o.threads = 1;
  const auto direct = app::runBatch(app::batchSpecs(wb.currentSpec()->batchWorkspace(), "istio"),
                                    wb.scenarios(), wb.replays(), {}, o);
  ASSERT_EQ(direct.pairs.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(r.pairs[i].seed, direct.pairs[i].seed);
    EXPECT_EQ(r.pairs[i].agg.runs, direct.pairs[i].agg.runs);
    EXPECT_EQ(r.pairs[i].agg.promoted, direct.pairs[i].agg.promoted);
    EXPECT_EQ(r.pairs[i].agg.rolledBack, direct.pairs[i].agg.rolledBack);
  }
  // Bootstrap resamples of a bad release's recording: most runs roll back.
  EXPECT_GT(r.pairs[1].agg.rolledBack, 20);

  // Cancel: a long batch over the recording stops with a partial result.
  view.setRuns(2000000);
  QSignalSpy again(&view, &BatchView::batchFinished);
  view.start();
  ASSERT_TRUE(view.running());
  QTimer::singleShot(300, &view, [&view]() { view.cancel(); });
  ASSERT_TRUE(waitFor([&]() { return again.count() > 0; }, 60000));
  ASSERT_NE(view.lastOutcome(), nullptr);
  EXPECT_TRUE(view.lastOutcome()->cancelled);
  ASSERT_EQ(view.lastOutcome()->results.size(), 1u);
  EXPECT_TRUE(view.lastOutcome()->results[0].partial);
  EXPECT_NE(view.statusText().indexOf("Cancelled"), -1) << view.statusText().toStdString();
}

TEST(ReplayGui, ARecordingThatCannotBeReadIsAOneLineError) {
  clearSettings();
  Folder f;
  std::filesystem::copy_file(sourceDir() + "/examples/apps/podinfo/canary.yaml",
                             f.file("canary.yaml"));
  f.write("gone.yaml",
          "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\nmetadata:\n  name: gone\n"
          "spec:\n  from: 2024-03-05T10:00:00Z\n  to: 2024-03-05T10:30:00Z\n"
          "  csv: [recordings/missing.csv]\n");
  // A document that does not decode: its problem in place under its file, with its line.
  f.write("bad.yaml",
          "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\nmetadata:\n  name: bad\n"
          "spec:\n  from: 2024-03-05T10:00:00Z\n  to: 2024-03-05T10:30:00Z\n"
          "  csvv: [x.csv]\n");
  // A live Prometheus that is down: the run goes off the GUI thread and fails in one line.
  f.write("down.yaml",
          "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\nmetadata:\n  name: down\n"
          "spec:\n  from: 2024-03-05T10:00:00Z\n  to: 2024-03-05T10:30:00Z\n"
          "  prometheus: {url: \"http://127.0.0.1:9\", timeout: 1s, retries: 0}\n");
  MainWindow w;
  w.workbench().setScenarioLibrary({});
  w.openPaths({f.dir.path()});
  EXPECT_TRUE(w.workbench().waitForLoad());
  Workbench& wb = w.workbench();
  const QString tree = w.workspaceTree()->outline().join("\n");
  EXPECT_NE(tree.indexOf(QString::fromStdString(f.file("bad.yaml") + ":8")), -1)
      << tree.toStdString();
  // A recording that cannot be read is that field's error when the document is loaded, in
  // place under its file with its line, like a document that does not decode.
  EXPECT_NE(tree.indexOf(QString::fromStdString(f.file("gone.yaml") + ":8")), -1)
      << tree.toStdString();
  EXPECT_NE(tree.indexOf("missing.csv"), -1) << tree.toStdString();
  ASSERT_EQ(wb.replays().size(), 1u) << tree.toStdString();
  EXPECT_FALSE(wb.selectScenario("gone"));

  // The GUI thread stays free while the live replay fails.
  QElapsedTimer clock;
  clock.start();
  ASSERT_TRUE(wb.selectScenario("down"));
  EXPECT_LT(clock.elapsed(), 500);
  EXPECT_TRUE(wb.timelineRunning());
  ASSERT_TRUE(waitFor([&]() { return !wb.timelineRunning(); }, 60000));
  const std::string& down = wb.timeline().error;
  EXPECT_NE(down.find("127.0.0.1:9"), std::string::npos) << down;
  EXPECT_EQ(down.find('\n'), std::string::npos) << down;
  EXPECT_NE(w.statusText().indexOf("127.0.0.1:9"), -1) << w.statusText().toStdString();
}
