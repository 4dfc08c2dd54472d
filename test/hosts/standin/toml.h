// A small strict TOML reader for the config files 3FS reads (tables, arrays of tables, dotted and quoted
// keys, basic and literal strings, integers, floats, booleans, arrays, inline tables). Anything else,
// and a key given twice, is an error naming the line.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace standin {

struct TomlValue {
  enum Kind { String, Integer, Float, Bool, Array, Table } kind = Table;
  std::string str;
  long long integer = 0;
  double number = 0;
  bool boolean = false;
  std::vector<TomlValue> items;             // Array (an array of tables holds Table items)
  std::map<std::string, TomlValue> fields;  // Table
  bool tableArray = false;                  // made by [[header]]
  bool defined = false;                     // a table given by a [header] (twice is an error)

  const TomlValue *get(const std::string &dotted) const;
  std::string getString(const std::string &dotted, const std::string &fallback) const;
  long long getInt(const std::string &dotted, long long fallback) const;
  bool getBool(const std::string &dotted, bool fallback) const;
  std::vector<std::string> getStrings(const std::string &dotted) const;
  std::string text() const;  // a scalar as text
};

// Parses `text`; on failure returns false with "line N: what" in `error`.
bool parseToml(const std::string &text, TomlValue &root, std::string &error);

// Every key path in `root`, arrays of tables folded: "server.base.groups.listener.listen_port".
// Tables end with "/", arrays of tables with "[]" (the same shape gen-known-keys.py writes).
void keyPaths(const TomlValue &root, std::vector<std::string> &out, const std::string &prefix = "");

}  // namespace standin
