// meta_main, storage_main and hf3fs_fuse_main stand-ins: the launch sequence of a 3FS server with its
// main config fetched from mgmtd (ServerLauncher.h:49-53 / MgmtdClientFetcher.cc:17-30; the fuse client
// the same way, src/fuse/FuseApplication.cc:65), listeners, and heartbeats to mgmtd.
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "common.h"
#include "util.h"

namespace standin {
namespace {

Launch gL;
std::vector<std::string> gTargetPaths;
std::string gServiceAddress;
pid_t gChild = 0;

std::vector<std::string> launcherMgmtd() { return gL.launcher.getStrings("mgmtd_client.mgmtd_server_addresses"); }

bool fetchFromMgmtd(Launch &l, std::string &text, int &version, std::string &error) {
  Reply r = mgmtdCall(launcherMgmtd(), {"GETCONFIG", l.clusterId, l.nodeType});
  if (!r.ok) {
    error = r.connected ? std::to_string(r.code) + " " + r.message : "MgmtdClient::RoutingInfoNotReady(6004) " + r.transportError;
    return false;
  }
  version = atoi(r.fields[0].c_str());
  text = r.fields.size() > 1 ? r.fields[1] : "";
  if (text.empty()) logLine("INFO", "Load empty config from mgmtd");
  return true;
}

// Targets are the directories named by a target id under each target path (disk index = path index).
std::string reportedTargets() {
  std::vector<std::string> out;
  for (size_t disk = 0; disk < gTargetPaths.size(); ++disk) {
    DIR *d = opendir(gTargetPaths[disk].c_str());
    if (!d) continue;
    while (auto *e = readdir(d)) {
      std::string name = e->d_name;
      if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos && isDir(gTargetPaths[disk] + "/" + name))
        out.push_back(name + ":" + std::to_string(disk));
    }
    closedir(d);
  }
  return join(out, ",");
}

Fields storageHandle(const Fields &req, const std::string &) {
  // CREATETARGET targetId chainId diskIndex (admin_cli create-target talks to the storage node:
  // src/client/cli/admin/CreateTarget.cc:58 storageClient->createTarget(nodeId, req)).
  if (!req.empty() && req[0] == "CREATETARGET" && req.size() >= 4) {
    if (injectedFailure("storage_main", "create-target")) return errReply(70, "injected failure (STANDIN_FAIL)");
    size_t disk = static_cast<size_t>(atoi(req[3].c_str()));
    if (disk >= gTargetPaths.size()) return errReply(3, "disk index " + req[3] + " out of range (" + std::to_string(gTargetPaths.size()) + " target paths)");
    std::string dir = gTargetPaths[disk] + "/" + req[1];
    if (isDir(dir)) return errReply(5018, "TargetId(" + req[1] + ") existed");
    if (!mkdirs(dir)) return errReply(69, "cannot create " + dir);
    logLine("INFO", "created target " + req[1] + " of chain " + req[2] + " at " + dir);
    return okReply();
  }
  return errReply(3, "unknown request");
}
void serveStorage(int fd) { serve(fd, storageHandle); }
void serveOther(int fd) { serve(fd, [](const Fields &, const std::string &) { return errReply(3, "unknown request"); }); }

void onTerm(int) {
  if (gChild > 0) kill(gChild, SIGTERM);
  _exit(0);
}

void heartbeatLoop(const std::vector<std::string> &mgmtd, const std::string &intervalKey) {
  int64_t interval = durationMs(gL.main.getString(intervalKey, "10s"), 10000);
  std::string over = envOr("STANDIN_HEARTBEAT_INTERVAL_MS", "");
  if (!over.empty()) interval = atoll(over.c_str());
  std::string clientId = hostName() + "-" + std::to_string(getpid());
  for (;;) {
    if (gL.nodeType == "FUSE") {
      Reply r = mgmtdCall(mgmtd, {"SESSION", gL.clusterId, clientId, hostName(), gL.launcher.getString("mountpoint", ""), std::to_string(gL.configVersion)});
      if (!r.ok) logLine("ERR", "extend client session failed: " + (r.connected ? std::to_string(r.code) + " " + r.message : r.transportError));
    } else {
      std::string targets = gL.nodeType == "STORAGE" ? reportedTargets() : "";
      Reply r = mgmtdCall(mgmtd, {"HB", gL.clusterId, gL.nodeType, std::to_string(gL.nodeId), hostName(), std::to_string(getpid()), gServiceAddress, std::to_string(gL.configVersion), targets});
      if (!r.ok) {
        // The sender logs mgmtd's refusal, e.g. "Mgmtd::HeartbeatFail(5002) NodeId(100) not registered".
        std::string why = r.connected ? (r.code == 5002 ? "Mgmtd::HeartbeatFail(5002) " : r.code == 5003 ? "Mgmtd::ClusterIdMismatch(5003) " : std::to_string(r.code) + " ") + r.message
                                      : "MgmtdClient::PrimaryMgmtdNotFound(6000) " + r.transportError;
        logLine("ERR", "Heartbeat failed: " + why);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(interval));
  }
}

void startMount() {
  std::string mountpoint = gL.launcher.getString("mountpoint", "");
  std::string tokenFile = gL.launcher.getString("token_file", "");
  std::string token;
  // The fuse client reads its token from token_file (FuseConfig.h:16 / FuseLauncherConfig.h:16).
  if (tokenFile.empty() || !readFile(tokenFile, token) || trim(token).empty()) fatal("read token file '" + tokenFile + "' failed: AuthenticationFail(25)");
  if (mountpoint.empty() || !isDir(mountpoint)) fatal("mountpoint '" + mountpoint + "' is not a directory");
  std::string bindfs = envOr("STANDIN_BINDFS", "/usr/bin/bindfs");
  if (access(bindfs.c_str(), X_OK) != 0) {
    logLine("WARN", bindfs + " is missing from this image: " + mountpoint + " is not mounted");
    return;
  }
  std::string backing = envOr("STANDIN_FUSE_BACKING", "/var/lib/hf3fs-standin/data");
  mkdirs(backing);
  gChild = fork();
  if (gChild == 0) {
    execl(bindfs.c_str(), "bindfs", "-f", "-o", "fsname=hf3fs,subtype=hf3fs", backing.c_str(), mountpoint.c_str(), static_cast<char *>(nullptr));
    _exit(127);
  }
  logLine("INFO", "mounted " + mountpoint + " (bindfs of " + backing + ", fstype fuse.hf3fs)");
}

int run(const std::string &service, const std::string &type, int argc, char **argv) {
  gL.service = service;
  gL.nodeType = type;
  signal(SIGTERM, onTerm);
  signal(SIGINT, onTerm);
  launch(gL, argc, argv, fetchFromMgmtd);
  std::vector<std::string> mgmtd;
  std::string intervalKey;
  if (type == "META") {
    // MetaServer.h:48-57: 8000 (MetaSerde, RDMA) and 9000 (Core, TCP) by default.
    gServiceAddress = bindListeners(listenerGroups(gL.main, {{"RDMA", 8000, {"MetaSerde"}}, {"TCP", 9000, {"Core"}}}), serveOther).str();
    mgmtd = gL.main.getStrings("server.mgmtd_client.mgmtd_server_addresses");
    intervalKey = "server.mgmtd_client.auto_heartbeat_interval";
  } else if (type == "STORAGE") {
    // StorageTargets.h:24: target_paths must not be empty; every path must exist.
    gTargetPaths = gL.main.getStrings("server.targets.target_paths");
    if (gTargetPaths.empty()) fatal("Init config failed: ConfigValidateFailed(18) Check failed: server.targets.target_paths");
    for (const auto &p : gTargetPaths)
      if (!isDir(p)) fatal("Start server failed: target path " + p + " does not exist");
    // src/storage/service/Components.h:30-36: 8000 (StorageSerde, RDMA) and 9000 (Core, TCP) by default.
    gServiceAddress = bindListeners(listenerGroups(gL.main, {{"RDMA", 8000, {"StorageSerde"}}, {"TCP", 9000, {"Core"}}}), serveStorage).str();
    mgmtd = gL.main.getStrings("server.mgmtd.mgmtd_server_addresses");
    intervalKey = "server.mgmtd.auto_heartbeat_interval";
  } else {
    startMount();
    mgmtd = gL.main.getStrings("mgmtd.mgmtd_server_addresses");
    if (mgmtd.empty()) mgmtd = launcherMgmtd();
    intervalKey = "mgmtd.auto_extend_client_session_interval";
  }
  if (mgmtd.empty()) logLine("ERR", "mgmtd_server_addresses is empty in the main config: no heartbeats can be sent");
  std::thread(heartbeatLoop, mgmtd, intervalKey).detach();
  for (;;) {
    if (gChild > 0) {
      int st = 0;
      if (waitpid(gChild, &st, WNOHANG) == gChild) fatal("the fuse mount (bindfs) ended with status " + std::to_string(WEXITSTATUS(st)));
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace

int metaMain(int argc, char **argv) { return run("meta_main", "META", argc, argv); }
int storageMain(int argc, char **argv) { return run("storage_main", "STORAGE", argc, argv); }
int fuseMain(int argc, char **argv) { return run("hf3fs_fuse_main", "FUSE", argc, argv); }

}  // namespace standin
