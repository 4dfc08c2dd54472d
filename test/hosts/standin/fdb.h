// FoundationDB stand-in: the client side every program uses (mgmtd, admin_cli init-cluster/user-add, fdbcli).
#pragma once
#include <string>

#include "net.h"

namespace standin {

struct ClusterFile {
  std::string description;
  std::vector<Endpoint> coordinators;
};
bool readClusterFile(const std::string &path, ClusterFile &out, std::string &error);

// One request to the database of that cluster file (the first coordinator that answers leads, as
// fdbserver.cc decides below). A database that cannot be reached answers connected=false.
Reply fdbRequest(const std::string &clusterFilePath, const Fields &request, int timeoutMs = 3000);

int fdbserverMain(int argc, char **argv);
int fdbcliMain(int argc, char **argv);

}  // namespace standin
