#include "faces/eventlog/log_api.h"

#include <exception>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "faces/eventlog/log_codec.h"
#include "models/eventlog/event_log.h"

namespace cairn::eventlog_face {

namespace {

using json = nlohmann::json;
using eventlog::EventLog;
using Query = std::map<std::string, std::string, std::less<>>;

constexpr const char* kJson = "application/json";

json HashesJson(const std::vector<Hash>& hashes) {
  json out = json::array();
  for (const Hash& h : hashes) out.push_back(HashBase64(h));
  return out;
}

// The query parameter `name` as a u64; `fallback` when absent (nullopt: required).
Result<uint64_t> QueryU64(const Query& q, std::string_view name,
                          std::optional<uint64_t> fallback = std::nullopt) {
  auto it = q.find(name);
  if (it == q.end()) {
    if (fallback) return *fallback;
    return InvalidArgumentError("missing query parameter '" + std::string(name) + "'");
  }
  return ParseU64(it->second, name);
}

void SetJson(net::HttpResponse* response, const json& j) {
  response->Set(200, kJson, j.dump() + "\n");
}

}  // namespace

int LogApi::HttpStatusFor(StatusCode code) { return net::HttpStatusForStatus(code); }

void LogApi::SetError(const Status& status, net::HttpResponse* response) {
  net::SetJsonError(status, response);
}

void LogApi::SetReadOnly(std::string stream, std::string reason) {
  read_only_[std::move(stream)] = std::move(reason);
}

void LogApi::Handle(const net::HttpRequest& request, net::HttpResponse* response) const {
  try {
    Status s = Dispatch(request, response);
    if (!s.ok()) SetError(s, response);
  } catch (const std::exception& e) {
    SetError(InternalError(std::string("event log API: ") + e.what()), response);
  } catch (...) {
    SetError(InternalError("event log API: unknown exception"), response);
  }
}

Status LogApi::Dispatch(const net::HttpRequest& request, net::HttpResponse* response) const {
  std::string_view path = request.path;
  if (path.substr(0, kLogPathPrefix.size()) != kLogPathPrefix) {
    return NotFoundError("not an event log path");
  }
  path.remove_prefix(kLogPathPrefix.size());
  const bool get = request.method == "GET" || request.method == "HEAD";
  CAIRN_ASSIGN_OR_RETURN(Query q, ParseQuery(request.query));

  if (path.empty() || path == "/") {
    if (!get) {
      SetError(InvalidArgumentError("use GET"), response);
      response->status = 405;
      response->SetHeader("Allow", "GET");
      return Status();
    }
    json streams = json::array();
    for (const auto& info : log_->ListStreams()) {
      streams.push_back({{"name", info.name}, {"size", info.size}});
    }
    SetJson(response, {{"streams", std::move(streams)}});
    return Status();
  }
  if (path.front() != '/') return NotFoundError("no such path");
  path.remove_prefix(1);
  const size_t slash = path.find('/');
  if (slash == std::string_view::npos) {
    return NotFoundError("expected /v1/log/{stream}/{operation}");
  }
  const std::string stream(path.substr(0, slash));
  const std::string_view op = path.substr(slash + 1);
  if (!EventLog::IsValidStreamName(stream)) {
    return InvalidArgumentError(
        "bad stream name (1-128 of [A-Za-z0-9._-], starting with a letter or digit)");
  }
  // A wrong method: 405 with Allow (an OK Status: the answer is set).
  auto not_allowed = [&](const char* want) {
    SetError(InvalidArgumentError(std::string("use ") + want + " for " + std::string(op)),
             response);
    response->status = 405;
    response->SetHeader("Allow", want);
    return Status();
  };

  if (op == "append") {
    if (request.method != "POST") return not_allowed("POST");
    if (auto it = read_only_.find(stream); it != read_only_.end()) {
      return FailedPreconditionError("stream '" + stream + "' is read-only here: " + it->second);
    }
    const std::string content_type(request.header("Content-Type").value_or(""));
    CAIRN_ASSIGN_OR_RETURN(AppendRequest req,
                           ParseAppendBody(content_type, request.body, options_.max_event_bytes));
    eventlog::AppendOptions ao;
    ao.expected_size = req.expected_size;
    CAIRN_ASSIGN_OR_RETURN(uint64_t first, log_->AppendBatch(stream, req.events, ao));
    SetJson(response, {{"stream", stream},
                       {"first_index", first},
                       {"count", req.events.size()},
                       {"size", first + req.events.size()}});
    return Status();
  }
  if (!get) return not_allowed("GET");

  if (op == "events") {
    CAIRN_ASSIGN_OR_RETURN(uint64_t start, QueryU64(q, "start", 0));
    CAIRN_ASSIGN_OR_RETURN(uint64_t count, QueryU64(q, "count", 100));
    count = std::min(count, options_.max_read_events);
    CAIRN_ASSIGN_OR_RETURN(uint64_t size, log_->Size(stream));
    const uint64_t end = start + std::min(count, UINT64_MAX - start);
    CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> events,
                           log_->Read(stream, start, end, options_.max_read_bytes));
    json list = json::array();
    for (const std::string& e : events) list.push_back(Base64Encode(e));
    SetJson(response, {{"stream", stream},
                       {"start", start},
                       {"count", events.size()},
                       {"next", start + events.size()},
                       {"size", size},
                       {"events", std::move(list)}});
    return Status();
  }
  if (op == "head" || op == "checkpoint") {
    CAIRN_ASSIGN_OR_RETURN(eventlog::SignedTreeHead head, log_->SignedHead(stream));
    if (op == "checkpoint") {
      response->Set(200, "text/plain; charset=utf-8", head.note);
      return Status();
    }
    SetJson(response, {{"stream", stream},
                       {"origin", head.origin},
                       {"size", head.size},
                       {"root", HashBase64(head.root)},
                       {"root_hex", HexEncode(ByteSpan(head.root.data(), head.root.size()))},
                       {"timestamp_ns", head.timestamp_ns},
                       {"note", head.note},
                       {"key", log_->VerifierKeyText(stream)}});
    return Status();
  }
  if (op == "key") {
    CAIRN_RETURN_IF_ERROR(log_->Size(stream).status());
    const auto& key = log_->public_key();
    SetJson(response, {{"stream", stream},
                       {"origin", log_->Origin(stream)},
                       {"key_name", log_->KeyName(stream)},
                       {"public_key", HexEncode(ByteSpan(key.data(), key.size()))},
                       {"verifier_key", log_->VerifierKeyText(stream)}});
    return Status();
  }
  if (op == "root") {
    CAIRN_ASSIGN_OR_RETURN(uint64_t current, log_->Size(stream));
    CAIRN_ASSIGN_OR_RETURN(uint64_t size, QueryU64(q, "size", current));
    CAIRN_ASSIGN_OR_RETURN(Hash root, log_->Root(stream, size));
    SetJson(response, {{"stream", stream}, {"size", size}, {"root", HashBase64(root)}});
    return Status();
  }
  if (op == "proof/inclusion") {
    CAIRN_ASSIGN_OR_RETURN(uint64_t current, log_->Size(stream));
    CAIRN_ASSIGN_OR_RETURN(uint64_t index, QueryU64(q, "index"));
    CAIRN_ASSIGN_OR_RETURN(uint64_t size, QueryU64(q, "size", current));
    std::vector<Hash> proof;
    CAIRN_RETURN_IF_ERROR(log_->InclusionProof(stream, index, size, &proof));
    CAIRN_ASSIGN_OR_RETURN(Hash leaf, log_->LeafHash(stream, index));
    CAIRN_ASSIGN_OR_RETURN(Hash root, log_->Root(stream, size));
    SetJson(response, {{"stream", stream},
                       {"type", "inclusion"},
                       {"index", index},
                       {"size", size},
                       {"leaf_hash", HashBase64(leaf)},
                       {"root", HashBase64(root)},
                       {"proof", HashesJson(proof)}});
    return Status();
  }
  if (op == "proof/consistency") {
    CAIRN_ASSIGN_OR_RETURN(uint64_t current, log_->Size(stream));
    CAIRN_ASSIGN_OR_RETURN(uint64_t first, QueryU64(q, "first"));
    CAIRN_ASSIGN_OR_RETURN(uint64_t second, QueryU64(q, "second", current));
    std::vector<Hash> proof;
    CAIRN_RETURN_IF_ERROR(log_->ConsistencyProof(stream, first, second, &proof));
    CAIRN_ASSIGN_OR_RETURN(Hash first_root, log_->Root(stream, first));
    CAIRN_ASSIGN_OR_RETURN(Hash second_root, log_->Root(stream, second));
    SetJson(response, {{"stream", stream},
                       {"type", "consistency"},
                       {"first", first},
                       {"second", second},
                       {"first_root", HashBase64(first_root)},
                       {"second_root", HashBase64(second_root)},
                       {"proof", HashesJson(proof)}});
    return Status();
  }
  if (op == "sync") {
    CAIRN_ASSIGN_OR_RETURN(uint64_t current, log_->Size(stream));
    SyncBatch b;
    CAIRN_ASSIGN_OR_RETURN(b.start, QueryU64(q, "start", 0));
    CAIRN_ASSIGN_OR_RETURN(b.head_size, QueryU64(q, "head", current));
    CAIRN_ASSIGN_OR_RETURN(uint64_t max_bytes, QueryU64(q, "max_bytes", options_.max_sync_bytes));
    max_bytes = std::clamp<uint64_t>(max_bytes, 1, options_.max_sync_bytes);
    if (b.head_size > current) {
      return OutOfRangeError("head " + std::to_string(b.head_size) + " is beyond the stream's " +
                             std::to_string(current) + " events");
    }
    if (b.start > b.head_size) {
      return OutOfRangeError("start " + std::to_string(b.start) + " is beyond head " +
                             std::to_string(b.head_size));
    }
    CAIRN_ASSIGN_OR_RETURN(b.events, log_->Read(stream, b.start, b.head_size, max_bytes));
    const uint64_t end = b.start + b.events.size();
    CAIRN_ASSIGN_OR_RETURN(b.end_root, log_->Root(stream, end));
    if (end > 0 && end < b.head_size) {
      CAIRN_RETURN_IF_ERROR(log_->ConsistencyProof(stream, end, b.head_size, &b.proof));
    }
    response->Set(200, std::string(kSyncType), EncodeSyncBatch(b));
    return Status();
  }
  return NotFoundError("no event log operation '" + std::string(op) + "'");
}

}  // namespace cairn::eventlog_face
