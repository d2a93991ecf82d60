#include "trace_format.h"

#include <cstdio>
#include <iomanip>
#include <locale>
#include <sstream>

#include "rolloutlab/core/number_format.h"
#include "rolloutlab/io/flagger_report.h"

namespace rolloutlab::app {

std::string fmtT(double t) {
  // printf's "%.0f" of a whole number, "%.3f" otherwise, in the C locale.
  return core::formatFixed(t, t == static_cast<long long>(t) ? 0 : 3);
}

std::string answerText(const core::flagger::MetricAnswer& a) {
  using Kind = core::flagger::MetricAnswer::Kind;
  if (a.kind == Kind::kNoData) return "no data";
  if (a.kind == Kind::kError) return "error";
  std::ostringstream v;
  v.imbue(std::locale::classic());
  v << std::setprecision(6) << a.value;
  return v.str();
}

void printRunSummary(std::ostream& out, const sim::RunSummary& s, bool counts) {
  out << "summary: decision " << (s.timeToDecision >= 0 ? fmtT(s.timeToDecision) + "s" : "none")
      << ", promotion " << (s.timeToPromotion >= 0 ? fmtT(s.timeToPromotion) + "s" : "none");
  if (counts) {
    out << ", canary requests " << fmtT(s.totals.canaryRequests) << ", canary errors "
        << fmtT(s.totals.canaryErrors) << ", excess errors "
        << core::formatGeneral(s.totals.excessErrors, 4);
  }
  out << ", peak canary weight " << s.peakCanaryWeight << "%\n";
}

io::Json measuredJson(const sim::MeasuredValue& mv) {
  namespace fl = core::flagger;
  io::Json m;
  m["name"] = mv.name;
  m["kind"] = fl::toString(mv.kind);
  m["value"] = mv.answer.kind == fl::MetricAnswer::Kind::kValue ? io::jnum(mv.answer.value)
                                                                : io::Json(nullptr);
  m["answer"] = mv.answer.kind == fl::MetricAnswer::Kind::kValue    ? "value"
                : mv.answer.kind == fl::MetricAnswer::Kind::kNoData ? "nodata"
                                                                    : "error";
  if (mv.answer.kind == fl::MetricAnswer::Kind::kError && !mv.answer.message.empty())
    m["message"] = mv.answer.message;
  m["min"] = io::jopt(mv.min);
  m["max"] = io::jopt(mv.max);
  m["checked"] = mv.checkedByEngine;
  return m;
}

io::Json runOutcomeJson(const sim::RunOutcome& o) {
  io::Json j;
  j["result"] = o.result;
  j["phase"] = o.phase;
  j["tick"] = o.tick;
  j["t"] = io::jnum(o.t);
  return j;
}

io::Json runSummaryJson(const sim::RunSummary& s, bool counts) {
  io::Json j;
  // A Canary's summary carries its outcome; a Rollout's the engine's result name (its outcome
  // is the trace's own `outcome`).
  if (s.engine == "argo") {
    j["result"] = s.outcome.result;
  } else {
    j["outcome"] = runOutcomeJson(s.outcome);
  }
  j["timeToDecision"] = s.timeToDecision >= 0 ? io::jnum(s.timeToDecision) : io::Json(nullptr);
  j["timeToPromotion"] = s.timeToPromotion >= 0 ? io::jnum(s.timeToPromotion) : io::Json(nullptr);
  // Only request logs count requests: other recordings say nothing of them.
  j["canaryRequests"] = counts ? io::jnum(s.totals.canaryRequests) : io::Json(nullptr);
  j["canaryErrors"] = counts ? io::jnum(s.totals.canaryErrors) : io::Json(nullptr);
  j["excessErrors"] = counts ? io::jnum(s.totals.excessErrors) : io::Json(nullptr);
  j["peakCanaryWeight"] = s.peakCanaryWeight;
  return j;
}

io::Json shadowJudgesJson(const std::vector<sim::JudgeSpec>& judges, const sim::RunSummary& summary,
                          bool withTick) {
  io::Json js = io::Json::array();
  for (std::size_t k = 0; k < judges.size(); ++k) {
    const auto& v = summary.judges.at(k);
    io::Json y;
    y["name"] = judges[k].name;
    y["mode"] = judges[k].mode == sim::JudgeSpec::Mode::kKayenta ? "kayenta" : "sequential";
    y["verdict"] = sim::toString(v.kind);
    if (withTick) y["tick"] = v.tick;
    y["t"] = v.t >= 0 ? io::jnum(v.t) : io::Json(nullptr);
    y["reason"] = v.reason;
    js.push_back(std::move(y));
  }
  return js;
}

void addJudgeTicks(io::Json& ticks, const std::vector<sim::JudgeSpec>& judges,
                   const std::vector<std::vector<sim::ShadowVerdict::Kind>>& judgeTicks) {
  for (std::size_t i = 0; i < ticks.size() && i < judgeTicks.size(); ++i) {
    io::Json row = io::Json::object();
    for (std::size_t k = 0; k < judges.size(); ++k)
      row[judges[k].name] = sim::toString(judgeTicks[i][k]);
    ticks[i]["judges"] = std::move(row);
  }
}

void printShadowJudges(std::ostream& out, const std::vector<sim::JudgeSpec>& judges,
                       const sim::RunSummary& summary, bool withTick) {
  for (std::size_t k = 0; k < judges.size(); ++k) {
    const auto& v = summary.judges.at(k);
    out << "shadow judge " << judges[k].name << ": " << sim::toString(v.kind);
    if (v.t >= 0) {
      out << " at ";
      if (withTick) out << "tick " << v.tick << ", ";
      out << "t=" << fmtT(v.t) << "s";
    }
    if (!v.reason.empty()) out << " (" << v.reason << ")";
    out << "\n";
  }
}

}  // namespace rolloutlab::app
