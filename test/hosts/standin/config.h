// Reading 3FS config files the way 3FS does: strict keys (src/common/utils/ConfigBase.h:629 refuses an
// unknown key with ConfigRedundantKey "Invalid key: <path>"), code defaults for what a file leaves out.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "toml.h"

namespace standin {

// `kind` names the shipped file whose keys are allowed: "mgmtd_main", "meta_main_launcher", ...
// Returns "" or the error text.
std::string checkKeys(const std::string &kind, const TomlValue &root);

// Loads and checks a file; exits as 3FS does (FATAL) with `what` in the message when it cannot.
TomlValue loadConfigFile(const std::string &path, const std::string &kind, const std::string &what);
// Parses and checks text (a main config fetched from mgmtd).
bool parseConfigText(const std::string &text, const std::string &kind, TomlValue &out, std::string &error);

struct ListenerGroup {
  std::string networkType;  // RDMA, TCP, IPoIB, ...
  int port = 0;
  std::vector<std::string> services;
};

// server.base.groups of a main config, or the code defaults `defaults` when the file has none
// (an array of tables given in a file replaces the code's groups: ConfigBase sets the length from it).
std::vector<ListenerGroup> listenerGroups(const TomlValue &main, const std::vector<ListenerGroup> &defaults);

// [[common.log.handlers]]: opens the "normal" FILE handler's file_path, or <serverName>.log in the
// working directory when file_path is empty or there are no handlers (src/common/logging/LogConfig.cc:64-71).
void setupLogging(const TomlValue &main, const std::string &serverName);

// --flag value / --flag=value; '-' and '_' are the same in flag names.
std::map<std::string, std::string> parseFlags(int argc, char **argv, std::vector<std::string> &rest);

}  // namespace standin
