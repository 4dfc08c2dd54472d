// admin_cli stand-in: `admin_cli -cfg <admin_cli.toml> "<command>[; <command>...]"`, or no command and one
// command per line on stdin. Output and exit status as 3FS's (src/client/bin/admin_cli.cc,
// src/client/cli/common/Dispatcher.cc, Printer.cc, src/client/cli/admin/*.cc).
#include <unistd.h>

#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "common.h"
#include "fdb.h"
#include "util.h"

namespace standin {
namespace {

using Table = std::vector<std::vector<std::string>>;
struct Error {
  int code;
  std::string message;
};

// Names as StatusCode::toString gives them (src/common/utils/StatusCode.cc:9-20, StatusCodeDetails.h).
std::string codeName(int code) {
  static const std::map<int, std::string> names = {
      {3, "InvalidArg"}, {19, "ConfigRedundantKey"}, {25, "AuthenticationFail"}, {33, "InvalidFormat"}, {69, "IOError"},
      {70, "FaultInjection"}, {999, "Unknown"}, {1004, "Transaction::NetworkError"}, {2014, "RPC::ConnectFailed"},
      {5000, "Mgmtd::NotPrimary"}, {5001, "Mgmtd::NodeNotFound"}, {5002, "Mgmtd::HeartbeatFail"}, {5003, "Mgmtd::ClusterIdMismatch"},
      {5007, "Mgmtd::InvalidChainTable"}, {5018, "Mgmtd::TargetExisted"}, {6004, "MgmtdClient::RoutingInfoNotReady"},
      {7004, "StorageClient::RoutingError"}, {7005, "StorageClient::NotAvailable"}, {10000, "Cli::WrongUsage"}};
  auto it = names.find(code);
  return it == names.end() ? "UnknownStatusCode" : it->second;
}

// Printer::print: every column but the last padded to its widest cell plus two spaces.
void printTable(const Table &t) {
  std::vector<size_t> widths;
  for (const auto &r : t) {
    if (widths.size() < r.size()) widths.resize(r.size(), 0);
    for (size_t c = 0; c < r.size(); ++c) widths[c] = std::max(widths[c], r[c].size() + 2);
  }
  for (const auto &r : t) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line.append(widths[c] - r[c].size(), ' ');
    }
    std::cout << line << std::endl;
  }
}

struct Env {
  TomlValue cfg;
  std::string clusterId, fdbCluster;
  std::vector<std::string> mgmtd;
};
Env gEnv;

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;
};

// Splits a command line like ArgsParser (quotes group words).
std::vector<std::string> words(const std::string &line) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  bool any = false;
  for (char c : line) {
    if (quote) {
      if (c == quote) quote = 0;
      else cur += c;
    } else if (c == '"' || c == '\'') {
      quote = c;
      any = true;
    } else if (isspace(static_cast<unsigned char>(c))) {
      if (any || !cur.empty()) out.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += c;
    }
  }
  if (any || !cur.empty()) out.push_back(cur);
  return out;
}

Args parseArgs(const std::vector<std::string> &w, const std::set<std::string> &booleans) {
  Args a;
  for (size_t i = 1; i < w.size(); ++i) {
    if (startsWith(w[i], "-") && w[i].size() > 1 && !isdigit(static_cast<unsigned char>(w[i][1]))) {
      std::string name = w[i];
      if (booleans.count(name) || i + 1 >= w.size()) a.flags[name] = "true";
      else a.flags[name] = w[++i];
    } else {
      a.positional.push_back(w[i]);
    }
  }
  return a;
}

Reply mgmtd(const Fields &req) { return mgmtdCall(gEnv.mgmtd, req, 3000); }

bool mgmtdTable(const std::string &op, Table &out, Error &err) {
  Reply r = mgmtd({op, gEnv.clusterId});
  if (!r.connected) {
    // admin_cli.cc: mgmtdClientGetter throws RoutingInfoNotReady when no routing info could be fetched.
    err = {6004, ""};
    return false;
  }
  if (!r.ok) {
    err = {r.code, r.message};
    return false;
  }
  for (const auto &row : r.fields) out.push_back(unpackRow(row));
  return true;
}

std::string randomToken() {
  std::random_device rd;
  static const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string t = "AA";
  for (int i = 0; i < 30; ++i) t += alphabet[rd() % 62];
  return t;
}

