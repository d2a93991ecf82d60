#include "rolloutlab/io/flagger_report.h"

namespace rolloutlab::io {

namespace fl = core::flagger;

Json tickJson(const fl::TickRecord& t) {
  Json j;
  j["tick"] = t.tick;
  j["t"] = jnum(t.t);
  j["primaryWeight"] = t.routes.primaryWeight;
  j["canaryWeight"] = t.routes.canaryWeight;
  j["mirrored"] = t.routes.mirrored;
  Json st;
  st["phase"] = fl::toString(t.status.phase);
  st["canaryWeight"] = t.status.canaryWeight;
  st["failedChecks"] = t.status.failedChecks;
  st["iterations"] = t.status.iterations;
  j["status"] = st;
  j["events"] = t.events;
  j["reason"] = t.reason;
  if (!t.metrics.empty()) {
    Json ms = Json::array();
    for (const auto& m : t.metrics) {
      Json x;
      x["name"] = m.name;
      x["kind"] = fl::toString(m.kind);
      x["result"] = fl::toString(m.result);
      x["value"] = jnum(m.value);
      x["min"] = jopt(m.min);
      x["max"] = jopt(m.max);
      if (!m.message.empty()) x["message"] = m.message;
      ms.push_back(std::move(x));
    }
    j["metrics"] = std::move(ms);
  }
  if (!t.webhooks.empty()) {
    Json hs = Json::array();
    for (const auto& h : t.webhooks) {
      Json x;
      x["name"] = h.name;
      x["type"] = fl::toString(h.type);
      x["result"] = h.ok ? "pass" : "fail";
      hs.push_back(std::move(x));
    }
    j["webhooks"] = std::move(hs);
  }
  return j;
}

Json outcomeJson(const fl::Outcome& o) {
  Json j;
  j["result"] = fl::toString(o.result);
  j["phase"] = fl::toString(o.phase);
  j["tick"] = o.tick;
  j["t"] = jnum(o.t);
  return j;
}

Json flaggerRunJson(const fl::FlaggerRun& run, const std::string& target, std::uint64_t seed) {
  Json j;
  j["engine"] = "flagger";
  j["target"] = target;
  j["seed"] = seed;
  Json ticks = Json::array();
  for (const auto& t : run.ticks) ticks.push_back(tickJson(t));
  j["ticks"] = std::move(ticks);
  j["outcome"] = outcomeJson(run.outcome);
  return j;
}

}  // namespace rolloutlab::io
