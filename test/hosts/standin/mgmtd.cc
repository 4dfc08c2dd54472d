// mgmtd_main stand-in: keeps nodes, configs, chains, chain tables and client sessions (persistent parts in
// the FoundationDB stand-in, so a restarted mgmtd keeps them), accepts heartbeats as 3FS's mgmtd does and
// computes target and chain states from them.
#include <unistd.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <mutex>
#include <set>
#include <thread>

#include "common.h"
#include "fdb.h"
#include "util.h"

namespace standin {
namespace {

struct NodeRt {
  std::string type, hostname, pid = "0", address, tags = "[]";
  int64_t lastHb = 0;
  int configVersion = 0;
  std::map<long long, int> targets;  // reported target -> disk index
};

struct TargetRt {
  std::string state = "OFFLINE";  // public state
  int64_t syncUntil = 0;
};

struct Chain {
  int version = 1;
  std::vector<long long> targets;
};

struct Session {
  std::string clientId, hostname, description;
  int64_t start = 0, lastExtend = 0;
  int configVersion = 0;
};

struct Mgmtd {
  std::mutex mu;
  Launch launch;
  std::string fdbCluster, selfAddress;
  std::map<int, NodeRt> nodes;  // registered nodes (persisted as node/<id>)
  std::map<std::string, std::pair<int, std::string>> configs;  // type -> version, content
  std::map<long long, Chain> chains;
  std::map<int, std::map<int, std::pair<std::string, std::vector<long long>>>> tables;  // id -> version -> desc, chains
  std::map<long long, TargetRt> targets;
  std::map<std::string, Session> sessions;
  bool allowUnregistered = false;
  int64_t failMs = 60000;
} g;

// Settings of the mgmtd main config that this stand-in acts on, with 3FS's code defaults
// (src/mgmtd/service/MgmtdConfig.h:14 allow_heartbeat_from_unregistered=false, :16 heartbeat_fail_interval=60s).
void applyMgmtdConfig(const TomlValue &main) {
  g.allowUnregistered = main.getBool("server.service.allow_heartbeat_from_unregistered", false);
  g.failMs = durationMs(main.getString("server.service.heartbeat_fail_interval", "60s"), 60000);
  std::string over = envOr("STANDIN_HEARTBEAT_FAIL_MS", "");
  if (!over.empty()) g.failMs = atoll(over.c_str());
}

bool fdbSet(const std::string &key, const std::string &value) {
  Reply r = fdbRequest(g.fdbCluster, {"SET", key, value});
  if (!r.ok) logLine("ERR", "fdb write of " + key + " failed: " + (r.connected ? r.message : r.transportError));
  return r.ok;
}

void loadState() {
  Reply r = fdbRequest(g.fdbCluster, {"SCAN", ""}, 5000);
  if (!r.ok) fatal("load state from fdb failed: " + (r.connected ? r.message : r.transportError));
  for (size_t i = 0; i + 1 < r.fields.size(); i += 2) {
    const std::string &k = r.fields[i];
    Fields v = decode(r.fields[i + 1]);
    if (startsWith(k, "node/") && v.size() >= 2) {
      auto &n = g.nodes[atoi(k.substr(5).c_str())];
      n.type = v[0];
      n.hostname = v[1];
    } else if (startsWith(k, "config/") && v.size() >= 2) {
      g.configs[k.substr(7)] = {atoi(v[0].c_str()), v[1]};
    } else if (startsWith(k, "chain/") && v.size() >= 2) {
      Chain c;
      c.version = atoi(v[0].c_str());
      for (const auto &t : split(v[1], ','))
        if (!t.empty()) c.targets.push_back(atoll(t.c_str()));
      g.chains[atoll(k.substr(6).c_str())] = c;
    } else if (startsWith(k, "chaintable/") && v.size() >= 4) {
      std::vector<long long> ids;
      for (const auto &t : split(v[3], ','))
        if (!t.empty()) ids.push_back(atoll(t.c_str()));
      g.tables[atoi(v[0].c_str())][atoi(v[1].c_str())] = {v[2], ids};
    }
  }
}

bool alive(const NodeRt &n, int64_t now) { return n.lastHb && now - n.lastHb <= g.failMs; }

// Target states as mgmtd's chain updater moves them, simplified (never kinder): a target serves only
// while its storage node heartbeats and reports it; one that joins a chain with a serving replica syncs
// first; when the last serving replica goes away it is LASTSRV and the others wait for it.
void updateChains(int64_t now) {
  std::map<long long, bool> online;
  for (const auto &[id, n] : g.nodes)
    if (n.type == "STORAGE" && alive(n, now))
      for (const auto &[tid, disk] : n.targets) online[tid] = true;
  int64_t syncMs = atoll(envOr("STANDIN_SYNC_MS", "3000").c_str());
  for (auto &[cid, chain] : g.chains) {
    bool anyServing = false, anyLastSrv = false;
    for (auto tid : chain.targets) {
      auto &t = g.targets[tid];
      if (online[tid] && t.state == "SERVING") anyServing = true;
    }
    long long newLastSrv = 0;
    if (!anyServing) {
      for (auto tid : chain.targets)
        if (g.targets[tid].state == "LASTSRV") anyLastSrv = true;
      if (!anyLastSrv)
        for (auto tid : chain.targets)
          if (g.targets[tid].state == "SERVING" && !newLastSrv) newLastSrv = tid;
    }
    bool lastSrvBack = false;
    for (auto tid : chain.targets)
      if (g.targets[tid].state == "LASTSRV" && online[tid]) lastSrvBack = true;
    for (auto tid : chain.targets) {
      auto &t = g.targets[tid];
      if (!online[tid]) {
        if (tid == newLastSrv) t.state = "LASTSRV";
        else if (t.state != "LASTSRV") t.state = "OFFLINE";
        continue;
      }
      if (t.state == "SERVING") continue;
      if (t.state == "LASTSRV") {
        t.state = "SERVING";
      } else if (anyServing) {
        if (t.state != "SYNCING") {
          t.state = "SYNCING";
          t.syncUntil = now + syncMs;
        } else if (now >= t.syncUntil) {
          t.state = "SERVING";
        }
      } else if (anyLastSrv && !lastSrvBack) {
        t.state = "WAITING";
      } else {
        t.state = "SERVING";  // a new chain: nobody holds older data
      }
    }
  }
}

std::string localState(long long tid, int64_t now) {
  for (const auto &[id, n] : g.nodes)
    if (n.type == "STORAGE" && alive(n, now) && n.targets.count(tid)) return g.targets[tid].state == "SYNCING" ? "ONLINE" : "UPTODATE";
  return "OFFLINE";
}

const char *kTypes[] = {"MGMTD", "META", "STORAGE", "CLIENT", "FUSE"};
int typeRank(const std::string &t) {
  for (int i = 0; i < 5; ++i)
    if (t == kTypes[i]) return i;
  return 9;
}

std::string nodeStatus(int id, const NodeRt &n, int64_t now) {
  if (id == g.launch.nodeId) return "PRIMARY_MGMTD";
  if (!n.lastHb) return "HEARTBEAT_CONNECTING";
  return alive(n, now) ? "HEARTBEAT_CONNECTED" : "HEARTBEAT_FAILED";
}
int statusRank(const std::string &s) {
  const char *order[] = {"PRIMARY_MGMTD", "HEARTBEAT_CONNECTED", "HEARTBEAT_CONNECTING", "HEARTBEAT_FAILED", "DISABLED"};
  for (int i = 0; i < 5; ++i)
    if (s == order[i]) return i;
  return 9;
}

Fields listNodes(int64_t now) {
  struct Row { int type, status, id; std::vector<std::string> cells; };
  std::vector<Row> rows;
  for (const auto &[id, n] : g.nodes) {
    std::string st = nodeStatus(id, n, now);
    std::string cfg = std::to_string(n.configVersion);
    auto it = g.configs.find(n.type);
    if (it != g.configs.end() && it->second.first == n.configVersion) cfg += "(UPTODATE)";
    rows.push_back({typeRank(n.type), statusRank(st), id,
                    {std::to_string(id), n.type, st, n.hostname, n.pid, n.tags, n.lastHb ? ymdHMS(n.lastHb) : "N/A", cfg, "250410-standin"}});
  }
  std::sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) { return std::tie(a.type, a.status, a.id) < std::tie(b.type, b.status, b.id); });
  Fields out{packRow({"Id", "Type", "Status", "Hostname", "Pid", "Tags", "LastHeartbeatTime", "ConfigVersion", "ReleaseVersion"})};
  for (auto &r : rows) out.push_back(packRow(r.cells));
  return out;
}

