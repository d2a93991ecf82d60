#include "rolloutlab/core/version.h"

namespace rolloutlab::core {
const char* version() { return ROLLOUTLAB_VERSION; }
}  // namespace rolloutlab::core
