// Ephemeral access tokens: Ed25519-signed grants to read (and optionally write) one object or
// every object under a key prefix until an expiry time, usable without S3 credentials
// (`cairn url create`; served by the S3 face at /api/v1/access/{token}/{key}).
//
// A token is base64url (no padding) of:
//   version u8 (1) | flags u8 (bit 0: write, bit 1: prefix scope) | expiry u64 LE (unix seconds)
//   | bucket length u8 | bucket | key-or-prefix length u16 LE | key-or-prefix
//   | Ed25519 signature (64 bytes) over "cairn-access-token-v1" followed by everything before it.
// The signing key pair lives in the data directory (access-token.key, mode 0600: the 64-byte
// libsodium secret key, hex), created by cairnd on first start.
//
// Thread safety: AccessTokenKey is immutable after Load/Create; its methods may be called
// concurrently.
#ifndef CAIRN_MODELS_OBJECTS_ACCESS_TOKEN_H_
#define CAIRN_MODELS_OBJECTS_ACCESS_TOKEN_H_

#include <array>
#include <cstdint>
#include <string>

#include "core/env/env.h"
#include "core/result.h"

namespace cairn::objects {

struct AccessGrant {
  std::string bucket;
  std::string key;      // the object, or the prefix when `prefix`
  bool prefix = false;  // every key starting with `key`
  bool write = false;   // PUT allowed as well as GET/HEAD
  uint64_t expires_unix = 0;

  // Whether this grant covers `key` for reading (`write` false) or writing.
  bool Allows(const std::string& bucket_name, const std::string& object_key, bool for_write) const;
};

class AccessTokenKey {
 public:
  // Loads DATA_DIR-relative `path`, creating a fresh key pair there (0600) when it is missing
  // and `create` is set. Errors: kNotFound (missing, !create), kDataLoss (malformed file).
  static Result<AccessTokenKey> LoadOrCreate(core::Env* env, const std::string& path, bool create);

  std::string Sign(const AccessGrant& grant) const;
  // Errors: kPermissionDenied for a malformed, tampered or expired token (the message says
  // which), evaluated at `now_unix`.
  Result<AccessGrant> Verify(const std::string& token, uint64_t now_unix) const;

 private:
  std::array<uint8_t, 64> secret_{};
  std::array<uint8_t, 32> public_{};
};

}  // namespace cairn::objects

#endif  // CAIRN_MODELS_OBJECTS_ACCESS_TOKEN_H_
