#include "rolloutlab/app/batch.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "rolloutlab/app/output.h"
#include "rolloutlab/core/number_format.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/core/stats/proportion.h"
#include "rolloutlab/core/version.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/replay/pair_plans.h"
#include "rolloutlab/scenarios/pair_plans.h"

namespace rolloutlab::app {

namespace fl = core::flagger;
using io::jnum;
using io::Json;

std::atomic<bool>& cancelRequested() {
  static std::atomic<bool> flag{false};
  return flag;
}

std::atomic<bool>& cancelWatched() {
  static std::atomic<bool> flag{false};
  return flag;
}

std::vector<BatchSpec> batchSpecs(const Workspace& ws, const std::string& meshProvider) {
  std::vector<BatchSpec> out;
  std::map<std::string, int> seen;
  for (const auto& c : ws.canaries) {
    std::string key =
        "Canary/" + (c.namespace_.empty() ? std::string("default") : c.namespace_) + "/" + c.name;
    if (int n = seen[key]++; n > 0) key += "#" + std::to_string(n + 1);
    BatchSpec s;
    s.key = key;
    s.engine = "flagger";
    const fl::CanarySpec* cp = &c;
    const auto templates = io::resolveTemplates(c, ws.metricTemplates);
    s.compile = [cp, templates, meshProvider](const sim::CompiledScenario& sc) {
      return scenarios::flaggerPairPlan(*cp, templates, sc, meshProvider);
    };
    s.compileReplay = [cp, templates, meshProvider](const replay::ReplaySpec& r) {
      return replay::flaggerReplayPairPlan(*cp, templates, r, meshProvider);
    };
    out.push_back(std::move(s));
  }
  for (const auto& r : ws.rollouts) {
    std::string key =
        "Rollout/" + (r.namespace_.empty() ? std::string("default") : r.namespace_) + "/" + r.name;
    if (int n = seen[key]++; n > 0) key += "#" + std::to_string(n + 1);
    BatchSpec s;
    s.key = key;
    s.engine = "argo";
    const core::argo::RolloutSpec* rp = &r;
    const core::argo::TemplateCatalog* catalog = &ws.argoTemplates;
    const std::vector<sim::JudgeSpec>* judges = &ws.judges;
    s.compile = [rp, catalog, judges](const sim::CompiledScenario& sc) {
      return scenarios::argoPairPlan(*rp, *catalog, sc, *judges);
    };
    s.compileReplay = [rp, catalog](const replay::ReplaySpec& replaySpec) {
      return replay::argoReplayPairPlan(*rp, *catalog, replaySpec);
    };
    out.push_back(std::move(s));
  }
  return out;
}

BatchResult runBatch(const std::vector<BatchSpec>& specs,
                     const std::vector<sim::Scenario>& scenarioList,
                     std::vector<io::FileIdentity> inputs, const BatchOptions& opt) {
  return runBatch(specs, scenarioList, {}, std::move(inputs), opt);
}

BatchResult runBatch(const std::vector<BatchSpec>& specs,
                     const std::vector<sim::Scenario>& scenarioList,
                     const std::vector<replay::ReplaySpec>& replays,
                     std::vector<io::FileIdentity> inputs, const BatchOptions& opt) {
  const auto start = std::chrono::steady_clock::now();
  BatchResult res;
  res.version = core::version();
  res.seed = opt.seed;
  res.runs = opt.runs;
  res.shardIndex = opt.shardIndex;
  res.shardCount = opt.shardCount;
  res.inputs = std::move(inputs);
  for (const auto& j : opt.judges) {
    res.judges.push_back(j.name);
    res.judgeModes.push_back(j.mode == sim::JudgeSpec::Mode::kKayenta ? "kayenta" : "sequential");
  }
  if (specs.empty()) {
    throw core::InputError(
        {core::Severity::kError, "", 0, 0, "--spec", "", "no Canary or Rollout found"});
  }
  if (scenarioList.empty() && replays.empty()) {
    throw core::InputError(
        {core::Severity::kError, "", 0, 0, "--scenarios", "", "no Scenario or Replay found"});
  }
  // Shadow judges read request counts: a recording of metric values only is an error before
  // anything is read.
  if (!opt.judges.empty()) {
    for (const auto& r : replays) r.requireJudgeInput();
  }
  // Compile every pair before any run: a spec a scenario cannot evaluate is an error now.
  std::vector<std::unique_ptr<sim::CompiledScenario>> compiled;
  for (const auto& s : scenarioList) compiled.push_back(std::make_unique<sim::CompiledScenario>(s));
  std::vector<std::unique_ptr<PairPlan>> plans;
  for (const auto& spec : specs) {
    for (std::size_t j = 0; j < scenarioList.size(); ++j) {
      PairResult p;
      p.spec = spec.key;
      p.engine = spec.engine;
      p.scenario = scenarioList[j].name;
      p.release = scenarioList[j].release;
      p.seed = pairSeed(opt.seed, spec.key, scenarioList[j].name);
      try {
        plans.push_back(spec.compile(*compiled[j]));
      } catch (const core::InputError& e) {
        core::Diagnostic d = e.diagnostic();
        d.rule += " (spec " + spec.key + ", scenario " + scenarioList[j].name + ")";
        throw core::InputError(d);
      }
      res.pairs.push_back(std::move(p));
    }
    for (const auto& r : replays) {
      PairResult p;
      p.spec = spec.key;
      p.engine = spec.engine;
      p.scenario = r.name;
      p.release = r.release;
      p.seed = pairSeed(opt.seed, spec.key, r.name);
      if (!spec.compileReplay) {
        throw core::InputError(
            {core::Severity::kError, r.file, r.line, 0, "kind", "\"Replay\"",
             "the " + spec.engine + " engine cannot run replays yet (spec " + spec.key + ")"});
      }
      try {
        plans.push_back(spec.compileReplay(r));
      } catch (const core::InputError& e) {
        core::Diagnostic d = e.diagnostic();
        d.rule += " (spec " + spec.key + ", replay " + r.name + ")";
        throw core::InputError(d);
      }
      res.pairs.push_back(std::move(p));
    }
  }
  // The batch engine (sim/src/batch.cpp): replicate r of pair p seeded replicateSeed(p's seed, r).
  std::vector<const PairPlan*> planPtrs;
  std::vector<std::uint64_t> seeds;
  for (std::size_t p = 0; p < plans.size(); ++p) {
    planPtrs.push_back(plans[p].get());
    seeds.push_back(res.pairs[p].seed);
  }
  sim::PairRunOptions ro;
  ro.runs = opt.runs;
  ro.threads = opt.threads;
  ro.shardIndex = opt.shardIndex;
  ro.shardCount = opt.shardCount;
  ro.progress = opt.progress;
  ro.cancel = opt.cancel;
  ro.judges = opt.judges;
  sim::PairRuns runs = sim::runPairs(planPtrs, seeds, ro);
  for (std::size_t p = 0; p < res.pairs.size(); ++p)
    res.pairs[p].agg = std::move(runs.aggregates[p]);
  res.partial = runs.partial;
  res.elapsedSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return res;
}

// ---- reports ----------------------------------------------------------------------------------

namespace {

Json proportion(std::int64_t k, std::int64_t n) {
  Json j;
  if (n == 0) {
    j["value"] = nullptr;
    j["ci95"] = Json::array({nullptr, nullptr});
    return j;
  }
  const auto ci = core::stats::wilsonInterval(k, n, 0.95);
  j["value"] = jnum(static_cast<double>(k) / static_cast<double>(n));
  j["ci95"] = Json::array({jnum(ci.lo), jnum(ci.hi)});
  return j;
}

Json timeSummary(const core::ExactHistogram& h) {
  Json j;
  j["n"] = h.count();
  if (h.count() == 0) {
    j["mean"] = nullptr;
    j["p50"] = nullptr;
    j["p90"] = nullptr;
    j["p99"] = nullptr;
    return j;
  }
  j["mean"] = jnum(h.mean() / 1000.0);
  j["p50"] = jnum(static_cast<double>(h.quantile(0.5)) / 1000.0);
  j["p90"] = jnum(static_cast<double>(h.quantile(0.9)) / 1000.0);
  j["p99"] = jnum(static_cast<double>(h.quantile(0.99)) / 1000.0);
  return j;
}

double roundSig(double v, int digits) {
  if (v == 0 || !std::isfinite(v)) return v;
  return std::strtod(core::formatGeneral(v, digits).c_str(), nullptr);
}

Json valueSummary(const core::LogHistogram& h) {
  Json j;
  j["mean"] = jnum(h.mean());
  // Quantiles from the log histogram: within 0.5% of the order statistic.
  j["p90"] = jnum(roundSig(h.quantile(0.9), 4));
  j["p99"] = jnum(roundSig(h.quantile(0.99), 4));
  return j;
}

Json exactState(const core::ExactHistogram& h) {
  Json a = Json::array();
  for (const auto& [v, c] : h.bins()) a.push_back(Json::array({v, c}));
  return a;
}

Json logState(const core::LogHistogram& h) {
  Json j;
  Json a = Json::array();
  for (const auto& [b, c] : h.bins()) a.push_back(Json::array({b, c}));
  j["bins"] = std::move(a);
  j["sumMicro"] = core::int128ToString(h.sumMicro());
  return j;
}

struct SpecRollup {
  std::int64_t goodRuns = 0, goodRolledBack = 0, badRuns = 0, badPromoted = 0;
  core::Int128 badExcessMicro = 0;
  std::int64_t goodChecks = 0, goodFailedChecks = 0;
  std::vector<core::JudgeAggregate> goodJudges, badJudges;
};

std::map<std::string, SpecRollup> rollup(const BatchResult& r, std::vector<std::string>& order) {
  std::map<std::string, SpecRollup> m;
  for (const auto& p : r.pairs) {
    if (!m.count(p.spec)) order.push_back(p.spec);
    auto& s = m[p.spec];
    auto& js = p.release == sim::Release::kGood ? s.goodJudges : s.badJudges;
    if (js.size() < p.agg.judges.size()) js.resize(p.agg.judges.size());
    for (std::size_t k = 0; k < p.agg.judges.size(); ++k) js[k].merge(p.agg.judges[k]);
    if (p.release == sim::Release::kGood) {
      s.goodRuns += p.agg.runs;
      s.goodRolledBack += p.agg.rolledBack;
      s.goodChecks += p.agg.metricChecks;
      s.goodFailedChecks += p.agg.failedMetricChecks;
    } else {
      s.badRuns += p.agg.runs;
      s.badPromoted += p.agg.promoted;
      s.badExcessMicro += p.agg.excessErrors.sumMicro();
    }
  }
  return m;
}

}  // namespace

Json batchJson(const BatchResult& r) {
  Json j;
  j["apiVersion"] = kApiVersion;
  j["kind"] = "BatchReport";
  j["version"] = r.version;
  j["seed"] = r.seed;
  j["runs"] = r.runs;
  Json shard;
  shard["index"] = r.shardIndex;
  shard["count"] = r.shardCount;
  j["shard"] = shard;
  j["partial"] = r.partial;
  Json inputs = Json::array();
  for (const auto& f : r.inputs) {
    Json x;
    x["path"] = f.path;
    x["bytes"] = f.bytes;
    x["sha256"] = f.sha256;
    inputs.push_back(std::move(x));
  }
  j["inputs"] = std::move(inputs);
  Json judges = Json::array();
  for (std::size_t k = 0; k < r.judges.size(); ++k) {
    Json y;
    y["name"] = r.judges[k];
    y["mode"] = r.judgeModes[k];
    judges.push_back(std::move(y));
  }
  j["judges"] = std::move(judges);
  Json results = Json::array();
  for (const auto& p : r.pairs) {
    const auto& a = p.agg;
    Json x;
    x["spec"] = p.spec;
    x["engine"] = p.engine;
    x["scenario"] = p.scenario;
    x["release"] = sim::toString(p.release);
    x["seed"] = p.seed;
    x["runs"] = a.runs;
    x["promoted"] = a.promoted;
    x["rolledBack"] = a.rolledBack;
    x["other"] = a.other;
    x["pPromote"] = proportion(a.promoted, a.runs);
    x["pRollback"] = proportion(a.rolledBack, a.runs);
    x["timeToDecision"] = timeSummary(a.timeToDecisionMs);
    x["timeToPromotion"] = timeSummary(a.timeToPromotionMs);
    x["canaryRequests"] = valueSummary(a.canaryRequests);
    x["canaryErrors"] = valueSummary(a.canaryErrors);
    x["excessErrors"] = valueSummary(a.excessErrors);
    Json checks;
    checks["total"] = a.metricChecks;
    checks["failed"] = a.failedMetricChecks;
    checks["failureRate"] = proportion(a.failedMetricChecks, a.metricChecks);
    x["checks"] = std::move(checks);
    if (!r.judges.empty()) {
      Json js = Json::array();
      for (std::size_t k = 0; k < r.judges.size(); ++k) {
        const core::JudgeAggregate ja = k < a.judges.size() ? a.judges[k] : core::JudgeAggregate{};
        Json y;
        y["name"] = r.judges[k];
        y["mode"] = r.judgeModes[k];
        y["runs"] = ja.runs;
        y["fail"] = proportion(ja.fail, ja.runs);
        y["pass"] = proportion(ja.pass, ja.runs);
        y["undecided"] = ja.undecided;
        y["timeToFail"] = timeSummary(ja.timeToFailMs);
        y["timeToPass"] = timeSummary(ja.timeToPassMs);
        js.push_back(std::move(y));
      }
      x["judges"] = std::move(js);
    }
    Json st;
    st["checks"] = Json::array({a.metricChecks, a.failedMetricChecks});
    if (!r.judges.empty()) {
      Json js = Json::array();
      for (std::size_t k = 0; k < r.judges.size(); ++k) {
        const core::JudgeAggregate ja = k < a.judges.size() ? a.judges[k] : core::JudgeAggregate{};
        Json y;
        y["counts"] = Json::array({ja.fail, ja.pass, ja.undecided});
        y["timeToFailMs"] = exactState(ja.timeToFailMs);
        y["timeToPassMs"] = exactState(ja.timeToPassMs);
        js.push_back(std::move(y));
      }
      st["judges"] = std::move(js);
    }
    st["timeToDecisionMs"] = exactState(a.timeToDecisionMs);
    st["timeToPromotionMs"] = exactState(a.timeToPromotionMs);
    st["canaryRequests"] = logState(a.canaryRequests);
    st["canaryErrors"] = logState(a.canaryErrors);
    st["excessErrors"] = logState(a.excessErrors);
    x["state"] = std::move(st);
    results.push_back(std::move(x));
  }
  j["results"] = std::move(results);
  std::vector<std::string> order;
  const auto roll = rollup(r, order);
  Json specs = Json::array();
  for (const auto& key : order) {
    const auto& s = roll.at(key);
    Json x;
    x["spec"] = key;
    x["goodRuns"] = s.goodRuns;
    x["badRuns"] = s.badRuns;
    x["falseRollbackRate"] = proportion(s.goodRolledBack, s.goodRuns);
    x["escapeRate"] = proportion(s.badPromoted, s.badRuns);
    x["meanExcessErrorsBad"] =
        s.badRuns > 0
            ? jnum(static_cast<double>(s.badExcessMicro) / 1e6 / static_cast<double>(s.badRuns))
            : Json(nullptr);
    // Peeking: what one check suggests (a check's failure rate on good releases) beside the
    // realised false-rollback rate over the whole analysis.
    x["singleCheckFailureRate"] = proportion(s.goodFailedChecks, s.goodChecks);
    if (!r.judges.empty()) {
      Json js = Json::array();
      for (std::size_t k = 0; k < r.judges.size(); ++k) {
        const core::JudgeAggregate g =
            k < s.goodJudges.size() ? s.goodJudges[k] : core::JudgeAggregate{};
        const core::JudgeAggregate b =
            k < s.badJudges.size() ? s.badJudges[k] : core::JudgeAggregate{};
        Json y;
        y["name"] = r.judges[k];
        y["falseFailRate"] = proportion(g.fail, g.runs);
        y["detectionRate"] = proportion(b.fail, b.runs);
        y["meanDetectionTime"] =
            b.timeToFailMs.count() > 0 ? jnum(b.timeToFailMs.mean() / 1000.0) : Json(nullptr);
        js.push_back(std::move(y));
      }
      x["judges"] = std::move(js);
    }
    specs.push_back(std::move(x));
  }
  j["specs"] = std::move(specs);
  j["elapsedSeconds"] = jnum(std::round(r.elapsedSeconds * 1000.0) / 1000.0);
  return j;
}

namespace {

[[noreturn]] void bad(const std::string& file, const std::string& field, const std::string& rule) {
  throw core::InputError({core::Severity::kError, file, 0, 0, field, "", rule});
}

template <class T>
T get(const Json& j, const char* key, const std::string& file, const std::string& path) {
  if (!j.is_object() || !j.contains(key)) bad(file, path + key, "required field is missing");
  try {
    return j.at(key).get<T>();
  } catch (const std::exception&) {
    bad(file, path + key, "has the wrong type");
  }
}

void readExact(const Json& a, core::ExactHistogram& h, const std::string& file,
               const std::string& path) {
  if (!a.is_array()) bad(file, path, "must be an array of [value, count]");
  for (const auto& e : a) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer() || !e[1].is_number_integer() ||
        e[1].get<std::int64_t>() < 0) {
      bad(file, path, "must be an array of [value, count] integer pairs");
    }
    h.add(e[0].get<std::int64_t>(), e[1].get<std::int64_t>());
  }
}

