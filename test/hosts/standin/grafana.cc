// Stand-in for the Grafana server (image open3fs/grafana, as m3fs runs it): at start it reads the
// provisioning directory the way Grafana's file provisioning does and refuses to start on what Grafana
// refuses, then serves GET /api/health. Facts from Grafana's provisioning documentation
// (https://grafana.com/docs/grafana/latest/administration/provisioning/):
//  - provisioning/datasources/*.yaml|*.yml: `apiVersion: 1`, a `datasources` list; each data source needs
//    `name` and `type`; at most one data source per organization may be `isDefault: true`.
//  - provisioning/dashboards/*.yaml|*.yml: `apiVersion: 1`, a `providers` list; each provider has a
//    unique `name`, `type: file` (the default), and `options.path`, the directory of dashboard JSON files
//    (read with its subdirectories).
//  - a dashboard file is a JSON object with a `title`; two dashboards may not share a `uid`.
// Grafana fails its start when provisioning fails; so does this program, printing the reason.
// Only a YAML subset is read (block mappings and sequences, plain and quoted scalars, `[]`/`{}`): enough
// for provisioning files; anything else is refused as a YAML error, which real Grafana would not do for
// valid YAML, so the stand-in is stricter, never more lenient.
// Environment: GF_SERVER_HTTP_PORT (default 3000), GF_PATHS_PROVISIONING (default /etc/grafana/provisioning).
// GET /api/health answers {"commit":"standin","database":"ok","version":"12.0.0-standin"};
// GET /standin/provisioned lists what was provisioned (test only; not a Grafana endpoint).
#include <arpa/inet.h>
#include <cerrno>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "util.h"

namespace standin {
namespace {

struct Node {
  enum Kind { Scalar, Map, Seq } kind = Scalar;
  std::string scalar;
  bool quoted = false;
  bool isNull = false;
  std::vector<std::pair<std::string, std::shared_ptr<Node>>> map;
  std::vector<std::shared_ptr<Node>> seq;
  int line = 0;
  const Node *get(const std::string &key) const {
    for (auto &[k, v] : map)
      if (k == key) return v.get();
    return nullptr;
  }
};
using NodeP = std::shared_ptr<Node>;

struct Fail {
  std::string message;
};

// ---- YAML subset ----
struct Line {
  int number, indent;
  std::string text;
};

std::string stripComment(const std::string &text) {
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == '\\' && quote == '"') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || text[i - 1] == ' ')) {
      return text.substr(0, i);
    }
  }
  return text;
}

NodeP scalarNode(const std::string &raw, int line) {
  auto n = std::make_shared<Node>();
  n->line = line;
  std::string t = trim(raw);
  if (t.empty() || t == "~" || t == "null") {
    n->isNull = true;
    return n;
  }
  if (t == "[]") {
    n->kind = Node::Seq;
    return n;
  }
  if (t == "{}") {
    n->kind = Node::Map;
    return n;
  }
  if (t[0] == '"') {
    std::string out;
    size_t i = 1;
    for (; i < t.size() && t[i] != '"'; ++i) {
      if (t[i] == '\\' && i + 1 < t.size()) {
        char e = t[++i];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        out += t[i];
      }
    }
    if (i != t.size() - 1) throw Fail{"line " + std::to_string(line) + ": unterminated or trailing text after a double-quoted string"};
    n->scalar = out;
    n->quoted = true;
    return n;
  }
  if (t[0] == '\'') {
    std::string out;
    size_t i = 1;
    for (; i < t.size(); ++i) {
      if (t[i] == '\'') {
        if (i + 1 < t.size() && t[i + 1] == '\'') {
          out += '\'';
          ++i;
        } else {
          break;
        }
      } else {
        out += t[i];
      }
    }
    if (i != t.size() - 1) throw Fail{"line " + std::to_string(line) + ": unterminated or trailing text after a single-quoted string"};
    n->scalar = out;
    n->quoted = true;
    return n;
  }
  if (t[0] == '[' || t[0] == '{' || t[0] == '&' || t[0] == '*' || t[0] == '|' || t[0] == '>' || t[0] == '!')
    throw Fail{"line " + std::to_string(line) + ": YAML construct not read by this stand-in: " + t};
  n->scalar = t;
  return n;
}

