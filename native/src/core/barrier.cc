#include "core/barrier.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "core/file_io.h"

namespace threefs {
namespace {

// The listing saw `path`, but this kernel may still hold the cached "missing" entry for it, and then
// stat()/open() fail with ENOENT until it expires. 3FS answers readdirplus (src/fuse/FuseOps.cc:2173),
// whose entries replace a negative dentry; a FUSE daemon without it does not. An exclusive create makes
// the kernel look the name up again whatever it cached (Linux fs/fuse/dir.c, fuse_dentry_revalidate
// with LOOKUP_EXCL): EEXIST then leaves a positive entry. Should the create succeed, the file was gone
// after all: remove what was just made and report it missing.
bool replaceNegativeEntry(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errno == EEXIST;
  ::close(fd);
  ::unlink(path.c_str());
  return false;
}

// Whether `path` exists, seen by listing its directory rather than by stat(): on 3FS a lookup of a
// missing name is cached as a negative dentry for negative_timeout (5 s by default: 3FS
// src/fuse/FuseOps.cc:303-308, src/fuse/FuseConfig.h:27), so a stat poll can miss another node's new
// file for that long; readdir asks the fuse daemon each time.
bool exists(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return false;
  bool found = false;
  while (dirent* entry = ::readdir(handle)) {
    if (name == entry->d_name) {
      found = true;
      break;
    }
  }
  ::closedir(handle);
  return found && replaceNegativeEntry(path);
}

// The first failed-* file in `dir`, if any: "<node>: <reason>".
std::string findFailure(const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return "";
  std::string found;
  while (dirent* entry = ::readdir(handle)) {
    const std::string name = entry->d_name;
    if (name.rfind("failed-", 0) != 0 || name.find(".tmp") != std::string::npos) continue;
    std::string reason;
    if (FILE* file = std::fopen((dir + "/" + name).c_str(), "r")) {
      char buffer[512];
      const std::size_t got = std::fread(buffer, 1, sizeof buffer - 1, file);
      reason.assign(buffer, got);
      std::fclose(file);
    }
    found = name.substr(7) + ": " + reason;
    break;
  }
  ::closedir(handle);
  return found;
}

}  // namespace

void writeFileAtomically(const std::string& path, const std::string& content) {
  const std::string temp = path + ".tmp";
  writeWhole(temp, reinterpret_cast<const uint8_t*>(content.data()), content.size(), 1);
  if (std::rename(temp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + temp + " to " + path);
}

void waitForFiles(const std::vector<std::string>& paths, const std::string& dir, double timeoutSeconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeoutSeconds);
  auto pause = std::chrono::milliseconds(2);
  std::size_t next = 0;
  while (true) {
    while (next < paths.size() && exists(paths[next])) ++next;
    if (next == paths.size()) return;
    const std::string failure = findFailure(dir);
    if (!failure.empty()) throw std::runtime_error("stopped because another node failed (" + failure + ")");
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("gave up waiting for " + paths[next] + " after " + std::to_string(static_cast<int>(timeoutSeconds)) + " s");
    std::this_thread::sleep_for(pause);
    // Poll quickly at first (a local barrier is short), then back off to spare a shared filesystem.
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

void announceFailure(const std::string& dir, const std::string& node, const std::string& reason) {
  try {
    writeFileAtomically(dir + "/failed-" + node, reason);
  } catch (...) {
    // Best effort: the coordinator stops the other nodes anyway.
  }
}

}  // namespace threefs
