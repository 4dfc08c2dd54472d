#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "util.h"

namespace standin {

bool parseEndpoint(const std::string &text, Endpoint &out) {
  std::string t = trim(text);
  auto scheme = t.find("://");
  if (scheme != std::string::npos) t = t.substr(scheme + 3);
  auto colon = t.rfind(':');
  if (colon == std::string::npos) return false;
  out.host = t.substr(0, colon);
  out.port = atoi(t.substr(colon + 1).c_str());
  return !out.host.empty() && out.port > 0;
}

std::string encode(const Fields &fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += '\t';
    for (char c : fields[i]) {
      if (c == '\\') out += "\\\\";
      else if (c == '\t') out += "\\t";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
  }
  return out;
}

Fields decode(const std::string &line) {
  Fields out(1);
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\t') {
      out.emplace_back();
    } else if (c == '\\' && i + 1 < line.size()) {
      char n = line[++i];
      out.back() += n == 't' ? '\t' : n == 'n' ? '\n' : n;
    } else {
      out.back() += c;
    }
  }
  return out;
}

int listenOn(const std::string &host, int port, std::string &error) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = strerror(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    error = "invalid address " + host;
    close(fd);
    return -1;
  }
  if (bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || listen(fd, 128) != 0) {
    error = strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

namespace {
bool readLine(int fd, std::string &line, int timeoutMs) {
  line.clear();
  char buf[4096];
  int64_t deadline = nowMs() + timeoutMs;
  for (;;) {
    auto nl = line.find('\n');
    if (nl != std::string::npos) {
      line.resize(nl);
      return true;
    }
    int left = static_cast<int>(deadline - nowMs());
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) return false;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    line.append(buf, static_cast<size_t>(n));
  }
}

bool writeAll(int fd, const std::string &data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}
}  // namespace

void serve(int fd, std::function<Fields(const Fields &, const std::string &)> handler) {
  std::thread([fd, handler] {
    for (;;) {
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      int c = accept4(fd, reinterpret_cast<sockaddr *>(&peer), &len, SOCK_CLOEXEC);
      if (c < 0) continue;
      char ip[INET_ADDRSTRLEN] = {0};
      inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
      std::string peerAddr = ip;
      std::thread([c, handler, peerAddr] {
        std::string line;
        if (readLine(c, line, 10000)) writeAll(c, encode(handler(decode(line), peerAddr)) + "\n");
        close(c);
      }).detach();
    }
  }).detach();
}

Reply call(const Endpoint &to, const Fields &request, int timeoutMs) {
  Reply r;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(to.port));
  if (fd < 0 || inet_pton(AF_INET, to.host.c_str(), &addr.sin_addr) != 1) {
    if (fd >= 0) close(fd);
    r.transportError = "invalid address " + to.str();
    return r;
  }
  int rc = connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, timeoutMs) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    } else {
      errno = ETIMEDOUT;
      rc = -1;
    }
  }
  if (rc != 0) {
    r.transportError = std::string("connect to ") + to.str() + " failed: " + strerror(errno);
    close(fd);
    return r;
  }
  fcntl(fd, F_SETFL, 0);
  r.connected = true;
  std::string line;
  if (!writeAll(fd, encode(request) + "\n") || !readLine(fd, line, timeoutMs)) {
    r.transportError = "no answer from " + to.str();
    close(fd);
    return r;
  }
  close(fd);
  Fields f = decode(line);
  if (!f.empty() && f[0] == "OK") {
    r.ok = true;
    r.fields.assign(f.begin() + 1, f.end());
  } else {
    r.code = f.size() > 1 ? atoi(f[1].c_str()) : 999;
    r.message = f.size() > 2 ? f[2] : "";
  }
  return r;
}

Fields okReply(Fields rest) {
  rest.insert(rest.begin(), "OK");
  return rest;
}

Fields errReply(int code, const std::string &message) { return {"ERR", std::to_string(code), message}; }

}  // namespace standin
