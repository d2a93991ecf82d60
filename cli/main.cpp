// The `rolloutlab` executable: parses nothing itself; the commands live in rolloutlab::app.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "rolloutlab/app/commands.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  rolloutlab::app::Streams io{std::cin, std::cout, std::cerr, ::isatty(STDERR_FILENO) == 1};
  const int rc = rolloutlab::app::runMain(args, io);
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "error: could not write the output\n";
    return 3;
  }
  return rc;
}
