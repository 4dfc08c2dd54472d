#include "fdb.h"

#include "util.h"

namespace standin {

bool readClusterFile(const std::string &path, ClusterFile &out, std::string &error) {
  std::string text;
  if (!readFile(path, text)) {
    error = "Unable to read cluster file `" + path + "'";
    return false;
  }
  text = trim(text);
  auto at = text.find('@');
  if (at == std::string::npos) {
    error = "Invalid cluster file `" + path + "'";
    return false;
  }
  out.description = text.substr(0, at);
  out.coordinators.clear();
  for (const auto &addr : split(text.substr(at + 1), ',')) {
    Endpoint e;
    std::string a = trim(addr);
    auto paren = a.find('(');  // "(tls)" suffix
    if (paren != std::string::npos) a = a.substr(0, paren);
    if (!parseEndpoint(a, e)) {
      error = "Invalid cluster file `" + path + "': bad coordinator " + a;
      return false;
    }
    out.coordinators.push_back(e);
  }
  return !out.coordinators.empty();
}

Reply fdbRequest(const std::string &clusterFilePath, const Fields &request, int timeoutMs) {
  ClusterFile cf;
  std::string error;
  Reply none;
  if (!readClusterFile(clusterFilePath, cf, error)) {
    none.transportError = error;
    return none;
  }
  // Find the leader as fdbserver does: the first coordinator in file order that answers.
  for (const auto &c : cf.coordinators) {
    Reply who = call(c, {"PING"}, 1000);
    if (!who.ok || who.fields.size() < 2) continue;
    // The leader advertises its public address; a process that advertises 127.0.0.1 (fdb.bash under
    // FDB_NETWORKING_MODE=host) is reachable at that address only from its own machine, so a client on
    // another node cannot reach the database through it, as a real FDB client cannot reach the cluster
    // controller and proxies there.
    Endpoint pub;
    parseEndpoint(who.fields[1], pub);
    if (startsWith(pub.host, "127.0.0.1") && c.host != nodeAddress() && c.host != "127.0.0.1") {
      none.transportError = "the database advertises " + pub.str() + ", which is not reachable from " + nodeAddress();
      return none;
    }
    Fields req = request;
    req.insert(req.begin(), cf.description);
    return call(c, req, timeoutMs);
  }
  none.transportError = "no coordinator of " + clusterFilePath + " answered";
  return none;
}

}  // namespace standin