void readLog(const Json& j, core::LogHistogram& h, const std::string& file,
             const std::string& path) {
  std::map<std::int32_t, std::int64_t> bins;
  const Json& a = j.is_object() && j.contains("bins") ? j["bins"] : Json();
  if (!a.is_array()) bad(file, path + ".bins", "must be an array of [bucket, count]");
  for (const auto& e : a) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer() || !e[1].is_number_integer() ||
        e[1].get<std::int64_t>() < 0) {
      bad(file, path + ".bins", "must be an array of [bucket, count] integer pairs");
    }
    bins[e[0].get<std::int32_t>()] += e[1].get<std::int64_t>();
  }
  core::Int128 sum = 0;
  if (!core::int128FromString(get<std::string>(j, "sumMicro", file, path + "."), sum)) {
    bad(file, path + ".sumMicro", "must be a decimal integer");
  }
  h.restore(bins, sum);
}

}  // namespace

BatchResult batchFromJson(const Json& j, const std::string& file) {
  BatchResult r;
  if (!j.is_object()) bad(file, "", "not a rolloutlab batch report (a JSON object)");
  // Reports written before the envelope have no apiVersion and kind; others must be a BatchReport.
  if (j.contains("apiVersion") && j["apiVersion"] != kApiVersion)
    bad(file, "apiVersion", std::string("must be ") + kApiVersion);
  if (j.contains("kind") && j["kind"] != "BatchReport")
    bad(file, "kind", "must be BatchReport (a batch report)");
  r.version = get<std::string>(j, "version", file, "");
  r.seed = get<std::uint64_t>(j, "seed", file, "");
  r.runs = get<std::int64_t>(j, "runs", file, "");
  const Json shard = j.value("shard", Json());
  if (!shard.is_object()) bad(file, "shard", "must be an object {index, count}");
  r.shardIndex = get<int>(shard, "index", file, "shard.");
  r.shardCount = get<int>(shard, "count", file, "shard.");
  r.partial = get<bool>(j, "partial", file, "");
  for (const auto& f : j.value("inputs", Json::array())) {
    r.inputs.push_back({get<std::string>(f, "path", file, "inputs[]."),
                        get<std::uint64_t>(f, "bytes", file, "inputs[]."),
                        get<std::string>(f, "sha256", file, "inputs[].")});
  }
  for (const auto& y : j.value("judges", Json::array())) {
    r.judges.push_back(get<std::string>(y, "name", file, "judges[]."));
    r.judgeModes.push_back(get<std::string>(y, "mode", file, "judges[]."));
  }
  const Json results = j.value("results", Json());
  if (!results.is_array()) bad(file, "results", "must be an array");
  for (std::size_t i = 0; i < results.size(); ++i) {
    const Json& x = results[i];
    const std::string p = "results[" + std::to_string(i) + "].";
    PairResult pr;
    pr.spec = get<std::string>(x, "spec", file, p);
    pr.engine = get<std::string>(x, "engine", file, p);
    pr.scenario = get<std::string>(x, "scenario", file, p);
    const std::string rel = get<std::string>(x, "release", file, p);
    if (rel != "good" && rel != "bad") bad(file, p + "release", "must be good or bad");
    pr.release = rel == "good" ? sim::Release::kGood : sim::Release::kBad;
    pr.seed = get<std::uint64_t>(x, "seed", file, p);
    auto& a = pr.agg;
    a.runs = get<std::int64_t>(x, "runs", file, p);
    a.promoted = get<std::int64_t>(x, "promoted", file, p);
    a.rolledBack = get<std::int64_t>(x, "rolledBack", file, p);
    a.other = get<std::int64_t>(x, "other", file, p);
    if (a.runs < 0 || a.promoted < 0 || a.rolledBack < 0 || a.other < 0 ||
        a.promoted + a.rolledBack + a.other != a.runs) {
      bad(file, p + "runs", "promoted + rolledBack + other must equal runs");
    }
    const Json st = x.value("state", Json());
    if (!st.is_object()) bad(file, p + "state", "must be an object");
    const Json ch = st.value("checks", Json());
    if (!ch.is_array() || ch.size() != 2 || !ch[0].is_number_integer() ||
        !ch[1].is_number_integer()) {
      bad(file, p + "state.checks", "must be [total, failed]");
    }
    a.metricChecks = ch[0].get<std::int64_t>();
    a.failedMetricChecks = ch[1].get<std::int64_t>();
    const Json sj = st.value("judges", Json::array());
    if (sj.size() != r.judges.size())
      bad(file, p + "state.judges", "must hold one entry per judge");
    for (std::size_t k = 0; k < sj.size(); ++k) {
      core::JudgeAggregate ja;
      if (!sj[k].is_object())
        bad(file, p + "state.judges[" + std::to_string(k) + "]", "must be an object");
      const Json c = sj[k].value("counts", Json());
      if (!c.is_array() || c.size() != 3)
        bad(file, p + "state.judges[].counts", "must be [fail, pass, undecided]");
      ja.fail = c[0].get<std::int64_t>();
      ja.pass = c[1].get<std::int64_t>();
      ja.undecided = c[2].get<std::int64_t>();
      ja.runs = ja.fail + ja.pass + ja.undecided;
      readExact(sj[k].value("timeToFailMs", Json()), ja.timeToFailMs, file,
                p + "state.judges[].timeToFailMs");
      readExact(sj[k].value("timeToPassMs", Json()), ja.timeToPassMs, file,
                p + "state.judges[].timeToPassMs");
      a.judges.push_back(std::move(ja));
    }
    readExact(st.value("timeToDecisionMs", Json()), a.timeToDecisionMs, file,
              p + "state.timeToDecisionMs");
    readExact(st.value("timeToPromotionMs", Json()), a.timeToPromotionMs, file,
              p + "state.timeToPromotionMs");
    readLog(st.value("canaryRequests", Json()), a.canaryRequests, file, p + "state.canaryRequests");
    readLog(st.value("canaryErrors", Json()), a.canaryErrors, file, p + "state.canaryErrors");
    readLog(st.value("excessErrors", Json()), a.excessErrors, file, p + "state.excessErrors");
    r.pairs.push_back(std::move(pr));
  }
  r.elapsedSeconds = j.value("elapsedSeconds", 0.0);
  return r;
}

