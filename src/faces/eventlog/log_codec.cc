#include "faces/eventlog/log_codec.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

namespace cairn::eventlog_face {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kSyncMagic = "CSB1";
constexpr size_t kSyncHeaderBytes = 4 + 8 + 8 + 4 + 4 + 32;

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

void PutU32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Reads big-endian integers and byte strings from a bounded input.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U32(uint32_t* v) {
    if (in_.size() < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) *v = (*v << 8) | static_cast<uint8_t>(in_[i]);
    in_.remove_prefix(4);
    return true;
  }
  bool U64(uint64_t* v) {
    if (in_.size() < 8) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i) *v = (*v << 8) | static_cast<uint8_t>(in_[i]);
    in_.remove_prefix(8);
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (in_.size() < n) return false;
    *out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  size_t left() const { return in_.size(); }

 private:
  std::string_view in_;
};

std::string MediaType(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  std::string out(t);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<AppendRequest> ParseJsonBatch(std::string_view body, uint64_t max_event_bytes,
                                     uint64_t max_events) {
  using json = nlohmann::json;
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgumentError("append body: expected a JSON object {\"events\": [base64...]}");
  }
  auto events = doc.find("events");
  if (events == doc.end() || !events->is_array()) {
    return InvalidArgumentError("append body: \"events\" must be an array of base64 strings");
  }
  if (events->empty()) return InvalidArgumentError("append body: no events");
  if (events->size() > max_events) {
    return InvalidArgumentError("append body: more than " + std::to_string(max_events) + " events");
  }
  AppendRequest req;
  req.events.reserve(events->size());
  for (const json& e : *events) {
    if (!e.is_string()) return InvalidArgumentError("append body: events must be base64 strings");
    const std::string& text = e.get_ref<const std::string&>();
    if (text.size() / 4 * 3 > max_event_bytes + 2) {
      return InvalidArgumentError("append body: an event is larger than " +
                                  std::to_string(max_event_bytes) + " bytes");
    }
    CAIRN_ASSIGN_OR_RETURN(std::string event, Base64Decode(text));
    if (event.size() > max_event_bytes) {
      return InvalidArgumentError("append body: an event is larger than " +
                                  std::to_string(max_event_bytes) + " bytes");
    }
    req.events.push_back(std::move(event));
  }
  if (auto it = doc.find("expected_size"); it != doc.end()) {
    if (!it->is_number_unsigned()) {
      return InvalidArgumentError("append body: \"expected_size\" must be a non-negative integer");
    }
    req.expected_size = it->get<uint64_t>();
  }
  return req;
}

Result<AppendRequest> ParseBinaryBatch(std::string_view body, uint64_t max_event_bytes,
                                       uint64_t max_events) {
  AppendRequest req;
  Reader r(body);
  while (r.left() > 0) {
    uint32_t n = 0;
    std::string_view event;
    if (!r.U32(&n) || !r.Bytes(n, &event)) {
      return InvalidArgumentError("append body: truncated event framing");
    }
    if (n > max_event_bytes) {
      return InvalidArgumentError("append body: an event is larger than " +
                                  std::to_string(max_event_bytes) + " bytes");
    }
    if (req.events.size() >= max_events) {
      return InvalidArgumentError("append body: more than " + std::to_string(max_events) +
                                  " events");
    }
    req.events.emplace_back(event);
  }
  if (req.events.empty()) return InvalidArgumentError("append body: no events");
  return req;
}

}  // namespace

std::string Base64Encode(ByteSpan bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = uint32_t{bytes[i]} << 16;
    if (rest == 2) v |= uint32_t{bytes[i + 1]} << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return InvalidArgumentError("bad base64: length not a multiple of 4");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return InvalidArgumentError("bad base64: data after padding");
      v[k] = Base64Value(c);
      if (v[k] < 0) return InvalidArgumentError("bad base64: invalid character");
    }
    uint32_t w =
        (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out.push_back(static_cast<char>(w >> 16));
    if (pad < 2) out.push_back(static_cast<char>((w >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(w & 0xff));
    // Canonical: the bits the padding hides are zero.
    if ((pad == 1 && (w & 0xff) != 0) || (pad == 2 && (w & 0xffff) != 0)) {
      return InvalidArgumentError("bad base64: not canonical");
    }
  }
  return out;
}

std::string HashBase64(const Hash& h) { return Base64Encode(ByteSpan(h.data(), h.size())); }

Result<Hash> HashFromBase64(std::string_view text) {
  CAIRN_ASSIGN_OR_RETURN(std::string raw, Base64Decode(text));
  if (raw.size() != 32) return InvalidArgumentError("a hash must be 32 bytes of base64");
  Hash h;
  std::memcpy(h.data(), raw.data(), 32);
  return h;
}

Result<std::map<std::string, std::string, std::less<>>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string, std::less<>> out;
  auto decode = [](std::string_view in, std::string* s) {
    s->clear();
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] == '+') {
        s->push_back(' ');
      } else if (in[i] == '%') {
        if (i + 2 >= in.size()) return false;
        auto hex = [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                 : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                 : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                             : -1;
        };
        int hi = hex(in[i + 1]);
        int lo = hex(in[i + 2]);
        if (hi < 0 || lo < 0) return false;
        s->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
      } else {
        s->push_back(in[i]);
      }
    }
    return true;
  };
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string key;
    std::string value;
    if (!decode(item.substr(0, eq), &key) ||
        (eq != std::string_view::npos && !decode(item.substr(eq + 1), &value))) {
      return InvalidArgumentError("bad %-escape in the query string");
    }
    out[key] = std::move(value);
  }
  return out;
}

