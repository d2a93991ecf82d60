// Times `rolloutlab stats ranksum --x FILE --y FILE` through its implementation
// (app::runStatsCommand: reading both files, the test with the Hodges-Lehmann interval, JSON
// output), without process start-up. Used by bench/ranksum_compare.sh.
//
//   ranksum_cli_bench X_FILE Y_FILE [REPEATS] [METHOD]
//
// METHOD is passed as --method (r, the default, or exact).
// Prints the command's JSON once, then "seconds <median> <min>" over REPEATS runs (default 5).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "rolloutlab/app/stats_command.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: ranksum_cli_bench X_FILE Y_FILE [REPEATS] [METHOD]\n";
    return 2;
  }
  const int repeats = argc > 3 ? std::max(1, std::stoi(argv[3])) : 5;
  std::vector<std::string> args{"ranksum", "--x", argv[1], "--y", argv[2]};
  if (argc > 4) {
    args.emplace_back("--method");
    args.emplace_back(argv[4]);
  }
  std::vector<double> seconds;
  std::string json;
  for (int i = 0; i < repeats; ++i) {
    std::istringstream in;
    std::ostringstream out;
    std::ostringstream err;
    const auto start = std::chrono::steady_clock::now();
    const int code = rolloutlab::app::runStatsCommand(args, in, out, err);
    const auto stop = std::chrono::steady_clock::now();
    if (code != 0) {
      std::cerr << err.str();
      return code;
    }
    json = out.str();
    seconds.push_back(std::chrono::duration<double>(stop - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  std::cout << json << "seconds " << seconds[seconds.size() / 2] << " " << seconds.front() << "\n";
  return 0;
}
