#include "rolloutlab/scenarios/mesh_traffic.h"

#include <utility>

namespace rolloutlab::scenarios {

namespace jd = core::judge;

sim::WindowCounts MeshIntervalTraffic::window(sim::Variant v, double from, double to) {
  return series_.window(v, from, to);
}

std::vector<double> MeshIntervalTraffic::boundsMs() {
  const auto& L = series_.layout();
  std::vector<double> out;
  for (double b : L.buckets) out.push_back(b / L.unitPerMs);
  return out;
}

sim::TickTraffic tickTraffic(MeshSeries& series, double from, double to) {
  MeshIntervalTraffic source(series);
  return sim::tickTraffic(source, from, to);
}

jd::KayentaJudgment judgeWindows(MeshSeries& series, const JudgeSpec& judge, double expStart,
                                 double expEnd, double ctlStart, double ctlEnd, double step,
                                 core::Rng& rng) {
  const auto& L = series.layout();
  std::vector<double> bounds;
  for (double b : L.buckets) bounds.push_back(b / L.unitPerMs);
  std::vector<jd::KayentaMetricData> data;
  for (std::size_t i = 0; i < judge.kayenta.metrics.size(); ++i) {
    jd::KayentaMetricData d;
    d.name = judge.kayenta.metrics[i].name;
    for (double a = expStart; a + step <= expEnd + 1e-9; a += step) {
      d.experiment.push_back(
          shadowValue(judge.sources[i], series.window(Variant::kCanary, a, a + step), bounds));
    }
    for (double a = ctlStart; a + step <= ctlEnd + 1e-9; a += step) {
      d.control.push_back(
          shadowValue(judge.sources[i], series.window(Variant::kPrimary, a, a + step), bounds));
    }
    data.push_back(std::move(d));
  }
  return jd::judgeKayenta(judge.kayenta, data, rng);
}

}  // namespace rolloutlab::scenarios
