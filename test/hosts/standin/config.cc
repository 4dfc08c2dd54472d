#include "config.h"

#include <set>

#include "util.h"

namespace standin {

namespace {
const char *kKnownKeys =
#include "known_keys.inc"
    ;

const std::map<std::string, std::set<std::string>> &knownKeys() {
  static std::map<std::string, std::set<std::string>> keys = [] {
    std::map<std::string, std::set<std::string>> out;
    for (const auto &line : split(kKnownKeys, '\n')) {
      auto tab = line.find('\t');
      if (tab != std::string::npos) out[line.substr(0, tab)].insert(line.substr(tab + 1));
    }
    return out;
  }();
  return keys;
}
}  // namespace

std::string checkKeys(const std::string &kind, const TomlValue &root) {
  auto it = knownKeys().find(kind);
  if (it == knownKeys().end()) return "";
  std::vector<std::string> paths;
  keyPaths(root, paths);
  for (const auto &path : paths) {
    if (it->second.count(path)) continue;
    // A table given as an inline table or an array of tables given as one, or a map-valued item.
    std::string bare = path;
    if (!bare.empty() && (bare.back() == '/')) bare.pop_back();
    else if (bare.size() > 2 && bare.compare(bare.size() - 2, 2, "[]") == 0) bare.resize(bare.size() - 2);
    if (it->second.count(bare) || it->second.count(bare + "/") || it->second.count(bare + "[]")) continue;
    // 19 is ConfigRedundantKey (src/common/utils/StatusCodeDetails.h).
    return "ConfigRedundantKey(19) Invalid key: " + bare;
  }
  return "";
}

bool parseConfigText(const std::string &text, const std::string &kind, TomlValue &out, std::string &error) {
  if (!parseToml(text, out, error)) {
    error = "ConfigParseError(71) " + error;
    return false;
  }
  error = checkKeys(kind, out);
  return error.empty();
}

TomlValue loadConfigFile(const std::string &path, const std::string &kind, const std::string &what) {
  std::string text, error;
  if (!readFile(path, text)) fatal("Load " + what + " config failed: IOError(69) cannot read " + path + ". filePath: " + path);
  TomlValue root;
  if (!parseConfigText(text, kind, root, error)) fatal("Init " + what + " config failed: " + error + ". filePath: " + path);
  return root;
}

std::vector<ListenerGroup> listenerGroups(const TomlValue &main, const std::vector<ListenerGroup> &defaults) {
  const TomlValue *groups = main.get("server.base.groups");
  if (!groups || groups->kind != TomlValue::Array) return defaults;
  std::vector<ListenerGroup> out;
  for (const auto &g : groups->items) {
    ListenerGroup lg;
    // net::Address's default type is RDMA and Listener's listen_port defaults to 0
    // (src/common/net/Listener.h:21).
    lg.networkType = g.getString("network_type", "RDMA");
    lg.port = static_cast<int>(g.getInt("listener.listen_port", 0));
    lg.services = g.getStrings("services");
    out.push_back(lg);
  }
  return out;
}

void setupLogging(const TomlValue &main, const std::string &serverName) {
  std::string level = "INFO";
  if (auto cats = main.get("common.log.categories"); cats && cats->kind == TomlValue::Array && !cats->items.empty())
    level = cats->items[0].getString("level", level);
  std::string path = serverName + ".log";  // relative: the working directory
  if (auto handlers = main.get("common.log.handlers"); handlers && handlers->kind == TomlValue::Array) {
    for (const auto &h : handlers->items) {
      if (h.getString("name", "") != "normal" || h.getString("writer_type", "FILE") != "FILE") continue;
      std::string file = h.getString("file_path", "");
      if (!file.empty()) path = file;
    }
  }
  logOpen(path, level);
}

std::map<std::string, std::string> parseFlags(int argc, char **argv, std::vector<std::string> &rest) {
  std::map<std::string, std::string> flags;
  bool positional = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (positional || a.size() < 2 || a[0] != '-') {
      rest.push_back(a);
      continue;
    }
    if (a == "--") {
      positional = true;
      continue;
    }
    std::string name = a.substr(a[1] == '-' ? 2 : 1), value;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc && argv[i + 1][0] != '-') {
      value = argv[++i];
    } else {
      value = "true";
    }
    for (auto &c : name)
      if (c == '-') c = '_';
    flags[name] = value;
  }
  return flags;
}

}  // namespace standin
