#include "faces/eventlog/log_follower.h"

#include <spdlog/spdlog.h>

#include <future>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/env/env.h"
#include "faces/eventlog/log_codec.h"
#include "models/eventlog/event_log.h"
#include "net/http_client.h"

namespace cairn::eventlog_face {

namespace {

using json = nlohmann::json;
using eventlog::EventLog;

std::string MediaType(std::string_view content_type) {
  return std::string(content_type.substr(0, content_type.find(';')));
}

// The hashes of a JSON proof array.
Result<std::vector<Hash>> ProofFromJson(const json& j) {
  if (!j.is_array()) return InvalidArgumentError("proof: not an array");
  std::vector<Hash> out;
  for (const json& h : j) {
    if (!h.is_string()) return InvalidArgumentError("proof: not a base64 string");
    CAIRN_ASSIGN_OR_RETURN(Hash hash, HashFromBase64(h.get<std::string>()));
    out.push_back(hash);
  }
  return out;
}

}  // namespace

Result<FollowTarget> ParseFollowTarget(std::string_view spec) {
  CAIRN_ASSIGN_OR_RETURN(net::HttpUrl url, net::ParseHttpUrl(spec));
  std::string_view target = url.target;
  target = target.substr(0, target.find('?'));
  while (!target.empty() && target.back() == '/') target.remove_suffix(1);
  constexpr std::string_view kPrefix = "/v1/log/";
  if (target.substr(0, kPrefix.size()) == kPrefix) target.remove_prefix(kPrefix.size() - 1);
  if (target.size() < 2 || target.find('/', 1) != std::string_view::npos) {
    return InvalidArgumentError("log_follow: expected http://host:port/stream, got \"" +
                                std::string(spec) + "\"");
  }
  FollowTarget t;
  t.stream = std::string(target.substr(1));
  if (!EventLog::IsValidStreamName(t.stream)) {
    return InvalidArgumentError("log_follow: bad stream name in \"" + std::string(spec) + "\"");
  }
  t.base = "http://" + url.host + ":" + url.port;
  return t;
}

LogFollower::LogFollower(FollowTarget target, LogFollowerOptions options)
    : target_(std::move(target)), options_(std::move(options)) {
  state_.url = target_.Url();
  state_.stream = target_.stream;
}

LogFollower::~LogFollower() { Stop(); }

void LogFollower::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void LogFollower::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

FollowerState LogFollower::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

void LogFollower::SetState(std::string state, std::string error) {
  std::lock_guard<std::mutex> lock(mutex_);
  state_.state = std::move(state);
  if (!error.empty()) state_.error = std::move(error);
}

void LogFollower::Loop() {
  std::string last_error;
  for (;;) {
    Status s = SyncOnce();
    std::chrono::milliseconds wait = options_.poll;
    if (!s.ok()) {
      wait = options_.retry;
      const bool refused = s.code() == StatusCode::kDataLoss ||
                           s.code() == StatusCode::kUnauthenticated ||
                           s.code() == StatusCode::kFailedPrecondition;
      const std::string state = s.code() == StatusCode::kDataLoss             ? "diverged"
                                : s.code() == StatusCode::kUnauthenticated    ? "untrusted"
                                : s.code() == StatusCode::kFailedPrecondition ? "conflict"
                                                                              : "unreachable";
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (refused) ++state_.refused;
      }
      SetState(state, s.ToString());
      // Log each new failure once (a refused peer stays refused round after round).
      if (s.ToString() != last_error) {
        if (refused) {
          spdlog::error("eventlog: follow {}: peer REFUSED ({}), nothing appended: {}",
                        target_.Url(), state, s.ToString());
        } else {
          spdlog::warn("eventlog: follow {}: {}", target_.Url(), s.ToString());
        }
        last_error = s.ToString();
      }
    } else {
      last_error.clear();
    }
    std::unique_lock<std::mutex> lock(mutex_);
    if (cv_.wait_for(lock, wait, [this] { return stop_; })) return;
  }
}

