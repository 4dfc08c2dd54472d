#include "toml.h"

#include <cctype>
#include <cstdlib>
#include <cstring>

#include "util.h"

namespace standin {

const TomlValue *TomlValue::get(const std::string &dotted) const {
  const TomlValue *cur = this;
  for (const auto &part : split(dotted, '.')) {
    if (cur->kind != Table) return nullptr;
    auto it = cur->fields.find(part);
    if (it == cur->fields.end()) return nullptr;
    cur = &it->second;
  }
  return cur;
}

std::string TomlValue::text() const {
  switch (kind) {
    case String: return str;
    case Integer: return std::to_string(integer);
    case Float: return std::to_string(number);
    case Bool: return boolean ? "true" : "false";
    default: return "";
  }
}

std::string TomlValue::getString(const std::string &dotted, const std::string &fallback) const {
  auto v = get(dotted);
  return v && v->kind != Table && v->kind != Array ? v->text() : fallback;
}

long long TomlValue::getInt(const std::string &dotted, long long fallback) const {
  auto v = get(dotted);
  if (!v) return fallback;
  if (v->kind == Integer) return v->integer;
  if (v->kind == String && !v->str.empty()) return atoll(v->str.c_str());
  return fallback;
}

bool TomlValue::getBool(const std::string &dotted, bool fallback) const {
  auto v = get(dotted);
  return v && v->kind == Bool ? v->boolean : fallback;
}

std::vector<std::string> TomlValue::getStrings(const std::string &dotted) const {
  std::vector<std::string> out;
  auto v = get(dotted);
  if (v && v->kind == Array)
    for (const auto &item : v->items) out.push_back(item.text());
  return out;
}

namespace {
struct Parser {
  const std::string &s;
  size_t pos = 0;
  int line = 1;
  std::string error;

  explicit Parser(const std::string &text) : s(text) {}

