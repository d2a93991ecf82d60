#pragma once
// Shared helpers for the test suites: paths to fixtures and the reference folder.
#include <string>

namespace rolloutlab::test {
/// ../shared beside the checkout (reference manifests and tools).
std::string sharedDir();
/// tests/data in the source tree.
std::string dataDir();
/// The source tree root.
std::string sourceDir();
/// The build's bin/ folder (the rolloutlab executable).
std::string binDir();
/// Reads a whole file; fails the current test when it cannot.
std::string readFile(const std::string& path);
}  // namespace rolloutlab::test
