#include "rolloutlab/sim/scenario.h"

namespace rolloutlab::sim {

const char* toString(Release r) { return r == Release::kGood ? "good" : "bad"; }

}  // namespace rolloutlab::sim
