// The mailbox's on-disk encodings in the metadata store's `mailbox` column family (documented in
// docs/mailbox.md). Four key spaces, told apart by their first byte:
//
//   'm' account(33) ns(2) seq(8)          -> message record (timestamp, expiry, hash, data)
//   'h' account(33) hash                  -> ns(2) seq(8): where the message with that hash is
//   'x' expiry(8) account(33) ns(2) seq(8) -> "" : the sweep's expiry index
//   'r' account(33) token(36)             -> seq u64 LE: a revoked subaccount token (recency)
//   's'                                   -> u64 LE: sequence numbers reserved so far
//
// Integers inside keys are big-endian so that byte order is numeric order; the namespace has its
// sign bit flipped (int16 -32768..32767 -> 0x0000..0xffff). Values use little-endian, like every
// other cairn format.
//
// Thread safety: pure functions.
#ifndef CAIRN_MODELS_MAILBOX_INTERNAL_MAILBOX_FORMAT_H_
#define CAIRN_MODELS_MAILBOX_INTERNAL_MAILBOX_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cairn::mailbox::internal {

inline constexpr char kMessageTag = 'm';
inline constexpr char kHashTag = 'h';
inline constexpr char kExpiryTag = 'x';
inline constexpr char kRevokedTag = 'r';
inline constexpr std::string_view kSequenceKey = "s";

inline constexpr size_t kAccountBytes = 33;
// ns(2) seq(8): the part of a message key after the account, also the value of a hash entry.
inline constexpr size_t kLocationBytes = 10;
inline constexpr size_t kMessageKeyBytes = 1 + kAccountBytes + kLocationBytes;
inline constexpr size_t kExpiryKeyBytes = 1 + 8 + kAccountBytes + kLocationBytes;

// Where a message lives inside its account.
struct Location {
  int16_t ns = 0;
  uint64_t seq = 0;
};

// `account` is the 33 raw bytes in all of these.
std::string EncodeLocation(const Location& loc);
// Errors: kDataLoss (wrong size).
Result<Location> DecodeLocation(std::string_view bytes);

std::string AccountPrefix(std::string_view account);                // 'm' account
std::string NamespacePrefix(std::string_view account, int16_t ns);  // 'm' account ns
std::string MessageKey(std::string_view account, const Location& loc);
std::string HashKey(std::string_view account, std::string_view hash);
std::string ExpiryKey(int64_t expiry_ms, std::string_view account, const Location& loc);
std::string RevokedPrefix(std::string_view account);  // 'r' account
std::string RevokedKey(std::string_view account, std::string_view token);

// A decoded message key.
struct MessageKeyParts {
  std::string_view account;  // points into the key
  Location loc;
};
// Errors: kDataLoss.
Result<MessageKeyParts> ParseMessageKey(std::string_view key);

struct ExpiryKeyParts {
  int64_t expiry_ms = 0;
  std::string_view account;  // points into the key
  Location loc;
};
// Errors: kDataLoss.
Result<ExpiryKeyParts> ParseExpiryKey(std::string_view key);

// Message record: version u8 (1), timestamp u64, expiry u64, hash length u8, hash, data (the
// rest of the value).
struct Record {
  int64_t timestamp_ms = 0;
  int64_t expiry_ms = 0;
  std::string hash;
  std::string data;
};
std::string EncodeRecord(int64_t timestamp_ms, int64_t expiry_ms, std::string_view hash,
                         std::string_view data);
// Errors: kDataLoss (unknown version, truncated).
Result<Record> DecodeRecord(std::string_view value);

}  // namespace cairn::mailbox::internal

#endif  // CAIRN_MODELS_MAILBOX_INTERNAL_MAILBOX_FORMAT_H_
