// Minimal JSON object writer for the worker's JSON-lines protocol (flat objects of numbers and strings).
#pragma once
#include <cstdint>
#include <string>

namespace threefs {

class JsonLine {
 public:
  JsonLine& add(const char* key, const std::string& value);
  JsonLine& add(const char* key, const char* value) { return add(key, std::string(value)); }
  JsonLine& add(const char* key, double value);
  JsonLine& add(const char* key, uint64_t value);
  JsonLine& add(const char* key, int64_t value);
  JsonLine& add(const char* key, int value) { return add(key, static_cast<int64_t>(value)); }
  JsonLine& add(const char* key, bool value);
  // Adds an already-encoded JSON value (array or object).
  JsonLine& raw(const char* key, const std::string& json);
  std::string str() const { return body_ + "}"; }

 private:
  void key(const char* name);
  std::string body_ = "{";
};

std::string jsonString(const std::string& value);

}  // namespace threefs
