// render_check_report FORMAT REPORT.json: prints one CI rendering of a saved CheckReport
// (FORMAT junit, sarif, markdown or github) for tests/cli/check_render_schemas.py.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "rolloutlab/app/check_render.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: render_check_report junit|sarif|markdown|github REPORT.json\n";
    return 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  if (!in) {
    std::cerr << "render_check_report: cannot read " << argv[2] << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json report;
  try {
    report = nlohmann::json::parse(text.str());
  } catch (const std::exception& e) {
    std::cerr << "render_check_report: " << argv[2] << ": " << e.what() << "\n";
    return 1;
  }
  const std::string format = argv[1];
  using namespace rolloutlab::app;
  if (format == "junit") {
    std::cout << renderCheckJUnit(report);
  } else if (format == "sarif") {
    std::cout << renderCheckSarif(report);
  } else if (format == "markdown") {
    std::cout << renderCheckMarkdown(report);
  } else if (format == "github") {
    std::cout << renderCheckGithub(report);
  } else {
    std::cerr << "render_check_report: unknown format " << format << "\n";
    return 2;
  }
  return std::cout.good() ? 0 : 3;
}
