#include "models/eventlog/internal/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace cairn::eventlog::internal {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // The context remembers the digest, so each hash below re-initialises it with a null type
  // instead of looking SHA-256 up again.
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) std::abort();
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

Digest Sha256::Hash(ByteSpan a, ByteSpan b, ByteSpan c) {
  Digest out;
  unsigned int n = 0;
  // OpenSSL fails these only on a broken context or provider; nothing sane can follow.
  if (EVP_DigestInit_ex2(ctx_, nullptr, nullptr) != 1 ||
      EVP_DigestUpdate(ctx_, a.data(), a.size()) != 1 ||
      (!b.empty() && EVP_DigestUpdate(ctx_, b.data(), b.size()) != 1) ||
      (!c.empty() && EVP_DigestUpdate(ctx_, c.data(), c.size()) != 1) ||
      EVP_DigestFinal_ex(ctx_, out.data(), &n) != 1) {
    std::abort();
  }
  return out;
}

Digest Sha256::Leaf(ByteSpan data) {
  static constexpr uint8_t kPrefix = 0x00;
  return Hash(ByteSpan(&kPrefix, 1), data);
}

Digest Sha256::Node(const Digest& left, const Digest& right) {
  static constexpr uint8_t kPrefix = 0x01;
  return Hash(ByteSpan(&kPrefix, 1), ByteSpan(left), ByteSpan(right));
}

Sha256& Sha256::ThreadLocal() {
  thread_local Sha256 hasher;
  return hasher;
}

}  // namespace cairn::eventlog::internal
