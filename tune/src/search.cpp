#include "rolloutlab/tune/search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <tuple>

#include "rolloutlab/core/number_format.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/sim/seeds.h"
#include "rolloutlab/tune/surrogate.h"

namespace rolloutlab::tune {

std::string Candidate::key() const {
  std::string k;
  for (const auto& v : values) k += v.text + "\x1f";
  return k;
}

const char* toString(Status s) {
  switch (s) {
    case Status::kFeasible:
      return "feasible";
    case Status::kInfeasible:
      return "infeasible";
    case Status::kDominated:
      return "dominated";
    case Status::kUndecided:
      return "undecided";
  }
  return "?";
}

std::vector<Estimate> constrainedEstimates(const TuningSpace& space,
                                           const std::vector<ScenarioInfo>& scenarios,
                                           const std::vector<PairStats>& pairs) {
  std::vector<bool> bad;
  for (const auto& s : scenarios) bad.push_back(s.bad);
  const Characteristics suite = characterise(pairs, bad);
  std::vector<Estimate> out;
  for (const auto& c : space.constraints) {
    if (c.scenario.empty()) {
      out.push_back(pick(suite, c.measure));
      continue;
    }
    std::vector<PairStats> one;
    std::vector<bool> oneBad;
    bool once = false;
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
      if (scenarios[i].name == c.scenario) {
        one.push_back(pairs[i]);
        oneBad.push_back(bad[i]);
        once = scenarios[i].once;
      }
    }
    Estimate e = pick(characterise(one, oneBad), c.measure);
    // One deterministic run: its value is what the recording shows, not a sample of it.
    if (once && e.known()) e.lo = e.hi = e.value;
    out.push_back(e);
  }
  return out;
}

std::vector<Verdict> judgeAll(const TuningSpace& space, const std::vector<ScenarioInfo>& scenarios,
                              const std::vector<PairStats>& pairs) {
  const auto est = constrainedEstimates(space, scenarios, pairs);
  std::vector<Verdict> out;
  for (std::size_t i = 0; i < est.size(); ++i) out.push_back(judge(space.constraints[i], est[i]));
  return out;
}

Estimate pairedDifference(const Objective& objective, const std::vector<bool>& bad,
                          const CandidateResult& a, const CandidateResult& b,
                          const std::vector<bool>& once) {
  Estimate out;
  const std::int64_t m = std::min(a.runsPerScenario, b.runsPerScenario);
  if (m <= 0) return out;
  const std::size_t shared = static_cast<std::size_t>(m);
  // The runs of scenario s both candidates made on the same seeds.
  auto runsOf = [&](std::size_t s) {
    return s < once.size() && once[s] ? std::min<std::size_t>(1, shared) : shared;
  };
  // The time to promotion: a ratio mean over the promoted good runs of each candidate.
  double ta = 0, tb = 0, pa = 0, pb = 0, ng = 0, nb = 0;
  for (std::size_t s = 0; s < bad.size(); ++s) {
    const std::size_t n = runsOf(s);
    if (a.outcomes[s].size() < n || b.outcomes[s].size() < n) return out;
    for (std::size_t i = 0; i < n; ++i) {
      if (bad[s]) {
        nb += 1;
        continue;
      }
      ng += 1;
      const auto& x = a.outcomes[s][i];
      const auto& y = b.outcomes[s][i];
      if (x.result == RunOutcome::Result::kPromoted && x.timeToPromotion >= 0) {
        ta += x.timeToPromotion;
        pa += 1;
      }
      if (y.result == RunOutcome::Result::kPromoted && y.timeToPromotion >= 0) {
        tb += y.timeToPromotion;
        pb += 1;
      }
    }
  }
  if (objective.timeToPromotion != 0 && (pa == 0 || pb == 0)) return out;
  const double ma = pa > 0 ? ta / pa : 0, mb = pb > 0 ? tb / pb : 0;
  double d = 0;
  double gSum = 0, gSq = 0, hSum = 0, hSq = 0;
  for (std::size_t s = 0; s < bad.size(); ++s) {
    const std::size_t n = runsOf(s);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& x = a.outcomes[s][i];
      const auto& y = b.outcomes[s][i];
      if (bad[s]) {
        const double h = objective.excessErrors * (x.excessErrors - y.excessErrors);
        hSum += h;
        hSq += h * h;
        continue;
      }
      double g = 0;
      if (objective.timeToPromotion != 0) {
        const double ia =
            x.result == RunOutcome::Result::kPromoted && x.timeToPromotion >= 0 ? 1 : 0;
        const double ib =
            y.result == RunOutcome::Result::kPromoted && y.timeToPromotion >= 0 ? 1 : 0;
        // Influence of the run on each ratio mean: I (t - mean) / (share promoted).
        g += objective.timeToPromotion * (ia * (x.timeToPromotion - ma) / (pa / ng) -
                                          ib * (y.timeToPromotion - mb) / (pb / ng));
      }
      const double ra = x.result == RunOutcome::Result::kRolledBack ? 1 : 0;
      const double rb = y.result == RunOutcome::Result::kRolledBack ? 1 : 0;
      g += objective.falseRollbackRate * (ra - rb);
      gSum += g;
      gSq += g * g;
    }
  }
  d = objective.timeToPromotion * (ma - mb);
  double var = 0;
  if (ng > 0) {
    const double meanG = gSum / ng;
    d += meanG;  // the influence terms average to 0; the rate difference does not
    if (ng > 1) var += std::max(0.0, (gSq - gSum * gSum / ng) / (ng - 1)) / ng;
  }
  if (nb > 0) {
    d += hSum / nb;
    if (nb > 1) var += std::max(0.0, (hSq - hSum * hSum / nb) / (nb - 1)) / nb;
  }
  const double half = 1.959963984540054 * std::sqrt(var);
  out.value = d;
  out.lo = d - half;
  out.hi = d + half;
  out.n = m;
  return out;
}