BatchResult mergeBatches(const std::vector<BatchResult>& shards,
                         const std::vector<std::string>& files) {
  if (shards.empty()) bad("", "", "nothing to merge");
  BatchResult m = shards.front();
  const int count = m.shardCount;
  std::set<int> seen;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const auto& s = shards[i];
    const std::string& f = files[i];
    if (s.version != m.version)
      bad(f, "version", "differs from " + files[0] + " (" + m.version + ")");
    if (s.seed != m.seed) bad(f, "seed", "differs from " + files[0]);
    if (s.runs != m.runs) bad(f, "runs", "differs from " + files[0]);
    if (s.shardCount != count) bad(f, "shard.count", "differs from " + files[0]);
    if (s.shardIndex < 0 || s.shardIndex >= count) bad(f, "shard.index", "out of range");
    if (!seen.insert(s.shardIndex).second)
      bad(f, "shard.index", "shard " + std::to_string(s.shardIndex) + " given twice");
    if (s.inputs.size() != m.inputs.size())
      bad(f, "inputs", "were not the same files as " + files[0]);
    for (std::size_t k = 0; k < s.inputs.size(); ++k) {
      if (s.inputs[k].sha256 != m.inputs[k].sha256 || s.inputs[k].path != m.inputs[k].path) {
        bad(f, "inputs", s.inputs[k].path + " differs from the one " + files[0] + " used");
      }
    }
    if (s.judges != m.judges) bad(f, "judges", "differ from the judges of " + files[0]);
    if (s.pairs.size() != m.pairs.size()) bad(f, "results", "holds other pairs than " + files[0]);
    for (std::size_t k = 0; k < s.pairs.size(); ++k) {
      if (s.pairs[k].spec != m.pairs[k].spec || s.pairs[k].scenario != m.pairs[k].scenario) {
        bad(f, "results", "holds other pairs than " + files[0]);
      }
    }
  }
  if (static_cast<int>(seen.size()) != count) {
    std::string missing;
    for (int k = 0; k < count; ++k) {
      if (!seen.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
    }
    bad("", "shard", "shards missing: " + missing);
  }
  for (auto& p : m.pairs) {
    p.agg = core::PairAggregate{};
    p.agg.judges.resize(m.judges.size());
  }
  m.partial = false;
  m.elapsedSeconds = 0;
  for (const auto& s : shards) {
    for (std::size_t k = 0; k < s.pairs.size(); ++k) m.pairs[k].agg.merge(s.pairs[k].agg);
    m.partial = m.partial || s.partial;
    m.elapsedSeconds = std::max(m.elapsedSeconds, s.elapsedSeconds);
  }
  m.shardIndex = 0;
  m.shardCount = 1;
  return m;
}

