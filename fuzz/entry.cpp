// libFuzzer's entry point for one harness (ROLLOUTLAB_FUZZ_HARNESS names it).
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return rolloutlab::fuzz::ROLLOUTLAB_FUZZ_HARNESS(data, size);
}
