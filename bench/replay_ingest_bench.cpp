// Access-log ingestion throughput on one core: a large Envoy/Istio JSON-lines log generated
// deterministically (replay::writeSyntheticEnvoyLog, ~600 bytes a line), streamed into a
// TrafficRecording (parse, classify, aggregate per variant and 15 s step), timed against
// `wc -l` on the same file in the same run, with the file in the page cache for both (each is
// run once untimed first). Also the gzip-compressed file, and the peak resident memory of an
// ingestion (VmHWM, reset before it through /proc/self/clear_refs) for a quarter of the log and
// the whole of it: constant memory means both peaks are about the same.
//
//   build/bin/replay_ingest_bench [--lines N] [--repeat R] [--dir DIR]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "rolloutlab/replay/access_log.h"
#include "rolloutlab/replay/log_synth.h"
#include "rolloutlab/sim/mesh.h"

namespace {

using namespace rolloutlab;
using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a) {
  return std::chrono::duration<double>(Clock::now() - a).count();
}

long kbField(const char* name) {
  std::ifstream in("/proc/self/status");
  for (std::string l; std::getline(in, l);) {
    if (l.rfind(name, 0) == 0) return std::atol(l.c_str() + std::strlen(name));
  }
  return -1;
}

void resetPeak() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

struct Ingest {
  double seconds = 0;
  std::uint64_t requests = 0;
  std::uint64_t bytes = 0;
  long peakKb = -1;
};

Ingest ingest(const std::vector<std::string>& files) {
  const auto layout = sim::meshLayout("istio");
  replay::AccessLogOptions o;
  o.canaryMatch = "podinfo-canary";
  resetPeak();
  const auto t0 = Clock::now();
  replay::TrafficRecording rec(layout, 15, false);
  const auto st = replay::ingestAccessLogs(files, o, rec);
  rec.finish();
  Ingest r;
  r.seconds = seconds(t0);
  r.requests = st.requests;
  r.bytes = st.bytes;
  r.peakKb = kbField("VmHWM:");
  return r;
}

double wcLines(const std::string& file, std::uint64_t& lines) {
  const auto t0 = Clock::now();
  FILE* p = popen(("wc -l < '" + file + "'").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[64] = {};
  const bool ok = std::fgets(buf, sizeof buf, p) != nullptr;
  pclose(p);
  const double s = seconds(t0);
  lines = ok ? std::strtoull(buf, nullptr, 10) : 0;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t target = 4'000'000;
  int repeat = 3;
  std::string dir = "/tmp";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--lines") target = std::strtoull(argv[i + 1], nullptr, 10);
    if (a == "--repeat") repeat = std::max(1, std::atoi(argv[i + 1]));
    if (a == "--dir") dir = argv[i + 1];
  }
  const std::string base = dir + "/rolloutlab-ingest-bench-" + std::to_string(::getpid());
  const std::string plain = base + ".log", gz = base + ".log.gz", quarter = base + "-quarter.log";
  replay::SyntheticLogOptions o;
  o.rps = 1000;
  o.duration = static_cast<double>(target) / o.rps;
  o.canaryShare = 0.1;
  o.canaryErrorRateAfter = 0.05;
  o.changeAt = o.duration / 2;
  o.seed = 20240101;
  auto t0 = Clock::now();
  const std::uint64_t lines = replay::writeSyntheticEnvoyLog(plain, o);
  std::printf("generated %llu lines in %.1f s\n", static_cast<unsigned long long>(lines),
              seconds(t0));
  o.gzip = true;
  replay::writeSyntheticEnvoyLog(gz, o);
  o.gzip = false;
  o.duration /= 4;
  replay::writeSyntheticEnvoyLog(quarter, o);

  // Untimed passes bring the files into the page cache.
  std::uint64_t wcCount = 0;
  wcLines(plain, wcCount);
  ingest({plain});
  double bestIngest = 1e300, bestWc = 1e300;
  Ingest last;
  for (int r = 0; r < repeat; ++r) {
    last = ingest({plain});
    bestIngest = std::min(bestIngest, last.seconds);
    bestWc = std::min(bestWc, wcLines(plain, wcCount));
  }
  double bestGz = 1e300;
  for (int r = 0; r < repeat; ++r) bestGz = std::min(bestGz, ingest({gz}).seconds);
  const Ingest q = ingest({quarter});
  const Ingest whole = ingest({plain});

  const double mb = static_cast<double>(last.bytes) / 1e6;
  std::printf(
      "file: %llu lines (wc -l: %llu), %.1f MB, %.0f bytes a line, %llu requests ingested\n",
      static_cast<unsigned long long>(lines), static_cast<unsigned long long>(wcCount), mb,
      static_cast<double>(last.bytes) / static_cast<double>(lines),
      static_cast<unsigned long long>(last.requests));
  std::printf("ingest (1 thread), best of %d: %.3f s = %.2f M lines/s, %.0f MB/s\n", repeat,
              bestIngest, static_cast<double>(lines) / bestIngest / 1e6, mb / bestIngest);
  std::printf("wc -l, best of %d:             %.3f s = %.2f M lines/s, %.0f MB/s\n", repeat, bestWc,
              static_cast<double>(wcCount) / bestWc / 1e6, mb / bestWc);
  std::printf("ratio ingest/wc -l (lines/s): %.3f\n", bestWc / bestIngest);
  std::printf("gzip ingest (1 thread), best of %d: %.3f s = %.2f M lines/s\n", repeat, bestGz,
              static_cast<double>(lines) / bestGz / 1e6);
  std::printf("peak RSS during ingestion: %ld kB for %llu requests, %ld kB for %llu requests\n",
              q.peakKb, static_cast<unsigned long long>(q.requests), whole.peakKb,
              static_cast<unsigned long long>(whole.requests));
  std::remove(plain.c_str());
  std::remove(gz.c_str());
  std::remove(quarter.c_str());
  return 0;
}
