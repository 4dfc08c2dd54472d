// Version of the native core, shared by the addon and the worker so that the CLI can tell
// whether a worker already on a node was built from the same sources.
#pragma once
#include <string>

namespace threefs {

// Semantic version of the native core; bump when the worker protocol changes.
const char* coreVersion();

// Compiler and build facts, for `3fs-cli --version` and bug reports.
std::string buildInfo();

}  // namespace threefs
