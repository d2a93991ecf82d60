#include "rolloutlab/io/argo_report.h"

#include <sstream>

namespace rolloutlab::io {

namespace ar = core::argo;

namespace {

std::string num(double v) {
  std::ostringstream s;
  s.imbue(std::locale::classic());
  s << v;
  return s.str();
}

// "step1", "bg", "pre", "post" (plus a collision suffix such as ".1").
std::string shortName(const ar::RunView& r) {
  const std::string key =
      std::string("-") + ar::kNewPodHash + "-" + std::to_string(ar::kNewRevision);
  const auto pos = r.name.find(key);
  std::string rest = pos == std::string::npos ? r.name : r.name.substr(pos + key.size());
  switch (r.kind) {
    case ar::RunKind::kStep:
      return "step" + (rest.empty() ? rest : rest.substr(1));
    case ar::RunKind::kBackground:
      return "bg" + rest;
    default:
      return rest.empty() ? rest : rest.substr(1);
  }
}

}  // namespace

Json argoEventJson(const ar::ArgoEvent& e) {
  Json j;
  const auto& s = e.state;
  j["t"] = jnum(e.t);
  j["source"] = e.source;
  if (!e.action.empty()) j["action"] = e.action;
  j["reason"] = e.reason;
  j["currentStepIndex"] = s.currentStepIndex ? Json(*s.currentStepIndex) : Json(nullptr);
  j["canaryWeight"] = jnum(s.canaryWeight);
  j["phase"] = ar::toString(s.phase);
  j["message"] = s.message;
  j["abort"] = s.abort;
  j["pauseConditions"] = s.pauseConditions;
  if (s.specPaused) j["paused"] = true;
  Json rs;
  rs["stable"] = Json{{"desired", s.stableDesired}, {"available", s.stableAvailable}};
  rs["new"] = Json{{"desired", s.newDesired}, {"available", s.newAvailable}};
  j["replicaSets"] = std::move(rs);
  Json runs = Json::array();
  for (const auto& r : s.runs) {
    Json x;
    x["name"] = r.name;
    x["kind"] = ar::toString(r.kind);
    x["phase"] = r.phase == ar::Phase::kNone ? "Pending" : ar::toString(r.phase);
    if (!r.message.empty()) x["message"] = r.message;
    Json ms = Json::array();
    for (const auto& m : r.metrics) {
      Json y;
      y["name"] = m.name;
      y["phase"] = ar::toString(m.phase);
      y["count"] = m.count;
      y["successful"] = m.successful;
      y["failed"] = m.failed;
      y["inconclusive"] = m.inconclusive;
      y["error"] = m.error;
      y["consecutiveError"] = m.consecutiveError;
      if (m.dryRun) y["dryRun"] = true;
      if (!m.lastValue.empty()) y["lastValue"] = m.lastValue;
      if (!m.lastMessage.empty()) y["lastMessage"] = m.lastMessage;
      ms.push_back(std::move(y));
    }
    x["metrics"] = std::move(ms);
    runs.push_back(std::move(x));
  }
  j["analysisRuns"] = std::move(runs);
  if (!s.routes.empty()) {
    // The router's managed routes (not in the Rollout's status upstream: its VirtualService).
    Json routes = Json::array();
    for (const auto& r : s.routes) {
      Json x;
      x["name"] = r.name;
      x["kind"] = ar::toString(r.kind);
      if (r.kind == ar::ManagedRoute::Kind::kMirror) x["percentage"] = r.percentage;
      routes.push_back(std::move(x));
    }
    j["managedRoutes"] = std::move(routes);
  }
  return j;
}

Json argoOutcomeJson(const ar::ArgoOutcome& o) {
  Json j;
  j["result"] = ar::toString(o.result);
  j["t"] = jnum(o.t);
  j["phase"] = ar::toString(o.phase);
  return j;
}

Json argoRunJson(const ar::ArgoRun& run, const std::string& target, std::uint64_t seed) {
  Json j;
  j["engine"] = "argo";
  j["target"] = target;
  j["seed"] = seed;
  Json ev = Json::array();
  for (const auto& e : run.events) ev.push_back(argoEventJson(e));
  j["events"] = std::move(ev);
  j["outcome"] = argoOutcomeJson(run.outcome);
  return j;
}

std::string argoEventLine(const ar::ArgoEvent& e) {
  const auto& s = e.state;
  std::ostringstream o;
  o.imbue(std::locale::classic());
  o << num(e.t) << " " << (s.currentStepIndex ? std::to_string(*s.currentStepIndex) : "-") << " "
    << num(s.canaryWeight) << " " << ar::toString(s.phase) << (s.abort ? " abort" : "");
  if (!s.pauseConditions.empty()) {
    o << " [";
    for (std::size_t i = 0; i < s.pauseConditions.size(); ++i)
      o << (i ? "," : "") << s.pauseConditions[i];
    o << "]";
  }
  if (s.specPaused) o << " spec.paused";
  o << " rs " << s.stableAvailable << "/" << s.stableDesired << " " << s.newAvailable << "/"
    << s.newDesired;
  for (const auto& r : s.runs) {
    o << " | " << shortName(r) << " "
      << (r.phase == ar::Phase::kNone ? "Pending" : ar::toString(r.phase));
    for (const auto& m : r.metrics) {
      o << " " << m.name << "=" << ar::toString(m.phase) << " " << m.count << "/" << m.successful
        << "/" << m.failed << "/" << m.inconclusive << "/" << m.error << "/" << m.consecutiveError;
    }
  }
  if (!s.routes.empty()) {
    o << " routes";
    for (const auto& r : s.routes) {
      o << " " << ar::toString(r.kind) << ":" << r.name;
      if (r.kind == ar::ManagedRoute::Kind::kMirror) o << ":" << r.percentage << "%";
    }
  }
  return o.str();
}

}  // namespace rolloutlab::io
