// The workbench's model: loading the example repo, edits that change only the edited value and
// re-run the timeline, errors of an edit shown with file and line, seeds, and variant A. Each
// expectation is checked against the library called directly (decode + simulate), so the
// workbench adds no decision of its own.

#include "workbench.h"

#include <QTemporaryDir>
#include <fstream>

#include "gui_fixture.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/scenarios/flagger_world.h"
#include "workbench_models.h"
#include "workspace_tree.h"

using rolloutlab::gui::SpecDocument;
using rolloutlab::gui::TimelineMarker;
using rolloutlab::gui::Workbench;
using namespace rolloutlab::test;

namespace {

int specIndex(const Workbench& wb, const std::string& key) {
  for (int i = 0; i < wb.specCount(); ++i) {
    if (wb.spec(i)->key() == key) return i;
  }
  return -1;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto p = text.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) text.replace(p, from.size(), to);
  return text;
}

/// The run the library gives for a Canary decoded from `text` (no workbench involved).
rolloutlab::scenarios::SimulationResult direct(
    const std::string& text, const std::string& file, const rolloutlab::scenarios::Scenario& sc,
    std::uint64_t seed, const std::vector<rolloutlab::core::flagger::MetricTemplateSpec>& t) {
  const auto docs = rolloutlab::io::readDocumentsFromString(text, file);
  rolloutlab::core::Diagnostics d;
  rolloutlab::core::flagger::CanarySpec c;
  EXPECT_TRUE(rolloutlab::io::decodeCanary(docs.documents.at(0), d, c));
  const rolloutlab::scenarios::CompiledScenario compiled(sc);
  const rolloutlab::scenarios::FlaggerPlan plan(c, rolloutlab::io::resolveTemplates(c, t), compiled,
                                                "istio");
  return rolloutlab::scenarios::simulateFlagger(plan, compiled, seed);
}

}  // namespace

TEST(Workbench, LoadsTheExampleRepoAndTheScenarioLibrary) {
  Workbench wb;
  wb.setScenarioLibrary(Workbench::defaultScenarioLibrary());
  wb.open({examplesDir()});
  EXPECT_TRUE(wb.waitForLoad());
  ASSERT_EQ(wb.specCount(), 3);
  EXPECT_GE(specIndex(wb, "Canary/test/podinfo"), 0);
  EXPECT_GE(specIndex(wb, "Canary/shop/checkout"), 0);
  EXPECT_GE(specIndex(wb, "Rollout/shop/storefront"), 0);
  EXPECT_EQ(wb.workspace().diagnostics.errors(), 0);
  EXPECT_EQ(wb.scenarios().size(), 18u);  // scenarios/library/*.yaml
  EXPECT_NE(wb.currentSpec(), nullptr);
  EXPECT_NE(wb.currentScenario(), nullptr);
  const auto& tl = wb.timeline();
  EXPECT_TRUE(tl.error.empty()) << tl.error;
  EXPECT_FALSE(tl.canaryWeight.empty());
  EXPECT_EQ(tl.metrics.size(), wb.currentSpec()->kind() == "Canary" ? 2u : 0u);
  // The checkout Canary is in a file with its MetricTemplate: the second document stays apart.
  const SpecDocument* checkout = wb.spec(specIndex(wb, "Canary/shop/checkout"));
  EXPECT_EQ(checkout->documentIndex(), 0);
  EXPECT_EQ(checkout->originalText(),
            readFile(sourceDir() + "/examples/apps/checkout/canary.yaml"));
}

