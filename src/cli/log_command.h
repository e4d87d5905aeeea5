// `cairn log ...`: the event log of a running cairnd through its API port (/v1/log, served by
// faces/eventlog/log_api.h), and offline verification of what it serves.
//
//   append STREAM [EVENT...]   appends the arguments as events (none: standard input as one
//                              event, or one per line with --lines); prints the first index
//   tail STREAM [-n N]         prints the last N events (or from --start), one per line; raw
//                              bytes, or base64 with --base64
//   head STREAM [--json]       prints the signed tree head (the C2SP note), or the JSON document
//   prove STREAM --index I [--size N]       prints an inclusion proof (JSON as served)
//   prove STREAM --first A [--second B]     prints a consistency proof (JSON as served)
//   key STREAM                 prints the verifier key ("name+id+base64") that checks its heads
//   verify --key VKEY --head FILE [--proof FILE [--event FILE] [--old-head FILE]]
//                              offline: checks the head's signature, then an inclusion proof
//                              (of the event's bytes, else of the proof's leaf hash) or a
//                              consistency proof (from --old-head, itself checked) against it
//
// Exit status: 0 done / verified; 1 cairnd unreachable or an error answer, or a proof or
// signature that does not verify; 2 bad usage (URL, files, arguments).
#ifndef CAIRN_CLI_LOG_COMMAND_H_
#define CAIRN_CLI_LOG_COMMAND_H_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace cairn::cli {

enum class LogAction { kAppend, kTail, kHead, kProve, kKey, kVerify };

struct LogCliOptions {
  std::string api = "http://127.0.0.1:9100";  // "host:port" is taken as http://host:port
  unsigned timeout_s = 60;
  std::string stream;
  // append
  std::vector<std::string> events;
  bool lines = false;
  // tail
  uint64_t count = 10;
  std::optional<uint64_t> start;
  bool base64 = false;
  // head
  bool json = false;
  // prove
  std::optional<uint64_t> index, size, first, second;
  // verify
  std::string key;       // verifier key text
  std::string head;      // file with the note (or the /head JSON); '-' for stdin
  std::string proof;     // file with the proof JSON
  std::string event;     // file with the event's bytes (inclusion)
  std::string old_head;  // file with the earlier head (consistency)
};

int RunLog(LogAction action, const LogCliOptions& options, std::FILE* out, std::FILE* err);

}  // namespace cairn::cli

#endif  // CAIRN_CLI_LOG_COMMAND_H_
