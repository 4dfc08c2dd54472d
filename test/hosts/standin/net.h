// One request, one answer, one TCP connection: the wire format between stand-in programs.
// A message is one line of tab-separated fields (\\, \t and \n escaped). An answer starts with "OK" or
// "ERR" <code> <message>. None of this is 3FS's wire protocol; only the programs here speak it.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace standin {

using Fields = std::vector<std::string>;

struct Endpoint {
  std::string host;
  int port = 0;
  std::string str() const { return host + ":" + std::to_string(port); }
};

// "RDMA://10.0.0.1:8000", "TCP://host:9000", "IPoIB://...", "10.0.0.1:4500". There is no RDMA here:
// every address is reached over TCP at its host:port.
bool parseEndpoint(const std::string &text, Endpoint &out);

std::string encode(const Fields &fields);
Fields decode(const std::string &line);

// Binds host:port without SO_REUSEPORT (3FS: Listener reuse_port defaults to false,
// src/common/net/Listener.h:22). Returns the fd, or -1 with errno's text in `error`.
int listenOn(const std::string &host, int port, std::string &error);

// Serves every connection of `fd` on its own thread until the process ends.
void serve(int fd, std::function<Fields(const Fields &request, const std::string &peer)> handler);

struct Reply {
  bool connected = false;  // false: nobody answered at that address
  bool ok = false;
  Fields fields;           // after "OK"
  int code = 0;            // after "ERR"
  std::string message;
  std::string transportError;
};

Reply call(const Endpoint &to, const Fields &request, int timeoutMs = 3000);
Fields okReply(Fields rest = {});
Fields errReply(int code, const std::string &message);

}  // namespace standin
