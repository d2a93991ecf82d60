#pragma once
// What the fuzz targets share. A target feeds its input to one parser the way the CLI does and
// lets only the documented refusal through: core::InputError (a one-line message naming file,
// line and rule). Any other exception escaping, a sanitizer report, a timeout or an allocation
// over libFuzzer's -rss_limit_mb is a finding.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace rolloutlab::fuzz {

/// One harness per input format: feeds one input to its parser as the CLI does. Returns 0 (what
/// libFuzzer's LLVMFuzzerTestOneInput returns); a finding aborts, hangs or blows up instead.
using Harness = int (*)(const std::uint8_t* data, std::size_t size);
int yamlWorkspace(const std::uint8_t* data, std::size_t size);
int promql(const std::uint8_t* data, std::size_t size);
int argoExpr(const std::uint8_t* data, std::size_t size);
int goTemplate(const std::uint8_t* data, std::size_t size);
int prometheusJson(const std::uint8_t* data, std::size_t size);
int prometheusAnswer(const std::uint8_t* data, std::size_t size);
int openmetrics(const std::uint8_t* data, std::size_t size);
int csv(const std::uint8_t* data, std::size_t size);
int accessLog(const std::uint8_t* data, std::size_t size);

/// The harness of a fuzz target's name (`fuzz_<name>`, the folders of fuzz/corpus/ and
/// tests/data/fuzz-regressions/); nullptr for an unknown name.
inline Harness harness(std::string_view name) {
  struct Entry {
    const char* name;
    Harness fn;
  };
  static constexpr Entry kTargets[] = {
      {"yaml_workspace", yamlWorkspace},
      {"promql", promql},
      {"argo_expr", argoExpr},
      {"go_template", goTemplate},
      {"prometheus_json", prometheusJson},
      {"prometheus_answer", prometheusAnswer},
      {"openmetrics", openmetrics},
      {"csv", csv},
      {"access_log", accessLog},
  };
  for (const Entry& e : kTargets)
    if (name == e.name) return e.fn;
  return nullptr;
}

inline std::string_view asText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// A scratch file of this process (readers that only take a path) in $TMPDIR or /tmp;
/// rewritten on every call.
inline const std::string& writeScratch(std::string_view text, const char* suffix) {
  static std::string path;
  const char* tmp = std::getenv("TMPDIR");
  path = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/rolloutlab-fuzz-" +
         std::to_string(::getpid()) + suffix;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
  return path;
}

}  // namespace rolloutlab::fuzz