std::vector<Candidate> initialCandidates(const TuningSpace& space, std::uint64_t seed) {
  std::vector<Candidate> out;
  const std::size_t k = space.fields.size();
  if (k == 0) return out;
  if (space.gridSize() <= static_cast<double>(space.search.candidates)) {
    // The whole grid, the first field varying slowest.
    std::vector<std::size_t> idx(k, 0);
    for (;;) {
      Candidate c;
      c.origin = "grid";
      for (std::size_t f = 0; f < k; ++f) c.values.push_back(space.fields[f].values[idx[f]]);
      out.push_back(std::move(c));
      std::size_t f = k;
      while (f > 0) {
        --f;
        if (++idx[f] < space.fields[f].values.size()) break;
        idx[f] = 0;
        if (f == 0) return out;
      }
    }
  }
  // A Latin hypercube sample: each field's range cut into N strata, each stratum used once.
  const std::size_t n = static_cast<std::size_t>(space.search.candidates);
  core::Rng rng(sim::streamSeed(seed, sim::SeedStream::kTuneLatinHypercube));
  std::vector<std::vector<FieldValue>> columns(k);
  for (std::size_t f = 0; f < k; ++f) {
    const Field& field = space.fields[f];
    std::vector<std::size_t> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    for (std::size_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[rng.next() % i]);
    for (std::size_t i = 0; i < n; ++i) {
      const double u = (static_cast<double>(perm[i]) + rng.uniform()) / static_cast<double>(n);
      if (field.continuous) {
        columns[f].push_back(field.valueOf(field.lo + u * (field.hi - field.lo)));
      } else {
        const std::size_t at =
            std::min(field.values.size() - 1,
                     static_cast<std::size_t>(u * static_cast<double>(field.values.size())));
        columns[f].push_back(field.values[at]);
      }
    }
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < n; ++i) {
    Candidate c;
    c.origin = "sample";
    for (std::size_t f = 0; f < k; ++f) c.values.push_back(columns[f][i]);
    if (seen.insert(c.key()).second) out.push_back(std::move(c));
  }
  return out;
}

namespace {

// A paired difference in messages: "0.1234 [0.01, 0.2345]", printf's %.4g in the C locale
// whatever the process's locale (core::formatGeneral).
std::string differenceText(const Estimate& d) {
  return core::formatGeneral(d.value, 4) + " [" + core::formatGeneral(d.lo, 4) + ", " +
         core::formatGeneral(d.hi, 4) + "]";
}

class Search {
 public:
  Search(const TuningSpace& space, Evaluator& ev, std::uint64_t seed, const SearchOptions& opt)
      : space_(space), ev_(ev), seed_(seed), opt_(opt), scenarios_(ev.scenarios()) {
    for (const auto& s : scenarios_) {
      bad_.push_back(s.bad);
      once_.push_back(s.once);
    }
  }

  SearchResult run();

