#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>

#include "cli.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/data_paths.h"
#include "rolloutlab/app/output.h"
#include "rolloutlab/app/tune_runner.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/number_format.h"
#include "rolloutlab/core/version.h"

namespace rolloutlab::app {

namespace {

using io::jnum;
using io::Json;

const char* kTuneDescription =
    "Searches a TuningSpace for the spec that meets its constraints (false-rollback rate, escape "
    "rate, "
    "excess errors, judged on 95% bounds) with the lowest objective (time to promotion by "
    "default). "
    "Candidates race on common random numbers: the same seeds for every candidate, the replicates "
    "of the "
    "survivors doubled each round, a candidate dropped as soon as its intervals show it infeasible "
    "or "
    "beaten; the frontier's neighbours and the surrogate's proposals race next. The recommendation "
    "is "
    "re-measured on fresh seeds.";
const char* kTuneFooter =
    "Run r of scenario s uses the seed `batch --seed S` gives it (the re-measure: the report's "
    "remeasure seed), the same for every candidate. --emit DIR writes the recommended manifest(s) "
    "into DIR: "
    "the --spec file with only the tuned fields changed. --budget caps the search's runs (the "
    "re-measure "
    "is extra).\n"
    "Exit codes: 0 a recommendation, 1 bad input, no candidate meets the constraints, or "
    "interrupted (the "
    "best so far is written, marked partial), 2 a wrong command line, 3 a file cannot be written.";

const std::vector<std::string> kTuneFormats = {"json", "yaml", "table"};

Json estimate(const tune::Estimate& e) {
  Json j;
  j["value"] = e.known() ? jnum(e.value) : Json(nullptr);
  j["ci95"] = e.known() ? Json::array({jnum(e.lo), jnum(e.hi)}) : Json::array({nullptr, nullptr});
  j["n"] = e.n;
  return j;
}

Json characteristics(const tune::Characteristics& c) {
  Json j;
  j["falseRollbackRate"] = estimate(c.falseRollbackRate);
  j["escapeRate"] = estimate(c.escapeRate);
  j["meanExcessErrors"] = estimate(c.meanExcessErrors);
  j["meanTimeToPromotion"] = estimate(c.meanTimeToPromotion);
  j["goodPromotionRate"] = estimate(c.goodPromotionRate);
  return j;
}

Json fieldsOf(const tune::TuningSpace& space, const tune::Candidate& c) {
  Json j = Json::object();
  for (std::size_t k = 0; k < space.fields.size(); ++k) {
    const auto& v = c.values[k];
    if (space.fields[k].type == tune::FieldType::kSchedule) {
      Json a = Json::array();
      for (long long w : v.weights) a.push_back(w);
      j[space.fields[k].name] = a;
    } else if (space.fields[k].type == tune::FieldType::kInteger ||
               space.fields[k].type == tune::FieldType::kNumber) {
      j[space.fields[k].name] = jnum(v.x);
    } else {
      j[space.fields[k].name] = v.text;
    }
  }
  return j;
}

Json verdicts(const tune::TuningSpace& space, const std::vector<tune::Verdict>& v) {
  Json a = Json::array();
  for (std::size_t i = 0; i < v.size(); ++i) {
    Json x;
    x["constraint"] = space.constraints[i].describe();
    x["verdict"] = tune::toString(v[i]);
    a.push_back(std::move(x));
  }
  return a;
}

struct Report {
  const tune::TuningSpace* space = nullptr;
  const SpecPatcher* patcher = nullptr;
  const BatchEvaluator* evaluator = nullptr;
  tune::SearchResult result;
  std::uint64_t seed = 0;
  std::int64_t budget = 0;
  std::vector<io::FileIdentity> inputs;
  std::vector<tune::ScenarioInfo> scenarios;
  double elapsed = 0;
};

Json reportJson(const Report& r) {
  const auto& space = *r.space;
  const auto& res = r.result;
  Json j;
  j["apiVersion"] = kApiVersion;
  j["kind"] = "TuningReport";
  j["version"] = core::version();
  j["seed"] = r.seed;
  j["partial"] = res.partial;
  j["budget"] = r.budget > 0 ? Json(r.budget) : Json(nullptr);
  j["budgetExhausted"] = res.budgetExhausted;
  j["runs"] = res.runs;
  Json sp;
  sp["name"] = space.name;
  sp["file"] = space.file;
  sp["line"] = space.line;
  j["space"] = sp;
  Json target;
  target["spec"] = r.patcher->targetKey();
  target["engine"] = r.patcher->argo() ? "argo" : "flagger";
  target["file"] = r.patcher->targetFile();
  j["target"] = target;
  Json inputs = Json::array();
  for (const auto& f : r.inputs) {
    Json x;
    x["path"] = f.path;
    x["bytes"] = f.bytes;
    x["sha256"] = f.sha256;
    inputs.push_back(std::move(x));
  }
  j["inputs"] = std::move(inputs);
  Json scen = Json::array();
  for (const auto& s : r.scenarios) {
    Json x;
    x["name"] = s.name;
    x["release"] = s.bad ? "bad" : "good";
    x["once"] = s.once;
    scen.push_back(std::move(x));
  }
  j["scenarios"] = std::move(scen);
  Json cons = Json::array();
  for (const auto& c : space.constraints) {
    Json x;
    x["measure"] = tune::toString(c.measure);
    x["max"] = jnum(c.max);
    x["scenario"] = c.scenario.empty() ? Json(nullptr) : Json(c.scenario);
    cons.push_back(std::move(x));
  }
  j["constraints"] = std::move(cons);
  Json obj;
  obj["timeToPromotion"] = jnum(space.objective.timeToPromotion);
  obj["excessErrors"] = jnum(space.objective.excessErrors);
  obj["falseRollbackRate"] = jnum(space.objective.falseRollbackRate);
  j["objective"] = obj;
  Json search;
  search["method"] = space.search.method == tune::SearchMethod::kFixed ? "fixed" : "racing";
  search["gridSize"] = res.gridSize;
  search["candidates"] = res.candidates.size();
  search["rounds"] = res.rounds;
  search["initialRuns"] = space.search.initialRuns;
  search["maxRuns"] = space.search.maxRuns;
  search["surrogate"] = res.surrogateNotes;
  j["search"] = search;
  Json cands = Json::array();
  for (std::size_t i = 0; i < res.candidates.size(); ++i) {
    const auto& c = res.candidates[i];
    Json x;
    x["id"] = i;
    x["origin"] = c.candidate.origin;
    x["fields"] = fieldsOf(space, c.candidate);
    x["status"] = tune::toString(c.status);
    x["reason"] = c.reason.empty() ? Json(nullptr) : Json(c.reason);
    x["runsPerScenario"] = c.runsPerScenario;
    Json oc = characteristics(c.oc);
    for (auto it = oc.begin(); it != oc.end(); ++it) x[it.key()] = it.value();
    x["objective"] = estimate(c.objective);
    cands.push_back(std::move(x));
  }
  j["candidates"] = std::move(cands);
  Json front = Json::array();
  for (std::size_t i : res.paretoFront) front.push_back(i);
  j["paretoFront"] = std::move(front);
  if (res.recommended < 0) {
    j["recommended"] = nullptr;
  } else {
    const auto& c = res.candidates[static_cast<std::size_t>(res.recommended)];
    Json rec;
    rec["id"] = res.recommended;
    rec["fields"] = fieldsOf(space, c.candidate);
    Json patches = Json::array();
    for (const auto& p : r.patcher->patches(c.candidate)) {
      Json x;
      x["file"] = p.file;
      x["document"] = p.document;
      x["path"] = p.path;
      x["from"] = p.from;
      x["to"] = p.to;
      patches.push_back(std::move(x));
    }
    rec["patches"] = std::move(patches);
    if (res.remeasureRunsPerScenario > 0) {
      Json rm = characteristics(res.remeasured);
      rm["seed"] = r.evaluator->streamSeed(1);
      rm["runsPerScenario"] = res.remeasureRunsPerScenario;
      rm["constraints"] = verdicts(space, res.remeasuredVerdicts);
      rec["remeasured"] = std::move(rm);
    } else {
      rec["remeasured"] = nullptr;
    }
    j["recommended"] = std::move(rec);
  }
  j["elapsedSeconds"] = jnum(std::round(r.elapsed * 1000) / 1000);
  return j;
}

// printf's "%.1f%% [%.1f, %.1f]" of a rate in percent, in the C locale.
std::string pct(const tune::Estimate& e) {
  if (!e.known()) return "-";
  return core::formatFixed(100 * e.value, 1) + "% [" + core::formatFixed(100 * e.lo, 1) + ", " +
         core::formatFixed(100 * e.hi, 1) + "]";
}

// printf's "%.0f [%.0f, %.0f]", in the C locale.
std::string num(const tune::Estimate& e) {
  if (!e.known()) return "-";
  return core::formatFixed(e.value, 0) + " [" + core::formatFixed(e.lo, 0) + ", " +
         core::formatFixed(e.hi, 0) + "]";
}

std::string fieldsText(const tune::TuningSpace& space, const tune::Candidate& c) {
  std::string s;
  for (std::size_t k = 0; k < space.fields.size(); ++k) {
    s += (k ? ", " : "") + space.fields[k].name + "=" +
         (space.fields[k].type == tune::FieldType::kCondition ? core::quoted(c.values[k].text)
                                                              : c.values[k].text);
  }
  return s;
}

std::string reportTable(const Report& r) {
  const auto& space = *r.space;
  const auto& res = r.result;
  std::ostringstream o;
  std::size_t counts[4] = {0, 0, 0, 0};
  for (const auto& c : res.candidates) ++counts[static_cast<int>(c.status)];
  o << "rolloutlab " << core::version() << " tune: " << r.patcher->targetKey() << " over "
    << r.scenarios.size() << " scenarios, seed " << r.seed;
  if (res.partial) o << " (PARTIAL: interrupted)";
  if (res.budgetExhausted) o << " (budget of " << r.budget << " runs spent)";
  o << "\n";
  o << res.candidates.size() << " candidates (grid " << res.gridSize << "), " << res.runs
    << " runs in " << res.rounds << " rounds: " << counts[0] << " feasible, " << counts[1]
    << " infeasible, " << counts[2] << " dominated, " << counts[3] << " undecided\n";
  for (const auto& c : space.constraints) o << "  constraint: " << c.describe() << "\n";
  o << "  objective: " << space.objective.describe() << "\n";
  for (const auto& n : res.surrogateNotes) o << "  surrogate: " << n << "\n";
  o << "\nPareto front (feasible; time to promotion vs excess errors vs false rollbacks):\n";
  o << std::left << std::setw(5) << "id" << std::setw(25) << "false rollbacks" << std::setw(25)
    << "escapes" << std::setw(22) << "excess errors/bad" << std::setw(22) << "time to promote (s)"
    << "fields\n";
  for (std::size_t i : res.paretoFront) {
    const auto& c = res.candidates[i];
    o << std::left << std::setw(5)
      << (std::to_string(i) + (static_cast<long>(i) == res.recommended ? "*" : "")) << std::setw(25)
      << pct(c.oc.falseRollbackRate) << std::setw(25) << pct(c.oc.escapeRate) << std::setw(22)
      << num(c.oc.meanExcessErrors) << std::setw(22) << num(c.oc.meanTimeToPromotion)
      << fieldsText(space, c.candidate) << "\n";
  }
  if (res.paretoFront.empty()) o << "  (no candidate is feasible)\n";
  o << "\n";
  if (res.recommended < 0) {
    o << "no recommendation: no candidate meets every constraint on its 95% bounds\n";
    return o.str();
  }
  const auto& c = res.candidates[static_cast<std::size_t>(res.recommended)];
  o << "recommended (candidate " << res.recommended << "): " << fieldsText(space, c.candidate)
    << "\n";
  for (const auto& p : r.patcher->patches(c.candidate)) {
    o << "  " << p.file << ": " << p.path << ": " << (p.from.empty() ? "(absent)" : p.from)
      << " -> " << p.to << "\n";
  }
  if (res.remeasureRunsPerScenario > 0) {
    std::size_t once = 0;
    for (const auto& s : r.scenarios) once += s.once ? 1 : 0;
    o << "re-measured on fresh seeds (batch --seed " << r.evaluator->streamSeed(1) << ", ";
    if (once == r.scenarios.size()) {
      o << "each recording run once as recorded):\n";
    } else {
      o << res.remeasureRunsPerScenario << " runs per scenario"
        << (once > 0 ? ", 1 per recording run as recorded" : "") << "):\n";
    }
    o << "  false rollbacks " << pct(res.remeasured.falseRollbackRate) << ", escapes "
      << pct(res.remeasured.escapeRate) << ", excess errors/bad "
      << num(res.remeasured.meanExcessErrors) << ", time to promote "
      << num(res.remeasured.meanTimeToPromotion) << " s\n";
    for (std::size_t i = 0; i < res.remeasuredVerdicts.size(); ++i) {
      o << "  " << space.constraints[i].describe() << ": "
        << tune::toString(res.remeasuredVerdicts[i]) << "\n";
    }
  }
  return o.str();
}

std::vector<std::pair<std::string, std::string>> readSpecFiles(const Workspace& ws) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : ws.files) {
    std::ifstream in(f.path, std::ios::binary);
    if (!in) throw core::InputError({core::Severity::kError, f.path, 0, 0, "", "", "cannot read"});
    std::ostringstream s;
    s << in.rdbuf();
    out.emplace_back(f.path, s.str());
  }
  return out;
}

}  // namespace

