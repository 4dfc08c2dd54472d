#include "util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <sstream>

namespace standin {

std::string gProgram = "standin";

std::vector<std::string> split(const std::string &text, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::string join(const std::vector<std::string> &parts, const std::string &sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

std::string trim(const std::string &text) {
  size_t b = 0, e = text.size();
  while (b < e && isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  return text.substr(b, e - b);
}

bool startsWith(const std::string &text, const std::string &prefix) { return text.compare(0, prefix.size(), prefix) == 0; }

std::string toUpper(std::string text) {
  for (auto &c : text) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return text;
}

bool readFile(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

bool writeFileAtomic(const std::string &path, const std::string &content) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out << content;
    if (!out) return false;
  }
  return rename(tmp.c_str(), path.c_str()) == 0;
}

bool isDir(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool mkdirs(const std::string &path) {
  std::string cur;
  for (const auto &part : split(path, '/')) {
    cur += part + "/";
    if (part.empty()) continue;
    mkdir(cur.c_str(), 0755);
  }
  return isDir(path);
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string ymdHMS(int64_t ms) {
  time_t secs = ms / 1000;
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

int64_t durationMs(const std::string &text, int64_t fallback) {
  std::string t = trim(text);
  if (t.empty()) return fallback;
  size_t i = 0;
  while (i < t.size() && (isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
  if (i == 0) return fallback;
  double n = atof(t.substr(0, i).c_str());
  std::string unit = trim(t.substr(i));
  if (unit == "ms") return static_cast<int64_t>(n);
  if (unit == "s" || unit.empty()) return static_cast<int64_t>(n * 1000);
  if (unit == "min") return static_cast<int64_t>(n * 60000);
  if (unit == "h") return static_cast<int64_t>(n * 3600000);
  if (unit == "us") return static_cast<int64_t>(n / 1000);
  return fallback;
}

std::string envOr(const char *name, const std::string &fallback) {
  const char *v = getenv(name);
  return v && *v ? std::string(v) : fallback;
}

namespace {
std::mutex gLogMutex;
FILE *gLog = nullptr;
int gLogMin = 0;
int levelRank(const std::string &level) {
  static const char *order[] = {"DBG", "INFO", "WARN", "ERR", "CRITICAL", "FATAL"};
  std::string up = toUpper(level);
  if (up == "WARNING") up = "WARN";
  if (up == "ERROR") up = "ERR";
  if (up == "DEBUG") up = "DBG";
  for (int i = 0; i < 6; ++i)
    if (up == order[i]) return i;
  return 0;
}
}  // namespace

void logOpen(const std::string &path, const std::string &minLevel) {
  std::lock_guard<std::mutex> lock(gLogMutex);
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) mkdirs(path.substr(0, slash));
  FILE *f = fopen(path.c_str(), "a");
  if (!f) {
    fprintf(stderr, "cannot open log file %s\n", path.c_str());
    return;
  }
  setvbuf(f, nullptr, _IOLBF, 0);
  gLog = f;
  gLogMin = levelRank(minLevel);
}

void logLine(const std::string &level, const std::string &text) {
  std::lock_guard<std::mutex> lock(gLogMutex);
  if (gLog && levelRank(level) < gLogMin) return;
  std::string line = "[" + ymdHMS(nowMs()) + "] [" + toUpper(level) + "] " + gProgram + "[" + std::to_string(getpid()) + "]: " + text + "\n";
  fputs(line.c_str(), gLog ? gLog : stderr);
  // Errors also reach the container's stderr (docker logs), as 3FS's err handler to STDERR does.
  if (gLog && levelRank(level) >= 3) fputs(line.c_str(), stderr);
}

void fatal(const std::string &text, int status) {
  logLine("FATAL", text);
  _exit(status);
}

bool injectedFailure(const std::string &program, const std::string &what) {
  std::string spec = envOr("STANDIN_FAIL", "");
  std::string file;
  if (readFile(envOr("STANDIN_FAIL_FILE", "/etc/standin-fail"), file)) spec += "," + file;
  // The service's config directory (the host's <workDir>/<service>/config.d, mounted by every deploy): a test
  // can make a step of a real-engine deploy fail by writing this file on the node, and clear it to resume.
  std::string inConfigDir;
  if (readFile("/opt/3fs/etc/standin-fail", inConfigDir)) spec += "," + inConfigDir;
  for (auto entry : split(spec, ',')) {
    for (auto line : split(entry, '\n')) {
      line = trim(line);
      if (line.empty() || line[0] == '#') continue;
      size_t colon = line.find(':');
      std::string prog = colon == std::string::npos ? line : line.substr(0, colon);
      std::string sub = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (prog != program) continue;
      if (sub.empty() || sub == what) return true;
    }
  }
  return false;
}

std::string hostName() {
  char buf[256] = {0};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

std::string nodeAddress() {
  std::string forced = envOr("STANDIN_NODE_IP", "");
  if (!forced.empty()) return forced;
  std::string hosts, name = hostName();
  if (readFile("/etc/hosts", hosts)) {
    for (auto line : split(hosts, '\n')) {
      auto hash = line.find('#');
      if (hash != std::string::npos) line = line.substr(0, hash);
      std::istringstream in(line);
      std::string addr, alias;
      in >> addr;
      if (addr.find(':') != std::string::npos) continue;  // IPv4 only
      while (in >> alias)
        if (alias == name) return addr;
    }
  }
  return "127.0.0.1";
}

}  // namespace standin
