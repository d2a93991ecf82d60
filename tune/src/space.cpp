#include "rolloutlab/tune/space.h"

#include <cmath>
#include <cstdio>
#include <set>

#include "rolloutlab/core/number_format.h"
#include "rolloutlab/io/decode.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::tune {

using io::Decoder;
using io::pathIndex;
using io::pathJoin;

std::string durationText(long long seconds) {
  if (seconds > 0 && seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

namespace {

std::string numberText(double x) { return core::formatGeneral(x, 10); }

std::string substitute(const std::string& tmpl, const std::string& text) {
  const auto at = tmpl.find("{{x}}");
  if (at == std::string::npos) return tmpl;
  return tmpl.substr(0, at) + text + tmpl.substr(at + 5);
}

// The tunable fields: name -> (type, target, key). Metric and template fields are parsed from
// their bracketed names.
struct Known {
  const char* name;
  FieldType type;
  long long min, max;  // integer bounds (kInteger)
};
constexpr Known kFlaggerAnalysis[] = {
    {"interval", FieldType::kDuration, 0, 0},
    {"threshold", FieldType::kInteger, 1, 1000},
    {"stepWeight", FieldType::kInteger, 1, 100},
    {"stepWeights", FieldType::kSchedule, 0, 0},
    {"maxWeight", FieldType::kInteger, 1, 100},
    {"iterations", FieldType::kInteger, 1, 10000},
    {"stepWeightPromotion", FieldType::kInteger, 1, 100},
};
constexpr Known kArgoMetric[] = {
    {"interval", FieldType::kDuration, 0, 0},
    {"count", FieldType::kInteger, 1, 100000},
    {"failureLimit", FieldType::kInteger, 0, 100000},
    {"consecutiveErrorLimit", FieldType::kInteger, 0, 100000},
    {"inconclusiveLimit", FieldType::kInteger, 0, 100000},
    {"successCondition", FieldType::kCondition, 0, 0},
    {"failureCondition", FieldType::kCondition, 0, 0},
};

const char* kFieldRule =
    "must be a Flagger field (interval, threshold, stepWeight, stepWeights, maxWeight, iterations, "
    "stepWeightPromotion, metrics[NAME].thresholdRange.min|max, metrics[NAME].interval) or an Argo "
    "one "
    "(setWeights, pause, "
    "analysis[TEMPLATE].metrics[NAME].interval|count|failureLimit|consecutiveErrorLimit|"
    "inconclusiveLimit|successCondition|failureCondition)";

// `prefix[NAME].rest`: the name and the rest; false when the text is not of that shape.
bool bracketed(const std::string& s, const std::string& prefix, std::string& name,
               std::string& rest) {
  if (s.rfind(prefix + "[", 0) != 0) return false;
  const auto close = s.find(']', prefix.size() + 1);
  if (close == std::string::npos || close == prefix.size() + 1) return false;
  name = s.substr(prefix.size() + 1, close - prefix.size() - 1);
  if (close + 1 < s.size() && s[close + 1] != '.') return false;
  rest = close + 1 < s.size() ? s.substr(close + 2) : std::string();
  return true;
}

// Resolves a field name; sets type/target/key and integer bounds. False when unknown.
bool resolveField(const std::string& name, Field& f, long long& imin, long long& imax) {
  imin = 0;
  imax = 0;
  for (const auto& k : kFlaggerAnalysis) {
    if (name == k.name) {
      f.type = k.type;
      f.target = FieldTarget::kFlaggerAnalysis;
      f.key = k.name;
      imin = k.min;
      imax = k.max;
      return true;
    }
  }
  if (name == "setWeights") {
    f.type = FieldType::kSchedule;
    f.target = FieldTarget::kArgoSetWeights;
    return true;
  }
  if (name == "pause") {
    f.type = FieldType::kDuration;
    f.target = FieldTarget::kArgoPause;
    return true;
  }
  std::string metric, rest;
  if (bracketed(name, "metrics", metric, rest)) {
    f.target = FieldTarget::kFlaggerMetric;
    f.metric = metric;
    f.key = rest;
    if (rest == "thresholdRange.min" || rest == "thresholdRange.max") {
      f.type = FieldType::kNumber;
      return true;
    }
    if (rest == "interval") {
      f.type = FieldType::kDuration;
      return true;
    }
    return false;
  }
  std::string tmpl, afterTemplate;
  if (bracketed(name, "analysis", tmpl, afterTemplate) &&
      bracketed(afterTemplate, "metrics", metric, rest)) {
    f.target = FieldTarget::kArgoTemplateMetric;
    f.templateName = tmpl;
    f.metric = metric;
    f.key = rest;
    for (const auto& k : kArgoMetric) {
      if (rest == k.name) {
        f.type = k.type;
        imin = k.min;
        imax = k.max;
        return true;
      }
    }
  }
  return false;
}

// A value of the field's type from a YAML scalar (durations: seconds or a duration string).
std::optional<double> scalarValue(Decoder& d, const Field& f, const YAML::Node& n,
                                  const std::string& path, long long imin, long long imax) {
  if (f.type == FieldType::kDuration) {
    auto v = d.durationValue(n, path);
    if (!v) return std::nullopt;
    if (*v < 1 || std::floor(*v) != *v) {
      d.error(n, path, Decoder::shown(n), "must be a whole number of seconds, at least 1s");
      return std::nullopt;
    }
    return *v;
  }
  if (!n.IsScalar() ||
      (io::scalarKind(n) != io::ScalarKind::kInt && io::scalarKind(n) != io::ScalarKind::kFloat)) {
    d.error(n, path, Decoder::shown(n), std::string("must be a number, not ") + io::typeName(n));
    return std::nullopt;
  }
  const auto v = io::parseNumber(n.Scalar());
  if (!v || !std::isfinite(*v)) {
    d.error(n, path, Decoder::shown(n), "must be a finite number");
    return std::nullopt;
  }
  if (f.type == FieldType::kInteger) {
    if (std::floor(*v) != *v) {
      d.error(n, path, Decoder::shown(n), "must be an integer");
      return std::nullopt;
    }
    if (*v < static_cast<double>(imin) || *v > static_cast<double>(imax)) {
      d.error(n, path, Decoder::shown(n),
              "must be between " + std::to_string(imin) + " and " + std::to_string(imax) + " for " +
                  f.name);
      return std::nullopt;
    }
  }
  return *v;
}

// Reads a list of integers (a schedule parameter or a list of weights).
std::vector<double> numberList(Decoder& d, const YAML::Node& n, const std::string& path, double lo,
                               double hi, bool integer) {
  std::vector<double> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  YAML::Node seq = n;
  if (n.IsScalar()) {
    seq.reset(YAML::Node(YAML::NodeType::Sequence));  // reset: `=` would write into the document
    seq.push_back(n);
  }
  if (!seq.IsSequence()) {
    d.error(n, path, "",
            std::string("must be a number or a list of numbers, not ") + io::typeName(n));
    return out;
  }
  for (std::size_t i = 0; i < seq.size(); ++i) {
    const YAML::Node e = seq[i];
    const std::string p = n.IsScalar() ? path : pathIndex(path, i);
    const auto v = e.IsScalar() ? io::parseNumber(e.Scalar()) : std::nullopt;
    if (!v || io::scalarKind(e) == io::ScalarKind::kString || !std::isfinite(*v)) {
      d.error(e, p, Decoder::shown(e), "must be a number");
      continue;
    }
    if (integer && std::floor(*v) != *v) {
      d.error(e, p, Decoder::shown(e), "must be an integer");
      continue;
    }
    if (*v < lo || *v > hi) {
      d.error(e, p, Decoder::shown(e),
              "must be between " + numberText(lo) + " and " + numberText(hi));
      continue;
    }
    out.push_back(*v);
  }
  return out;
}

void addSchedule(Field& f, std::vector<long long> w, std::set<std::vector<long long>>& seen) {
  if (w.empty() || !seen.insert(w).second) return;
  FieldValue v;
  v.x = static_cast<double>(f.values.size());
  v.text = "[";
  for (std::size_t i = 0; i < w.size(); ++i) v.text += (i ? ", " : "") + std::to_string(w[i]);
  v.text += "]";
  v.weights = std::move(w);
  f.values.push_back(std::move(v));
}

void decodeSchedules(Decoder& d, const YAML::Node& n, const std::string& path, Field& f) {
  d.checkFields(n, path, {"linear", "geometric", "lists"});
  std::set<std::vector<long long>> seen;
  const YAML::Node lin = d.object(n, "linear", pathJoin(path, "linear"));
  if (lin.IsDefined()) {
    const std::string p = pathJoin(path, "linear");
    d.checkFields(lin, p, {"start", "step", "max"});
    for (const char* k : {"start", "step", "max"}) d.require(lin, k, pathJoin(p, k));
    const auto starts =
        numberList(d, Decoder::child(lin, "start"), pathJoin(p, "start"), 1, 100, true);
    const auto steps =
        numberList(d, Decoder::child(lin, "step"), pathJoin(p, "step"), 1, 100, true);
    const auto maxes = numberList(d, Decoder::child(lin, "max"), pathJoin(p, "max"), 1, 100, true);
    // start, start + step, ... while below max, then max: every schedule ends at max.
    for (double s : starts)
      for (double st : steps)
        for (double m : maxes) {
          if (s > m) continue;
          std::vector<long long> w;
          for (double x = s; x < m; x += st) w.push_back(static_cast<long long>(x));
          w.push_back(static_cast<long long>(m));
          addSchedule(f, std::move(w), seen);
        }
  }
  const YAML::Node geo = d.object(n, "geometric", pathJoin(path, "geometric"));
  if (geo.IsDefined()) {
    const std::string p = pathJoin(path, "geometric");
    d.checkFields(geo, p, {"start", "factor", "max"});
    for (const char* k : {"start", "factor", "max"}) d.require(geo, k, pathJoin(p, k));
    const auto starts =
        numberList(d, Decoder::child(geo, "start"), pathJoin(p, "start"), 1, 100, true);
    const auto factors =
        numberList(d, Decoder::child(geo, "factor"), pathJoin(p, "factor"), 1.01, 100, false);
    const auto maxes = numberList(d, Decoder::child(geo, "max"), pathJoin(p, "max"), 1, 100, true);
    // round(start x factor^i) while below max, then max (repeated roundings are skipped).
    for (double s : starts)
      for (double fa : factors)
        for (double m : maxes) {
          if (s > m) continue;
          std::vector<long long> w;
          for (double x = s; std::llround(x) < std::llround(m); x *= fa) {
            const long long r = std::llround(x);
            if (w.empty() || r > w.back()) w.push_back(r);
          }
          w.push_back(static_cast<long long>(m));
          addSchedule(f, std::move(w), seen);
        }
  }
  const YAML::Node lists = d.array(n, "lists", pathJoin(path, "lists"));
  if (lists.IsDefined()) {
    for (std::size_t i = 0; i < lists.size(); ++i) {
      const std::string p = pathIndex(pathJoin(path, "lists"), i);
      if (!lists[i].IsSequence() || lists[i].size() == 0) {
        d.error(lists[i], p, Decoder::shown(lists[i]), "must be a non-empty list of weights");
        continue;
      }
      const auto ws =
          numberList(d, lists[i], p, f.target == FieldTarget::kArgoSetWeights ? 0 : 1, 100, true);
      if (ws.size() != lists[i].size()) continue;
      std::vector<long long> w;
      for (double x : ws) w.push_back(static_cast<long long>(x));
      addSchedule(f, std::move(w), seen);
    }
  }
  if (!lin.IsDefined() && !geo.IsDefined() && !lists.IsDefined()) {
    d.error(n, path, "", "needs at least one of linear, geometric, lists");
  }
}

void decodeField(Decoder& d, const YAML::Node& n, const std::string& path, TuningSpace& space) {
  if (!d.expectMap(n, path)) return;
  d.checkFields(n, path, {"field", "values", "range", "schedules", "template"});
  Field f;
  f.line = d.line(n);
  if (!d.require(n, "field", pathJoin(path, "field"))) return;
  const auto name = d.str(n, "field", pathJoin(path, "field"));
  if (!name) return;
  f.name = *name;
  long long imin = 0, imax = 0;
  if (!resolveField(f.name, f, imin, imax)) {
    d.error(Decoder::child(n, "field"), pathJoin(path, "field"), core::quoted(f.name), kFieldRule);
    return;
  }
  for (const auto& other : space.fields) {
    if (other.name == f.name) {
      d.error(Decoder::child(n, "field"), pathJoin(path, "field"), core::quoted(f.name),
              "is already tuned by an earlier entry");
      return;
    }
  }
  const YAML::Node tmpl = Decoder::child(n, "template");
  if (f.type == FieldType::kCondition) {
    if (!d.require(n, "template", pathJoin(path, "template"))) return;
    const auto t = d.str(n, "template", pathJoin(path, "template"));
    if (!t) return;
    const auto at = t->find("{{x}}");
    if (at == std::string::npos || t->find("{{x}}", at + 1) != std::string::npos) {
      d.error(tmpl, pathJoin(path, "template"), core::quoted(*t),
              "must hold {{x}} exactly once (where the number goes)");
      return;
    }
    f.condition = *t;
  } else if (tmpl.IsDefined()) {
    d.error(tmpl, pathJoin(path, "template"), Decoder::shown(tmpl),
            "is only for successCondition and failureCondition fields");
    return;
  }
  const YAML::Node values = Decoder::child(n, "values");
  const YAML::Node range = Decoder::child(n, "range");
  const YAML::Node schedules = Decoder::child(n, "schedules");
  const int given =
      (values.IsDefined() ? 1 : 0) + (range.IsDefined() ? 1 : 0) + (schedules.IsDefined() ? 1 : 0);
  if (given != 1) {
    d.error(n, path, "", "needs exactly one of values, range, schedules");
    return;
  }
  if (f.type == FieldType::kSchedule) {
    if (!schedules.IsDefined()) {
      d.error(n, path, "",
              f.name + " is a list of weights: give schedules (linear, geometric, lists)");
      return;
    }
    if (!d.expectMap(schedules, pathJoin(path, "schedules"))) return;
    decodeSchedules(d, schedules, pathJoin(path, "schedules"), f);
  } else if (schedules.IsDefined()) {
    d.error(schedules, pathJoin(path, "schedules"), "",
            "is only for stepWeights and setWeights (give values or range)");
    return;
  } else if (values.IsDefined()) {
    const YAML::Node vs = d.array(n, "values", pathJoin(path, "values"));
    if (!vs.IsDefined()) return;
    if (vs.size() == 0) {
      d.error(vs, pathJoin(path, "values"), "[]", "needs at least one value");
      return;
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < vs.size(); ++i) {
      const auto x = scalarValue(d, f, vs[i], pathIndex(pathJoin(path, "values"), i), imin, imax);
      if (!x) continue;
      FieldValue v = f.valueOf(*x);
      if (seen.insert(v.text).second) f.values.push_back(std::move(v));
    }
  } else {
    const std::string p = pathJoin(path, "range");
    if (!d.expectMap(range, p)) return;
    d.checkFields(range, p, {"min", "max", "step", "points"});
    if (!d.require(range, "min", pathJoin(p, "min")) ||
        !d.require(range, "max", pathJoin(p, "max")))
      return;
    const auto lo = scalarValue(d, f, Decoder::child(range, "min"), pathJoin(p, "min"), imin, imax);
    const auto hi = scalarValue(d, f, Decoder::child(range, "max"), pathJoin(p, "max"), imin, imax);
    if (!lo || !hi) return;
    if (*hi < *lo) {
      d.error(Decoder::child(range, "max"), pathJoin(p, "max"),
              Decoder::shown(Decoder::child(range, "max")), "must be at least range.min");
      return;
    }
    const YAML::Node stepNode = Decoder::child(range, "step");
    if (stepNode.IsDefined()) {
      if (Decoder::child(range, "points").IsDefined()) {
        d.error(Decoder::child(range, "points"), pathJoin(p, "points"), "",
                "is for a range without a step");
        return;
      }
      std::optional<double> step;
      if (f.type == FieldType::kDuration) {
        step = d.durationValue(stepNode, pathJoin(p, "step"));
      } else {
        step = d.number(range, "step", pathJoin(p, "step"));
      }
      if (!step) return;
      if (!(*step > 0) || (f.type == FieldType::kInteger && std::floor(*step) != *step)) {
        d.error(stepNode, pathJoin(p, "step"), Decoder::shown(stepNode),
                f.type == FieldType::kInteger ? "must be a positive integer" : "must be positive");
        return;
      }
      const double count = std::floor((*hi - *lo) / *step + 1e-9) + 1;
      if (count > 10000) {
        d.error(stepNode, pathJoin(p, "step"), Decoder::shown(stepNode),
                "gives more than 10000 values");
        return;
      }
      std::set<std::string> seen;
      for (long long i = 0; i < static_cast<long long>(count); ++i) {
        FieldValue v = f.valueOf(*lo + static_cast<double>(i) * *step);
        if (seen.insert(v.text).second) f.values.push_back(std::move(v));
      }
    } else {
      // A continuous range: an initial grid of `points` values; the surrogate may propose any.
      long long points = 5;
      if (auto v = d.integer(range, "points", pathJoin(p, "points"))) {
        if (*v < 2 || *v > 1000) {
          d.error(Decoder::child(range, "points"), pathJoin(p, "points"), std::to_string(*v),
                  "must be between 2 and 1000");
          return;
        }
        points = *v;
      }
      f.continuous = true;
      f.lo = *lo;
      f.hi = *hi;
      std::set<std::string> seen;
      for (long long i = 0; i < points; ++i) {
        FieldValue v =
            f.valueOf(*lo + (*hi - *lo) * static_cast<double>(i) / static_cast<double>(points - 1));
        if (seen.insert(v.text).second) f.values.push_back(std::move(v));
      }
    }
  }
  if (f.values.empty()) {
    d.error(n, path, "", "gives no value");
    return;
  }
  space.fields.push_back(std::move(f));
}

void decodeRate(Decoder& d, const YAML::Node& m, const char* key, const std::string& path,
                Measure measure, const std::string& scenario, std::vector<Constraint>& out) {
  auto v = d.number(m, key, pathJoin(path, key));
  if (!v) return;
  const bool rate =
      measure != Measure::kMeanExcessErrors && measure != Measure::kMeanTimeToPromotion;
  if (!std::isfinite(*v) || *v < 0 || (rate && *v > 1)) {
    d.error(Decoder::child(m, key), pathJoin(path, key), Decoder::shown(Decoder::child(m, key)),
            rate ? "must be a rate between 0 and 1" : "must be a number >= 0");
    return;
  }
  Constraint c;
  c.measure = measure;
  c.max = *v;
  c.scenario = scenario;
  c.line = d.line(Decoder::child(m, key));
  out.push_back(std::move(c));
}

void decodeBounds(Decoder& d, const YAML::Node& m, const std::string& path,
                  const std::string& scenario, std::vector<Constraint>& out) {
  decodeRate(d, m, "falseRollbackRate", path, Measure::kFalseRollbackRate, scenario, out);
  decodeRate(d, m, "escapeRate", path, Measure::kEscapeRate, scenario, out);
  decodeRate(d, m, "meanExcessErrors", path, Measure::kMeanExcessErrors, scenario, out);
  decodeRate(d, m, "meanTimeToPromotion", path, Measure::kMeanTimeToPromotion, scenario, out);
}

void decodeObjective(Decoder& d, const YAML::Node& spec, TuningSpace& space) {
  const YAML::Node o = Decoder::child(spec, "objective");
  if (!o.IsDefined() || o.IsNull()) return;
  Objective obj;
  obj.timeToPromotion = 0;
  if (o.IsScalar()) {
    const std::string s = o.Scalar();
    if (s == "timeToPromotion") {
      obj.timeToPromotion = 1;
    } else if (s == "excessErrors") {
      obj.excessErrors = 1;
    } else if (s == "falseRollbackRate") {
      obj.falseRollbackRate = 1;
    } else {
      d.error(o, "spec.objective", core::quoted(s),
              "must be timeToPromotion, excessErrors, falseRollbackRate or a map of their weights");
      return;
    }
    space.objective = obj;
    return;
  }
  if (!d.expectMap(o, "spec.objective")) return;
  d.checkFields(o, "spec.objective", {"timeToPromotion", "excessErrors", "falseRollbackRate"});
  double total = 0;
  for (auto [key, slot] : {std::pair<const char*, double*>{"timeToPromotion", &obj.timeToPromotion},
                           {"excessErrors", &obj.excessErrors},
                           {"falseRollbackRate", &obj.falseRollbackRate}}) {
    if (auto v = d.number(o, key, pathJoin("spec.objective", key))) {
      if (!std::isfinite(*v) || *v < 0) {
        d.error(Decoder::child(o, key), pathJoin("spec.objective", key),
                Decoder::shown(Decoder::child(o, key)), "must be a weight >= 0");
        continue;
      }
      *slot = *v;
      total += *v;
    }
  }
  if (total <= 0) {
    d.error(o, "spec.objective", "",
            "needs a positive weight on at least one of timeToPromotion, excessErrors, "
            "falseRollbackRate");
    return;
  }
  space.objective = obj;
}

void decodeSearch(Decoder& d, const YAML::Node& spec, TuningSpace& space) {
  const YAML::Node s = d.object(spec, "search", "spec.search");
  if (!s.IsDefined()) return;
  d.checkFields(s, "spec.search",
                {"method", "candidates", "initialRuns", "maxRuns", "remeasureRuns", "refineRounds",
                 "surrogate", "surrogateProposals", "indifference"});
  auto& o = space.search;
  if (auto v = d.str(s, "method", "spec.search.method")) {
    if (*v == "racing") {
      o.method = SearchMethod::kRacing;
    } else if (*v == "fixed") {
      o.method = SearchMethod::kFixed;
    } else {
      d.error(Decoder::child(s, "method"), "spec.search.method", core::quoted(*v),
              "must be racing or fixed");
    }
  }
  auto bounded = [&](const char* key, long long lo, long long hi, std::int64_t& slot) {
    if (auto v = d.integer(s, key, pathJoin("spec.search", key))) {
      if (*v < lo || *v > hi) {
        d.error(Decoder::child(s, key), pathJoin("spec.search", key), std::to_string(*v),
                "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
        return;
      }
      slot = *v;
    }
  };
  bounded("candidates", 1, 100000, o.candidates);
  bounded("initialRuns", 1, 1000000, o.initialRuns);
  bounded("maxRuns", 1, 1000000, o.maxRuns);
  bounded("remeasureRuns", 1, 1000000, o.remeasureRuns);
  std::int64_t rounds = o.refineRounds;
  bounded("refineRounds", 0, 20, rounds);
  o.refineRounds = static_cast<int>(rounds);
  bounded("surrogateProposals", 1, 1000, o.surrogateProposals);
  if (auto v = d.boolean(s, "surrogate", "spec.search.surrogate")) o.surrogate = *v;
  if (auto v = d.number(s, "indifference", "spec.search.indifference")) {
    if (!(*v >= 0 && *v < 1)) {
      d.error(Decoder::child(s, "indifference"), "spec.search.indifference",
              Decoder::shown(Decoder::child(s, "indifference")), "must be a fraction in [0, 1)");
    } else {
      o.indifference = *v;
    }
  }
  if (o.maxRuns < o.initialRuns) {
    d.error(Decoder::child(s, "maxRuns"), "spec.search.maxRuns", std::to_string(o.maxRuns),
            "must be at least initialRuns (" + std::to_string(o.initialRuns) + ")");
  }
}

}  // namespace

FieldValue Field::valueOf(double x) const {
  FieldValue v;
  switch (type) {
    case FieldType::kInteger:
      v.x = std::round(x);
      v.text = std::to_string(static_cast<long long>(v.x));
      break;
    case FieldType::kDuration:
      v.x = std::max(1.0, std::round(x));
      v.text = durationText(static_cast<long long>(v.x));
      break;
    case FieldType::kNumber:
    case FieldType::kCondition: {
      // Six significant digits: a proposal between grid points is written as a person would.
      const std::string b = core::formatGeneral(x, 6);
      v.x = std::strtod(b.c_str(), nullptr);
      v.text = type == FieldType::kCondition ? substitute(condition, b) : b;
      break;
    }
    case FieldType::kSchedule:
      v.x = x;
      break;
  }
  return v;
}

double TuningSpace::gridSize() const {
  double n = 1;
  for (const auto& f : fields) n *= static_cast<double>(f.values.size());
  return n;
}

void decodeConstraints(io::Decoder& d, const YAML::Node& cs, const std::string& path,
                       std::vector<Constraint>& out) {
  d.checkFields(
      cs, path,
      {"falseRollbackRate", "escapeRate", "meanExcessErrors", "meanTimeToPromotion", "scenarios"});
  decodeBounds(d, cs, path, "", out);
  const std::string perPath = pathJoin(path, "scenarios");
  const YAML::Node per = d.array(cs, "scenarios", perPath);
  if (!per.IsDefined()) return;
  for (std::size_t i = 0; i < per.size(); ++i) {
    const std::string p = pathIndex(perPath, i);
    if (!d.expectMap(per[i], p)) continue;
    d.checkFields(
        per[i], p,
        {"name", "falseRollbackRate", "escapeRate", "meanExcessErrors", "meanTimeToPromotion"});
    if (!d.require(per[i], "name", pathJoin(p, "name"))) continue;
    const auto name = d.str(per[i], "name", pathJoin(p, "name"));
    if (!name) continue;
    decodeBounds(d, per[i], p, *name, out);
    bool bound = false;
    for (const char* k :
         {"falseRollbackRate", "escapeRate", "meanExcessErrors", "meanTimeToPromotion"})
      bound = bound || Decoder::child(per[i], k).IsDefined();
    if (!bound) {
      d.error(per[i], p, "",
              "needs at least one bound (falseRollbackRate, escapeRate, meanExcessErrors, "
              "meanTimeToPromotion)");
    }
  }
}

bool decodeTuningSpace(const io::Document& doc, core::Diagnostics& diags, TuningSpace& out) {
  const int before = diags.errors();
  Decoder d(doc, diags);
  out.file = doc.file;
  out.line = doc.line;
  d.checkFields(doc.node, "", {"apiVersion", "kind", "metadata", "spec"});
  if (doc.apiVersion != "rolloutlab.io/v1alpha1") {
    d.error(Decoder::child(doc.node, "apiVersion"), "apiVersion", core::quoted(doc.apiVersion),
            "must be rolloutlab.io/v1alpha1");
  }
  const YAML::Node md = d.object(doc.node, "metadata", "metadata");
  if (md.IsDefined()) {
    d.checkFields(md, "metadata", {"name", "namespace", "labels", "annotations"});
    if (d.require(md, "name", "metadata.name")) {
      if (auto v = d.str(md, "name", "metadata.name")) out.name = *v;
    }
  } else {
    d.error(doc.node, "metadata", "", "required field is missing");
  }
  const YAML::Node spec = d.object(doc.node, "spec", "spec");
  if (!spec.IsDefined()) {
    d.error(doc.node, "spec", "", "required field is missing");
    return false;
  }
  d.checkFields(spec, "spec", {"target", "fields", "constraints", "objective", "search"});
  if (auto v = d.str(spec, "target", "spec.target")) out.target = *v;
  const YAML::Node fields = d.array(spec, "fields", "spec.fields");
  if (!fields.IsDefined() || fields.size() == 0) {
    if (fields.IsDefined() || !Decoder::child(spec, "fields").IsDefined()) {
      d.error(fields.IsDefined() ? fields : spec, "spec.fields", "",
              "needs at least one field to tune");
    }
  } else {
    for (std::size_t i = 0; i < fields.size(); ++i)
      decodeField(d, fields[i], pathIndex("spec.fields", i), out);
    bool flagger = false, argo = false;
    for (const auto& f : out.fields) (f.argo() ? argo : flagger) = true;
    if (flagger && argo) {
      d.error(fields, "spec.fields", "",
              "mixes Flagger fields and Argo fields: a space tunes one Canary or one Rollout");
    }
    // The Canary CRD's oneOf: stepWeights excludes stepWeight and iterations.
    bool schedule = false, single = false;
    for (const auto& f : out.fields) {
      schedule = schedule || (f.target == FieldTarget::kFlaggerAnalysis && f.key == "stepWeights");
      single = single || (f.target == FieldTarget::kFlaggerAnalysis &&
                          (f.key == "stepWeight" || f.key == "iterations" || f.key == "maxWeight"));
    }
    if (schedule && single) {
      d.error(fields, "spec.fields", "",
              "tunes stepWeights with stepWeight, iterations or maxWeight: the Canary CRD allows "
              "only one of the first "
              "three (oneOf) and Flagger ignores maxWeight beside stepWeights");
    }
  }
  const YAML::Node cs = d.object(spec, "constraints", "spec.constraints");
  if (cs.IsDefined()) decodeConstraints(d, cs, "spec.constraints", out.constraints);
  decodeObjective(d, spec, out);
  decodeSearch(d, spec, out);
  return diags.errors() == before;
}

}  // namespace rolloutlab::tune
