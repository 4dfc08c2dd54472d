#include "worker/args.h"

namespace threefs {

Args::Args(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0) throw UsageError("unexpected argument " + name + " (options are --name value)");
    if (i + 1 >= argc) throw UsageError("option " + name + " needs a value");
    values_[name.substr(2)] = argv[++i];
  }
}

std::string Args::text(const std::string& name) const {
  auto found = values_.find(name);
  if (found == values_.end()) throw UsageError("missing option --" + name);
  return found->second;
}

std::string Args::text(const std::string& name, const std::string& fallback) const { return has(name) ? text(name) : fallback; }

uint64_t Args::number(const std::string& name) const {
  const std::string value = text(name);
  std::size_t used = 0;
  uint64_t parsed = 0;
  try {
    parsed = std::stoull(value, &used);
  } catch (...) {
    used = 0;
  }
  if (used != value.size() || value.empty()) throw UsageError("option --" + name + " needs a whole number, got " + value);
  return parsed;
}

uint64_t Args::number(const std::string& name, uint64_t fallback) const { return has(name) ? number(name) : fallback; }

std::vector<std::string> Args::list(const std::string& name) const {
  std::vector<std::string> items;
  std::string current;
  for (char c : text(name)) {
    if (c == ',') {
      if (!current.empty()) items.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) items.push_back(current);
  return items;
}

}  // namespace threefs
