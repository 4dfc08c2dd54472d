// Which mount a path is on, read from /proc/self/mountinfo. statfs cannot tell a 3FS mount apart: every
// FUSE mount reports FUSE's magic (Linux fs/fuse/inode.c, convert_fuse_statfs), while 3FS's fuse daemon
// shows up with fstype "fuse.hf3fs" (3FS src/lib/api/UsrbIo.cc:74 filters mountinfo on that name).
#pragma once
#include <string>
#include <vector>

namespace threefs {

struct MountEntry {
  std::string mountPoint;  // unescaped (mountinfo writes a space as \040)
  std::string fsType;      // e.g. "fuse.hf3fs", "ext4"
  unsigned major = 0, minor = 0;
};

// Every mount of this process, in mountinfo order; `text` is the file's content (for tests), or empty
// to read /proc/self/mountinfo.
std::vector<MountEntry> readMounts(const std::string& text = "");

// The innermost mount holding `path` (made absolute and symlink-free with realpath when it exists,
// else its nearest existing parent); false when none does.
bool mountOf(const std::string& path, MountEntry& out);

// "fuse.hf3fs": the fstype 3FS's fuse daemon mounts with.
constexpr const char* kHf3fsFsType = "fuse.hf3fs";

}  // namespace threefs