// src/client/cli/admin/ListChains.cc:20-60 (chain status from its targets' public states).
std::vector<std::string> chainCells(long long cid, const Chain &c, int64_t now) {
  size_t serving = 0, syncing = 0;
  std::vector<std::string> targets;
  for (auto tid : c.targets) {
    const auto &st = g.targets[tid].state;
    if (st == "SERVING") ++serving;
    if (st == "SYNCING") ++syncing;
    targets.push_back(std::to_string(tid) + "(" + st + "-" + localState(tid, now) + ")");
  }
  std::string status = syncing ? "SYNCING" : serving == c.targets.size() ? "SERVING" : serving == 0 ? "UNAVAILABLE"
                                                                                       : "SERVING(" + std::to_string(serving) + "/" + std::to_string(c.targets.size()) + ")";
  std::vector<std::string> cells{std::to_string(c.version), status, "[]"};
  cells.insert(cells.end(), targets.begin(), targets.end());
  (void)cid;
  return cells;
}

Fields listChains(int64_t now) {
  size_t width = 0;
  for (const auto &[cid, c] : g.chains) width = std::max(width, c.targets.size());
  std::vector<std::string> head{"ChainId", "ReferencedBy", "ChainVersion", "Status", "PreferredOrder"};
  for (size_t i = 0; i < width; ++i) head.push_back("Target");
  Fields out{packRow(head)};
  std::map<long long, std::set<int>> refs;
  for (const auto &[tid, versions] : g.tables)
    for (const auto &[v, t] : versions)
      for (auto cid : t.second) refs[cid].insert(tid);
  for (const auto &[cid, c] : g.chains) {
    std::string ref = "N/A";
    auto &r = refs[cid];
    if (r.size() == 1) ref = std::to_string(*r.begin());
    else if (r.size() == 2) ref = std::to_string(*r.begin()) + "," + std::to_string(*r.rbegin());
    else if (r.size() > 2) ref = std::to_string(*r.begin()) + "," + std::to_string(*++r.begin()) + ",...";
    std::vector<std::string> cells{std::to_string(cid), ref};
    auto rest = chainCells(cid, c, now);
    cells.insert(cells.end(), rest.begin(), rest.end());
    out.push_back(packRow(cells));
  }
  return out;
}