bool fdbOrError(const Fields &req, Reply &r, Error &err, const std::string &what) {
  int64_t deadline = nowMs() + atoll(envOr("STANDIN_FDB_WAIT_MS", "5000").c_str());
  for (;;) {
    r = fdbRequest(gEnv.fdbCluster, req);
    if (r.ok) return true;
    if (nowMs() >= deadline) {
      err = {1004, what + ": Transaction::NetworkError(1004) " + (r.connected ? r.message : r.transportError)};
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
}

bool readCsv(const std::string &path, std::vector<std::vector<std::string>> &rows, Error &err) {
  std::string text;
  if (!readFile(path, text)) {
    err = {999, std::string("rapidcsv: cannot open file ") + path};
    return false;
  }
  for (const auto &line : split(text, '\n')) {
    std::string l = trim(line);
    if (l.empty()) continue;
    auto cells = split(l, ',');
    for (auto &c : cells) c = trim(c);
    rows.push_back(cells);
  }
  return true;
}

bool run(const std::string &line, Table &out, Error &err) {
  auto w = words(line);
  if (w.empty()) return true;
  const std::string cmd = w[0];
  if (injectedFailure("admin_cli", cmd)) {
    err = {70, "injected failure (STANDIN_FAIL)"};
    return false;
  }
  Args a = parseArgs(w, {"--root", "--admin", "--use-new-chunk-engine", "--add-chunk-size", "--allow-config-existed", "--skip-config-check", "--set-preferred-target-order", "--orphan"});
  // Each command's parser (src/client/cli/admin/<Command>.cc getParser); anything else is WrongUsage,
  // as Dispatcher.cc:146-157 and ENSURE_USAGE(args.empty()) make it.
  static const std::map<std::string, std::set<std::string>> known = {
      {"list-nodes", {}}, {"list-chains", {"-t", "--table-id", "-v", "--version"}}, {"list-targets", {"-c", "--chain-id", "--orphan"}},
      {"list-chain-tables", {}}, {"list-clients", {}},
      {"init-cluster", {"--mgmtd", "--mgmtd-config-path", "--meta", "--meta-config-path", "--storage", "--storage-config-path", "--fuse", "--fuse-config-path", "--allow-config-existed", "--skip-config-check"}},
      {"set-config", {"--type", "--file", "--desc"}}, {"get-config", {"--type", "-t", "--config-version", "-o", "--output-file"}},
      {"create-target", {"--node-id", "--disk-index", "--target-id", "--chain-id", "--add-chunk-size", "--chunk-size", "--use-new-chunk-engine"}},
      {"upload-chains", {"-d", "--dump-template", "--set-preferred-target-order"}}, {"upload-chain-table", {"-d", "--dump-template", "--desc"}},
      {"user-add", {"--root", "--admin", "--token", "--gid", "--groups"}}};
  if (auto k = known.find(cmd); k != known.end()) {
    for (const auto &[flag, value] : a.flags)
      if (!k->second.count(flag)) {
        err = {10000, "Unknown argument: " + flag};
        return false;
      }
  }
  if (cmd == "list-nodes") return mgmtdTable("LISTNODES", out, err);
  if (cmd == "list-chains") return mgmtdTable("LISTCHAINS", out, err);
  if (cmd == "list-targets") return mgmtdTable("LISTTARGETS", out, err);
  if (cmd == "list-chain-tables") return mgmtdTable("LISTCHAINTABLES", out, err);
  if (cmd == "list-clients") return mgmtdTable("LISTCLIENTS", out, err);
  if (cmd == "init-cluster") {
    // src/client/cli/admin/InitCluster.cc: the root layout, then each config given, straight into fdb.
    if (a.positional.size() != 3) {
      err = {10000, "Usage: init-cluster [--mgmtd VAR] [--meta VAR] [--storage VAR] [--fuse VAR] [--allow-config-existed] [--skip-config-check] chaintableid chunksize stripesize"};
      return false;
    }
    Reply r;
    if (!fdbOrError({"SET", "fs/root", encode({a.positional[0], a.positional[1], a.positional[2]})}, r, err, "Failed to init filesystem")) return false;
    out.push_back({"Init filesystem, root directory layout: chain table ChainTableId(" + a.positional[0] + "), chunksize " + a.positional[1] + ", stripesize " + a.positional[2] + "\n"});
    for (const auto &[flag, type] : std::vector<std::pair<std::string, std::string>>{{"--mgmtd", "MGMTD"}, {"--meta", "META"}, {"--storage", "STORAGE"}, {"--fuse", "FUSE"}}) {
      if (!a.flags.count(flag)) continue;
      std::string text;
      if (!readFile(a.flags[flag], text)) {
        err = {69, "open " + a.flags[flag] + " failed"};
        return false;
      }
      if (!fdbOrError({"GET", "config/" + type}, r, err, "Failed to set config for " + type)) return false;
      int version = 1;
      if (!r.fields.empty()) {
        int old = atoi(decode(r.fields[0])[0].c_str());
        if (!a.flags.count("--allow-config-existed")) {
          err = {999, "Config for " + type + " existed, version " + std::to_string(old)};
          return false;
        }
        version = old + 1;
      }
      if (!fdbOrError({"SET", "config/" + type, encode({std::to_string(version), text})}, r, err, "Failed to set config for " + type)) return false;
      out.push_back({"Init config for " + type + " version " + std::to_string(version)});
    }
    return true;
  }
  if (cmd == "set-config") {
    std::string type = toUpper(a.flags["--type"]), file = a.flags["--file"], text;
    if (type.empty() || file.empty()) {
      err = {10000, "Usage: set-config [--type VAR] [--file VAR] [--desc VAR]"};
      return false;
    }
    if (!readFile(file, text)) return err = {69, "open " + file + " failed"}, false;
    Reply r = mgmtd({"SETCONFIG", gEnv.clusterId, type, text});
    if (!r.connected) return err = {6004, ""}, false;
    if (!r.ok) return err = {r.code, r.message}, false;
    out = {{"Succeed"}, {"ConfigVersion", r.fields[0]}};
    return true;
  }
  if (cmd == "get-config") {
    Reply r = mgmtd({"GETCONFIG", gEnv.clusterId, toUpper(a.flags["--type"])});
    if (!r.connected) return err = {6004, ""}, false;
    if (!r.ok) return err = {r.code, r.message}, false;
    out = {{r.fields.size() > 1 ? r.fields[1] : ""}};
    return true;
  }
  if (cmd == "create-target") {
    for (const char *f : {"--node-id", "--disk-index", "--target-id", "--chain-id"})
      if (!a.flags.count(f)) return err = {10000, std::string(f) + ": required."}, false;
    Reply addr = mgmtd({"NODEADDR", gEnv.clusterId, a.flags["--node-id"]});
    if (!addr.connected) return err = {6004, ""}, false;
    if (!addr.ok) return err = {7004, addr.message}, false;
    Endpoint e;
    parseEndpoint(addr.fields[0], e);
    Reply r = call(e, {"CREATETARGET", a.flags["--target-id"], a.flags["--chain-id"], a.flags["--disk-index"]}, 3000);
    if (!r.connected) return err = {7005, r.transportError}, false;
    if (!r.ok) return err = {r.code, r.message}, false;
    out = {{"Create target " + a.flags["--target-id"] + " on disk " + a.flags["--disk-index"] + " of " + a.flags["--node-id"] + " succeeded"}};
    return true;
  }
  if (cmd == "upload-chains") {
    // UploadChains.cc: header ChainId,TargetId,...; positive target ids; rows as wide as the header.
    std::vector<std::vector<std::string>> rows;
    if (a.positional.empty()) return err = {10000, "csv-file-path: 1 argument(s) expected. 0 provided."}, false;
    if (!readCsv(a.positional[0], rows, err)) return false;
    if (rows.empty()) return err = {33, "empty columns"}, false;
    if (rows[0][0] != "ChainId") return err = {33, "column[0] expected:'ChainId' actual:'" + rows[0][0] + "'"}, false;
    if (rows[0].size() == 1) return err = {33, "target columns not found"}, false;
    if (rows.size() == 1) return err = {33, "empty rows"}, false;
    Fields req{"SETCHAINS", gEnv.clusterId};
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows[i].size() != rows[0].size())
        return err = {33, "unexpected size of row[" + std::to_string(i - 1) + "]. expected:" + std::to_string(rows[0].size()) + " actual:" + std::to_string(rows[i].size())}, false;
      std::vector<std::string> t(rows[i].begin() + 1, rows[i].end());
      req.push_back(rows[i][0] + ":" + join(t, ","));
    }
    Reply r = mgmtd(req);
    if (!r.connected) return err = {6004, ""}, false;
    if (!r.ok) return err = {r.code, r.message}, false;
    out = {{"Upload " + std::to_string(rows.size() - 1) + " chains succeeded"}};
    return true;
  }
  if (cmd == "upload-chain-table") {
    std::vector<std::vector<std::string>> rows;
    if (a.positional.size() != 2) return err = {10000, "Usage: upload-chain-table [--dump-template] [--desc VAR] tableId csv-file-path"}, false;
    if (!readCsv(a.positional[1], rows, err)) return false;
    if (rows.empty() || rows[0].size() != 1) return err = {33, "expected columns: ChainId"}, false;
    if (rows[0][0] != "ChainId") return err = {33, "column[0] expected:'ChainId' actual:'" + rows[0][0] + "'"}, false;
    if (rows.size() == 1) return err = {33, "empty rows"}, false;
    std::vector<std::string> ids;
    for (size_t i = 1; i < rows.size(); ++i) ids.push_back(rows[i][0]);
    Reply r = mgmtd({"SETCHAINTABLE", gEnv.clusterId, a.positional[0], a.flags["--desc"], join(ids, ",")});
    if (!r.connected) return err = {6004, ""}, false;
    if (!r.ok) return err = {r.code, r.message}, false;
    out = {{"Upload ChainTableId(" + a.positional[0] + ") of ChainTableVersion(" + r.fields[0] + ") succeeded"}};
    return true;
  }
  if (cmd == "user-add") {
    // AdminUserCtrl.cc:50-62 prints the new user's attributes; users live in fdb.
    if (a.positional.size() != 2) return err = {10000, "Usage: user-add [--root] [--admin] [--token VAR] uid name"}, false;
    std::string token = randomToken();
    bool root = a.flags.count("--root"), admin = a.flags.count("--admin");
    Reply r;
    if (!fdbOrError({"SETNX", "user/" + a.positional[0], encode({a.positional[1], token, root ? "1" : "0", admin ? "1" : "0"})}, r, err, "user-add")) return false;
    if (r.fields.empty() || r.fields[0] != "1") return err = {999, "user " + a.positional[0] + " existed"}, false;
    out = {{"Uid", a.positional[0]}, {"Name", a.positional[1]}, {"Token", token + "(Expired at N/A)"}, {"IsRootUser", root ? "true" : "false"},
           {"IsAdmin", admin ? "true" : "false"}, {"Gid", a.positional[0]}, {"SupplementaryGids", ""}};
    return true;
  }
  err = {3, "Unknown method name: " + cmd};
  return false;
}

