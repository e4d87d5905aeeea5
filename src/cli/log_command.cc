#include "cli/log_command.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "faces/eventlog/log_codec.h"
#include "models/eventlog/proofs.h"
#include "models/eventlog/signed_note.h"
#include "net/http_client.h"

namespace cairn::cli {

namespace {

using json = nlohmann::json;
using eventlog::Hash;

struct Failure {
  int code;
  std::string message;
};

std::string BaseUrl(const std::string& api) {
  std::string url = api.find("://") == std::string::npos ? "http://" + api : api;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

bool ReadInput(const std::string& path, std::string* out) {
  if (path == "-") {
    out->assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

// Sends the request; the body of a 200 answer, else a Failure with the server's message.
Result<std::string> Call(const LogCliOptions& o, const std::string& method, const std::string& path,
                         const std::string& body = {}, const std::string& type = {}) {
  net::HttpClientOptions ho;
  ho.timeout = std::chrono::seconds(o.timeout_s);
  CAIRN_ASSIGN_OR_RETURN(net::HttpClientResponse r,
                         net::HttpFetch(method, BaseUrl(o.api) + path, body, type, ho));
  if (r.status != 200) {
    json j = json::parse(r.body, nullptr, false);
    std::string msg =
        j.is_object() && j.contains("error") ? j["error"].value("message", r.body) : r.body;
    return UnavailableError("HTTP " + std::to_string(r.status) + ": " + msg);
  }
  return std::move(r.body);
}

std::vector<Hash> Hashes(const json& j) {
  std::vector<Hash> out;
  for (const auto& h : j)
    out.push_back(eventlog_face::HashFromBase64(h.get<std::string>()).value());
  return out;
}

// A signed head from a file: the note itself, or the /head JSON holding it.
Result<eventlog::Checkpoint> OpenHead(const std::string& path, const eventlog::VerifierKey& key) {
  std::string text;
  if (!ReadInput(path, &text)) return InvalidArgumentError("cannot read " + path);
  if (!text.empty() && text.front() == '{') {
    json j = json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("note")) return InvalidArgumentError(path + ": no note");
    text = j["note"].get<std::string>();
  }
  return eventlog::OpenCheckpoint(text, key.key, key.name);
}

int Verify(const LogCliOptions& o, std::FILE* out, std::FILE* err) {
  auto key = eventlog::ParseVerifierKey(o.key);
  if (!key.ok()) {
    std::fprintf(err, "cairn log verify: --key: %s\n", key.status().ToString().c_str());
    return 2;
  }
  auto head = OpenHead(o.head, *key);
  if (!head.ok()) {
    std::fprintf(err, "cairn log verify: head NOT verified: %s\n",
                 head.status().ToString().c_str());
    return 1;
  }
  std::fprintf(out, "head: %s size %llu root %s: signature OK\n", head->origin.c_str(),
               static_cast<unsigned long long>(head->size),
               eventlog_face::HashBase64(head->root).c_str());
  if (o.proof.empty()) return 0;
  std::string text;
  if (!ReadInput(o.proof, &text)) {
    std::fprintf(err, "cairn log verify: cannot read %s\n", o.proof.c_str());
    return 2;
  }
  try {
    json p = json::parse(text);
    const std::string type = p.value("type", "");
    Status s;
    if (type == "inclusion") {
      const uint64_t index = p["index"], size = p["size"];
      if (size != head->size) {
        std::fprintf(err, "cairn log verify: the proof is for size %llu, the head's is %llu\n",
                     static_cast<unsigned long long>(size),
                     static_cast<unsigned long long>(head->size));
        return 1;
      }
      Hash leaf;
      if (!o.event.empty()) {
        std::string bytes;
        if (!ReadInput(o.event, &bytes)) {
          std::fprintf(err, "cairn log verify: cannot read %s\n", o.event.c_str());
          return 2;
        }
        leaf = eventlog::EventLeafHash(AsBytes(bytes));
      } else {
        leaf = eventlog_face::HashFromBase64(p["leaf_hash"].get<std::string>()).value();
        std::fprintf(out, "(no --event: checking the proof's leaf hash)\n");
      }
      s = eventlog::VerifyInclusion(index, size, leaf, Hashes(p["proof"]), head->root);
      if (s.ok()) {
        std::fprintf(out, "inclusion of event %llu in the head: OK\n",
                     static_cast<unsigned long long>(index));
      }
    } else if (type == "consistency") {
      const uint64_t first = p["first"], second = p["second"];
      if (o.old_head.empty()) {
        std::fprintf(err, "cairn log verify: a consistency proof needs --old-head\n");
        return 2;
      }
      auto old = OpenHead(o.old_head, *key);
      if (!old.ok()) {
        std::fprintf(err, "cairn log verify: old head NOT verified: %s\n",
                     old.status().ToString().c_str());
        return 1;
      }
      if (old->size != first || head->size != second) {
        std::fprintf(err,
                     "cairn log verify: the proof is for sizes %llu -> %llu, the heads are "
                     "%llu -> %llu\n",
                     static_cast<unsigned long long>(first),
                     static_cast<unsigned long long>(second),
                     static_cast<unsigned long long>(old->size),
                     static_cast<unsigned long long>(head->size));
        return 1;
      }
      s = eventlog::VerifyConsistency(first, second, old->root, head->root, Hashes(p["proof"]));
      if (s.ok()) {
        std::fprintf(out, "consistency %llu -> %llu: OK\n", static_cast<unsigned long long>(first),
                     static_cast<unsigned long long>(second));
      }
    } else {
      std::fprintf(err, "cairn log verify: %s is not a proof document\n", o.proof.c_str());
      return 2;
    }
    if (!s.ok()) {
      std::fprintf(err, "cairn log verify: proof NOT verified: %s\n", s.ToString().c_str());
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(err, "cairn log verify: malformed proof document: %s\n", e.what());
    return 2;
  }
}

}  // namespace

int RunLog(LogAction action, const LogCliOptions& o, std::FILE* out, std::FILE* err) {
  if (action == LogAction::kVerify) return Verify(o, out, err);
  if (!net::ParseHttpUrl(BaseUrl(o.api)).ok()) {
    std::fprintf(err, "cairn log: bad --api URL %s\n", o.api.c_str());
    return 2;
  }
  const std::string base = "/v1/log/" + o.stream;
  try {
    Result<std::string> body = UnknownError("");
    switch (action) {
      case LogAction::kAppend: {
        std::vector<std::string> events = o.events;
        if (events.empty()) {
          std::string in;
          ReadInput("-", &in);
          if (o.lines) {
            std::istringstream s(in);
            for (std::string line; std::getline(s, line);) events.push_back(line);
          } else {
            events.push_back(std::move(in));
          }
        }
        if (events.empty()) {
          std::fprintf(err, "cairn log append: no events\n");
          return 2;
        }
        body = Call(o, "POST", base + "/append", eventlog_face::EncodeEventsBody(events),
                    std::string(eventlog_face::kEventsType));
        if (body.ok()) {
          json j = json::parse(*body);
          std::fprintf(out, "appended %llu events at index %llu (size %llu)\n",
                       j["count"].get<unsigned long long>(),
                       j["first_index"].get<unsigned long long>(),
                       j["size"].get<unsigned long long>());
        }
        break;
      }
      case LogAction::kTail: {
        uint64_t start = 0;
        if (o.start) {
          start = *o.start;
        } else {
          Result<std::string> head = Call(o, "GET", base + "/events?count=0");
          if (!head.ok()) {
            body = head;
            break;
          }
          uint64_t size = json::parse(*head)["size"];
          start = size > o.count ? size - o.count : 0;
        }
        uint64_t left = o.count;
        while (left > 0) {
          body = Call(
              o, "GET",
              base + "/events?start=" + std::to_string(start) + "&count=" + std::to_string(left));
          if (!body.ok()) break;
          json j = json::parse(*body);
          if (j["events"].empty()) break;
          for (const auto& e : j["events"]) {
            std::string text = e.get<std::string>();
            if (!o.base64) text = eventlog_face::Base64Decode(text).value();
            std::fwrite(text.data(), 1, text.size(), out);
            std::fputc('\n', out);
          }
          left -= std::min<uint64_t>(left, j["count"].get<uint64_t>());
          start = j["next"];
        }
        break;
      }
      case LogAction::kHead:
        body = Call(o, "GET", base + (o.json ? "/head" : "/checkpoint"));
        if (body.ok()) std::fputs(body->c_str(), out);
        break;
      case LogAction::kProve: {
        std::string path;
        if (o.index) {
          path = base + "/proof/inclusion?index=" + std::to_string(*o.index) +
                 (o.size ? "&size=" + std::to_string(*o.size) : "");
        } else if (o.first) {
          path = base + "/proof/consistency?first=" + std::to_string(*o.first) +
                 (o.second ? "&second=" + std::to_string(*o.second) : "");
        } else {
          std::fprintf(err, "cairn log prove: give --index (inclusion) or --first (consistency)\n");
          return 2;
        }
        body = Call(o, "GET", path);
        if (body.ok()) std::fputs(body->c_str(), out);
        break;
      }
      case LogAction::kKey:
        body = Call(o, "GET", base + "/key");
        if (body.ok()) {
          std::fprintf(out, "%s\n", json::parse(*body)["verifier_key"].get<std::string>().c_str());
        }
        break;
      case LogAction::kVerify:
        break;
    }
    if (!body.ok()) {
      std::fprintf(err, "cairn log: %s\n", body.status().ToString().c_str());
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(err, "cairn log: unexpected answer: %s\n", e.what());
    return 1;
  }
}

}  // namespace cairn::cli
