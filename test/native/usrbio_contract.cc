// Probes a libhf3fs_api_shared.so (the TEST DOUBLE in tests; the same program can be pointed at the real
// library on a 3FS node) for the behaviours 3FS's src/lib/api/UsrbIo.cc has at commit ee9a5ce, and
// prints one JSON object: each check's observed value. The test asserts them against the source.
// usage: usrbio_contract LIBRARY MOUNT_ROOT NON_3FS_DIR
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "core/usrbio_abi.h"

using namespace threefs::usrbio;

namespace {

std::string out = "{";
void put(const char* key, long long value) {
  if (out.size() > 1) out += ",";
  out += "\"" + std::string(key) + "\":" + std::to_string(value);
}

template <typename F>
F symbol(void* handle, const char* name) {
  auto* found = reinterpret_cast<F>(::dlsym(handle, name));
  if (found == nullptr) {
    std::fprintf(stderr, "missing %s\n", name);
    std::exit(2);
  }
  return found;
}

bool fdOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  const std::string root = argv[2], other = argv[3];
  void* lib = ::dlopen(argv[1], RTLD_NOW);
  if (lib == nullptr) {
    std::fprintf(stderr, "%s\n", ::dlerror());
    return 2;
  }
  auto iovCreate = symbol<IovCreate>(lib, "hf3fs_iovcreate");
  auto iovDestroy = symbol<IovDestroy>(lib, "hf3fs_iovdestroy");
  auto iorCreate = symbol<IorCreate4>(lib, "hf3fs_iorcreate4");
  auto iorDestroy = symbol<IorDestroy>(lib, "hf3fs_iordestroy");
  auto regFd = symbol<RegFd>(lib, "hf3fs_reg_fd");
  auto deregFd = symbol<DeregFd>(lib, "hf3fs_dereg_fd");
  auto prepIo = symbol<PrepIo>(lib, "hf3fs_prep_io");
  auto submitIos = symbol<SubmitIos>(lib, "hf3fs_submit_ios");
  auto waitForIos = symbol<WaitForIos>(lib, "hf3fs_wait_for_ios");
  auto isHf3fs = symbol<IsHf3fs>(lib, "hf3fs_is_hf3fs");
  auto extract = symbol<ExtractMountPoint>(lib, "hf3fs_extract_mount_point");

  const std::string sub = root + "/contract";
  ::mkdir(sub.c_str(), 0755);
  const std::string file = sub + "/data", otherFile = other + "/contract-data";
  {
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    std::vector<char> bytes(1 << 20, 'x');
    if (::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) return 3;
    ::close(fd);
  }

  // Detection and the mount root.
  {
    const int on = ::open(sub.c_str(), O_RDONLY | O_DIRECTORY), off = ::open(other.c_str(), O_RDONLY | O_DIRECTORY);
    put("isHf3fsOnMount", isHf3fs(on));
    put("isHf3fsOff", isHf3fs(off));
    ::close(on);
    ::close(off);
    char buffer[256];
    const int n = extract(buffer, sizeof buffer, sub.c_str());
    put("extractLength", n);
    put("extractIsRoot", n > 0 && root == buffer);
    put("extractOff", extract(buffer, sizeof buffer, other.c_str()));
  }

  // Registration.
  {
    const int fd = ::open(file.c_str(), O_RDWR);
    const int rc = regFd(fd, 0);
    put("regReturnsMinusDup", rc < 0 && fdOpen(-rc) && -rc != fd);
    put("regAgain", regFd(fd, 0));
    // The dup keeps the file open: closing ours leaves the dup valid until dereg.
    deregFd(fd);
    put("dupClosedByDereg", !fdOpen(-rc));
    ::close(fd);
    const int offFd = ::open(otherFile.c_str(), O_RDWR | O_CREAT, 0644);
    put("regNon3fs", regFd(offFd, 0));
    ::close(offFd);
    // Closed before dereg: dereg ignores the (no longer 3FS) fd number, the registration leaks and the
    // number is refused when a new file gets it.
    const int leaky = ::open(file.c_str(), O_RDWR);
    const int leakRc = regFd(leaky, 0);
    ::close(leaky);
    deregFd(leaky);
    const int again = ::open(file.c_str(), O_RDWR);
    put("sameNumber", again == leaky);
    put("regReusedNumber", regFd(again, 0));
    put("leakedDupOpen", fdOpen(-leakRc));
    // `again` stays open so that later files do not get the leaked number.
  }

