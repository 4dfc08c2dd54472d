// fdbserver stand-in. Started by the image's entrypoint (fdb.bash) as the real one is:
//   fdbserver --listen-address IP:PORT --public-address IP:PORT --datadir D --logdir L --locality-machineid M ...
// It keeps a key-value map (persisted in the data dir) for mgmtd, admin_cli and fdbcli. What it models
// of FoundationDB: the first coordinator of the cluster file that answers leads; every process registers
// with the leader under its PUBLIC address; the database is available only when it was configured, a
// majority of coordinators answer, and the leader can reach enough distinct machines at their public
// addresses for the redundancy mode (single 1, double 2, triple 3). A process that advertises 127.0.0.1
// (FDB_NETWORKING_MODE=host) is reachable there only from its own machine, so a multi-node cluster of
// such processes never has enough machines and `configure new double` cannot complete.
#include <unistd.h>

#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "config.h"
#include "fdb.h"
#include "util.h"

namespace standin {
namespace {

struct Worker {
  std::string publicAddr, machine;
  int64_t seen = 0;
};

struct Server {
  std::string id, publicAddr, machine, dataFile, clusterFilePath;
  ClusterFile cluster;
  std::mutex mu;
  std::string mode;  // "" until configured
  std::map<std::string, std::string> kv;
  std::map<std::string, Worker> workers;  // by process id (kept by the leader)
  bool leader = false, quorum = false;
  int machines = 0;

