#include "rolloutlab/core/version.h"
#include <cstdio>
int main() { std::printf("rolloutlab %s\n", rolloutlab::core::version()); return 0; }