  // iov and ring creation: the mount point string.
  {
    Iov iov{};
    put("iovOnSubdir", iovCreate(&iov, sub.c_str(), 1 << 16, 0, -1));
    put("iovOnRoot", iovCreate(&iov, root.c_str(), 1 << 16, 0, -1));
    iovDestroy(&iov);
    put("iovTrailingSlash", iovCreate(&iov, (root + "/").c_str(), 1 << 16, 0, -1));
    iovDestroy(&iov);
    put("iovLongMount", iovCreate(&iov, std::string(300, 'a').c_str(), 1 << 16, 0, -1));
    Ior ior{};
    put("iorOnSubdir", iorCreate(&ior, sub.c_str(), 8, true, 0, 0, -1, 0));
    put("iorNegativeTimeout", iorCreate(&ior, root.c_str(), 8, true, 0, -1, -1, 0));
  }

  // prep_io's refusals and the ring's completions.
  {
    Iov iov{};
    Ior ior{};
    iovCreate(&iov, root.c_str(), 1 << 20, 0, -1);
    iorCreate(&ior, root.c_str(), 16, true, 0, 0, -1, 0);
    const int rw = ::open(file.c_str(), O_RDWR), wo = ::open(file.c_str(), O_WRONLY), loose = ::open(file.c_str(), O_RDONLY);
    regFd(rw, 0);
    regFd(wo, 0);
    put("prepWriteOnReadRing", prepIo(&ior, &iov, false, iov.base, rw, 0, 4096, nullptr));
    put("prepLengthZero", prepIo(&ior, &iov, true, iov.base, rw, 0, 0, nullptr));
    put("prepOutsideIov", prepIo(&ior, &iov, true, iov.base + iov.size - 100, rw, 0, 4096, nullptr));
    put("prepUnregistered", prepIo(&ior, &iov, true, iov.base, loose, 0, 4096, nullptr));
    put("prepReadOnWriteOnlyFd", prepIo(&ior, &iov, true, iov.base, wo, 0, 4096, nullptr));
    timespec past{};
    ::clock_gettime(CLOCK_REALTIME, &past);
    past.tv_sec -= 1;
    Cqe cqes[32];
    put("waitNothingPastDeadline", waitForIos(&ior, cqes, 32, 1, &past));
    put("waitNoRoom", waitForIos(&ior, cqes, 0, 0, &past));
    int prepared = 0, full = 0;
    for (int i = 0; i < 17; ++i) {
      const int rc = prepIo(&ior, &iov, true, iov.base + static_cast<std::size_t>(i % 16) * 4096, rw, static_cast<std::size_t>(i) * 4096, 4096, reinterpret_cast<const void*>(static_cast<intptr_t>(i)));
      if (rc >= 0) ++prepared;
      else full = rc;
    }
    put("prepared", prepared);
    put("prepRingFull", full);
    put("submit", submitIos(&ior));
    timespec deadline{};
    ::clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    int got = 0, inOrder = 1, bytes = 0;
    while (got < 16) {
      const int n = waitForIos(&ior, cqes + got, 16 - got, 1, &deadline);
      if (n <= 0) break;
      got += n;
    }
    for (int i = 0; i < got; ++i) {
      if (reinterpret_cast<intptr_t>(cqes[i].userdata) != i) inOrder = 0;
      bytes += static_cast<int>(cqes[i].result);
    }
    put("completed", got);
    put("completedBytes", bytes);
    put("completedInOrder", inOrder);
    deregFd(rw);
    deregFd(wo);
    ::close(rw);
    ::close(wo);
    ::close(loose);
    iorDestroy(&ior);
    iovDestroy(&iov);
  }
  ::unlink(otherFile.c_str());
  std::printf("%s}\n", out.c_str());
  return 0;
}
