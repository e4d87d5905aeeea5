// LogFollower: mirrors one stream of a peer cairnd's event log into the local EventLog, without
// ever committing anything unverified (docs/eventlog.md, "Peer sync").
//
// Each round: fetch the peer's signed head (GET /v1/log/{stream}/checkpoint) and verify its
// Ed25519 signature; check the local tree against it (a consistency proof from the local size to
// the head's, checked against the local root; a local tree already at or past the head's size
// must have the head's root at that size); then fetch the missing events in batches
// (GET /v1/log/{stream}/sync: events, the root after them and a consistency proof from there to
// the head) and append each batch with EventLog::AppendVerified against that proven root. A
// peer whose history differs from the local one (a fork, a rewritten or tampered log), whose head
// is badly signed or whose batch does not give the proven root is refused: the follower logs it,
// appends nothing, reports the state ("diverged" / "untrusted") and retries later.
//
// The peer's key: the configured verifier keys (log_follow_key, "name+id+base64" as `cairn log
// key` prints it) when there are any: a head must carry a valid signature by one of them.
// Without any, trust on first use: the first time a stream is followed its peer's key is fetched
// (GET /v1/log/{stream}/key), the head is checked against it and it is pinned into
// `pin_dir/<stream>.vkey`; every later head, across restarts, must verify with the pinned key.
// Delete that file to trust a new key.
//
// Thread safety: Start/Stop from one thread; state() from any.
#ifndef CAIRN_FACES_EVENTLOG_LOG_FOLLOWER_H_
#define CAIRN_FACES_EVENTLOG_LOG_FOLLOWER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.h"
#include "models/eventlog/signed_note.h"

namespace cairn::core {
class Env;
}
namespace cairn::eventlog {
class EventLog;
}

namespace cairn::eventlog_face {

// What to follow: "http://host:port/stream" (or "http://host:port/v1/log/stream").
struct FollowTarget {
  std::string base;    // "http://host:port"
  std::string stream;  // the peer's stream, mirrored under the same name
  std::string Url() const { return base + "/" + stream; }
};
// Errors: kInvalidArgument (not http://, no stream, a bad stream name).
Result<FollowTarget> ParseFollowTarget(std::string_view spec);

struct LogFollowerOptions {
  eventlog::EventLog* log = nullptr;          // required; must outlive the follower
  core::Env* env = nullptr;                   // required (the pin file)
  std::vector<eventlog::VerifierKey> keys;    // trusted peer keys; empty: pin on first use
  std::string pin_dir;                        // where pinned keys live (created when needed)
  std::chrono::milliseconds poll{200};        // between rounds when caught up
  std::chrono::milliseconds retry{2000};      // after a failed round
  uint64_t batch_bytes = 8ull << 20;          // event bytes asked for per sync batch
  std::chrono::milliseconds timeout{60'000};  // per HTTP exchange
};

struct FollowerState {
  std::string url;
  std::string stream;
  std::string state = "starting";  // following, syncing, waiting, unreachable, diverged, untrusted
  std::string error;               // the last failure
  uint64_t local_size = 0;
  uint64_t peer_size = 0;  // the last verified head's size
  uint64_t events_synced = 0;
  uint64_t refused = 0;  // rounds that refused the peer (diverged / untrusted)
};

class LogFollower {
 public:
  LogFollower(FollowTarget target, LogFollowerOptions options);
  ~LogFollower();  // Stop()
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  // Starts the background thread (rounds until Stop).
  void Start();
  // Stops it, waiting for the round in flight (bounded by options.timeout). Idempotent.
  void Stop();

  // One round: returns once the local stream reached the head fetched at its start. Errors:
  // kUnavailable (peer unreachable or answering errors), kUnauthenticated (head not signed by the
  // trusted key), kDataLoss (the peer's history differs from ours; nothing was appended),
  // kFailedPrecondition (something else appended to the local stream), model errors.
  Status SyncOnce();

  FollowerState state() const;

 private:
  Result<eventlog::VerifierKey> TrustedKey(std::string_view note);
  Result<std::string> Get(const std::string& path, std::string_view want_type);
  void Loop();
  void SetState(std::string state, std::string error = {});

  const FollowTarget target_;
  const LogFollowerOptions options_;
  std::optional<eventlog::VerifierKey> pinned_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;    // guarded by mutex_
  FollowerState state_;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace cairn::eventlog_face

#endif  // CAIRN_FACES_EVENTLOG_LOG_FOLLOWER_H_