  bool fail(const std::string &what) {
    if (error.empty()) error = "line " + std::to_string(line) + ": " + what;
    return false;
  }
  bool eof() const { return pos >= s.size(); }
  char peek() const { return eof() ? '\0' : s[pos]; }
  void skipSpaces() {
    while (!eof() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
  }
  void skipComment() {
    if (peek() == '#')
      while (!eof() && s[pos] != '\n') ++pos;
  }
  // Spaces, newlines and comments (inside arrays).
  void skipAll() {
    for (;;) {
      skipSpaces();
      skipComment();
      if (peek() == '\n') {
        ++pos;
        ++line;
      } else if (peek() == '\r') {
        ++pos;
      } else {
        return;
      }
    }
  }
  bool endOfLine() {
    skipSpaces();
    skipComment();
    if (peek() == '\r') ++pos;
    if (eof()) return true;
    if (peek() != '\n') return fail("expected the end of the line");
    ++pos;
    ++line;
    return true;
  }

  bool key(std::vector<std::string> &parts) {
    for (;;) {
      skipSpaces();
      std::string part;
      if (peek() == '"' || peek() == '\'') {
        TomlValue v;
        if (!string(v)) return false;
        part = v.str;
      } else {
        while (!eof() && (isalnum(static_cast<unsigned char>(s[pos])) || s[pos] == '_' || s[pos] == '-')) part += s[pos++];
        if (part.empty()) return fail("expected a key");
      }
      parts.push_back(part);
      skipSpaces();
      if (peek() != '.') return true;
      ++pos;
    }
  }

  bool string(TomlValue &v) {
    v.kind = TomlValue::String;
    char q = s[pos++];
    if (s.compare(pos, 2, std::string(2, q)) == 0) return fail("multi-line strings are not supported");
    while (!eof() && s[pos] != q) {
      char c = s[pos++];
      if (c == '\n') return fail("newline in a string");
      if (c == '\\' && q == '"') {
        char e = s[pos++];
        switch (e) {
          case 'n': v.str += '\n'; break;
          case 't': v.str += '\t'; break;
          case 'r': v.str += '\r'; break;
          case '"': v.str += '"'; break;
          case '\\': v.str += '\\'; break;
          default: return fail(std::string("unknown escape \\") + e);
        }
      } else {
        v.str += c;
      }
    }
    if (eof()) return fail("unterminated string");
    ++pos;
    return true;
  }

  bool value(TomlValue &v) {
    skipSpaces();
    char c = peek();
    if (c == '"' || c == '\'') return string(v);
    if (c == '[') {
      ++pos;
      v.kind = TomlValue::Array;
      for (;;) {
        skipAll();
        if (peek() == ']') {
          ++pos;
          return true;
        }
        TomlValue item;
        if (!value(item)) return false;
        v.items.push_back(std::move(item));
        skipAll();
        if (peek() == ',') {
          ++pos;
          continue;
        }
        skipAll();
        if (peek() == ']') {
          ++pos;
          return true;
        }
        return fail("expected ',' or ']' in an array");
      }
    }
    if (c == '{') {
      ++pos;
      v.kind = TomlValue::Table;
      v.defined = true;
      skipSpaces();
      if (peek() == '}') {
        ++pos;
        return true;
      }
      for (;;) {
        if (!keyValue(v)) return false;
        skipSpaces();
        if (peek() == ',') {
          ++pos;
          continue;
        }
        if (peek() == '}') {
          ++pos;
          return true;
        }
        return fail("expected ',' or '}' in an inline table");
      }
    }
    std::string word;
    while (!eof() && (isalnum(static_cast<unsigned char>(s[pos])) || strchr("+-._", s[pos]))) word += s[pos++];
    if (word == "true" || word == "false") {
      v.kind = TomlValue::Bool;
      v.boolean = word == "true";
      return true;
    }
    std::string digits;
    for (char d : word)
      if (d != '_') digits += d;
    if (digits.empty()) return fail("expected a value");
    char *end = nullptr;
    if (digits.find_first_of(".eE") == std::string::npos || digits.find("0x") == 0) {
      v.kind = TomlValue::Integer;
      v.integer = strtoll(digits.c_str(), &end, 0);
    } else {
      v.kind = TomlValue::Float;
      v.number = strtod(digits.c_str(), &end);
    }
    if (!end || *end) return fail("not a value: " + word);
    return true;
  }

  TomlValue *descend(TomlValue *table, const std::string &part, bool forHeader) {
    auto &child = table->fields[part];
    if (child.kind == TomlValue::Array && child.tableArray && !child.items.empty()) return &child.items.back();
    if (child.kind != TomlValue::Table) {
      fail("key " + part + " is not a table");
      return nullptr;
    }
    (void)forHeader;
    return &child;
  }

  bool keyValue(TomlValue &table) {
    std::vector<std::string> parts;
    if (!key(parts)) return false;
    skipSpaces();
    if (peek() != '=') return fail("expected '='");
    ++pos;
    TomlValue *cur = &table;
    for (size_t i = 0; i + 1 < parts.size(); ++i)
      if (!(cur = descend(cur, parts[i], false))) return false;
    if (cur->fields.count(parts.back())) return fail("duplicate key " + join(parts, "."));
    TomlValue v;
    if (!value(v)) return false;
    cur->fields[parts.back()] = std::move(v);
    return true;
  }

  bool document(TomlValue &root) {
    root.kind = TomlValue::Table;
    TomlValue *current = &root;
    for (;;) {
      skipAll();
      if (eof()) return true;
      if (peek() == '[') {
        bool array = s.compare(pos, 2, "[[") == 0;
        pos += array ? 2 : 1;
        std::vector<std::string> parts;
        if (!key(parts)) return false;
        if (array ? s.compare(pos, 2, "]]") != 0 : peek() != ']') return fail("unterminated table header");
        pos += array ? 2 : 1;
        TomlValue *cur = &root;
        for (size_t i = 0; i + 1 < parts.size(); ++i)
          if (!(cur = descend(cur, parts[i], true))) return false;
        auto &last = cur->fields[parts.back()];
        if (array) {
          if (last.kind == TomlValue::Table && !last.fields.empty()) return fail(join(parts, ".") + " is a table, not an array of tables");
          last.kind = TomlValue::Array;
          last.tableArray = true;
          last.items.emplace_back();
          current = &last.items.back();
        } else {
          if (last.kind != TomlValue::Table) return fail(join(parts, ".") + " is not a table");
          if (last.defined) return fail("table " + join(parts, ".") + " defined twice");
          last.defined = true;
          current = &last;
        }
      } else if (!keyValue(*current)) {
        return false;
      }
      if (!endOfLine()) return false;
    }
  }
};
}  // namespace

bool parseToml(const std::string &text, TomlValue &root, std::string &error) {
  Parser p(text);
  root = TomlValue{};
  if (p.document(root) && p.error.empty()) return true;
  error = p.error;
  return false;
}

void keyPaths(const TomlValue &root, std::vector<std::string> &out, const std::string &prefix) {
  for (const auto &[name, v] : root.fields) {
    std::string path = prefix.empty() ? name : prefix + "." + name;
    if (v.kind == TomlValue::Table) {
      out.push_back(path + "/");
      keyPaths(v, out, path);
    } else if (v.kind == TomlValue::Array && (v.tableArray || (!v.items.empty() && v.items[0].kind == TomlValue::Table))) {
      out.push_back(path + "[]");
      for (const auto &item : v.items) keyPaths(item, out, path);
    } else {
      out.push_back(path);
    }
  }
}

}  // namespace standin
