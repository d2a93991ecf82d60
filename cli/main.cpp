#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "rolloutlab/app/judge_command.h"
#include "rolloutlab/core/version.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "judge") {
    return rolloutlab::app::runJudgeCommand({args.begin() + 1, args.end()}, std::cin, std::cout,
                                            std::cerr);
  }
  std::printf("rolloutlab %s\n", rolloutlab::core::version());
  return 0;
}
