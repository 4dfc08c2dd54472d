// Whether memory this machine frees goes back to its host: a virtual machine whose virtio-balloon driver
// negotiated free page reporting (VIRTIO_BALLOON_F_REPORTING, feature bit 5) hands freed pages to the
// hypervisor, which drops them; each page a process touches for the first time is then a fault on the host
// as well. On this project's Firecracker VMs that made a gigabyte of new memory cost 0.6-1.6 s of CPU
// (perf: clear_page_erms), against ~0.05 s for memory the host still backs (test/bench/memory-pages.cc).
#pragma once
#include <string>

namespace threefs {

// Reads <virtioDevices>/*/device (0x0005: balloon), driver (bound) and features (one '0'/'1' per bit).
// False when there is no such device or the directory cannot be read (bare metal, other hypervisors).
bool freedMemoryReturnedToHost(const std::string& virtioDevices = "/sys/bus/virtio/devices");

}  // namespace threefs