 private:
  bool add(Candidate c);
  void update(std::size_t i);
  bool allMet(const CandidateResult& r) const {
    return std::all_of(r.verdicts.begin(), r.verdicts.end(),
                       [](Verdict v) { return v == Verdict::kMet; });
  }
  bool feasible(const CandidateResult& r) const { return allMet(r) && r.objective.known(); }
  bool stopped() const { return cancelled_ || exhausted_; }
  /// Brings every candidate of `which` to `n` replicates per scenario (within the budget).
  void runTo(const std::vector<std::size_t>& which, std::int64_t n);
  void drop(std::vector<std::size_t>& alive);
  void race(std::vector<std::size_t> alive);
  std::vector<std::size_t> alive() const;
  std::vector<std::size_t> front() const;
  long best() const;
  void refine(int round);
  void proposeBySurrogate();
  void note(const std::string& stage);

  const TuningSpace& space_;
  Evaluator& ev_;
  std::uint64_t seed_;
  const SearchOptions& opt_;
  const std::vector<ScenarioInfo>& scenarios_;
  std::vector<bool> bad_;
  std::vector<bool> once_;  ///< per scenario: one deterministic run (a recording)
  /// The replicates of scenario k a candidate with `n` per scenario has.
  std::int64_t runsOn(std::size_t k, std::int64_t n) const {
    return once_[k] ? std::min<std::int64_t>(1, n) : n;
  }
  bool allOnce() const {
    return std::all_of(once_.begin(), once_.end(), [](bool b) { return b; });
  }
  std::vector<Candidate> candidates_;
  SearchResult res_;
  std::set<std::string> keys_;
  bool cancelled_ = false, exhausted_ = false;
};

bool Search::add(Candidate c) {
  if (!keys_.insert(c.key()).second) return false;
  CandidateResult r;
  r.candidate = c;
  r.pairs.resize(scenarios_.size());
  r.outcomes.resize(scenarios_.size());
  candidates_.push_back(std::move(c));
  res_.candidates.push_back(std::move(r));
  update(res_.candidates.size() - 1);
  return true;
}

void Search::update(std::size_t i) {
  auto& r = res_.candidates[i];
  r.oc = characterise(r.pairs, bad_);
  r.objective = space_.objective.of(r.oc);
  r.constrained = constrainedEstimates(space_, scenarios_, r.pairs);
  r.verdicts.clear();
  for (std::size_t c = 0; c < r.constrained.size(); ++c)
    r.verdicts.push_back(judge(space_.constraints[c], r.constrained[c]));
}

void Search::note(const std::string& stage) {
  if (opt_.progress) opt_.progress(res_.runs, stage);
}

void Search::runTo(const std::vector<std::size_t>& which, std::int64_t n) {
  if (stopped()) return;
  auto cost = [&](std::int64_t target) {
    std::int64_t c = 0;
    for (std::size_t i : which) {
      for (std::size_t k = 0; k < scenarios_.size(); ++k) {
        c += std::max<std::int64_t>(
            0, runsOn(k, target) - runsOn(k, res_.candidates[i].runsPerScenario));
      }
    }
    return c;
  };
  if (opt_.budget > 0 && res_.runs + cost(n) > opt_.budget) {
    // The most replicates the budget still pays for, for every candidate alike.
    std::int64_t lo = 0, hi = n;
    while (lo < hi) {
      const std::int64_t mid = (lo + hi + 1) / 2;
      if (res_.runs + cost(mid) <= opt_.budget) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    exhausted_ = true;
    n = lo;
  }
  std::vector<Task> tasks;
  for (std::size_t i : which) {
    auto& r = res_.candidates[i];
    if (r.runsPerScenario >= n) continue;
    for (std::size_t k = 0; k < scenarios_.size(); ++k) {
      const std::int64_t from = runsOn(k, r.runsPerScenario), to = runsOn(k, n);
      if (to > from) tasks.push_back({i, k, from, to, 0});
    }
  }
  if (tasks.empty()) {
    // Only recordings, run already: the candidates reach n without another run.
    for (std::size_t i : which) {
      auto& r = res_.candidates[i];
      if (r.runsPerScenario < n) {
        r.runsPerScenario = n;
        update(i);
      }
    }
    return;
  }
  std::vector<std::vector<RunOutcome>> out;
  if (!ev_.run(candidates_, tasks, out)) {
    cancelled_ = true;
    return;
  }
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    auto& r = res_.candidates[tasks[t].candidate];
    for (const auto& o : out[t]) r.pairs[tasks[t].scenario].add(o);
    auto& kept = r.outcomes[tasks[t].scenario];
    kept.insert(kept.end(), out[t].begin(), out[t].end());
    res_.runs += tasks[t].end - tasks[t].begin;
  }
  for (std::size_t i : which) {
    auto& r = res_.candidates[i];
    if (r.runsPerScenario < n) {
      r.runsPerScenario = n;
      update(i);
    }
  }
}

std::vector<std::size_t> Search::alive() const {
  std::vector<std::size_t> a;
  for (std::size_t i = 0; i < res_.candidates.size(); ++i) {
    if (res_.candidates[i].alive) a.push_back(i);
  }
  return a;
}

void Search::drop(std::vector<std::size_t>& alive) {
  auto kill = [&](std::size_t i, Status st, std::string why) {
    auto& r = res_.candidates[i];
    r.alive = false;
    r.status = st;
    r.reason = std::move(why);
    if (st == Status::kInfeasible) r.outcomes.assign(scenarios_.size(), {});
    ev_.release(i);
  };
  // Infeasible: a constraint's interval lies wholly above its bound.
  for (std::size_t i : alive) {
    const auto& r = res_.candidates[i];
    for (std::size_t c = 0; c < r.verdicts.size(); ++c) {
      if (r.verdicts[c] != Verdict::kViolated) continue;
      const auto& con = space_.constraints[c];
      std::string b = std::string(toString(con.measure)) + ": ";
      if (con.exact) {
        b += core::formatGeneral(r.constrained[c].value) + " above " +
             core::formatGeneral(con.max) + " on the recording's one run";
      } else {
        b += "95% interval above " + core::formatGeneral(con.max) + " after " +
             std::to_string(r.runsPerScenario) + " runs per scenario";
      }
      kill(i, Status::kInfeasible,
           b + (con.scenario.empty() ? std::string() : " (on " + con.scenario + ")"));
      break;
    }
  }
  // Candidates dropped by one that has now turned out infeasible race again.
  for (std::size_t k = 0; k < res_.candidates.size(); ++k) {
    auto& r = res_.candidates[k];
    if (r.alive || r.status != Status::kDominated || r.droppedBy < 0) continue;
    if (res_.candidates[static_cast<std::size_t>(r.droppedBy)].status != Status::kInfeasible)
      continue;
    r.alive = true;
    r.status = Status::kUndecided;
    r.reason.clear();
    r.droppedBy = -1;
    alive.push_back(k);
  }
  std::sort(alive.begin(), alive.end());
  // Dominated, on the runs two candidates share (which used the same seeds):
  // - by the leader (the feasible candidate with the lowest objective): the objective is worse
  //   on the paired 95% interval, or no better and within the indifference margin;
  // - by any candidate not (yet) shown infeasible whose objective is better on the paired 95%
  //   interval and whose every constrained measure is no worse (point estimates): whatever
  //   more runs show about its feasibility, they would show about this one's.
  // A candidate whose objective cannot be estimated (e.g. one that never promotes a good
  // release) is dominated by a feasible leader.
  long leader = -1;
  for (std::size_t i : alive) {
    const auto& r = res_.candidates[i];
    if (!r.alive || !feasible(r)) continue;
    if (leader < 0 ||
        r.objective.value < res_.candidates[static_cast<std::size_t>(leader)].objective.value) {
      leader = static_cast<long>(i);
    }
  }
  std::vector<std::size_t> byObjective;
  for (std::size_t i : alive) {
    if (res_.candidates[i].alive && res_.candidates[i].objective.known()) byObjective.push_back(i);
  }
  std::stable_sort(byObjective.begin(), byObjective.end(), [&](std::size_t x, std::size_t y) {
    return res_.candidates[x].objective.value < res_.candidates[y].objective.value;
  });
  auto noWorse = [&](const CandidateResult& b, const CandidateResult& a) {
    for (std::size_t c = 0; c < a.constrained.size(); ++c) {
      const Estimate& eb = b.constrained[c];
      const Estimate& ea = a.constrained[c];
      if (!eb.known() || !ea.known()) {
        if (eb.known() != ea.known()) return false;
        continue;
      }
      if (eb.value > ea.value) return false;
    }
    return true;
  };
  // Point estimates within every bound (a candidate that already looks infeasible drops nothing).
  auto looksFeasible = [&](const CandidateResult& b) {
    for (std::size_t c = 0; c < b.constrained.size(); ++c) {
      if (b.constrained[c].known() && b.constrained[c].value > space_.constraints[c].max)
        return false;
    }
    return true;
  };
  std::vector<std::tuple<std::size_t, std::string, long>> drops;
  for (std::size_t i : alive) {
    const auto& r = res_.candidates[i];
    if (!r.alive || static_cast<long>(i) == leader) continue;
    if (!r.objective.known()) {
      if (leader >= 0)
        drops.emplace_back(i, "its objective cannot be estimated (no promoted good release)", -1);
      continue;
    }
    if (leader >= 0) {
      const auto& b = res_.candidates[static_cast<std::size_t>(leader)];
      const double margin = space_.search.indifference * std::abs(b.objective.value);
      const Estimate d = pairedDifference(space_.objective, bad_, r, b, once_);
      if (d.n > 0 && d.lo > 0) {
        drops.emplace_back(i,
                           "worse than candidate " + std::to_string(leader) + " by " +
                               differenceText(d) + " on " + std::to_string(d.n) +
                               " paired runs per scenario",
                           -1);
        continue;
      }
      // Within the margin, a candidate that is better on excess errors or false rollbacks
      // is a trade-off the Pareto front shows: it stays.
      const bool tradeOff = (r.oc.meanExcessErrors.known() && b.oc.meanExcessErrors.known() &&
                             r.oc.meanExcessErrors.value < b.oc.meanExcessErrors.value) ||
                            (r.oc.falseRollbackRate.known() && b.oc.falseRollbackRate.known() &&
                             r.oc.falseRollbackRate.value < b.oc.falseRollbackRate.value);
      if (d.n > 0 && margin > 0 && d.value >= 0 && d.hi < margin && !tradeOff) {
        drops.emplace_back(i,
                           "no better than candidate " + std::to_string(leader) + ": " +
                               differenceText(d) + ", within the indifference margin " +
                               core::formatGeneral(margin, 4),
                           -1);
        continue;
      }
    }
    for (std::size_t j : byObjective) {
      const auto& b = res_.candidates[j];
      if (b.objective.value >= r.objective.value) break;
      if (j == i || !noWorse(b, r) || !looksFeasible(b)) continue;
      const Estimate d = pairedDifference(space_.objective, bad_, r, b, once_);
      if (d.n > 0 && d.lo > 0) {
        drops.emplace_back(i,
                           "worse than candidate " + std::to_string(j) + " by " +
                               differenceText(d) + " on " + std::to_string(d.n) +
                               " paired runs per scenario, with no constrained measure better",
                           static_cast<long>(j));
        break;
      }
    }
  }
  for (auto& [i, why, by] : drops) {
    kill(i, Status::kDominated, why);
    res_.candidates[i].droppedBy = by;
  }
  alive.erase(std::remove_if(alive.begin(), alive.end(),
                             [&](std::size_t i) { return !res_.candidates[i].alive; }),
              alive.end());
}

void Search::race(std::vector<std::size_t> alive) {
  // Recordings only: one run per candidate is all there is to run.
  std::int64_t n = allOnce() ? 1 : space_.search.initialRuns;
  for (;;) {
    runTo(alive, n);
    if (cancelled_) return;
    ++res_.rounds;
    drop(alive);
    note("round " + std::to_string(res_.rounds) + ": " + std::to_string(alive.size()) +
         " alive at " + std::to_string(n) + " runs per scenario");
    if (exhausted_ || alive.empty()) return;
    if (alive.size() == 1 && feasible(res_.candidates[alive[0]])) return;
    if (allOnce()) return;  // recordings only: more rounds would run nothing new
    if (n >= space_.search.maxRuns) {
      // Done, unless candidates raced again below maxRuns (their dominator turned infeasible).
      const bool lagging = std::any_of(alive.begin(), alive.end(), [&](std::size_t i) {
        return res_.candidates[i].runsPerScenario < space_.search.maxRuns;
      });
      if (!lagging) return;
      continue;
    }
    n = std::min(2 * n, space_.search.maxRuns);
  }
}

long Search::best() const {
  // The lowest objective; a tie goes to fewer excess errors, then fewer false rollbacks (so the
  // recommendation is on the Pareto front), then the earlier candidate.
  auto v = [](const Estimate& e) { return e.known() ? e.value : 0.0; };
  long b = -1;
  for (std::size_t i = 0; i < res_.candidates.size(); ++i) {
    const auto& r = res_.candidates[i];
    if (!feasible(r) || r.status == Status::kInfeasible) continue;
    if (b < 0) {
      b = static_cast<long>(i);
      continue;
    }
    const auto& x = res_.candidates[static_cast<std::size_t>(b)];
    if (r.objective.value != x.objective.value) {
      if (r.objective.value < x.objective.value) b = static_cast<long>(i);
      continue;
    }
    const double re = v(r.oc.meanExcessErrors), xe = v(x.oc.meanExcessErrors);
    if (re < xe || (re == xe && v(r.oc.falseRollbackRate) < v(x.oc.falseRollbackRate)))
      b = static_cast<long>(i);
  }
  return b;
}

std::vector<std::size_t> Search::front() const {
  auto v = [](const Estimate& e) { return e.known() ? e.value : 0.0; };
  std::vector<std::size_t> f;
  std::vector<std::size_t> pool;
  for (std::size_t i = 0; i < res_.candidates.size(); ++i) {
    const auto& r = res_.candidates[i];
    if (feasible(r) && r.status != Status::kInfeasible) pool.push_back(i);
  }
  for (std::size_t i : pool) {
    const auto& a = res_.candidates[i].oc;
    bool dominated = false;
    for (std::size_t j : pool) {
      if (i == j) continue;
      const auto& b = res_.candidates[j].oc;
      const double at = v(a.meanTimeToPromotion), ae = v(a.meanExcessErrors),
                   ar = v(a.falseRollbackRate);
      const double bt = v(b.meanTimeToPromotion), be = v(b.meanExcessErrors),
                   br = v(b.falseRollbackRate);
      if (bt <= at && be <= ae && br <= ar && (bt < at || be < ae || br < ar)) {
        dominated = true;
        break;
      }
    }
    if (!dominated) f.push_back(i);
  }
  std::sort(f.begin(), f.end(), [&](std::size_t a, std::size_t b) {
    return v(res_.candidates[a].oc.meanTimeToPromotion) <
               v(res_.candidates[b].oc.meanTimeToPromotion) ||
           (v(res_.candidates[a].oc.meanTimeToPromotion) ==
                v(res_.candidates[b].oc.meanTimeToPromotion) &&
            a < b);
  });
  return f;
}

// Neighbours of the frontier: each field of a frontier candidate moved one grid step (or, for
// a continuous field, half the current spacing) either way.
void Search::refine(int round) {
  std::vector<std::size_t> seeds = front();
  const long b = best();
  if (b >= 0 && std::find(seeds.begin(), seeds.end(), static_cast<std::size_t>(b)) == seeds.end()) {
    seeds.insert(seeds.begin(), static_cast<std::size_t>(b));
  }
  if (seeds.size() > 6) seeds.resize(6);
  std::vector<std::size_t> fresh;
  for (std::size_t s : seeds) {
    const Candidate base = candidates_[s];
    for (std::size_t f = 0; f < space_.fields.size(); ++f) {
      const Field& field = space_.fields[f];
      std::vector<FieldValue> moves;
      if (field.continuous) {
        const double spacing = (field.hi - field.lo) / static_cast<double>(std::max<std::size_t>(
                                                           1, field.values.size() - 1));
        const double step = spacing / std::pow(2.0, round);
        for (double dir : {-1.0, 1.0}) {
          const double x = base.values[f].x + dir * step;
          if (x >= field.lo - 1e-12 && x <= field.hi + 1e-12) moves.push_back(field.valueOf(x));
        }
      } else {
        for (std::size_t k = 0; k < field.values.size(); ++k) {
          if (field.values[k].text != base.values[f].text) continue;
          if (k > 0) moves.push_back(field.values[k - 1]);
          if (k + 1 < field.values.size()) moves.push_back(field.values[k + 1]);
        }
      }
      for (auto& m : moves) {
        Candidate c = base;
        c.values[f] = m;
        c.origin = "refine";
        if (add(std::move(c))) fresh.push_back(res_.candidates.size() - 1);
      }
    }
  }
  if (fresh.empty()) return;
  note("refinement " + std::to_string(round) + ": " + std::to_string(fresh.size()) +
       " neighbours of the frontier");
  std::vector<std::size_t> all = alive();
  race(all);
}

// The surrogate: logistic models of the false-rollback and escape probabilities and quadratic
// models of the means over the numeric fields (scaled to [0, 1]), fitted on every candidate
// run so far that shares the incumbent's other fields; the predicted-feasible points of a
// dense sample with the lowest predicted objective are raced.
void Search::proposeBySurrogate() {
  const long inc = best();
  std::vector<std::size_t> numeric;
  for (std::size_t f = 0; f < space_.fields.size(); ++f) {
    const Field& field = space_.fields[f];
    if (field.numeric() && (field.continuous || field.values.size() >= 3)) numeric.push_back(f);
  }
  if (numeric.empty()) {
    res_.surrogateNotes.push_back("no numeric field with at least 3 values: nothing to model");
    return;
  }
  if (inc < 0) {
    res_.surrogateNotes.push_back("no feasible incumbent yet: the surrogate proposes nothing");
    return;
  }
  const Candidate& incumbent = candidates_[static_cast<std::size_t>(inc)];
  auto lo = [&](const Field& f) {
    if (f.continuous) return f.lo;
    double m = f.values.front().x;
    for (const auto& v : f.values) m = std::min(m, v.x);
    return m;
  };
  auto hi = [&](const Field& f) {
    if (f.continuous) return f.hi;
    double m = f.values.front().x;
    for (const auto& v : f.values) m = std::max(m, v.x);
    return m;
  };
  auto scaled = [&](const Candidate& c) {
    std::vector<double> x;
    for (std::size_t f : numeric) {
      const Field& field = space_.fields[f];
      const double span = hi(field) - lo(field);
      x.push_back(span > 0 ? (c.values[f].x - lo(field)) / span : 0.0);
    }
    return x;
  };
  auto sameOthers = [&](const Candidate& c) {
    for (std::size_t f = 0; f < space_.fields.size(); ++f) {
      if (std::find(numeric.begin(), numeric.end(), f) != numeric.end()) continue;
      if (c.values[f].text != incumbent.values[f].text) return false;
    }
    return true;
  };
  std::vector<BinomialObs> fr, esc;
  std::vector<MeanObs> obj, excess;
  for (std::size_t i = 0; i < res_.candidates.size(); ++i) {
    const auto& r = res_.candidates[i];
    if (r.runsPerScenario == 0 || !sameOthers(candidates_[i])) continue;
    const auto x = scaled(candidates_[i]);
    std::int64_t gk = 0, gn = 0, bk = 0, bn = 0;
    for (std::size_t s = 0; s < scenarios_.size(); ++s) {
      if (bad_[s]) {
        bk += r.pairs[s].promoted;
        bn += r.pairs[s].runs;
      } else {
        gk += r.pairs[s].rolledBack;
        gn += r.pairs[s].runs;
      }
    }
    fr.push_back({x, gk, gn});
    esc.push_back({x, bk, bn});
    if (r.objective.known())
      obj.push_back({x, r.objective.value, static_cast<double>(r.objective.n)});
    if (r.oc.meanExcessErrors.known()) {
      excess.push_back(
          {x, r.oc.meanExcessErrors.value, static_cast<double>(r.oc.meanExcessErrors.n)});
    }
  }
  const std::size_t p = 1 + 2 * numeric.size();
  if (obj.size() < p) {
    res_.surrogateNotes.push_back("only " + std::to_string(obj.size()) + " candidates to fit " +
                                  std::to_string(p) + " coefficients: nothing proposed");
    return;
  }
  LogisticModel mFr, mEsc;
  QuadraticModel mObj, mExcess;
  const bool haveFr = mFr.fit(fr), haveEsc = mEsc.fit(esc);
  mObj.fit(obj);
  const bool haveExcess = mExcess.fit(excess);
  // The suite-level bounds the models can predict; a proposal must clear them by 10%.
  double maxFr = 1, maxEsc = 1, maxExcess = std::numeric_limits<double>::infinity();
  for (const auto& c : space_.constraints) {
    if (!c.scenario.empty()) continue;
    if (c.measure == Measure::kFalseRollbackRate) maxFr = std::min(maxFr, c.max);
    if (c.measure == Measure::kEscapeRate) maxEsc = std::min(maxEsc, c.max);
    if (c.measure == Measure::kMeanExcessErrors) maxExcess = std::min(maxExcess, c.max);
  }
  core::Rng rng(sim::tuneSurrogateSeed(seed_, res_.candidates.size()));
  struct Proposal {
    double predicted;
    Candidate c;
  };
  std::vector<Proposal> pool;
  int unseen = 0;
  for (int i = 0; i < 4000; ++i) {
    Candidate c = incumbent;
    c.origin = "surrogate";
    for (std::size_t f : numeric) {
      const Field& field = space_.fields[f];
      if (field.continuous) {
        c.values[f] = field.valueOf(field.lo + rng.uniform() * (field.hi - field.lo));
      } else {
        c.values[f] = field.values[rng.next() % field.values.size()];
      }
    }
    if (keys_.count(c.key())) continue;
    ++unseen;
    const auto x = scaled(c);
    if (haveFr && mFr.predict(x) > 0.9 * maxFr) continue;
    if (haveEsc && mEsc.predict(x) > 0.9 * maxEsc) continue;
    if (haveExcess && mExcess.predict(x) > 0.9 * maxExcess) continue;
    const double pred = mObj.predict(x);
    if (!std::isfinite(pred)) continue;
    pool.push_back({pred, std::move(c)});
  }
  std::stable_sort(pool.begin(), pool.end(),
                   [](const Proposal& a, const Proposal& b) { return a.predicted < b.predicted; });
  std::vector<std::size_t> fresh;
  for (auto& pr : pool) {
    if (static_cast<std::int64_t>(fresh.size()) >= space_.search.surrogateProposals) break;
    if (add(pr.c)) fresh.push_back(res_.candidates.size() - 1);
  }
  res_.surrogateNotes.push_back(
      "fitted on " + std::to_string(obj.size()) + " candidates over " +
      std::to_string(numeric.size()) + " numeric field(s); of 4000 points drawn, " +
      std::to_string(unseen) + " not yet run, " + std::to_string(pool.size()) +
      " of them predicted feasible; raced the " + std::to_string(fresh.size()) +
      " with the lowest predicted objective");
  if (fresh.empty()) return;
  note("surrogate: racing " + std::to_string(fresh.size()) + " proposals");
  race(alive());
}

SearchResult Search::run() {
  std::int64_t grid = static_cast<std::int64_t>(std::min(space_.gridSize(), 1e15));
  res_.gridSize = grid;
  for (auto& c : initialCandidates(space_, seed_)) add(std::move(c));
  std::vector<std::size_t> all(res_.candidates.size());
  std::iota(all.begin(), all.end(), 0);
  if (space_.search.method == SearchMethod::kFixed) {
    // The baseline: every candidate gets maxRuns replicates per scenario; nothing is dropped.
    // In slices of 8 candidates, so that an interrupted baseline keeps what it finished.
    for (std::size_t at = 0; at < all.size() && !stopped(); at += 8) {
      const std::vector<std::size_t> slice(
          all.begin() + static_cast<long>(at),
          all.begin() + static_cast<long>(std::min(all.size(), at + 8)));
      runTo(slice, allOnce() ? 1 : space_.search.maxRuns);
    }
    res_.rounds = 1;
    note("fixed: " + std::to_string(all.size()) + " candidates");
  } else {
    race(all);
    if (space_.search.surrogate && !stopped()) proposeBySurrogate();
    for (int r = 1; r <= space_.search.refineRounds && !stopped(); ++r) refine(r);
  }
  for (auto& r : res_.candidates) {
    if (r.status == Status::kInfeasible || r.status == Status::kDominated) continue;
    const bool violated = std::any_of(r.verdicts.begin(), r.verdicts.end(),
                                      [](Verdict v) { return v == Verdict::kViolated; });
    r.status = violated      ? Status::kInfeasible
               : feasible(r) ? Status::kFeasible
                             : Status::kUndecided;
  }
  res_.partial = cancelled_;
  res_.budgetExhausted = exhausted_;
  res_.paretoFront = front();
  res_.recommended = best();
  if (res_.recommended >= 0 && !cancelled_) {
    // The recommendation's characteristics on fresh seeds (stream 1): the selection cannot
    // flatter them.
    const std::int64_t n = allOnce()                         ? 1
                           : space_.search.remeasureRuns > 0 ? space_.search.remeasureRuns
                                                             : space_.search.maxRuns;
    std::vector<Task> tasks;
    for (std::size_t k = 0; k < scenarios_.size(); ++k) {
      tasks.push_back({static_cast<std::size_t>(res_.recommended), k, 0, runsOn(k, n), 1});
    }
    note("re-measuring the recommendation on fresh seeds");
    std::vector<std::vector<RunOutcome>> out;
    if (ev_.run(candidates_, tasks, out)) {
      res_.remeasurePairs.assign(scenarios_.size(), PairStats{});
      for (std::size_t t = 0; t < tasks.size(); ++t) {
        for (const auto& o : out[t]) res_.remeasurePairs[tasks[t].scenario].add(o);
      }
      res_.remeasureRunsPerScenario = n;
      res_.remeasured = characterise(res_.remeasurePairs, bad_);
      res_.remeasuredVerdicts = judgeAll(space_, scenarios_, res_.remeasurePairs);
    } else {
      res_.partial = true;
    }
  }
  return res_;
}

}  // namespace

SearchResult runSearch(const TuningSpace& space, Evaluator& evaluator, std::uint64_t seed,
                       const SearchOptions& options) {
  Search s(space, evaluator, seed, options);
  return s.run();
}

}  // namespace rolloutlab::tune
