#include "models/mailbox/internal/mailbox_format.h"

#include "core/coding.h"

namespace cairn::mailbox::internal {
namespace {

constexpr uint8_t kRecordVersion = 1;
constexpr size_t kRecordHeaderBytes = 1 + 8 + 8 + 1;

void PutBig16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}
void PutBig64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}
uint16_t GetBig16(std::string_view b) {
  return static_cast<uint16_t>((static_cast<uint8_t>(b[0]) << 8) | static_cast<uint8_t>(b[1]));
}
uint64_t GetBig64(std::string_view b) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return v;
}
void PutLittle64(std::string* out, uint64_t v) {
  char buf[8];
  core::EncodeFixed64(reinterpret_cast<uint8_t*>(buf), v);
  out->append(buf, 8);
}
uint64_t GetLittle64(std::string_view b) {
  return core::DecodeFixed64(reinterpret_cast<const uint8_t*>(b.data()));
}

// Flipping the sign bit maps int16 order onto unsigned byte order.
uint16_t NamespaceBits(int16_t ns) { return static_cast<uint16_t>(ns) ^ 0x8000u; }
int16_t NamespaceFromBits(uint16_t bits) { return static_cast<int16_t>(bits ^ 0x8000u); }

}  // namespace

std::string EncodeLocation(const Location& loc) {
  std::string out;
  out.reserve(kLocationBytes);
  PutBig16(&out, NamespaceBits(loc.ns));
  PutBig64(&out, loc.seq);
  return out;
}

Result<Location> DecodeLocation(std::string_view bytes) {
  if (bytes.size() != kLocationBytes) return DataLossError("mailbox: bad message location");
  return Location{.ns = NamespaceFromBits(GetBig16(bytes)), .seq = GetBig64(bytes.substr(2))};
}

std::string AccountPrefix(std::string_view account) {
  std::string out(1, kMessageTag);
  out.append(account);
  return out;
}

std::string NamespacePrefix(std::string_view account, int16_t ns) {
  std::string out = AccountPrefix(account);
  PutBig16(&out, NamespaceBits(ns));
  return out;
}

std::string MessageKey(std::string_view account, const Location& loc) {
  std::string out = AccountPrefix(account);
  out += EncodeLocation(loc);
  return out;
}

std::string HashKey(std::string_view account, std::string_view hash) {
  std::string out(1, kHashTag);
  out.append(account);
  out.append(hash);
  return out;
}

std::string ExpiryKey(int64_t expiry_ms, std::string_view account, const Location& loc) {
  std::string out(1, kExpiryTag);
  PutBig64(&out, static_cast<uint64_t>(expiry_ms));
  out.append(account);
  out += EncodeLocation(loc);
  return out;
}

std::string RevokedPrefix(std::string_view account) {
  std::string out(1, kRevokedTag);
  out.append(account);
  return out;
}

std::string RevokedKey(std::string_view account, std::string_view token) {
  std::string out = RevokedPrefix(account);
  out.append(token);
  return out;
}

Result<MessageKeyParts> ParseMessageKey(std::string_view key) {
  if (key.size() != kMessageKeyBytes || key[0] != kMessageTag) {
    return DataLossError("mailbox: bad message key");
  }
  CAIRN_ASSIGN_OR_RETURN(Location loc, DecodeLocation(key.substr(1 + kAccountBytes)));
  return MessageKeyParts{.account = key.substr(1, kAccountBytes), .loc = loc};
}

Result<ExpiryKeyParts> ParseExpiryKey(std::string_view key) {
  if (key.size() != kExpiryKeyBytes || key[0] != kExpiryTag) {
    return DataLossError("mailbox: bad expiry key");
  }
  CAIRN_ASSIGN_OR_RETURN(Location loc, DecodeLocation(key.substr(1 + 8 + kAccountBytes)));
  return ExpiryKeyParts{.expiry_ms = static_cast<int64_t>(GetBig64(key.substr(1))),
                        .account = key.substr(1 + 8, kAccountBytes),
                        .loc = loc};
}

std::string EncodeRecord(int64_t timestamp_ms, int64_t expiry_ms, std::string_view hash,
                         std::string_view data) {
  std::string out;
  out.reserve(kRecordHeaderBytes + hash.size() + data.size());
  out.push_back(static_cast<char>(kRecordVersion));
  PutLittle64(&out, static_cast<uint64_t>(timestamp_ms));
  PutLittle64(&out, static_cast<uint64_t>(expiry_ms));
  out.push_back(static_cast<char>(static_cast<uint8_t>(hash.size())));  // callers keep it < 256
  out.append(hash);
  out.append(data);
  return out;
}

Result<Record> DecodeRecord(std::string_view value) {
  if (value.size() < kRecordHeaderBytes || static_cast<uint8_t>(value[0]) != kRecordVersion) {
    return DataLossError("mailbox: bad message record");
  }
  size_t hash_len = static_cast<uint8_t>(value[17]);
  if (value.size() < kRecordHeaderBytes + hash_len) {
    return DataLossError("mailbox: truncated message record");
  }
  Record r;
  r.timestamp_ms = static_cast<int64_t>(GetLittle64(value.substr(1)));
  r.expiry_ms = static_cast<int64_t>(GetLittle64(value.substr(9)));
  r.hash.assign(value.substr(kRecordHeaderBytes, hash_len));
  r.data.assign(value.substr(kRecordHeaderBytes + hash_len));
  return r;
}

}  // namespace cairn::mailbox::internal