// "key: value" split at the first ": " (or a trailing ':') outside quotes.
bool splitKey(const std::string &text, std::string &key, std::string &rest) {
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    else if (c == ':' && (i + 1 == text.size() || text[i + 1] == ' ')) {
      key = trim(text.substr(0, i));
      if (key.size() >= 2 && (key[0] == '"' || key[0] == '\'')) key = key.substr(1, key.size() - 2);
      rest = i + 1 < text.size() ? trim(text.substr(i + 2)) : "";
      return !key.empty();
    }
  }
  return false;
}

NodeP parseBlock(std::vector<Line> &lines, size_t &i, int indent);

NodeP parseMapping(std::vector<Line> &lines, size_t &i, int indent) {
  auto n = std::make_shared<Node>();
  n->kind = Node::Map;
  n->line = lines[i].number;
  std::set<std::string> seen;
  while (i < lines.size() && lines[i].indent == indent && !startsWith(lines[i].text, "- ") && lines[i].text != "-") {
    std::string key, rest;
    if (!splitKey(lines[i].text, key, rest))
      throw Fail{"line " + std::to_string(lines[i].number) + ": expected `key: value`, found: " + lines[i].text};
    if (!seen.insert(key).second) throw Fail{"line " + std::to_string(lines[i].number) + ": mapping key \"" + key + "\" already defined"};
    int line = lines[i].number;
    ++i;
    if (!rest.empty()) {
      n->map.emplace_back(key, scalarNode(rest, line));
    } else if (i < lines.size() && (lines[i].indent > indent || (lines[i].indent == indent && (startsWith(lines[i].text, "- ") || lines[i].text == "-")))) {
      n->map.emplace_back(key, parseBlock(lines, i, lines[i].indent));
    } else {
      n->map.emplace_back(key, scalarNode("", line));
    }
  }
  if (i < lines.size() && lines[i].indent > indent)
    throw Fail{"line " + std::to_string(lines[i].number) + ": bad indentation of a mapping entry"};
  return n;
}

NodeP parseSequence(std::vector<Line> &lines, size_t &i, int indent) {
  auto n = std::make_shared<Node>();
  n->kind = Node::Seq;
  n->line = lines[i].number;
  while (i < lines.size() && lines[i].indent == indent && (startsWith(lines[i].text, "- ") || lines[i].text == "-")) {
    std::string rest = lines[i].text == "-" ? "" : trim(lines[i].text.substr(2));
    int line = lines[i].number;
    if (rest.empty()) {
      ++i;
      n->seq.push_back(i < lines.size() && lines[i].indent > indent ? parseBlock(lines, i, lines[i].indent) : scalarNode("", line));
      continue;
    }
    std::string key, value;
    if (splitKey(rest, key, value)) {
      // "- key: value" opens a mapping whose entries sit at the column of `key`.
      int column = indent + static_cast<int>(lines[i].text.size() - rest.size());
      lines[i].indent = column;
      lines[i].text = rest;
      n->seq.push_back(parseMapping(lines, i, column));
    } else {
      n->seq.push_back(scalarNode(rest, line));
      ++i;
    }
  }
  return n;
}

NodeP parseBlock(std::vector<Line> &lines, size_t &i, int indent) {
  if (startsWith(lines[i].text, "- ") || lines[i].text == "-") return parseSequence(lines, i, indent);
  return parseMapping(lines, i, indent);
}

NodeP parseYaml(const std::string &text) {
  std::vector<Line> lines;
  int number = 0;
  for (auto &raw : split(text, '\n')) {
    ++number;
    std::string s = raw;
    if (!s.empty() && s.back() == '\r') s.pop_back();
    if (s == "---") continue;
    s = stripComment(s);
    if (trim(s).empty()) continue;
    size_t indent = s.find_first_not_of(' ');
    if (s[indent] == '\t') throw Fail{"line " + std::to_string(number) + ": found a tab character that violates indentation"};
    std::string body = s.substr(indent);
    while (!body.empty() && body.back() == ' ') body.pop_back();
    lines.push_back({number, static_cast<int>(indent), body});
  }
  if (lines.empty()) return scalarNode("", 0);
  size_t i = 0;
  auto root = parseBlock(lines, i, lines[0].indent);
  if (i != lines.size()) throw Fail{"line " + std::to_string(lines[i].number) + ": unexpected text: " + lines[i].text};
  return root;
}

