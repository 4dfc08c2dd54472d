// One static binary for every stand-in program; it acts as the program it is called as (argv[0]).
#include <cstdio>
#include <cstring>
#include <string>

#include "util.h"

namespace standin {
int fdbserverMain(int, char **);
int fdbcliMain(int, char **);
int mgmtdMain(int, char **);
int metaMain(int, char **);
int storageMain(int, char **);
int fuseMain(int, char **);
int adminCliMain(int, char **);
int clickhouseServerMain(int, char **);
int clickhouseClientMain(int, char **);
int monitorMain(int, char **);
int grafanaMain(int, char **);
}  // namespace standin

int main(int argc, char **argv) {
  using namespace standin;
  std::string name = argv[0];
  auto slash = name.rfind('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  // `standin <program> args...` runs a program by name too.
  if (name == "standin" && argc > 1) {
    name = argv[1];
    ++argv;
    --argc;
  }
  gProgram = name;
  if (name == "fdbserver") return fdbserverMain(argc, argv);
  if (name == "fdbcli") return fdbcliMain(argc, argv);
  if (name == "mgmtd_main") return mgmtdMain(argc, argv);
  if (name == "meta_main") return metaMain(argc, argv);
  if (name == "storage_main") return storageMain(argc, argv);
  if (name == "hf3fs_fuse_main") return fuseMain(argc, argv);
  if (name == "admin_cli") return adminCliMain(argc, argv);
  if (name == "monitor_collector_main") return monitorMain(argc, argv);
  if (name == "clickhouse-server" || name == "clickhouse") {
    if (name == "clickhouse" && argc > 1 && strcmp(argv[1], "client") == 0) return clickhouseClientMain(argc - 1, argv + 1);
    return clickhouseServerMain(argc, argv);
  }
  if (name == "clickhouse-client") return clickhouseClientMain(argc, argv);
  if (name == "grafana" || name == "grafana-server") return grafanaMain(argc, argv);
  fprintf(stderr, "standin: unknown program %s\n", name.c_str());
  return 127;
}