Fields listTargets(int64_t now) {
  Fields out{packRow({"TargetId", "ChainId", "Role", "PublicState", "LocalState", "NodeId", "DiskIndex", "UsedSize"})};
  for (const auto &[cid, c] : g.chains) {
    for (size_t i = 0; i < c.targets.size(); ++i) {
      long long tid = c.targets[i];
      std::string node = "N/A", disk = "N/A";
      for (const auto &[id, n] : g.nodes)
        if (n.type == "STORAGE" && n.targets.count(tid)) {
          node = std::to_string(id);
          disk = std::to_string(n.targets.at(tid));
        }
      const char *role = i == 0 ? "HEAD" : i + 1 == c.targets.size() ? "TAIL" : "MIDDLE";
      out.push_back(packRow({std::to_string(tid), std::to_string(cid), role, g.targets[tid].state, localState(tid, now), node, disk, "0"}));
    }
  }
  return out;
}

Fields listChainTables() {
  Fields out{packRow({"ChainTableId", "ChainTableVersion", "ChainCount", "ReplicaCount", "Desc"})};
  for (const auto &[id, versions] : g.tables)
    for (const auto &[v, t] : versions) {
      std::set<size_t> replicas;
      for (auto cid : t.second) replicas.insert(g.chains[cid].targets.size());
      std::vector<std::string> rc;
      for (auto r : replicas) rc.push_back(std::to_string(r));
      out.push_back(packRow({std::to_string(id), std::to_string(v), std::to_string(t.second.size()), join(rc, "/"), t.first}));
    }
  return out;
}

Fields listClients() {
  Fields out{packRow({"ClientId", "ClientStart", "SessionStart", "LastExtend", "ConfigVersion", "Hostname", "Description", "Tags", "ReleaseVersion"})};
  for (const auto &[id, s] : g.sessions) {
    std::string cfg = std::to_string(s.configVersion);
    auto it = g.configs.find("FUSE");
    if (it != g.configs.end() && it->second.first == s.configVersion) cfg += "(UPTODATE)";
    out.push_back(packRow({s.clientId, ymdHMS(s.start), ymdHMS(s.start), ymdHMS(s.lastExtend), cfg, s.hostname, s.description.empty() ? "N/A" : s.description, "[]", "250410-standin"}));
  }
  return out;
}