TEST(Workbench, AnEditChangesOnlyThatValueAndRerunsTheTimeline) {
  Workbench wb;
  wb.setScenarioLibrary({libraryFile("error-regression-5pt.yaml")});
  wb.open({examplesDir()});
  EXPECT_TRUE(wb.waitForLoad());
  wb.selectSpec(specIndex(wb, "Canary/test/podinfo"));
  wb.setSeed(11);
  const SpecDocument* s = wb.currentSpec();
  const std::string original = s->text();
  const int before =
      wb.timeline().canaryWeight.empty() ? 0 : static_cast<int>(wb.timeline().canaryWeight.size());
  int timelines = 0;
  QObject::connect(&wb, &Workbench::timelineChanged, [&timelines]() { ++timelines; });

  wb.setField("analysis.threshold", "1");
  EXPECT_EQ(timelines, 1);
  EXPECT_EQ(s->text(), replaced(original, "    threshold: 5\n", "    threshold: 1\n"));
  EXPECT_TRUE(s->valid());
  EXPECT_TRUE(s->edited());
  // The timeline is the library's run of the edited text.
  const auto res =
      direct(s->text(), s->file(), *wb.currentScenario(), 11, wb.workspace().metricTemplates);
  EXPECT_EQ(wb.timeline().canaryWeight.size(), res.run.ticks.size());
  EXPECT_TRUE(wb.timeline().rolledBack);
  EXPECT_EQ(wb.timeline().outcome.find("rolled back at " +
                                       rolloutlab::gui::formatDuration(res.run.outcome.t)),
            0u)
      << wb.timeline().outcome;
  // With one failed check allowed instead of five, the same draws roll back no later.
  EXPECT_LE(static_cast<int>(wb.timeline().canaryWeight.size()), before);

  // A bound that is not written yet is added under its metric's thresholdRange.
  wb.setField("metrics.1.min", "10");
  EXPECT_NE(s->text().find("        thresholdRange:\n          max: 500\n          min: 10\n"),
            std::string::npos)
      << s->text();
  // Clearing both bounds removes the range.
  wb.setField("metrics.1.min", "");
  wb.setField("metrics.1.max", "");
  EXPECT_EQ(s->text().find("max: 500"), std::string::npos);
  EXPECT_NE(s->text().find("      - name: request-duration\n        interval: 1m\n"),
            std::string::npos)
      << s->text();
  // Lists keep their flow/block style; the form takes them comma-separated.
  wb.setField("analysis.stepWeights", "5, 20, 50");
  EXPECT_NE(s->text().find("    stepWeights: [5, 20, 50]\n"), std::string::npos) << s->text();
  wb.revert();
  EXPECT_EQ(s->text(), original);
  EXPECT_FALSE(s->edited());
}

TEST(Workbench, AnInvalidEditShowsItsErrorWithFileAndLine) {
  Workbench wb;
  wb.setScenarioLibrary({libraryFile("good-high-traffic.yaml")});
  wb.open({examplesDir()});
  EXPECT_TRUE(wb.waitForLoad());
  wb.selectSpec(specIndex(wb, "Canary/test/podinfo"));
  const SpecDocument* s = wb.currentSpec();
  wb.setField("analysis.interval", "soon");
  EXPECT_FALSE(s->valid());
  ASSERT_GE(s->diagnostics().errors(), 1);
  const auto& d = s->diagnostics().items.front();
  EXPECT_EQ(d.line, 27);  // `    interval: soon` in examples/apps/podinfo/canary.yaml
  EXPECT_EQ(d.field, "spec.analysis.interval");
  EXPECT_NE(d.toString().find("apps/podinfo/canary.yaml:27: spec.analysis.interval = \"soon\""),
            std::string::npos)
      << d.toString();
  EXPECT_NE(wb.timeline().error.find("spec.analysis.interval"), std::string::npos)
      << wb.timeline().error;
  // Text that is not YAML any more: the form's edits are refused with a message, the text kept.
  wb.setText("spec: [\n");
  EXPECT_FALSE(s->valid());
  QString refused;
  QObject::connect(&wb, &Workbench::editFailed, [&refused](const QString& m) { refused = m; });
  wb.setField("analysis.threshold", "2");
  EXPECT_FALSE(refused.isEmpty());
  EXPECT_EQ(s->text(), "spec: [\n");
  wb.revert();
  EXPECT_TRUE(s->valid());
  EXPECT_TRUE(wb.timeline().error.empty());
}

TEST(Workbench, BadFilesShowTheErrorInTheTree) {
  QTemporaryDir dir;
  const QString path = dir.filePath("canary.yaml");
  {
    std::ofstream out(path.toStdString());
    out << "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: broken\nspec:\n"
           "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: broken}\n"
           "  service: {port: 80}\n  analysis:\n    interval: soon\n    stepWeight: 10\n    "
           "threshold: 2\n";
  }
  {
    std::ofstream out(dir.filePath("syntax.yaml").toStdString());
    out << "a: [1, 2\n";
  }
  Workbench wb;
  rolloutlab::gui::WorkspaceTree tree(wb);
  wb.open({dir.path()});
  EXPECT_TRUE(wb.waitForLoad());
  EXPECT_GE(wb.workspace().diagnostics.errors(), 2);
  const QStringList outline = tree.outline();
  const QString joined = outline.join("\n");
  // The Canary is listed as invalid with its error under it, naming file and line.
  EXPECT_TRUE(joined.contains("Canary broken")) << joined.toStdString();
  EXPECT_TRUE(joined.contains(QRegularExpression(
      "error \\| [^\\n]*canary\\.yaml:9: spec\\.analysis\\.interval = \"soon\"")))
      << joined.toStdString();
  EXPECT_TRUE(joined.contains(QRegularExpression("error \\| [^\\n]*syntax\\.yaml:[12]:")))
      << joined.toStdString();
  EXPECT_EQ(wb.specCount(), 0);
  EXPECT_FALSE(wb.timeline().error.empty());
}

