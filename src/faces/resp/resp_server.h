// RespServer: the Redis-protocol listener (TCP, and optionally a Unix socket) on a net::Runtime.
//
// Each connection runs as coroutines on one of the runtime's contexts: a reader that parses
// every complete command in what arrived (pipelining), dispatches them in order through
// RespService and queues the replies, and a writer that sends queued bytes (replies and pub/sub
// messages, which other threads may queue) in as few writes as possible. A protocol error is
// answered, then the connection is closed, as Redis does. A blocked list pop is retried every few
// milliseconds until it succeeds or times out, the connection's later commands waiting behind it.
//
// Thread safety: Start()/Stop() from one thread.
#ifndef CAIRN_FACES_RESP_RESP_SERVER_H_
#define CAIRN_FACES_RESP_RESP_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "faces/resp/resp_service.h"
#include "net/runtime.h"

namespace cairn::resp {

struct RespServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;        // 0: a free port (see port()); the TCP listener is always on
  std::string unix_socket;  // empty: none
  net::RespLimits limits;
};

class RespServer {
 public:
  // Errors: kUnavailable (address in use), kInvalidArgument (bad address or socket path).
  static Result<std::unique_ptr<RespServer>> Start(net::Runtime* runtime, RespService* service,
                                                   const RespServerOptions& options);
  ~RespServer();
  uint16_t port() const;
  void Stop();

  struct State;

 private:
  explicit RespServer(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace cairn::resp

#endif  // CAIRN_FACES_RESP_RESP_SERVER_H_