// HeartbeatOperation.cc:29-56: an unknown node is refused unless allow_heartbeat_from_unregistered.
Fields heartbeat(const Fields &req, int64_t now) {
  // HB cluster type nodeId hostname pid address configVersion targets(tid:disk,...)
  if (req.size() < 9) return errReply(3, "bad heartbeat");
  int id = atoi(req[3].c_str());
  const std::string &type = req[2];
  auto it = g.nodes.find(id);
  if (it == g.nodes.end()) {
    if (!g.allowUnregistered) {
      logLine("ERR", "Heartbeat: NodeId(" + req[3] + ") not registered");
      return errReply(5002, "NodeId(" + req[3] + ") not registered");
    }
    logLine("INFO", "Heartbeat: auto register NodeId(" + req[3] + ") " + type);
    it = g.nodes.emplace(id, NodeRt{}).first;
    it->second.type = type;
    it->second.hostname = req[4];
    fdbSet("node/" + req[3], encode({type, req[4]}));
  } else if (it->second.type != type) {
    return errReply(5002, "NodeId(" + req[3] + ") type mismatch: registered " + it->second.type + " got " + type);
  }
  auto &n = it->second;
  n.hostname = req[4];
  n.pid = req[5];
  n.address = req[6];
  n.configVersion = atoi(req[7].c_str());
  n.lastHb = now;
  n.targets.clear();
  for (const auto &t : split(req[8], ',')) {
    auto colon = t.find(':');
    if (colon != std::string::npos) n.targets[atoll(t.substr(0, colon).c_str())] = atoi(t.substr(colon + 1).c_str());
  }
  updateChains(now);
  auto cfg = g.configs.find(type);
  return okReply({std::to_string(cfg == g.configs.end() ? 0 : cfg->second.first)});
}

Fields handle(const Fields &req, const std::string &) {
  if (req.empty()) return errReply(2000, "empty request");
  if (injectedFailure("mgmtd_main", req[0])) return errReply(70, "injected failure (STANDIN_FAIL)");
  std::lock_guard<std::mutex> lock(g.mu);
  int64_t now = nowMs();
  if (req.size() < 2 || req[1] != g.launch.clusterId)
    return errReply(5003, "ClusterIdMismatch: expected " + g.launch.clusterId + ", got " + (req.size() > 1 ? req[1] : ""));
  const std::string &op = req[0];
  updateChains(now);
  if (op == "HB") return heartbeat(req, now);
  if (op == "LISTNODES") return okReply(listNodes(now));
  if (op == "LISTCHAINS") return okReply(listChains(now));
  if (op == "LISTTARGETS") return okReply(listTargets(now));
  if (op == "LISTCHAINTABLES") return okReply(listChainTables());
  if (op == "LISTCLIENTS") return okReply(listClients());
  if (op == "GETCONFIG" && req.size() >= 3) {
    auto it = g.configs.find(req[2]);
    if (it == g.configs.end()) return okReply({"0", ""});
    return okReply({std::to_string(it->second.first), it->second.second});
  }
  if (op == "SETCONFIG" && req.size() >= 4) {
    int version = g.configs.count(req[2]) ? g.configs[req[2]].first + 1 : 1;
    if (!fdbSet("config/" + req[2], encode({std::to_string(version), req[3]}))) return errReply(1004, "Transaction::NetworkError");
    g.configs[req[2]] = {version, req[3]};
    if (req[2] == "MGMTD") {  // hot update of its own config
      TomlValue main;
      std::string error;
      if (parseConfigText(req[3], "mgmtd_main", main, error)) {
        applyMgmtdConfig(main);
        g.nodes[g.launch.nodeId].configVersion = version;
      } else {
        logLine("ERR", "hot update of the mgmtd config failed: " + error);
      }
    }
    return okReply({std::to_string(version)});
  }
  if (op == "NODEADDR" && req.size() >= 3) {
    auto it = g.nodes.find(atoi(req[2].c_str()));
    if (it == g.nodes.end() || it->second.address.empty()) return errReply(5001, "NodeId(" + req[2] + ") not found");
    return okReply({it->second.address});
  }
  if (op == "SETCHAINS") {
    for (size_t i = 2; i < req.size(); ++i) {
      auto parts = split(req[i], ':');
      long long cid = atoll(parts[0].c_str());
      Chain c;
      for (const auto &t : split(parts.size() > 1 ? parts[1] : "", ','))
        if (!t.empty()) c.targets.push_back(atoll(t.c_str()));
      auto old = g.chains.find(cid);
      if (old != g.chains.end()) c.version = old->second.targets == c.targets ? old->second.version : old->second.version + 1;
      if (!fdbSet("chain/" + parts[0], encode({std::to_string(c.version), parts.size() > 1 ? parts[1] : ""}))) return errReply(1004, "Transaction::NetworkError");
      g.chains[cid] = c;
    }
    updateChains(now);
    return okReply();
  }
  if (op == "SETCHAINTABLE" && req.size() >= 5) {
    int id = atoi(req[2].c_str());
    std::vector<long long> ids;
    for (const auto &t : split(req[4], ','))
      if (!t.empty()) {
        if (!g.chains.count(atoll(t.c_str()))) return errReply(5007, "ChainId(" + t + ") not found");
        ids.push_back(atoll(t.c_str()));
      }
    auto &versions = g.tables[id];
    if (!versions.empty() && versions.rbegin()->second.second == ids) return okReply({std::to_string(versions.rbegin()->first)});
    int version = versions.empty() ? 1 : versions.rbegin()->first + 1;
    if (!fdbSet("chaintable/" + req[2] + "/" + std::to_string(version), encode({req[2], std::to_string(version), req[3], req[4]}))) return errReply(1004, "Transaction::NetworkError");
    versions[version] = {req[3], ids};
    return okReply({std::to_string(version)});
  }
  if (op == "SESSION" && req.size() >= 6) {
    auto &s = g.sessions[req[2]];
    if (!s.start) s.start = now;
    s.clientId = req[2];
    s.hostname = req[3];
    s.description = req[4];
    s.configVersion = atoi(req[5].c_str());
    s.lastExtend = now;
    return okReply();
  }
  return errReply(3, "unknown request " + op);
}

