// LogApi: the event log's HTTP face, JSON over HTTP under /v1/log on cairnd's API port
// (docs/eventlog.md has every document). Parses the request (log_codec.h), calls the EventLog
// model and encodes the answer; it knows nothing of sockets.
//
//   GET  /v1/log                                  streams and sizes
//   POST /v1/log/{stream}/append                  raw body = one event; application/json
//                                                 {"events":[base64...],"expected_size":n}; or
//                                                 application/x-cairn-events (binary batch)
//   GET  /v1/log/{stream}/events?start=&count=    events as base64 JSON (count and bytes bounded)
//   GET  /v1/log/{stream}/head                    signed tree head: size, root, note, key
//   GET  /v1/log/{stream}/checkpoint              the signed note alone (text/plain)
//   GET  /v1/log/{stream}/root?size=              the root at an earlier size (unsigned)
//   GET  /v1/log/{stream}/key                     the verifier key of the stream's heads
//   GET  /v1/log/{stream}/proof/inclusion?index=&size=
//   GET  /v1/log/{stream}/proof/consistency?first=&second=
//   GET  /v1/log/{stream}/sync?start=&head=&max_bytes=   a follower's batch (log_codec.h)
//
// Errors are JSON {"error": {"code": "NOT_FOUND", "message": "..."}} with the HTTP status of the
// model's Status code (one table, HttpStatusFor). Streams the node follows from a peer are
// read-only here: appends get 409.
//
// Thread safety: Handle runs concurrently on the API server's threads; it blocks on the model
// (an append waits for its fdatasync). SetReadOnly must be called before Handle can run.
#ifndef CAIRN_FACES_EVENTLOG_LOG_API_H_
#define CAIRN_FACES_EVENTLOG_LOG_API_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/status.h"
#include "net/http.h"

namespace cairn::eventlog {
class EventLog;
}

namespace cairn::eventlog_face {

inline constexpr std::string_view kLogPathPrefix = "/v1/log";

struct LogApiOptions {
  uint64_t max_read_events = 10'000;      // events per /events answer
  uint64_t max_read_bytes = 4ull << 20;   // event bytes per /events answer (one at least)
  uint64_t max_sync_bytes = 16ull << 20;  // event bytes per /sync answer (one at least)
  uint64_t max_event_bytes = 1u << 20;    // as EventLogOptions::max_event_bytes
};

class LogApi {
 public:
  // `log` must outlive the LogApi.
  LogApi(eventlog::EventLog* log, LogApiOptions options) : log_(log), options_(options) {}
  LogApi(const LogApi&) = delete;
  LogApi& operator=(const LogApi&) = delete;

  // Appends to `stream` get 409 with `reason` (a stream this node follows).
  void SetReadOnly(std::string stream, std::string reason);

  // Serves a request whose path starts with kLogPathPrefix. Never throws.
  void Handle(const net::HttpRequest& request, net::HttpResponse* response) const;

  // The HTTP status for a model Status code, and the JSON error answer.
  static int HttpStatusFor(StatusCode code);
  static void SetError(const Status& status, net::HttpResponse* response);

 private:
  Status Dispatch(const net::HttpRequest& request, net::HttpResponse* response) const;

  eventlog::EventLog* const log_;
  const LogApiOptions options_;
  std::map<std::string, std::string, std::less<>> read_only_;  // stream -> reason
};

}  // namespace cairn::eventlog_face

#endif  // CAIRN_FACES_EVENTLOG_LOG_API_H_
