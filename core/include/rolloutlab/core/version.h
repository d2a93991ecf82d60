#pragma once

namespace rolloutlab::core {
/// The rolloutlab version, written into every JSON output (`version`).
const char* version();
}  // namespace rolloutlab::core