// ---- JSON ----
struct Json {
  const std::string &s;
  size_t p = 0;
  void ws() {
    while (p < s.size() && strchr(" \t\r\n", s[p])) ++p;
  }
  [[noreturn]] void bad(const std::string &what) { throw Fail{"invalid JSON at offset " + std::to_string(p) + ": " + what}; }
  NodeP value() {
    ws();
    if (p >= s.size()) bad("unexpected end");
    auto n = std::make_shared<Node>();
    char c = s[p];
    if (c == '{') {
      n->kind = Node::Map;
      ++p;
      ws();
      if (p < s.size() && s[p] == '}') return ++p, n;
      for (;;) {
        ws();
        if (p >= s.size() || s[p] != '"') bad("expected a key");
        std::string key = string();
        ws();
        if (p >= s.size() || s[p] != ':') bad("expected ':'");
        ++p;
        n->map.emplace_back(key, value());
        ws();
        if (p < s.size() && s[p] == ',') { ++p; continue; }
        if (p < s.size() && s[p] == '}') return ++p, n;
        bad("expected ',' or '}'");
      }
    }
    if (c == '[') {
      n->kind = Node::Seq;
      ++p;
      ws();
      if (p < s.size() && s[p] == ']') return ++p, n;
      for (;;) {
        n->seq.push_back(value());
        ws();
        if (p < s.size() && s[p] == ',') { ++p; continue; }
        if (p < s.size() && s[p] == ']') return ++p, n;
        bad("expected ',' or ']'");
      }
    }
    if (c == '"') {
      n->scalar = string();
      n->quoted = true;
      return n;
    }
    size_t start = p;
    while (p < s.size() && !strchr(",]} \t\r\n", s[p])) ++p;
    n->scalar = s.substr(start, p - start);
    if (n->scalar == "null") n->isNull = true;
    else if (n->scalar != "true" && n->scalar != "false" && n->scalar.find_first_not_of("-+.eE0123456789") != std::string::npos) bad("bad literal " + n->scalar);
    if (n->scalar.empty()) bad("empty value");
    return n;
  }
  std::string string() {
    std::string out;
    ++p;
    while (p < s.size() && s[p] != '"') {
      if (s[p] == '\\') {
        ++p;
        if (p >= s.size()) bad("unterminated escape");
        char e = s[p];
        if (e == 'u') {
          if (p + 4 >= s.size()) bad("short \\u escape");
          out += '?';
          p += 4;
        } else {
          out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
        }
      } else {
        out += s[p];
      }
      ++p;
    }
    if (p >= s.size()) bad("unterminated string");
    ++p;
    return out;
  }
};

NodeP parseJson(const std::string &text) {
  Json j{text};
  auto n = j.value();
  j.ws();
  if (j.p != text.size()) j.bad("trailing text");
  return n;
}

std::string jsonQuote(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20) out += ' ';
    else out += c;
  }
  return out + "\"";
}