bool runAndPrint(const std::string &line) {
  Table out;
  Error err{0, ""};
  bool ok = run(line, out, err);
  if (!ok) {
    // Dispatcher.cc:41-47: errors go to stdout.
    std::cout << "Encounter error: " << err.code << "(" << codeName(err.code) << ")";
    if (!err.message.empty()) std::cout << "\n" << err.message;
    std::cout << std::endl;
  } else if (!out.empty()) {
    printTable(out);
  }
  return ok;
}

}  // namespace

int adminCliMain(int argc, char **argv) {
  std::vector<std::string> rest;
  auto flags = parseFlags(argc, argv, rest);
  std::string cfgPath = flags.count("cfg") ? flags["cfg"] : envOr("HOME", "/root") + "/.hf3fs/admin.toml";
  gEnv.cfg = loadConfigFile(cfgPath, "admin_cli", "admin_cli");
  gEnv.clusterId = gEnv.cfg.getString("cluster_id", "");
  gEnv.fdbCluster = gEnv.cfg.getString("fdb.clusterFile", "");
  if (gEnv.fdbCluster.empty()) gEnv.fdbCluster = "/etc/foundationdb/fdb.cluster";
  gEnv.mgmtd = gEnv.cfg.getStrings("mgmtd_client.mgmtd_server_addresses");
  // admin_cli.cc: the command is argv joined by spaces; Dispatcher.cc:238-291 splits it at ';' and
  // only the last command's error makes the exit status 1. With no command, lines come from stdin and
  // the exit status is 0 whatever they did.
  std::string cmd = join(rest, " ");
  if (cmd.empty()) {
    std::string line;
    while (std::getline(std::cin, line)) runAndPrint(line);
    return 0;
  }
  bool ok = true;
  for (const auto &part : split(cmd, ';')) ok = runAndPrint(part);
  return ok ? 0 : 1;
}

}  // namespace standin
