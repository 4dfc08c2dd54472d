// fdbcli stand-in: `fdbcli [-C file] [--timeout N] --exec 'cmd; cmd'` with configure new, status minimal,
// status json and status. Texts as FoundationDB's fdbcli prints them.
#include <thread>

#include "config.h"
#include "fdb.h"
#include "util.h"

namespace standin {
namespace {

struct Status {
  bool reached = false, configured = false, available = false, quorum = false;
  std::string mode;
  int machines = 0, processes = 0;
};

Status readStatus(const std::string &clusterFile) {
  Status s;
  Reply r = fdbRequest(clusterFile, {"STATUS"}, 2000);
  if (!r.ok || r.fields.size() < 6) return s;
  s.reached = true;
  s.configured = r.fields[0] == "1";
  s.mode = r.fields[1];
  s.available = r.fields[2] == "1";
  s.quorum = r.fields[3] == "1";
  s.machines = atoi(r.fields[4].c_str());
  s.processes = atoi(r.fields[5].c_str());
  return s;
}

std::string jsonStatus(const Status &s, const ClusterFile &cf) {
  std::string coords;
  for (const auto &c : cf.coordinators) {
    Reply r = call(c, {"PING"}, 500);
    coords += std::string(coords.empty() ? "" : ",") + "{\"address\":\"" + c.str() + "\",\"reachable\":" + (r.ok ? "true" : "false") + "}";
  }
  std::string messages;
  if (!s.reached || !s.quorum) messages = "{\"name\":\"quorum_not_reachable\",\"description\":\"Unable to reach a quorum of coordinators.\"}";
  else if (!s.configured) messages = "{\"name\":\"unreadable_configuration\",\"description\":\"Unable to read database configuration.\"}";
  else if (!s.available) messages = "{\"name\":\"unavailable\",\"description\":\"Not enough processes to recruit the " + s.mode + " configuration.\"}";
  std::string processes;
  for (int i = 0; i < s.machines; ++i) processes += std::string(i ? "," : "") + "\"p" + std::to_string(i) + "\":{\"excluded\":false}";
  return std::string("{\n  \"client\": {\n    \"coordinators\": {\"quorum_reachable\": ") + (s.quorum ? "true" : "false") + ", \"coordinators\": [" + coords +
         "]},\n    \"database_status\": {\"available\": " + (s.available ? "true" : "false") + ", \"healthy\": " + (s.available ? "true" : "false") +
         "},\n    \"messages\": [" + (s.reached ? "" : messages) + "]\n  },\n  \"cluster\": {\n    \"configuration\": {\"redundancy_mode\": \"" + s.mode +
         "\", \"storage_engine\": \"ssd-2\"},\n    \"messages\": [" + (s.reached ? messages : "") + "],\n    \"processes\": {" + processes + "}\n  }\n}";
}

}  // namespace

int fdbcliMain(int argc, char **argv) {
  std::vector<std::string> rest;
  auto flags = parseFlags(argc, argv, rest);
  std::string clusterFile = flags.count("C") ? flags["C"] : flags.count("cluster_file") ? flags["cluster_file"] : envOr("FDB_CLUSTER_FILE", "/etc/foundationdb/fdb.cluster");
  int timeoutS = flags.count("timeout") ? atoi(flags["timeout"].c_str()) : 5;
  std::string exec = flags["exec"];
  if (exec.empty()) {
    fprintf(stderr, "the fdbcli stand-in runs only --exec commands\n");
    return 1;
  }
  ClusterFile cf;
  std::string error;
  if (!readClusterFile(clusterFile, cf, error)) {
    printf("ERROR: %s\n", error.c_str());
    return 1;
  }
  int status = 0;
  for (auto cmd : split(exec, ';')) {
    cmd = trim(cmd);
    if (cmd.empty()) continue;
    auto words = split(cmd, ' ');
    if (injectedFailure("fdbcli", words[0])) {
      printf("ERROR: injected failure (STANDIN_FAIL)\n");
      return 1;
    }
    if (words[0] == "configure" && words.size() >= 3 && words[1] == "new") {
      int64_t deadline = nowMs() + timeoutS * 1000LL;
      bool done = false;
      while (!done) {
        Reply r = fdbRequest(clusterFile, {"CONFIGURE", words[2]}, 2000);
        if (r.ok) {
          printf("Database created\n");
          done = true;
        } else if (r.connected && r.code == 2) {
          printf("ERROR: Database already exists! To change configuration, don't say `new'\n");
          status = 1;
          done = true;
        } else if (nowMs() >= deadline) {
          // FoundationDB error 1031 transaction_timed_out, as fdbcli prints errors: "ERROR: <description> (<code>)".
          printf("ERROR: Operation aborted because the transaction timed out (1031)\n");
          return 1;
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
      }
    } else if (words[0] == "status" && words.size() >= 2 && words[1] == "json") {
      printf("%s\n", jsonStatus(readStatus(clusterFile), cf).c_str());
    } else if (words[0] == "status") {
      Status s = readStatus(clusterFile);
      if (s.available) {
        printf("The database is available.\n");
      } else {
        printf("The database is unavailable; type `status' for more information.\n");
      }
    } else {
      printf("ERROR: Unknown command `%s'. Try `help'?\n", words[0].c_str());
      status = 1;
    }
  }
  fflush(stdout);
  return status;
}

}  // namespace standin
