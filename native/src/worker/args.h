// Command-line options of the worker: `3fs-worker <command> --name value ...`.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace threefs {

// A bad command line (exit code 2), as opposed to a failure while working (exit code 1).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  Args(int argc, char** argv, int first);
  std::string text(const std::string& name) const;
  std::string text(const std::string& name, const std::string& fallback) const;
  uint64_t number(const std::string& name) const;
  uint64_t number(const std::string& name, uint64_t fallback) const;
  // Comma-separated list.
  std::vector<std::string> list(const std::string& name) const;
  bool has(const std::string& name) const { return values_.count(name) != 0; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace threefs
