#include "common.h"

#include <thread>

#include "util.h"

namespace standin {

std::string packRow(const std::vector<std::string> &cells) { return join(cells, "\x1f"); }
std::vector<std::string> unpackRow(const std::string &row) { return split(row, '\x1f'); }

void launch(Launch &l, int argc, char **argv, Fetch fetch) {
  std::vector<std::string> rest;
  auto flags = parseFlags(argc, argv, rest);
  if (injectedFailure(l.service, "start")) fatal("injected failure (STANDIN_FAIL)");
  if (!flags.count("launcher_cfg")) fatal("Failed to init launcher: --launcher_cfg is required");
  l.launcher = loadConfigFile(flags["launcher_cfg"], l.service + "_launcher", "launcher");
  l.clusterId = l.launcher.getString("cluster_id", "");
  if (flags.count("app_cfg")) {
    l.app = loadConfigFile(flags["app_cfg"], l.service + "_app", "app");
    l.nodeId = static_cast<int>(l.app.getInt("node_id", 0));
  }
  std::string text, error;
  if (flags.count("cfg")) {
    if (!readFile(flags["cfg"], text)) fatal("Load config from " + flags["cfg"] + " failed: IOError(69)");
  } else {
    int64_t backoff = 10;
    bool loaded = false;
    for (int i = 0; i < 20 && !loaded; ++i) {
      if (fetch(l, text, l.configVersion, error)) {
        loaded = true;
        break;
      }
      logLine("CRITICAL", "Load config by launcher failed: " + error + "\nretryCount: " + std::to_string(i));
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
      backoff = std::min<int64_t>(backoff * 2, 1000);
    }
    if (!loaded) fatal("Load config from launcher failed, stop retrying");
  }
  if (!parseConfigText(text, l.service, l.main, error)) fatal("Init config failed: " + error);
  setupLogging(l.main, l.service);
  logLine("INFO", "Server config inited (version " + std::to_string(l.configVersion) + ")");
}

Endpoint bindListeners(const std::vector<ListenerGroup> &groups, void (*serveFd)(int fd)) {
  Endpoint first;
  std::string host = nodeAddress();
  for (const auto &g : groups) {
    std::string error;
    int fd = listenOn(host, g.port, error);
    if (fd < 0) {
      std::string msg = "Start server failed: RPC::ListenFailed(2011) listen on " + host + ":" + std::to_string(g.port) + " (" + g.networkType + ") failed: " + error;
      fprintf(stderr, "%s\n", msg.c_str());
      fatal(msg);
    }
    logLine("INFO", "listening on " + g.networkType + "://" + host + ":" + std::to_string(g.port) + " (served over TCP: no RDMA here)");
    if (first.port == 0) first = Endpoint{host, g.port};
    serveFd(fd);
  }
  return first;
}

Reply mgmtdCall(const std::vector<std::string> &addresses, const Fields &request, int timeoutMs) {
  Reply last;
  last.transportError = "mgmtd_server_addresses is empty";
  for (const auto &a : addresses) {
    Endpoint e;
    if (!parseEndpoint(a, e)) continue;
    Reply r = call(e, request, timeoutMs);
    if (r.connected && !r.ok && r.code == 5000) {  // Mgmtd::NotPrimary: try the next one
      last = r;
      continue;
    }
    if (r.connected) return r;
    last = r;
  }
  return last;
}

}  // namespace standin