std::string batchCsv(const BatchResult& r) {
  std::ostringstream o;
  o << "spec,engine,scenario,release,runs,promoted,rolledBack,other,pPromote,pPromoteLo,pPromoteHi,"
       "pRollback,"
       "pRollbackLo,pRollbackHi,decisionMean,decisionP50,decisionP90,decisionP99,promotionMean,"
       "canaryRequestsMean,"
       "canaryErrorsMean,excessErrorsMean,excessErrorsP90,excessErrorsP99,seed\n";
  const Json j = batchJson(r);
  auto num = [](const Json& v) { return v.is_null() ? std::string() : v.dump(); };
  for (const auto& x : j["results"]) {
    o << x["spec"].get<std::string>() << "," << x["engine"].get<std::string>() << ","
      << x["scenario"].get<std::string>() << "," << x["release"].get<std::string>() << ","
      << x["runs"] << "," << x["promoted"] << "," << x["rolledBack"] << "," << x["other"] << ","
      << num(x["pPromote"]["value"]) << "," << num(x["pPromote"]["ci95"][0]) << ","
      << num(x["pPromote"]["ci95"][1]) << "," << num(x["pRollback"]["value"]) << ","
      << num(x["pRollback"]["ci95"][0]) << "," << num(x["pRollback"]["ci95"][1]) << ","
      << num(x["timeToDecision"]["mean"]) << "," << num(x["timeToDecision"]["p50"]) << ","
      << num(x["timeToDecision"]["p90"]) << "," << num(x["timeToDecision"]["p99"]) << ","
      << num(x["timeToPromotion"]["mean"]) << "," << num(x["canaryRequests"]["mean"]) << ","
      << num(x["canaryErrors"]["mean"]) << "," << num(x["excessErrors"]["mean"]) << ","
      << num(x["excessErrors"]["p90"]) << "," << num(x["excessErrors"]["p99"]) << "," << x["seed"]
      << "\n";
  }
  return o.str();
}

