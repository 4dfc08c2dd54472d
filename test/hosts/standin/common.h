// What the 3FS service stand-ins share: the launch sequence of a 3FS server (launcher and app configs from
// files, the main config from mgmtd or FoundationDB, listeners) and table/cell packing for answers.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "config.h"
#include "net.h"

namespace standin {

// Cells of a table row travel joined by \x1f, one row per answer field.
std::string packRow(const std::vector<std::string> &cells);
std::vector<std::string> unpackRow(const std::string &row);

struct Launch {
  std::string service;  // mgmtd_main, meta_main, storage_main, hf3fs_fuse_main
  std::string nodeType; // MGMTD, META, STORAGE, FUSE
  TomlValue launcher, app, main;
  int nodeId = 0;
  std::string clusterId;
  int configVersion = 0;
};

// Reads --launcher_cfg and --app-cfg (src/core/app/ServerLauncher.h:33-34), then the main config:
// --cfg names a local file; otherwise it comes from `fetch` (src/common/app/Utils.cc:269-278), which is
// retried 20 times with a backoff from 10 ms to 1 s before a FATAL exit (Utils.cc:217-235). An empty
// answer means no config was set: the code defaults (MgmtdClientFetcher.cc:25-28).
// `fetch` returns false on failure with the error text, else the config text and version.
using Fetch = bool (*)(Launch &, std::string &text, int &version, std::string &error);
void launch(Launch &l, int argc, char **argv, Fetch fetch);

// Binds every listener group on this node's address; a FATAL exit as 3FS's "Start server failed" when
// a port is taken. Returns the first endpoint (where this service is reached).
Endpoint bindListeners(const std::vector<ListenerGroup> &groups, void (*serveFd)(int fd));

// Talks to the primary mgmtd among `addresses` (3FS: MgmtdClient tries each address).
Reply mgmtdCall(const std::vector<std::string> &addresses, const Fields &request, int timeoutMs = 2000);

}  // namespace standin