Result<std::string> LogFollower::Get(const std::string& path, std::string_view want_type) {
  net::HttpClientOptions o;
  o.timeout = options_.timeout;
  o.max_body_bytes = options_.batch_bytes * 2 + (16u << 20);
  const std::string url = target_.base + path;
  CAIRN_ASSIGN_OR_RETURN(net::HttpClientResponse r, net::HttpGet(url, o));
  if (r.status == 404) return NotFoundError("GET " + url + ": 404 " + r.body.substr(0, 200));
  if (r.status != 200) {
    return UnavailableError("GET " + url + ": HTTP " + std::to_string(r.status) + " " +
                            r.body.substr(0, 200));
  }
  if (!want_type.empty() && MediaType(r.header("Content-Type").value_or("")) != want_type) {
    return UnavailableError("GET " + url + ": unexpected Content-Type");
  }
  return std::move(r.body);
}

Result<eventlog::VerifierKey> LogFollower::TrustedKey(std::string_view note) {
  if (!options_.keys.empty()) {
    for (const auto& k : options_.keys) {
      if (eventlog::OpenCheckpoint(note, k.key, k.name).ok()) return k;
    }
    return UnauthenticatedError("the head of " + target_.Url() +
                                " carries no valid signature by a configured log_follow_key");
  }
  if (pinned_) return *pinned_;
  const std::string pin = core::JoinPath(options_.pin_dir, target_.stream + ".vkey");
  if (options_.env->FileExists(pin)) {
    CAIRN_ASSIGN_OR_RETURN(std::string text, core::ReadFileToString(options_.env, pin));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    CAIRN_ASSIGN_OR_RETURN(eventlog::VerifierKey key, eventlog::ParseVerifierKey(text));
    pinned_ = key;
    return key;
  }
  // Trust on first use: the peer's key, pinned once its head verifies with it.
  CAIRN_ASSIGN_OR_RETURN(std::string body,
                         Get("/v1/log/" + target_.stream + "/key", "application/json"));
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("verifier_key") || !j["verifier_key"].is_string()) {
    return UnavailableError("GET " + target_.Url() + " key: not a key document");
  }
  CAIRN_ASSIGN_OR_RETURN(eventlog::VerifierKey key,
                         eventlog::ParseVerifierKey(j["verifier_key"].get<std::string>()));
  Status opened = eventlog::OpenCheckpoint(note, key.key, key.name).status();
  if (!opened.ok()) {
    return UnauthenticatedError("the head of " + target_.Url() +
                                " does not verify with the key it serves: " + opened.ToString());
  }
  CAIRN_RETURN_IF_ERROR(core::CreateDirs(options_.env, options_.pin_dir));
  const std::string text = j["verifier_key"].get<std::string>() + "\n";
  CAIRN_RETURN_IF_ERROR(core::WriteFileAtomically(options_.env, pin, AsBytes(text)));
  spdlog::warn("eventlog: follow {}: trusting the peer's key on first use, pinned into {}: {}",
               target_.Url(), pin, j["verifier_key"].get<std::string>());
  pinned_ = key;
  return key;
}