int runTune(const std::vector<std::string>& argv, Streams& io) {
  std::vector<std::string> specPaths, scenarioPaths;
  std::optional<std::string> spaceFlag, budgetFlag, seedFlag, threadsFlag, output, outFile, emitDir,
      meshFlag;
  cli::Parser p("tune", kTuneDescription, kTuneFooter);
  p.list("--spec", &specPaths, "PATH",
         "the spec files: the Canary or Rollout to tune and its templates");
  p.value("--space", &spaceFlag, "FILE", "the TuningSpace document");
  p.list("--scenarios", &scenarioPaths, "PATH",
         "Scenario and Replay documents, files or folders (default: the bundled scenario "
         "library); a Replay runs as recorded (once, unless it has a model counterfactual or a "
         "Scenario)");
  p.value("--budget", &budgetFlag, "RUNS",
          "the most runs the search may spend (default: no limit)");
  p.value("--seed", &seedFlag, "S", "master seed (default 0)");
  p.value("--threads", &threadsFlag, "T",
          "worker threads (default: all cores); never changes the result");
  p.value("--mesh-provider", &meshFlag, "P",
          "the mesh whose series the scenarios synthesize (default istio)");
  p.output(&output, kTuneFormats);
  p.value("--out", &outFile, "FILE",
          "write the report to FILE (atomically) instead of standard output");
  p.value("--emit", &emitDir, "DIR", "write the recommended manifest(s) into DIR");
  if (!p.parse(argv, io)) return 0;
  if (specPaths.empty()) throw UsageError("--spec is required");
  if (!spaceFlag) throw UsageError("--space is required");
  for (const auto& s : specPaths) {
    if (s == "-")
      throw UsageError(
          "--spec - is not supported: tune patches the spec files, so it reads them from disk");
  }
  if (scenarioPaths.empty()) scenarioPaths = defaultScenarioPaths("tune", io.err);
  if (scenarioPaths.empty())
    throw UsageError("--scenarios is required (no bundled scenario library was found)");
  cli::checkStdinOnce({{"--space", {*spaceFlag}}, {"--scenarios", scenarioPaths}});
  const std::int64_t budget = cli::integer(budgetFlag, "--budget", 1, 1'000'000'000'000LL, 0);
  const std::uint64_t seed = cli::unsignedInt(seedFlag, "--seed", 0);
  const int threads = static_cast<int>(cli::integer(threadsFlag, "--threads", 1, 1024, 0));
  const std::string format =
      cli::format(output, kTuneFormats, "table", io.outIsTerminal && !outFile);
  const std::string mesh = meshFlag.value_or("istio");

  Workspace specs = cli::load(specPaths, io);
  Workspace spaceWs = cli::load({*spaceFlag}, io);
  Workspace scen = cli::load(scenarioPaths, io);
  bool bad = false;
  for (const Workspace* w : {&specs, &spaceWs, &scen}) {
    for (const auto& d : w->diagnostics.items) {
      if (d.severity == core::Severity::kError) {
        io.err << "error: " << d.toString() << "\n";
        bad = true;
      }
    }
  }
  if (bad) return 1;
  const std::string spaceName = *spaceFlag == "-" ? cli::kStdinName : *spaceFlag;
  if (spaceWs.tuningSpaces.size() != 1) {
    throw core::InputError({core::Severity::kError, spaceName, 0, 0, "--space", "",
                            "must hold exactly one TuningSpace (found " +
                                std::to_string(spaceWs.tuningSpaces.size()) + ")"});
  }
  tune::TuningSpace& space = spaceWs.tuningSpaces.front();
  if (scen.scenarios.empty() && scen.replays.empty()) {
    throw core::InputError(
        {core::Severity::kError, "", 0, 0, "--scenarios", "", "no Scenario or Replay found"});
  }
  // Replays: run from their files only (tune never touches the network).
  for (const auto& r : scen.replays) {
    if (r.prometheus) {
      throw core::InputError(
          {core::Severity::kError, r.file, r.line, 0, "spec.prometheus", core::quoted(r.name),
           "tune reads recordings from files only: save the answers (queryRange files, CSV) "
           "and give those"});
    }
  }
  {
    std::vector<std::string> names;
    for (const auto& sc : scen.scenarios) names.push_back(sc.name);
    for (const auto& r : scen.replays) names.push_back(r.name);
    checkConstraintScenarios(space, names, "--scenarios");
  }
  for (auto& c : space.constraints) {
    if (c.scenario.empty()) continue;
    bool once = false;
    for (const auto& r : scen.replays) once = once || (r.name == c.scenario && replayRunsOnce(r));
    c.exact = once;
    if (!once && (c.measure == tune::Measure::kNotRolledBackRate ||
                  c.measure == tune::Measure::kNotPromotedRate)) {
      throw core::InputError(
          {core::Severity::kError, space.file, c.line, 0, "spec.constraints.scenarios[].outcome",
           core::quoted(c.scenario),
           "is for a Replay run as recorded (one deterministic run); on a Scenario bound "
           "escapeRate or falseRollbackRate"});
    }
  }
  SpecPatcher patcher(readSpecFiles(specs), space);
  // A Replay in trace mode shows what happened under the recorded rollout: it can answer for
  // the decision fields only. With a model counterfactual the canary's requests follow the
  // candidate's weights, so every field is fair.
  for (const auto& r : scen.replays) {
    if (r.counterfactual == replay::Counterfactual::kModel) continue;
    for (std::size_t k = 0; k < space.fields.size(); ++k) {
      const std::string& why = patcher.shapesTraffic(k);
      if (why.empty()) continue;
      throw core::InputError(
          {core::Severity::kError, space.file, space.fields[k].line, 0,
           "spec.fields[" + std::to_string(k) + "].field", core::quoted(space.fields[k].name),
           "cannot be tuned on the Replay " + r.name + " (" + r.file + ":" +
               std::to_string(r.line) + "), which replays recorded values: " + why +
               ", which changes what the recording shows (tune decision fields on it, or give it "
               "counterfactual: model)"});
    }
  }
  BatchEvaluator evaluator(patcher, scen.scenarios, seed, threads, mesh, scen.replays);
  checkFieldValues(space, patcher, seed);

  auto& cancel = cancelRequested();
  evaluator.cancel = &cancel;
  const auto t0 = std::chrono::steady_clock::now();
  tune::SearchOptions opt;
  opt.budget = budget;
  opt.cancel = &cancel;
  std::string stage = "racing";
  std::int64_t before = 0;
  if (io.errIsTerminal) {
    evaluator.progress = [&](std::int64_t done, std::int64_t planned) {
      const double el =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      io.err << "\r" + stage + ": " + std::to_string(done) + "/" + std::to_string(planned) +
                    " runs of this step, " + std::to_string(before + done) + " in all, "
             << core::formatFixed(el, 0) << " s   " << std::flush;
    };
    opt.progress = [&](std::int64_t runs, const std::string& s) {
      before = evaluator.runsMade();
      (void)runs;
      io.err << "\r" << std::string(78, ' ') << "\r" << s << "\n";
      stage = s;
    };
  }
  cancelWatched().store(true);
  Report rep;
  try {
    rep.result = tune::runSearch(space, evaluator, seed, opt);
  } catch (...) {
    cancelWatched().store(false);
    throw;
  }
  cancelWatched().store(false);
  if (io.errIsTerminal) io.err << "\n";
  rep.space = &space;
  rep.patcher = &patcher;
  rep.evaluator = &evaluator;
  rep.seed = seed;
  rep.budget = budget;
  rep.inputs = specs.files;
  rep.inputs.insert(rep.inputs.end(), spaceWs.files.begin(), spaceWs.files.end());
  rep.inputs.insert(rep.inputs.end(), scen.files.begin(), scen.files.end());
  rep.scenarios = evaluator.scenarios();
  rep.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (rep.result.partial)
    io.err << "tune interrupted: writing the best result so far, marked partial\n";

  // --emit: the recommended manifest(s), every other byte as the author wrote it.
  if (emitDir && rep.result.recommended >= 0) {
    namespace fs = std::filesystem;
    const auto& c =
        rep.result.candidates[static_cast<std::size_t>(rep.result.recommended)].candidate;
    std::set<std::string> changed;
    for (const auto& fp : patcher.patches(c)) changed.insert(fp.file);
    std::error_code ec;
    fs::create_directories(*emitDir, ec);
    if (ec) throw core::EnvironmentError("cannot create " + *emitDir + ": " + ec.message());
    std::set<std::string> names;
    for (const auto& [file, text] : patcher.apply(c)) {
      if (!changed.count(file) && file != patcher.targetFile()) continue;
      const std::string base = fs::path(file).filename().string();
      if (!names.insert(base).second) {
        throw core::InputError({core::Severity::kError, file, 0, 0, "--emit", "",
                                "two changed spec files are both named " + base});
      }
      writeAtomically((fs::path(*emitDir) / base).string(), text);
    }
  }
  const Json doc = reportJson(rep);
  const std::string text = format == "table" ? reportTable(rep) : render(doc, format);
  if (outFile) {
    writeAtomically(*outFile, text);
  } else {
    io.out << text;
  }
  if (rep.result.partial) return 1;
  if (rep.result.recommended < 0) {
    io.err << "tune: no candidate meets every constraint on its 95% bounds\n";
    return 1;
  }
  return 0;
}

}  // namespace rolloutlab::app
