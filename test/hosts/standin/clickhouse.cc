// clickhouse-server / clickhouse-client stand-ins and monitor_collector_main (which writes to ClickHouse).
#include <dirent.h>
#include <unistd.h>

#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "common.h"
#include "util.h"

namespace standin {
namespace {

std::string gUser, gPassword, gSchemaFile;
std::mutex gMu;
std::set<std::string> gObjects;  // "db" and "db.table"

std::string xmlValue(const std::string &xml, const std::string &tag) {
  auto b = xml.find("<" + tag + ">");
  auto e = xml.find("</" + tag + ">");
  if (b == std::string::npos || e == std::string::npos) return "";
  return trim(xml.substr(b + tag.size() + 2, e - b - tag.size() - 2));
}

// Runs one statement. Understands what 3fs-cli and 3FS send: SELECT <literal>, CREATE DATABASE/TABLE
// [IF NOT EXISTS], EXISTS / SHOW TABLES; INSERT is accepted and dropped.
Fields query(const std::string &sqlIn) {
  std::string sql = trim(sqlIn);
  std::istringstream in(sql);
  std::vector<std::string> w;
  std::string word;
  while (in >> word && w.size() < 8) w.push_back(word);
  std::string up0 = w.empty() ? "" : toUpper(w[0]);
  std::lock_guard<std::mutex> lock(gMu);
  if (up0 == "SELECT" && w.size() >= 2) return okReply({w[1]});
  if (up0 == "CREATE" && w.size() >= 3) {
    bool ifNot = w.size() >= 6 && toUpper(w[2]) == "IF" && toUpper(w[3]) == "NOT" && toUpper(w[4]) == "EXISTS";
    std::string name = ifNot ? w[5] : w[2];
    auto paren = name.find('(');
    if (paren != std::string::npos) name = name.substr(0, paren);
    if (toUpper(w[1]) == "TABLE") {
      auto dot = name.find('.');
      if (dot != std::string::npos && !gObjects.count(name.substr(0, dot))) return errReply(81, "Database " + name.substr(0, dot) + " does not exist. (UNKNOWN_DATABASE)");
    }
    if (gObjects.count(name) && !ifNot) return errReply(57, "Table " + name + " already exists. (TABLE_ALREADY_EXISTS)");
    gObjects.insert(name);
    std::string out;
    for (const auto &o : gObjects) out += o + "\n";
    writeFileAtomic(gSchemaFile, out);
    return okReply({""});
  }
  if (up0 == "EXISTS" && w.size() >= 2) return okReply({gObjects.count(w.back()) ? "1" : "0"});
  if (up0 == "INSERT") return okReply({""});
  return errReply(62, "Syntax error: failed at position 1 (" + (w.empty() ? std::string("") : w[0]) + "). (SYNTAX_ERROR)");
}

Fields handle(const Fields &req, const std::string &) {
  // AUTH user password, then the statement
  if (req.size() < 4 || req[0] != "Q") return errReply(101, "Unexpected packet. (UNEXPECTED_PACKET_FROM_CLIENT)");
  if (req[1] != gUser || req[2] != gPassword)
    return errReply(516, req[1] + ": Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)");
  if (injectedFailure("clickhouse-server", "query")) return errReply(1001, "injected failure (STANDIN_FAIL)");
  return query(req[3]);
}

}  // namespace

int clickhouseServerMain(int, char **) {
  // The image's entrypoint takes the user and password from CLICKHOUSE_USER / CLICKHOUSE_PASSWORD.
  gUser = envOr("CLICKHOUSE_USER", "default");
  gPassword = envOr("CLICKHOUSE_PASSWORD", "");
  mkdirs("/var/log/clickhouse-server");
  logOpen(envOr("STANDIN_CLICKHOUSE_LOG", "/var/log/clickhouse-server/clickhouse-server.log"), "INFO");
  if (injectedFailure("clickhouse-server", "start")) fatal("injected failure (STANDIN_FAIL)");
  int port = 9000;
  std::string dir = envOr("STANDIN_CLICKHOUSE_CONFIG_DIR", "/etc/clickhouse-server/config.d");
  if (DIR *d = opendir(dir.c_str())) {
    while (auto *e = readdir(d)) {
      std::string text;
      if (readFile(dir + "/" + e->d_name, text) && !xmlValue(text, "tcp_port").empty()) port = atoi(xmlValue(text, "tcp_port").c_str());
    }
    closedir(d);
  }
  std::string data = envOr("STANDIN_CLICKHOUSE_DATA", "/var/lib/clickhouse");
  mkdirs(data);
  gSchemaFile = data + "/standin-schema.txt";
  std::string schema;
  if (readFile(gSchemaFile, schema))
    for (const auto &l : split(schema, '\n'))
      if (!l.empty()) gObjects.insert(l);
  // The image listens on every address (listen_host ::/0.0.0.0); test nodes share one network namespace,
  // so this binds the node's own address instead.
  std::string error;
  int fd = listenOn(nodeAddress(), port, error);
  if (fd < 0) fatal("Application: Listen [" + nodeAddress() + "]:" + std::to_string(port) + " failed: " + error);
  logLine("INFO", "Listening for native protocol (tcp): " + nodeAddress() + ":" + std::to_string(port));
  serve(fd, handle);
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

int clickhouseClientMain(int argc, char **argv) {
  std::vector<std::string> rest;
  auto flags = parseFlags(argc, argv, rest);
  // Without --host the client connects to localhost; the server binds the node's address here (see above).
  std::string host = flags.count("host") ? flags["host"] : flags.count("h") ? flags["h"] : nodeAddress();
  if (host == "localhost") host = nodeAddress();
  int port = flags.count("port") ? atoi(flags["port"].c_str()) : 9000;
  std::string user = flags.count("user") ? flags["user"] : envOr("CLICKHOUSE_USER", "default");
  std::string password = flags.count("password") ? flags["password"] : envOr("CLICKHOUSE_PASSWORD", "");
  std::string sql = flags.count("query") ? flags["query"] : flags.count("q") ? flags["q"] : "";
  if (sql.empty() || sql == "true") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    sql = ss.str();
  }
  if (injectedFailure("clickhouse-client", "")) {
    std::cerr << "Code: 1001. DB::Exception: injected failure (STANDIN_FAIL)" << std::endl;
    return 1001 % 256;
  }
  // Statements split at ';' outside quotes; -- comments dropped.
  std::vector<std::string> statements;
  std::string cur;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (!quote && c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
      continue;
    }
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '`' || c == '"') {
      quote = c;
    } else if (c == ';') {
      statements.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  statements.push_back(cur);
  Endpoint at{host, port};
  for (const auto &s : statements) {
    if (trim(s).empty()) continue;
    Reply r = call(at, {"Q", user, password, trim(s)}, 5000);
    if (!r.connected) {
      std::cerr << "Code: 210. DB::NetException: Connection refused (" << at.str() << "). (NETWORK_ERROR)" << std::endl;
      return 210;
    }
    if (!r.ok) {
      std::cerr << "Code: " << r.code << ". DB::Exception: Received from " << at.str() << ". DB::Exception: " << r.message << std::endl;
      return r.code % 256;  // clickhouse-client exits with the error code modulo 256
    }
    if (!r.fields.empty() && !r.fields[0].empty()) std::cout << r.fields[0] << std::endl;
  }
  return 0;
}

int monitorMain(int argc, char **argv) {
  std::vector<std::string> rest;
  auto flags = parseFlags(argc, argv, rest);
  gProgram = "monitor_collector_main";
  if (injectedFailure("monitor_collector_main", "start")) fatal("injected failure (STANDIN_FAIL)");
  if (!flags.count("cfg")) fatal("Load config from  failed: --cfg is required");
  TomlValue cfg = loadConfigFile(flags["cfg"], "monitor_collector_main", "server");
  setupLogging(cfg, "monitor_collector_main");
  const std::string ch = "server.monitor_collector.reporter.clickhouse.";
  Endpoint at{cfg.getString(ch + "host", ""), static_cast<int>(cfg.getInt(ch + "port", 0))};
  std::string user = cfg.getString(ch + "user", ""), password = cfg.getString(ch + "passwd", ""), db = cfg.getString(ch + "db", "");
  // MonitorCollectorServer.h:14-17: TCP 10000 (MonitorCollector) by default.
  bindListeners(listenerGroups(cfg, {{"TCP", 10000, {"MonitorCollector"}}}), [](int fd) {
    serve(fd, [](const Fields &, const std::string &) { return okReply(); });
  });
  Reply r = call(at, {"Q", user, password, "EXISTS " + db + ".counters"}, 5000);
  if (!r.connected) fatal("Start server failed: MonitorInitFailed(12) connect to ClickHouse " + at.str() + ": " + r.transportError);
  if (!r.ok) fatal("Start server failed: MonitorInitFailed(12) ClickHouse " + at.str() + ": " + r.message);
  if (r.fields.empty() || r.fields[0] != "1") logLine("ERR", "table " + db + ".counters does not exist in ClickHouse: metrics cannot be written");
  logLine("INFO", "monitor_collector connected to ClickHouse " + at.str() + " as " + user);
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

}  // namespace standin
