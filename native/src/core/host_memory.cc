#include "core/host_memory.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace threefs {
namespace {

constexpr int kBalloonFreePageReporting = 5;  // include/uapi/linux/virtio_balloon.h

std::string firstLine(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);
  return line;
}

}  // namespace

bool freedMemoryReturnedToHost(const std::string& virtioDevices) {
  DIR* dir = ::opendir(virtioDevices.c_str());
  if (dir == nullptr) return false;
  bool reporting = false;
  while (dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    const std::string device = virtioDevices + "/" + name;
    if (firstLine(device + "/device") != "0x0005") continue;
    // Only a bound driver reports free pages; the features file holds what the driver negotiated.
    if (::access((device + "/driver").c_str(), F_OK) != 0) continue;
    const std::string features = firstLine(device + "/features");
    if (features.size() > kBalloonFreePageReporting && features[kBalloonFreePageReporting] == '1') reporting = true;
  }
  ::closedir(dir);
  return reporting;
}

}  // namespace threefs
