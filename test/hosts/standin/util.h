// Small helpers every stand-in program uses: strings, files, time, logging, failure injection.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace standin {

std::vector<std::string> split(const std::string &text, char sep);
std::string join(const std::vector<std::string> &parts, const std::string &sep);
std::string trim(const std::string &text);
bool startsWith(const std::string &text, const std::string &prefix);
std::string toUpper(std::string text);

bool readFile(const std::string &path, std::string &out);
bool writeFileAtomic(const std::string &path, const std::string &content);
bool isDir(const std::string &path);
bool mkdirs(const std::string &path);

int64_t nowMs();
// "2026-12-02 17:00:00" in UTC, the way 3FS prints UtcTime::YmdHMS.
std::string ymdHMS(int64_t ms);
// 3FS durations in configs: '10s', '60s', '2min', '100ms', '1h' (integers count as seconds here).
int64_t durationMs(const std::string &text, int64_t fallback);
std::string envOr(const char *name, const std::string &fallback);

// The name this program was called by (basename of argv[0]).
extern std::string gProgram;

// A log file opened by the program (3FS services log to files, see logging.cc). Until one is opened,
// log lines go to stderr.
void logOpen(const std::string &path, const std::string &minLevel);
void logLine(const std::string &level, const std::string &text);
[[noreturn]] void fatal(const std::string &text, int status = 1);

// Failure injection (see README.md): STANDIN_FAIL="admin_cli:list-nodes,fdbcli" or a file
// /etc/standin-fail or /opt/3fs/etc/standin-fail, the config directory a deploy mounts (one such entry a line). Returns the message to print when `what` must fail.
bool injectedFailure(const std::string &program, const std::string &what);

// The IPv4 address this node's hostname resolves to through /etc/hosts (test nodes share one network
// namespace, each with its own loopback address); STANDIN_NODE_IP overrides it.
std::string nodeAddress();
std::string hostName();

}  // namespace standin