std::vector<std::string> listDir(const std::string &dir) {
  std::vector<std::string> names;
  if (DIR *d = opendir(dir.c_str())) {
    while (auto *e = readdir(d))
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool yamlName(const std::string &name) {
  auto ends = [&](const char *suffix) { return name.size() > strlen(suffix) && name.compare(name.size() - strlen(suffix), strlen(suffix), suffix) == 0; };
  return ends(".yaml") || ends(".yml");
}

NodeP readYamlFile(const std::string &path) {
  std::string text;
  if (!readFile(path, text)) throw Fail{"could not read " + path};
  try {
    return parseYaml(text);
  } catch (const Fail &f) {
    throw Fail{path + ": " + f.message};
  }
}

void needApiVersion1(const Node &root, const std::string &path) {
  const Node *v = root.get("apiVersion");
  if (!v || v->scalar != "1") throw Fail{path + ": apiVersion must be 1 (found " + (v ? v->scalar : "none") + ")"};
}

std::string scalarOf(const Node *n) { return n && n->kind == Node::Scalar && !n->isNull ? n->scalar : ""; }

struct Provisioned {
  std::vector<std::string> datasources;  // JSON objects
  std::vector<std::string> dashboards;   // JSON objects
};

void readDatasources(const std::string &dir, Provisioned &out) {
  std::map<std::string, int> defaults;  // per orgId
  for (auto &name : listDir(dir)) {
    if (!yamlName(name)) continue;
    std::string path = dir + "/" + name;
    auto root = readYamlFile(path);
    if (root->kind != Node::Map) throw Fail{path + ": not a mapping"};
    needApiVersion1(*root, path);
    const Node *list = root->get("datasources");
    if (!list || list->isNull) continue;
    if (list->kind != Node::Seq) throw Fail{path + ": datasources must be a list"};
    for (auto &ds : list->seq) {
      if (ds->kind != Node::Map) throw Fail{path + ":" + std::to_string(ds->line) + ": a data source must be a mapping"};
      std::string dsName = scalarOf(ds->get("name")), type = scalarOf(ds->get("type"));
      if (dsName.empty()) throw Fail{path + ":" + std::to_string(ds->line) + ": data source has no name"};
      if (type.empty()) throw Fail{path + ":" + std::to_string(ds->line) + ": data source " + dsName + " has no type"};
      std::string org = scalarOf(ds->get("orgId"));
      if (org.empty()) org = "1";
      if (scalarOf(ds->get("isDefault")) == "true" && ++defaults[org] > 1)
        throw Fail{path + ": only one data source per organization can be marked as default"};
      for (auto key : {"jsonData", "secureJsonData"}) {
        const Node *m = ds->get(key);
        if (m && !m->isNull && m->kind != Node::Map) throw Fail{path + ": " + dsName + "." + key + " must be a mapping"};
      }
      std::string json = "{\"name\":" + jsonQuote(dsName) + ",\"type\":" + jsonQuote(type) + ",\"uid\":" + jsonQuote(scalarOf(ds->get("uid")));
      std::string jd;
      if (const Node *m = ds->get("jsonData"); m && m->kind == Node::Map)
        for (auto &[k, v] : m->map) jd += (jd.empty() ? "" : ",") + jsonQuote(k) + ":" + jsonQuote(scalarOf(v.get()));
      json += ",\"jsonData\":{" + jd + "}";
      std::string secure;
      if (const Node *m = ds->get("secureJsonData"); m && m->kind == Node::Map)
        for (auto &[k, v] : m->map) secure += (secure.empty() ? "" : ",") + jsonQuote(k);
      json += ",\"secureJsonFields\":[" + secure + "]}";
      out.datasources.push_back(json);
    }
  }
}

void collectJson(const std::string &dir, std::vector<std::string> &files) {
  for (auto &name : listDir(dir)) {
    std::string path = dir + "/" + name;
    if (isDir(path)) collectJson(path, files);
    else if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) files.push_back(path);
  }
}

// Every rawSql of every panel target, with the data source uid it names.
void collectQueries(const Node &n, std::vector<std::string> &out) {
  if (n.kind == Node::Map) {
    const Node *sql = n.get("rawSql");
    if (sql && n.get("refId")) {
      const Node *ds = n.get("datasource");
      out.push_back("{\"refId\":" + jsonQuote(scalarOf(n.get("refId"))) + ",\"datasourceUid\":" + jsonQuote(ds ? scalarOf(ds->get("uid")) : "") + ",\"rawSql\":" + jsonQuote(scalarOf(sql)) + "}");
    }
    for (auto &[k, v] : n.map) collectQueries(*v, out);
  } else if (n.kind == Node::Seq) {
    for (auto &v : n.seq) collectQueries(*v, out);
  }
}

void readDashboards(const std::string &dir, Provisioned &out) {
  std::set<std::string> providerNames, uids;
  for (auto &name : listDir(dir)) {
    if (!yamlName(name)) continue;
    std::string path = dir + "/" + name;
    auto root = readYamlFile(path);
    if (root->kind != Node::Map) throw Fail{path + ": not a mapping"};
    needApiVersion1(*root, path);
    const Node *list = root->get("providers");
    if (!list || list->isNull) continue;
    if (list->kind != Node::Seq) throw Fail{path + ": providers must be a list"};
    for (auto &p : list->seq) {
      if (p->kind != Node::Map) throw Fail{path + ": a provider must be a mapping"};
      std::string pname = scalarOf(p->get("name"));
      if (!providerNames.insert(pname).second) throw Fail{path + ": dashboard provider name \"" + pname + "\" is not unique"};
      std::string type = scalarOf(p->get("type"));
      if (!type.empty() && type != "file") throw Fail{path + ": provider " + pname + " has type " + type + "; only file is known"};
      const Node *options = p->get("options");
      std::string dashboards = options ? scalarOf(options->get("path")) : "";
      if (dashboards.empty()) throw Fail{path + ": provider " + pname + " has no options.path"};
      if (!isDir(dashboards)) throw Fail{path + ": provider " + pname + ": options.path " + dashboards + " is not a directory"};
      std::vector<std::string> files;
      collectJson(dashboards, files);
      for (auto &file : files) {
        std::string text;
        if (!readFile(file, text)) throw Fail{"could not read " + file};
        NodeP dash;
        try {
          dash = parseJson(text);
        } catch (const Fail &f) {
          throw Fail{file + ": " + f.message};
        }
        if (dash->kind != Node::Map) throw Fail{file + ": a dashboard must be a JSON object"};
        std::string title = scalarOf(dash->get("title")), uid = scalarOf(dash->get("uid"));
        if (title.empty()) throw Fail{file + ": dashboard title cannot be empty"};
        if (!uid.empty() && !uids.insert(uid).second) throw Fail{file + ": dashboard uid " + uid + " is used more than once"};
        std::vector<std::string> queries;
        collectQueries(*dash, queries);
        out.dashboards.push_back("{\"provider\":" + jsonQuote(pname) + ",\"file\":" + jsonQuote(file) + ",\"title\":" + jsonQuote(title) + ",\"uid\":" + jsonQuote(uid) + ",\"queries\":[" + join(queries, ",") + "]}");
      }
    }
  }
}

void answer(int fd, const std::string &body, const Provisioned &prov) {
  (void)body;
  char buf[4096];
  std::string request;
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    request.append(buf, static_cast<size_t>(n));
  }
  std::string first = request.substr(0, request.find("\r\n"));
  auto parts = split(first, ' ');
  std::string path = parts.size() > 1 ? parts[1] : "";
  int code = 404;
  std::string content = "{\"message\":\"Not found\"}";
  if (parts.empty() || parts[0] != "GET") {
    code = 405;
    content = "{\"message\":\"Method not allowed\"}";
  } else if (path == "/api/health") {
    code = 200;
    content = "{\"commit\":\"standin\",\"database\":\"ok\",\"version\":\"12.0.0-standin\"}";
  } else if (path == "/standin/provisioned") {
    code = 200;
    content = "{\"datasources\":[" + join(prov.datasources, ",") + "],\"dashboards\":[" + join(prov.dashboards, ",") + "]}";
  }
  std::string reply = "HTTP/1.1 " + std::to_string(code) + (code == 200 ? " OK" : " Error") + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(content.size()) + "\r\nConnection: close\r\n\r\n" + content;
  (void)!write(fd, reply.data(), reply.size());
  close(fd);
}

}  // namespace