TEST(Workbench, SeedsAreReproducibleAndReseedIsDeterministic) {
  Workbench wb;
  wb.setScenarioLibrary({libraryFile("error-regression-1pt.yaml")});
  wb.open({examplesDir()});
  EXPECT_TRUE(wb.waitForLoad());
  wb.setSeed(5);
  const auto a = wb.timeline().summary;
  wb.setSeed(6);
  const auto b = wb.timeline().summary;
  wb.setSeed(5);
  EXPECT_EQ(wb.timeline().summary, a);
  EXPECT_NE(a, b);
  wb.reseed();
  const auto next = wb.seed();
  EXPECT_NE(next, 5u);
  EXPECT_LT(next, 1000000u);
  wb.setSeed(5);
  wb.reseed();
  EXPECT_EQ(wb.seed(), next);
}

TEST(Workbench, MarkersCarryTheRuleThatFired) {
  Workbench wb;
  wb.setScenarioLibrary({libraryFile("error-regression-5pt.yaml")});
  wb.open({examplesDir()});
  EXPECT_TRUE(wb.waitForLoad());
  wb.selectSpec(specIndex(wb, "Canary/test/podinfo"));
  wb.setSeed(2);
  const auto& tl = wb.timeline();
  ASSERT_TRUE(tl.rolledBack) << tl.outcome;
  const auto& sr = tl.metrics.at(0);
  EXPECT_EQ(sr.name, "request-success-rate");
  EXPECT_EQ(sr.min, 99.0);
  int fails = 0;
  for (const auto& c : sr.checks) {
    if (c.kind != TimelineMarker::Kind::kFail) continue;
    ++fails;
    EXPECT_LT(c.value, 99.0);
    EXPECT_NE(c.text.find("held against min 99: fail"), std::string::npos) << c.text;
    EXPECT_NE(c.text.find("primary: "), std::string::npos) << c.text;
  }
  EXPECT_GE(fails, 5);  // threshold 5
  bool rollback = false;
  for (const auto& e : tl.events) {
    if (e.kind != TimelineMarker::Kind::kRollback) continue;
    rollback = true;
    EXPECT_NE(e.text.find("rule: "), std::string::npos) << e.text;
  }
  EXPECT_TRUE(rollback);
  // The primary serves 0.2 % errors (the scenario): its success rate sits near 99.8 %.
  ASSERT_FALSE(sr.primary.empty());
  for (const auto& [t, v] : sr.primary) EXPECT_NEAR(v, 99.8, 0.2) << t;
}

TEST(Workbench, VariantAIsTheTextAsLoadedUntilPinned) {
  Workbench wb;
  wb.setScenarioLibrary({libraryFile("good-high-traffic.yaml")});
  wb.open({examplesDir()});
  EXPECT_TRUE(wb.waitForLoad());
  const std::string original = wb.currentSpec()->text();
  wb.setField("analysis.threshold", "2");
  EXPECT_FALSE(wb.variantAPinned());
  EXPECT_EQ(wb.variantA()->text(), original);
  wb.pinVariantA();
  EXPECT_TRUE(wb.variantAPinned());
  EXPECT_EQ(wb.variantA()->text(), wb.currentSpec()->text());
  wb.resetVariantA();
  EXPECT_EQ(wb.variantA()->text(), original);
}

TEST(Workbench, TheRegressionSpanFollowsTheScenario) {
  // intermittent-failure: +20 points of errors for 1 minute every 10 minutes from 2m on.
  Workbench wb;
  wb.setScenarioLibrary({libraryFile("intermittent-failure.yaml")});
  wb.open({examplesDir()});
  EXPECT_TRUE(wb.waitForLoad());
  ASSERT_TRUE(wb.selectSpec("podinfo"));
  const auto& tl = wb.timeline();
  ASSERT_FALSE(tl.regression.empty());
  EXPECT_EQ(tl.regression[0], std::make_pair(120.0, 180.0));
  for (std::size_t i = 1; i < tl.regression.size(); ++i) {
    EXPECT_EQ(tl.regression[i].first, 120.0 + 600.0 * static_cast<double>(i));
  }
}
