#include "core/json.h"

#include <cmath>
#include <cstdio>

namespace threefs {

std::string jsonString(const std::string& value) {
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

void JsonLine::key(const char* name) {
  if (body_.size() > 1) body_ += ",";
  body_ += jsonString(name) + ":";
}

JsonLine& JsonLine::add(const char* name, const std::string& value) {
  key(name);
  body_ += jsonString(value);
  return *this;
}

JsonLine& JsonLine::add(const char* name, double value) {
  key(name);
  if (!std::isfinite(value)) {
    body_ += "null";
  } else {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    body_ += buffer;
  }
  return *this;
}

JsonLine& JsonLine::add(const char* name, uint64_t value) {
  key(name);
  body_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::add(const char* name, int64_t value) {
  key(name);
  body_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::add(const char* name, bool value) {
  key(name);
  body_ += value ? "true" : "false";
  return *this;
}

JsonLine& JsonLine::raw(const char* name, const std::string& json) {
  key(name);
  body_ += json;
  return *this;
}

}  // namespace threefs
