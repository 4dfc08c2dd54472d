// Standalone worker uploaded to nodes; speaks JSON lines on stdout, logs on stderr.
#include <cstdio>
#include <cstring>
#include <string>

#include "core/version.h"

namespace {

int printVersion() {
  std::printf("{\"type\":\"version\",\"core\":\"%s\"}\n", threefs::coreVersion());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "version") == 0) return printVersion();
  std::fprintf(stderr, "usage: 3fs-worker version\n");
  return 2;
}
