#include "rolloutlab/app/workbench/oc_rows.h"

#include "rolloutlab/app/workbench/spec_document.h"

namespace rolloutlab::app::workbench {

namespace {

double num(const io::Json& j) { return j.is_number() ? j.get<double>() : NAN; }

Proportion prop(const io::Json& j) {
  Proportion p;
  p.value = num(j["value"]);
  p.lo = num(j["ci95"][0]);
  p.hi = num(j["ci95"][1]);
  return p;
}

std::string pct(double v, int sig) { return std::isnan(v) ? "-" : formatNumber(100 * v, sig); }

}  // namespace

std::string Proportion::text() const {
  if (std::isnan(value)) return "-";
  return pct(value, 3) + "% [" + pct(lo, 3) + ", " + pct(hi, 3) + "]";
}

bool Proportion::clearlyDifferent(const Proportion& o) const {
  if (std::isnan(value) || std::isnan(o.value)) return false;
  return hi < o.lo || o.hi < lo;
}

std::vector<OcRow> ocRows(const app::BatchResult& r) {
  const io::Json j = app::batchJson(r);
  std::vector<OcRow> out;
  std::size_t i = 0;
  for (const auto& x : j["results"]) {
    OcRow row;
    row.scenario = x["scenario"].get<std::string>();
    row.badRelease = x["release"].get<std::string>() == "bad";
    row.runs = x["runs"].get<std::int64_t>();
    row.promoted = prop(x["pPromote"]);
    row.rolledBack = prop(x["pRollback"]);
    row.decisionP50 = num(x["timeToDecision"]["p50"]);
    row.decisionP90 = num(x["timeToDecision"]["p90"]);
    row.excessMean = num(x["excessErrors"]["mean"]);
    row.excessP99 = num(x["excessErrors"]["p99"]);
    row.agg = i < r.pairs.size() ? &r.pairs[i].agg : nullptr;
    out.push_back(std::move(row));
    ++i;
  }
  return out;
}

OcSummary ocSummary(const app::BatchResult& r) {
  const io::Json j = app::batchJson(r);
  OcSummary s;
  if (!j["specs"].empty()) {
    const auto& x = j["specs"][0];
    s.falseRollbacks = prop(x["falseRollbackRate"]);
    s.escapes = prop(x["escapeRate"]);
    s.meanExcessBad = num(x["meanExcessErrorsBad"]);
  }
  return s;
}

}  // namespace rolloutlab::app::workbench
