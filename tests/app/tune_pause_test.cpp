// Pause schedules written into a Rollout: one duration per timed pause step, in order; untimed
// pauses never change; the count of timed pauses is the candidate's (its setWeights schedule
// may rewrite the steps).
#include <gtest/gtest.h>

#include "rolloutlab/app/tune_runner.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/documents.h"

using namespace rolloutlab;

namespace {

tune::TuningSpace decodeSpace(const std::string& fields) {
  const std::string text =
      "apiVersion: rolloutlab.io/v1alpha1\nkind: TuningSpace\nmetadata: {name: t}\nspec:\n"
      "  fields:\n" +
      fields;
  const auto docs = io::readDocumentsFromString(text, "space.yaml");
  core::Diagnostics diags;
  tune::TuningSpace out;
  EXPECT_TRUE(tune::decodeTuningSpace(docs.documents.at(0), diags, out));
  return out;
}

// Steps that are only setWeight and pause (so a setWeights schedule of another length rewrites
// them); the 50% pause is untimed (a person promotes).
const char* kRollout =
    "apiVersion: argoproj.io/v1alpha1\n"
    "kind: Rollout\n"
    "metadata: {name: web, namespace: shop}\n"
    "spec:\n"
    "  selector: {matchLabels: {app: web}}\n"
    "  template:\n"
    "    metadata: {labels: {app: web}}\n"
    "    spec: {containers: [{name: web, image: web:1}]}\n"
    "  strategy:\n"
    "    canary:\n"
    "      steps:\n"
    "        - setWeight: 20\n"
    "        - pause: {duration: 2m}\n"
    "        - setWeight: 50\n"
    "        - pause: {}\n"
    "        - setWeight: 80\n"
    "        - pause: {duration: 10m}\n";

tune::Candidate candidate(const tune::TuningSpace& space, std::vector<std::size_t> pick) {
  tune::Candidate c;
  for (std::size_t k = 0; k < space.fields.size(); ++k)
    c.values.push_back(space.fields[k].values.at(pick.at(k)));
  return c;
}

std::string rolloutAfter(const tune::TuningSpace& space, const tune::Candidate& c) {
  app::SpecPatcher p({{"web.yaml", kRollout}}, space);
  return p.apply(c).at(0).second;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(TunePauseSchedule, EachTimedPauseGetsItsDurationAndAnUntimedPauseStays) {
  const auto space = decodeSpace("    - field: pause\n      schedules: {lists: [[30s, 5m]]}\n");
  std::string want = replaced(kRollout, "pause: {duration: 2m}", "pause: {duration: 30s}");
  want = replaced(want, "pause: {duration: 10m}", "pause: {duration: 5m}");
  EXPECT_EQ(rolloutAfter(space, candidate(space, {0})), want);
}

TEST(TunePauseSchedule, LinearAndGeometricFamiliesAreGeneratedForTheTimedPauses) {
  // By hand, for 2 timed pauses: linear 45s, 45s + 90s = 135s; geometric 1m, 1m x 8 = 8m capped
  // at 5m.
  const auto space = decodeSpace(
      "    - field: pause\n      schedules:\n"
      "        linear: {start: 45s, step: 90s}\n"
      "        geometric: {start: 1m, factor: 8, max: 5m}\n");
  ASSERT_EQ(space.fields.at(0).values.size(), 2u);
  std::string lin = replaced(kRollout, "pause: {duration: 2m}", "pause: {duration: 45s}");
  lin = replaced(lin, "pause: {duration: 10m}", "pause: {duration: 135s}");
  EXPECT_EQ(rolloutAfter(space, candidate(space, {0})), lin);
  std::string geo = replaced(kRollout, "pause: {duration: 2m}", "pause: {duration: 1m}");
  geo = replaced(geo, "pause: {duration: 10m}", "pause: {duration: 5m}");
  EXPECT_EQ(rolloutAfter(space, candidate(space, {1})), geo);
}

TEST(TunePauseSchedule, WithASetWeightsScheduleTheFamilyFollowsTheCandidatesPauses) {
  // setWeights [10, 30, 60, 90] rewrites the steps as setWeight/pause pairs, each setWeight
  // followed by the pause that followed the original one at its position, the last one's
  // beyond: 2m (timed), {} (untimed), 10m (timed), 10m (timed). Three timed pauses, so the
  // linear family gives 1m, 2m, 3m and the list [30s, 5m] gives 30s, 5m, 5m (its last duration
  // repeats); the untimed pause stays untimed.
  const auto space = decodeSpace(
      "    - field: setWeights\n      schedules: {lists: [[10, 30, 60, 90], [25, 75]]}\n"
      "    - field: pause\n      schedules:\n"
      "        linear: {start: 1m, step: 1m}\n"
      "        lists: [[30s, 5m]]\n");
  const std::string head =
      std::string(kRollout).substr(0, std::string(kRollout).find("\n        - setWeight: 20"));
  EXPECT_EQ(rolloutAfter(space, candidate(space, {0, 0})),
            head +
                " [{setWeight: 10}, {pause: {duration: 1m}}, {setWeight: 30}, {pause: {}}, "
                "{setWeight: 60}, {pause: {duration: 2m}}, {setWeight: 90}, {pause: {duration: "
                "3m}}]\n");
  EXPECT_EQ(rolloutAfter(space, candidate(space, {0, 1})),
            head +
                " [{setWeight: 10}, {pause: {duration: 30s}}, {setWeight: 30}, {pause: "
                "{}}, {setWeight: 60}, {pause: {duration: 5m}}, {setWeight: 90}, {pause: "
                "{duration: 5m}}]\n");
  // [25, 75]: two pairs, 2m then {}: one timed pause, the family's first duration.
  EXPECT_EQ(rolloutAfter(space, candidate(space, {1, 0})),
            head +
                " [{setWeight: 25}, {pause: {duration: 1m}}, {setWeight: 75}, {pause: "
                "{}}]\n");
}

TEST(TunePauseSchedule, AListOfAnotherLengthThanTheRolloutsTimedPausesIsAnError) {
  const auto space = decodeSpace("    - field: pause\n      schedules: {lists: [[30s, 1m, 5m]]}\n");
  try {
    app::SpecPatcher p({{"web.yaml", kRollout}}, space);
    FAIL() << "no error";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.diagnostic().toString(),
              "space.yaml:6: spec.fields[0].schedules.lists = [30s, 1m, 5m]: has 3 durations but "
              "Rollout/shop/web has 2 timed pause steps (one duration per timed pause step, in "
              "order)");
  }
}

}  // namespace