int grafanaMain(int, char **) {
  std::string fail;
  if (injectedFailure("grafana", "start")) fatal("grafana: injected failure at start");
  std::string base = envOr("GF_PATHS_PROVISIONING", "/etc/grafana/provisioning");
  int port = atoi(envOr("GF_SERVER_HTTP_PORT", "3000").c_str());
  Provisioned prov;
  try {
    readDatasources(base + "/datasources", prov);
    readDashboards(base + "/dashboards", prov);
  } catch (const Fail &f) {
    fprintf(stderr, "logger=provisioning level=error msg=\"Failed to provision\" error=\"%s\"\n", f.message.c_str());
    fprintf(stderr, "Error: failed to start grafana: provisioning: %s\n", f.message.c_str());
    return 1;
  }
  fprintf(stderr, "logger=provisioning level=info msg=\"provisioned\" datasources=%zu dashboards=%zu\n", prov.datasources.size(), prov.dashboards.size());
  // Grafana listens on every address by default (server.http_addr empty).
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || listen(fd, 64) != 0) {
    fprintf(stderr, "Error: failed to start grafana: listen tcp :%d: %s\n", port, strerror(errno));
    return 1;
  }
  fprintf(stderr, "logger=http.server level=info msg=\"HTTP Server Listen\" address=[::]:%d\n", port);
  for (;;) {
    int client = accept(fd, nullptr, nullptr);
    if (client < 0) continue;
    std::thread([client, &prov] { answer(client, "", prov); }).detach();
  }
}

}  // namespace standin
