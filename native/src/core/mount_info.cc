#include "core/mount_info.h"

#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace threefs {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo (octal).
std::string unescape(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string octal = field.substr(i + 1, 3);
      if (octal.size() == 3 && octal.find_first_not_of("01234567") == std::string::npos) {
        out.push_back(static_cast<char>(std::strtol(octal.c_str(), nullptr, 8)));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

bool isUnder(const std::string& path, const std::string& mount) {
  if (mount == "/") return true;
  return path.compare(0, mount.size(), mount) == 0 && (path.size() == mount.size() || path[mount.size()] == '/');
}

// realpath of the path, or of its nearest existing ancestor with the rest appended.
std::string resolve(const std::string& path) {
  std::string head = path, tail;
  while (!head.empty()) {
    char buffer[PATH_MAX];
    if (::realpath(head.c_str(), buffer) != nullptr) {
      std::string real = buffer;
      if (!tail.empty()) real += (real == "/" ? "" : "/") + tail;
      return real;
    }
    const auto slash = head.find_last_of('/');
    if (slash == std::string::npos) break;
    tail = head.substr(slash + 1) + (tail.empty() ? "" : "/" + tail);
    head = slash == 0 ? "/" : head.substr(0, slash);
    if (head == "/" && tail.empty()) break;
  }
  return path;
}

}  // namespace

std::vector<MountEntry> readMounts(const std::string& text) {
  std::string content = text;
  if (content.empty()) {
    std::ifstream file("/proc/self/mountinfo");
    std::stringstream all;
    all << file.rdbuf();
    content = all.str();
  }
  std::vector<MountEntry> mounts;
  std::istringstream lines(content);
  std::string line;
  // Fields: id parent major:minor root mount-point options [optional...] - fstype source super-options
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<std::string> fields;
    for (std::string word; words >> word;) fields.push_back(word);
    std::size_t dash = 0;
    for (std::size_t i = 6; i < fields.size(); ++i)
      if (fields[i] == "-") {
        dash = i;
        break;
      }
    if (fields.size() < 7 || dash == 0 || dash + 1 >= fields.size()) continue;
    MountEntry entry;
    entry.mountPoint = unescape(fields[4]);
    entry.fsType = fields[dash + 1];
    const auto colon = fields[2].find(':');
    if (colon != std::string::npos) {
      entry.major = static_cast<unsigned>(std::strtoul(fields[2].c_str(), nullptr, 10));
      entry.minor = static_cast<unsigned>(std::strtoul(fields[2].c_str() + colon + 1, nullptr, 10));
    }
    mounts.push_back(entry);
  }
  return mounts;
}

bool mountOf(const std::string& path, MountEntry& out) {
  if (path.empty()) return false;
  const std::string real = resolve(path);
  bool found = false;
  // Later lines are mounted on top of earlier ones: the last, longest match wins.
  for (const auto& mount : readMounts()) {
    if (!isUnder(real, mount.mountPoint)) continue;
    if (!found || mount.mountPoint.size() >= out.mountPoint.size()) {
      out = mount;
      found = true;
    }
  }
  return found;
}

}  // namespace threefs
