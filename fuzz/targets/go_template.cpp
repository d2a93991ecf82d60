// Go text/template as Flagger renders MetricTemplate queries (metric.go TemplateFunctions).
#include <string>

#include "fuzz_support.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/flagger_queries.h"

namespace fl = rolloutlab::core::flagger;

int rolloutlab::fuzz::goTemplate(const std::uint8_t* data, std::size_t size) {
  const auto text = rolloutlab::fuzz::asText(data, size);
  static const auto model = fl::makeModel("podinfo", "test", "podinfo", "", "", "", "1m",
                                          {{"a", "x"}, {"threshold", "0.99"}});
  try {
    (void)fl::renderTemplate(text, model);
  } catch (const rolloutlab::core::InputError&) {
  }
  return 0;
}