Result<uint64_t> ParseU64(std::string_view text, std::string_view what) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) {
    return InvalidArgumentError(std::string(what) + ": expected a non-negative integer, got \"" +
                                std::string(text.substr(0, 40)) + "\"");
  }
  return v;
}

Result<AppendRequest> ParseAppendBody(std::string_view content_type, std::string_view body,
                                      uint64_t max_event_bytes, uint64_t max_events) {
  const std::string type = MediaType(content_type);
  if (type == kJsonType) return ParseJsonBatch(body, max_event_bytes, max_events);
  if (type == kEventsType) return ParseBinaryBatch(body, max_event_bytes, max_events);
  if (body.size() > max_event_bytes) {
    return InvalidArgumentError("the event is larger than " + std::to_string(max_event_bytes) +
                                " bytes");
  }
  AppendRequest req;
  req.events.emplace_back(body);
  return req;
}

std::string EncodeEventsBody(const std::vector<std::string>& events) {
  size_t total = 0;
  for (const auto& e : events) total += 4 + e.size();
  std::string out;
  out.reserve(total);
  for (const auto& e : events) {
    PutU32(&out, static_cast<uint32_t>(e.size()));
    out += e;
  }
  return out;
}

std::string EncodeSyncBatch(const SyncBatch& b) {
  size_t total = kSyncHeaderBytes + 32 * b.proof.size();
  for (const auto& e : b.events) total += 4 + e.size();
  std::string out;
  out.reserve(total);
  out += kSyncMagic;
  PutU64(&out, b.start);
  PutU64(&out, b.head_size);
  PutU32(&out, static_cast<uint32_t>(b.events.size()));
  PutU32(&out, static_cast<uint32_t>(b.proof.size()));
  out.append(reinterpret_cast<const char*>(b.end_root.data()), 32);
  for (const Hash& h : b.proof) out.append(reinterpret_cast<const char*>(h.data()), 32);
  for (const auto& e : b.events) {
    PutU32(&out, static_cast<uint32_t>(e.size()));
    out += e;
  }
  return out;
}

Result<SyncBatch> DecodeSyncBatch(std::string_view body) {
  if (body.size() < kSyncHeaderBytes || body.substr(0, 4) != kSyncMagic) {
    return InvalidArgumentError("sync batch: bad magic or truncated header");
  }
  Reader r(body.substr(4));
  SyncBatch b;
  uint32_t count = 0;
  uint32_t proof = 0;
  std::string_view root;
  r.U64(&b.start);
  r.U64(&b.head_size);
  r.U32(&count);
  r.U32(&proof);
  r.Bytes(32, &root);
  std::memcpy(b.end_root.data(), root.data(), 32);
  // A consistency proof has at most about 2 log2(n) hashes; each event takes 4 bytes at least.
  if (proof > 128 || r.left() < 32ull * proof + 4ull * count) {
    return InvalidArgumentError("sync batch: counts do not fit the body");
  }
  if (b.start > b.head_size || count > b.head_size - b.start) {
    return InvalidArgumentError("sync batch: events beyond the head");
  }
  b.proof.resize(proof);
  for (Hash& h : b.proof) {
    std::string_view raw;
    r.Bytes(32, &raw);
    std::memcpy(h.data(), raw.data(), 32);
  }
  b.events.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t n = 0;
    std::string_view event;
    if (!r.U32(&n) || !r.Bytes(n, &event)) {
      return InvalidArgumentError("sync batch: truncated event");
    }
    b.events.emplace_back(event);
  }
  if (r.left() != 0) return InvalidArgumentError("sync batch: trailing bytes");
  return b;
}

}  // namespace cairn::eventlog_face