std::string batchTable(const BatchResult& r) {
  std::ostringstream o;
  const Json j = batchJson(r);
  auto pct = [](const Json& p) {
    if (p["value"].is_null()) return std::string("-");
    // printf's "%5.1f%% [%4.1f, %5.1f]" in the C locale.
    auto fixed = [](double v, std::size_t width) {
      const std::string t = core::formatFixed(v, 1);
      return std::string(width > t.size() ? width - t.size() : 0, ' ') + t;
    };
    return fixed(100 * p["value"].get<double>(), 5) + "% [" +
           fixed(100 * p["ci95"][0].get<double>(), 4) + ", " +
           fixed(100 * p["ci95"][1].get<double>(), 5) + "]";
  };
  auto secs = [](const Json& v) {
    if (v.is_null()) return std::string("-");
    return core::formatFixed(v.get<double>(), 0);
  };
  auto num = [](const Json& v) {
    return core::formatFixed(v.is_null() ? 0.0 : v.get<double>(), 0);
  };
  std::size_t wSpec = 4, wScen = 8;
  for (const auto& x : j["results"]) {
    wSpec = std::max(wSpec, x["spec"].get<std::string>().size());
    wScen = std::max(wScen, x["scenario"].get<std::string>().size());
  }
  o << "rolloutlab " << r.version << " batch: " << r.runs << " runs per pair, seed " << r.seed;
  if (r.shardCount > 1) o << ", shard " << r.shardIndex << "/" << r.shardCount;
  if (r.partial) o << " (PARTIAL: interrupted)";
  o << "\n\n";
  o << std::left << std::setw(static_cast<int>(wSpec) + 2) << "spec"
    << std::setw(static_cast<int>(wScen) + 2) << "scenario" << std::setw(8) << "release"
    << std::right << std::setw(7) << "runs"
    << "  " << std::left << std::setw(23) << "promoted [95% CI]" << std::setw(23)
    << "rolled back [95% CI]" << std::right << std::setw(20) << "decision p50/p90 (s)"
    << std::setw(24) << "excess errors mean/p99"
    << "\n";
  for (const auto& x : j["results"]) {
    o << std::left << std::setw(static_cast<int>(wSpec) + 2) << x["spec"].get<std::string>()
      << std::setw(static_cast<int>(wScen) + 2) << x["scenario"].get<std::string>() << std::setw(8)
      << x["release"].get<std::string>() << std::right << std::setw(7)
      << x["runs"].get<std::int64_t>() << "  " << std::left << std::setw(23) << pct(x["pPromote"])
      << std::setw(23) << pct(x["pRollback"]) << std::right << std::setw(20)
      << (secs(x["timeToDecision"]["p50"]) + "/" + secs(x["timeToDecision"]["p90"]))
      << std::setw(24) << (num(x["excessErrors"]["mean"]) + "/" + num(x["excessErrors"]["p99"]))
      << "\n";
  }
  o << "\n";
  for (const auto& s : j["specs"]) {
    o << s["spec"].get<std::string>() << ": false rollbacks on good releases "
      << pct(s["falseRollbackRate"]) << " (one check fails " << pct(s["singleCheckFailureRate"])
      << "), escapes of bad releases " << pct(s["escapeRate"])
      << ", mean excess errors per bad release "
      << (s["meanExcessErrorsBad"].is_null() ? std::string("-") : num(s["meanExcessErrorsBad"]))
      << "\n";
    if (s.contains("judges")) {
      for (const auto& y : s["judges"]) {
        o << "  shadow judge " << y["name"].get<std::string>() << ": false fails on good releases "
          << pct(y["falseFailRate"]) << ", detects bad releases " << pct(y["detectionRate"])
          << ", mean detection time "
          << (y["meanDetectionTime"].is_null() ? std::string("-")
                                               : secs(y["meanDetectionTime"]) + "s")
          << "\n";
      }
    }
  }
  return o.str();
}

}  // namespace rolloutlab::app