Status LogFollower::SyncOnce() {
  EventLog* log = options_.log;
  const std::string& stream = target_.stream;
  const std::string base = "/v1/log/" + stream;
  Result<std::string> note = Get(base + "/checkpoint", "text/plain");
  if (!note.ok() && note.status().code() == StatusCode::kNotFound) {
    SetState("waiting", "the peer has no stream '" + stream + "' yet");
    return Status();
  }
  CAIRN_RETURN_IF_ERROR(note.status());
  CAIRN_ASSIGN_OR_RETURN(eventlog::VerifierKey key, TrustedKey(*note));
  Result<eventlog::Checkpoint> cp = eventlog::OpenCheckpoint(*note, key.key, key.name);
  if (!cp.ok()) {
    return UnauthenticatedError("the head of " + target_.Url() +
                                " does not verify: " + cp.status().ToString());
  }
  const uint64_t head = cp->size;
  const Hash& head_root = cp->root;

  uint64_t have = 0;
  if (Result<uint64_t> size = log->Size(stream); size.ok()) {
    have = *size;
  } else if (size.status().code() != StatusCode::kNotFound) {
    return size.status();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_.local_size = have;
    state_.peer_size = head;
  }
  // Our tree must be a prefix of the peer's (or the peer's of ours).
  if (have >= head) {
    CAIRN_ASSIGN_OR_RETURN(Hash ours, log->Root(stream, head));
    if (ours != head_root) {
      return DataLossError("the peer's signed head at size " + std::to_string(head) +
                           " has another root than our stream: the histories differ");
    }
    SetState(have == head ? "following" : "ahead");
    return Status();
  }
  if (have > 0) {
    CAIRN_ASSIGN_OR_RETURN(std::string body,
                           Get(base + "/proof/consistency?first=" + std::to_string(have) +
                                   "&second=" + std::to_string(head),
                               "application/json"));
    json j = json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("proof")) {
      return UnavailableError("consistency proof from " + target_.Url() + ": not a proof document");
    }
    CAIRN_ASSIGN_OR_RETURN(std::vector<Hash> proof, ProofFromJson(j["proof"]));
    CAIRN_ASSIGN_OR_RETURN(Hash ours, log->Root(stream, have));
    Status consistent = eventlog::VerifyConsistency(have, head, ours, head_root, proof);
    if (!consistent.ok()) {
      return DataLossError("the peer's head (size " + std::to_string(head) +
                           ") is not consistent with our stream at size " + std::to_string(have) +
                           ": " + consistent.ToString());
    }
  }
  SetState("syncing");
  // The next batch is fetched (and decoded) while the current one is verified and appended.
  auto fetch = [this, base, head](uint64_t start) {
    return std::async(std::launch::async, [this, base, head, start]() -> Result<SyncBatch> {
      CAIRN_ASSIGN_OR_RETURN(
          std::string body,
          Get(base + "/sync?start=" + std::to_string(start) + "&head=" + std::to_string(head) +
                  "&max_bytes=" + std::to_string(options_.batch_bytes),
              kSyncType));
      Result<SyncBatch> batch = DecodeSyncBatch(body);
      if (!batch.ok()) return UnavailableError("sync batch: " + batch.status().ToString());
      return batch;
    });
  };
  std::future<Result<SyncBatch>> next;
  if (have < head) next = fetch(have);
  std::vector<ByteSpan> spans;
  while (have < head) {
    Result<SyncBatch> batch = next.get();
    CAIRN_RETURN_IF_ERROR(batch.status());
    if (batch->start != have || batch->head_size != head || batch->events.empty()) {
      return UnavailableError("sync batch from " + target_.Url() + " is not the one asked for");
    }
    const uint64_t end = have + batch->events.size();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) return Status();
    }
    if (end < head) next = fetch(end);
    // The batch's root is proven by the signed head before any event is trusted.
    if (end < head) {
      Status proven =
          eventlog::VerifyConsistency(end, head, batch->end_root, head_root, batch->proof);
      if (!proven.ok()) {
        return DataLossError("sync batch root at size " + std::to_string(end) +
                             " is not consistent with the signed head: " + proven.ToString());
      }
    } else if (batch->end_root != head_root) {
      return DataLossError("sync batch root differs from the signed head's");
    }
    spans.clear();
    for (const std::string& e : batch->events) spans.push_back(AsBytes(e));
    Result<uint64_t> appended = log->AppendVerified(stream, have, spans, batch->end_root);
    if (!appended.ok()) {
      if (appended.status().code() == StatusCode::kInvalidArgument) {
        return DataLossError("the peer's events [" + std::to_string(have) + ", " +
                             std::to_string(end) +
                             ") do not give its proven root: " + appended.status().ToString());
      }
      return appended.status();
    }
    have = end;
    std::lock_guard<std::mutex> lock(mutex_);
    state_.local_size = have;
    state_.events_synced += batch->events.size();
  }
  SetState("following");
  return Status();
}

}  // namespace cairn::eventlog_face
