#pragma once
// What the fuzz targets share. A target feeds its input to one parser the way the CLI does and
// lets only the documented refusal through: core::InputError (a one-line message naming file,
// line and rule). Any other exception escaping, a sanitizer report, a timeout or an allocation
// over libFuzzer's -rss_limit_mb is a finding.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

namespace rolloutlab::fuzz {

inline std::string_view asText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// A scratch file of this process (readers that only take a path); rewritten on every call.
inline const std::string& writeScratch(std::string_view text, const char* suffix) {
  static std::string path;
  path = "/tmp/rolloutlab-fuzz-" + std::to_string(::getpid()) + suffix;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
  return path;
}

}  // namespace rolloutlab::fuzz