bool fetchFromFdb(Launch &l, std::string &text, int &version, std::string &error) {
  g.fdbCluster = l.launcher.getString("fdb.clusterFile", "");
  if (g.fdbCluster.empty()) g.fdbCluster = "/etc/foundationdb/fdb.cluster";
  Reply r = fdbRequest(g.fdbCluster, {"GET", "config/MGMTD"});
  if (!r.ok) {
    error = "Transaction::NetworkError(1004) " + (r.connected ? r.message : r.transportError);
    return false;
  }
  if (r.fields.empty()) {
    logLine("INFO", "Load empty config from fdb: no mgmtd config was set (init-cluster --mgmtd)");
    text.clear();
    version = 0;
    return true;
  }
  Fields v = decode(r.fields[0]);
  version = atoi(v[0].c_str());
  text = v.size() > 1 ? v[1] : "";
  return true;
}

void serveMgmtd(int fd) { serve(fd, handle); }

}  // namespace

int mgmtdMain(int argc, char **argv) {
  g.launch.service = "mgmtd_main";
  g.launch.nodeType = "MGMTD";
  launch(g.launch, argc, argv, fetchFromFdb);
  applyMgmtdConfig(g.launch.main);
  loadState();
  // MgmtdServer.h:26-35: 8000 (Mgmtd, RDMA) and 9000 (Core, TCP) unless server.base.groups says otherwise.
  Endpoint self = bindListeners(listenerGroups(g.launch.main, {{"RDMA", 8000, {"Mgmtd"}}, {"TCP", 9000, {"Core"}}}), serveMgmtd);
  {
    std::lock_guard<std::mutex> lock(g.mu);
    auto &me = g.nodes[g.launch.nodeId];
    me.type = "MGMTD";
    me.hostname = hostName();
    me.pid = std::to_string(getpid());
    me.address = self.str();
    me.lastHb = nowMs();
    me.configVersion = g.launch.configVersion;
    fdbSet("node/" + std::to_string(g.launch.nodeId), encode({"MGMTD", me.hostname}));
  }
  logLine("INFO", "mgmtd " + std::to_string(g.launch.nodeId) + " is primary, allow_heartbeat_from_unregistered=" + (g.allowUnregistered ? "true" : "false"));
  for (;;) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    std::lock_guard<std::mutex> lock(g.mu);
    g.nodes[g.launch.nodeId].lastHb = nowMs();
    updateChains(nowMs());
  }
}

}  // namespace standin