  void load() {
    std::string text;
    if (!readFile(dataFile, text)) return;
    for (const auto &line : split(text, '\n')) {
      if (line.empty()) continue;
      Fields f = decode(line);
      if (f.size() == 2 && f[0] == "#mode") mode = f[1];
      else if (f.size() == 2) kv[f[0]] = f[1];
    }
  }
  void persist() {  // under mu
    std::string out = encode({"#mode", mode}) + "\n";
    for (const auto &[k, v] : kv) out += encode({k, v}) + "\n";
    writeFileAtomic(dataFile, out);
  }
  static int need(const std::string &m) { return m == "triple" ? 3 : m == "double" ? 2 : 1; }
  bool available() { return !mode.empty() && leader && quorum && machines >= need(mode); }
};

Server gServer;

void electionLoop() {
  for (;;) {
    int reachable = 0;
    std::string leaderId;
    Endpoint leaderAt;
    for (const auto &c : gServer.cluster.coordinators) {
      Reply r = call(c, {"PING"}, 500);
      if (!r.ok || r.fields.empty()) continue;
      ++reachable;
      if (leaderId.empty()) {
        leaderId = r.fields[0];
        leaderAt = c;
      }
    }
    if (!leaderId.empty()) call(leaderAt, {"REGISTER", gServer.publicAddr, gServer.id, gServer.machine}, 500);
    // The leader checks every registered process at its public address.
    std::map<std::string, Worker> workers;
    {
      std::lock_guard<std::mutex> lock(gServer.mu);
      workers = gServer.workers;
    }
    std::set<std::string> machines;
    int64_t now = nowMs();
    for (const auto &[wid, w] : workers) {
      if (now - w.seen > 5000) continue;
      bool ok = false;
      if (wid == gServer.id) {
        ok = true;
      } else {
        Endpoint pub;
        if (parseEndpoint(w.publicAddr, pub) && !startsWith(pub.host, "127.0.0.1")) {
          Reply r = call(pub, {"PING"}, 500);
          ok = r.ok && !r.fields.empty() && r.fields[0] == wid;
        }
      }
      if (ok) machines.insert(w.machine + "@" + w.publicAddr);
    }
    {
      std::lock_guard<std::mutex> lock(gServer.mu);
      gServer.leader = leaderId == gServer.id;
      gServer.quorum = reachable * 2 > static_cast<int>(gServer.cluster.coordinators.size());
      gServer.machines = static_cast<int>(machines.size());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

Fields handle(const Fields &req, const std::string &) {
  if (req.empty()) return errReply(2000, "empty request");
  if (req[0] == "PING") return okReply({gServer.id, gServer.publicAddr});
  std::lock_guard<std::mutex> lock(gServer.mu);
  if (req[0] == "REGISTER" && req.size() >= 4) {
    gServer.workers[req[2]] = Worker{req[1], req[3], nowMs()};
    return okReply();
  }
  if (req.size() < 2) return errReply(2000, "bad request");
  if (req[0] != gServer.cluster.description) return errReply(1004, "connection string mismatch");
  const std::string &op = req[1];
  if (op == "STATUS") {
    return okReply({gServer.mode.empty() ? "0" : "1", gServer.mode, gServer.available() ? "1" : "0", gServer.quorum ? "1" : "0",
                    std::to_string(gServer.machines), std::to_string(gServer.workers.size())});
  }
  if (op == "CONFIGURE" && req.size() >= 3) {
    if (!gServer.mode.empty()) return errReply(2, "Database already exists");
    if (!gServer.leader || !gServer.quorum || gServer.machines < Server::need(req[2]))
      return errReply(1031, "not enough machines to recruit for " + req[2] + ": " + std::to_string(gServer.machines));
    gServer.mode = req[2];
    gServer.persist();
    logLine("INFO", "configured " + req[2]);
    return okReply();
  }
  if (!gServer.available()) return errReply(1004, "database unavailable");
  if (op == "GET" && req.size() >= 3) {
    auto it = gServer.kv.find(req[2]);
    return it == gServer.kv.end() ? okReply() : okReply({it->second});
  }
  if (op == "SET" && req.size() >= 4) {
    gServer.kv[req[2]] = req[3];
    gServer.persist();
    return okReply();
  }
  if (op == "SETNX" && req.size() >= 4) {  // set only if absent; answers whether it did
    if (gServer.kv.count(req[2])) return okReply({"0", gServer.kv[req[2]]});
    gServer.kv[req[2]] = req[3];
    gServer.persist();
    return okReply({"1"});
  }
  if (op == "DEL" && req.size() >= 3) {
    gServer.kv.erase(req[2]);
    gServer.persist();
    return okReply();
  }
  if (op == "SCAN" && req.size() >= 3) {
    Fields out;
    for (auto it = gServer.kv.lower_bound(req[2]); it != gServer.kv.end() && startsWith(it->first, req[2]); ++it) {
      out.push_back(it->first);
      out.push_back(it->second);
    }
    return okReply(out);
  }
  return errReply(2000, "unknown operation " + op);
}

}  // namespace

int fdbserverMain(int argc, char **argv) {
  std::vector<std::string> rest;
  auto flags = parseFlags(argc, argv, rest);
  if (injectedFailure("fdbserver", "")) fatal("injected failure (STANDIN_FAIL)");
  std::string listen = flags.count("listen_address") ? flags["listen_address"] : flags["public_address"];
  gServer.publicAddr = flags["public_address"];
  std::string datadir = flags.count("datadir") ? flags["datadir"] : "/var/fdb/data";
  std::string logdir = flags.count("logdir") ? flags["logdir"] : "/var/fdb/logs";
  gServer.machine = flags.count("locality_machineid") ? flags["locality_machineid"] : hostName();
  gServer.clusterFilePath = flags.count("cluster_file") ? flags["cluster_file"] : flags.count("C") ? flags["C"] : envOr("FDB_CLUSTER_FILE", "/etc/foundationdb/fdb.cluster");
  mkdirs(logdir);
  logOpen(logdir + "/fdbserver-standin.log", "INFO");
  std::string error;
  if (!readClusterFile(gServer.clusterFilePath, gServer.cluster, error)) fatal("ERROR: " + error);
  Endpoint at;
  if (!parseEndpoint(listen, at) || gServer.publicAddr.empty()) fatal("ERROR: --public-address and --listen-address are required");
  mkdirs(datadir);
  gServer.dataFile = datadir + "/standin-fdb.kv";
  std::random_device rd;
  gServer.id = std::to_string(rd()) + std::to_string(rd());
  gServer.load();
  int fd = listenOn(at.host, at.port, error);
  if (fd < 0) {
    fprintf(stderr, "ERROR: Could not bind to %s: %s\n", at.str().c_str(), error.c_str());
    fatal("Could not bind to " + at.str() + ": " + error);
  }
  logLine("INFO", "fdbserver stand-in on " + at.str() + ", public address " + gServer.publicAddr + ", cluster file " + gServer.clusterFilePath);
  serve(fd, handle);
  electionLoop();
  return 0;
}

}  // namespace standin
