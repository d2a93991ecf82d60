// The `rolloutlab` executable: parses nothing itself; the commands live in rolloutlab::app.
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/commands.h"

namespace {
// Ctrl-C, or SIGTERM (how Kubernetes stops an evicted or deadline-stopped pod of an Indexed
// Job): ask long work to stop cleanly, so a batch shard writes the runs that finished, marked
// partial. A second signal of the same kind kills as usual, and so does the first when no
// command watches the flag.
void onInterrupt(int sig) {
  rolloutlab::app::cancelRequested().store(true);
  ::signal(sig, SIG_DFL);
  if (!rolloutlab::app::cancelWatched().load()) ::raise(sig);
}
}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  ::signal(SIGINT, onInterrupt);
  ::signal(SIGTERM, onInterrupt);
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  rolloutlab::app::Streams io{std::cin, std::cout, std::cerr, ::isatty(STDERR_FILENO) == 1,
                              ::isatty(STDOUT_FILENO) == 1};
  const int rc = rolloutlab::app::runMain(args, io);
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "error: could not write the output\n";
    return 3;
  }
  return rc;
}
