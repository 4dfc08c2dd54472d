#include "core/version.h"

namespace threefs {

const char* coreVersion() { return "0.1.0"; }

std::string buildInfo() {
  std::string info = "c++";
  info += std::to_string(__cplusplus / 100 % 100);
#if defined(__clang__)
  info += " clang " __clang_version__;
#elif defined(__GNUC__)
  info += " gcc " __VERSION__;
#endif
  return info;
}

}  // namespace threefs
