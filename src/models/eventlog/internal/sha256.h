// Sha256: the RFC 9162 hashes the event log is built from (leaf = SHA-256(0x00 || event), node =
// SHA-256(0x01 || left || right)), on OpenSSL with one reusable digest context per object, which
// costs about half of what a fresh EVP context per hash does (the tree hashes every event twice).
//
// Thread safety: an object is used by one thread at a time; ThreadLocal() gives each thread its
// own.
#ifndef CAIRN_MODELS_EVENTLOG_INTERNAL_SHA256_H_
#define CAIRN_MODELS_EVENTLOG_INTERNAL_SHA256_H_

#include <array>
#include <cstdint>

#include "core/bytes.h"

struct evp_md_ctx_st;

namespace cairn::eventlog::internal {

using Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // SHA-256(0x00 || data).
  Digest Leaf(ByteSpan data);
  // SHA-256(0x01 || left || right).
  Digest Node(const Digest& left, const Digest& right);
  // SHA-256(a || b || c).
  Digest Hash(ByteSpan a, ByteSpan b = {}, ByteSpan c = {});

  // This thread's instance.
  static Sha256& ThreadLocal();

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace cairn::eventlog::internal

#endif  // CAIRN_MODELS_EVENTLOG_INTERNAL_SHA256_H_
